//! Checking a [`Resource`] against its schemas. Every problem is accumulated and reported at
//! the offending span (the path literal, the field, the struct attribute), naming the field and
//! the schema attribute, with a "did you mean" where one is close.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use scim::filter::ast::{AttrPath, CompareOp};
use scim::schema::{
    AttrOwner, Attribute, AttributeType, ResolvedAttr, ResourceSchema, ResourceType, Schema, SchemaExtension, builtin,
    loader, suggestion,
};

use crate::ast::{Field, FilterChoice, Leaf, Multiplicity, Resource, Spanned};
use crate::diagnostics::Diagnostics;
use crate::restrict::Restriction;

/// What expansion needs: everything resolved and serialised.
#[derive(Debug)]
pub struct Checked {
    pub resource_type_json: String,
    pub schemas_json: Vec<String>,
    /// One per field, in struct order; `None` for skipped fields.
    pub fields: Vec<Option<MappedField>>,
    /// Index into the mapped fields (the `FieldSpec` list) of the `id` field.
    pub id_field: Option<usize>,
    /// Absolute paths of the schema files read, so the build reruns when they change.
    pub tracked_files: Vec<String>,
}

/// A mapped field as the `FieldSpec` will state it.
#[derive(Debug)]
pub struct MappedField {
    pub path: String,
    pub filter: FilterChoice,
}

