//! Typed backends: storage written in terms of the developer's own [`ScimResource`] type, served
//! by the runtime.
//!
//! A [`Backend<T>`] creates, reads, replaces, deletes and lists `T` values for a tenant, and
//! hands back with each one a [`Record`]: its id, version and timestamps. Everything the protocol
//! defines stays in the runtime ([`TypedStore`], which serves a backend through the server's
//! [`Store`] interface): `meta` and ETags from the record, `If-Match` (checked against the
//! version before the backend is asked to write, and passed down as the version the write must
//! still find), PATCH (read, apply, convert, replace conditioned on the version read, retried on
//! a conflict), projection, request validation, mutability and `returned`, paging defaults.
//!
//! Lists get the filter and sort as the generated typed enums (see [`crate::typed::query`]), so
//! a backend that matches them exhaustively fails to compile when one more attribute becomes
//! filterable. A backend may decline a list it cannot answer exactly
//! ([`BackendError::Unsupported`]); the runtime then asks for everything the tenant has (in
//! creation order, unpaged), and filters, sorts, counts and pages in memory, saying so in the
//! log (`scim::typed` target). The same happens when a filter or sort has no typed form.
//! Filtering never happens after paging.
//!
//! # Versions
//!
//! A backend with a version column (a change counter) returns it in [`Record::version`] and
//! makes `replace` and `delete` conditional on the `expected` version they receive, which gives
//! exact `If-Match` and lost-update-free PATCH. A backend without one returns `version: None`:
//! the runtime then uses a hash of the resource's SCIM form (see [`content_version`]) and checks
//! `If-Match` against a fresh read before the write; a write by someone else between that read
//! and the backend's write is not detected, so keep a version column where that matters.
//!
//! # Example
//!
//! A complete backend over a `HashMap`, served for `/Users`:
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Mutex;
//!
//! use scim::typed::backend::{Backend, BackendError, BackendResult, ListQuery, Listed, Record, Stored};
//! use scim::typed::query::OffsetDateTime;
//! use scim_derive::ScimResource;
//!
//! #[derive(Debug, Clone, PartialEq, ScimResource)]
//! #[scim(resource = "User", endpoint = "/Users")]
//! pub struct Person {
//!     #[scim(id)]
//!     pub id: Option<String>,
//!     #[scim(path = "userName", filter = "eq")]
//!     pub login: String,
//! }
//!
//! /// Rows by (tenant, id), with a change counter; ids count up so they sort in creation order.
//! #[derive(Debug, Default)]
//! pub struct People {
//!     rows: Mutex<HashMap<(String, u64), (Person, Record)>>,
//!     next: Mutex<u64>,
//! }
//!
//! /// What `PersonFilter` (generated from `filter = "eq"` on `userName`, and the default `id eq`)
//! /// selects. Matching exhaustively: a new filterable field is a compile error here.
//! fn matches(filter: &PersonFilter, person: &Person, record: &Record) -> bool {
//!     match filter {
//!         PersonFilter::Id(PersonIdTest::Eq(id)) => &record.id == id,
//!         // `userName` is not caseExact: the literal is lower-cased.
//!         PersonFilter::UserName(PersonUserNameTest::Eq(login)) => person.login.to_lowercase() == *login,
//!         PersonFilter::And(a, b) => matches(a, person, record) && matches(b, person, record),
//!         PersonFilter::Or(a, b) => matches(a, person, record) || matches(b, person, record),
//!         PersonFilter::Not(a) => !matches(a, person, record),
//!     }
//! }
//!
//! #[async_trait::async_trait]
//! impl Backend<Person> for People {
//!     async fn create(&self, tenant: &str, person: Person) -> BackendResult<Stored<Person>> {
//!         let mut rows = self.rows.lock().unwrap();
//!         let taken = rows.iter().any(|((t, _), (p, _))| t == tenant && p.login.to_lowercase() == person.login.to_lowercase());
//!         if taken {
//!             return Err(BackendError::Conflict { attribute: Some("userName".into()) });
//!         }
//!         let mut next = self.next.lock().unwrap();
//!         *next += 1;
//!         let record = Record::new(next.to_string(), Some(1), OffsetDateTime::now_utc());
//!         rows.insert((tenant.to_owned(), *next), (person.clone(), record.clone()));
//!         Ok(Stored { resource: person, record })
//!     }
//!
//!     async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<Person>> {
//!         let key = (tenant.to_owned(), id.parse().map_err(|_| BackendError::NotFound)?);
//!         let rows = self.rows.lock().unwrap();
//!         let (person, record) = rows.get(&key).ok_or(BackendError::NotFound)?;
//!         Ok(Stored { resource: person.clone(), record: record.clone() })
//!     }
//!
//!     async fn replace(&self, tenant: &str, id: &str, person: Person, expected: Option<u64>) -> BackendResult<Stored<Person>> {
//!         let key = (tenant.to_owned(), id.parse().map_err(|_| BackendError::NotFound)?);
//!         let mut rows = self.rows.lock().unwrap();
//!         let taken = rows.iter().any(|(k, (p, _))| k.0 == tenant && *k != key && p.login.to_lowercase() == person.login.to_lowercase());
//!         if taken {
//!             return Err(BackendError::Conflict { attribute: Some("userName".into()) });
//!         }
//!         let (stored, record) = rows.get_mut(&key).ok_or(BackendError::NotFound)?;
//!         if expected.is_some_and(|v| Some(v) != record.version) {
//!             return Err(BackendError::VersionMismatch);
//!         }
//!         *stored = person.clone();
//!         record.version = record.version.map(|v| v + 1);
//!         record.last_modified = OffsetDateTime::now_utc();
//!         Ok(Stored { resource: person, record: record.clone() })
//!     }
//!
//!     async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
//!         let key = (tenant.to_owned(), id.parse().map_err(|_| BackendError::NotFound)?);
//!         let mut rows = self.rows.lock().unwrap();
//!         let (_, record) = rows.get(&key).ok_or(BackendError::NotFound)?;
//!         if expected.is_some_and(|v| Some(v) != record.version) {
//!             return Err(BackendError::VersionMismatch);
//!         }
//!         rows.remove(&key);
//!         Ok(())
//!     }
//!
//!     async fn list(&self, tenant: &str, query: &ListQuery<Person>) -> BackendResult<Listed<Person>> {
//!         if query.sort.is_some() {
//!             // Not answered here: the runtime sorts in memory.
//!             return Err(BackendError::Unsupported("sortBy".into()));
//!         }
//!         let rows = self.rows.lock().unwrap();
//!         let mut found: Vec<_> = rows
//!             .iter()
//!             .filter(|((t, _), (p, r))| t == tenant && query.filter.as_ref().is_none_or(|f| matches(f, p, r)))
//!             .map(|((_, n), (p, r))| (*n, Stored { resource: p.clone(), record: r.clone() }))
//!             .collect();
//!         found.sort_by_key(|(n, _)| *n);
//!         let total_results = found.len();
//!         let resources = found.into_iter().map(|(_, s)| s).skip(query.offset()).take(query.limit()).collect();
//!         Ok(Listed { total_results, resources })
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use scim::store::Store;
//! let tokens = scim::server::auth::TokenTable::new().token("acme", "entra", "a-long-random-secret");
//! let app = scim::server::Server::builder().tokens(tokens).backend::<Person, _>(People::default()).build().unwrap();
//! # drop(app);
//! // The same backend as the server sees it:
//! let store = scim::typed::backend::TypedStore::<Person, _>::new(People::default());
//! let kind = std::sync::Arc::new(scim::store::ResourceKind::new(
//!     <Person as scim::typed::ScimResource>::descriptor().resource_schema().clone(), &["userName"]).unwrap());
//! let scope = scim::store::Scope::new("acme", &kind);
//! let user = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Kim"});
//! let created = store.create(scope, user.clone()).await.unwrap();
//! assert_eq!(created["meta"]["version"], "W/\"1\"");
//! assert_eq!(store.create(scope, user).await.unwrap_err().status, 409);
//! # });
//! ```

