//! Storage of SCIM resources: the [`Store`] trait a backend implements, and two stores:
//! [`MemoryStore`] (tests, demos) and, with the `sqlite` feature (on by default),
//! [`SqliteStore`] (sqlx, WAL), the store of every generated server.
//!
//! # Contract
//!
//! - **Resources** are canonical JSON objects (see the crate docs). A store assigns `id`
//!   (a UUID v4) on [`Store::create`] and maintains `meta`: `resourceType`, `created`,
//!   `lastModified` and `version` (a weak ETag, `W/"n"`, with `n` counting the changes). It
//!   does not set `meta.location`: that depends on the server's base URL.
//! - **Tenancy**: every call carries a [`Scope`]: the caller's tenant and the [`ResourceKind`].
//!   A store never lets one tenant read, list, match a uniqueness conflict against, or modify
//!   another tenant's resources; a resource of another tenant is simply "not found".
//! - **Uniqueness**: attributes with `uniqueness` `server` or `global` (`userName` of User)
//!   are unique per tenant and resource type, compared case-insensitively unless the attribute
//!   is `caseExact`; a conflict is `409 uniqueness` naming the attribute and the value. The
//!   server may make more attributes unique ([`ResourceKind::with_unique`]: a group's
//!   `displayName`); stores check those in their write transaction, without a unique index.
//!   A write checks only unique values that are new or changed.
//! - **Ids**: [`Store::existing_ids`] tells which of a batch of ids exist, in one call.
//! - **Versions**: `if_match` is the ETag the client sent in `If-Match` (`W/"3"`, `"3"` or
//!   `*`); when it does not name the current version the call fails with `412` and changes
//!   nothing.
//! - **Lists**: [`Store::list`] gets the resolved filter, sort, page and whether `members` are
//!   wanted, so a store can push all of them down; `totalResults` counts every match of the
//!   filter, not just the page. Results are ordered by the sort attribute (RFC 7644 section
//!   3.4.2.3: the lower-cased value unless `caseExact`; for a multi-valued attribute the
//!   primary element's value, else the first element's; resources without a value last when
//!   ascending and first when descending), ties and unsorted lists in creation order.
//!   With [`StoreQuery::keyset`] (RFC 9865 cursors) the order is the keyset order of
//!   [`keyset`] instead (ties by `id`) and the page starts after a position, never at an offset.
//! - **Members**: a group's `members` can change by delta ([`Store::add_members`],
//!   [`Store::remove_members`]), so adding one member to a group of 100 000 neither loads nor
//!   rewrites the others. Reading a group with [`GetOptions::exclude_members`] (for
//!   `excludedAttributes=members`) skips them.
//! - **Responses**: the server reads through [`Store::get_for_response`] and
//!   [`Store::list_for_response`], which by default wrap [`Store::get`] and [`Store::list`]. A
//!   store keeping documents as JSON text may return the text itself ([`Fetched::Plain`]) for
//!   documents it checked with [`crate::plain::is_plain`] under [`crate::plain::schema_tag`], so
//!   that the default response form is the text with `meta.location` spliced in, without
//!   parsing and re-serialising it ([`SqliteStore`] does).
//! - **Memberships**: [`Store::memberships`] tells which groups list a batch of members, so
//!   the server can compute users' `groups` on read with one query per response.
//! - **PATCH**: the default [`Store::patch`] is get, [`apply_patch`], and replace with the
//!   version read, retried if another writer got in between; a store may override it.
//! - **Errors** are [`ScimError`]s; a failure inside the backend is a `500` whose detail
//!   does not leak SQL or data.

pub(crate) mod keyset;
pub(crate) mod kind;
pub(crate) mod membership;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod sort;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use async_trait::async_trait;
use serde_json::{Map, Value};

pub use crate::version::{etag_list_names, meta_version, parse_version, version_tag};
pub use keyset::{Keyset, KeysetPosition, compare_positions, keyset_position, keyset_sort_attr};
pub use kind::{IndexedAttr, IndexedShape, ResourceKind, Scalar, format_instant, normalise_instant};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use sort::{compare_keys, sort_key, sort_target};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::Ident;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use crate::error::{ScimError, ScimResult};
use crate::filter::ResolvedFilter;
use crate::patch::{PatchOperation, apply_patch};
use crate::query::SortOrder;
use crate::schema::ResolvedAttr;