/// What a field's path reached.
enum Target<'s> {
    /// A whole extension object.
    Extension(&'s Schema, bool),
    /// An attribute or sub-attribute, possibly selected by a value filter.
    Attribute { resolved: ResolvedAttr<'s>, path: AttrPath },
}

/// Check `resource`; `manifest_dir` is where `schema_file` paths start.
pub fn check(resource: &Resource, manifest_dir: &Path, diagnostics: &mut Diagnostics) -> Option<Checked> {
    let (schemas, tracked_files) = load_schemas(resource, manifest_dir, diagnostics);
    let files_failed = !diagnostics.is_empty();
    let resource_schema = bind_resource_type(resource, &schemas, files_failed, diagnostics)?;
    let mut restriction = Restriction::default();
    let mut seen: Vec<(String, String, &Field)> = Vec::new(); // (key, display, field)
    let mut ids = Vec::new();
    let mut fields = Vec::new();
    let mut mapped_count = 0;
    let mut unresolved = false;
    let mut mapped_core: BTreeSet<String> = BTreeSet::new();
    for field in &resource.fields {
        let Some(path) = &field.path else {
            fields.push(None);
            continue;
        };
        let index = mapped_count;
        mapped_count += 1;
        fields.push(Some(MappedField { path: path.text.clone(), filter: field.filter.clone() }));
        let Some(target) = resolve_field(field, &path.text, &resource_schema, &schemas, diagnostics) else {
            unresolved = true;
            continue;
        };
        match &target {
            Target::Extension(schema, required) => {
                check_whole_extension(field, schema, *required, diagnostics);
                check_only(field, &target, &mut restriction, diagnostics);
                let key = schema.id.to_ascii_lowercase();
                for other in seen
                    .iter()
                    .filter(|other| other.0 == key || covers(&key, &other.0) && !only_excludes(field, &key, &other.0))
                {
                    overlap(field, other.2, &schema.id, &other.1, diagnostics);
                }
                seen.push((key, schema.id.clone(), field));
            }
            Target::Attribute { resolved, path: attr_path } => {
                let value_filter = attr_path.filter.as_deref();
                if resolved.owner == AttrOwner::Common && resolved.attribute.is_named("schemas") {
                    diagnostics.error(
                        field.span(),
                        format!("field `{}` maps `schemas`, which the runtime writes; remove the field", field.ident),
                    );
                    continue;
                }
                let is_id = resolved.owner == AttrOwner::Common && resolved.attribute.is_named("id");
                if is_id {
                    ids.push((index, field));
                }
                if resolved.owner == AttrOwner::Core {
                    mapped_core.insert(resolved.attribute.name.to_ascii_lowercase());
                }
                check_type(field, resolved, value_filter.is_some(), &resource_schema, diagnostics);
                check_filter(field, resolved, diagnostics);
                if field.only.is_some() {
                    check_only(field, &target, &mut restriction, diagnostics);
                } else {
                    restriction.select(resolved, value_filter);
                }
                let display = display_path(resolved, attr_path);
                let key = display.to_ascii_lowercase();
                let whole = resolved_whole_key(resolved);
                for other in &seen {
                    if other.0 == key {
                        // A second `id` is reported once, below.
                        if !is_id {
                            diagnostics.error(
                                field.span(),
                                format!(
                                    "field `{}` maps `{display}`, which field `{}` already maps; map each path once",
                                    field.ident, other.2.ident
                                ),
                            );
                        }
                    } else if other.0 == whole
                        || covers(&other.0, &key) && !only_excludes(other.2, &other.0, &key)
                        || covers(&key, &other.0)
                    {
                        overlap(field, other.2, &display, &other.1, diagnostics);
                    }
                }
                seen.push((key, display, field));
            }
        }
    }
    // A path that did not resolve may well be the misspelled required attribute.
    if !unresolved {
        check_required(resource, &resource_schema, &mapped_core, diagnostics);
    }
    match ids.as_slice() {
        [] => diagnostics.error(
            resource.ident.span(),
            format!("`{}` has no id field; mark the field holding the SCIM `id` with #[scim(id)]", resource.ident),
        ),
        [_] => {}
        [_, rest @ ..] => {
            for (_, field) in rest {
                diagnostics.error(
                    field.span(),
                    format!("field `{}` is a second `id` field; exactly one field may map `id`", field.ident),
                );
            }
        }
    }
    if !diagnostics.is_empty() {
        return None;
    }
    let resource_type_json = serde_json::to_string(&resource_schema.resource_type).ok()?;
    let core = std::iter::once(restriction.apply(&resource_schema.core, true));
    let extensions = resource_schema.extensions.iter().map(|e| restriction.apply(&e.schema, false));
    let schemas_json = core.chain(extensions).filter_map(|schema| serde_json::to_string(&schema).ok()).collect();
    Some(Checked {
        resource_type_json,
        schemas_json,
        fields,
        id_field: ids.first().map(|(index, _)| *index),
        tracked_files,
    })
}

/// The path of a whole attribute, lower-cased, as a key: a mapping of it overlaps any mapping
/// inside it.
fn resolved_whole_key(resolved: &ResolvedAttr<'_>) -> String {
    let mut key = String::new();
    if let Some(urn) = resolved.extension_urn() {
        key.push_str(urn);
        key.push(':');
    }
    key.push_str(&resolved.attribute.name);
    key.to_ascii_lowercase()
}

/// Whether the mapping with key `outer` contains the one with key `inner` (`name` contains
/// `name.givenName`; an extension URN contains its attributes).
fn covers(outer: &str, inner: &str) -> bool {
    inner.len() > outer.len()
        && inner.starts_with(outer)
        && matches!(inner.as_bytes().get(outer.len()), Some(b'.' | b'[' | b':'))
}

/// Whether `outer` (a field mapping the key `outer_key` with `only`) leaves out what the key
/// `inner_key` maps: `only = "badge"` on an extension leaves `urn:...:User:costCenter` to a
/// field of its own (the CLI gives filterable extension attributes their own field).
fn only_excludes(outer: &Field, outer_key: &str, inner_key: &str) -> bool {
    let Some(only) = &outer.only else { return false };
    let Some(relative) = inner_key.get(outer_key.len() + 1..) else { return false };
    let attribute = relative.split(['.', '[']).next().unwrap_or(relative);
    !only.value.iter().any(|kept| {
        let kept = kept.to_ascii_lowercase();
        kept == attribute || kept.split('.').next() == Some(attribute)
    })
}

fn overlap(field: &Field, other: &Field, display: &str, other_display: &str, diagnostics: &mut Diagnostics) {
    diagnostics.error(
        field.span(),
        format!(
            "field `{}` maps `{display}`, which overlaps field `{}` mapping `{other_display}`; a value would be \
             written twice",
            field.ident, other.ident
        ),
    );
}

/// `emails[type eq "work"].value`, `urn:...:User:manager.value`: the canonical spelling.
pub(crate) fn display_path(resolved: &ResolvedAttr<'_>, path: &AttrPath) -> String {
    resolved.canonical_with_filter(path.filter.as_ref().map(ToString::to_string).as_deref())
}

/// Built-in schemas plus the `schema_file`s.
fn load_schemas(
    resource: &Resource,
    manifest_dir: &Path,
    diagnostics: &mut Diagnostics,
) -> (Vec<Arc<Schema>>, Vec<String>) {
    let paths: Vec<PathBuf> = resource.schema_files.iter().map(|file| manifest_dir.join(&file.value)).collect();
    let (schemas, outcomes) =
        loader::load_schema_set(paths.iter().zip(&resource.schema_files).map(|(path, file)| (path, &file.value)));
    let mut tracked = Vec::new();
    for ((file, full), outcome) in resource.schema_files.iter().zip(&paths).zip(outcomes) {
        match outcome {
            Ok(_) => tracked.push(full.display().to_string()),
            Err(errors) => diagnostics.error(
                file.span,
                // The path as written: the absolute one depends on where the crate is built
                // (trybuild copies it under the target directory) and would only add noise.
                format!("schema_file `{}` (relative to the crate's manifest directory): {errors}", file.value),
            ),
        }
    }
    (schemas, tracked)
}

/// The resource type the struct declares, bound to its schemas. `files_failed`: a schema file
/// could not be loaded, so an unknown URN is most likely in it and is not reported again.
fn bind_resource_type(
    resource: &Resource,
    schemas: &[Arc<Schema>],
    files_failed: bool,
    diagnostics: &mut Diagnostics,
) -> Option<ResourceSchema> {
    let Some(name) = &resource.name else {
        diagnostics.error(
            resource.ident.span(),
            format!("`{}` needs #[scim(resource = \"User\")] naming its SCIM resource type", resource.ident),
        );
        return None;
    };
    let schema_urn = match (&resource.schema, name.value.as_str()) {
        (Some(schema), _) => schema.clone(),
        (None, "User") => Spanned { value: builtin::USER_URN.to_owned(), span: name.span },
        (None, "Group") => Spanned { value: builtin::GROUP_URN.to_owned(), span: name.span },
        (None, other) => {
            diagnostics.error(
                name.span,
                format!("resource type `{other}` needs #[scim(schema = \"urn:...\")] naming its core schema"),
            );
            return None;
        }
    };
    let find = |urn: &Spanned<String>, what: &str, diagnostics: &mut Diagnostics| {
        let found = schemas.iter().find(|s| s.id.eq_ignore_ascii_case(&urn.value)).cloned();
        if found.is_none() && !files_failed {
            diagnostics.error(
                urn.span,
                format!(
                    "{what} `{}` is neither a built-in schema nor in a schema_file (add #[scim(schema_file = \
                     \"path/to/schema.json\")] to load it){}",
                    urn.value,
                    suggestion(&urn.value, schemas.iter().map(|s| s.id.as_str()))
                ),
            );
        }
        found
    };
    let core = find(&schema_urn, "schema", diagnostics)?;
    let mut extensions = Vec::new();
    for (urn, required) in &resource.extensions {
        if urn.value.eq_ignore_ascii_case(&core.id) {
            diagnostics.error(urn.span, format!("`{}` is the core schema; it cannot also be an extension", urn.value));
            continue;
        }
        if let Some(schema) = find(urn, "extension", diagnostics) {
            if extensions.iter().any(|e: &scim::schema::Extension| e.schema.id == schema.id) {
                diagnostics.error(urn.span, format!("extension `{}` is declared twice", urn.value));
                continue;
            }
            extensions.push(scim::schema::Extension { schema, required: *required });
        }
    }
    let endpoint = resource.endpoint.as_ref().map_or_else(|| format!("/{}s", name.value), |e| e.value.clone());
    if !endpoint.starts_with('/')
        && let Some(e) = &resource.endpoint
    {
        diagnostics.error(e.span, format!("endpoint `{endpoint}` must start with `/`, e.g. `/{}s`", name.value));
    }
    let resource_type = ResourceType {
        id: Some(name.value.clone()),
        name: name.value.clone(),
        endpoint,
        description: None,
        schema: core.id.clone(),
        schema_extensions: extensions
            .iter()
            .map(|e| SchemaExtension { schema: e.schema.id.clone(), required: e.required })
            .collect(),
    };
    Some(ResourceSchema { resource_type, core, extensions })
}

/// Resolve a field's path against the resource schema; report why not at the path.
fn resolve_field<'s>(
    field: &Field,
    text: &str,
    resource_schema: &'s ResourceSchema,
    schemas: &[Arc<Schema>],
    diagnostics: &mut Diagnostics,
) -> Option<Target<'s>> {
    let ident = &field.ident;
    let how = match &field.path {
        Some(p) if p.implicit && !text.eq_ignore_ascii_case("id") => {
            " (derived from the field name; set #[scim(path = \"...\")] to map another attribute)"
        }
        _ => "",
    };
    if let Some(extension) = resource_schema.extension(text) {
        return Some(Target::Extension(&extension.schema, extension.required));
    }
    if resource_schema.core.id.eq_ignore_ascii_case(text) {
        diagnostics.error(
            field.span(),
            format!("field `{ident}` maps the core schema `{text}` itself; map one of its attributes instead"),
        );
        return None;
    }
    let path = match scim::filter::parse_path(text) {
        Ok(path) => path,
        Err(error) => {
            diagnostics.error(field.span(), format!("field `{ident}`: `{text}` is not a SCIM path: {}", error.detail));
            return None;
        }
    };
    let resolved = match resource_schema.resolve(&path) {
        Ok(resolved) => resolved,
        Err(error) => {
            let mut detail = error.detail;
            // A URN that is loaded but not declared: say how to declare it.
            if let Some(urn) = &path.urn {
                let full = format!("{urn}:{}", path.name);
                let known = schemas
                    .iter()
                    .find(|s| s.id.eq_ignore_ascii_case(urn) || s.id.eq_ignore_ascii_case(&full))
                    .filter(|s| resource_schema.schema(&s.id).is_none());
                match known {
                    Some(schema) => detail
                        .push_str(&format!("; declare it with #[scim(extension = \"{}\")] on the struct", schema.id)),
                    None if resource_schema.schema(urn).is_none() => {
                        let urns = resource_schema.schema_urns().map(|u| format!("{u}:"));
                        let urns: Vec<String> = urns.collect();
                        detail.push_str(&suggestion(&format!("{urn}:"), urns.iter().map(String::as_str)));
                    }
                    None => {}
                }
            }
            diagnostics.error(field.span(), format!("field `{ident}` maps `{text}`{how}: {detail}"));
            return None;
        }
    };
    if let Some(filter) = &path.filter {
        if !(resolved.attribute.multi_valued && resolved.attribute.kind == AttributeType::Complex) {
            diagnostics.error(
                field.span(),
                format!(
                    "field `{ident}` maps `{text}`: a `[...]` value filter selects among the values of a \
                     multi-valued complex attribute, and `{}` is not one",
                    resolved.attribute.name
                ),
            );
            return None;
        }
        let parent = ResolvedAttr { sub_attribute: None, ..resolved };
        if let Err(error) = scim::filter::resolve_value_filter(filter, parent) {
            diagnostics.error(field.span(), format!("field `{ident}` maps `{text}`: {}", error.detail));
            return None;
        }
    }
    Some(Target::Attribute { resolved, path })
}

