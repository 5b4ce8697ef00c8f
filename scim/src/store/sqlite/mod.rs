//! [`SqliteStore`]: resources in SQLite through sqlx, in WAL mode; the default store of every
//! generated server.
//!
//! Each resource type has a table holding the resource document as JSON plus a promoted,
//! indexed column per indexed single-valued attribute (with a lower-cased copy for attributes
//! that are not `caseExact`), and a side table per indexed multi-valued attribute with a row
//! per element, so `emails.value eq "x"` is an index lookup too. A group's members live only in
//! their own table, keyed by (tenant, group, member), so adding or removing one member is one
//! `INSERT OR IGNORE` or `DELETE` whatever the group's size. See [`ddl`] for the schema and
//! [`compile`] for how filters become SQL. Every statement is built by [`sql::Sql`], which
//! accepts only fixed fragments and schema-derived identifiers as text: request data is always
//! a bound parameter.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions (SQLite has one writer; taking the lock up
//! front avoids the deadlock of two readers upgrading), reads of a list (count and page) in
//! one transaction so that `totalResults` and the page agree. Reads of one statement (a
//! resource by id, a lookup by `userName`) run on connections kept out of the pool
//! ([`readers`]), which hand them out without sqlx's ping.

mod ddl;
mod kept;
mod patch;
mod readers;
mod write;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, Sqlite, Transaction};

use super::{
    Fetched, FetchedPage, GetOptions, Meta, Page, ResourceKind, Scope, Store, StoreQuery, WithMemberships,
    check_if_match, import_id, import_meta, into_object, member_id, not_found, now_rfc3339, patch_by_replace, record,
    uniqueness_conflict,
};
use crate::error::{ScimError, ScimResult};
use crate::patch::PatchOperation;
use crate::store::sql::builder::Sql;
use crate::store::sql::compile::Dialect;
use crate::store::sql::list::{count_statement, matches_at_most_one, page_statement, stored_doc_select};
use crate::store::sql::members::{MembershipsFold, read_folded};
use crate::store::sql::{GroupIds, Plans, SqlPlan, SqlScope, database_error, next_meta, statements};

/// A [`Store`] in SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    plans: Plans,
    /// The columns keeping users' memberships ([`kept`]).
    kept: kept::Kept,
    /// Connections kept out of the pool for single-statement reads ([`readers`]).
    readers: Arc<readers::Readers>,
}

/// `500` for a failure inside SQLite (see [`database_error`]).
pub(super) fn storage_error(action: &str, error: &sqlx::Error) -> ScimError {
    database_error("SQLite", action, error)
}

type Tx = Transaction<'static, Sqlite>;

/// How many ids one [`Store::existing_ids`] statement looks up.
const EXISTING_IDS_CHUNK: usize = 500;

/// How much of a database file reads map into memory (`PRAGMA mmap_size`): just under 2 GiB, the
/// most SQLite maps (`SQLITE_MAX_MMAP_SIZE`). Mapped pages are the kernel's page cache, shared by every
/// connection and reclaimable, not the process's own memory.
const MMAP_BYTES: u64 = 0x7fff_0000;

/// Each connection's own page cache (`PRAGMA cache_size`, negative: KiB), for the pages read
/// outside the map: 512 KiB, so that the 8 connections keep at most 4 MiB. SQLite's default of
/// 2 000 KiB each grew the server's memory by 19 MiB at a million users (2 GB of file).
const PAGE_CACHE_KIB: i64 = 512;

