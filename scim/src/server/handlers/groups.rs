//! A user's `groups` (RFC 7643 section 4.1.2): readOnly, computed on read from the groups'
//! membership ([`crate::store::Store::memberships`]), never stored in the user. One store call
//! per response and group type, for a whole list page at once; none when the response leaves
//! `groups` out.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::*;
use crate::filter::{AttrPath, ResolvedFilter};
use crate::schema::{AttrOwner, AttributeType, Mutability};
use crate::server::auth::Principal;
use crate::store::membership;

/// Whether `entry`'s resources carry a computed `groups`: its core schema has the readOnly,
/// multi-valued, complex `groups` of RFC 7643 (User has), and the server serves groups.
fn has_computed_groups(shared: &Shared, entry: &ResourceEntry) -> bool {
    let declared = entry.schema().core.attribute("groups").is_some_and(|attribute| {
        attribute.multi_valued
            && attribute.mutability == Mutability::ReadOnly
            && attribute.kind == AttributeType::Complex
    });
    declared && !entry.kind.has_members && shared.resources.iter().any(|r| r.kind.has_members)
}

/// Whether `path` names the core `groups` or one of its sub-attributes (`Some(whole)`).
fn groups_path(entry: &ResourceEntry, path: &AttrPath) -> Option<bool> {
    let attr = entry.schema().resolve(path).ok()?;
    (attr.owner == AttrOwner::Core && attr.attribute.name == "groups").then_some(attr.sub_attribute.is_none())
}

/// Whether a response with these `attributes`/`excludedAttributes` shows `groups` (returned by
/// default, so it is shown unless `attributes` names other attributes only or
/// `excludedAttributes` names it).
fn returns_groups(entry: &ResourceEntry, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    if excluded.iter().any(|path| groups_path(entry, path) == Some(true)) {
        return false;
    }
    attributes.is_empty() || attributes.iter().any(|path| groups_path(entry, path).is_some())
}

/// Add `groups` to the resources of a response that shows it: each element has the group's
/// `value` (id), `$ref` (its location, as `meta.location` is built), `display` (its
/// `displayName`) and `type` `"direct"`. A resource in no group is left as it is (an empty
/// multi-valued attribute is absent), so a plain document stays on its fast path; a group type
/// whose store cannot tell memberships adds nothing. `groups` is asked of every served group
/// type in the caller's tenant.
pub(super) async fn add_groups(
    shared: &Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    base_url: &str,
    query: &ListQuery,
    resources: &mut [Fetched],
) -> ScimResult<()> {
    if resources.is_empty()
        || !has_computed_groups(shared, entry)
        || !returns_groups(entry, &query.attributes, &query.excluded_attributes)
    {
        return Ok(());
    }
    let ids: Vec<&str> = resources.iter().filter_map(fetched_id).collect();
    let mut by_member: HashMap<String, Vec<Value>> = HashMap::new();
    for groups in shared.resources.iter().filter(|r| r.kind.has_members) {
        let scope = groups.scope(principal).await?;
        let Some(memberships) = groups.store.memberships(scope, &ids).await? else { continue };
        for membership in memberships {
            let mut element = Map::new();
            element.insert("value".to_owned(), Value::String(membership.group.clone()));
            element.insert("$ref".to_owned(), Value::String(groups.location(base_url, &membership.group)));
            if let Some(display) = membership.display {
                element.insert("display".to_owned(), Value::String(display));
            }
            element.insert("type".to_owned(), Value::from("direct"));
            by_member.entry(membership.member).or_default().push(Value::Object(element));
        }
    }
    if by_member.is_empty() {
        return Ok(());
    }
    for resource in resources.iter_mut() {
        let Some(elements) = fetched_id(resource).and_then(|id| by_member.remove(id)) else { continue };
        // A plain document keeps its fast path: `groups` goes into its text as the first
        // member (member order carries no meaning in JSON), so it is neither parsed nor
        // projected again; parsing it cost a lookup more than the membership query.
        let groups = Value::Array(elements);
        if let Fetched::Plain { text, .. } = resource
            && let Some(with) = crate::plain::with_first_member(text, "groups", &groups)
        {
            *text = with;
            continue;
        }
        let value = std::mem::replace(resource, Fetched::Value(Value::Null)).into_value()?;
        *resource = Fetched::Value(with_groups(value, groups));
    }
    Ok(())
}

/// Check a list's filter: tests on a computed `groups` in the forms a store can answer from
/// the groups' members ([`crate::store::membership`]), every other test as the resource
/// type's filter support table says. Without a computed `groups` the table decides alone (and
/// `groups` is not in it).
pub(super) fn check_filter(shared: &Shared, entry: &ResourceEntry, filter: &ResolvedFilter<'_>) -> ScimResult<()> {
    if !has_computed_groups(shared, entry) || !membership::names_groups(filter) {
        return entry.descriptor.filter_support().check(filter);
    }
    match filter {
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
            check_filter(shared, entry, a)?;
            check_filter(shared, entry, b)
        }
        ResolvedFilter::Not(inner) => check_filter(shared, entry, inner),
        leaf => membership::check(leaf),
    }
}

/// The kind with members whose member lists a list's filter on `groups` tests, when the filter
/// has such tests: the one group type the server serves, whose members the users' store
/// must keep itself ([`crate::store::Store::answers_membership_filters`]). Otherwise `400
/// invalidFilter` saying why, never a filter answered from the wrong data.
pub(super) async fn membership_kind<'e>(
    shared: &'e Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    filter: Option<&ResolvedFilter<'_>>,
) -> ScimResult<Option<&'e ResourceKind>> {
    if !filter.is_some_and(membership::names_groups) || !has_computed_groups(shared, entry) {
        return Ok(None);
    }
    let mut group_types = shared.resources.iter().filter(|r| r.kind.has_members);
    let (Some(groups), None) = (group_types.next(), group_types.next()) else {
        return Err(ScimError::invalid_filter(format!(
            "filter: `groups` cannot be filtered on: more than one resource type has members, and {} would have to \
             be searched in each",
            entry.kind.name()
        )));
    };
    // The group type's store learns its tables on registration.
    groups.scope(principal).await?;
    if !entry.store.answers_membership_filters(&groups.kind) {
        return Err(ScimError::invalid_filter(format!(
            "filter: `groups` cannot be filtered on here: the store of {} does not keep the members of {} (they are \
             served by another store or backend), so it cannot tell which {} a group lists; {} and {} in one \
             built-in store support {}",
            entry.kind.name(),
            groups.kind.name(),
            entry.kind.name(),
            entry.kind.name(),
            groups.kind.name(),
            membership::SUPPORTED
        )));
    }
    Ok(Some(&groups.kind))
}

/// The id of a fetched resource.
fn fetched_id(fetched: &Fetched) -> Option<&str> {
    match fetched {
        Fetched::Plain { id, .. } => Some(id),
        Fetched::Value(value) => value.get("id").and_then(Value::as_str),
    }
}

/// `resource` with `groups` set to `elements`, just before `meta` (where a stored attribute
/// would be).
fn with_groups(resource: Value, groups: Value) -> Value {
    let Value::Object(mut map) = resource else { return resource };
    let meta = map.shift_remove("meta");
    map.insert("groups".to_owned(), groups);
    if let Some(meta) = meta {
        map.insert("meta".to_owned(), meta);
    }
    Value::Object(map)
}