use std::collections::HashSet;
use std::marker::PhantomData;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::ScimResource;
use super::query::{OffsetDateTime, Queryable, typed_filter, typed_sort};
use crate::error::{ScimError, ScimResult};
use crate::patch::{MemberDelta, PatchOpKind, PatchOperation, apply_patch, targeted_member_ids};
use crate::query::SortOrder;
use crate::store::keyset::page_in_memory;
use crate::store::{
    FetchedPage, GetOptions, Page, ResourceKind, Scope, Store, StoreQuery, check_if_match, not_found, patch_versioned,
    version_tag,
};

/// What the runtime keeps beside a resource's attributes: its id, version and timestamps, which
/// become `id` and `meta`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The resource's id (the backend's own key, as text).
    pub id: String,
    /// A number that changes with every change (a change counter). `None`: the runtime uses a
    /// hash of the resource (see the module docs).
    pub version: Option<u64>,
    /// `meta.created`.
    pub created: OffsetDateTime,
    /// `meta.lastModified`.
    pub last_modified: OffsetDateTime,
}

impl Record {
    /// A record of a resource created (and last modified) at `created`.
    pub fn new(id: impl Into<String>, version: Option<u64>, created: OffsetDateTime) -> Self {
        Record { id: id.into(), version, created, last_modified: created }
    }
}

