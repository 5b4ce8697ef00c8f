//! `scimgen new --backend typed`: users in a `users` table the project owns, served as a typed
//! backend of the generated `User` (`templates/typed/`).
//!
//! The backend serves the generated `User`, not a struct of the developer's: the mapping
//! (`scimgen.toml`, `schemas/`) stays the one source of what is served, `scimgen generate`
//! rewrites only `src/generated/`, and the compiler then names what the developer's files must
//! handle (a new field in `users::from_row`, a new `UserFilter` variant in `backend.rs`). A
//! struct of the developer's own would be a second copy of the mapping that a regeneration
//! leaves stale without a word.
//!
//! What varies with the mapping (columns, the filter's match arms, the sample the contract test
//! provisions) is computed here from the generator's plan of `User` ([`scim_codegen::typed_plan`],
//! the derive's own names); the templates hold the code's shape.

use std::path::{Path, PathBuf};

use scim_codegen::{Place, PlannedField, PlannedFilter, Storage, TypedPlan};
use serde_json::{Value, json};

use crate::config::ProjectConfig;
use crate::error::{CliError, CliResult, write_text};
use crate::templates;

/// The resource type the typed backend serves.
const SERVED: &str = "User";

/// The columns every row has beside the attributes'.
const BOOKKEEPING: [&str; 5] = ["id", "tenant", "version", "created", "last_modified"];

/// What `main.rs` serves for a typed backend.
#[derive(Debug, Clone)]
pub struct Served {
    /// The generated type served from the `users` table (`User`).
    pub type_name: String,
    /// The generated types served from the built-in store (`Group`, ...).
    pub builtin_types: Vec<String>,
}

/// The system must serve User, which the typed backend stores.
pub fn check_served(config: &ProjectConfig) -> CliResult<Served> {
    let names = || config.system.resource_types.iter().map(|r| r.name.as_str());
    if !names().any(|n| n == SERVED) {
        return Err(CliError::new("--backend typed stores users in a `users` table, but this system serves no User")
            .hint("map a User resource type (the table's user attributes), or drop --backend typed"));
    }
    Ok(Served {
        type_name: scim_codegen::type_name(SERVED),
        builtin_types: names().filter(|n| *n != SERVED).map(scim_codegen::type_name).collect(),
    })
}

/// Write `src/backend.rs` and `src/users.rs` for the project at `dir` (its
/// schema files already written); their paths relative to `dir`.
pub fn write_backend(dir: &Path, config: &ProjectConfig, data: &Value) -> CliResult<Vec<PathBuf>> {
    let plan = scim_codegen::typed_plan(&config.system, dir, SERVED).map_err(|error| {
        CliError::new(format!("cannot plan the typed backend of {SERVED}"))
            .with_details(error.problems.iter().map(ToString::to_string))
    })?;
    if let Some(field) = plan.fields.iter().find(|f| BOOKKEEPING.contains(&f.name.as_str())) {
        return Err(CliError::new(format!(
            "{SERVED}'s field `{}` ({}) would share its column with the table's own `{}`",
            field.name, field.path, field.name
        ))
        .hint("use the built-in store (drop --backend typed), or rename the attribute in the mapping"));
    }
    let mut data = data.clone();
    let database = if data["postgres"] == true { Database::Postgres } else { Database::Sqlite };
    let object = data.as_object_mut().expect("template data is an object");
    for (key, value) in backend_data(&plan, database) {
        object.insert(key.to_owned(), value);
    }
    let mut files = Vec::new();
    for (template, file) in [("typed/backend.rs", "src/backend.rs"), ("typed/users.rs", "src/users.rs")] {
        write_text(&dir.join(file), &templates::render(template, &data)?)?;
        files.push(PathBuf::from(file));
    }
    Ok(files)
}

/// The database the `users` table is in (`scimgen new --database`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Database {
    #[default]
    Sqlite,
    Postgres,
}

