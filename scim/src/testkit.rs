//! The store contract as a test kit (feature `testkit`): run it against your own backend in a
//! few lines, as this repository runs it against [`crate::store::MemoryStore`],
//! [`crate::store::SqliteStore`] and GoLinks' typed backend.
//!
//! ```no_run
//! # async fn run(store: std::sync::Arc<dyn scim::store::Store>) {
//! # #[derive(Debug, Clone, PartialEq, scim_derive::ScimResource)]
//! # #[scim(resource = "User", endpoint = "/Users")]
//! # struct Account { #[scim(id)] id: Option<String>, #[scim(path = "userName", filter = "eq")] login: String }
//! use scim::testkit::StoreContract;
//! let contract = StoreContract::for_type::<Account>(|i| {
//!     serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("user{i}")})
//! });
//! // A typed backend: `TypedStore::<Account, _>::new(MyBackend::new(..))`; register it first.
//! use scim::store::Store;
//! store.register(&[contract.kind()]).await.unwrap();
//! contract.run(store.as_ref()).await; // panics naming the check and the request that failed
//! # }
//! ```
//!
//! The checks, each in a tenant of its own (so the store needs no cleaning between them):
//! CRUD and 404s; versions and `If-Match` (stale tags are `412` and change nothing; `*` and the
//! current tag match); uniqueness of every unique attribute (`409 uniqueness`, per tenant,
//! ignoring case unless `caseExact`); tenant isolation; every filterable attribute with every
//! operator it supports (each a variant of the generated typed filter), alone and under `and`,
//! `or` and `not`, against the runtime's in-memory evaluator; paging and totals with and without
//! a filter; sorting by every sortable attribute both ways, against the runtime's order.
//!
//! `sample(i)` must give valid, distinct resources for `i` in `0..8` whose unique attributes
//! differ by more than case. Resources are expected to list in creation order when unsorted.

use std::sync::Arc;

use serde_json::Value;

use crate::filter::{parse_filter, resolve_filter};
use crate::patch::PatchOperation;
use crate::query::SortOrder;
use crate::schema::{AttributeType, ResolvedAttr};
use crate::store::{GetOptions, ResourceKind, Scope, Store, StoreQuery, compare_keys, sort_key, sort_target};
use crate::typed::{FilterableAttribute, ResourceDescriptor, ScimResource};

/// How many sample resources the list checks create.
const LISTED: usize = 7;

/// The PostgreSQL server a test of a PostgreSQL backend uses: `SCIM_TEST_POSTGRES_URL`, which
/// `scripts/pg` and `scripts/test` provide. Without it the test fails when
/// `SCIM_TEST_REQUIRE_POSTGRES=1` (as `scripts/test` sets, so that nothing it runs is skipped
/// silently), and otherwise (a developer's plain `cargo test`) is skipped: `None`, after saying
/// on stderr that `what` is skipped.
pub fn postgres_test_url(what: &str) -> Option<String> {
    match std::env::var("SCIM_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("SCIM_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("SCIM_TEST_REQUIRE_POSTGRES=1 but SCIM_TEST_POSTGRES_URL is not set: run under scripts/pg")
        }
        _ => {
            eprintln!("skipping {what}: SCIM_TEST_POSTGRES_URL is not set (scripts/pg provides one)");
            None
        }
    }
}

/// A URL of `url`'s server whose connections use schema `name` (their `search_path`), made
/// fresh and empty: dropped with everything in it when it exists, then created. Tests that run
/// at once, or servers a test starts, each take a schema of their own and never see each
/// other's tables. `name` must be lower-case letters, digits and `_` (it is written into the
/// statements), which this checks.
#[cfg(feature = "postgres")]
pub async fn fresh_postgres_schema(url: &str, name: &str) -> String {
    assert!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "a schema name of lower-case letters, digits and `_`, not {name:?}"
    );
    let admin = crate::store::PostgresStore::connect(url).await.unwrap_or_else(|e| panic!("{e}"));
    for statement in [format!("DROP SCHEMA IF EXISTS {name} CASCADE"), format!("CREATE SCHEMA {name}")] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(admin.pool())
            .await
            .unwrap_or_else(|e| panic!("cannot make schema {name}: {e}"));
    }
    admin.pool().close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{name}")
}

