//! [`MemoryStore`]: resources in maps behind a lock, for tests and demos. Lists evaluate the
//! filter with the reference evaluator ([`ResolvedFilter::matches`](crate::filter::ResolvedFilter::matches)),
//! so this store is also the oracle the SQL store is compared with.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use serde_json::Value;

use super::keyset::page_in_memory;
use super::membership;
use super::{
    GetOptions, Membership, Meta, Page, ResourceKind, Scope, Store, StoreQuery, changed_unique_values, check_if_match,
    import_id, import_meta, into_object, member_id, not_found, now_rfc3339, record, strip_members, uniqueness_conflict,
    with_members,
};
use crate::error::{ScimError, ScimResult};

/// An in-memory [`Store`]. Data lives as long as the value; clones are not shared (wrap it in
/// an `Arc`).
#[derive(Debug, Default)]
pub struct MemoryStore {
    collections: RwLock<HashMap<(String, String), Collection>>,
    /// The endpoints of the kinds with members registered here: filters on users' `groups`
    /// are answered from their member lists ([`Store::answers_membership_filters`]).
    member_kinds: RwLock<HashSet<String>>,
}

/// The resources of one tenant and resource type, in creation order.
#[derive(Debug, Default)]
struct Collection {
    next_seq: u64,
    by_seq: BTreeMap<u64, Entry>,
    by_id: HashMap<String, u64>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The full record, members included.
    record: Value,
    version: u64,
    created: String,
}

impl Collection {
    fn entry(&self, kind: &ResourceKind, id: &str) -> ScimResult<&Entry> {
        self.by_id.get(id).and_then(|seq| self.by_seq.get(seq)).ok_or_else(|| not_found(kind, id))
    }

    fn entry_mut(&mut self, kind: &ResourceKind, id: &str) -> ScimResult<&mut Entry> {
        self.by_id.get(id).and_then(|seq| self.by_seq.get_mut(seq)).ok_or_else(|| not_found(kind, id))
    }

    /// `409 uniqueness` if another resource than `id` has one of `record`'s unique values
    /// (those new or changed from `previous`, see [`changed_unique_values`]).
    fn check_unique(&self, kind: &ResourceKind, id: &str, record: &Value, previous: Option<&Value>) -> ScimResult<()> {
        for (attr, value) in changed_unique_values(kind, record, previous) {
            let taken = self.by_seq.values().any(|entry| {
                entry.record.get("id").and_then(Value::as_str) != Some(id)
                    && attr.scalar(&entry.record).map(|v| if attr.case_exact { v } else { v.lowered() }).as_ref()
                        == Some(&value)
            });
            if taken {
                return Err(uniqueness_conflict(kind, attr, record));
            }
        }
        Ok(())
    }

