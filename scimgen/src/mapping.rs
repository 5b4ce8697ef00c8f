//! What attribute-mapping tables mean for a project: `scimgen import` turns tables into the
//! system definition (and vendor extension schema files), `scimgen table` turns the system
//! definition back into tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use scim::filter::ast::AttrPath;
use scim::schema::{
    AttrOwner, Attribute, AttributeType, Mutability, ResolvedAttr, ResourceSchema, Schema, SchemaExtension, loader,
};
use scim_codegen::{ResourceTypeDefinition, SystemDefinition};

use crate::config::{ProjectConfig, TableNotes};
use crate::error::{CliError, CliResult};
use crate::table::{Row, Table, type_name};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The User resource type, optionally with the enterprise extension.
pub fn user_definition(enterprise: bool) -> ResourceTypeDefinition {
    ResourceTypeDefinition {
        name: "User".into(),
        endpoint: "/Users".into(),
        schema: USER_URN.into(),
        extensions: if enterprise {
            vec![SchemaExtension { schema: ENTERPRISE_URN.into(), required: false }]
        } else {
            Vec::new()
        },
        attributes: None,
        filter: None,
    }
}

/// The Group resource type.
pub fn group_definition() -> ResourceTypeDefinition {
    ResourceTypeDefinition {
        name: "Group".into(),
        endpoint: "/Groups".into(),
        schema: GROUP_URN.into(),
        extensions: Vec::new(),
        attributes: None,
        filter: None,
    }
}

/// Entra ID's default group mapping: `displayName`, `externalId`, `members`, with the runtime's
/// default filters (`eq` on `id`, `displayName`, `externalId` and `members.value`). No filter
/// table of its own: Entra ID matches groups on `displayName` or `externalId` (and queries
/// `externalId eq` with members excluded), so a project whose vendor table lists only users
/// must keep both.
pub fn entra_group_definition() -> ResourceTypeDefinition {
    ResourceTypeDefinition {
        attributes: Some(vec!["displayName".into(), "externalId".into(), "members".into()]),
        ..group_definition()
    }
}

/// The built-in schemas plus the system's schema files (relative to `root`).
pub fn load_schemas(system: &SystemDefinition, root: &Path) -> CliResult<Vec<Arc<Schema>>> {
    let (schemas, outcomes) = loader::load_schema_set(system.schema_files.iter().map(|file| {
        let path = root.join(file);
        let name = path.display().to_string();
        (path, name)
    }));
    let problems: Vec<String> = outcomes
        .into_iter()
        .filter_map(Result::err)
        .flat_map(|errors| errors.problems.into_iter().map(|p| p.to_string()))
        .collect();
    if problems.is_empty() {
        Ok(schemas)
    } else {
        Err(CliError::new("the project's schema files have problems")
            .with_details(problems)
            .hint("fix them (`scimgen check` lists every problem), then run the command again"))
    }
}

/// A resource type definition bound to its schemas.
pub fn resource_schema(definition: &ResourceTypeDefinition, schemas: &[Arc<Schema>]) -> CliResult<ResourceSchema> {
    ResourceSchema::new(definition.resource_type(), schemas).map_err(|e| {
        CliError::new(format!("resource type {}: {}", definition.name, e.detail))
            .hint("add the schema file to `schemaFiles` in scimgen.toml, or fix the URN")
    })
}

/// `emails[type eq "work"].value`, `urn:...:User:manager`: the canonical spelling, lower-cased,
/// for comparing paths written differently.
pub fn canonical_key(resolved: &ResolvedAttr<'_>, path: &AttrPath) -> String {
    resolved.canonical_with_filter(path.filter.as_ref().map(ToString::to_string).as_deref()).to_ascii_lowercase()
}

fn key_of(schema: &ResourceSchema, text: &str) -> String {
    if schema.extension(text).is_some() {
        return text.to_ascii_lowercase();
    }
    scim::filter::parse_path(text)
        .ok()
        .and_then(|path| schema.resolve(&path).ok().map(|resolved| canonical_key(&resolved, &path)))
        .unwrap_or_else(|| text.to_ascii_lowercase())
}

