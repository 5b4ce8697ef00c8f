//! Typed resources: JSON -> struct -> JSON, through hand-written impls exactly as
//! `#[derive(ScimResource)]` expands (tests/typed_common).

mod typed_common;

use scim::ScimType;
use scim::typed::{Binary, Reference, ScimResource};
use serde_json::{Value, json};
use time::macros::datetime;
use typed_common::{Account, Address, ENTERPRISE_URN, FullUser, Member, Team, USER_URN};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/typed/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// RFC 7643 section 8.3, restricted to what the built-in schemas can hold: `addresses` has no
/// `primary` sub-attribute there (see schema/builtin.rs), so the work address loses it.
fn full_user() -> Value {
    let mut json = fixture("rfc7643-8.3-enterprise-user.json");
    json["addresses"][0].as_object_mut().unwrap().shift_remove("primary").unwrap();
    json
}

fn account_json() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "id": "a1",
        "userName": "bjensen",
        "name": {"givenName": "Barbara"},
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work"}],
        ENTERPRISE_URN: {"department": "Tour Operations", "manager": {"value": "m-26118915"}}
    })
}

fn account() -> Account {
    Account {
        id: Some("a1".into()),
        login: "bjensen".into(),
        first_name: Some("Barbara".into()),
        email: Some("bjensen@example.com".into()),
        department: Some("Tour Operations".into()),
        enabled: true,
        manager: Some("m-26118915".into()),
    }
}

/// The keys of a JSON object, in order.
fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn the_issue_example_maps_both_ways() {
    assert_eq!(Account::from_scim(&account_json()).unwrap(), account());
    let json = account().to_scim();
    assert_eq!(json, account_json());
    assert_eq!(account().id().as_deref(), Some("a1"));
}

