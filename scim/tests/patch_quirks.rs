//! Entra ID and Okta PATCH behaviour, one test per client habit.

mod patch_common;

use patch_common::*;
use serde_json::json;

const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

#[test]
fn entra_capitalised_op_names() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "REPLACE", "path": "title", "value": "Tour Guide"},
            {"op": "Remove", "path": "displayName"}
        ]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.shift_remove("displayName");
        u.insert("nickName".into(), json!("Babs"));
        u.insert("title".into(), json!("Tour Guide"));
    });
    assert_eq!(resource, expected);
}

#[test]
fn entra_boolean_as_string_with_path() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "Replace", "path": "active", "value": "False"}])).unwrap();
    assert_eq!(resource["active"], json!(false));
}

#[test]
fn entra_boolean_as_string_without_path() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "Replace", "value": {"active": "False"}}])).unwrap();
    assert_eq!(resource["active"], json!(false));
}

#[test]
fn entra_dotted_keys_in_pathless_value() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "Replace", "value": {"name.givenName": "Barb", "name.familyName": "Jensen-Smith"}}]),
    )
    .unwrap();
    assert_eq!(
        resource["name"],
        json!({"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen-Smith", "givenName": "Barb"})
    );
    assert!(resource.get("name.givenName").is_none());
}

#[test]
fn entra_urn_qualified_keys_in_pathless_value() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "Add", "value": {
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "mgr-id"
        }}]),
    )
    .unwrap();
    assert_eq!(
        resource[ENTERPRISE],
        json!({"employeeNumber": "42", "department": "Tour Operations", "manager": {"value": "mgr-id"}})
    );
    let keys: Vec<&String> = resource.as_object().unwrap().keys().collect();
    assert!(keys.iter().all(|k| !k.ends_with(":employeeNumber") && !k.ends_with(":manager")), "{keys:?}");
}

#[test]
fn entra_filter_keys_in_pathless_value() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "Replace", "value": {"emails[type eq \"work\"].value": "barbara@example.com"}}]),
    )
    .unwrap();
    assert_eq!(
        resource["emails"],
        json!([
            {"value": "barbara@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ])
    );
}

#[test]
fn entra_extension_object_in_pathless_value() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "Add", "value": {ENTERPRISE: {"department": "Sales", "costCenter": "4130"}}}]),
    )
    .unwrap();
    assert_eq!(
        resource[ENTERPRISE],
        json!({"employeeNumber": "701984", "department": "Sales", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}, "costCenter": "4130"})
    );
}

#[test]
fn entra_filter_path_creates_the_missing_element() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555-0100"}]),
    )
    .unwrap();
    assert_eq!(
        resource["phoneNumbers"],
        json!([{"value": "555-555-5555", "type": "work"}, {"type": "mobile", "value": "555-0100"}])
    );
}

#[test]
fn entra_several_operations_on_one_filter_fill_one_element() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([
            {"op": "Add", "path": "addresses[type eq \"home\"].locality", "value": "Springfield"},
            {"op": "Add", "path": "addresses[type eq \"home\"].region", "value": "IL"},
            {"op": "Add", "path": "addresses[type eq \"home\"].postalCode", "value": "62701"}
        ]),
    )
    .unwrap();
    assert_eq!(
        resource["addresses"],
        json!([
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA"},
            {"type": "home", "locality": "Springfield", "region": "IL", "postalCode": "62701"}
        ])
    );
}

#[test]
fn entra_manager_as_bare_id_with_path() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "Replace", "path": MANAGER, "value": "new-manager"}])).unwrap();
    assert_eq!(resource[ENTERPRISE]["manager"], json!({"value": "new-manager"}));
}

#[test]
fn entra_manager_cleared_with_null_empty_string_or_remove() {
    for operation in [
        json!({"op": "Replace", "path": MANAGER, "value": null}),
        json!({"op": "Replace", "path": MANAGER, "value": ""}),
        json!({"op": "Remove", "path": MANAGER}),
        json!({"op": "Replace", "value": {MANAGER: null}}),
    ] {
        let mut resource = user();
        patch(&mut resource, &user_schema(), json!([operation.clone()])).unwrap();
        assert_eq!(
            resource[ENTERPRISE],
            json!({"employeeNumber": "701984", "department": "Tour Operations"}),
            "{operation}"
        );
    }
}

#[test]
fn entra_remove_members_with_value_removes_only_those() {
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "a1b2c3"}]}]),
    )
    .unwrap();
    assert_eq!(
        resource["members"],
        json!([
            {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "type": "User"}
        ])
    );
    assert_eq!(outcome.members.removed, vec!["a1b2c3".to_owned()]);
    assert!(outcome.members.added.is_empty() && !outcome.members.replaced);
}

#[test]
fn entra_add_member() {
    let mut resource = group();
    let outcome =
        patch(&mut resource, &group_schema(), json!([{"op": "Add", "path": "members", "value": [{"value": "u4"}]}]))
            .unwrap();
    assert_eq!(resource["members"].as_array().map(Vec::len), Some(4));
    assert_eq!(resource["members"][3], json!({"value": "u4"}));
    assert_eq!(outcome.members.added, vec!["u4".to_owned()]);
}