/// The contract for one resource type.
pub struct StoreContract {
    descriptor: &'static ResourceDescriptor,
    kind: Arc<ResourceKind>,
    sample: Box<dyn Fn(usize) -> Value + Send + Sync>,
}

impl std::fmt::Debug for StoreContract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreContract").field("resource", &self.kind.name()).finish_non_exhaustive()
    }
}

fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap_or_else(|| panic!("no id in {resource}")).to_owned()
}

fn version_of(resource: &Value) -> String {
    resource["meta"]["version"].as_str().unwrap_or_else(|| panic!("no meta.version in {resource}")).to_owned()
}

fn ids(resources: &[Value]) -> Vec<String> {
    resources.iter().map(id_of).collect()
}

/// Values of `attribute` in `resource` (every element's, for a multi-valued one).
fn values_at(resource: &Value, attribute: &FilterableAttribute) -> Vec<Value> {
    let container = match &attribute.extension {
        Some(urn) => resource.get(urn),
        None => Some(resource),
    };
    let Some(value) = container.and_then(|c| c.get(&attribute.attribute)) else { return Vec::new() };
    let elements: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    elements
        .into_iter()
        .filter_map(|element| match &attribute.sub_attribute {
            Some(sub) => element.get(sub),
            None => Some(element),
        })
        .filter(|v| !v.is_null())
        .cloned()
        .collect()
}

/// Literals to try for an attribute: values it has, changed in case, cut for substring
/// operators, and one nothing has.
fn literals(attribute: &FilterableAttribute, values: &[Value], op: &str) -> Vec<String> {
    let mut out = Vec::new();
    for value in values.iter().take(3) {
        match value {
            Value::String(text) => {
                // Substring operators get one- and two-character pieces, which other values
                // contain elsewhere too (`sw "a"` must not select `carol`).
                let cuts = |t: &str| -> Vec<String> {
                    let chars: Vec<char> = t.chars().collect();
                    (1..=2)
                        .map(|n| match op {
                            "sw" => chars.iter().take(n).collect(),
                            "ew" => chars.iter().skip(chars.len().saturating_sub(n)).collect(),
                            "co" => chars.iter().skip(1).take(n).collect(),
                            _ => t.to_owned(),
                        })
                        .collect()
                };
                for piece in cuts(text) {
                    out.push(Value::String(piece).to_string());
                }
                if !attribute.case_exact && attribute.kind != AttributeType::Binary {
                    for piece in cuts(&text.to_uppercase()) {
                        out.push(Value::String(piece).to_string());
                    }
                }
            }
            other => out.push(other.to_string()),
        }
    }
    match attribute.kind {
        AttributeType::Boolean => out.extend(["true".to_owned(), "false".to_owned()]),
        AttributeType::Integer | AttributeType::Decimal => out.push("-7".to_owned()),
        AttributeType::DateTime => out.push("\"2001-01-01T00:00:00Z\"".to_owned()),
        _ => out.push("\"no-such-value-zz\"".to_owned()),
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|literal| seen.insert(literal.clone()));
    out
}

impl StoreContract {
    /// The contract for resource type `T`, with `sample(i)` making its test resources.
    pub fn for_type<T: ScimResource>(sample: impl Fn(usize) -> Value + Send + Sync + 'static) -> Self {
        Self::for_descriptor(T::descriptor(), sample)
    }

    /// [`Self::for_type`] by descriptor.
    pub fn for_descriptor(
        descriptor: &'static ResourceDescriptor,
        sample: impl Fn(usize) -> Value + Send + Sync + 'static,
    ) -> Self {
        let paths: Vec<String> = descriptor.filter_support().attributes().iter().map(|a| a.path.clone()).collect();
        let kind = ResourceKind::new(descriptor.resource_schema().clone(), &paths)
            .unwrap_or_else(|e| panic!("the resource type of the contract: {e}"));
        StoreContract { descriptor, kind: Arc::new(kind), sample: Box::new(sample) }
    }

    /// The resource kind to register the store with.
    pub fn kind(&self) -> Arc<ResourceKind> {
        self.kind.clone()
    }

    fn scope<'s>(&'s self, tenant: &'s str) -> Scope<'s> {
        Scope::new(tenant, &self.kind)
    }

    /// Run every check; panics with the check and what differed.
    pub async fn run(&self, store: &dyn Store) {
        self.crud(store).await;
        self.versions(store).await;
        self.uniqueness(store).await;
        self.isolation(store).await;
        let created = self.populate(store, "contract-lists").await;
        self.filters(store, &created).await;
        self.paging(store, &created).await;
        self.sorting(store, &created).await;
    }