impl Database {
    /// The sqlx names the templates use: (driver module, pool, database, row).
    fn sqlx_names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Database::Sqlite => ("sqlite", "SqlitePool", "Sqlite", "SqliteRow"),
            Database::Postgres => ("postgres", "PgPool", "Postgres", "PgRow"),
        }
    }
}

/// The template data that varies with the database.
pub(crate) fn database_data(database: Database) -> Vec<(&'static str, Value)> {
    let (driver, pool, db, row) = database.sqlx_names();
    let postgres = database == Database::Postgres;
    vec![
        ("postgres", json!(postgres)),
        ("database", json!(if postgres { "PostgreSQL" } else { "SQLite" })),
        ("driver", json!(driver)),
        ("pool", json!(pool)),
        ("db", json!(db)),
        ("row", json!(row)),
        ("row_imports", json!(if postgres { "{PgRow, Postgres}" } else { row })),
        ("query", json!(if postgres { "SqlQuery<'q, Postgres>" } else { "SqlQuery<'q>" })),
    ]
}

/// The template data that varies with the mapping (and the database).
fn backend_data(plan: &TypedPlan, database: Database) -> Vec<(&'static str, Value)> {
    let postgres = database == Database::Postgres;
    let stored: Vec<&PlannedField> = plan.fields.iter().collect();
    let folded: Vec<String> = stored.iter().filter(|f| is_folded(f)).map(|f| f.name.clone()).collect();
    let uniques: Vec<String> = stored
        .iter()
        .filter(|f| f.unique && f.storage != Storage::Json)
        .map(|f| if is_folded(f) { key_column(&f.name) } else { f.name.clone() })
        .collect();
    let mut written = Vec::new();
    for field in &stored {
        written.push(json!({"column": field.name, "write": write(field)}));
        if is_folded(field) {
            written.push(json!({"column": key_column(&field.name), "write": fold(field)}));
        }
    }
    let rust_place = |place: &Place| rust_place(place, &folded);
    let filters: Vec<Value> = plan.filters.iter().map(|f| filter_data(f, &rust_place, database)).collect();
    let tests: Vec<&str> = plan.filters.iter().map(|f| f.test.as_str()).collect();
    let sorts: Vec<Value> = plan
        .sorts
        .iter()
        .map(|sort| {
            // Only `id` has no field: it is the row's key. Only strings and references fold case.
            let (place, case_exact) = match &sort.place {
                Some(place) => {
                    (rust_place(place), sort.case_exact || !matches!(sort.kind.as_str(), "string" | "reference"))
                }
                None => ("Place::Id(\"id\")".to_owned(), true),
            };
            // Kept as RFC 3339 text, which does not order as the instants do across offsets.
            let declined = (sort.kind == "dateTime").then(|| format!("{}: a dateTime sort", sort.path));
            json!({"variant": sort.variant, "place": place, "case_exact": case_exact, "declined": declined})
        })
        .collect();
    let lookup = plan.filters.iter().find_map(|f| match &f.place {
        Some(Place::Column { column })
            if f.path.eq_ignore_ascii_case("userName") && f.operators.iter().any(|op| op == "Eq") =>
        {
            let column = if folded.contains(column) { key_column(column) } else { column.clone() };
            Some(json!({"path": f.path, "column": column, "variant": f.variant, "test": f.test}))
        }
        _ => None,
    });
    let mut data = database_data(database);
    data.extend([
        ("filter", json!(plan.filter)),
        ("sort", json!(plan.sort)),
        ("columns", json!(stored.iter().flat_map(|f| columns(f, database)).collect::<Vec<_>>())),
        ("uniques", json!(uniques)),
        ("fields", json!(stored.iter().map(|f| json!({"name": f.name, "read": read(f)})).collect::<Vec<_>>())),
        ("written", json!(written)),
        ("tests", json!(tests)),
        ("filters", json!(filters)),
        ("sorts", json!(sorts)),
        ("sample", json!(sample(plan))),
        // The lookup's test reads SQLite's query plan.
        ("lookup", lookup.filter(|_| !postgres).unwrap_or(Value::Bool(false))),
    ]);
    data
}

