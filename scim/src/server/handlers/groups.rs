//! A user's `groups` (RFC 7643 section 4.1.2): readOnly, computed on read from the groups'
//! membership ([`crate::store::Store::memberships`]), never taken from the user. One store call
//! per response and group type, for a whole list page at once; none when the response leaves
//! `groups` out. Where the users' store also keeps the groups, the memberships come with the
//! users, read by the same statement ([`crate::store::Store::get_with_memberships`]; SQLite
//! keeps them in a column of the user's row, derived from the member lists on every write).

use std::collections::HashMap;

use serde_json::Value;

use super::*;
use crate::filter::{AttrPath, ResolvedFilter};
use crate::schema::AttrOwner;
use crate::server::auth::Principal;
use crate::store::membership;
use crate::store::{FetchedPage, GetOptions, Membership, StoreQuery, WithMemberships};

/// Whether `entry`'s resources carry a computed `groups`: its core schema has the readOnly,
/// multi-valued, complex `groups` of RFC 7643 (User has), and the server serves groups.
fn has_computed_groups(shared: &Shared, entry: &ResourceEntry) -> bool {
    *entry.computed_groups.get_or_init(|| computed_groups(shared, entry))
}

fn computed_groups(shared: &Shared, entry: &ResourceEntry) -> bool {
    entry.kind.carries_computed_groups() && shared.resources.iter().any(|r| r.kind.has_members)
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
/// `folded`: memberships the store read with the resources, which are not asked again.
pub(super) async fn add_groups(
    shared: &Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    base_url: &str,
    query: &ListQuery,
    resources: &mut [Fetched],
    mut folded: Option<Folded<'_>>,
) -> ScimResult<()> {
    if resources.is_empty() || !shows_groups(shared, entry, query) {
        return Ok(());
    }
    let ids: Vec<&str> = resources.iter().filter_map(fetched_id).collect();
    let mut read: Vec<(&ResourceEntry, Vec<Membership>)> = Vec::new();
    for groups in shared.resources.iter().filter(|r| r.kind.has_members) {
        let memberships = match folded.take_if(|folded| std::ptr::eq(folded.groups, &**groups)) {
            Some(folded) => folded.memberships,
            None => {
                let scope = groups.scope(principal).await?;
                let Some(memberships) = groups.store.memberships(scope, &ids).await? else { continue };
                memberships
            }
        };
        if !memberships.is_empty() {
            read.push((groups, memberships));
        }
    }
    if read.is_empty() {
        return Ok(());
    }
    if let [resource] = resources {
        // One resource (a GET, or a lookup by userName): its memberships without a map.
        let Some(id) = fetched_id(resource) else { return Ok(()) };
        let elements: Vec<GroupElement<'_>> = read
            .iter()
            .flat_map(|(groups, memberships)| {
                memberships
                    .iter()
                    .filter(|membership| membership.member == id)
                    .map(|membership| group_element(groups, base_url, membership))
            })
            .collect();
        return if elements.is_empty() { Ok(()) } else { set_groups(resource, elements) };
    }
    let mut by_member: HashMap<&str, Vec<GroupElement<'_>>> = HashMap::new();
    for (groups, memberships) in &read {
        for membership in memberships {
            by_member.entry(&membership.member).or_default().push(group_element(groups, base_url, membership));
        }
    }
    for resource in resources.iter_mut() {
        let Some(elements) = fetched_id(resource).and_then(|id| by_member.remove(id)) else { continue };
        set_groups(resource, elements)?;
    }
    Ok(())
}

/// `membership`'s element of its member's `groups`.
fn group_element<'m>(groups: &ResourceEntry, base_url: &str, membership: &'m Membership) -> GroupElement<'m> {
    GroupElement {
        value: &membership.group,
        reference: groups.location(base_url, &membership.group),
        display: membership.display.as_deref(),
        kind: "direct",
    }
}

/// Put `elements` into `resource` as its `groups`.
fn set_groups(resource: &mut Fetched, elements: Vec<GroupElement<'_>>) -> ScimResult<()> {
    // A plain document keeps its fast path: `groups` goes into its text as the first member
    // (member order carries no meaning in JSON), so it is neither parsed nor projected again;
    // parsing it cost a lookup more than the membership query.
    if let Fetched::Plain { text, .. } = resource
        && let Some(with) = crate::plain::with_first_member(text, 160 * elements.len() + 12, |out| {
            out.push_str("\"groups\":[");
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                element.push_json(out);
            }
            out.push(']');
        })
    {
        *text = with;
        return Ok(());
    }
    let groups =
        serde_json::to_value(&elements).map_err(|_| ScimError::internal("a user's groups could not be serialised"))?;
    let value = std::mem::replace(resource, Fetched::Value(Value::Null)).into_value()?;
    *resource = Fetched::Value(with_groups(value, groups));
    Ok(())
}

