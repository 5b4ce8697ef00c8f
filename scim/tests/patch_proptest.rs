//! Atomicity (RFC 7644 section 3.5.2: "If any operation fails ... the entire request fails"):
//! for random operation lists containing at least one invalid operation, `apply_patch` fails and
//! leaves the resource byte-identical.

mod patch_common;

use patch_common::*;
use proptest::prelude::*;
use scim::patch::{PatchOperation, apply_patch};
use serde_json::{Value, json};

/// Operations that succeed on the user fixture (alone or in any order).
fn valid_operations() -> Vec<Value> {
    vec![
        json!({"op": "Replace", "path": "active", "value": "False"}),
        json!({"op": "replace", "path": "displayName", "value": "Changed"}),
        json!({"op": "add", "path": "nickName", "value": "Babs"}),
        json!({"op": "remove", "path": "name.formatted"}),
        json!({"op": "add", "path": "emails", "value": [{"value": "x@example.com", "type": "other", "primary": true}]}),
        json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}),
        json!({"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555-0100"}),
        json!({"op": "remove", "path": "emails[type eq \"home\"]"}),
        json!({"op": "remove", "path": "addresses"}),
        json!({"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Sales"}),
        json!({"op": "replace", "path": format!("{ENTERPRISE}:manager"), "value": "mgr"}),
        json!({"op": "remove", "path": ENTERPRISE}),
        json!({"op": "replace", "value": {"name.givenName": "B", "title": "T", ENTERPRISE: {"costCenter": "1"}}}),
        json!({"op": "replace", "value": {"id": "ignored", "active": true}}),
    ]
}

/// Operations that always fail, whatever ran before them.
fn invalid_operations() -> Vec<Value> {
    vec![
        json!({"op": "replace", "path": "nosuch", "value": "x"}),
        json!({"op": "replace", "path": "name.nosuch", "value": "x"}),
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "remove", "path": "meta"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "active", "value": 7}),
        json!({"op": "replace", "path": "emails", "value": [{"value": 1}]}),
        json!({"op": "add", "path": "emails", "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
        json!({"op": "replace", "path": "emails[value ew \"nowhere\"].type", "value": "x"}),
        json!({"op": "replace", "value": {"nosuch": 1, "title": "T"}}),
        json!({"op": "replace", "path": format!("{ENTERPRISE}:manager.displayName"), "value": "x"}),
    ]
}

fn parse_all(operations: &[Value]) -> Vec<PatchOperation> {
    operations
        .iter()
        .enumerate()
        .map(|(i, o)| PatchOperation::from_value(i, o.clone()).expect("fixture operations parse"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_failing_request_leaves_the_resource_byte_identical(
        valid in prop::collection::vec(0..valid_operations().len(), 0..8),
        invalid in 0..invalid_operations().len(),
        position in any::<prop::sample::Index>(),
        without_enterprise in any::<bool>(),
    ) {
        let valid_pool = valid_operations();
        let mut operations: Vec<Value> = valid.iter().map(|&i| valid_pool[i].clone()).collect();
        let at = position.index(operations.len() + 1);
        operations.insert(at, invalid_operations()[invalid].clone());
        let mut resource = user();
        if without_enterprise {
            resource.as_object_mut().unwrap().shift_remove(ENTERPRISE);
        }
        let before = serde_json::to_string(&resource).unwrap();
        let result = apply_patch(&mut resource, &parse_all(&operations), &user_schema());
        prop_assert!(result.is_err(), "{operations:?} succeeded");
        let error = result.unwrap_err();
        prop_assert!(error.detail.starts_with(&format!("Operations[{at}]")), "{}", error.detail);
        prop_assert_eq!(serde_json::to_string(&resource).unwrap(), before);
    }

    #[test]
    fn valid_requests_succeed_and_keep_schemas_consistent(
        valid in prop::collection::vec(0..valid_operations().len(), 0..10),
    ) {
        let pool = valid_operations();
        let operations: Vec<Value> = valid.iter().map(|&i| pool[i].clone()).collect();
        let mut resource = user();
        let result = apply_patch(&mut resource, &parse_all(&operations), &user_schema());
        prop_assert!(result.is_ok(), "{operations:?}: {result:?}");
        let mut expected = vec![json!("urn:ietf:params:scim:schemas:core:2.0:User")];
        if resource.get(ENTERPRISE).is_some() {
            expected.push(json!(ENTERPRISE));
        }
        prop_assert_eq!(&resource["schemas"], &Value::Array(expected));
        let primaries = resource["emails"].as_array().map_or(0, |e| e.iter().filter(|e| e["primary"] == json!(true)).count());
        prop_assert!(primaries <= 1);
    }
}