/// Which schema an attribute is in, for messages.
fn schema_label(resolved: &ResolvedAttr<'_>, resource_schema: &ResourceSchema) -> String {
    match resolved.owner {
        AttrOwner::Common => "the common attributes (RFC 7643 section 3.1)".to_owned(),
        AttrOwner::Core => format!("schema {}", resource_schema.core.id),
        AttrOwner::Extension(schema) => format!("schema {}", schema.id),
    }
}

/// The Rust type a SCIM type is best held in, for suggestions.
fn suggested_leaf(attribute: &Attribute) -> &'static str {
    match attribute.kind {
        AttributeType::String => "String",
        AttributeType::Boolean => "bool",
        AttributeType::Decimal => "f64",
        AttributeType::Integer => "i64",
        AttributeType::DateTime => "time::OffsetDateTime",
        AttributeType::Binary => "scim::typed::Binary",
        AttributeType::Reference => "scim::typed::Reference",
        AttributeType::Complex => "a struct with the sub-attributes",
    }
}

fn leaf_fits(leaf: &Leaf, kind: AttributeType) -> bool {
    use AttributeType as T;
    match leaf {
        Leaf::String => matches!(kind, T::String | T::Reference | T::DateTime | T::Binary),
        Leaf::Bool => kind == T::Boolean,
        Leaf::Integer => kind == T::Integer,
        Leaf::Decimal => matches!(kind, T::Decimal | T::Integer),
        Leaf::DateTime => kind == T::DateTime,
        Leaf::Reference => kind == T::Reference,
        Leaf::Binary => kind == T::Binary,
        Leaf::Json | Leaf::Other => true,
    }
}