/// One element of a user's `groups`, its sub-attributes in the order responses show them;
/// written straight into the response (building a JSON map per element cost more than the
/// membership read).
#[derive(serde::Serialize)]
struct GroupElement<'a> {
    value: &'a str,
    #[serde(rename = "$ref")]
    reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl GroupElement<'_> {
    /// The element as JSON pushed onto `out`: what its `Serialize` writes, without going
    /// through a serializer (which was most of what `groups` cost a lookup on SQLite).
    fn push_json(&self, out: &mut String) {
        use crate::plain::push_json_string;
        out.push_str("{\"value\":");
        push_json_string(out, self.value);
        out.push_str(",\"$ref\":");
        push_json_string(out, &self.reference);
        if let Some(display) = self.display {
            out.push_str(",\"display\":");
            push_json_string(out, display);
        }
        out.push_str(",\"type\":");
        push_json_string(out, self.kind);
        out.push('}');
    }
}

/// Whether responses of `entry`'s resources with this query show a computed `groups`.
fn shows_groups(shared: &Shared, entry: &ResourceEntry, query: &ListQuery) -> bool {
    has_computed_groups(shared, entry) && returns_groups(entry, &query.attributes, &query.excluded_attributes)
}

/// Memberships in one group type that the store read together with the resources.
pub(super) struct Folded<'s> {
    groups: &'s ResourceEntry,
    memberships: Vec<Membership>,
}

/// The group type whose memberships a read of `entry`'s resources can fold into its own
/// statement: the only group type served, kept by the same store (several group types are
/// asked one by one).
async fn folding_groups<'s>(
    shared: &'s Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    query: &ListQuery,
) -> ScimResult<Option<&'s ResourceEntry>> {
    if !shows_groups(shared, entry, query) {
        return Ok(None);
    }
    let Some(groups) = only_group_type(shared) else { return Ok(None) };
    if !Arc::ptr_eq(&groups.store, &entry.store) {
        return Ok(None);
    }
    // Its tables must be ready before a statement reads them.
    groups.scope(principal).await?;
    Ok(Some(groups))
}

/// One resource for a response, with its memberships when the response shows `groups` and
/// the store reads them by the same statement (else they are asked by [`add_groups`]).
pub(super) async fn read_one<'s>(
    shared: &'s Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    query: &ListQuery,
    id: &str,
    options: GetOptions,
) -> ScimResult<(Fetched, Option<Folded<'s>>)> {
    let scope = entry.scope(principal).await?;
    let Some(groups) = folding_groups(shared, entry, principal, query).await? else {
        return Ok((entry.store.get_for_response(scope, id, options).await?, None));
    };
    let WithMemberships { read, memberships } =
        entry.store.get_with_memberships(scope, id, options, &groups.kind).await?;
    Ok((read, memberships.map(|memberships| Folded { groups, memberships })))
}

/// One list page for a response, with its memberships as [`read_one`] reads them.
pub(super) async fn read_page<'s>(
    shared: &'s Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    query: &ListQuery,
    store_query: &StoreQuery<'_>,
) -> ScimResult<(FetchedPage, Option<Folded<'s>>)> {
    let scope = entry.scope(principal).await?;
    let Some(groups) = folding_groups(shared, entry, principal, query).await? else {
        return Ok((entry.store.list_for_response(scope, store_query).await?, None));
    };
    let WithMemberships { read, memberships } =
        entry.store.list_with_memberships(scope, store_query, &groups.kind).await?;
    Ok((read, memberships.map(|memberships| Folded { groups, memberships })))
}