    /// CRUD: create, read back, replace, delete, and the 404s after it.
    pub async fn crud(&self, store: &dyn Store) {
        let scope = self.scope("contract-crud");
        let created = store.create(scope, (self.sample)(0)).await.unwrap_or_else(|e| panic!("crud: create: {e}"));
        let id = id_of(&created);
        assert_eq!(created["meta"]["resourceType"], self.kind.name(), "crud: meta.resourceType");
        assert!(created["meta"]["created"].is_string(), "crud: meta.created in {created}");
        let read = store.get(scope, &id, GetOptions::default()).await.unwrap_or_else(|e| panic!("crud: get: {e}"));
        assert_eq!(read, created, "crud: a read gives what create returned");
        let replaced =
            store.replace(scope, &id, (self.sample)(1), None).await.unwrap_or_else(|e| panic!("crud: replace: {e}"));
        assert_eq!(replaced["id"], created["id"], "crud: replace keeps the id");
        assert_ne!(version_of(&replaced), version_of(&created), "crud: replace changes the version");
        assert_eq!(replaced["meta"]["created"], created["meta"]["created"], "crud: replace keeps meta.created");
        let read = store.get(scope, &id, GetOptions::default()).await.unwrap_or_else(|e| panic!("crud: get: {e}"));
        assert_eq!(read, replaced, "crud: a read gives what replace returned");
        store.delete(scope, &id, None).await.unwrap_or_else(|e| panic!("crud: delete: {e}"));
        let status = |r: Result<(), crate::ScimError>| r.err().map(|e| e.status);
        assert_eq!(
            status(store.get(scope, &id, GetOptions::default()).await.map(drop)),
            Some(404),
            "crud: get deleted"
        );
        assert_eq!(status(store.delete(scope, &id, None).await), Some(404), "crud: delete deleted");
        assert_eq!(status(store.replace(scope, &id, (self.sample)(2), None).await.map(drop)), Some(404));
        assert_eq!(status(store.get(scope, "no-such-id", GetOptions::default()).await.map(drop)), Some(404));
        // The unique values are free again.
        store.create(scope, (self.sample)(0)).await.unwrap_or_else(|e| panic!("crud: re-create: {e}"));
    }

    /// Versions: a stale `If-Match` is `412` for PUT, PATCH and DELETE and changes nothing.
    pub async fn versions(&self, store: &dyn Store) {
        let scope = self.scope("contract-versions");
        let created = store.create(scope, (self.sample)(0)).await.unwrap_or_else(|e| panic!("versions: {e}"));
        let id = id_of(&created);
        let stale = version_of(&created);
        let replaced = store
            .replace(scope, &id, (self.sample)(1), Some(&stale))
            .await
            .unwrap_or_else(|e| panic!("versions: replace with the current tag: {e}"));
        let current = version_of(&replaced);
        let error = store.replace(scope, &id, (self.sample)(2), Some(&stale)).await.expect_err("versions: stale PUT");
        assert_eq!(error.status, 412, "versions: stale PUT: {error}");
        let mut body = (self.sample)(2);
        if let Some(map) = body.as_object_mut() {
            map.remove("schemas");
        }
        let op = PatchOperation::replace(None, body).unwrap_or_else(|e| panic!("versions: {e}"));
        let error = store
            .patch(scope, &id, std::slice::from_ref(&op), Some(&stale), GetOptions::default())
            .await
            .expect_err("versions: stale PATCH");
        assert_eq!(error.status, 412, "versions: stale PATCH: {error}");
        let error = store.delete(scope, &id, Some(&stale)).await.expect_err("versions: stale DELETE");
        assert_eq!(error.status, 412, "versions: stale DELETE: {error}");
        let read = store.get(scope, &id, GetOptions::default()).await.unwrap_or_else(|e| panic!("versions: {e}"));
        assert_eq!(read, replaced, "versions: failed writes changed nothing");
        let patched = store
            .patch(scope, &id, &[op], Some(&current), GetOptions::default())
            .await
            .unwrap_or_else(|e| panic!("versions: PATCH with the current tag: {e}"));
        assert_ne!(version_of(&patched), current, "versions: PATCH changes the version");
        store.delete(scope, &id, Some("*")).await.unwrap_or_else(|e| panic!("versions: DELETE with *: {e}"));
    }

