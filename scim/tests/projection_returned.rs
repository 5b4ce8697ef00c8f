//! `attributes` / `excludedAttributes` with `returned` honoured (RFC 7644 sections 3.4.2.5 and
//! 3.9, RFC 7643 section 2.2), against the built-in User schema.

use scim::filter::{AttrPath, parse_attr_path};
use scim::projection::project;
use scim::schema::builtin::{ENTERPRISE_USER_URN, USER_URN, user_schema};
use scim::schema::{ResourceSchema, Returned};
use serde_json::{Value, json};

/// A stored user, close to RFC 7643 section 8.2, plus a password and a group.
fn stored_user() -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff590\""},
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "password": "t1meMa$heen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
        ENTERPRISE_USER_URN: {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "26118915", "displayName": "John Smith"}}
    })
}

fn paths(list: &str) -> Vec<AttrPath> {
    list.split(',').filter(|s| !s.is_empty()).map(|s| parse_attr_path(s).unwrap()).collect()
}

fn projected(schema: &ResourceSchema, attributes: &str, excluded: &str) -> Value {
    project(stored_user(), schema, &paths(attributes), &paths(excluded))
}

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn default_set_leaves_out_never_returned_password() {
    let user = projected(&user_schema(), "", "");
    let mut expected = stored_user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(user, expected);
}

#[test]
fn attributes_cases() {
    let schema = user_schema();
    let id = "2819c223-7f76-453a-919d-413861904646";
    let cases = [
        ("userName", json!({"schemas": [USER_URN], "id": id, "userName": "bjensen@example.com"})),
        ("USERNAME", json!({"schemas": [USER_URN], "id": id, "userName": "bjensen@example.com"})),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            json!({"schemas": [USER_URN], "id": id, "userName": "bjensen@example.com"}),
        ),
        ("name.givenName", json!({"schemas": [USER_URN], "id": id, "name": {"givenName": "Barbara"}})),
        (
            "emails.value",
            json!({"schemas": [USER_URN], "id": id, "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]}),
        ),
        (
            "emails.value,emails.type",
            json!({"schemas": [USER_URN], "id": id, "emails": [{"value": "bjensen@example.com", "type": "work"}, {"value": "babs@jensen.org", "type": "home"}]}),
        ),
        ("meta.created", json!({"schemas": [USER_URN], "id": id, "meta": {"created": "2010-01-23T04:56:22Z"}})),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "id": id, ENTERPRISE_USER_URN: {"department": "Tour Operations"}}),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "id": id, ENTERPRISE_USER_URN: {"manager": {"value": "26118915"}}}),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "id": id, ENTERPRISE_USER_URN: stored_user()[ENTERPRISE_USER_URN]}),
        ),
        // writeOnly / returned never: not even when asked for.
        ("password", json!({"schemas": [USER_URN], "id": id})),
        // Unknown names are ignored.
        ("nosuch,name.nosuch,urn:example:x:y", json!({"schemas": [USER_URN], "id": id})),
        ("id", json!({"schemas": [USER_URN], "id": id})),
    ];
    for (attributes, expected) in cases {
        assert_eq!(projected(&schema, attributes, ""), expected, "attributes={attributes}");
    }
}

#[test]
fn excluded_attributes_cases() {
    let schema = user_schema();
    let cases: [(&str, &[&str]); 5] = [
        (
            "emails,groups,meta",
            &["schemas", "id", "externalId", "userName", "name", "displayName", ENTERPRISE_USER_URN],
        ),
        // returned: always survives exclusion.
        (
            "id,schemas",
            &[
                "schemas",
                "id",
                "externalId",
                "meta",
                "userName",
                "name",
                "displayName",
                "emails",
                "groups",
                ENTERPRISE_USER_URN,
            ],
        ),
        (
            ENTERPRISE_USER_URN,
            &["schemas", "id", "externalId", "meta", "userName", "name", "displayName", "emails", "groups"],
        ),
        (
            "name.givenName,name.familyName,name.formatted",
            &[
                "schemas",
                "id",
                "externalId",
                "meta",
                "userName",
                "displayName",
                "emails",
                "groups",
                ENTERPRISE_USER_URN,
            ],
        ),
        (
            "nosuch",
            &[
                "schemas",
                "id",
                "externalId",
                "meta",
                "userName",
                "name",
                "displayName",
                "emails",
                "groups",
                ENTERPRISE_USER_URN,
            ],
        ),
    ];
    for (excluded, expected_keys) in cases {
        let user = projected(&schema, "", excluded);
        assert_eq!(keys(&user), expected_keys, "excludedAttributes={excluded}");
    }
    let user = projected(&schema, "", "emails.type,name.givenName");
    assert_eq!(
        user["emails"],
        json!([{"value": "bjensen@example.com", "primary": true}, {"value": "babs@jensen.org"}])
    );
    assert_eq!(user["name"], json!({"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen"}));
}

#[test]
fn schemas_lists_only_extensions_still_present() {
    let user = projected(&user_schema(), "", ENTERPRISE_USER_URN);
    assert_eq!(user["schemas"], json!([USER_URN]));
    let user = projected(&user_schema(), "userName", "");
    assert_eq!(user["schemas"], json!([USER_URN]));
}

#[test]
fn both_lists_apply_exclusion_last() {
    let user = projected(&user_schema(), "name,emails", "name.givenName");
    assert_eq!(keys(&user), ["schemas", "id", "name", "emails"]);
    assert!(user["name"].get("givenName").is_none());
}

#[test]
fn returned_request_only_when_named() {
    let mut schema = user_schema();
    let core = std::sync::Arc::make_mut(&mut schema.core);
    core.attributes.iter_mut().find(|a| a.name == "displayName").unwrap().returned = Returned::Request;
    let emails = core.attributes.iter_mut().find(|a| a.name == "emails").unwrap();
    emails.sub_attributes.iter_mut().find(|a| a.name == "type").unwrap().returned = Returned::Request;

    let default = projected(&schema, "", "");
    assert!(default.get("displayName").is_none());
    assert!(default["emails"][0].get("type").is_none());
    assert_eq!(projected(&schema, "displayName", "")["displayName"], "Babs Jensen");
    assert!(projected(&schema, "emails", "")["emails"][0].get("type").is_none());
    assert_eq!(projected(&schema, "emails.type", "")["emails"][0], json!({"type": "work"}));
}

#[test]
fn returned_always_sub_attribute_survives_sub_attribute_selection() {
    let mut schema = user_schema();
    let core = std::sync::Arc::make_mut(&mut schema.core);
    let emails = core.attributes.iter_mut().find(|a| a.name == "emails").unwrap();
    emails.sub_attributes.iter_mut().find(|a| a.name == "value").unwrap().returned = Returned::Always;
    assert_eq!(projected(&schema, "emails.type", "")["emails"][1], json!({"value": "babs@jensen.org", "type": "home"}));
    assert_eq!(
        projected(&schema, "", "emails.value")["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home"})
    );
}

#[test]
fn implied_sub_attributes_are_selected_like_defined_ones() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba",
        "displayName": "Tour Guides",
        "members": [{"value": "2819c223", "display": "Babs Jensen"}]
    });
    let schema = scim::schema::builtin::group_schema();
    let only_values = project(group.clone(), &schema, &paths("members.value"), &[]);
    assert_eq!(only_values["members"], json!([{"value": "2819c223"}]));
    let without_display = project(group.clone(), &schema, &[], &paths("members.display"));
    assert_eq!(without_display["members"], json!([{"value": "2819c223"}]));
}