fn wrap(multiplicity: Multiplicity, leaf: &str) -> String {
    match multiplicity {
        Multiplicity::One => leaf.to_owned(),
        Multiplicity::Optional => format!("Option<{leaf}>"),
        Multiplicity::Many | Multiplicity::OptionalMany => format!("Vec<{leaf}>"),
    }
}

/// The field's type against the attribute's type, multiplicity and requiredness.
fn check_type(
    field: &Field,
    resolved: &ResolvedAttr<'_>,
    selected_by_filter: bool,
    resource_schema: &ResourceSchema,
    diagnostics: &mut Diagnostics,
) {
    let leaf = resolved.leaf();
    let ident = &field.ident;
    let rust = &field.rust;
    let label = schema_label(resolved, resource_schema);
    let name = display_name(resolved);
    let multi = resolved.is_multi_valued() && !selected_by_filter;
    let leaf_suggestion =
        if leaf_fits(&rust.leaf, leaf.kind) { rust.leaf_written.clone() } else { suggested_leaf(leaf).to_owned() };
    if multi && !rust.is_many() {
        diagnostics.error(
            field.span(),
            format!(
                "field `{ident}` has type `{}`, but `{name}` in {label} is multi-valued; use `{}`{}",
                rust.written,
                wrap(Multiplicity::Many, &leaf_suggestion),
                if resolved.attribute.kind == AttributeType::Complex
                    && resolved.attribute.sub_attribute("type").is_some()
                {
                    format!(
                        ", or select one value with a filter such as `{}[type eq \"work\"].value`",
                        resolved.attribute.name
                    )
                } else {
                    String::new()
                }
            ),
        );
        return;
    }
    if !multi && rust.is_many() {
        diagnostics.error(
            field.span(),
            format!(
                "field `{ident}` has type `{}`, but `{name}` in {label} is single-valued; use `{}`",
                rust.written,
                wrap(
                    if is_required(resolved, selected_by_filter, resource_schema) {
                        Multiplicity::One
                    } else {
                        Multiplicity::Optional
                    },
                    &leaf_suggestion
                )
            ),
        );
        return;
    }
    if !leaf_fits(&rust.leaf, leaf.kind) {
        diagnostics.error(
            field.span(),
            format!(
                "field `{ident}` has type `{}`, but `{name}` in {label} is a {} attribute; use `{}`",
                rust.written,
                leaf.kind.as_str(),
                wrap(rust.multiplicity, suggested_leaf(leaf))
            ),
        );
        return;
    }
    if leaf.kind == AttributeType::Complex && !matches!(rust.leaf, Leaf::Other | Leaf::Json) {
        // Unreachable through leaf_fits today; kept so a future widening cannot slip through.
        return;
    }
    let is_id = resolved.owner == AttrOwner::Common && resolved.attribute.is_named("id");
    let required = is_required(resolved, selected_by_filter, resource_schema);
    if let Some(default) = &field.default {
        let problem = if rust.tolerates_absence() {
            Some(format!(
                "a `{}` field reads an absent value as {}; `default` is for a plain type",
                rust.written,
                if rust.is_many() { "empty" } else { "`None`" }
            ))
        } else if is_id {
            Some("`id` is the service provider's to assign; remove `default`".to_owned())
        } else if required {
            Some(format!("`{name}` in {label} is required, so it is never absent; remove `default`"))
        } else {
            None
        };
        if let Some(problem) = problem {
            diagnostics.error(syn::spanned::Spanned::span(default), format!("field `{ident}`: {problem}"));
        }
        return;
    }
    if !is_id && !rust.tolerates_absence() && !required {
        diagnostics.error(
            field.span(),
            format!(
                "field `{ident}` has type `{}`, but `{name}` in {label} is optional; use `Option<{}>`, or state the value of an absent one with `default = ...` (an absent value cannot be read into a plain type; only `Vec<T>` may \
                 stand for an optional attribute, absent reading as empty)",
                rust.written, rust.leaf_written
            ),
        );
    }
}