/// An RFC 3339 timestamp as a backend stored it in a text column (`meta.created` of a SQL row);
/// one that does not parse is a storage failure.
pub fn parse_instant(text: &str) -> BackendResult<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| BackendError::Storage(format!("a stored timestamp `{text}` is not RFC 3339: {e}").into()))
}

/// A resource and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    /// The resource as the developer's type.
    pub resource: T,
    /// Its id, version and timestamps.
    pub record: Record,
}

/// Why a backend call failed; the runtime turns each into the SCIM error the protocol wants.
#[derive(Debug)]
pub enum BackendError {
    /// The tenant has no resource with this id: `404`. From a `replace` or `delete` with an
    /// `expected` version, it may also mean the version did not match (a conditional write that
    /// matched no row): the runtime reads the resource again to tell the two apart.
    NotFound,
    /// Another resource of the tenant has the same value of this unique attribute (a SCIM path
    /// such as `userName`; `None`: the resource type's unique attributes, as a database's
    /// unique constraint reports it): `409 uniqueness` naming the attribute and the value sent.
    Conflict { attribute: Option<String> },
    /// The resource is no longer at the expected version: `412`.
    VersionMismatch,
    /// This list (filter or sort) is not answered by the backend: the runtime evaluates it in
    /// memory instead (see the module docs). Anywhere else: `501`.
    Unsupported(String),
    /// The resource cannot be stored as it is (a value the backend's storage cannot hold):
    /// `400 invalidValue` with this detail.
    Invalid(String),
    /// The storage failed: a `500` whose detail does not show the cause (it goes to the log).
    Storage(Box<dyn std::error::Error + Send + Sync>),
}

/// sqlx errors (feature `sqlite` or `postgres`): a unique constraint (SQLite's, or
/// PostgreSQL's `23505`) is a conflict on the resource type's unique attributes, no row is not
/// found, anything else a storage failure; so a sqlx backend can use `?`.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for BackendError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => BackendError::NotFound,
            sqlx::Error::Database(e) if e.is_unique_violation() => BackendError::Conflict { attribute: None },
            _ => BackendError::Storage(Box::new(error)),
        }
    }
}

impl From<ScimError> for BackendError {
    fn from(error: ScimError) -> Self {
        BackendError::Storage(Box::new(error))
    }
}

/// What backend calls return.
pub type BackendResult<T> = Result<T, BackendError>;

/// A list query in typed form.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery<T: Queryable> {
    /// The filter; `None` selects everything the tenant has.
    pub filter: Option<T::Filter>,
    /// The sort; `None` is creation order. Ties are in creation order too. For strings that are
    /// not `caseExact` the order is that of the lower-cased values; resources without a value
    /// come last when ascending and first when descending (RFC 7644 section 3.4.2.3).
    pub sort: Option<(T::Sort, SortOrder)>,
    /// The 1-based index of the first resource of the page.
    pub start_index: usize,
    /// The most resources to return (`None`: all from `start_index`; `Some(0)`: only count).
    pub count: Option<usize>,
    /// The reply does not show group members (`excludedAttributes=members`, which Entra ID
    /// sends): the backend may leave them empty instead of loading them, as
    /// [`Backend::get_without_members`] does. Records without a version are listed again with
    /// members, since their version is the hash of the whole resource.
    pub exclude_members: bool,
}

impl<T: Queryable> ListQuery<T> {
    /// Everything the tenant has, in creation order: what the runtime asks for when it evaluates
    /// a list in memory.
    pub fn everything() -> Self {
        ListQuery { filter: None, sort: None, start_index: 1, count: None, exclude_members: false }
    }

    /// How many matches to skip.
    pub fn offset(&self) -> usize {
        self.start_index.max(1) - 1
    }

    /// How many resources to return at most (`usize::MAX` for all).
    pub fn limit(&self) -> usize {
        self.count.unwrap_or(usize::MAX)
    }

    /// [`Self::offset`] for SQL's `OFFSET`.
    pub fn sql_offset(&self) -> i64 {
        i64::try_from(self.offset()).unwrap_or(i64::MAX)
    }

