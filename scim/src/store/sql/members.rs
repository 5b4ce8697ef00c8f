//! Which members a PATCH of a group concerns, so that a SQL store can load and change just
//! those rows instead of the whole member list (see `SqliteStore`'s and `PostgresStore`'s
//! `patch`).

use serde_json::Value;

use crate::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::patch::{PatchOpKind, PatchOperation};
use crate::store::kind::lookup;

/// The member ids the operations concern, or `None` when some operation's effect on `members`
/// cannot be known from them alone.
pub(crate) fn targeted_member_ids(operations: &[PatchOperation]) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for operation in operations {
        let Some(path) = &operation.path else {
            // A path-less value naming `members` is left to the default.
            let names_members = operation
                .value
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(|map| map.keys().any(|k| is_members_key(k)));
            if names_members {
                return None;
            }
            continue;
        };
        if !is_members_path(path) {
            continue;
        }
        match (&operation.op, &path.filter, &path.sub_attr) {
            // `replace members` drops members it does not name, which only the whole list shows.
            (PatchOpKind::Add, None, None) => value_ids(operation.value.as_ref()?, &mut ids)?,
            (PatchOpKind::Remove, None, None) => value_ids(operation.value.as_ref()?, &mut ids)?,
            (PatchOpKind::Remove, Some(filter), None) => match &**filter {
                Filter::Compare { path: inner, op: CompareOp::Eq, value: CompValue::String(id) }
                    if inner.urn.is_none() && inner.sub_attr.is_none() && inner.name.eq_ignore_ascii_case("value") =>
                {
                    ids.push(id.clone());
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(ids)
}

fn is_members_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("members") || key.to_ascii_lowercase().ends_with(":members")
}

fn is_members_path(path: &AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("members")
        && path.urn.as_deref().is_none_or(|urn| urn.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:2.0:Group"))
}

/// The `value`s of a member list (or one member object).
fn value_ids(value: &Value, ids: &mut Vec<String>) -> Option<()> {
    let elements = match value {
        Value::Array(elements) => elements.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return None,
    };
    for element in elements {
        ids.push(lookup(element, "value")?.as_str()?.to_owned());
    }
    Some(())
}
