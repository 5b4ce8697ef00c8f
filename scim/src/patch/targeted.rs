//! Which group members a PATCH concerns, for stores that apply a group's [`MemberDelta`]
//! without loading all its members.
//!
//! [`MemberDelta`]: super::MemberDelta

use serde_json::Value;

use super::{PatchOpKind, PatchOperation};
use crate::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::store::kind::lookup;

/// The member ids the operations concern, or `None` when some operation's effect on `members`
/// cannot be known from the members it names. Named: `add members [...]`, `remove members [...]`
/// (a value list, Entra ID) and `remove members[value eq "id"]` (Okta). Not: `replace members`
/// (it drops every member it does not name), a member filter on anything but `value`, `remove
/// members` without a value, `members` inside a path-less value. Operations on other attributes
/// name no members. Loading just these members before [`super::apply_patch`] makes its delta
/// exact.
pub fn targeted_member_ids(operations: &[PatchOperation]) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for operation in operations {
        let Some(path) = &operation.path else {
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
            (PatchOpKind::Add | PatchOpKind::Remove, None, None) => value_ids(operation.value.as_ref()?, &mut ids)?,
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

/// Whether a path names the core Group's `members`.
fn is_members_path(path: &AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("members")
        && path.urn.as_deref().is_none_or(|urn| urn.eq_ignore_ascii_case(crate::schema::builtin::GROUP_URN))
}

/// The `value`s of a member list (or one member object); `None` if one has no string `value`.
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::filter::parse_path;

    fn remove(path: &str, value: Option<Value>) -> PatchOperation {
        PatchOperation { op: PatchOpKind::Remove, path: Some(parse_path(path).unwrap()), value }
    }

    #[test]
    fn entra_and_okta_member_changes_name_their_members() {
        let operations = [
            PatchOperation::add(Some("members"), json!([{"value": "a"}, {"value": "b"}])).unwrap(),
            remove("members", Some(json!([{"value": "c"}]))),
            remove(r#"members[value eq "d"]"#, None),
            PatchOperation::replace(Some("displayName"), json!("ops")).unwrap(),
        ];
        assert_eq!(targeted_member_ids(&operations), Some(vec!["a".into(), "b".into(), "c".into(), "d".into()]));
    }

    #[test]
    fn changes_the_named_members_do_not_decide_are_not_targeted() {
        for operation in [
            PatchOperation::replace(Some("members"), json!([{"value": "a"}])).unwrap(),
            remove("members", None),
            remove(r#"members[type eq "User"]"#, None),
            remove(r#"members[value eq "a" or type eq "User"]"#, None),
            PatchOperation::add(None, json!({"members": [{"value": "a"}]})).unwrap(),
            PatchOperation::add(Some("members"), json!([{"type": "User"}])).unwrap(),
        ] {
            assert_eq!(targeted_member_ids(std::slice::from_ref(&operation)), None, "{operation:?}");
        }
    }
}
