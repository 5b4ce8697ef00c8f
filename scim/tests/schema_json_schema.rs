//! The JSON Schema of the schema-file format: the checked-in copy is current, and the files we
//! ship validate against it.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test -p scim --test schema_json_schema` rewrites the checked-in copy.

use std::path::{Path, PathBuf};

use scim::schema::loader::{load_schema_file, schema_file_json_schema};
use serde_json::{Value, json};

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("schemas").join(name)
}

const SNAPSHOT: &str = "scim-schema-file.schema.json";

/// The files in `schemas/` that are schema files (everything but the JSON Schema itself).
/// (The Real Links extension is the example's, the one schema file a seed system ships.)
const SCHEMA_FILES: [&str; 4] = [
    "core-user.json",
    "core-group.json",
    "enterprise-user.json",
    "../examples/real-links/schemas/real-links-user.json",
];

#[test]
fn checked_in_json_schema_is_current() {
    let generated = serde_json::to_string_pretty(&schema_file_json_schema()).unwrap() + "\n";
    let path = repo_file(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schemas/{SNAPSHOT} is stale; run `UPDATE_SNAPSHOTS=1 cargo test -p scim --test schema_json_schema`"
    );
}

/// Problems of `value` against `schema`: a small validator for the JSON Schema keywords schemars
/// emits for the model (`type`, `properties`, `required`, `additionalProperties: false`, `items`,
/// `$ref` into `$defs`, `oneOf` of `const`s).
fn validate(root: &Value, schema: &Value, value: &Value, path: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local $ref");
        validate(root, &root["$defs"][name], value, path, problems);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => panic!("unexpected `type` {types}"),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let integer_as_number = actual == "integer" && allowed.contains(&"number");
        if !allowed.contains(&actual) && !integer_as_number {
            problems.push(format!("{path}: {actual} is not {allowed:?}"));
            return;
        }
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        problems.push(format!("{path}: {value} is not {constant}"));
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = alternatives
            .iter()
            .filter(|alternative| {
                let mut inner = Vec::new();
                validate(root, alternative, value, path, &mut inner);
                inner.is_empty()
            })
            .count();
        if matching != 1 {
            problems.push(format!("{path}: {value} matches {matching} alternatives, not one"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = required.as_str().unwrap();
            if !object.contains_key(key) {
                problems.push(format!("{path}: `{key}` is missing"));
            }
        }
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => validate(root, property, item, &format!("{path}.{key}"), problems),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    problems.push(format!("{path}: `{key}` is not allowed"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (index, item) in array.iter().enumerate() {
            validate(root, items, item, &format!("{path}[{index}]"), problems);
        }
    }
}

fn problems_against_json_schema(value: &Value) -> Vec<String> {
    let root = schema_file_json_schema();
    let mut problems = Vec::new();
    validate(&root, &root, value, "$", &mut problems);
    problems
}

#[test]
fn shipped_schema_files_validate_against_the_json_schema_and_load() {
    for file in SCHEMA_FILES {
        let text = std::fs::read_to_string(repo_file(file)).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(problems_against_json_schema(&value), Vec::<String>::new(), "{file}");
        load_schema_file(&repo_file(file)).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_json_schema_rejects_what_the_loader_rejects() {
    // The validator above is only worth trusting if it can say no.
    let cases = [
        (json!({"attributes": []}), "$: `id` is missing"),
        (
            json!({"id": "urn:a", "attributes": [{"name": "x", "mutabilty": "readOnly"}]}),
            "$.attributes[0]: `mutabilty` is not allowed",
        ),
        (
            json!({"id": "urn:a", "attributes": [{"name": "x", "type": "strng"}]}),
            "$.attributes[0].type: \"strng\" matches 0 alternatives, not one",
        ),
        (
            json!({"id": "urn:a", "attributes": [{"name": "x", "multiValued": "yes"}]}),
            "$.attributes[0].multiValued: string is not [\"boolean\"]",
        ),
        (
            json!({"id": "urn:a", "attributes": [{"name": "x", "canonicalValues": ["a", 3]}]}),
            "$.attributes[0].canonicalValues[1]: integer is not [\"string\"]",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(problems_against_json_schema(&value), [expected.to_owned()], "{value}");
        assert!(scim::schema::loader::parse_schema("x.json", &value.to_string()).is_err(), "{value}");
    }
}