    /// [`Self::count`] for SQL's `LIMIT` (`-1`, no limit, for all).
    pub fn sql_limit(&self) -> i64 {
        self.count.map_or(-1, |count| i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// One page of a typed list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    /// How many resources match the filter in all.
    pub total_results: usize,
    /// The page, in order.
    pub resources: Vec<Stored<T>>,
}

/// Storage for resources of type `T`, written in terms of `T`. The [module documentation](self)
/// shows a complete backend (over a `HashMap`, served by the server) and what the runtime does
/// around each call; `examples/golinks/src/backend.rs` is one over an app's SQL table.
#[async_trait]
pub trait Backend<T: Queryable>: Send + Sync + 'static {
    /// Prepare storage (create tables, add columns); called once at start-up. Default: nothing.
    async fn prepare(&self) -> BackendResult<()> {
        Ok(())
    }

    /// Store a new resource for `tenant`; the backend assigns the id.
    async fn create(&self, tenant: &str, resource: T) -> BackendResult<Stored<T>>;

    /// Store a resource keeping the id and times of `record` (migrations, bulk loads). Default:
    /// not supported (`501`).
    async fn import(&self, tenant: &str, resource: T, record: Record) -> BackendResult<Stored<T>> {
        let _ = (tenant, resource, record);
        Err(BackendError::Unsupported("import".to_owned()))
    }

    /// The tenant's resource with this id.
    async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<T>>;

    /// Replace the tenant's resource with this id. With `expected`, only if it is still at that
    /// version ([`BackendError::VersionMismatch`] if not).
    async fn replace(&self, tenant: &str, id: &str, resource: T, expected: Option<u64>) -> BackendResult<Stored<T>>;

    /// Delete the tenant's resource with this id; with `expected`, as for `replace`.
    async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()>;

    /// The tenant's resources matching the query, sorted and paged, with the total count; or
    /// [`BackendError::Unsupported`] for the runtime to evaluate it in memory.
    async fn list(&self, tenant: &str, query: &ListQuery<T>) -> BackendResult<Listed<T>>;

    /// The optional member capability of a group backend (see [`Members`]). Default: none, and
    /// membership changes go through `get` and `replace`.
    fn members(&self) -> Option<&dyn Members> {
        None
    }

    /// Which of `ids` are the tenant's resources, for checking a group's members before anything
    /// is written: the runtime asks once per request, with every id of the request. Answer in one
    /// query where the storage can (`id IN (...)` with bound parameters); ids that cannot be
    /// yours are simply not found. Default: one [`Backend::get`] per id.
    async fn existing_ids(&self, tenant: &str, ids: &[&str]) -> BackendResult<HashSet<String>> {
        let mut found = HashSet::new();
        for id in ids {
            match self.get(tenant, id).await {
                Ok(_) => found.insert((*id).to_owned()),
                Err(BackendError::NotFound) => continue,
                Err(error) => return Err(error),
            };
        }
        Ok(found)
    }

    /// The group with this id without loading its members (they may be left empty), for replies
    /// that do not show them (`excludedAttributes=members`, or Entra ID's `204` to a group
    /// PATCH). Only a record with a version is used as it is: without one the runtime reads the
    /// group whole, to hash it. Default: [`Backend::get`].
    async fn get_without_members(&self, tenant: &str, id: &str) -> BackendResult<Stored<T>> {
        self.get(tenant, id).await
    }
}

/// Adding and removing group members without reading or rewriting the others: a backend that
/// implements it keeps membership changes O(members in the request). A call that changes the
/// membership changes the group's version (and `lastModified`), as any other write does.
///
/// It cannot tell which groups list a member, so users' `groups` (RFC 7643 section 4.1.2,
/// computed on read through [`crate::store::Store::memberships`]) is left out of responses
/// when groups are served by a typed backend, rather than shown empty; groups in the built-in
/// stores (as `scimgen new` makes them, also beside a typed user backend) answer it.
#[async_trait]
pub trait Members: Send + Sync {
    /// Add these members (elements such as `{"value": "id", "type": "User"}`, checked by the
    /// runtime) to the tenant's group; members already there stay as they are.
    async fn add_members(&self, tenant: &str, group_id: &str, members: &[Value]) -> BackendResult<()>;
    /// Remove members by id; ids that are not members are ignored.
    async fn remove_members(&self, tenant: &str, group_id: &str, member_ids: &[String]) -> BackendResult<()>;
}

/// The version the runtime uses for a backend without one: the first 8 bytes of the SHA-256 of
/// the resource's SCIM form (without `meta`), so it changes exactly when the resource does.
pub fn content_version(scim: &Value) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // Serialised into the hasher, not into a buffer.
    let _ = serde_json::to_writer(HashWriter(&mut hasher), scim);
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

struct HashWriter<'h>(&'h mut sha2::Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A [`Backend<T>`] served through the server's [`Store`] interface: the runtime's side of the
/// typed contract (see the module docs). [`crate::server::ServerBuilder::backend`] wraps a
/// backend in it.
#[derive(Debug)]
pub struct TypedStore<T, B> {
    backend: B,
    resource: PhantomData<fn() -> T>,
}

impl<T: Queryable, B: Backend<T>> TypedStore<T, B> {
    /// Serve `backend`.
    pub fn new(backend: B) -> Self {
        TypedStore { backend, resource: PhantomData }
    }