impl SqliteStore {
    /// Open (creating if missing) the database at `url`: `sqlite://path/to/file.db`, or
    /// `sqlite::memory:` for a private in-memory database (one connection, kept open, so the
    /// data lives as long as the store). Files use WAL, `synchronous = NORMAL`, a busy
    /// timeout of 5 s, and reads through a memory map of up to 2 GiB of the file (a lookup then
    /// reads its pages from the OS cache directly instead of copying each one through a system
    /// call into every connection's own page cache: a tenth of a lookup's CPU), with at most
    /// 512 KiB of pages cached per connection beyond it.
    pub async fn connect(url: &str) -> ScimResult<SqliteStore> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| ScimError::internal(format!("invalid SQLite URL {url:?}: {e}")))?
            .create_if_missing(true)
            .busy_timeout(Duration::from_secs(5));
        let options = if in_memory {
            options
        } else {
            options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("mmap_size", MMAP_BYTES.to_string())
                .pragma("cache_size", (-PAGE_CACHE_KIB).to_string())
        };
        let pool = if in_memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        };
        // No ping before each acquire (sqlx's default): a SQLite connection is a file handle
        // in this process, not a socket that can go stale, and the ping is a round trip to the
        // connection's worker thread: two context switches of a lookup's six, and 10-20 % of
        // its CPU (BENCHMARKS.md).
        let pool = pool.test_before_acquire(false);
        let pool = pool
            .connect_with(options.clone())
            .await
            .map_err(|e| ScimError::internal(format!("cannot open SQLite database {url:?}: {e}")))?;
        let readers = if in_memory {
            readers::Readers::default()
        } else {
            readers::Readers::open(&options, readers::READERS).await?
        };
        Ok(SqliteStore { pool, plans: Plans::default(), kept: kept::Kept::default(), readers: Arc::new(readers) })
    }

    /// The connection pool (for benchmarks and maintenance).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The layout of a registered kind (`500` for a kind never registered).
    fn plan(&self, kind: &ResourceKind) -> ScimResult<Arc<SqlPlan>> {
        self.plans.get(kind)
    }

    async fn write_tx(&self) -> ScimResult<Tx> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| storage_error("begin a transaction", &e))
    }

    async fn read_tx(&self) -> ScimResult<Tx> {
        self.pool.begin().await.map_err(|e| storage_error("begin a transaction", &e))
    }

    /// The stored document and version of a resource; `404` when the tenant has none.
    async fn load(tx: &mut Tx, scope: SqlScope<'_>, id: &str) -> ScimResult<(Value, u64)> {
        Self::load_with(&mut **tx, scope, id).await
    }

    /// [`SqliteStore::load`] on any executor: a transaction's connection, or the pool when the
    /// one statement is the whole read.
    async fn load_with<'e, E>(executor: E, scope: SqlScope<'_>, id: &str) -> ScimResult<(Value, u64)>
    where
        E: sqlx::Executor<'e, Database = Sqlite>,
    {
        let stored = Self::load_stored(executor, scope, id, None).await?;
        let version = stored.version;
        Ok((stored.into_value(scope)?, version))
    }

    /// The stored row of a resource as it is, with `fold`'s memberships; `404` when the tenant
    /// has none.
    async fn load_stored<'e, E>(
        executor: E,
        scope: SqlScope<'_>,
        id: &str,
        fold: Option<MembershipsFold<'_>>,
    ) -> ScimResult<StoredDoc>
    where
        E: sqlx::Executor<'e, Database = Sqlite>,
    {
        let mut sql = stored_doc_select(Dialect::Sqlite, fold);
        sql.ident(&scope.plan.table).push(" t");
        write::where_row(&mut sql, scope.tenant, id);
        let row = sql.query().fetch_optional(executor).await.map_err(|e| storage_error("read", &e))?;
        StoredDoc::from_row(&row.ok_or_else(|| not_found(scope.kind, id))?, "read", fold.is_some())
    }

    /// [`Store::get_for_response`], with the memberships in `groups` folded into its statement
    /// when given and kept here.
    async fn read_one(
        &self,
        scope: Scope<'_>,
        id: &str,
        options: GetOptions,
        groups: Option<&ResourceKind>,
    ) -> ScimResult<WithMemberships<Fetched>> {
        let plan = self.plan(scope.kind)?;
        let groups_plan = self.plans.groups(groups);
        let kept = groups_plan.as_deref().and_then(|groups| self.kept.column(&plan.table, &groups.table));
        let fold = groups_plan
            .as_deref()
            .and_then(|plan| MembershipsFold::new(plan, scope.tenant))
            .map(|fold| fold.keeping(kept.as_deref().map(|kept| &kept.column)));
        let scope = SqlScope::new(scope, &plan);
        // Without members the read is one statement, consistent by itself: no transaction, whose
        // BEGIN and COMMIT would each be a round trip to the connection's worker thread (they
        // tripled the CPU of a GET /Users/{id}).
        if !scope.kind.has_members || options.exclude_members {
            let mut reader = self.readers.reader(&self.pool).await?;
            let stored = Self::load_stored(&mut *reader, scope, id, fold).await;
            // The read ran to its end, found or not: the reader is idle.
            reader.release();
            let mut stored = stored?;
            let memberships = fold.map(|_| stored.take_memberships());
            return Ok(WithMemberships { read: stored.into_fetched(scope)?, memberships });
        }
        let mut tx = self.read_tx().await?;
        let (doc, _) = Self::load(&mut tx, scope, id).await?;
        let result = Self::assemble(&mut tx, scope, id, doc, options.exclude_members).await?;
        tx.commit().await.map_err(|e| storage_error("read", &e))?;
        Ok(WithMemberships { read: Fetched::Value(result), memberships: None })
    }

    /// [`Store::list_for_response`], with the page's memberships in `groups` folded into its
    /// statement when given and kept here.
    async fn read_page(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: Option<&ResourceKind>,
    ) -> ScimResult<WithMemberships<FetchedPage>> {
        let plan = self.plan(scope.kind)?;
        let groups_plan = self.plans.groups(groups);
        let kept = groups_plan.as_deref().and_then(|groups| self.kept.column(&plan.table, &groups.table));
        let fold = groups_plan
            .as_deref()
            .and_then(|plan| MembershipsFold::new(plan, scope.tenant))
            .map(|fold| fold.keeping(kept.as_deref().map(|kept| &kept.column)));
        let mut memberships = fold.map(|_| Vec::new());
        let filter_groups = self.plans.memberships(query)?;
        let folded = self.folded_group_ids(scope.tenant, filter_groups.as_deref(), query).await?;
        let scope = SqlScope::new(scope, &plan).with_memberships(filter_groups.as_deref(), &folded);
        let page = page_statement(scope, query, Dialect::Sqlite, fold)?;
        // A first page that is not full holds every match, so its length is `totalResults` and
        // the page statement alone answers the list (one round trip instead of four): the
        // common case of Entra ID's and Okta's `userName eq "..."` lookups. Members are read by
        // further statements, so lists that include them keep the transaction.
        let without_members = !scope.kind.has_members || query.exclude_members;
        if query.offset() == 0 && !query.continues_keyset() && query.count != Some(0) && without_members {
            let at_most_one = matches_at_most_one(scope.plan, query.filter);
            let mut reader = self.readers.reader(&self.pool).await?;
            let rows = if at_most_one {
                // The worker stops at the row instead of stepping on to find the end, which
                // would be one more hand-over between threads for the same answer.
                page.query().fetch_optional(&mut *reader).await.map(|row| row.into_iter().collect())
            } else {
                page.query().fetch_all(&mut *reader).await
            };
            // The read ran to its end, with rows or an error: the reader is idle.
            reader.release();
            let rows: Vec<_> = rows.map_err(|e| storage_error("list", &e))?;
            if at_most_one || query.count.is_none_or(|count| rows.len() < count) {
                let resources = rows
                    .iter()
                    .map(|row| {
                        StoredDoc::from_row(row, "list", fold.is_some())?.into_fetched_with(scope, &mut memberships)
                    })
                    .collect::<ScimResult<Vec<_>>>()?;
                let read = FetchedPage { total_results: resources.len(), resources };
                return Ok(WithMemberships { read, memberships });
            }
        }
        let mut tx = self.read_tx().await?;
        let count = count_statement(scope, query, Dialect::Sqlite)?;
        let row = count.query().fetch_one(&mut *tx).await.map_err(|e| storage_error("count", &e))?;
        let total: i64 = row.try_get(0).map_err(|e| storage_error("count", &e))?;
        let total_results = usize::try_from(total).unwrap_or_default();
        let mut resources = Vec::new();
        if query.count != Some(0) && query.offset() < total_results {
            let rows = page.query().fetch_all(&mut *tx).await.map_err(|e| storage_error("list", &e))?;
            for row in rows {
                let stored = StoredDoc::from_row(&row, "list", fold.is_some())?;
                if without_members {
                    resources.push(stored.into_fetched_with(scope, &mut memberships)?);
                } else {
                    let id = stored.id.clone();
                    let doc = stored.into_value(scope)?;
                    resources.push(Fetched::Value(Self::assemble(&mut tx, scope, &id, doc, false).await?));
                }
            }
        }
        tx.commit().await.map_err(|e| storage_error("list", &e))?;
        Ok(WithMemberships { read: FetchedPage { total_results, resources }, memberships })
    }

    /// A group's members, in the order they were added.
    async fn members(tx: &mut Tx, scope: SqlScope<'_>, id: &str) -> ScimResult<Vec<Value>> {
        let Some(side) = scope.plan.members_table() else { return Ok(Vec::new()) };
        let mut sql = Sql::new("SELECT \"elem\" FROM ");
        sql.ident(&side.table);
        write::where_row(&mut sql, scope.tenant, id);
        sql.push(" ORDER BY \"rowid\"");
        let rows = sql.query().fetch_all(&mut **tx).await.map_err(|e| storage_error("read members", &e))?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get(0).map_err(|e| storage_error("read members", &e))?;
                serde_json::from_str(&text).map_err(|_| ScimError::internal("a stored member is not valid JSON"))
            })
            .collect()
    }

    /// The record as returned: the document plus, unless excluded, the members.
    async fn assemble(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        id: &str,
        doc: Value,
        exclude_members: bool,
    ) -> ScimResult<Value> {
        if !scope.kind.has_members || exclude_members {
            return Ok(doc);
        }
        let members = Self::members(tx, scope, id).await?;
        Ok(statements::with_loaded_members(doc, members))
    }

    /// `409 uniqueness` when another resource of the tenant has one of `record`'s unique values
    /// (those new or changed from `previous`, see [`changed_unique_values`]). Writers hold the
    /// database's write lock (`BEGIN IMMEDIATE`), so nothing gets in between this check and
    /// the write: it is what enforces uniqueness that has no unique index.
    async fn check_unique(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        id: &str,
        record: &Value,
        previous: Option<&Value>,
    ) -> ScimResult<()> {
        for (attr, sql) in statements::unique_checks(scope, id, record, previous)? {
            let taken =
                sql.query().fetch_optional(&mut **tx).await.map_err(|e| storage_error("check uniqueness", &e))?;
            if taken.is_some() {
                return Err(uniqueness_conflict(scope.kind, attr, record));
            }
        }
        Ok(())
    }

    /// Write a whole record (create, import, replace): the row, side rows, and the members it
    /// carries (replacing the group's members).
    async fn put(
        &self,
        scope: SqlScope<'_>,
        id: &str,
        body: serde_json::Map<String, Value>,
        existing: Option<Option<&str>>,
        imported: bool,
    ) -> ScimResult<Value> {
        let mut tx = self.write_tx().await?;
        let mut previous = None;
        let (meta, is_new) = match existing {
            None => {
                let meta = if imported {
                    import_meta(&body)
                } else {
                    let now = now_rfc3339();
                    Meta { created: now.clone(), last_modified: now, version: 1 }
                };
                let mut sql = Sql::new("SELECT 1 FROM ");
                sql.ident(&scope.plan.table);
                write::where_row(&mut sql, scope.tenant, id);
                if sql.query().fetch_optional(&mut *tx).await.map_err(|e| storage_error("read", &e))?.is_some() {
                    return Err(ScimError::uniqueness(format!("{} id {id:?} is already in use", scope.kind.name())));
                }
                (meta, true)
            }
            Some(if_match) => {
                let (current, version) = Self::load(&mut tx, scope, id).await?;
                check_if_match(scope.kind, id, if_match, version)?;
                let meta = next_meta(&current, version);
                previous = Some(current);
                (meta, false)
            }
        };
        let mut members = Vec::new();
        let collect = scope.kind.has_members.then_some(&mut members);
        let stored = Value::Object(record(scope.kind, id, body, &meta, collect));
        Self::check_unique(&mut tx, scope, id, &stored, previous.as_ref()).await?;
        if is_new {
            write::insert_main(&mut tx, scope, id, meta.version, &stored).await?;
            self.refresh_kept_member(&mut tx, scope, id).await?;
        } else {
            write::update_main(&mut tx, scope, id, Some(meta.version), &stored).await?;
        }
        write::write_side_rows(&mut tx, scope, id, &stored, !is_new).await?;
        if let Some(side) = scope.plan.members_table() {
            let keeps = self.keeps_memberships_of(scope.plan);
            let listed = if keeps && !is_new { Self::listed_ids(&mut tx, scope, id).await? } else { Vec::new() };
            if !is_new {
                write::delete_rows(&mut tx, side, scope.tenant, id).await?;
            }
            for member in &members {
                write::insert_element(&mut tx, scope, side, id, 0, member).await?;
            }
            if keeps {
                let now: HashSet<&str> = members.iter().map(member_id).collect::<ScimResult<_>>()?;
                let before: HashSet<&str> = listed.iter().map(String::as_str).collect();
                if is_new || kept::display_changed(previous.as_ref(), &stored) {
                    self.refresh_kept_of_group(&mut tx, scope, id).await?;
                    self.refresh_kept(&mut tx, scope, &before.difference(&now).collect::<Vec<_>>()).await?;
                } else {
                    let changed: Vec<_> = before.symmetric_difference(&now).collect();
                    self.refresh_kept(&mut tx, scope, &changed).await?;
                }
            }
        }
        let result = Self::assemble(&mut tx, scope, id, stored, false).await?;
        tx.commit().await.map_err(|e| commit_error(scope.kind, &e))?;
        Ok(result)
    }

    /// Bump a group's version and `lastModified` after its members changed.
    async fn touch(tx: &mut Tx, scope: SqlScope<'_>, id: &str) -> ScimResult<()> {
        let (doc, version) = Self::load(tx, scope, id).await?;
        let meta = next_meta(&doc, version);
        let stored = Value::Object(record(scope.kind, id, into_object(doc)?, &meta, None));
        write::update_main(tx, scope, id, Some(meta.version), &stored).await
    }

    /// Check the group exists and has members, for a member operation.
    async fn member_table_of<'k>(
        tx: &mut Tx,
        scope: SqlScope<'k>,
        group_id: &str,
    ) -> ScimResult<&'k crate::store::sql::SideTable> {
        let side = scope
            .plan
            .members_table()
            .ok_or_else(|| ScimError::bad_request(format!("{} resources have no members", scope.kind.name())))?;
        Self::load(tx, scope, group_id).await?;
        Ok(side)
    }
}