/// The table's type name of an attribute, as Entra ID's attribute editor names it: a complex
/// attribute pointing at another resource (it has `$ref`: `manager`, `members`) is a
/// Reference, another complex one with a `value` (`emails`) has that one's type.
pub fn derived_type(attribute: &Attribute) -> &'static str {
    let kind = match attribute.kind {
        AttributeType::Complex if attribute.sub_attribute("$ref").is_some() => AttributeType::Reference,
        AttributeType::Complex => attribute.sub_attribute("value").map_or(AttributeType::Complex, |v| v.kind),
        kind => kind,
    };
    match kind {
        AttributeType::String => "String",
        AttributeType::Boolean => "Boolean",
        AttributeType::Integer => "Integer",
        AttributeType::Decimal => "Decimal",
        AttributeType::DateTime => "DateTime",
        AttributeType::Reference => "Reference",
        AttributeType::Binary => "Binary",
        AttributeType::Complex => "Complex",
    }
}

/// Whether the runtime filters on a path by default (`FilterFlag::Default`, see the typed
/// contract): what Entra ID and Okta match on. Used only to document the defaults.
fn default_filterable(schema: &ResourceSchema, resolved: &ResolvedAttr<'_>) -> bool {
    let name = resolved.attribute.name.as_str();
    let sub = resolved.sub_attribute.map(|s| s.name.as_str()).or_else(|| {
        // A complex attribute listed whole is filterable through its `value`.
        resolved.attribute.sub_attribute("value").map(|_| "value")
    });
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match resolved.owner {
        AttrOwner::Common => is(name, "id") || is(name, "externalId"),
        AttrOwner::Core if is(&schema.core.id, USER_URN) => {
            is(name, "userName") || (is(name, "emails") && sub.is_some_and(|s| is(s, "value")))
        }
        AttrOwner::Core if is(&schema.core.id, GROUP_URN) => {
            is(name, "displayName") || (is(name, "members") && sub.is_some_and(|s| is(s, "value")))
        }
        AttrOwner::Core => false,
        AttrOwner::Extension(extension) => {
            is(&extension.id, ENTERPRISE_URN) && is(name, "manager") && sub.is_some_and(|s| is(s, "value"))
        }
    }
}

/// Every path a client can map when a resource type's definition lists none: `externalId`,
/// then each writable attribute of the core schema and of each extension; a complex one as its
/// sub-attributes (`name.givenName`, `emails.value`) unless it points at another resource
/// (`manager`, `members`), which is mapped whole.
fn all_paths(schema: &ResourceSchema) -> Vec<String> {
    let mut paths = vec!["externalId".to_owned()];
    let mut push = |prefix: &str, attribute: &Attribute| {
        if attribute.mutability == Mutability::ReadOnly {
            return;
        }
        if attribute.kind == AttributeType::Complex && attribute.sub_attribute("$ref").is_none() {
            let subs = attribute.sub_attributes.iter().filter(|s| s.mutability != Mutability::ReadOnly);
            paths.extend(subs.map(|s| format!("{prefix}{}.{}", attribute.name, s.name)));
        } else {
            paths.push(format!("{prefix}{}", attribute.name));
        }
    };
    for attribute in &schema.core.attributes {
        push("", attribute);
    }
    for extension in &schema.extensions {
        for attribute in &extension.schema.attributes {
            push(&format!("{}:", extension.schema.id), attribute);
        }
    }
    paths
}