    /// Uniqueness of each unique attribute: per tenant, ignoring case unless `caseExact`.
    pub async fn uniqueness(&self, store: &dyn Store) {
        for attr in self.kind.unique() {
            let scope = self.scope("contract-unique");
            let first = store.create(scope, (self.sample)(3)).await.unwrap_or_else(|e| panic!("uniqueness: {e}"));
            let Some(Value::String(taken)) = first.get(&attr.path).cloned() else { continue };
            let shown = if attr.case_exact { taken.clone() } else { taken.to_uppercase() };
            let mut clash = (self.sample)(4);
            clash[&attr.path] = Value::String(shown.clone());
            let error = store.create(scope, clash.clone()).await.expect_err("uniqueness: a taken value");
            assert_eq!((error.status, error.scim_type), (409, Some(crate::ScimType::Uniqueness)), "{error}");
            assert!(error.detail.contains(&attr.path), "uniqueness: the detail names {}: {error}", attr.path);
            let second = store.create(scope, (self.sample)(4)).await.unwrap_or_else(|e| panic!("uniqueness: {e}"));
            let error = store.replace(scope, &id_of(&second), clash.clone(), None).await.expect_err("a taken value");
            assert_eq!(error.status, 409, "uniqueness: PUT onto a taken value: {error}");
            store
                .create(self.scope("contract-unique-other"), clash)
                .await
                .unwrap_or_else(|e| panic!("uniqueness: another tenant may use {shown}: {e}"));
        }
    }

    /// Tenant isolation: another tenant's resource is not found, listed, changed or deleted.
    pub async fn isolation(&self, store: &dyn Store) {
        let mine = self.scope("contract-mine");
        let theirs = self.scope("contract-theirs");
        let created = store.create(mine, (self.sample)(5)).await.unwrap_or_else(|e| panic!("isolation: {e}"));
        let id = id_of(&created);
        let status = |r: Result<(), crate::ScimError>| r.err().map(|e| e.status);
        assert_eq!(status(store.get(theirs, &id, GetOptions::default()).await.map(drop)), Some(404));
        assert_eq!(store.list(theirs, &StoreQuery::default()).await.map(|p| p.total_results).ok(), Some(0));
        assert_eq!(status(store.replace(theirs, &id, (self.sample)(6), None).await.map(drop)), Some(404));
        assert_eq!(status(store.delete(theirs, &id, None).await), Some(404));
        let read = store.get(mine, &id, GetOptions::default()).await.unwrap_or_else(|e| panic!("isolation: {e}"));
        assert_eq!(read, created, "isolation: the owner's resource is unchanged");
    }

    async fn populate(&self, store: &dyn Store, tenant: &str) -> Vec<Value> {
        let mut created = Vec::new();
        for i in 0..LISTED {
            created.push(store.create(self.scope(tenant), (self.sample)(i)).await.unwrap_or_else(|e| panic!("{e}")));
        }
        created
    }

