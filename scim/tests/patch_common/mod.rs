//! Shared helpers of the PATCH tests: fixtures and a one-call apply.
#![allow(dead_code, unreachable_pub)]

use scim::patch::{PatchOutcome, PatchRequest, apply_patch};
use scim::schema::{ResourceSchema, builtin};
use scim::{ScimError, ScimType};
use serde_json::{Value, json};

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub fn user() -> Value {
    serde_json::from_str(include_str!("../fixtures/patch/user.json")).expect("user fixture")
}

pub fn group() -> Value {
    serde_json::from_str(include_str!("../fixtures/patch/group.json")).expect("group fixture")
}

pub fn user_schema() -> ResourceSchema {
    builtin::user_schema()
}

pub fn group_schema() -> ResourceSchema {
    builtin::group_schema()
}

/// Parse `operations` as a PatchOp body and apply it.
pub fn patch(resource: &mut Value, schema: &ResourceSchema, operations: Value) -> Result<PatchOutcome, ScimError> {
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let request = PatchRequest::from_value(body)?;
    apply_patch(resource, &request.operations, schema)
}

/// Apply, expecting an error of `scim_type`, and check the resource did not change at all.
pub fn patch_fails(resource: &Value, schema: &ResourceSchema, operations: Value, scim_type: ScimType) -> ScimError {
    let before = serde_json::to_string(resource).unwrap();
    let mut copy = resource.clone();
    let error =
        patch(&mut copy, schema, operations.clone()).expect_err(&format!("expected {scim_type} for {operations}"));
    assert_eq!(error.scim_type, Some(scim_type), "{operations}: {error}");
    assert_eq!(serde_json::to_string(&copy).unwrap(), before, "{operations} left the resource changed");
    error
}

/// `base` with `edit` applied by hand: the expected resource of a test.
pub fn edited(mut base: Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    if let Value::Object(map) = &mut base {
        edit(map);
    }
    base
}
