//! The golden files compile (through `#[derive(ScimResource)]`, so the derive accepts what the
//! generator writes) and their resources round-trip: canonical SCIM JSON -> struct -> the same
//! JSON.

#![allow(dead_code, missing_debug_implementations)]

mod core_types {
    include!("golden/core.rs");
}
mod real_links {
    include!("golden/real_links.rs");
}
mod rfpio {
    include!("golden/rfpio.rs");
}
mod alvao {
    include!("golden/alvao.rs");
}
mod golinks {
    include!("golden/golinks.rs");
}

use scim::typed::ScimResource;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const REAL_LINKS: &str = "urn:ietf:params:scim:schemas:extension:real-links:2.0:User";

/// From SCIM and back gives the same document, and the `id` is the document's.
fn assert_round_trip<R: ScimResource + std::fmt::Debug>(resource: Value) {
    let typed = R::from_scim(&resource).unwrap_or_else(|e| panic!("from_scim: {e:?}\n{resource:#}"));
    assert_eq!(typed.id().as_deref(), resource["id"].as_str());
    assert_eq!(typed.to_scim(), resource, "round trip of {typed:?}");
}

#[test]
fn real_links_user_round_trips_with_its_vendor_extension() {
    assert_round_trip::<real_links::User>(json!({
        "schemas": [USER, REAL_LINKS],
        "id": "2819c223",
        "userName": "bjensen@example.com",
        "active": true,
        REAL_LINKS: {"firstName": "Barbara", "lastName": "Jensen", "department": "Tour Operations", "countryCode": "US"}
    }));
    let typed = real_links::User::from_scim(&json!({"schemas": [USER], "id": "1", "userName": "x"})).unwrap();
    assert_eq!(typed.real_links, None);
    assert_eq!(typed.active, None);
}

#[test]
fn alvao_user_with_selected_values_and_enterprise_manager_round_trips() {
    assert_round_trip::<alvao::User>(json!({
        "schemas": [USER, ENTERPRISE],
        "id": "u1",
        "externalId": "e1",
        "userName": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work"}],
        "phoneNumbers": [
            {"value": "555-0100", "type": "work"},
            {"value": "555-0101", "type": "mobile"}
        ],
        "addresses": [{"locality": "Hollywood", "postalCode": "91608", "type": "work"}],
        ENTERPRISE: {"department": "Tour Operations", "manager": {"value": "26118915"}}
    }));
    let typed = alvao::User::from_scim(&json!({
        "schemas": [USER],
        "userName": "x",
        "emails": [{"value": "home@example.com", "type": "home"}, {"value": "work@example.com", "type": "work"}]
    }))
    .unwrap();
    assert_eq!(typed.work_email.as_deref(), Some("work@example.com"));
    assert_eq!(typed.mobile_phone_number, None);
}

#[test]
fn alvao_group_with_members_round_trips() {
    assert_round_trip::<alvao::Group>(json!({
        "schemas": [GROUP],
        "id": "g1",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "type": "User"}]
    }));
}

#[test]
fn rfpio_and_golinks_users_round_trip() {
    assert_round_trip::<rfpio::User>(json!({
        "schemas": [USER],
        "id": "u1",
        "externalId": "e1",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "active": false,
        "emails": [{"value": "bjensen@example.com", "type": "work"}]
    }));
    assert_round_trip::<golinks::User>(json!({
        "schemas": [USER, ENTERPRISE],
        "id": "u1",
        "userName": "bjensen",
        ENTERPRISE: {"department": "Sales"}
    }));
}

#[test]
fn core_user_and_group_round_trip() {
    assert_round_trip::<core_types::User>(json!({
        "schemas": [USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "groups": [{"value": "e9e30dba", "display": "Tour Guides"}]
    }));
    assert_round_trip::<core_types::Group>(json!({
        "schemas": [GROUP],
        "id": "e9e30dba",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223"}]
    }));
}

#[test]
fn generated_descriptors_advertise_only_the_supported_attributes() {
    let documents = alvao::User::descriptor().schema_documents();
    let core = documents.iter().find(|d| d["id"] == USER).unwrap();
    let names: Vec<&str> = core["attributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["userName", "name", "displayName", "title", "active", "emails", "phoneNumbers", "addresses"]);
    let name = core["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "name").unwrap();
    let subs: Vec<&str> = name["subAttributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(subs, ["formatted", "familyName", "givenName"]);
    let filterable: Vec<String> =
        alvao::User::descriptor().filter_support().attributes().iter().map(|a| format!("{a:?}")).collect();
    assert!(filterable.iter().any(|a| a.contains("userName")), "{filterable:?}");
    assert!(!filterable.iter().any(|a| a.contains("displayName")), "{filterable:?}");
}