/// Whether a field also has a key column: a unique string that SCIM compares ignoring case.
/// SQLite's NOCASE folds ASCII letters only, so the key holds the value lower-cased as SCIM
/// folds it (all of Unicode): `Émile` and `émile` conflict, and lookups are exact on its index.
fn is_folded(field: &PlannedField) -> bool {
    field.unique && field.storage == Storage::Text && !field.case_exact
}

fn key_column(name: &str) -> String {
    format!("{name}_key")
}

/// The value `bind` binds for a field's key column.
fn fold(field: &PlannedField) -> String {
    if field.required {
        format!("user.{}.to_lowercase()", field.name)
    } else {
        format!("user.{}.as_deref().map(str::to_lowercase)", field.name)
    }
}

/// A field's column definition lines (with their commas): its own, and its key's.
fn columns(field: &PlannedField, database: Database) -> Vec<String> {
    let mut lines = vec![column(field, database)];
    if is_folded(field) {
        let not_null = if field.required { " NOT NULL" } else { "" };
        let binary = if database == Database::Postgres { " COLLATE \"C\"" } else { "" };
        lines.push(format!(
            "\"{}\" TEXT{not_null}{binary}, -- {} lower-cased (all of Unicode): its uniqueness and lookups",
            key_column(&field.name),
            field.path
        ));
    }
    lines
}

/// A column definition line (with its comma), named after the field.
fn column(field: &PlannedField, database: Database) -> String {
    let postgres = database == Database::Postgres;
    let kind = match (field.storage, postgres) {
        (Storage::Text | Storage::Json, _) => "TEXT",
        (Storage::Boolean | Storage::Integer, false) => "INTEGER",
        (Storage::Decimal, false) => "REAL",
        (Storage::Boolean, true) => "BOOLEAN",
        // The runtime's integers are i64.
        (Storage::Integer, true) => "BIGINT",
        (Storage::Decimal, true) => "DOUBLE PRECISION",
    };
    let not_null = if field.required { " NOT NULL" } else { "" };
    // SQLite's NOCASE: uniqueness and `eq` ignore (ASCII) case, as SCIM wants for caseExact false.
    // PostgreSQL has none (its conditions lower-case); its text orders by code point, as SCIM's.
    let nocase = match (field.storage, postgres) {
        (Storage::Text, true) => " COLLATE \"C\"",
        (Storage::Text, false) if !field.case_exact => " COLLATE NOCASE",
        _ => "",
    };
    let note = if field.storage == Storage::Json { format!(" -- {}: SCIM JSON", field.path) } else { String::new() };
    format!("\"{}\" {kind}{not_null}{nocase},{note}", field.name)
}

/// The expression `from_row` reads a field with.
fn read(field: &PlannedField) -> String {
    match field.storage {
        Storage::Json => format!("sql::from_json(row, \"{}\")?", field.name),
        _ => format!("row.try_get(\"{}\")?", field.name),
    }
}

/// The value `bind` binds for a field (booleans and numbers are `Copy`: by value, as clippy
/// asks).
fn write(field: &PlannedField) -> String {
    match field.storage {
        Storage::Json => format!("sql::to_json(&user.{})", field.name),
        Storage::Text => format!("&user.{}", field.name),
        Storage::Boolean | Storage::Integer | Storage::Decimal => format!("user.{}", field.name),
    }
}

/// `Place::...` as Rust; a folded column is compared through its key.
fn rust_place(place: &Place, folded: &[String]) -> String {
    match place {
        Place::Column { column } if folded.contains(column) => format!("Place::Folded({:?})", key_column(column)),
        Place::Column { column } => format!("Place::Column({column:?})"),
        Place::Json { column, path } => format!("Place::Json {{ column: {column:?}, path: {path:?} }}"),
        Place::Each { column, array, element } => {
            format!("Place::Each {{ column: {column:?}, array: {array:?}, element: {element:?} }}")
        }
    }
}