    fn insert(&mut self, kind: &ResourceKind, id: String, record: Value, meta: &Meta) -> ScimResult<Value> {
        if self.by_id.contains_key(&id) {
            return Err(ScimError::uniqueness(format!("{} id {id:?} is already in use", kind.name())));
        }
        self.check_unique(kind, &id, &record, None)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(id, seq);
        self.by_seq.insert(seq, Entry { record: record.clone(), version: meta.version, created: meta.created.clone() });
        Ok(record)
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read<T>(&self, scope: Scope<'_>, f: impl FnOnce(Option<&Collection>) -> ScimResult<T>) -> ScimResult<T> {
        let collections = self.collections.read().unwrap_or_else(PoisonError::into_inner);
        f(collections.get(&key(scope)))
    }

    fn write<T>(&self, scope: Scope<'_>, f: impl FnOnce(&mut Collection) -> ScimResult<T>) -> ScimResult<T> {
        let mut collections = self.collections.write().unwrap_or_else(PoisonError::into_inner);
        f(collections.entry(key(scope)).or_default())
    }

    fn store(&self, scope: Scope<'_>, body: Value, imported: bool) -> ScimResult<Value> {
        let body = into_object(body)?;
        let (id, meta) = if imported {
            (import_id(&body)?, import_meta(&body))
        } else {
            let now = now_rfc3339();
            (uuid::Uuid::new_v4().to_string(), Meta { created: now.clone(), last_modified: now, version: 1 })
        };
        let stored = full_record(scope.kind, &id, body, &meta);
        self.write(scope, |collection| collection.insert(scope.kind, id, stored, &meta))
    }
}

/// The stored form of a body, members included (and, like the SQL store, an empty member list
/// left out).
fn full_record(kind: &ResourceKind, id: &str, body: serde_json::Map<String, Value>, meta: &Meta) -> Value {
    let mut members = Vec::new();
    let collect = kind.has_members.then_some(&mut members);
    Value::Object(with_members(record(kind, id, body, meta, collect), members))
}

/// The ids of the groups listing each member, in the groups' creation order.
fn groups_by_member(groups: Option<&Collection>) -> HashMap<&str, Vec<&str>> {
    let mut by_member: HashMap<&str, Vec<&str>> = HashMap::new();
    for group in groups.map(|c| c.by_seq.values()).into_iter().flatten() {
        let Some(group_id) = group.record.get("id").and_then(Value::as_str) else { continue };
        let members = group.record.get("members").and_then(Value::as_array).map(Vec::as_slice);
        for member in members.unwrap_or_default().iter().filter_map(|m| member_id(m).ok()) {
            by_member.entry(member).or_default().push(group_id);
        }
    }
    by_member
}

/// A user's record with its computed `groups` (only `value`, all a filter may test), for
/// evaluating a filter on them.
fn with_groups(record: &Value, groups: &HashMap<&str, Vec<&str>>) -> Value {
    let mut record = record.clone();
    let listed = record.get("id").and_then(Value::as_str).and_then(|id| groups.get(id));
    if let Value::Object(map) = &mut record {
        map.shift_remove("groups");
        if let Some(listed) = listed {
            let elements = listed.iter().map(|id| serde_json::json!({ "value": id })).collect();
            map.insert("groups".to_owned(), Value::Array(elements));
        }
    }
    record
}

fn key(scope: Scope<'_>) -> (String, String) {
    (scope.tenant.to_owned(), scope.kind.schema.resource_type.endpoint.clone())
}

#[async_trait]
impl Store for MemoryStore {
    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        let mut member_kinds = self.member_kinds.write().unwrap_or_else(PoisonError::into_inner);
        for kind in kinds.iter().filter(|kind| kind.has_members) {
            member_kinds.insert(kind.schema.resource_type.endpoint.clone());
        }
        Ok(())
    }