/// `name.givenName`, `urn:...:User:department`.
fn display_name(resolved: &ResolvedAttr<'_>) -> String {
    match resolved.sub_attribute {
        Some(sub) => format!("{}.{}", resolved.attribute.name, sub.name),
        None => resolved.attribute.name.clone(),
    }
}

/// Whether every resource has a value here: the attribute (and its parent) are required, it is
/// not one value picked by a filter, and it is not in an optional extension.
fn is_required(resolved: &ResolvedAttr<'_>, selected_by_filter: bool, resource_schema: &ResourceSchema) -> bool {
    let in_required_schema = match resolved.owner {
        AttrOwner::Extension(schema) => resource_schema.extension(&schema.id).is_some_and(|e| e.required),
        _ => true,
    };
    in_required_schema
        && !selected_by_filter
        && resolved.attribute.required
        && resolved.sub_attribute.is_none_or(|sub| sub.required)
}

fn check_whole_extension(field: &Field, schema: &Schema, required: bool, diagnostics: &mut Diagnostics) {
    let rust = &field.rust;
    let ident = &field.ident;
    if let Some(default) = &field.default {
        diagnostics.error(
            syn::spanned::Spanned::span(default),
            format!("field `{ident}`: `default` is for a plain field on an optional attribute, not a whole extension"),
        );
    }
    let problem = if rust.is_many() {
        Some("an extension is one object, not a list")
    } else if !matches!(rust.leaf, Leaf::Other | Leaf::Json) {
        Some("an extension is an object; use a struct with its attributes")
    } else if !required && rust.multiplicity == Multiplicity::One {
        Some("the extension is optional (declared with `extension`, not `required_extension`); use `Option<...>`")
    } else {
        None
    };
    if let Some(problem) = problem {
        diagnostics.error(
            field.span(),
            format!("field `{ident}` has type `{}` mapping extension {}: {problem}", rust.written, schema.id),
        );
    }
    if field.filter != FilterChoice::Default && field.filter != FilterChoice::None {
        diagnostics.error(
            field.filter_span,
            format!("field `{ident}`: `filter` on the whole extension {} has nothing to compare; flag its attributes instead", schema.id),
        );
    }
}

