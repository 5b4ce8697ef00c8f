//! Every PATCH example of RFC 7644 section 3.5.2, applied to fixture resources; the expected
//! resources are written by hand.

mod patch_common;

use patch_common::*;
use scim::ScimType;
use serde_json::{Value, json};

const BJENSEN: &str = "2819c223-7f76-453a-919d-413861904646";
const JSMITH: &str = "902c246b-6245-4190-8e05-00816be7344a";

struct Case {
    name: &'static str,
    operations: Value,
    expected: Value,
}

fn run_group_cases(cases: Vec<Case>) {
    for case in cases {
        let mut resource = group();
        let outcome =
            patch(&mut resource, &group_schema(), case.operations).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(resource, case.expected, "{}", case.name);
        assert!(outcome.changed, "{}", case.name);
    }
}

fn group_with_members(members: Value) -> Value {
    edited(group(), |g| {
        if members.is_null() {
            g.shift_remove("members");
        } else {
            g.insert("members".into(), members);
        }
    })
}

#[test]
fn rfc_3_5_2_group_examples() {
    run_group_cases(vec![
        Case {
            name: "3.5.2.2 remove all members",
            operations: json!([{"op": "remove", "path": "members"}]),
            expected: group_with_members(Value::Null),
        },
        Case {
            name: "3.5.2.2 remove one member by filter",
            operations: json!([{"op": "remove", "path": format!("members[value eq \"{BJENSEN}\"]")}]),
            expected: group_with_members(json!([
                {"value": JSMITH, "type": "User"},
                {"value": "a1b2c3", "type": "User"}
            ])),
        },
        Case {
            name: "remove two members with an or filter",
            operations: json!([{"op": "remove", "path": format!("members[value eq \"{BJENSEN}\" or value eq \"a1b2c3\"]")}]),
            expected: group_with_members(json!([{"value": JSMITH, "type": "User"}])),
        },
        Case {
            name: "3.5.2.2 remove all members then add one",
            operations: json!([
                {"op": "remove", "path": "members"},
                {"op": "add", "path": "members", "value": [{"value": "new", "$ref": "https://example.com/v2/Users/new"}]}
            ]),
            expected: group_with_members(json!([{"value": "new", "$ref": "https://example.com/v2/Users/new"}])),
        },
        Case {
            name: "3.5.2.3 replace all members",
            operations: json!([{"op": "replace", "path": "members", "value": [
                {"$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"},
                {"$ref": "https://example.com/v2/Users/902c246b", "value": "902c246b"}
            ]}]),
            expected: group_with_members(json!([
                {"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223"},
                {"value": "902c246b", "$ref": "https://example.com/v2/Users/902c246b"}
            ])),
        },
    ]);
}

#[test]
fn rfc_3_5_2_1_add_member_reports_the_delta() {
    let mut resource = group();
    let outcome = patch(
        &mut resource,
        &group_schema(),
        json!([{"op": "add", "path": "members", "value": [{"$ref": "https://example.com/v2/Users/new", "value": "new"}]}]),
    )
    .unwrap();
    assert_eq!(
        resource["members"],
        json!([
            {"value": BJENSEN, "type": "User"},
            {"value": JSMITH, "type": "User"},
            {"value": "a1b2c3", "type": "User"},
            {"value": "new", "$ref": "https://example.com/v2/Users/new"}
        ])
    );
    assert_eq!(outcome.members.added, vec!["new".to_owned()]);
    assert!(outcome.members.removed.is_empty() && !outcome.members.replaced);
}

