//! The PATCH request message (RFC 7644 section 3.5.2) and its normalisation into typed
//! operations.
//!
//! Parsing is deliberately lenient where real clients deviate harmlessly and strict where a
//! guess could corrupt data:
//! - the `Operations` key and the `op`/`path`/`value` member names are matched
//!   case-insensitively (some clients send `operations`);
//! - operation names are matched case-insensitively (Entra sends `Add`, `Replace`, `Remove`);
//! - `"Operations": []` is accepted as a request that changes nothing, although RFC 7644
//!   section 3.5.2 asks for "one or more" operations: rejecting it helps no one.
//!
//! Every error names the operation by its index (`Operations[2]`), so a client can find it.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, FilterLimits, parse_path, parse_path_with_limits};

/// The schema URN of the PatchOp message.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one PATCH request may carry. A longer list is refused with `400
/// tooMany` (the RFC 7644 section 3.12 keyword for "more than the server is willing to
/// process"), before anything is applied.
pub const MAX_OPERATIONS: usize = 1000;

/// The kind of a PATCH operation (RFC 7644 section 3.5.2, `op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add` (section 3.5.2.1).
    Add,
    /// `remove` (section 3.5.2.2).
    Remove,
    /// `replace` (section 3.5.2.3).
    Replace,
}

impl PatchOpKind {
    /// The operation's wire name in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }

    /// The kind for an operation name, compared case-insensitively (`Add`, `REPLACE`, `remove`).
    pub fn from_name(name: &str) -> Option<Self> {
        [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }
}

/// One PATCH operation, with its path parsed (but not yet resolved against a schema).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOpKind,
    /// Where; `None` means the resource itself (not allowed for `remove`).
    pub path: Option<AttrPath>,
    /// The value. `Some(Value::Null)` is an explicit `null` (for `replace`: clear the target).
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An `add` operation; `path` is parsed with [`parse_path`].
    pub fn add(path: Option<&str>, value: Value) -> ScimResult<Self> {
        Ok(PatchOperation { op: PatchOpKind::Add, path: path.map(parse_path).transpose()?, value: Some(value) })
    }

    /// A `replace` operation; `path` is parsed with [`parse_path`].
    pub fn replace(path: Option<&str>, value: Value) -> ScimResult<Self> {
        Ok(PatchOperation { op: PatchOpKind::Replace, path: path.map(parse_path).transpose()?, value: Some(value) })
    }

    /// A `remove` operation; `path` is parsed with [`parse_path`].
    pub fn remove(path: &str) -> ScimResult<Self> {
        Ok(PatchOperation { op: PatchOpKind::Remove, path: Some(parse_path(path)?), value: None })
    }

    /// Parse operation number `index` of a request (the index is only used in error details).
    ///
    /// Errors (all 400): an unknown or missing `op` is `invalidSyntax`; a `path` that does not
    /// parse is `invalidPath`; `remove` without a path is `noTarget` (RFC 7644 section 3.5.2.2);
    /// `add` without a value, or with `null`, is `invalidSyntax` (section 3.5.2.1: "MUST contain
    /// a value"); `replace` without a value member is `invalidSyntax`; an operation without a path
    /// whose value is not an object is `invalidSyntax` (sections 3.5.2.1 and 3.5.2.3).
    pub fn from_value(index: usize, operation: Value) -> ScimResult<Self> {
        Self::from_value_with_limits(index, operation, &FilterLimits::default())
    }

