//! The OpenAPI 3.1 description at `<base path>/openapi.json`: served without a token, made from
//! the same documents as `/Schemas` (every attribute of every schema appears, with its type,
//! required-ness and mutability), and snapshotted whole so a change to it is reviewed.
#![cfg(feature = "server")]

mod server_common;

use axum::http::{Method, StatusCode, header};
use scim::server::Limits;
use scim::store::MemoryStore;
use serde_json::{Value, json};
use server_common::*;
use std::sync::Arc;

fn app() -> TestApp {
    TestApp::new(Arc::new(MemoryStore::new()))
}

async fn description(app: &TestApp) -> Value {
    let reply = app.as_token(None).get("/scim/v2/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"));
    reply.body
}

#[tokio::test]
async fn the_description_is_served_without_a_token_and_snapshotted() {
    let app = app();
    let document = description(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"], json!([{"url": "/scim/v2"}]));
    // The same with a token: the route is outside authentication, not ignoring it.
    assert_eq!(app.get("/scim/v2/openapi.json").await.body, document);
    insta::assert_json_snapshot!("openapi_user_group", document);
}

/// The JSON Schema of attribute `name` inside `object` (an object schema), case-insensitively.
fn property<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object["properties"].as_object()?.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The branch of an `anyOf` (a request's leniencies) of `kind`, or the schema itself.
fn branch(schema: &Value, kind: &str) -> Value {
    let is = |s: &Value| s["type"] == kind || s["type"].as_array().is_some_and(|t| t.contains(&json!(kind)));
    match schema["anyOf"].as_array() {
        Some(branches) => branches.iter().find(|b| is(b)).cloned().unwrap_or(Value::Null),
        None => schema.clone(),
    }
}

fn expected_type(attribute: &Value) -> &'static str {
    match attribute["type"].as_str().unwrap() {
        "boolean" => "boolean",
        "integer" => "integer",
        "decimal" => "number",
        "complex" => "object",
        _ => "string",
    }
}

/// Check every attribute of a `/Schemas` document against its JSON Schema in the description.
fn check_attributes(attributes: &[Value], request: &Value, response: &Value, path: &str) {
    for attribute in attributes {
        let name = attribute["name"].as_str().unwrap();
        let at = format!("{path}.{name}");
        let in_request = property(request, name).unwrap_or_else(|| panic!("{at} is missing from the request body"));
        let in_response = property(response, name).unwrap_or_else(|| panic!("{at} is missing from the response body"));
        let single = |schema: &Value| -> Value {
            if attribute["multiValued"] == json!(true) {
                let array = branch(schema, "array");
                assert_eq!(array["type"], "array", "{at} is multi-valued");
                array["items"].clone()
            } else {
                schema.clone()
            }
        };
        let request_value = branch(&single(in_request), "object");
        let response_value = single(in_response);
        assert_eq!(response_value["type"], expected_type(attribute), "{at}");
        let read_only = attribute["mutability"] == "readOnly";
        assert_eq!(in_response.get("readOnly") == Some(&json!(true)), read_only, "{at} readOnly");
        let required_in_request = request["required"]
            .as_array()
            .is_some_and(|required| required.iter().any(|n| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(name))));
        assert_eq!(required_in_request, attribute["required"] == json!(true) && !read_only, "{at} required");
        if let Some(subs) = attribute["subAttributes"].as_array() {
            check_attributes(subs, &request_value, &response_value, &at);
        }
    }
}

#[tokio::test]
async fn every_attribute_of_schemas_appears_with_its_type_required_ness_and_mutability() {
    let app = app();
    let document = description(&app).await;
    let resource_types = app.get("/scim/v2/ResourceTypes").await.body;
    let schemas = app.get("/scim/v2/Schemas").await.body;
    let schema = |urn: &str| schemas["Resources"].as_array().unwrap().iter().find(|s| s["id"] == urn).cloned().unwrap();
    let mut checked = 0;
    for resource_type in resource_types["Resources"].as_array().unwrap() {
        let name = resource_type["name"].as_str().unwrap();
        let request = &document["components"]["schemas"][format!("{name}Request")];
        let response = &document["components"]["schemas"][name];
        let core = schema(resource_type["schema"].as_str().unwrap());
        check_attributes(core["attributes"].as_array().unwrap(), request, response, name);
        checked += core["attributes"].as_array().unwrap().len();
        for extension in resource_type["schemaExtensions"].as_array().into_iter().flatten() {
            let urn = extension["schema"].as_str().unwrap();
            let attributes = schema(urn)["attributes"].as_array().unwrap().clone();
            check_attributes(&attributes, &request["properties"][urn], &response["properties"][urn], urn);
            checked += attributes.len();
        }
        let endpoint = resource_type["endpoint"].as_str().unwrap();
        for path in [endpoint.to_owned(), format!("{endpoint}/{{id}}"), format!("{endpoint}/.search")] {
            assert!(document["paths"][&path].is_object(), "{path} is not described");
        }
    }
    assert!(checked > 30, "only {checked} attributes were checked");
}

/// The limits the server enforces are stated where JSON Schema can state them.
#[tokio::test]
async fn the_description_states_the_configured_limits() {
    let limits = Limits { max_patch_operations: 7, max_members_per_request: 9, ..Limits::default() };
    let app = TestApp::with(builder(Arc::new(MemoryStore::new())).limits(limits));
    let document = description(&app).await;
    let schemas = &document["components"]["schemas"];
    assert_eq!(schemas["PatchOp"]["properties"]["Operations"]["maxItems"], 7);
    assert_eq!(branch(&schemas["GroupRequest"]["properties"]["members"], "array")["maxItems"], 9);
    assert_eq!(schemas["Group"]["properties"]["members"]["maxItems"], 9);
    let list = &document["paths"]["/Users"]["get"]["parameters"];
    let filter = list.as_array().unwrap().iter().find(|p| p["name"] == "filter").unwrap();
    assert_eq!(filter["schema"]["maxLength"], 4096);
}

/// The operations answer the statuses the description lists: a 201 create, a 204 delete, a 404
/// and a 401, each described for its operation.
#[tokio::test]
async fn responses_have_statuses_the_description_lists() {
    let app = app();
    let document = description(&app).await;
    let listed = |path: &str, method: &str, status: StatusCode| {
        let responses = &document["paths"][path][method]["responses"];
        assert!(responses.get(status.as_str()).is_some(), "{method} {path} does not list {status}: {responses}");
    };
    let user = app.create_user("bjensen").await;
    listed("/Users", "post", StatusCode::CREATED);
    let id = user["id"].as_str().unwrap();
    let reply = app.call(Method::DELETE, &format!("/scim/v2/Users/{id}"), None).await;
    listed("/Users/{id}", "delete", reply.status);
    let reply = app.get(&format!("/scim/v2/Users/{id}")).await;
    listed("/Users/{id}", "get", reply.status);
    let reply = app.as_token(None).get("/scim/v2/Users").await;
    listed("/Users", "get", reply.status);
}