/// A commit that failed on a unique index is a uniqueness conflict another writer won.
fn commit_error(kind: &ResourceKind, error: &sqlx::Error) -> ScimError {
    if error.as_database_error().is_some_and(|e| e.is_unique_violation()) {
        ScimError::uniqueness(format!("a unique attribute of this {} is already in use", kind.name()))
    } else {
        storage_error("commit", error)
    }
}

impl SqliteStore {
    /// The tenant's group ids that a list's case-insensitive literals on `groups` name, where
    /// SQL's `lower` could not tell ([`crate::store::membership::case_folded_literals`]);
    /// nothing is read for the others (group ids this server makes are among them).
    async fn folded_group_ids(
        &self,
        tenant: &str,
        groups: Option<&SqlPlan>,
        query: &StoreQuery<'_>,
    ) -> ScimResult<GroupIds> {
        use crate::store::sql::members::{fold_group_ids, group_ids_to_fold};
        let Some((statement, literals)) = group_ids_to_fold(groups, tenant, query) else { return Ok(GroupIds::new()) };
        let rows = statement.query().fetch_all(&self.pool).await.map_err(|e| storage_error("read group ids", &e))?;
        fold_group_ids("SQLite", &literals, &rows)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        self.readers.close().await;
        self.pool.close().await;
    }

    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        for kind in kinds {
            let plan = SqlPlan::new(kind);
            self.create_tables(kind, &plan).await?;
            self.plans.insert(kind, plan);
        }
        self.keep_memberships().await
    }

    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let body = into_object(resource)?;
        let id = uuid::Uuid::new_v4().to_string();
        let plan = self.plan(scope.kind)?;
        self.put(SqlScope::new(scope, &plan), &id, body, None, false).await
    }

    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let body = into_object(resource)?;
        let id = import_id(&body)?;
        let plan = self.plan(scope.kind)?;
        self.put(SqlScope::new(scope, &plan), &id, body, None, true).await
    }

    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        self.get_for_response(scope, id, options).await?.into_value()
    }

    async fn get_for_response(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Fetched> {
        Ok(self.read_one(scope, id, options, None).await?.read)
    }

    async fn get_with_memberships(
        &self,
        scope: Scope<'_>,
        id: &str,
        options: GetOptions,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<Fetched>> {
        self.read_one(scope, id, options, Some(groups)).await
    }

    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        let page = self.list_for_response(scope, query).await?;
        let resources = page.resources.into_iter().map(Fetched::into_value).collect::<ScimResult<_>>()?;
        Ok(Page { total_results: page.total_results, resources })
    }

    async fn list_for_response(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<FetchedPage> {
        Ok(self.read_page(scope, query, None).await?.read)
    }

    async fn list_with_memberships(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<FetchedPage>> {
        self.read_page(scope, query, Some(groups)).await
    }

    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        let body = into_object(resource)?;
        let plan = self.plan(scope.kind)?;
        self.put(SqlScope::new(scope, &plan), id, body, Some(if_match), false).await
    }

    async fn patch(
        &self,
        scope: Scope<'_>,
        id: &str,
        operations: &[PatchOperation],
        if_match: Option<&str>,
        options: GetOptions,
    ) -> ScimResult<Value> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        if scope.kind.has_members
            && let Some(member_ids) = crate::store::sql::members::targeted_member_ids(operations)
        {
            return self.patch_members_targeted(scope, id, operations, if_match, &member_ids, options).await;
        }
        patch_by_replace(self, Scope::new(scope.tenant, scope.kind), id, operations, if_match, options).await
    }

    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<HashSet<String>> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut found = HashSet::new();
        // Each chunk is one lookup on the (tenant, id) unique index, with every id a bound
        // parameter; chunks keep the statement well under SQLite's parameter limit.
        for chunk in ids.chunks(EXISTING_IDS_CHUNK) {
            let mut sql = Sql::new("SELECT \"id\" FROM ");
            sql.ident(&scope.plan.table).push(" WHERE \"tenant\" = ").bind_text(scope.tenant);
            sql.push(" AND \"id\" IN (");
            for (index, id) in chunk.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.bind_text(id);
            }
            sql.push(")");
            let rows = sql.query().fetch_all(&self.pool).await.map_err(|e| storage_error("look up ids", &e))?;
            for row in rows {
                found.insert(row.try_get::<String, _>(0).map_err(|e| storage_error("look up ids", &e))?);
            }
        }
        Ok(found)
    }

    fn answers_membership_filters(&self, groups: &ResourceKind) -> bool {
        self.plans.holds_members(groups)
    }

    async fn memberships(
        &self,
        scope: Scope<'_>,
        member_ids: &[&str],
    ) -> ScimResult<Option<Vec<crate::store::Membership>>> {
        use crate::store::sql::members::{MEMBERSHIPS_CHUNK, memberships_statement, read_membership};
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let Some(members) = scope.plan.members_table() else { return Ok(Some(Vec::new())) };
        let mut found = Vec::new();
        for chunk in member_ids.chunks(MEMBERSHIPS_CHUNK) {
            let sql = memberships_statement(scope, members, chunk, crate::store::sql::compile::Dialect::Sqlite);
            let rows = sql.query().fetch_all(&self.pool).await.map_err(|e| storage_error("read memberships", &e))?;
            for row in &rows {
                found.push(read_membership("SQLite", row)?);
            }
        }
        Ok(Some(found))
    }

    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut tx = self.write_tx().await?;
        let (_, version) = Self::load(&mut tx, scope, id).await?;
        check_if_match(scope.kind, id, if_match, version)?;
        let listed = if self.keeps_memberships_of(scope.plan) {
            Self::listed_ids(&mut tx, scope, id).await?
        } else {
            Vec::new()
        };
        for side in &scope.plan.side_tables {
            write::delete_rows(&mut tx, side, scope.tenant, id).await?;
        }
        let mut sql = Sql::new("DELETE FROM ");
        sql.ident(&scope.plan.table);
        write::where_row(&mut sql, scope.tenant, id);
        ddl::exec(&mut tx, sql).await?;
        self.refresh_kept(&mut tx, scope, &listed).await?;
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        for member in members {
            member_id(member)?;
        }
        let mut tx = self.write_tx().await?;
        let side = Self::member_table_of(&mut tx, scope, group_id).await?;
        let mut changed = false;
        for member in members {
            changed |= write::insert_element(&mut tx, scope, side, group_id, 0, member).await?;
        }
        if changed {
            Self::touch(&mut tx, scope, group_id).await?;
            let ids = members.iter().map(member_id).collect::<ScimResult<Vec<_>>>()?;
            self.refresh_kept(&mut tx, scope, &ids).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut tx = self.write_tx().await?;
        let side = Self::member_table_of(&mut tx, scope, group_id).await?;
        let value_column = scope
            .plan
            .side_table_column(side, "value")
            .map(|c| &c.column)
            .ok_or_else(|| ScimError::internal("the members table has no value column"))?;
        let mut removed = 0;
        for member in member_ids {
            let mut sql = Sql::new("DELETE FROM ");
            sql.ident(&side.table);
            write::where_row(&mut sql, scope.tenant, group_id);
            sql.push(" AND ").ident(value_column).push(" = ").bind_text(member);
            removed += ddl::exec(&mut tx, sql).await?;
        }
        if removed > 0 {
            Self::touch(&mut tx, scope, group_id).await?;
            self.refresh_kept(&mut tx, scope, member_ids).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }
}