#[test]
fn to_scim_writes_canonical_key_order() {
    // Struct field order is id, login, first_name, email, department, enabled, manager; the
    // representation follows the schema: schemas, id, core attributes in schema order
    // (userName, name, active, emails), then the extension.
    let text = serde_json::to_string(&account().to_scim()).unwrap();
    assert_eq!(
        text,
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"a1","userName":"bjensen","name":{"givenName":"Barbara"},"active":true,"emails":[{"value":"bjensen@example.com","type":"work"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tour Operations","manager":{"value":"m-26118915"}}}"#
    );
}

#[test]
fn schemas_lists_only_extensions_with_values() {
    let core_only = Account { department: None, manager: None, ..account() };
    let json = core_only.to_scim();
    assert_eq!(json["schemas"], json!([USER_URN]));
    assert!(json.get(ENTERPRISE_URN).is_none(), "an empty extension object is dropped: {json}");

    let with_manager = Account { department: None, ..account() };
    assert_eq!(with_manager.to_scim()["schemas"], json!([USER_URN, ENTERPRISE_URN]));
}

#[test]
fn absent_optional_fields_stay_absent() {
    let bare = Account {
        id: None,
        login: "x".into(),
        first_name: None,
        email: None,
        department: None,
        enabled: false,
        manager: None,
    };
    assert_eq!(bare.to_scim(), json!({"schemas": [USER_URN], "userName": "x", "active": false}));
    assert_eq!(bare.id(), None);
}

#[test]
fn rfc7643_minimal_user_round_trips() {
    // RFC 7643 section 8.1.
    let json = fixture("rfc7643-8.1-minimal-user.json");
    let user = FullUser::from_scim(&json).unwrap();
    assert_eq!(user.user_name, "Bjensen");
    assert_eq!(user.created, Some(datetime!(2010-01-23 04:56:22 UTC)));
    assert_eq!(user.version.as_deref(), Some("W/\"3694e05e9dff590\""));
    assert!(user.groups.is_empty() && user.certificates.is_empty() && user.manager.is_none());
    assert_eq!(user.to_scim(), json);
}

#[test]
fn rfc7643_full_enterprise_user_round_trips() {
    // RFC 7643 section 8.3 (the full User of section 8.2 with the enterprise extension).
    let json = full_user();
    let user = FullUser::from_scim(&json).unwrap();
    assert_eq!(user.given_name.as_deref(), Some("Barbara"));
    assert_eq!(user.work_email.as_deref(), Some("bjensen@example.com"));
    assert_eq!(user.work_email_primary, Some(true));
    assert_eq!(user.home_email.as_deref(), Some("babs@jensen.org"));
    assert_eq!(user.work_locality.as_deref(), Some("Hollywood"));
    assert_eq!(
        user.home_address,
        Some(Address {
            formatted: Some("456 Hollywood Blvd\nHollywood, CA 91608 USA".into()),
            street_address: Some("456 Hollywood Blvd".into()),
            locality: Some("Hollywood".into()),
            region: Some("CA".into()),
            postal_code: Some("91608".into()),
            country: Some("USA".into()),
        })
    );
    assert_eq!(user.mobile_phone.as_deref(), Some("555-555-4444"));
    assert_eq!(user.thumbnail, Some(Reference("https://photos.example.com/profilephoto/72930000000Ccne/T".into())));
    assert_eq!(user.groups.len(), 3);
    assert_eq!(user.certificates.len(), 1);
    assert_eq!(user.certificates[0].0.len(), 48, "64 base64 characters are 48 bytes");
    assert_eq!(user.manager.as_ref().and_then(|m| m.display_name.as_deref()), Some("John Smith"));
    assert_eq!(user.last_modified, Some(datetime!(2011-05-13 04:42:34 UTC)));

    let back = user.to_scim();
    assert_eq!(back, json);
    assert_eq!(FullUser::from_scim(&back).unwrap(), user);
}

#[test]
fn full_user_output_is_in_schema_order() {
    let back = FullUser::from_scim(&full_user()).unwrap().to_scim();
    assert_eq!(
        keys(&back),
        [
            "schemas",
            "id",
            "externalId",
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "x509Certificates",
            ENTERPRISE_URN,
            "meta",
        ]
    );
    // Sub-attributes in schema order too, whatever order the fields were put in.
    assert_eq!(keys(&back["meta"]), ["resourceType", "created", "lastModified", "location", "version"]);
    assert_eq!(
        keys(&back["addresses"][0]),
        ["formatted", "streetAddress", "locality", "region", "postalCode", "country", "type"]
    );
    assert_eq!(keys(&back["emails"][0]), ["value", "type", "primary"]);
}

#[test]
fn selector_fields_share_one_element() {
    let user = FullUser {
        work_street: Some("1 Main St".into()),
        work_locality: Some("Springfield".into()),
        work_region: Some("IL".into()),
        home_address: Some(Address {
            formatted: None,
            street_address: None,
            locality: Some("Shelbyville".into()),
            region: None,
            postal_code: None,
            country: None,
        }),
        ..FullUser::from_scim(&fixture("rfc7643-8.1-minimal-user.json")).unwrap()
    };
    let json = user.to_scim();
    assert_eq!(
        json["addresses"],
        json!([
            {"streetAddress": "1 Main St", "locality": "Springfield", "region": "IL", "type": "work"},
            {"locality": "Shelbyville", "type": "home"}
        ])
    );
    let back = FullUser::from_scim(&json).unwrap();
    assert_eq!(back, user);
}

#[test]
fn selectors_match_case_insensitively_and_take_the_first_match() {
    // `type` is not caseExact (RFC 7643 section 8.7.1), and clients send "Work".
    let json = json!({
        "schemas": [USER_URN],
        "userName": "x",
        "active": true,
        "emails": [
            {"value": "home@example.com", "type": "home"},
            {"value": "first@example.com", "type": "Work"},
            {"value": "second@example.com", "type": "work"}
        ]
    });
    assert_eq!(Account::from_scim(&json).unwrap().email.as_deref(), Some("first@example.com"));
}

#[test]
fn selector_elements_without_the_sub_attribute_read_as_absent() {
    let json = json!({"schemas": [USER_URN], "userName": "x", "active": true, "emails": [{"type": "work"}]});
    assert_eq!(Account::from_scim(&json).unwrap().email, None);
}

#[test]
fn every_element_paths_collect_and_spread() {
    // `x509Certificates.value` (no selector) maps to a Vec: one element per value.
    let certificates = vec![Binary(vec![0, 1, 2]), Binary(b"hello".to_vec())];
    let user = FullUser { certificates, ..FullUser::from_scim(&fixture("rfc7643-8.1-minimal-user.json")).unwrap() };
    let json = user.to_scim();
    assert_eq!(json["x509Certificates"], json!([{"value": "AAEC"}, {"value": "aGVsbG8="}]));
    assert_eq!(FullUser::from_scim(&json).unwrap(), user);
}

#[test]
fn groups_with_members_round_trip() {
    let json = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a"}
        ]
    });
    let team = Team::from_scim(&json).unwrap();
    assert_eq!(team.name, "Tour Guides");
    assert_eq!(
        team.members[1],
        Member { value: "902c246b-6245-4190-8e05-00816be7344a".into(), reference: None, kind: None }
    );
    assert_eq!(team.to_scim(), json);

    let empty = Team { members: Vec::new(), ..team };
    let json = empty.to_scim();
    assert!(json.get("members").is_none(), "an empty Vec is absent (RFC 7643 section 2.5): {json}");
    assert_eq!(Team::from_scim(&json).unwrap().members, Vec::new());
}

