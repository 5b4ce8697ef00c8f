//! A group's members must be resources of the caller's tenant: a member whose `value` is an
//! unknown id, or another tenant's user, is `400 invalidValue` naming the id, checked before
//! anything of the request is stored (POST, PUT and PATCH alike).
//!
//! What a member may be: the core Group schema's `members.type` names `User` or `Group`
//! (RFC 7643 section 4.2), so a member typed `Group` must be a group of the tenant (nested
//! groups), one typed `User` (or any other served resource type by name) a resource of that
//! type, and an untyped member (Entra ID and Okta send only `value`) a user or, failing that, a
//! group. A `type` naming no served resource type is refused.
//!
//! Cost: the ids of the request's members are looked up once per resource type, in one
//! [`Store::existing_ids`](crate::store::Store::existing_ids) call each, so checking costs
//! O(members in the request) whatever the size of the group.

use std::collections::HashSet;

use serde_json::Value;

use super::auth::Principal;
use super::handlers::{ResourceEntry, Shared};
use crate::error::{ScimError, ScimResult};
use crate::patch::{PatchOpKind, PatchOperation};
use crate::store::kind::lookup;

/// Member elements the request sets: `(id, type)`.
pub(super) type MemberRef = (String, Option<String>);

/// The members of a validated create or replace body.
pub(super) fn body_members(resource: &Value) -> Vec<MemberRef> {
    let mut out = Vec::new();
    if let Some(members) = lookup(resource, "members") {
        collect(members, &mut out);
    }
    out
}

/// The members PATCH operations add or set (`add`/`replace` of `members`, of a filtered
/// member's `value`, or of a path-less value carrying `members`); removals need no check.
pub(super) fn patch_members(operations: &[PatchOperation]) -> Vec<MemberRef> {
    let mut out = Vec::new();
    for operation in operations {
        if !matches!(operation.op, PatchOpKind::Add | PatchOpKind::Replace) {
            continue;
        }
        let Some(value) = &operation.value else { continue };
        match &operation.path {
            Some(path) if is_members(path.urn.as_deref(), &path.name) => match path.sub_attr.as_deref() {
                Some(sub) if sub.eq_ignore_ascii_case("value") => {
                    if let Some(id) = value.as_str() {
                        out.push((id.to_owned(), None));
                    }
                }
                Some(_) => {}
                None => collect(value, &mut out),
            },
            Some(_) => {}
            None => {
                for (key, members) in value.as_object().into_iter().flatten() {
                    let (urn, name) = match key.rsplit_once(':') {
                        Some((urn, name)) => (Some(urn), name),
                        None => (None, key.as_str()),
                    };
                    if is_members(urn, name) {
                        collect(members, &mut out);
                    }
                }
            }
        }
    }
    out
}

fn is_members(urn: Option<&str>, name: &str) -> bool {
    name.eq_ignore_ascii_case("members")
        && urn.is_none_or(|urn| urn.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:2.0:Group"))
}

/// The `(value, type)` of a member list or one member object; elements without a string
/// `value` are left to the schema's own checks.
fn collect(members: &Value, out: &mut Vec<MemberRef>) {
    let elements = match members {
        Value::Array(elements) => elements.as_slice(),
        other => std::slice::from_ref(other),
    };
    for element in elements {
        if let Some(id) = lookup(element, "value").and_then(Value::as_str) {
            let kind = lookup(element, "type").and_then(Value::as_str).map(str::to_owned);
            out.push((id.to_owned(), kind));
        }
    }
}

/// `400 invalidValue` unless every member is a resource of the caller's tenant (see the
/// module docs).
pub(super) async fn check_members(
    shared: &Shared,
    group: &ResourceEntry,
    principal: &Principal,
    members: &[MemberRef],
) -> ScimResult<()> {
    if members.is_empty() {
        return Ok(());
    }
    crate::server::limits::check_member_count(members.len(), shared.limits.max_members_per_request, group.kind.name())?;
    let served = || shared.resources.iter().map(|r| r.kind.name()).collect::<Vec<_>>().join(", ");
    // The ids to find, per resource type in the order they are tried: typed members in their
    // type, untyped ones among users and then groups.
    let users: Option<&ResourceEntry> =
        shared.resources.iter().find(|r| r.kind.name().eq_ignore_ascii_case("User")).map(|r| &**r);
    let mut wanted: Vec<(&ResourceEntry, Vec<&str>)> = Vec::new();
    let mut untyped: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for (id, kind) in members {
        if !seen.insert((id.as_str(), kind.as_deref())) {
            continue;
        }
        match kind {
            Some(kind) => {
                let entry =
                    shared.resources.iter().find(|r| r.kind.name().eq_ignore_ascii_case(kind)).ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "member {id:?} of this {} has type {kind:?}, which is not a resource type of this \
                             server; a member's type may be one of: {}",
                            group.kind.name(),
                            served()
                        ))
                    })?;
                match wanted.iter_mut().find(|(e, _)| std::ptr::eq(*e, &**entry)) {
                    Some((_, ids)) => ids.push(id),
                    None => wanted.push((entry, vec![id])),
                }
            }
            None => untyped.push(id),
        }
    }
    let mut missing: Vec<(&str, String)> = Vec::new();
    for (entry, ids) in &wanted {
        let found = entry.store.existing_ids(entry.scope(principal).await?, ids).await?;
        missing.extend(ids.iter().filter(|id| !found.contains(**id)).map(|id| (*id, entry.kind.name().to_owned())));
    }
    if !untyped.is_empty() {
        let mut left = untyped;
        for entry in users.into_iter().chain(std::iter::once(group)) {
            if left.is_empty() {
                break;
            }
            let found = entry.store.existing_ids(entry.scope(principal).await?, &left).await?;
            left.retain(|id| !found.contains(*id));
        }
        let expected = match users {
            Some(users) => format!("{} or {}", users.kind.name(), group.kind.name()),
            None => group.kind.name().to_owned(),
        };
        missing.extend(left.into_iter().map(|id| (id, expected.clone())));
    }
    if missing.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 5;
    let named: Vec<String> =
        missing.iter().take(SHOWN).map(|(id, expected)| format!("{id:?} is no {expected} of this tenant")).collect();
    let more = missing.len().saturating_sub(SHOWN);
    Err(ScimError::invalid_value(format!(
        "members of this {} must be resources of the same tenant, provisioned before the group: {}{}; \
         nothing was changed",
        group.kind.name(),
        named.join(", "),
        if more > 0 { format!(" (and {more} more)") } else { String::new() }
    )))
}