/// A resource's row as stored: the document text, its version, and the schema tag under which
/// the text was found plain ([`crate::plain`]), if it was.
struct StoredDoc {
    id: String,
    text: String,
    version: u64,
    plain: Option<i64>,
    /// The memberships of the folded column ([`MembershipsFold`]), when the read had one.
    memberships: Option<Vec<crate::store::Membership>>,
}

impl StoredDoc {
    /// A row selected by [`stored_doc_select`] (`action` names the read in errors).
    /// `folded`: the row has the memberships column after them.
    fn from_row(row: &sqlx::sqlite::SqliteRow, action: &str, folded: bool) -> ScimResult<StoredDoc> {
        let read = |e: sqlx::Error| storage_error(action, &e);
        // Unchecked: the columns are those of `stored_doc_select`'s statement, so sqlx's check
        // of each column's type would only repeat it; decoding still fails on a wrong value.
        let version: i64 = row.try_get_unchecked(2).map_err(read)?;
        let id: String = row.try_get_unchecked(0).map_err(read)?;
        let memberships = if folded {
            // Read from the row's text, which is not copied.
            let folded: Option<&str> = row.try_get_unchecked(4).map_err(read)?;
            Some(read_folded(&id, folded)?)
        } else {
            None
        };
        Ok(StoredDoc {
            id,
            text: row.try_get_unchecked(1).map_err(read)?,
            version: u64::try_from(version).unwrap_or_default(),
            plain: row.try_get_unchecked(3).map_err(read)?,
            memberships,
        })
    }