/// How a database store sizes and times its connections: [`open`]'s options, from a server's
/// `--db-pool-size`, `--db-acquire-timeout` and `--db-statement-timeout`. They apply to
/// PostgreSQL; SQLite (one file, one writer) keeps its own fixed pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseOptions {
    /// The most connections the pool opens (per process).
    pub max_connections: u32,
    /// How long a request waits for a free connection (and the first connection may take).
    pub acquire_timeout: std::time::Duration,
    /// The longest a statement may run before the database cancels it; `None` leaves the
    /// database's setting.
    pub statement_timeout: Option<std::time::Duration>,
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        DatabaseOptions {
            max_connections: 10,
            acquire_timeout: std::time::Duration::from_secs(10),
            statement_timeout: Some(std::time::Duration::from_secs(30)),
        }
    }
}

/// Which store a database URL names, for messages and the start banner: `SQLite` for
/// `sqlite:...`, `PostgreSQL` for `postgres://` and `postgresql://`, `None` for anything else.
pub fn database_engine(url: &str) -> Option<&'static str> {
    let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
    match scheme.as_str() {
        "sqlite" => Some("SQLite"),
        "postgres" | "postgresql" => Some("PostgreSQL"),
        _ => None,
    }
}

/// Open the store a database URL names: [`SqliteStore`] for `sqlite://FILE.db` or
/// `sqlite::memory:`, `PostgresStore` for `postgres://USER:PASSWORD@HOST/DATABASE` (feature
/// `postgres`; the database must exist, the tables are made when the server registers its
/// resource types). `500` naming the URL (without its password) for anything else.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub async fn open(url: &str, options: &DatabaseOptions) -> ScimResult<std::sync::Arc<dyn Store>> {
    match database_engine(url) {
        #[cfg(feature = "sqlite")]
        Some("SQLite") => {
            let _ = options;
            Ok(std::sync::Arc::new(SqliteStore::connect(url).await?))
        }
        #[cfg(feature = "postgres")]
        Some("PostgreSQL") => Ok(std::sync::Arc::new(PostgresStore::connect_with(url, options).await?)),
        Some(engine) => Err(ScimError::internal(format!(
            "{engine} databases are not built into this server (enable the scim crate's `{}` feature)",
            engine.to_ascii_lowercase().replace("postgresql", "postgres")
        ))),
        None => Err(ScimError::internal(format!(
            "unknown database URL `{}`: use sqlite://FILE.db, sqlite::memory: or postgres://USER:PASSWORD@HOST/DATABASE",
            shown_url(url)
        ))),
    }
}

/// A database URL as messages and the banner may show it: its password (in the authority or
/// a `password` query parameter) replaced by `***`.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let shown = match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{credentials}@{host}"),
        },
        None => authority.to_owned(),
    };
    let path = path.map(|p| {
        // A password may also come as a query parameter.
        let mut parts = p.splitn(2, '?');
        let base = parts.next().unwrap_or_default();
        match parts.next() {
            Some(query) => {
                let query: Vec<String> = query
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                        _ => pair.to_owned(),
                    })
                    .collect();
                format!("{base}?{}", query.join("&"))
            }
            None => base.to_owned(),
        }
    });
    match path {
        Some(path) => format!("{scheme}://{shown}/{path}"),
        None => format!("{scheme}://{shown}"),
    }
}

/// `400 invalidValue` for a value holding U+0000, which PostgreSQL's `text` and `jsonb` cannot
/// hold (in a resource, a filter literal or a member).
#[cfg(feature = "postgres")]
pub(crate) fn postgres_nul_error() -> ScimError {
    ScimError::invalid_value("values cannot contain the character U+0000 (NUL): this server's database cannot store it")
}

/// Who is asking, and about which kind of resource. Passed to every store call.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The caller's tenant. Resources of other tenants are invisible.
    pub tenant: &'a str,
    /// The resource type.
    pub kind: &'a ResourceKind,
}