/// The `filter` flag: only on attributes a filter can compare, with operators that fit.
fn check_filter(field: &Field, resolved: &ResolvedAttr<'_>, diagnostics: &mut Diagnostics) {
    let ops: Vec<&str> = match &field.filter {
        FilterChoice::Default | FilterChoice::None => return,
        FilterChoice::Eq => vec!["eq"],
        FilterChoice::Ops(ops) => ops.iter().map(String::as_str).collect(),
    };
    let ident = &field.ident;
    let name = display_name(resolved);
    let leaf = resolved.leaf();
    let mut compared = leaf;
    if leaf.kind == AttributeType::Complex {
        let subs =
            leaf.sub_attributes.iter().map(|s| format!("`{}.{}`", leaf.name, s.name)).collect::<Vec<_>>().join(", ");
        match leaf.sub_attribute("value") {
            Some(value) => compared = value,
            None => {
                let why = if leaf.multi_valued {
                    "a multi-valued complex attribute without a `value` sub-attribute"
                } else {
                    "a complex attribute without a `value` sub-attribute"
                };
                diagnostics.error(
                    field.filter_span,
                    format!(
                        "field `{ident}`: `filter` on `{name}`, {why}, has nothing to compare; flag a field mapping one of \
                         its sub-attributes instead ({subs})"
                    ),
                );
                return;
            }
        }
    }
    for op in ops {
        if op == "pr" {
            continue;
        }
        let Some(compare) = CompareOp::from_keyword(op) else {
            let all = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"];
            diagnostics.error(
                field.filter_span,
                format!(
                    "field `{ident}`: `{op}` is not a filter operator; operators are {}{}",
                    all.join(" "),
                    suggestion(op, all)
                ),
            );
            continue;
        };
        if scim::typed::filter_support::check_operator(compare, compared.kind).is_err() {
            diagnostics.error(
                field.filter_span,
                format!(
                    "field `{ident}`: `{op}` cannot compare `{name}`, a {} attribute (RFC 7644 section 3.4.2.2)",
                    compared.kind.as_str()
                ),
            );
        }
    }
}