    /// The backend served.
    pub fn backend(&self) -> &B {
        &self.backend
    }
}

/// A stored resource's SCIM form (with `id` and `meta`, without `meta.location`) and version.
fn represent<T: ScimResource>(kind: &ResourceKind, stored: &Stored<T>) -> (Value, u64) {
    let mut scim = stored.resource.to_scim();
    let version = stored.record.version.unwrap_or_else(|| content_version(&scim));
    if let Value::Object(map) = &mut scim {
        let mut meta = Map::with_capacity(4);
        meta.insert("resourceType".to_owned(), Value::String(kind.name().to_owned()));
        for (key, instant) in [("created", stored.record.created), ("lastModified", stored.record.last_modified)] {
            // RFC 3339 as clients send it: UTC, fractional seconds only when there are any.
            let utc = instant.to_offset(time::UtcOffset::UTC);
            if let Ok(text) = utc.format(&time::format_description::well_known::Rfc3339) {
                meta.insert(key.to_owned(), Value::String(text));
            }
        }
        meta.insert("version".to_owned(), Value::String(version_tag(version)));
        // `id` right after `schemas`, as every store orders it.
        map.shift_remove("id");
        map.shift_insert(1.min(map.len()), "id".to_owned(), Value::String(stored.record.id.clone()));
        map.insert("meta".to_owned(), Value::Object(meta));
    }
    (scim, version)
}

/// The SCIM error for a backend error, on resource `id` (if known) given `body` (the request's
/// resource, for naming a conflicting value).
fn scim_error(kind: &ResourceKind, id: Option<&str>, body: Option<&Value>, error: BackendError) -> ScimError {
    match error {
        BackendError::NotFound => not_found(kind, id.unwrap_or_default()),
        BackendError::Conflict { attribute } => {
            let attributes = match attribute {
                Some(attribute) => vec![attribute],
                None => kind.unique().map(|a| a.path.clone()).collect(),
            };
            let shown: Vec<String> = attributes
                .iter()
                .map(|a| match body.and_then(|b| b.get(a)) {
                    Some(value) => format!("{a} {value}"),
                    None => a.clone(),
                })
                .collect();
            ScimError::uniqueness(format!("{} {} is already in use", kind.name(), shown.join(", ")))
        }
        BackendError::VersionMismatch => ScimError::precondition_failed(format!(
            "{} {} changed since it was read; read it again",
            kind.name(),
            id.unwrap_or_default()
        )),
        BackendError::Unsupported(what) => {
            ScimError::not_implemented(format!("{} does not support {what}", kind.name()))
        }
        BackendError::Invalid(detail) => ScimError::invalid_value(detail),
        // The cause stays with the error, which the server logs in the request's span and
        // never sends (it may quote SQL or data).
        BackendError::Storage(cause) => ScimError::internal(format!("the {} backend failed", kind.name()))
            .with_source(std::sync::Arc::<dyn std::error::Error + Send + Sync>::from(cause)),
    }
}

impl<T: Queryable, B: Backend<T>> TypedStore<T, B> {
    async fn read(&self, scope: Scope<'_>, id: &str) -> ScimResult<(Value, u64)> {
        let stored = self.backend.get(scope.tenant, id).await.map_err(|e| scim_error(scope.kind, Some(id), None, e))?;
        Ok(represent(scope.kind, &stored))
    }

    /// A read for a reply: without members when `options` leave them out, through
    /// [`Backend::get_without_members`], so a group's members are not loaded for an answer that
    /// does not show them (as the built-in stores skip their members table). A record without a
    /// version is read again whole, since its version is the hash of the whole resource.
    async fn read_with(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        if options.exclude_members && scope.kind.has_members {
            let stored = self
                .backend
                .get_without_members(scope.tenant, id)
                .await
                .map_err(|e| scim_error(scope.kind, Some(id), None, e))?;
            if stored.record.version.is_some() {
                return Ok(crate::store::strip_members(represent(scope.kind, &stored).0, options));
            }
        }
        let (value, _) = self.read(scope, id).await?;
        Ok(crate::store::strip_members(value, options))
    }