    /// The memberships the row's folded column holds (none without one).
    fn take_memberships(&mut self) -> Vec<crate::store::Membership> {
        self.memberships.take().unwrap_or_default()
    }

    /// [`StoredDoc::into_fetched`], adding the row's memberships to `memberships` when the read
    /// folded them.
    fn into_fetched_with(
        mut self,
        scope: SqlScope<'_>,
        memberships: &mut Option<Vec<crate::store::Membership>>,
    ) -> ScimResult<Fetched> {
        if let Some(memberships) = memberships {
            memberships.extend(self.take_memberships());
        }
        self.into_fetched(scope)
    }

    fn into_value(self, scope: SqlScope<'_>) -> ScimResult<Value> {
        serde_json::from_str(&self.text)
            .map_err(|_| ScimError::internal(format!("stored {} {} is not valid JSON", scope.kind.name(), self.id)))
    }

    /// The text itself when it was found plain under the kind's current schema, else the value.
    fn into_fetched(self, scope: SqlScope<'_>) -> ScimResult<Fetched> {
        if self.plain == Some(scope.plan.plain_tag) {
            Ok(Fetched::Plain { id: self.id, text: self.text, version: super::version_tag(self.version) })
        } else {
            self.into_value(scope).map(Fetched::Value)
        }
    }
}