/// `only = "..."`: the supported part of a whole complex attribute or extension.
fn check_only(field: &Field, target: &Target<'_>, restriction: &mut Restriction, diagnostics: &mut Diagnostics) {
    let ident = &field.ident;
    match (target, &field.only) {
        (Target::Extension(schema, _), None) => restriction.select_schema(schema),
        (Target::Extension(schema, _), Some(only)) => {
            for item in &only.value {
                let resolved = scim::filter::parse_attr_path(item).ok().and_then(|p| {
                    let attribute = schema.attribute(&p.name)?;
                    let sub = match &p.sub_attr {
                        Some(sub) => Some(attribute.sub_attribute(sub)?),
                        None => None,
                    };
                    Some(ResolvedAttr { owner: AttrOwner::Extension(schema), attribute, sub_attribute: sub })
                });
                match resolved {
                    Some(resolved) => restriction.select(&resolved, None),
                    None => diagnostics.error(
                        only.span,
                        format!(
                            "field `{ident}`: `only` names `{item}`, which is not an attribute of {}{}",
                            schema.id,
                            suggestion(item, schema.attributes.iter().map(|a| a.name.as_str()))
                        ),
                    ),
                }
            }
        }
        (Target::Attribute { resolved, path }, Some(only)) => {
            let value_filter = path.filter.as_deref();
            let attribute = resolved.attribute;
            if resolved.sub_attribute.is_some() || attribute.kind != AttributeType::Complex {
                diagnostics.error(
                    only.span,
                    format!(
                        "field `{ident}`: `only` applies to a whole complex attribute or extension, not `{}`",
                        display_name(resolved)
                    ),
                );
                return;
            }
            for item in &only.value {
                match attribute.sub_attribute(item) {
                    Some(sub) => {
                        restriction.select(&ResolvedAttr { sub_attribute: Some(sub), ..*resolved }, value_filter)
                    }
                    None => diagnostics.error(
                        only.span,
                        format!(
                            "field `{ident}`: `only` names `{item}`, which is not a sub-attribute of `{}`{}",
                            attribute.name,
                            suggestion(item, attribute.sub_attributes.iter().map(|a| a.name.as_str()))
                        ),
                    ),
                }
            }
        }
        (Target::Attribute { resolved, path }, None) => restriction.select(resolved, path.filter.as_deref()),
    }
}

/// Every required attribute of the core schema must be mapped (RFC 7643 section 2.2).
fn check_required(
    resource: &Resource,
    resource_schema: &ResourceSchema,
    mapped: &BTreeSet<String>,
    diagnostics: &mut Diagnostics,
) {
    for attribute in resource_schema.core.attributes.iter().filter(|a| a.required) {
        if !mapped.contains(&attribute.name.to_ascii_lowercase()) {
            diagnostics.error(
                resource.ident.span(),
                format!(
                    "`{}` maps no field to `{}`, which schema {} requires; add a field with #[scim(path = \"{}\")]",
                    resource.ident, attribute.name, resource_schema.core.id, attribute.name
                ),
            );
        }
    }
}