    /// A list of the list checks' tenant: `filter` as text, `sort`, `start_index`, `count`.
    async fn list_text(
        &self,
        store: &dyn Store,
        filter: Option<&str>,
        sort: Option<(ResolvedAttr<'_>, SortOrder)>,
        start_index: usize,
        count: Option<usize>,
    ) -> (usize, Vec<String>) {
        let parsed = filter.map(|f| parse_filter(f).unwrap_or_else(|e| panic!("{f}: {e}")));
        let resolved = parsed.as_ref().map(|p| resolve_filter(p, &self.kind.schema).unwrap_or_else(|e| panic!("{e}")));
        let query = StoreQuery {
            filter: resolved.as_ref(),
            sort_by: sort.map(|(attr, _)| attr),
            sort_order: sort.map_or(SortOrder::Ascending, |(_, order)| order),
            start_index,
            count,
            exclude_members: false,
            keyset: None,
            memberships: None,
        };
        let page =
            store.list(self.scope("contract-lists"), &query).await.unwrap_or_else(|e| panic!("list {filter:?}: {e}"));
        (page.total_results, ids(&page.resources))
    }

    /// Every filterable attribute with every operator it supports, alone and combined, against
    /// the in-memory evaluator.
    pub async fn filters(&self, store: &dyn Store, created: &[Value]) {
        let mut filters = Vec::new();
        for attribute in self.descriptor.filter_support().attributes() {
            let values: Vec<Value> = created.iter().flat_map(|r| values_at(r, attribute)).collect();
            for op in &attribute.operators {
                for literal in literals(attribute, &values, op.as_str()) {
                    filters.push(format!("{} {} {literal}", attribute.path, op.as_str()));
                }
            }
            if attribute.presence {
                filters.push(format!("{} pr", attribute.path));
            }
        }
        let mut combined = Vec::new();
        for pair in filters.windows(2) {
            combined.push(format!("not ({})", pair[0]));
            combined.push(format!("({}) or ({})", pair[0], pair[1]));
            combined.push(format!("({}) and not ({})", pair[1], pair[0]));
        }
        filters.extend(combined);
        for filter in &filters {
            let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
            let resolved = resolve_filter(&parsed, &self.kind.schema).unwrap_or_else(|e| panic!("{filter}: {e}"));
            let expected: Vec<String> = created.iter().filter(|r| resolved.matches(r)).map(id_of).collect();
            let (total, found) = self.list_text(store, Some(filter), None, 1, None).await;
            assert_eq!(found, expected, "filter `{filter}` selects what the evaluator selects");
            assert_eq!(total, expected.len(), "filter `{filter}`: totalResults");
        }
    }

    /// Pages and totals, with and without a filter.
    pub async fn paging(&self, store: &dyn Store, created: &[Value]) {
        let all = ids(created);
        for (start, count) in
            [(1, None), (1, Some(2)), (2, Some(3)), (LISTED, Some(5)), (LISTED + 3, Some(2)), (1, Some(0))]
        {
            let (total, found) = self.list_text(store, None, None, start, count).await;
            let expected: Vec<String> = all.iter().skip(start - 1).take(count.unwrap_or(usize::MAX)).cloned().collect();
            assert_eq!(found, expected, "paging: startIndex {start}, count {count:?}");
            assert_eq!(total, LISTED, "paging: totalResults with startIndex {start}, count {count:?}");
        }
        if let Some(first) = self
            .descriptor
            .filter_support()
            .attributes()
            .iter()
            .find(|a| a.operators.contains(&crate::filter::CompareOp::Eq))
        {
            let filter =
                format!("not ({} eq \"no-such-value-zz\") or {} eq \"no-such-value-zz\"", first.path, first.path);
            if first.kind == AttributeType::String {
                let parsed = parse_filter(&filter).unwrap_or_else(|e| panic!("{e}"));
                let resolved = resolve_filter(&parsed, &self.kind.schema).unwrap_or_else(|e| panic!("{e}"));
                let matching: Vec<String> = created.iter().filter(|r| resolved.matches(r)).map(id_of).collect();
                let (total, found) = self.list_text(store, Some(&filter), None, 2, Some(2)).await;
                assert_eq!(total, matching.len(), "paging under `{filter}`: totalResults counts every match");
                assert_eq!(
                    found,
                    matching.iter().skip(1).take(2).cloned().collect::<Vec<_>>(),
                    "paging under `{filter}`"
                );
            }
        }
    }

    /// Sorting by every sortable attribute, both ways, against the runtime's order.
    pub async fn sorting(&self, store: &dyn Store, created: &[Value]) {
        let support = self.descriptor.filter_support();
        for (index, attribute) in support.attributes().iter().enumerate() {
            if !support.is_sortable(index) {
                continue;
            }
            let path = crate::filter::parse_attr_path(&attribute.path).unwrap_or_else(|e| panic!("{e}"));
            let resolved: ResolvedAttr<'_> =
                self.kind.schema.resolve(&path).unwrap_or_else(|e| panic!("{}: {e}", attribute.path));
            let target = sort_target(resolved).unwrap_or_else(|e| panic!("{e}"));
            for order in [SortOrder::Ascending, SortOrder::Descending] {
                let mut expected = created.to_vec();
                expected.sort_by(|a, b| {
                    let o = compare_keys(sort_key(&target, a).as_ref(), sort_key(&target, b).as_ref());
                    if order == SortOrder::Descending { o.reverse() } else { o }
                });
                let (_, found) = self.list_text(store, None, Some((resolved, order)), 1, None).await;
                assert_eq!(found, ids(&expected), "sortBy {} {order:?}", attribute.path);
            }
        }
    }
}