    /// The version a write must still find: `None` without `If-Match`; else the current one,
    /// after checking `If-Match` names it (`412` if not).
    async fn expected_version(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<Option<u64>> {
        let Some(if_match) = if_match else { return Ok(None) };
        let (_, version) = self.read(scope, id).await?;
        check_if_match(scope.kind, id, Some(if_match), version)?;
        Ok(Some(version))
    }

    /// Replace with the version the write must find (for hashed versions the backend cannot
    /// check it: the runtime has, just before).
    async fn write(&self, scope: Scope<'_>, id: &str, body: &Value, expected: Option<u64>) -> ScimResult<Value> {
        let resource = T::from_scim(body)?;
        match self.backend.replace(scope.tenant, id, resource, expected).await {
            Ok(stored) => Ok(represent(scope.kind, &stored).0),
            Err(BackendError::NotFound) if expected.is_some() => Err(self.gone_or_changed(scope, id).await),
            Err(error) => Err(scim_error(scope.kind, Some(id), Some(body), error)),
        }
    }

    /// A conditional write matched nothing: `404` if the resource is gone, else `412`.
    async fn gone_or_changed(&self, scope: Scope<'_>, id: &str) -> ScimError {
        match self.read(scope, id).await {
            Ok(_) => scim_error(scope.kind, Some(id), None, BackendError::VersionMismatch),
            Err(error) => error,
        }
    }

    /// The backend's answer to `query`, which the reply shows as it is. Listed without members,
    /// a record without a version cannot be used (its version hashes the members too): then
    /// the list is asked again with them.
    async fn list_for_reply(&self, tenant: &str, query: ListQuery<T>) -> BackendResult<Listed<T>> {
        let listed = self.backend.list(tenant, &query).await?;
        if query.exclude_members && listed.resources.iter().any(|s| s.record.version.is_none()) {
            return self.backend.list(tenant, &ListQuery { exclude_members: false, ..query }).await;
        }
        Ok(listed)
    }

    /// A list the backend answers as asked, or `None` when it declined.
    async fn try_list(&self, scope: Scope<'_>, query: &ListQuery<T>) -> ScimResult<Option<Vec<Value>>> {
        match self.backend.list(scope.tenant, query).await {
            Ok(listed) => Ok(Some(listed.resources.iter().map(|s| represent(scope.kind, s).0).collect())),
            Err(BackendError::Unsupported(reason)) => {
                tracing::info!(target: "scim::typed", resource = scope.kind.name(), %reason,
                    "the backend declined a list; filtering, sorting and paging it in memory");
                Ok(None)
            }
            Err(error) => Err(scim_error(scope.kind, None, None, error)),
        }
    }
}

#[async_trait]
impl<T: Queryable, B: Backend<T>> Store for TypedStore<T, B> {
    async fn register(&self, kinds: &[std::sync::Arc<ResourceKind>]) -> ScimResult<()> {
        let name = T::descriptor().resource_schema().name();
        if let Some(kind) = kinds.iter().find(|k| !k.name().eq_ignore_ascii_case(name)) {
            return Err(ScimError::internal(format!("a backend of {name} cannot serve {}", kind.name())));
        }
        let Some(kind) = kinds.first() else { return Ok(()) };
        self.backend.prepare().await.map_err(|e| scim_error(kind, None, None, e))
    }

    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let typed = T::from_scim(&resource)?;
        let stored = self
            .backend
            .create(scope.tenant, typed)
            .await
            .map_err(|e| scim_error(scope.kind, None, Some(&resource), e))?;
        Ok(represent(scope.kind, &stored).0)
    }

    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let body = crate::store::into_object(resource.clone())?;
        let id = crate::store::import_id(&body)?;
        let meta = crate::store::import_meta(&body);
        let instant = |text: &str| {
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| ScimError::invalid_value(format!("`{text}` is not an RFC 3339 date-time")))
        };
        let record = Record {
            id: id.clone(),
            version: None,
            created: instant(&meta.created)?,
            last_modified: instant(&meta.last_modified)?,
        };
        let typed = T::from_scim(&resource)?;
        let stored = self
            .backend
            .import(scope.tenant, typed, record)
            .await
            .map_err(|e| scim_error(scope.kind, Some(&id), Some(&resource), e))?;
        Ok(represent(scope.kind, &stored).0)
    }

    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        self.read_with(scope, id, options).await
    }

    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        let filter = match query.filter {
            None => Some(None),
            Some(resolved) => typed_filter::<T>(resolved).map(Some),
        };
        let sort = match query.sort_by {
            None => Some(None),
            Some(attr) => typed_sort::<T>(&attr).map(|sort| Some((sort, query.sort_order))),
        };
        // 1. All pushed down, when both have a typed form. When the backend declines a list
        // without a sort, it declined the filter: step 2 would ask the same again.
        let mut filter_declined = false;
        if query.keyset.is_some() {
            // The backend API pages by index only: a cursor page is cut here, from the matches
            // in keyset order, which is correct at the cost of reading every match.
            tracing::info!(target: "scim::typed", resource = scope.kind.name(),
                "a cursor page is cut in memory: the backend API has no keyset paging");
        } else if let (Some(filter), Some(sort)) = (&filter, &sort) {
            let typed = ListQuery {
                filter: filter.clone(),
                sort: *sort,
                start_index: query.start_index,
                count: query.count,
                exclude_members: query.exclude_members && scope.kind.has_members,
            };
            match self.list_for_reply(scope.tenant, typed).await {
                Ok(listed) => {
                    let resources = listed
                        .resources
                        .iter()
                        .map(|s| crate::store::strip_members(represent(scope.kind, s).0, options(query)))
                        .collect();
                    return Ok(Page { total_results: listed.total_results, resources });
                }
                Err(BackendError::Unsupported(reason)) => {
                    tracing::info!(target: "scim::typed", resource = scope.kind.name(), %reason,
                        "the backend declined a list; answering it unpaged, with the rest in memory");
                    filter_declined = sort.is_none();
                }
                Err(error) => return Err(scim_error(scope.kind, None, None, error)),
            }
        } else {
            tracing::info!(target: "scim::typed", resource = scope.kind.name(),
                typed_filter = filter.is_some(), typed_sort = sort.is_some(),
                "a filter or sort has no typed form; evaluating it in memory");
        }
        // 2. The filter pushed down, unpaged; 3. everything the tenant has. Then the rest here.
        let mut matches = None;
        if let Some(Some(filter)) = filter
            && !filter_declined
        {
            let typed = ListQuery { filter: Some(filter), ..ListQuery::everything() };
            matches = self.try_list(scope, &typed).await?;
        }
        let matches = match matches {
            Some(matches) => matches,
            None => {
                let everything = self.try_list(scope, &ListQuery::everything()).await?.ok_or_else(|| {
                    ScimError::internal(format!("the {} backend cannot list its resources", scope.kind.name()))
                })?;
                match query.filter {
                    Some(resolved) => everything.into_iter().filter(|r| resolved.matches(r)).collect(),
                    None => everything,
                }
            }
        };
        let (total_results, page) = page_in_memory(matches, |r| r, query)?;
        let resources = page.into_iter().map(|r| crate::store::strip_members(r, options(query))).collect();
        Ok(Page { total_results, resources })
    }

    async fn list_for_response(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<FetchedPage> {
        self.list(scope, query).await.map(FetchedPage::from)
    }

    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        let expected = self.expected_version(scope, id, if_match).await?;
        self.write(scope, id, &resource, expected).await
    }

    async fn patch(
        &self,
        scope: Scope<'_>,
        id: &str,
        operations: &[PatchOperation],
        if_match: Option<&str>,
        options: GetOptions,
    ) -> ScimResult<Value> {
        if let Some(capability) = self.backend.members()
            && scope.kind.has_members
            && if_match.is_none()
            && let Some(changes) = member_changes(operations, scope.kind)?
        {
            return self.patch_members(capability, scope, id, &changes, options).await;
        }
        let read = || self.read(scope, id);
        let write = |patched: Value, version: u64| async move { self.write(scope, id, &patched, Some(version)).await };
        patch_versioned(scope.kind, id, operations, if_match, options, read, write).await
    }

    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        let expected = self.expected_version(scope, id, if_match).await?;
        match self.backend.delete(scope.tenant, id, expected).await {
            Ok(()) => Ok(()),
            Err(BackendError::NotFound) if expected.is_some() => Err(self.gone_or_changed(scope, id).await),
            Err(error) => Err(scim_error(scope.kind, Some(id), None, error)),
        }
    }

    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        for member in members {
            crate::store::member_id(member)?;
        }
        if let Some(capability) = self.backend.members() {
            return capability
                .add_members(scope.tenant, group_id, members)
                .await
                .map_err(|e| scim_error(scope.kind, Some(group_id), None, e));
        }
        // Without the capability: get, add, replace on the version read (the PATCH loop).
        let operation = PatchOperation::add(Some("members"), Value::Array(members.to_vec()))?;
        self.patch(scope, group_id, &[operation], None, GetOptions { exclude_members: true }).await.map(drop)
    }

    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        if let Some(capability) = self.backend.members() {
            return capability
                .remove_members(scope.tenant, group_id, member_ids)
                .await
                .map_err(|e| scim_error(scope.kind, Some(group_id), None, e));
        }
        if member_ids.is_empty() {
            return Ok(());
        }
        // `remove members` with a value list removes just those (Entra ID's form).
        let listed = member_ids.iter().map(|id| serde_json::json!({ "value": id })).collect();
        let mut operation = PatchOperation::remove("members")?;
        operation.value = Some(Value::Array(listed));
        self.patch(scope, group_id, &[operation], None, GetOptions { exclude_members: true }).await.map(drop)
    }

    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<HashSet<String>> {
        self.backend.existing_ids(scope.tenant, ids).await.map_err(|e| scim_error(scope.kind, None, None, e))
    }
}