    fn answers_membership_filters(&self, groups: &ResourceKind) -> bool {
        let member_kinds = self.member_kinds.read().unwrap_or_else(PoisonError::into_inner);
        groups.has_members && member_kinds.contains(&groups.schema.resource_type.endpoint)
    }

    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.store(scope, resource, false)
    }

    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.store(scope, resource, true)
    }

    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        self.read(scope, |collection| {
            let entry = collection.ok_or_else(|| not_found(scope.kind, id))?.entry(scope.kind, id)?;
            Ok(strip_members(entry.record.clone(), options))
        })
    }

    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        let collections = self.collections.read().unwrap_or_else(PoisonError::into_inner);
        // A filter on users' `groups` is evaluated on each user with its `groups` as the
        // groups of `query.memberships` in this tenant that list it.
        let groups = match (query.memberships, query.filter) {
            (Some(groups), Some(filter)) if membership::names_groups(filter) => {
                membership::check(filter)?;
                if !self.answers_membership_filters(groups) {
                    return Err(membership::kept_elsewhere(groups));
                }
                let lists = collections.get(&(scope.tenant.to_owned(), groups.schema.resource_type.endpoint.clone()));
                Some(groups_by_member(lists))
            }
            _ => None,
        };
        let matches_filter = |entry: &Entry| {
            query.filter.is_none_or(|filter| match &groups {
                Some(groups) => filter.matches(&with_groups(&entry.record, groups)),
                None => filter.matches(&entry.record),
            })
        };
        let collection = collections.get(&key(scope));
        let matches: Vec<&Entry> =
            collection.map(|c| c.by_seq.values().filter(|e| matches_filter(e)).collect()).unwrap_or_default();
        let (total_results, page) = page_in_memory(matches, |e| &e.record, query)?;
        let resources = page
            .into_iter()
            .map(|e| strip_members(e.record.clone(), GetOptions { exclude_members: query.exclude_members }))
            .collect();
        Ok(Page { total_results, resources })
    }

    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        let body = into_object(resource)?;
        self.write(scope, |collection| {
            let entry = collection.entry(scope.kind, id)?;
            check_if_match(scope.kind, id, if_match, entry.version)?;
            let meta =
                Meta { created: entry.created.clone(), last_modified: now_rfc3339(), version: entry.version + 1 };
            let stored = full_record(scope.kind, id, body, &meta);
            collection.check_unique(scope.kind, id, &stored, Some(&entry.record))?;
            let entry = collection.entry_mut(scope.kind, id)?;
            entry.record = stored.clone();
            entry.version = meta.version;
            Ok(stored)
        })
    }

    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<HashSet<String>> {
        self.read(scope, |collection| {
            Ok(collection
                .map(|c| ids.iter().filter(|id| c.by_id.contains_key(**id)).map(|id| (*id).to_owned()).collect())
                .unwrap_or_default())
        })
    }

    async fn memberships(&self, scope: Scope<'_>, member_ids: &[&str]) -> ScimResult<Option<Vec<Membership>>> {
        let wanted: HashSet<&str> = member_ids.iter().copied().collect();
        self.read(scope, |collection| {
            let mut found = Vec::new();
            for group in collection.map(|c| c.by_seq.values()).into_iter().flatten() {
                let members = group.record.get("members").and_then(Value::as_array).map(Vec::as_slice);
                for member in members.unwrap_or_default().iter().filter_map(|m| member_id(m).ok()) {
                    if wanted.contains(member) {
                        found.push(Membership {
                            member: member.to_owned(),
                            group: group.record.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
                            display: group.record.get("displayName").and_then(Value::as_str).map(str::to_owned),
                        });
                    }
                }
            }
            Ok(Some(found))
        })
    }

    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        self.write(scope, |collection| {
            let entry = collection.entry(scope.kind, id)?;
            check_if_match(scope.kind, id, if_match, entry.version)?;
            if let Some(seq) = collection.by_id.remove(id) {
                collection.by_seq.remove(&seq);
            }
            Ok(())
        })
    }

    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        let ids = members.iter().map(member_id).collect::<ScimResult<Vec<_>>>()?;
        self.change_members(scope, group_id, |list| {
            let mut changed = false;
            for (member, id) in members.iter().zip(ids) {
                if !list.iter().any(|m| member_id(m).ok() == Some(id)) {
                    list.push(member.clone());
                    changed = true;
                }
            }
            changed
        })
    }

    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        self.change_members(scope, group_id, |list| {
            let before = list.len();
            list.retain(|m| member_id(m).is_ok_and(|id| !member_ids.iter().any(|r| r == id)));
            list.len() != before
        })
    }
}

impl MemoryStore {
    /// Change a group's member list in place; bump the version when `change` says it changed.
    fn change_members(
        &self,
        scope: Scope<'_>,
        group_id: &str,
        change: impl FnOnce(&mut Vec<Value>) -> bool,
    ) -> ScimResult<()> {
        if !scope.kind.has_members {
            return Err(ScimError::bad_request(format!("{} resources have no members", scope.kind.name())));
        }
        self.write(scope, |collection| {
            let entry = collection.entry_mut(scope.kind, group_id)?;
            let Value::Object(map) = &mut entry.record else {
                return Err(ScimError::internal("a stored resource is not an object"));
            };
            let mut list = match map.shift_remove("members") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let changed = change(&mut list);
            let meta = map.shift_remove("meta");
            if !list.is_empty() {
                map.insert("members".to_owned(), Value::Array(list));
            }
            if changed {
                entry.version += 1;
            }
            let meta = Meta {
                created: entry.created.clone(),
                last_modified: if changed {
                    now_rfc3339()
                } else {
                    meta.as_ref()
                        .and_then(|m| m.get("lastModified"))
                        .and_then(Value::as_str)
                        .map_or_else(now_rfc3339, str::to_owned)
                },
                version: entry.version,
            };
            map.insert("meta".to_owned(), super::meta_value(scope.kind, &meta));
            Ok(())
        })
    }
}
