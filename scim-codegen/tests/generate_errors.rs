//! A broken system definition is reported with the resource type, the path and a suggestion,
//! every problem at once.

use std::path::Path;

use scim_codegen::{GenerateOptions, SystemDefinition, generate};

fn definition(json: serde_json::Value) -> SystemDefinition {
    serde_json::from_value(json).expect("definition parses")
}

fn problems(json: serde_json::Value) -> Vec<String> {
    match generate(&definition(json), Path::new("."), &GenerateOptions::default()) {
        Ok(source) => panic!("expected errors, generated:\n{source}"),
        Err(error) => error.problems,
    }
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
        problems[0].starts_with("resource type User: attribute `displayNme`")
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
    assert!(problems[0].contains("filter `emails.value` names no generated field"), "{}", problems[0]);
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