/// One filter variant's arms: each test variant as a call into `sql`.
fn filter_data(filter: &PlannedFilter, rust_place: &dyn Fn(&Place) -> String, database: Database) -> Value {
    // `id pr` holds for every row.
    let always = if database == Database::Postgres { "TRUE" } else { "1" };
    let is_id = filter.extension.is_none() && filter.attribute == "id";
    let place = filter.place.as_ref().map(rust_place);
    let arms: Vec<Value> = filter
        .operators
        .iter()
        .map(|op| {
            let (pattern, call) = match (op.as_str(), is_id, &place) {
                ("Pr", true, _) => (format!("{}::Pr", filter.test), format!("{{ sql.push(\"{always}\"); }}")),
                ("Pr", false, Some(place)) => (format!("{}::Pr", filter.test), format!("sql::present(sql, {place})")),
                (op, true, _) => (format!("{}::{op}(id)", filter.test), format!("sql::id(sql, \"id\", Op::{op}, id)?")),
                (op, false, Some(place)) => (
                    format!("{}::{op}(value)", filter.test),
                    format!("sql::compare(sql, {place}, Op::{op}, {})?", literal(filter)),
                ),
                (_, false, None) => unreachable!("arms are made only for filters with a place"),
            };
            json!({"pattern": pattern, "call": call})
        })
        .collect();
    json!({
        "variant": filter.variant,
        "path": filter.path,
        "place": is_id || place.is_some(),
        "arms": arms,
    })
}

/// The `sql::Literal` of a test variant's `value`.
fn literal(filter: &PlannedFilter) -> String {
    match filter.kind.as_str() {
        "boolean" => "Literal::Boolean(*value)".into(),
        "integer" => "Literal::Integer(*value)".into(),
        "decimal" => "Literal::Decimal(*value)".into(),
        "dateTime" => "Literal::DateTime(value)".into(),
        _ => format!("Literal::Text {{ value, case_exact: {} }}", filter.case_exact),
    }
}

/// A sample value's Rust expression, for sample `i`.
fn sample_value(attribute: &str, kind: &str) -> Option<String> {
    Some(match kind {
        "string" | "reference" => format!("text({attribute:?}, i)"),
        "binary" => "[\"AAE=\", \"AgM=\", \"BAU=\"][i % 3]".into(),
        "boolean" => "i % 2 == 0".into(),
        "integer" => "i % 3".into(),
        "decimal" => "i as f64 / 2.0".into(),
        "dateTime" => "format!(\"2024-01-{:02}T00:00:00Z\", i % 28 + 1)".into(),
        _ => return None,
    })
}

/// A JSON shape whose leaves are Rust expressions, printed as `json!` input.
#[derive(Debug)]
enum Shape {
    Object(Vec<(String, Shape)>),
    Array(Vec<Shape>),
    Code(String),
}

impl Shape {
    /// The member `key` of an object, added as `empty()` when missing; `None` for a value
    /// that is not an object (two paths disagreeing on a shape: the later one is left out).
    fn member(&mut self, key: &str, empty: impl FnOnce() -> Shape) -> Option<&mut Shape> {
        let Shape::Object(members) = self else { return None };
        let index = match members.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                members.push((key.to_owned(), empty()));
                members.len() - 1
            }
        };
        Some(&mut members[index].1)
    }

    fn print(&self) -> String {
        match self {
            Shape::Object(members) => {
                let inner: Vec<String> = members.iter().map(|(k, v)| format!("{k:?}: {}", v.print())).collect();
                format!("{{{}}}", inner.join(", "))
            }
            Shape::Array(elements) => {
                format!("[{}]", elements.iter().map(Shape::print).collect::<Vec<_>>().join(", "))
            }
            Shape::Code(code) => code.clone(),
        }
    }
}