impl<'a> Scope<'a> {
    /// A scope for `tenant` and `kind`.
    pub fn new(tenant: &'a str, kind: &'a ResourceKind) -> Self {
        Scope { tenant, kind }
    }
}

/// Options of [`Store::get`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GetOptions {
    /// Leave a group's `members` out (`excludedAttributes=members`): they are not read at all.
    pub exclude_members: bool,
}

/// A list query, resolved against the resource type's schema.
#[derive(Debug, Clone, Copy)]
pub struct StoreQuery<'q> {
    /// The filter; `None` lists everything.
    pub filter: Option<&'q ResolvedFilter<'q>>,
    /// The attribute to sort by; `None` keeps creation order.
    pub sort_by: Option<ResolvedAttr<'q>>,
    /// The sort direction.
    pub sort_order: SortOrder,
    /// The 1-based index of the first result (values below 1 count as 1).
    pub start_index: usize,
    /// The most results to return; `None` for all from `start_index`, `Some(0)` for only the
    /// total.
    pub count: Option<usize>,
    /// Leave groups' `members` out.
    pub exclude_members: bool,
    /// Keyset paging (RFC 9865 cursors) instead of `start_index`: ties by `id`, and the page
    /// starts after a position (see [`keyset`]). `totalResults` still counts every match.
    pub keyset: Option<Keyset<'q>>,
    /// The kind with members (Group) whose member lists a filter on the computed `groups` of
    /// RFC 7643 section 4.1.2 tests (`groups.value eq "g"`: the users group `g` lists as
    /// direct members). The server sets it only for a store that
    /// [answers such filters](Store::answers_membership_filters) with that kind; `None` leaves
    /// `groups` an ordinary attribute, which no store holds, so such a filter is refused.
    pub memberships: Option<&'q ResourceKind>,
}

impl Default for StoreQuery<'_> {
    fn default() -> Self {
        StoreQuery {
            filter: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            start_index: 1,
            count: None,
            exclude_members: false,
            keyset: None,
            memberships: None,
        }
    }
}

impl StoreQuery<'_> {
    /// The number of matches to skip (none for a keyset page, which starts at its position).
    pub fn offset(&self) -> usize {
        if self.keyset.is_some() { 0 } else { self.start_index.max(1) - 1 }
    }

    /// Whether this is a keyset page after the first: earlier pages hold matches too, so the
    /// page's length does not tell `totalResults`.
    pub fn continues_keyset(&self) -> bool {
        self.keyset.is_some_and(|keyset| keyset.after.is_some())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// How many resources match the filter in all (RFC 7644 `totalResults`).
    pub total_results: usize,
    /// The resources of the page, in order.
    pub resources: Vec<Value>,
}

/// A resource as a store hands it over for a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// The resource as a value (the server projects and serialises it).
    Value(Value),
    /// The stored JSON text, which the store checked with [`crate::plain::is_plain`] under
    /// the resource type's current schema when it wrote it: its default response form is the
    /// text with `meta.location` spliced in, and `id` and `version` are its `id` and
    /// `meta.version` (`W/"n"`).
    Plain { id: String, text: String, version: String },
}

impl Fetched {
    /// The resource as a value, parsing a plain document.
    pub fn into_value(self) -> ScimResult<Value> {
        match self {
            Fetched::Value(value) => Ok(value),
            Fetched::Plain { text, .. } => {
                serde_json::from_str(&text).map_err(|_| ScimError::internal("a stored resource is not valid JSON"))
            }
        }
    }

    /// The resource's `meta.version`.
    pub fn version(&self) -> Option<&str> {
        match self {
            Fetched::Value(value) => meta_version(value),
            Fetched::Plain { version, .. } => Some(version),
        }
    }
}

/// One page of a list, as [`Fetched`] resources.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedPage {
    /// How many resources match the filter in all (RFC 7644 `totalResults`).
    pub total_results: usize,
    /// The resources of the page, in order.
    pub resources: Vec<Fetched>,
}

impl From<Page> for FetchedPage {
    fn from(page: Page) -> Self {
        FetchedPage {
            total_results: page.total_results,
            resources: page.resources.into_iter().map(Fetched::Value).collect(),
        }
    }
}