/// The tables `scimgen table` prints: one per resource type, with its heading.
pub fn describe(config: &ProjectConfig, root: &Path) -> CliResult<Vec<(String, Table)>> {
    let schemas = load_schemas(&config.system, root)?;
    let mut tables = Vec::new();
    for definition in &config.system.resource_types {
        let schema = resource_schema(definition, &schemas)?;
        let notes = config.table.get(&definition.name);
        let paths = definition.attributes.clone().unwrap_or_else(|| all_paths(&schema));
        let filter_keys: Option<BTreeSet<String>> =
            definition.filter.as_ref().map(|f| f.keys().map(|k| key_of(&schema, k)).collect());
        let required_keys: Option<BTreeSet<String>> =
            notes.map(|n| n.required.iter().map(|k| key_of(&schema, k)).collect());
        let mut rows = Vec::new();
        for text in paths.iter().filter(|p| !p.eq_ignore_ascii_case("id")) {
            let key = key_of(&schema, text);
            let resolved = scim::filter::parse_path(text).ok().and_then(|p| schema.resolve(&p).ok());
            let whole_extension = schema.extension(text);
            let type_override = notes.and_then(|n| n.types.iter().find(|(k, _)| key_of(&schema, k) == key));
            let type_name = match (type_override, &resolved) {
                (Some((_, name)), _) => name.clone(),
                (None, Some(resolved)) => derived_type(resolved.leaf()).to_owned(),
                (None, None) if whole_extension.is_some() => "Complex".to_owned(),
                (None, None) => {
                    return Err(CliError::new(format!(
                        "scimgen.toml: resource type {}: attribute `{text}` is not in its schemas",
                        definition.name
                    ))
                    .hint("run `scimgen check` for details"));
                }
            };
            let filter = match (&filter_keys, &resolved) {
                (Some(keys), _) => keys.contains(&key),
                (None, Some(resolved)) => default_filterable(&schema, resolved),
                (None, None) => false,
            };
            let required = match (&required_keys, &resolved) {
                (Some(keys), _) => keys.contains(&key),
                (None, Some(resolved)) => resolved.leaf().required,
                (None, None) => whole_extension.is_some_and(|e| e.required),
            };
            rows.push(Row { attribute: text.clone(), type_name, filter, required });
        }
        let heading = format!("{} attributes (endpoint {})", definition.name, definition.endpoint);
        tables.push((
            heading,
            Table {
                context: String::new(),
                has_filter_column: true,
                has_required_column: true,
                required_by: config.system.name.clone(),
                rows,
            },
        ));
    }
    Ok(tables)
}

/// Which resource type a table maps: its rows decide (`userName` is only a User's, `members`
/// only a Group's), else the text before it ("group attributes", "Synchronize ... Groups").
pub fn table_resource(table: &Table) -> &'static str {
    let has = |name: &str| table.rows.iter().any(|r| r.attribute.eq_ignore_ascii_case(name));
    if has("userName") {
        return "User";
    }
    if has("members") {
        return "Group";
    }
    let context = table.context.to_ascii_lowercase();
    if context.matches("group").count() > context.matches("user").count() { "Group" } else { "User" }
}

/// Options of [`import_tables`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Add Entra ID's default Group mapping when the document has no group table.
    pub default_groups: bool,
}

/// What an import did, for the report.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Resource type name -> number of rows.
    pub resource_types: Vec<(String, usize)>,
    /// Vendor schema files written (relative to the project root).
    pub schema_files: Vec<String>,
    pub warnings: Vec<String>,
}

/// A vendor extension collected from the rows: its URN and attributes.
struct VendorSchema {
    file: String,
    schema: Schema,
    changed: bool,
}

/// `real-links-user` for `urn:ietf:params:scim:schemas:extension:real-links:2.0:User`.
pub fn urn_slug(urn: &str) -> String {
    const NOISE: [&str; 6] = ["urn", "ietf", "params", "scim", "schemas", "extension"];
    let parts: Vec<String> = urn
        .split(':')
        .filter(|p| !p.is_empty() && !NOISE.iter().any(|n| n.eq_ignore_ascii_case(p)))
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .map(|p| p.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect())
        .collect();
    let slug = parts.join("-");
    if slug.is_empty() { "extension".into() } else { slug }
}