#[test]
fn rfc_3_5_2_1_add_without_path_emails_and_nickname() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "add", "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@new.example", "type": "other"}], "nickName": "Babs"}}]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.insert(
            "emails".into(),
            json!([
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
                {"value": "b@new.example", "type": "other"}
            ]),
        );
        u.insert("nickName".into(), json!("Babs"));
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_2_remove_emails_by_complex_filter() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.insert("emails".into(), json!([{"value": "babs@jensen.org", "type": "home"}]));
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_2_remove_extension_attribute() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")}]))
        .unwrap();
    let expected = edited(user(), |u| {
        u.insert(
            ENTERPRISE.into(),
            json!({"department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}),
        );
    });
    assert_eq!(resource, expected);
}

#[test]
fn removing_the_last_extension_attribute_drops_the_extension_from_schemas() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "remove", "path": ENTERPRISE}])).unwrap();
    let expected = edited(user(), |u| {
        u.shift_remove(ENTERPRISE);
        u.insert("schemas".into(), json!(["urn:ietf:params:scim:schemas:core:2.0:User"]));
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_3_replace_work_address() {
    // The RFC's own example sends `primary`, which section 8.7.1 does not list for `addresses`;
    // it is one of the default sub-attributes of a multi-valued attribute (RFC 7643 section
    // 2.4), so it is accepted and kept.
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {
            "type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
            "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true
        }}]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.insert(
            "addresses".into(),
            json!([{"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
                "region": "CA", "postalCode": "91608", "country": "US",
                "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true}]),
        );
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_3_replace_street_address_of_work_address() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.insert(
            "addresses".into(),
            json!([{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA"}]),
        );
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_3_replace_without_path() {
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "replace", "value": {
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"
        }}]),
    )
    .unwrap();
    let expected = edited(user(), |u| {
        u.insert("nickName".into(), json!("Babs"));
    });
    assert_eq!(resource, expected);
}

#[test]
fn rfc_3_5_2_3_replace_with_non_equality_filter_matching_nothing_is_no_target() {
    patch_fails(
        &user(),
        &user_schema(),
        json!([{"op": "replace", "path": "emails[value ew \"nowhere.example\"].type", "value": "x"}]),
        ScimType::NoTarget,
    );
}

#[test]
fn rfc_3_5_2_remove_without_path_is_no_target() {
    patch_fails(&user(), &user_schema(), json!([{"op": "remove"}]), ScimType::NoTarget);
}

#[test]
fn rfc_3_5_2_read_only_and_required_attributes_are_mutability_errors() {
    let cases = [
        json!([{"op": "replace", "path": "id", "value": "other"}]),
        json!([{"op": "remove", "path": "meta"}]),
        json!([{"op": "add", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
        json!([{"op": "replace", "path": "schemas", "value": ["urn:x"]}]),
        json!([{"op": "remove", "path": "userName"}]),
        json!([{"op": "replace", "path": "userName", "value": null}]),
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager.displayName"), "value": "Boss"}]),
    ];
    for operations in cases {
        patch_fails(&user(), &user_schema(), operations, ScimType::Mutability);
    }
}

#[test]
fn immutable_member_value_cannot_be_changed() {
    patch_fails(
        &group(),
        &group_schema(),
        json!([{"op": "replace", "path": format!("members[value eq \"{BJENSEN}\"].value"), "value": "other"}]),
        ScimType::Mutability,
    );
}

#[test]
fn unknown_attributes_are_invalid_path() {
    let cases = [
        json!([{"op": "replace", "path": "nickname2", "value": "x"}]),
        json!([{"op": "replace", "path": "name.middle", "value": "x"}]),
        json!([{"op": "replace", "path": "emails[kind eq \"work\"].value", "value": "x"}]),
        json!([{"op": "replace", "value": {"nickname2": "x"}}]),
        json!([{"op": "replace", "path": "urn:example:nope:2.0:User:x", "value": "x"}]),
        json!([{"op": "replace", "path": "name[givenName eq \"x\"].familyName", "value": "x"}]),
    ];
    for operations in cases {
        patch_fails(&user(), &user_schema(), operations, ScimType::InvalidPath);
    }
}

#[test]
fn wrong_types_are_rejected_atomically() {
    let error = patch_fails(
        &user(),
        &user_schema(),
        json!([
            {"op": "replace", "path": "displayName", "value": "changed first"},
            {"op": "replace", "path": "active", "value": 42}
        ]),
        ScimType::InvalidValue,
    );
    assert!(error.detail.starts_with("Operations[1]"), "{}", error.detail);
}

#[test]
fn add_sets_primary_and_clears_the_other_primary() {
    // RFC 7644 section 3.5.2: setting primary true clears the others.
    let mut resource = user();
    patch(
        &mut resource,
        &user_schema(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@example.com", "type": "other", "primary": true}]}]),
    )
    .unwrap();
    assert_eq!(
        resource["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": false},
            {"value": "babs@jensen.org", "type": "home"},
            {"value": "new@example.com", "type": "other", "primary": true}
        ])
    );
}

#[test]
fn adding_a_value_already_present_changes_nothing() {
    // RFC 7644 section 3.5.2.1: no change, success, and the modify timestamp stays.
    let mut resource = user();
    let outcome = patch(
        &mut resource,
        &user_schema(),
        json!([
            {"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org", "type": "home"}]},
            {"op": "replace", "path": "displayName", "value": "Babs Jensen"}
        ]),
    )
    .unwrap();
    assert!(!outcome.changed);
    assert_eq!(serde_json::to_string(&resource).unwrap(), serde_json::to_string(&user()).unwrap());
}

#[test]
fn remove_by_filter_matching_nothing_is_not_an_error() {
    let mut resource = group();
    let outcome =
        patch(&mut resource, &group_schema(), json!([{"op": "remove", "path": "members[value eq \"gone\"]"}])).unwrap();
    assert!(!outcome.changed);
    assert!(outcome.members.is_empty());
    assert_eq!(resource, group());
}

#[test]
fn remove_sub_attribute_of_filtered_elements_only() {
    let mut resource = user();
    patch(&mut resource, &user_schema(), json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]))
        .unwrap();
    assert_eq!(
        resource["emails"],
        json!([{"value": "bjensen@example.com", "type": "work"}, {"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn failed_request_after_member_adds_restores_the_group() {
    // Appends are journalled by length only; a later failure must still restore everything.
    for (operations, scim_type) in [
        (
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u4"}, {"value": "u5"}]},
                {"op": "replace", "path": "id", "value": "x"}
            ]),
            ScimType::Mutability,
        ),
        (
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u4"}]},
                {"op": "remove", "path": "members[value eq \"a1b2c3\"]"},
                {"op": "add", "path": "members", "value": [{"value": "u6"}]},
                {"op": "replace", "path": "displayName", "value": 5}
            ]),
            ScimType::InvalidValue,
        ),
    ] {
        let error = patch_fails(&group(), &group_schema(), operations, scim_type);
        assert!(error.detail.starts_with("Operations["), "{}", error.detail);
    }
}