/// A storage backend for SCIM resources. See the [module documentation](self) for the contract
/// every implementation keeps.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Prepare storage for these resource types (create tables and indexes; add columns for
    /// attributes indexed since the last run and fill them from the stored resources).
    /// Idempotent; called once at start-up.
    async fn register(&self, kinds: &[std::sync::Arc<ResourceKind>]) -> ScimResult<()>;

    /// Close the storage cleanly when the server stops (after the last request): a database
    /// store closes its connection pool, so SQLite checkpoints its write-ahead log and
    /// PostgreSQL ends its sessions instead of seeing them drop. Default: nothing to close.
    async fn close(&self) {}

    /// Store a new resource (a validated, canonical body) and return it with `id` and `meta`.
    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value>;

    /// Store a resource keeping its `id` (and `meta.created`/`lastModified` when given): for
    /// migrations, bulk loads and fixtures. `409 uniqueness` when the id is taken.
    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value>;

    /// The resource with this id; `404` when the tenant has none.
    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value>;

    /// The resources matching `query`, sorted and paged.
    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page>;

    /// [`Store::get`] for a response: a store that keeps documents as checked JSON text may
    /// hand the text back ([`Fetched::Plain`]) so that the server need not parse and
    /// re-serialise it. The default is [`Store::get`]'s value.
    async fn get_for_response(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Fetched> {
        self.get(scope, id, options).await.map(Fetched::Value)
    }

    /// [`Store::list`] for a response, as [`Store::get_for_response`] is to [`Store::get`].
    async fn list_for_response(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<FetchedPage> {
        self.list(scope, query).await.map(FetchedPage::from)
    }

    /// Replace a resource with `resource` (PUT), keeping `id` and `meta.created`.
    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value>;

    /// Apply PATCH operations atomically: all of them or, on any error, none. Returns the
    /// resource after the change (without `members` when `options.exclude_members`, which a
    /// server answering `204 No Content` or honouring `excludedAttributes=members` should set,
    /// so that patching a large group does not read all its members back).
    async fn patch(
        &self,
        scope: Scope<'_>,
        id: &str,
        operations: &[PatchOperation],
        if_match: Option<&str>,
        options: GetOptions,
    ) -> ScimResult<Value> {
        patch_by_replace(self, scope, id, operations, if_match, options).await
    }

    /// Which of `ids` are resources of the scope's tenant and resource type, for checking a
    /// group's members before anything is written. One call per request, whatever the number
    /// of ids: [`SqliteStore`] answers with one indexed `id IN (...)` query per 500 ids and
    /// [`MemoryStore`] with map lookups. The default reads each id with [`Store::get`] (without
    /// members), which is right for any store, if slower.
    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<std::collections::HashSet<String>> {
        let mut found = std::collections::HashSet::new();
        for id in ids {
            match self.get(scope, id, GetOptions { exclude_members: true }).await {
                Ok(_) => {
                    found.insert((*id).to_owned());
                }
                Err(error) if error.status == 404 => {}
                Err(error) => return Err(error),
            }
        }
        Ok(found)
    }

    /// Which groups of this scope's kind (a kind with members) list each of `member_ids` as a
    /// direct member: what a user's `groups` (RFC 7643 section 4.1.2) is computed from on read,
    /// never stored in the user. One call per response, whatever the number of ids (a whole
    /// list page at once): [`SqliteStore`] and `PostgresStore` answer with one indexed query on
    /// the members table per 500 ids, [`MemoryStore`] from its groups. The memberships come in
    /// the groups' creation order.
    ///
    /// `None` when the store cannot answer that cheaply: the server then leaves `groups` out
    /// rather than show it empty or wrong. That is the default, and what typed group backends
    /// give (their [`crate::typed::backend::Members`] capability adds and removes, but cannot
    /// look members up).
    async fn memberships(&self, scope: Scope<'_>, member_ids: &[&str]) -> ScimResult<Option<Vec<Membership>>> {
        let _ = (scope, member_ids);
        Ok(None)
    }

    /// [`Store::get_for_response`] together with which groups of `groups` (a kind with members
    /// that this same store keeps) list the resource, read by one statement where the store
    /// can: a user's `groups` without a second round trip. `memberships` is `None` when the
    /// store did not read them (the default): the server then asks [`Store::memberships`].
    async fn get_with_memberships(
        &self,
        scope: Scope<'_>,
        id: &str,
        options: GetOptions,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<Fetched>> {
        let _ = groups;
        Ok(WithMemberships { read: self.get_for_response(scope, id, options).await?, memberships: None })
    }

    /// [`Store::list_for_response`] together with the memberships of the page's resources in
    /// `groups`, as [`Store::get_with_memberships`] is to [`Store::get_for_response`].
    async fn list_with_memberships(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<FetchedPage>> {
        let _ = groups;
        Ok(WithMemberships { read: self.list_for_response(scope, query).await?, memberships: None })
    }

    /// Whether [`Store::list`] answers a filter on users' computed `groups` (see
    /// [`StoreQuery::memberships`]) from the member lists of `groups`, a kind with members
    /// registered with this same store: the users a group lists as direct members are found in
    /// the store's own data, so the filter is exact. The server asks before it sends such a
    /// filter, and refuses it (`400 invalidFilter`) when the answer is no: the default, and
    /// what a store holding users apart from their groups must say.
    ///
    /// A store that says yes evaluates, for each user, its `groups` as the elements
    /// `{"value": <group id>}` of the groups of `groups` in the caller's tenant that list it;
    /// the server sends only `groups.value` with `eq`, `ne`, `pr`, `groups pr` and
    /// `groups[...]` over `value` with those.
    fn answers_membership_filters(&self, groups: &ResourceKind) -> bool {
        let _ = groups;
        false
    }

    /// Delete a resource (and a group's memberships).
    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()>;

    /// Add members (elements such as `{"value": "id", "type": "User"}`) to a group; members
    /// already there are left as they are. `404` when the group does not exist.
    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()>;

    /// Remove members by id; ids that are not members are ignored.
    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()>;
}

/// A read for a response and, when the store read them in the same statement, the memberships
/// of what it read ([`Store::get_with_memberships`], [`Store::list_with_memberships`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WithMemberships<T> {
    /// The resource or page.
    pub read: T,
    /// Which groups list the resources read, in the groups' creation order; `None` when the
    /// store did not read them.
    pub memberships: Option<Vec<Membership>>,
}

/// One direct membership: a group lists a member ([`Store::memberships`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The member's id (a user's).
    pub member: String,
    /// The group's id.
    pub group: String,
    /// The group's `displayName`, if it has one.
    pub display: Option<String>,
}

/// How often [`patch_versioned`] retries when another writer changed the resource between its
/// read and its write.
const PATCH_ATTEMPTS: usize = 5;

/// The default [`Store::patch`]: read the resource, apply the operations, and replace it if
/// its version is still the one read (retrying a few times if not). `If-Match` is checked
/// against the version read.
pub async fn patch_by_replace<S: Store + ?Sized>(
    store: &S,
    scope: Scope<'_>,
    id: &str,
    operations: &[PatchOperation],
    if_match: Option<&str>,
    options: GetOptions,
) -> ScimResult<Value> {
    let read = || async move {
        let current = store.get(scope, id, GetOptions::default()).await?;
        let version = parse_version(meta_version(&current).unwrap_or_default())
            .ok_or_else(|| ScimError::internal(format!("{} {id} has no version", scope.kind.name())))?;
        Ok((current, version))
    };
    let write = |patched: Value, version: u64| async move {
        store.replace(scope, id, patched, Some(&version_tag(version))).await
    };
    patch_versioned(scope.kind, id, operations, if_match, options, read, write).await
}

/// The loop of every read-apply-replace PATCH: `read` the resource and its version, check
/// `If-Match` against that version, apply the operations, and `write` the result on condition
/// that the resource is still at the version read (a `412` from `write` means another writer got
/// in between: read again, a few times). Nothing is written when the operations change nothing.
/// [`patch_by_replace`] runs it over a [`Store`]'s get and replace, typed backends over theirs.
pub(crate) async fn patch_versioned<Read, Reading, Write, Writing>(
    kind: &ResourceKind,
    id: &str,
    operations: &[PatchOperation],
    if_match: Option<&str>,
    options: GetOptions,
    read: Read,
    write: Write,
) -> ScimResult<Value>
where
    Read: Fn() -> Reading,
    Reading: Future<Output = ScimResult<(Value, u64)>>,
    Write: Fn(Value, u64) -> Writing,
    Writing: Future<Output = ScimResult<Value>>,
{
    for _ in 0..PATCH_ATTEMPTS {
        let (current, version) = read().await?;
        check_if_match(kind, id, if_match, version)?;
        let mut patched = current.clone();
        let outcome = apply_patch(&mut patched, operations, &kind.schema)?;
        if !outcome.changed {
            return Ok(strip_members(current, options));
        }
        match write(patched, version).await {
            Err(error) if error.status == 412 => continue,
            other => return other.map(|r| strip_members(r, options)),
        }
    }
    Err(ScimError::conflict(format!(
        "{} {id} kept changing while the PATCH was applied; retry the request",
        kind.name()
    )))
}

/// `resource` without `members` when the options exclude them.
pub(crate) fn strip_members(mut resource: Value, options: GetOptions) -> Value {
    if options.exclude_members
        && let Some(map) = resource.as_object_mut()
    {
        map.shift_remove("members");
    }
    resource
}

/// `412` unless `if_match` is absent, `*`, or names `current` (RFC 7644 section 3.14).
pub fn check_if_match(kind: &ResourceKind, id: &str, if_match: Option<&str>, current: u64) -> ScimResult<()> {
    let Some(if_match) = if_match else { return Ok(()) };
    if etag_list_names(if_match, current) {
        Ok(())
    } else {
        Err(ScimError::precondition_failed(format!(
            "{} {id} is at version {}, not {if_match}",
            kind.name(),
            version_tag(current)
        )))
    }
}

/// `404` naming the resource type and id.
pub fn not_found(kind: &ResourceKind, id: &str) -> ScimError {
    ScimError::not_found(format!("{} {id} not found", kind.name()))
}

/// The current time as RFC 3339 UTC text, as `meta.created`/`lastModified` carry it.
pub fn now_rfc3339() -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The times and version a store keeps for a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// `meta.created`.
    pub created: String,
    /// `meta.lastModified`.
    pub last_modified: String,
    /// The version number.
    pub version: u64,
}