    /// [`PatchOperation::from_value`], parsing `path` within `limits` (its length and the
    /// nesting of its value filter), as the server's filter limits say.
    pub fn from_value_with_limits(index: usize, operation: Value, limits: &FilterLimits) -> ScimResult<Self> {
        let context = || format!("Operations[{index}]");
        let Value::Object(mut members) = operation else {
            return Err(ScimError::invalid_syntax(format!("{}: an operation must be a JSON object", context())));
        };
        let op = match take_member(&mut members, "op") {
            Some(Value::String(name)) => PatchOpKind::from_name(&name).ok_or_else(|| {
                ScimError::invalid_syntax(format!(
                    "{}: `op` is {name:?}; it must be one of add, remove, replace",
                    context()
                ))
            })?,
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "{}: `op` must be a string (add, remove or replace), not {other}",
                    context()
                )));
            }
            None => {
                return Err(ScimError::invalid_syntax(format!(
                    "{}: `op` is missing; it must be one of add, remove, replace",
                    context()
                )));
            }
        };
        let path = match take_member(&mut members, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(
                parse_path_with_limits(&text, limits)
                    .map_err(|e| ScimError::invalid_path(e.detail).context(format!("{}: path {text:?}", context())))?,
            ),
            Some(other) => {
                return Err(ScimError::invalid_path(format!("{}: `path` must be a string, not {other}", context())));
            }
        };
        let value = take_member(&mut members, "value");
        match (op, &path, &value) {
            (PatchOpKind::Remove, None, _) => Err(ScimError::no_target(format!(
                "{}: a remove operation needs a `path` (RFC 7644 section 3.5.2.2)",
                context()
            ))),
            (PatchOpKind::Add, _, None | Some(Value::Null)) => Err(ScimError::invalid_syntax(format!(
                "{}: an add operation needs a non-null `value` (RFC 7644 section 3.5.2.1)",
                context()
            ))),
            (PatchOpKind::Replace, _, None) => Err(ScimError::invalid_syntax(format!(
                "{}: a replace operation needs a `value` (RFC 7644 section 3.5.2.3)",
                context()
            ))),
            (PatchOpKind::Add | PatchOpKind::Replace, None, Some(v)) if !v.is_object() => {
                Err(ScimError::invalid_syntax(format!(
                    "{}: without a `path`, the `value` of {} must be an object of attributes",
                    context(),
                    op.as_str()
                )))
            }
            _ => Ok(PatchOperation { op, path, value }),
        }
    }
}

/// Remove the member whose name matches `name` case-insensitively (exact spelling first).
fn take_member(members: &mut Map<String, Value>, name: &str) -> Option<Value> {
    if let Some(value) = members.remove(name) {
        return Some(value);
    }
    let key = members.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
    members.remove(&key)
}

/// A PATCH request body: `{"schemas": [PatchOp URN], "Operations": [...]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchRequest {
    /// The operations, in the order they must be applied.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parse a request body from JSON text. Malformed JSON is `400 invalidSyntax`.
    pub fn from_slice(body: &[u8]) -> ScimResult<Self> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ScimError::invalid_syntax(format!("the PATCH body is not valid JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Parse a request body. `schemas` must list [`PATCH_OP_URN`]; `Operations` (any case) must
    /// be an array of at most [`MAX_OPERATIONS`] operations, each parsed with
    /// [`PatchOperation::from_value`].
    pub fn from_value(body: Value) -> ScimResult<Self> {
        Self::from_value_limited(body, MAX_OPERATIONS, &FilterLimits::default())
    }

    /// [`PatchRequest::from_value`] accepting at most `max_operations` operations (more are
    /// `400 tooMany`), each path parsed within `path_limits`.
    pub fn from_value_limited(body: Value, max_operations: usize, path_limits: &FilterLimits) -> ScimResult<Self> {
        let Value::Object(mut members) = body else {
            return Err(ScimError::invalid_syntax("the PATCH body must be a JSON object"));
        };
        match take_member(&mut members, "schemas") {
            Some(Value::Array(schemas))
                if schemas.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))) => {}
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "`schemas` must be an array containing \"{PATCH_OP_URN}\"; it is {other}"
                )));
            }
            None => {
                return Err(ScimError::invalid_syntax(format!(
                    "`schemas` is missing; a PATCH body must carry [\"{PATCH_OP_URN}\"]"
                )));
            }
        }
        let operations = match take_member(&mut members, "Operations") {
            Some(Value::Array(operations)) => operations,
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!("`Operations` must be an array, not {other}")));
            }
            None => return Err(ScimError::invalid_syntax("`Operations` is missing from the PATCH body")),
        };
        if operations.len() > max_operations {
            return Err(ScimError::too_many(format!(
                "the PATCH request has {} operations; at most {max_operations} are accepted in one request: \
                 send the rest in further PATCH requests",
                operations.len()
            )));
        }
        let operations = operations
            .into_iter()
            .enumerate()
            .map(|(index, operation)| PatchOperation::from_value_with_limits(index, operation, path_limits))
            .collect::<ScimResult<Vec<_>>>()?;
        Ok(PatchRequest { operations })
    }
}

impl<'de> Deserialize<'de> for PatchRequest {
    /// Deserialises through [`PatchRequest::from_value`]; the SCIM error's detail becomes the
    /// serde error message. Prefer `from_value` where the `scimType` matters.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        PatchRequest::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<Value> for PatchRequest {
    type Error = ScimError;

    fn try_from(body: Value) -> ScimResult<Self> {
        PatchRequest::from_value(body)
    }
}
