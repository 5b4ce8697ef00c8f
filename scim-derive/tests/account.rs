//! The example: an application's own `Account` type mapped onto SCIM User with the
//! enterprise extension, served through the derive.

use scim::typed::ScimResource;
use scim_derive::ScimResource;
use serde_json::json;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName", filter = "eq sw")]
    login: String,
    #[scim(path = "name.givenName")]
    first_name: Option<String>,
    #[scim(path = "emails[type eq \"work\"].value", filter)]
    email: Option<String>,
    #[scim(path = "active")]
    active: Option<bool>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
    department: Option<String>,
    #[scim(skip)]
    password_hash: Vec<u8>,
}

fn account() -> Account {
    Account {
        id: "2819c223".into(),
        login: "bjensen".into(),
        first_name: Some("Barbara".into()),
        email: Some("bjensen@example.com".into()),
        active: Some(true),
        department: Some("Tour Operations".into()),
        password_hash: Vec::new(),
    }
}

#[test]
fn account_writes_canonical_scim_json() {
    let scim = account().to_scim();
    assert_eq!(
        scim,
        json!({
            "schemas": [USER, ENTERPRISE],
            "id": "2819c223",
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "bjensen@example.com", "type": "work"}],
            "active": true,
            ENTERPRISE: {"department": "Tour Operations"}
        })
    );
    assert_eq!(Account::from_scim(&scim).unwrap(), account());
    assert_eq!(account().id().as_deref(), Some("2819c223"));
}

#[test]
fn account_advertises_only_what_it_maps() {
    let descriptor = Account::descriptor();
    let documents = descriptor.schema_documents();
    let core = documents.iter().find(|d| d["id"] == USER).unwrap();
    let attributes = core["attributes"].as_array().unwrap();
    let names: Vec<&str> = attributes.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["userName", "name", "active", "emails"]);
    let emails = attributes.iter().find(|a| a["name"] == "emails").unwrap();
    let subs: Vec<&str> =
        emails["subAttributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(subs, ["value", "type"], "the selector's `type` is kept");
    let enterprise = documents.iter().find(|d| d["id"] == ENTERPRISE).unwrap();
    assert_eq!(enterprise["attributes"].as_array().unwrap().len(), 1);
    assert_eq!(descriptor.resource_type_document()["endpoint"], "/Users");
}

#[test]
fn a_missing_required_user_name_is_a_400_naming_the_field() {
    let error = Account::from_scim(&json!({"schemas": [USER], "id": "1"})).unwrap_err();
    assert_eq!(error.status, 400);
    assert!(error.detail.contains("login") && error.detail.contains("userName"), "{}", error.detail);
}

/// What `GET /Schemas` serves for the derived `Account` (RFC 7643 section 7): only the mapped
/// attributes, with `meta` (RFC 7644 section 4).
#[test]
fn account_schema_documents_snapshot() {
    insta::assert_json_snapshot!(Account::descriptor().schema_documents());
}

/// What `GET /ResourceTypes` serves for the derived `Account` (RFC 7643 section 6).
#[test]
fn account_resource_type_document_snapshot() {
    insta::assert_json_snapshot!(Account::descriptor().resource_type_document());
}