#[test]
fn entra_add_existing_member_is_not_an_error() {
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([{"op": "Add", "path": "members", "value": [{"value": "a1b2c3"}]}]),
    )
    .unwrap();
    assert!(!outcome.changed);
    assert!(outcome.members.is_empty());
    assert_eq!(resource, group());
}

#[test]
fn entra_replace_group_display_name() {
    let mut resource = group();
    let outcome =
        patch(&mut resource, &group_schema(), json!([{"op": "Replace", "path": "displayName", "value": "Guides"}]))
            .unwrap();
    assert_eq!(
        resource,
        edited(group(), |g| {
            g.insert("displayName".into(), json!("Guides"));
        })
    );
    assert!(outcome.changed && outcome.members.is_empty());
}

#[test]
fn okta_replace_members_replaces_the_list() {
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([{"op": "replace", "path": "members", "value": [{"value": "a1b2c3"}, {"value": "u9"}, {"value": "u9"}]}]),
    )
    .unwrap();
    assert_eq!(resource["members"], json!([{"value": "a1b2c3"}, {"value": "u9"}]));
    assert!(outcome.members.replaced);
    assert_eq!(outcome.members.added, vec!["a1b2c3".to_owned(), "u9".to_owned()]);
}

#[test]
fn okta_pathless_replace_with_id_and_schemas_ignores_them() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "replace", "value": {
            "id": "2819c223-7f76-453a-919d-413861904646",
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "active": false
        }}]),
    )
    .unwrap();
    assert_eq!(
        resource,
        edited(user(), |u| {
            u.insert("active".into(), json!(false));
        })
    );
    // Any id is ignored the same way (id is readOnly, RFC 7643 section 3.1).
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "replace", "value": {"id": "abc", "active": false}}])).unwrap();
    assert_eq!(resource["id"], json!("2819c223-7f76-453a-919d-413861904646"));
}

#[test]
fn empty_operations_are_a_no_op() {
    let mut resource = user();
    let outcome = patch(&mut resource, &user_schema(), json!([])).unwrap();
    assert!(!outcome.changed);
    assert_eq!(serde_json::to_string(&resource).unwrap(), serde_json::to_string(&user()).unwrap());
}

#[test]
fn member_delta_nets_out_add_then_remove() {
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([
            {"op": "Add", "path": "members", "value": [{"value": "u4"}, {"value": "u5"}]},
            {"op": "Remove", "path": "members[value eq \"u4\"]"},
            {"op": "Remove", "path": "members[value eq \"a1b2c3\"]"},
            {"op": "Add", "path": "members", "value": [{"value": "a1b2c3"}]}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.members.added, vec!["u5".to_owned()]);
    assert!(outcome.members.removed.is_empty());
}

#[test]
fn okta_add_member_with_display() {
    // RFC 7643 section 8.7.1's Group.members has value, $ref and type only, but Okta sends
    // `display` with every member it pushes; it is one of the default sub-attributes of a
    // multi-valued attribute (RFC 7643 section 2.4), so it is accepted and kept.
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([{"op": "add", "path": "members", "value": [{"value": "u4", "display": "User Four"}]}]),
    )
    .unwrap();
    assert_eq!(resource["members"][3], json!({"value": "u4", "display": "User Four"}));
    assert_eq!(outcome.members.added, vec!["u4".to_owned()]);
}

/// scim2-models (and so scim2-tester) serialise an extension's PATCH value with a `schemas`
/// member naming the extension. It says nothing the path does not, so it is dropped; a
/// `schemas` member naming another schema is still an unknown attribute (400 invalidPath).
#[test]
fn extension_value_carrying_its_own_schemas_member() {
    let with_path = json!([{"op": "add", "path": ENTERPRISE,
        "value": {"schemas": [ENTERPRISE], "employeeNumber": "42", "costCenter": "cc"}}]);
    let without_path = json!([{"op": "replace",
        "value": {ENTERPRISE: {"schemas": [ENTERPRISE.to_uppercase()], "employeeNumber": "42", "costCenter": "cc"}}}]);
    for operations in [with_path, without_path] {
        let mut resource = user();
        patch(&mut resource, &user_schema(), operations.clone()).unwrap();
        assert_eq!(resource[ENTERPRISE]["employeeNumber"], json!("42"), "{operations}");
        assert_eq!(resource[ENTERPRISE]["costCenter"], json!("cc"), "{operations}");
        assert!(resource[ENTERPRISE].get("schemas").is_none(), "{operations}");
    }
    for schemas in
        [json!(["urn:ietf:params:scim:schemas:core:2.0:User"]), json!([ENTERPRISE, ENTERPRISE]), json!(ENTERPRISE)]
    {
        let mut resource = user();
        let operations =
            json!([{"op": "add", "path": ENTERPRISE, "value": {"schemas": schemas, "employeeNumber": "42"}}]);
        let error = patch(&mut resource, &user_schema(), operations).unwrap_err();
        assert_eq!(error.status, 400, "{schemas}");
        assert_eq!(resource, user(), "{schemas}: a failed PATCH changes nothing");
    }
}
