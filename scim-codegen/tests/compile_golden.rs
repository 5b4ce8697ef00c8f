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
mod every_type {
    include!("golden/every_type.rs");
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
    // Entra's whole default mapping, enterprise attributes included.
    assert_round_trip::<rfpio::User>(json!({
        "schemas": [USER, ENTERPRISE],
        "id": "u2",
        "userName": "ghopper",
        "title": "Rear admiral",
        "preferredLanguage": "en-US",
        "addresses": [{"locality": "Cambridge", "country": "US", "type": "work"}],
        "phoneNumbers": [{"value": "+1 617 555 0100", "type": "mobile"}],
        ENTERPRISE: {"employeeNumber": "1906", "manager": {"value": "u1"}}
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

const EVERY_TYPE: &str = "urn:example:scim:schemas:2.0:EveryType";

/// One value of every attribute in schemas/every-type.json, single- and multi-valued, top-level
/// and inside complex attributes.
fn every_type_values() -> Value {
    json!({
        "label": "sample",
        "nicknames": ["a", "b"],
        "verified": true,
        "level": 3,
        "score": 2.5,
        "ratings": [1.5, 4.0],
        "startedAt": "2011-08-01T18:29:49.793Z",
        "reviewedAt": "2012-01-01T00:00:00Z",
        "holidays": ["2011-12-24T00:00:00Z", "2011-12-31T00:00:00Z"],
        "homepage": "https://example.com/sample",
        "links": ["https://example.com/a", "https://example.com/b"],
        "photo": "aGkh",
        "certificates": ["aGk=", "aGkh"],
        "contract": {
            "signedAt": "2011-08-01T00:00:00Z",
            "endsAt": "2013-08-01T00:00:00Z",
            "renewals": ["2012-08-01T00:00:00Z", "2013-02-01T00:00:00+01:00"],
            "fee": 99.5,
            "document": "aGkh",
            "url": "https://example.com/contract",
            "seats": 12,
            "signed": true
        },
        "milestones": [{"value": "kickoff", "reachedAt": "2011-09-01T00:00:00Z"}, {"value": "launch"}]
    })
}

/// Every SCIM attribute type generates a field that compiles and round-trips: as fields of the
/// resource struct (`Sample`, whose core schema has them) and as serde members of an extension
/// struct (`User`), where dateTime members go through `scim::typed::as_scim_value`.
#[test]
fn every_attribute_type_round_trips_as_a_field_and_as_an_extension_member() {
    let mut sample = every_type_values();
    sample["schemas"] = json!([EVERY_TYPE]);
    sample["id"] = json!("s1");
    // `+01:00` reads as the same instant; the round trip below spells it in UTC.
    let typed = every_type::Sample::from_scim(&sample).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(typed.holidays.len(), 2);
    assert_eq!(typed.contract.as_ref().unwrap().renewals[1], time::macros::datetime!(2013-01-31 23:00 UTC));
    assert_eq!(typed.photo.as_ref().map(|p| p.0.as_slice()), Some(&b"hi!"[..]));
    sample["contract"]["renewals"][1] = json!("2013-01-31T23:00:00Z");
    assert_round_trip::<every_type::Sample>(sample);

    let mut extension = every_type_values();
    extension["contract"]["renewals"][1] = json!("2013-01-31T23:00:00Z");
    assert_round_trip::<every_type::User>(json!({
        "schemas": [USER, EVERY_TYPE],
        "id": "u1",
        "userName": "bjensen",
        EVERY_TYPE: extension
    }));
    let error = every_type::User::from_scim(&json!({
        "schemas": [USER, EVERY_TYPE],
        "userName": "bjensen",
        EVERY_TYPE: {"label": "x", "startedAt": "2011-08-01T00:00:00Z", "holidays": ["Christmas"]}
    }))
    .unwrap_err();
    assert!(error.detail.contains("expected an RFC 3339 dateTime"), "{error:?}");
}

#[test]
fn generated_descriptors_advertise_only_the_supported_attributes() {
    let documents = alvao::User::descriptor().schema_documents();
    let core = documents.iter().find(|d| d["id"] == USER).unwrap();
    let names: Vec<&str> = core["attributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    // A mapped externalId is listed first in the core schema (Microsoft's schema discovery
    // test expects it), though RFC 7643 makes it a common attribute.
    assert_eq!(
        names,
        ["externalId", "userName", "name", "displayName", "title", "active", "emails", "phoneNumbers", "addresses"]
    );
    let name = core["attributes"].as_array().unwrap().iter().find(|a| a["name"] == "name").unwrap();
    let subs: Vec<&str> = name["subAttributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(subs, ["formatted", "familyName", "givenName"]);
    let filterable: Vec<String> =
        alvao::User::descriptor().filter_support().attributes().iter().map(|a| format!("{a:?}")).collect();
    assert!(filterable.iter().any(|a| a.contains("userName")), "{filterable:?}");
    assert!(!filterable.iter().any(|a| a.contains("displayName")), "{filterable:?}");
}

/// `GET /ResourceTypes` and `GET /Schemas` of every generated resource type (RFC 7643 sections
/// 6 and 7): what the seed systems advertise, restricted to what their types hold.
fn discovery<R: ScimResource>() -> Value {
    let descriptor = R::descriptor();
    json!({"resourceType": descriptor.resource_type_document(), "schemas": descriptor.schema_documents()})
}

#[test]
fn discovery_documents_snapshots() {
    insta::assert_json_snapshot!("core_user", discovery::<core_types::User>());
    insta::assert_json_snapshot!("core_group", discovery::<core_types::Group>());
    insta::assert_json_snapshot!("real_links_user", discovery::<real_links::User>());
    insta::assert_json_snapshot!("rfpio_user", discovery::<rfpio::User>());
    insta::assert_json_snapshot!("alvao_user", discovery::<alvao::User>());
    insta::assert_json_snapshot!("alvao_group", discovery::<alvao::Group>());
    insta::assert_json_snapshot!("golinks_user", discovery::<golinks::User>());
    insta::assert_json_snapshot!("golinks_group", discovery::<golinks::Group>());
}

/// An RFC 7643 section 8 example, as `scim/tests/fixtures/typed` holds it verbatim.
fn rfc_example(file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scim/tests/fixtures/typed").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// `example` without what the generated core types do not hold: `meta` (the service provider
/// writes it) and the members the RFC 7643 section 8.7.1 schemas do not define
/// (`addresses.primary`, `members.display`; the examples of section 8 use them anyway).
fn supported_part(mut example: Value) -> Value {
    let object = example.as_object_mut().expect("an object");
    object.shift_remove("meta");
    for (attribute, member) in [("addresses", "primary"), ("members", "display")] {
        for element in object.get_mut(attribute).and_then(Value::as_array_mut).into_iter().flatten() {
            element.as_object_mut().expect("an element object").shift_remove(member);
        }
    }
    example
}

/// JSON -> generated struct -> JSON gives the supported part of the example back, and reading
/// the full example ignores exactly the unsupported members.
fn assert_rfc_round_trip<R: ScimResource + std::fmt::Debug + PartialEq>(file: &str) -> R {
    let example = rfc_example(file);
    let supported = supported_part(example.clone());
    let typed = R::from_scim(&example).unwrap_or_else(|e| panic!("{file}: from_scim: {e:?}"));
    assert_eq!(typed.to_scim(), supported, "{file}: round trip of {typed:?}");
    assert_eq!(R::from_scim(&supported).unwrap(), typed, "{file}: the unsupported members are ignored");
    assert_eq!(typed.id().as_deref(), example["id"].as_str(), "{file}");
    typed
}

#[test]
fn rfc7643_8_1_minimal_user_round_trips_through_the_generated_user() {
    let user = assert_rfc_round_trip::<core_types::User>("rfc7643-8.1-minimal-user.json");
    assert_eq!(user.user_name, "Bjensen");
    assert_eq!(user.enterprise, None);
}

#[test]
fn rfc7643_8_2_full_user_round_trips_through_the_generated_user() {
    let user = assert_rfc_round_trip::<core_types::User>("rfc7643-8.2-full-user.json");
    assert_eq!(user.emails.len(), 2);
    assert_eq!(user.groups.len(), 3);
    assert_eq!(
        user.x509_certificates.first().and_then(|c| c.value.as_ref()).map(|b| b.0.len()),
        Some(48),
        "x509Certificates.value is binary, decoded from base64"
    );
    assert_eq!(user.enterprise, None);
}

#[test]
fn rfc7643_8_3_enterprise_user_round_trips_through_the_generated_user() {
    let user = assert_rfc_round_trip::<core_types::User>("rfc7643-8.3-enterprise-user.json");
    let enterprise = user.enterprise.expect("the enterprise extension is read");
    assert_eq!(enterprise.department.as_deref(), Some("Tour Operations"));
    let manager = enterprise.manager.expect("manager");
    assert_eq!(manager.reference, Some(scim::typed::Reference("../Users/26118915-6090-4610-87e4-49d8ca9f808d".into())));
}

#[test]
fn rfc7643_8_4_group_round_trips_through_the_generated_group() {
    let group = assert_rfc_round_trip::<core_types::Group>("rfc7643-8.4-group.json");
    assert_eq!(group.display_name.as_deref(), Some("Tour Guides"));
    assert_eq!(group.members.len(), 2);
}