impl SqliteStore {
    /// SQLite's query plan (`EXPLAIN QUERY PLAN`, one line per step) for the page statement of
    /// a list: to check that a filter is answered from indexes rather than by scanning.
    pub async fn explain_list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Vec<String>> {
        let plan = self.plan(scope.kind)?;
        let groups = self.plans.memberships(query)?;
        let folded = self.folded_group_ids(scope.tenant, groups.as_deref(), query).await?;
        let scope = SqlScope::new(scope, &plan).with_memberships(groups.as_deref(), &folded);
        self.explain(page_statement(scope, query, Dialect::Sqlite, None)?).await
    }

    /// SQLite's query plan for the [`Store::memberships`] statement of a group kind: to check
    /// that a lookup by member reads the members table's index by member.
    pub async fn explain_memberships(&self, scope: Scope<'_>, member_ids: &[&str]) -> ScimResult<Vec<String>> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let members = scope
            .plan
            .members_table()
            .ok_or_else(|| ScimError::bad_request(format!("{} resources have no members", scope.kind.name())))?;
        self.explain(crate::store::sql::members::memberships_statement(scope, members, member_ids, Dialect::Sqlite))
            .await
    }

    /// SQLite's query plan for a list page of `scope` that reads its resources' memberships in
    /// `groups` by the same statement ([`Store::list_with_memberships`]).
    pub async fn explain_list_with_memberships(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: &ResourceKind,
    ) -> ScimResult<Vec<String>> {
        let plan = self.plan(scope.kind)?;
        let groups_plan = self.plan(groups)?;
        let kept = self.kept.column(&plan.table, &groups_plan.table);
        let fold = MembershipsFold::new(&groups_plan, scope.tenant)
            .ok_or_else(|| ScimError::bad_request(format!("{} resources have no members", groups.name())))?
            .keeping(kept.as_deref().map(|kept| &kept.column));
        self.explain(page_statement(SqlScope::new(scope, &plan), query, Dialect::Sqlite, Some(fold))?).await
    }

    /// `EXPLAIN QUERY PLAN` of a statement, one line per step.
    async fn explain(&self, statement: Sql) -> ScimResult<Vec<String>> {
        let mut explain = Sql::new("EXPLAIN QUERY PLAN ");
        explain.append(statement);
        let rows = explain.query().fetch_all(&self.pool).await.map_err(|e| storage_error("explain", &e))?;
        rows.iter().map(|row| row.try_get::<String, _>(3).map_err(|e| storage_error("explain", &e))).collect()
    }
}
