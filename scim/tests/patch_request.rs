//! Parsing of the PatchOp message (RFC 7644 section 3.5.2).

use scim::ScimType;
use scim::patch::{MAX_OPERATIONS, PATCH_OP_URN, PatchOpKind, PatchRequest};
use serde_json::{Value, json};

fn parse(body: Value) -> Result<PatchRequest, scim::ScimError> {
    PatchRequest::from_value(body)
}

fn body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": operations})
}

#[test]
fn op_names_in_any_case() {
    let request = parse(body(json!([
        {"op": "Add", "path": "nickName", "value": "x"},
        {"op": "REPLACE", "path": "nickName", "value": "y"},
        {"op": "remove", "path": "nickName"}
    ])))
    .unwrap();
    let kinds: Vec<PatchOpKind> = request.operations.iter().map(|o| o.op).collect();
    assert_eq!(kinds, [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]);
    assert_eq!(request.operations[0].path.as_ref().map(|p| p.name.as_str()), Some("nickName"));
}

#[test]
fn lower_case_operations_key_and_member_names() {
    let request =
        parse(json!({"schemas": [PATCH_OP_URN], "operations": [{"OP": "add", "Path": "title", "Value": "x"}]}))
            .unwrap();
    assert_eq!(request.operations.len(), 1);
    assert_eq!(request.operations[0].value, Some(json!("x")));
}

#[test]
fn deserialize_goes_through_the_same_checks() {
    let request: PatchRequest =
        serde_json::from_value(body(json!([{"op": "add", "path": "title", "value": "x"}]))).unwrap();
    assert_eq!(request.operations.len(), 1);
    let error = serde_json::from_value::<PatchRequest>(json!({"Operations": []})).unwrap_err();
    assert!(error.to_string().contains(PATCH_OP_URN), "{error}");
}

#[test]
fn errors_name_the_operation_and_carry_the_rfc_keyword() {
    let cases = [
        (json!({"Operations": []}), ScimType::InvalidSyntax, "schemas"),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Operations": []}),
            ScimType::InvalidSyntax,
            "schemas",
        ),
        (json!({"schemas": [PATCH_OP_URN]}), ScimType::InvalidSyntax, "Operations"),
        (json!({"schemas": [PATCH_OP_URN], "Operations": {}}), ScimType::InvalidSyntax, "Operations"),
        (
            body(json!([{"op": "add", "path": "a", "value": 1}, {"op": "copy", "path": "a"}])),
            ScimType::InvalidSyntax,
            "Operations[1]",
        ),
        (body(json!([{"path": "a", "value": 1}])), ScimType::InvalidSyntax, "Operations[0]"),
        (
            body(json!([{"op": "replace", "path": "emails[type eq", "value": 1}])),
            ScimType::InvalidPath,
            "Operations[0]",
        ),
        (body(json!([{"op": "replace", "path": 7, "value": 1}])), ScimType::InvalidPath, "Operations[0]"),
        (body(json!([{"op": "remove"}])), ScimType::NoTarget, "Operations[0]"),
        (body(json!([{"op": "add", "path": "title"}])), ScimType::InvalidSyntax, "Operations[0]"),
        (body(json!([{"op": "add", "path": "title", "value": null}])), ScimType::InvalidSyntax, "Operations[0]"),
        (body(json!([{"op": "replace", "path": "title"}])), ScimType::InvalidSyntax, "Operations[0]"),
        (body(json!([{"op": "replace", "value": "x"}])), ScimType::InvalidSyntax, "Operations[0]"),
        (body(json!(["add"])), ScimType::InvalidSyntax, "Operations[0]"),
        (json!([]), ScimType::InvalidSyntax, "object"),
    ];
    for (input, scim_type, mentions) in cases {
        let error = parse(input.clone()).expect_err(&input.to_string());
        assert_eq!(error.scim_type, Some(scim_type), "{input}: {error}");
        assert!(error.detail.contains(mentions), "{input}: {}", error.detail);
    }
}

#[test]
fn too_many_operations_are_refused() {
    let operation = json!({"op": "add", "path": "title", "value": "x"});
    assert!(parse(body(Value::Array(vec![operation.clone(); MAX_OPERATIONS]))).is_ok());
    let error = parse(body(Value::Array(vec![operation; MAX_OPERATIONS + 1]))).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::TooMany));
}

#[test]
fn malformed_json_is_invalid_syntax() {
    let error = PatchRequest::from_slice(b"{\"schemas\": [").unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
}

#[test]
fn explicit_null_value_is_kept_for_replace() {
    let request = parse(body(json!([{"op": "replace", "path": "title", "value": null}]))).unwrap();
    assert_eq!(request.operations[0].value, Some(Value::Null));
}