/// The body as an object, or `400 invalidSyntax`.
pub(crate) fn into_object(resource: Value) -> ScimResult<Map<String, Value>> {
    match resource {
        Value::Object(map) => Ok(map),
        other => Err(ScimError::invalid_syntax(format!(
            "a resource must be a JSON object, not {}",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ))),
    }
}

/// The stored form of a resource: `schemas` first, then `id`, the body's other attributes
/// (without `members` when `members` is `Some`, which receives them), and `meta` last.
pub(crate) fn record(
    kind: &ResourceKind,
    id: &str,
    mut body: Map<String, Value>,
    meta: &Meta,
    members: Option<&mut Vec<Value>>,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(body.len() + 2);
    if let Some(schemas) = body.remove("schemas") {
        out.insert("schemas".to_owned(), schemas);
    }
    out.insert("id".to_owned(), Value::String(id.to_owned()));
    body.remove("id");
    body.remove("meta");
    if let Some(members) = members
        && let Some(Value::Array(list)) = body.remove("members")
    {
        members.extend(list.into_iter().filter(|m| !m.is_null()));
    }
    out.extend(body);
    out.insert("meta".to_owned(), meta_value(kind, meta));
    out
}

/// The `meta` object (without `location`).
pub(crate) fn meta_value(kind: &ResourceKind, meta: &Meta) -> Value {
    let mut map = Map::new();
    map.insert("resourceType".to_owned(), Value::String(kind.name().to_owned()));
    map.insert("created".to_owned(), Value::String(meta.created.clone()));
    map.insert("lastModified".to_owned(), Value::String(meta.last_modified.clone()));
    map.insert("version".to_owned(), Value::String(version_tag(meta.version)));
    Value::Object(map)
}

