//! A broken system definition is reported with the resource type, the path and a suggestion,
//! every problem at once, each located as data (file, JSON path, resource type).

use std::path::Path;

use scim_codegen::{GenerateOptions, GenerateProblem, SystemDefinition, generate};

fn definition(json: serde_json::Value) -> SystemDefinition {
    serde_json::from_value(json).expect("definition parses")
}

fn located_problems(json: serde_json::Value, dir: &Path) -> Vec<GenerateProblem> {
    match generate(&definition(json), dir, &GenerateOptions::default()) {
        Ok(source) => panic!("expected errors, generated:\n{source}"),
        Err(error) => error.problems,
    }
}

/// The problems as printed (`path (resource type X): message`).
fn problems(json: serde_json::Value) -> Vec<String> {
    located_problems(json, Path::new(".")).iter().map(ToString::to_string).collect()
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

#[test]
fn every_bad_path_is_reported_with_a_suggestion() {
    let problems = problems(serde_json::json!({"resourceTypes": [{
        "name": "User", "endpoint": "/Users", "schema": USER,
        "attributes": ["userName", "displayNme", "emails[kind eq \"work\"].value", "name.givenNam"]
    }]}));
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("resourceTypes[0].attributes[1] (resource type User): `displayNme`")
            && problems[0].contains("did you mean `displayName`"),
        "{}",
        problems[0]
    );
    assert!(problems[1].contains("emails[kind eq \"work\"].value") && problems[1].contains("kind"), "{}", problems[1]);
    assert!(problems[2].contains("did you mean `givenName`"), "{}", problems[2]);
}

#[test]
fn a_filter_on_nothing_generated_is_an_error() {
    let problems = problems(serde_json::json!({"resourceTypes": [{
        "name": "User", "endpoint": "/Users", "schema": USER,
        "attributes": ["userName", "emails"],
        "filter": {"emails.value": ["eq"]}
    }]}));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "resourceTypes[0].filter.\"emails.value\" (resource type User): `emails.value` names no generated field"
        ),
        "{}",
        problems[0]
    );
}

#[test]
fn an_undeclared_extension_schema_is_an_error() {
    let problems = problems(serde_json::json!({"resourceTypes": [{
        "name": "User", "endpoint": "/Users", "schema": USER,
        "extensions": [{"schema": "urn:example:scim:schemas:extension:acme:2.0:User"}]
    }]}));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("urn:example:scim:schemas:extension:acme:2.0:User"), "{}", problems[0]);
}

#[test]
fn unknown_keys_in_a_definition_are_rejected() {
    let result = serde_json::from_value::<SystemDefinition>(serde_json::json!({"resourceTypes": [], "schemaFile": []}));
    assert!(result.unwrap_err().to_string().contains("schemaFile"));
}

/// Every problem carries where it is: bad attributes and bad filter keys of the second resource
/// type, at once, with their JSON paths into the definition.
#[test]
fn problems_carry_their_location_as_data() {
    let problems = located_problems(
        serde_json::json!({"resourceTypes": [
            {"name": "User", "endpoint": "/Users", "schema": USER},
            {"name": "Group", "endpoint": "/Groups", "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
             "attributes": ["displayName", "memebrs"],
             "filter": {"displayNme": ["eq"]}}
        ]}),
        Path::new("."),
    );
    let located: Vec<(Option<&str>, &str, Option<&str>)> =
        problems.iter().map(|p| (p.file.as_deref(), p.path.as_str(), p.resource_type.as_deref())).collect();
    assert_eq!(
        located,
        [
            (None, "resourceTypes[1].filter.\"displayNme\"", Some("Group")),
            (None, "resourceTypes[1].attributes[1]", Some("Group")),
        ],
        "{problems:#?}"
    );
    assert!(problems[0].message.starts_with("`displayNme`: ") && problems[0].message.contains("displayName"));
    assert!(problems[1].message.starts_with("`memebrs`: ") && problems[1].message.contains("members"));
}

/// A broken schema file's problems name the file as the definition does and the JSON path in it.
#[test]
fn schema_file_problems_name_the_file_and_the_path_in_it() {
    let dir = std::env::temp_dir().join(format!("scim-codegen-generate-errors-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    let schema = serde_json::json!({
        "id": "urn:example:scim:schemas:extension:acme:2.0:User",
        "attributes": [{"name": "badge", "type": "strnig", "multiValued": false}]
    });
    std::fs::write(dir.join("schemas/acme.json"), schema.to_string()).unwrap();
    let problems =
        located_problems(serde_json::json!({"schemaFiles": ["schemas/acme.json"], "resourceTypes": []}), &dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].file.as_deref(), Some("schemas/acme.json"));
    assert_eq!(problems[0].path, "$.attributes[0].type");
    assert_eq!(problems[0].resource_type, None);
    assert!(problems[0].message.contains("strnig"), "{}", problems[0].message);
}