/// What one operation of a members-only PATCH does, as the PATCH engine's [`MemberDelta`] says.
struct MemberChange {
    /// Elements to add, checked and canonicalised by the engine.
    added: Vec<Value>,
    /// Ids to remove.
    removed: Vec<String>,
}

/// The changes of a PATCH whose every operation adds or removes named members (Entra ID's and
/// Okta's group PATCH: see [`targeted_member_ids`]), one per operation, or `None` for any other
/// PATCH, which goes through read, apply and replace.
///
/// Each operation is applied on its own to a group holding just the members it removes (an
/// addition to none, so that all it adds are in the delta): the capability's calls leave
/// present members and absent ids alone, so replaying the deltas in order on the stored group
/// is what the PATCH does to it.
fn member_changes(operations: &[PatchOperation], kind: &ResourceKind) -> ScimResult<Option<Vec<MemberChange>>> {
    let mut changes = Vec::with_capacity(operations.len());
    for operation in operations {
        let Some(named) = targeted_member_ids(std::slice::from_ref(operation)) else { return Ok(None) };
        let mut group = Map::new();
        if operation.op == PatchOpKind::Remove && !named.is_empty() {
            let present = named.iter().map(|id| serde_json::json!({ "value": id })).collect();
            group.insert("members".to_owned(), Value::Array(present));
        }
        let mut group = Value::Object(group);
        let delta: MemberDelta = apply_patch(&mut group, std::slice::from_ref(operation), &kind.schema)?.members;
        // Another attribute changed, or the whole list was replaced: not a members-only PATCH.
        let others = group.as_object().is_some_and(|map| map.keys().any(|k| k != "members" && k != "schemas"));
        if others || delta.replaced || delta.is_empty() {
            return Ok(None);
        }
        let elements = group.get("members").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let added = delta
            .added
            .iter()
            .filter_map(|id| elements.iter().find(|e| crate::store::member_id(e).ok() == Some(id.as_str())))
            .cloned()
            .collect();
        changes.push(MemberChange { added, removed: delta.removed });
    }
    Ok(Some(changes))
}

impl<T: Queryable, B: Backend<T>> TypedStore<T, B> {
    /// A members-only PATCH through the backend's [`Members`] capability: each operation is at
    /// most two calls naming only the members of the request, in request order; no whole-group
    /// write. The reply is read as the response needs it (see [`Self::read_with`]).
    async fn patch_members(
        &self,
        capability: &dyn Members,
        scope: Scope<'_>,
        id: &str,
        changes: &[MemberChange],
        options: GetOptions,
    ) -> ScimResult<Value> {
        for change in changes {
            if !change.added.is_empty() {
                capability
                    .add_members(scope.tenant, id, &change.added)
                    .await
                    .map_err(|e| scim_error(scope.kind, Some(id), None, e))?;
            }
            if !change.removed.is_empty() {
                capability
                    .remove_members(scope.tenant, id, &change.removed)
                    .await
                    .map_err(|e| scim_error(scope.kind, Some(id), None, e))?;
            }
        }
        self.read_with(scope, id, options).await
    }
}

fn options(query: &StoreQuery<'_>) -> GetOptions {
    GetOptions { exclude_members: query.exclude_members }
}