#[test]
fn wrong_types_are_invalid_value_naming_path_and_field() {
    let base = account_json();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/userName", json!(42), "`userName` (field `login`): expected a string, found the number 42"),
        (
            "/active",
            json!("yes"),
            "`active` (field `enabled`): expected a boolean (true or false), found the string \"yes\"",
        ),
        (
            "/emails/0/value",
            json!(["a"]),
            "`emails[type eq \"work\"].value` (field `email`): expected a string, found an array",
        ),
        (
            "/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/manager/value",
            json!(7),
            "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` (field `manager`): expected a string, found the number 7",
        ),
    ];
    for (pointer, bad, detail) in cases {
        let mut json = base.clone();
        *json
            .pointer_mut(&pointer.replace("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", ENTERPRISE_URN))
            .unwrap() = bad;
        let error = Account::from_scim(&json).unwrap_err();
        assert_eq!(error.status, 400, "{pointer}");
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue), "{pointer}");
        assert_eq!(error.detail, detail, "{pointer}");
    }
}

#[test]
fn missing_required_fields_are_invalid_value() {
    let mut json = account_json();
    json.as_object_mut().unwrap().shift_remove("active");
    let error = Account::from_scim(&json).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(error.detail, "`active` (field `enabled`): required value missing");
}

#[test]
fn string_booleans_are_accepted() {
    // Entra ID sends "active": "False".
    let mut json = account_json();
    json["active"] = json!("False");
    assert!(!Account::from_scim(&json).unwrap().enabled);
}

#[test]
fn complex_and_binary_errors_name_the_element() {
    let mut json = full_user();
    json["x509Certificates"] = json!([{"value": "AAEC"}, {"value": "not base64!"}]);
    let error = FullUser::from_scim(&json).unwrap_err();
    assert!(
        error.detail.starts_with("`x509Certificates.value` (field `certificates`): element 1: expected base64"),
        "{}",
        error.detail
    );

    let mut json = full_user();
    json["groups"][2] = json!({"$ref": "../Groups/x"});
    let error = FullUser::from_scim(&json).unwrap_err();
    assert_eq!(error.detail, "`groups` (field `groups`): element 2: missing field `value`");

    let mut json = full_user();
    json["meta"]["created"] = json!("yesterday");
    let error = FullUser::from_scim(&json).unwrap_err();
    assert_eq!(
        error.detail,
        "`meta.created` (field `created`): expected an RFC 3339 dateTime such as \"2011-08-01T18:29:49.793Z\", found \"yesterday\""
    );
}