/// Put `members` back into a stored record, just before `meta` (an empty list is left out,
/// as absent attributes are).
pub(crate) fn with_members(mut record: Map<String, Value>, members: Vec<Value>) -> Map<String, Value> {
    if members.is_empty() {
        return record;
    }
    let meta = record.remove("meta");
    record.insert("members".to_owned(), Value::Array(members));
    if let Some(meta) = meta {
        record.insert("meta".to_owned(), meta);
    }
    record
}

/// The member id of a `members` element, or `400 invalidValue`.
pub(crate) fn member_id(element: &Value) -> ScimResult<&str> {
    kind::lookup(element, "value").and_then(Value::as_str).filter(|id| !id.is_empty()).ok_or_else(|| {
        ScimError::invalid_value(format!("a member must have a non-empty string `value`, found {element}"))
    })
}

/// The `id` an imported resource carries, or `400 invalidValue`.
pub(crate) fn import_id(body: &Map<String, Value>) -> ScimResult<String> {
    body.get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ScimError::invalid_value("an imported resource must carry a non-empty string `id`"))
}

/// `meta.created`/`lastModified` of an imported body, defaulting to now.
pub(crate) fn import_meta(body: &Map<String, Value>) -> Meta {
    let now = now_rfc3339();
    let field = |name: &str| {
        body.get("meta")
            .and_then(|m| m.get(name))
            .and_then(Value::as_str)
            .filter(|t| normalise_instant(t).is_some())
            .map(str::to_owned)
    };
    let created = field("created").unwrap_or_else(|| now.clone());
    let last_modified = field("lastModified").unwrap_or_else(|| created.clone());
    Meta { created, last_modified, version: 1 }
}