/// The contract test's `sample(i)` body: a user with a value for every filterable attribute
/// and every required field.
fn sample(plan: &TypedPlan) -> String {
    let mut root = Shape::Object(vec![("schemas".to_owned(), Shape::Code(format!("{:?}", plan.schemas)))]);
    let filtered = plan.filters.iter().map(|f| {
        (
            f.extension.as_deref(),
            Some(f.attribute.as_str()),
            f.sub_attribute.as_deref(),
            f.multi_valued,
            f.kind.as_str(),
        )
    });
    let required = plan.fields.iter().filter(|f| f.required).map(|f| {
        (
            f.extension.as_deref(),
            f.attribute.as_deref(),
            f.sub_attribute.as_deref(),
            f.multi_valued,
            f.kind.as_deref().unwrap_or("complex"),
        )
    });
    let is_required = |extension: Option<&str>, attribute: &str| {
        plan.fields
            .iter()
            .any(|f| f.required && f.extension.as_deref() == extension && f.attribute.as_deref() == Some(attribute))
    };
    for (extension, attribute, sub, multi, kind) in filtered.chain(required) {
        let Some(attribute) = attribute.filter(|a| *a != "id") else { continue };
        let Some(mut value) = sample_value(sub.unwrap_or(attribute), kind) else { continue };
        if !multi && !is_required(extension, attribute) {
            // Absent from some users, so `pr`, `ne` and `not` meet absent values too.
            value = format!("sometimes(i, {value})");
        }
        let container = match extension {
            Some(urn) => root.member(urn, || Shape::Object(Vec::new())),
            None => Some(&mut root),
        };
        let Some(container) = container else { continue };
        match (sub, multi) {
            (Some(sub), true) => {
                let list = container.member(attribute, || Shape::Array(vec![Shape::Object(Vec::new())]));
                if let Some(Shape::Array(elements)) = list
                    && let Some(first) = elements.first_mut()
                {
                    first.member(sub, || Shape::Code(value));
                }
            }
            (Some(sub), false) => {
                if let Some(object) = container.member(attribute, || Shape::Object(Vec::new())) {
                    object.member(sub, || Shape::Code(value));
                }
            }
            (None, true) => {
                container.member(attribute, || Shape::Array(vec![Shape::Code(value)]));
            }
            (None, false) => {
                container.member(attribute, || Shape::Code(value));
            }
        }
    }
    format!("json!({})", root.print())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectSection;
    use crate::mapping;

    #[test]
    fn a_system_without_users_has_nothing_for_the_typed_backend_to_store() {
        let config = ProjectConfig {
            project: ProjectSection { name: "groups-only".into(), output: "src/generated".into() },
            system: scim_codegen::SystemDefinition {
                name: None,
                description: None,
                schema_files: Vec::new(),
                resource_types: vec![mapping::group_definition()],
            },
            server: Default::default(),
            table: Default::default(),
        };
        let error = check_served(&config).unwrap_err();
        assert!(error.what.contains("serves no User"), "{error}");
    }

    #[test]
    fn sub_attributes_of_one_multi_valued_attribute_share_its_sample_element() {
        let mut root = Shape::Object(Vec::new());
        for (sub, value) in [("value", "a"), ("type", "b")] {
            let list = root.member("emails", || Shape::Array(vec![Shape::Object(Vec::new())])).unwrap();
            let Shape::Array(elements) = list else { panic!("an array") };
            elements[0].member(sub, || Shape::Code(value.into()));
        }
        root.member("userName", || Shape::Code("u".into()));
        assert_eq!(root.print(), r#"{"emails": [{"value": a, "type": b}], "userName": u}"#);
        // A value where an object was expected is left alone, not a panic.
        assert!(
            root.member("userName", || Shape::Code("x".into()))
                .unwrap()
                .member("x", || Shape::Code("y".into()))
                .is_none()
        );
    }
}