/// Check a list's filter: tests on a computed `groups` in the forms a store answers from the
/// groups' members ([`crate::store::membership`]), every other test as the resource type's
/// filter support table says (without a computed `groups`, the table decides alone, and
/// `groups` is not in it). Returns the kind with members a filter on `groups` tests, for
/// [`crate::store::StoreQuery::memberships`].
///
/// Errors say what works: a test the table refuses is told with the group forms too when the
/// users can be filtered by group here, and a test on `groups` where they cannot is told why.
pub(super) async fn check_filter<'e>(
    shared: &'e Shared,
    entry: &ResourceEntry,
    principal: &Principal,
    filter: &ResolvedFilter<'_>,
) -> ScimResult<Option<&'e ResourceKind>> {
    let support = entry.descriptor.filter_support();
    if !has_computed_groups(shared, entry) {
        support.check(filter)?;
        return Ok(None);
    }
    let names_groups = membership::names_groups(filter);
    let checked = check_terms(support, filter);
    if checked.is_ok() && !names_groups {
        return Ok(None);
    }
    let by_group = group_filtering(shared, entry, principal).await?;
    match (checked, by_group) {
        (_, Err(why)) if names_groups => Err(why),
        (Ok(()), Ok(groups)) => Ok(Some(groups)),
        (Err(Refusal::Table(mut error)), Ok(_)) => {
            error.detail.push_str(&format!(", and by group: {}", membership::SUPPORTED));
            Err(error)
        }
        (Err(Refusal::Table(error) | Refusal::Groups(error)), _) => Err(error),
        (Ok(()), Err(why)) => Err(why),
    }
}

/// Why [`check_terms`] refused a filter.
enum Refusal {
    /// The filter support table refused a test on another attribute.
    Table(ScimError),
    /// A test on `groups` is not in a supported form.
    Groups(ScimError),
}

/// Each test of `filter`: on `groups` by [`membership::check`], else by the table.
fn check_terms(support: &crate::typed::FilterSupport, filter: &ResolvedFilter<'_>) -> Result<(), Refusal> {
    match filter {
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
            check_terms(support, a)?;
            check_terms(support, b)
        }
        ResolvedFilter::Not(inner) => check_terms(support, inner),
        leaf if membership::names_groups(leaf) => membership::check(leaf).map_err(Refusal::Groups),
        leaf => support.check(leaf).map_err(Refusal::Table),
    }
}

/// Whether `entry`'s users can be filtered by group here: the kind with members whose member
/// lists such a filter tests (the one group type the server serves, whose members the users'
/// store keeps itself, see [`crate::store::Store::answers_membership_filters`]), or a `400
/// invalidFilter` saying why not; never a filter answered from the wrong data. The outer error
/// is a store that cannot be prepared.
async fn group_filtering<'e>(
    shared: &'e Shared,
    entry: &ResourceEntry,
    principal: &Principal,
) -> ScimResult<Result<&'e ResourceKind, ScimError>> {
    let Some(groups) = only_group_type(shared) else {
        return Ok(Err(ScimError::invalid_filter(format!(
            "filter: `groups` cannot be filtered on: more than one resource type has members, and {} would have to \
             be searched in each",
            entry.kind.name()
        ))));
    };
    // The group type's store learns its tables on registration.
    groups.scope(principal).await?;
    if !entry.store.answers_membership_filters(&groups.kind) {
        let (users, groups) = (entry.kind.name(), groups.kind.name());
        return Ok(Err(ScimError::invalid_filter(format!(
            "filter: `groups` cannot be filtered on here: the store of {users} does not keep the members of \
             {groups} (they are served by another store or backend), so it cannot tell which {users} a group \
             lists; with {users} and {groups} in one built-in store, {users} can be filtered on {}",
            membership::SUPPORTED
        ))));
    }
    Ok(Ok(&groups.kind))
}

/// The one resource type with members the server serves, if there is exactly one: what a
/// user's memberships are read from with the user and filtered on (with several, `groups`
/// is asked of each in turn and cannot be filtered on).
fn only_group_type(shared: &Shared) -> Option<&ResourceEntry> {
    let mut group_types = shared.resources.iter().filter(|r| r.kind.has_members);
    match (group_types.next(), group_types.next()) {
        (Some(groups), None) => Some(groups),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::GroupElement;

    #[test]
    fn an_element_pushed_as_json_is_what_its_serialize_writes() {
        let elements = [
            GroupElement {
                value: "g1",
                reference: "https://h/scim/v2/Groups/g1".to_owned(),
                display: None,
                kind: "direct",
            },
            GroupElement {
                value: "g\"2\\",
                reference: "https://h/Groups/g%222".to_owned(),
                display: Some("Sales\n\"EMEA\" ✓"),
                kind: "direct",
            },
        ];
        for element in &elements {
            let mut out = String::new();
            element.push_json(&mut out);
            assert_eq!(out, serde_json::to_string(element).unwrap());
        }
    }
}