/// The unique values of a resource: for each unique indexed attribute, its comparison value
/// (lower-cased unless `caseExact`).
pub(crate) fn unique_values<'k>(kind: &'k ResourceKind, record: &Value) -> Vec<(&'k IndexedAttr, Scalar)> {
    kind.unique()
        .filter_map(|attr| {
            let value = attr.scalar(record)?;
            Some((attr, if attr.case_exact { value } else { value.lowered() }))
        })
        .collect()
}

/// The unique values of `record` that a write must check: those that are new, or changed from
/// `previous` (the stored resource it replaces). A value the resource already had is not
/// checked again, so a database holding duplicates from before a uniqueness was configured
/// (group names) still accepts changes to those resources' other attributes.
pub(crate) fn changed_unique_values<'k>(
    kind: &'k ResourceKind,
    record: &Value,
    previous: Option<&Value>,
) -> Vec<(&'k IndexedAttr, Scalar)> {
    let before = previous.map(|previous| unique_values(kind, previous)).unwrap_or_default();
    unique_values(kind, record)
        .into_iter()
        .filter(|(attr, value)| !before.iter().any(|(old, old_value)| old.path == attr.path && old_value == value))
        .collect()
}

/// `409 uniqueness` naming the attribute and the value.
pub(crate) fn uniqueness_conflict(kind: &ResourceKind, attr: &IndexedAttr, record: &Value) -> ScimError {
    let shown = attr.scalar(record).map(|s| match s {
        Scalar::Text(t) => format!("{t:?}"),
        Scalar::Int(i) => i.to_string(),
        Scalar::Real(r) => r.to_string(),
    });
    ScimError::uniqueness(format!("{} {} {} is already in use", kind.name(), attr.path, shown.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(shown_url("postgres://scim:s3cret@db:5432/scim"), "postgres://scim:***@db:5432/scim");
        assert_eq!(shown_url("postgres://scim@db/scim?sslmode=require"), "postgres://scim@db/scim?sslmode=require");
        assert_eq!(shown_url("postgres://db/scim?user=a&password=p"), "postgres://db/scim?user=a&password=***");
        assert_eq!(shown_url("postgres://u:p@db"), "postgres://u:***@db");
        assert_eq!(shown_url("sqlite://acme-scim.db"), "sqlite://acme-scim.db");
    }

    #[test]
    fn etags_parse_in_every_form_clients_send() {
        assert_eq!(version_tag(3), "W/\"3\"");
        for tag in ["W/\"3\"", "\"3\"", "3", " W/\"3\" "] {
            assert_eq!(parse_version(tag), Some(3), "{tag}");
        }
        assert_eq!(parse_version("W/\"x\""), None);
    }
}