/// `RealLinksUser` for the same URN.
fn urn_schema_name(urn: &str) -> String {
    urn_slug(urn)
        .split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn attribute_type(type_word: &str) -> Option<AttributeType> {
    Some(match type_name(type_word)? {
        "String" => AttributeType::String,
        "Boolean" => AttributeType::Boolean,
        "Integer" => AttributeType::Integer,
        "Decimal" => AttributeType::Decimal,
        "DateTime" => AttributeType::DateTime,
        "Reference" => AttributeType::Reference,
        "Binary" => AttributeType::Binary,
        _ => return None,
    })
}

fn new_attribute(name: &str, kind: AttributeType) -> Attribute {
    let mut attribute = Attribute::new(name, kind);
    attribute.description = Some(format!("`{name}`, from the vendor's attribute-mapping table."));
    if kind == AttributeType::Reference {
        attribute.reference_types = vec!["external".into()];
    }
    attribute
}

/// Apply a document's tables to `config`: each table becomes (replaces) the resource type it
/// maps; vendor extension URNs become schema files under `schemas/` (an existing file for the
/// URN keeps its attributes and gains the new ones). Files are written by the caller from
/// the returned `(path, json)` list, so nothing is written when anything is wrong.
pub fn import_tables(
    config: &mut ProjectConfig,
    root: &Path,
    tables: &[Table],
    source: &str,
    system_name: Option<&str>,
    options: ImportOptions,
) -> CliResult<(ImportReport, Vec<(PathBuf, String)>)> {
    let mut report = ImportReport::default();
    let by_resource = tables_by_resource(tables, source)?;
    let mut vendors = project_vendor_schemas(config, root)?;
    let mut definitions = Vec::new();
    for (resource, table) in &by_resource {
        let extensions = read_rows(resource, table, source, &mut vendors)?;
        let definition = table_definition(resource, table, extensions, &mut report);
        report.resource_types.push(((*resource).to_owned(), table.rows.len()));
        definitions.push((definition, *table));
    }
    if !by_resource.iter().any(|(r, _)| *r == "Group") && options.default_groups {
        definitions.push((entra_group_definition(), &*ENTRA_GROUP_TABLE));
        report.resource_types.push(("Group".to_owned(), 3));
    }

    // The schemas as they will be, to check every row resolves and derive the table notes.
    let schemas = loader::with_builtins(vendors.values().map(|vendor| vendor.schema.clone()));
    let mut notes = BTreeMap::new();
    for (definition, table) in &definitions {
        if let Some(table_notes) = table_notes(definition, table, &schemas, source, &mut report)? {
            notes.insert(definition.name.clone(), table_notes);
        }
    }

    // Apply: replace same-named resource types (keeping the others), User before Group.
    for (definition, _) in definitions {
        config.table.remove(&definition.name);
        match config.system.resource_types.iter_mut().find(|d| d.name.eq_ignore_ascii_case(&definition.name)) {
            Some(existing) => *existing = definition,
            None => config.system.resource_types.push(definition),
        }
    }
    config.table.extend(notes);
    if let Some(name) = tables.iter().find_map(|t| t.required_by.clone()).or_else(|| system_name.map(str::to_owned)) {
        config.system.name = Some(name);
    }
    let writes = vendor_schema_writes(config, root, &vendors, &mut report)?;
    Ok((report, writes))
}

/// The tables by resource type (one each), User before Group whatever order the document has.
fn tables_by_resource<'t>(tables: &'t [Table], source: &str) -> CliResult<Vec<(&'static str, &'t Table)>> {
    let mut by_resource: Vec<(&'static str, &Table)> = Vec::new();
    for table in tables {
        let resource = table_resource(table);
        if by_resource.iter().any(|(r, _)| *r == resource) {
            return Err(CliError::new(format!("{source} has two attribute-mapping tables for {resource}s"))
                .hint("keep one table per resource type (User, Group) in the file"));
        }
        by_resource.push((resource, table));
    }
    by_resource.sort_by_key(|(resource, _)| *resource != "User");
    Ok(by_resource)
}

/// The vendor schemas already in the project, by lower-cased URN.
fn project_vendor_schemas(config: &ProjectConfig, root: &Path) -> CliResult<BTreeMap<String, VendorSchema>> {
    let mut vendors = BTreeMap::new();
    for file in &config.system.schema_files {
        let schema = loader::load_schema_file(&root.join(file)).map_err(|errors| {
            CliError::new(format!("schema file {file} (listed in scimgen.toml) has problems"))
                .with_details(errors.problems.iter().map(|p| p.to_string()))
        })?;
        vendors.insert(schema.id.to_ascii_lowercase(), VendorSchema { file: file.clone(), schema, changed: false });
    }
    Ok(vendors)
}

/// Check a table's rows and grow the vendor schemas by the vendor attributes they name; the
/// extension URNs the rows use, in order of first use.
fn read_rows(
    resource: &str,
    table: &Table,
    source: &str,
    vendors: &mut BTreeMap<String, VendorSchema>,
) -> CliResult<Vec<String>> {
    let core_urn = if resource == "User" { USER_URN } else { GROUP_URN };
    let mut extensions: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in table.rows.iter().enumerate() {
        let where_ = format!("{source}: {resource} table, row {} (`{}`)", index + 1, row.attribute);
        let path = match scim::filter::parse_path(&row.attribute) {
            Ok(path) => path,
            Err(error) => {
                problems.push(format!("{where_}: not an attribute path: {}", error.detail));
                continue;
            }
        };
        if type_name(&row.type_name).is_none() {
            problems.push(format!(
                "{where_}: unknown type `{}`; use one of {}",
                row.type_name,
                crate::table::TYPE_NAMES.join(", ")
            ));
            continue;
        }
        let Some(urn) = path.urn.clone() else { continue };
        if urn.eq_ignore_ascii_case(core_urn) {
            continue;
        }
        if !extensions.iter().any(|e| e.eq_ignore_ascii_case(&urn)) {
            extensions.push(urn.clone());
        }
        if urn.eq_ignore_ascii_case(ENTERPRISE_URN) {
            continue;
        }
        // A vendor extension: make sure the schema has the attribute.
        let Some(kind) = attribute_type(&row.type_name) else {
            problems.push(format!("{where_}: a vendor attribute needs a plain type, not `{}`", row.type_name));
            continue;
        };
        let vendor = vendors.entry(urn.to_ascii_lowercase()).or_insert_with(|| VendorSchema::new(&urn));
        if let Err(problem) = vendor.add_attribute(&path.name, path.sub_attr.as_deref(), kind) {
            problems.push(format!("{where_}: {problem}"));
        }
    }
    if !problems.is_empty() {
        return Err(CliError::new(format!("cannot import {source}"))
            .with_details(problems)
            .hint("fix the table rows (Attribute is a SCIM path, Type one of String, Boolean, ...)"));
    }
    Ok(extensions)
}

impl VendorSchema {
    /// A new vendor extension schema, written to `schemas/<slug>.json`.
    fn new(urn: &str) -> Self {
        VendorSchema {
            file: format!("schemas/{}.json", urn_slug(urn)),
            schema: Schema {
                id: urn.to_owned(),
                name: Some(urn_schema_name(urn)),
                description: Some(format!("Vendor extension {urn}, from the attribute-mapping table.")),
                attributes: Vec::new(),
            },
            changed: true,
        }
    }

    /// Make sure the schema has `name` (or its sub-attribute `sub`), adding what is missing.
    fn add_attribute(&mut self, name: &str, sub: Option<&str>, kind: AttributeType) -> Result<(), String> {
        match (sub, self.schema.attributes.iter_mut().find(|a| a.is_named(name))) {
            (None, Some(_)) => {}
            (None, None) => {
                self.schema.attributes.push(new_attribute(name, kind));
                self.changed = true;
            }
            (Some(sub), Some(parent)) if parent.kind == AttributeType::Complex => {
                if parent.sub_attribute(sub).is_none() {
                    parent.sub_attributes.push(new_attribute(sub, kind));
                    self.changed = true;
                }
            }
            (Some(_), Some(parent)) => return Err(format!("`{}` is not complex in {}", parent.name, self.file)),
            (Some(sub), None) => {
                let mut parent = new_attribute(name, AttributeType::Complex);
                parent.sub_attributes.push(new_attribute(sub, kind));
                self.schema.attributes.push(parent);
                self.changed = true;
            }
        }
        Ok(())
    }
}

/// The resource type a table defines: its attributes in table order, and the filters its
/// "Supported for filtering" column marks (`eq`), or the runtime's defaults, said in a warning.
fn table_definition(
    resource: &str,
    table: &Table,
    extensions: Vec<String>,
    report: &mut ImportReport,
) -> ResourceTypeDefinition {
    let (core_urn, endpoint) = if resource == "User" { (USER_URN, "/Users") } else { (GROUP_URN, "/Groups") };
    let mut attributes: Vec<String> = Vec::new();
    for row in &table.rows {
        if !attributes.contains(&row.attribute) {
            attributes.push(row.attribute.clone());
        }
    }
    let any_filter = table.rows.iter().any(|r| r.filter);
    let filter = if any_filter {
        Some(table.rows.iter().filter(|r| r.filter).map(|r| (r.attribute.clone(), vec!["eq".to_owned()])).collect())
    } else {
        let why = if table.has_filter_column {
            "marks no attribute in its \"Supported for filtering\" column (a copied web page loses the marks)"
        } else {
            "has no \"Supported for filtering\" column"
        };
        report.warnings.push(format!(
            "the {resource} table {why}: the runtime's defaults apply (eq on id, externalId, {}); set `filter` in \
             scimgen.toml to choose",
            if resource == "User" { "userName, emails.value, manager.value" } else { "displayName, members.value" }
        ));
        None
    };
    ResourceTypeDefinition {
        name: resource.to_owned(),
        endpoint: endpoint.to_owned(),
        schema: core_urn.to_owned(),
        extensions: extensions.into_iter().map(|schema| SchemaExtension { schema, required: false }).collect(),
        attributes: Some(attributes),
        filter,
    }
}

/// Check every row of `table` resolves against the schemas as they will be, and derive what the
/// printed table must keep that the schemas do not say (its "Required" column, its type names).
fn table_notes(
    definition: &ResourceTypeDefinition,
    table: &Table,
    schemas: &[Arc<Schema>],
    source: &str,
    report: &mut ImportReport,
) -> CliResult<Option<TableNotes>> {
    let schema = resource_schema(definition, schemas)?;
    let mut problems = Vec::new();
    let mut types = BTreeMap::new();
    for row in &table.rows {
        let resolved = scim::filter::parse_path(&row.attribute).and_then(|p| schema.resolve(&p));
        match resolved {
            Ok(resolved) => {
                let derived = derived_type(resolved.leaf());
                if !derived.eq_ignore_ascii_case(&row.type_name) {
                    // Entra ID calls string ids of other resources (`members`) References.
                    let compatible = derived == "Complex"
                        || matches!(
                            (derived, type_name(&row.type_name)),
                            ("String", Some("Reference")) | ("Reference", Some("String"))
                        );
                    if !compatible {
                        report.warnings.push(format!(
                            "{}: `{}` is {} in the table but {derived} in the schema; the schema's type is served",
                            definition.name, row.attribute, row.type_name
                        ));
                    }
                    types.insert(row.attribute.clone(), type_name(&row.type_name).unwrap_or("String").to_owned());
                }
            }
            Err(error) => problems.push(format!("{}: `{}`: {}", definition.name, row.attribute, error.detail)),
        }
    }
    if !problems.is_empty() {
        return Err(CliError::new(format!("cannot import {source}: some attributes are not in the schemas"))
            .with_details(problems)
            .hint("use the schemas' attribute names (RFC 7643), or a vendor extension URN prefix for your own"));
    }
    if table.has_required_column {
        let required: Vec<String> = table.rows.iter().filter(|r| r.required).map(|r| r.attribute.clone()).collect();
        if required.is_empty() {
            report.warnings.push(format!(
                "the {} table marks no attribute in its \"Required\" column; none is listed as required",
                definition.name
            ));
        }
        Ok(Some(TableNotes { required, types }))
    } else if !types.is_empty() {
        Ok(Some(TableNotes { required: Vec::new(), types }))
    } else {
        Ok(None)
    }
}

/// List every vendor schema in scimgen.toml, and the files to write for those the import changed.
fn vendor_schema_writes(
    config: &mut ProjectConfig,
    root: &Path,
    vendors: &BTreeMap<String, VendorSchema>,
    report: &mut ImportReport,
) -> CliResult<Vec<(PathBuf, String)>> {
    let mut writes = Vec::new();
    for vendor in vendors.values() {
        if !config.system.schema_files.contains(&vendor.file) {
            config.system.schema_files.push(vendor.file.clone());
        }
        if vendor.changed {
            let json = serde_json::to_string_pretty(&vendor.schema)
                .map_err(|e| CliError::new(format!("internal error: cannot write {}: {e}", vendor.file)))?;
            report.schema_files.push(vendor.file.clone());
            writes.push((root.join(&vendor.file), format!("{json}\n")));
        }
    }
    Ok(writes)
}

/// Entra ID's default group mapping as a table, so it gets its notes (`members` is a Reference).
static ENTRA_GROUP_TABLE: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| Table {
    context: String::new(),
    has_filter_column: true,
    has_required_column: false,
    required_by: None,
    rows: vec![
        Row { attribute: "displayName".into(), type_name: "String".into(), filter: true, required: false },
        Row { attribute: "externalId".into(), type_name: "String".into(), filter: true, required: false },
        Row { attribute: "members".into(), type_name: "Reference".into(), filter: true, required: false },
    ],
});
