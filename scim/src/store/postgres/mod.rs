//! [`PostgresStore`]: resources in PostgreSQL through sqlx, for servers that run as several
//! processes on one database.
//!
//! The layout is the SQLite store's ([`crate::store::sql`] builds both): a table per resource
//! type holding the document as `jsonb` plus a promoted, indexed column per indexed attribute
//! (with a lower-cased copy for attributes that are not `caseExact`, indexed on that folded
//! form), a side table per indexed multi-valued attribute, and a members table keyed by
//! (tenant, group, member) so that a member change is one statement. Filters compile to the same
//! SQL as SQLite's (`LIKE` for `co`/`sw`/`ew`), every literal a bound parameter; sorting and
//! paging are done in SQL. Text columns use the `"C"` collation, so comparisons and sorting
//! follow code points, as the filter evaluator does, whatever the database's locale.
//!
//! Several processes may share the database, so everything that must hold across them is held
//! by PostgreSQL, not by a lock in one process:
//! - uniqueness from the schema (`userName`) by unique indexes on the folded columns: of two
//!   concurrent creates, the second fails on the index and gets `409 uniqueness`;
//! - uniqueness added by configuration (a group's `displayName`, no unique index) by a
//!   transaction-scoped advisory lock per tenant and table taken before the check;
//! - versions and `If-Match` by reading the row `FOR UPDATE` in the writing transaction, so
//!   a write based on a version another process has since replaced gets `412`;
//! - member changes by `INSERT ... ON CONFLICT DO NOTHING` and `DELETE` under the group's row
//!   lock (which also bumps its version), so concurrent adds from any process all land.
//!
//! Lists that need more than one statement (count and page, members) read in one
//! `REPEATABLE READ` transaction, so `totalResults` and the page agree. Tables are created and
//! migrated at [`Store::register`]: see [`ddl`].

mod ddl;

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use super::{
    DatabaseOptions, Fetched, FetchedPage, GetOptions, Meta, Page, ResourceKind, Scope, Store, StoreQuery,
    WithMemberships, check_if_match, import_id, import_meta, into_object, member_id, not_found, now_rfc3339, record,
    uniqueness_conflict,
};
use crate::error::{ScimError, ScimResult};
use crate::patch::{PatchOperation, apply_patch};
use crate::store::kind::lookup;
use crate::store::shown_url;
use crate::store::sql::builder::Sql;
use crate::store::sql::compile::Dialect;
use crate::store::sql::list::{count_statement, matches_at_most_one, page_statement, stored_doc_select};
use crate::store::sql::members::targeted_member_ids;
use crate::store::sql::members::{MembershipsFold, read_folded};
use crate::store::sql::statements::{self, where_row};
use crate::store::sql::{GroupIds, Plans, SideTable, SqlPlan, SqlScope, database_error, next_meta};

/// A [`Store`] in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    plans: Plans,
}

fn storage_error(action: &str, error: &sqlx::Error) -> ScimError {
    database_error("PostgreSQL", action, error)
}

type Tx = Transaction<'static, Postgres>;

/// How many ids one [`Store::existing_ids`] statement looks up.
const EXISTING_IDS_CHUNK: usize = 500;

impl PostgresStore {
    /// Connect to the database at `url` (`postgres://user:password@host:port/database`) with
    /// [`DatabaseOptions::default`]. The database must exist; the tables are made by
    /// [`Store::register`].
    pub async fn connect(url: &str) -> ScimResult<PostgresStore> {
        Self::connect_with(url, &DatabaseOptions::default()).await
    }

    /// [`PostgresStore::connect`] with pool size and timeouts.
    pub async fn connect_with(url: &str, options: &DatabaseOptions) -> ScimResult<PostgresStore> {
        let shown = shown_url(url);
        let mut connect = PgConnectOptions::from_str(url).map_err(|e| {
            ScimError::internal(format!("invalid PostgreSQL URL {shown}: {}", redact_text(&e.to_string(), url)))
        })?;
        if let Some(timeout) = options.statement_timeout {
            connect = connect.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| {
                ScimError::internal(format!(
                    "cannot open PostgreSQL database {shown}: {}",
                    redact_text(&e.to_string(), url)
                ))
            })?;
        Ok(PostgresStore { pool, plans: Plans::default() })
    }

    /// The connection pool (for benchmarks and maintenance).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn plan(&self, kind: &ResourceKind) -> ScimResult<Arc<SqlPlan>> {
        self.plans.get(kind)
    }

    async fn begin(&self) -> ScimResult<Tx> {
        self.pool.begin().await.map_err(|e| storage_error("begin a transaction", &e))
    }

    /// A read-only transaction seeing one snapshot for all its statements.
    async fn snapshot(&self) -> ScimResult<Tx> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(|e| storage_error("begin a transaction", &e))
    }

    /// The stored document and version of a resource, locked for the rest of the transaction
    /// when `lock` (a writer); `404` when the tenant has none.
    async fn load<'e, E>(executor: E, scope: SqlScope<'_>, id: &str, lock: bool) -> ScimResult<(Value, u64)>
    where
        E: sqlx::Executor<'e, Database = Postgres>,
    {
        let (stored, _) = Self::read_row(executor, scope, id, None, lock).await?;
        let version = stored.version;
        Ok((stored.into_value(scope)?, version))
    }

    /// The stored row of a resource, with `fold`'s memberships read by the same statement,
    /// locked for the rest of the transaction when `lock`; `404` when the tenant has none.
    async fn read_row<'e, E>(
        executor: E,
        scope: SqlScope<'_>,
        id: &str,
        fold: Option<MembershipsFold<'_>>,
        lock: bool,
    ) -> ScimResult<(StoredRow, Option<Vec<crate::store::Membership>>)>
    where
        E: sqlx::Executor<'e, Database = Postgres>,
    {
        if id.contains('\0') {
            // No stored id can hold it.
            return Err(not_found(scope.kind, id));
        }
        let mut sql = stored_doc_select(Dialect::Postgres, fold);
        sql.ident(&scope.plan.table).push(" t");
        where_row(&mut sql, scope.tenant, id);
        if lock {
            sql.push(" FOR UPDATE");
        }
        let row = sql.pg_query()?.fetch_optional(executor).await.map_err(|e| storage_error("read", &e))?;
        let row = row.ok_or_else(|| not_found(scope.kind, id))?;
        let mut memberships = fold.map(|_| Vec::new());
        let stored = StoredRow::read(&row, "read", &mut memberships)?;
        Ok((stored, memberships))
    }

    /// [`Store::list`], with the page's memberships in `groups` folded into its statement when
    /// given and kept here.
    async fn read_page(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: Option<&ResourceKind>,
    ) -> ScimResult<WithMemberships<FetchedPage>> {
        let plan = self.plan(scope.kind)?;
        let groups_plan = self.plans.groups(groups);
        let fold = groups_plan.as_deref().and_then(|plan| MembershipsFold::new(plan, scope.tenant));
        let mut memberships = fold.map(|_| Vec::new());
        let filter_groups = self.plans.memberships(query)?;
        let folded = self.folded_group_ids(scope.tenant, filter_groups.as_deref(), query).await?;
        let scope = SqlScope::new(scope, &plan).with_memberships(filter_groups.as_deref(), &folded);
        let page = page_statement(scope, query, Dialect::Postgres, fold)?;
        let without_members = !scope.kind.has_members || query.exclude_members;
        // A first page that is not full holds every match: its length is `totalResults`, and
        // the page statement alone answers (Entra ID's and Okta's `userName eq` lookups).
        if query.offset() == 0 && !query.continues_keyset() && query.count != Some(0) && without_members {
            let rows = if matches_at_most_one(scope.plan, query.filter) {
                page.pg_query()?.fetch_optional(&self.pool).await.map(|row| row.into_iter().collect())
            } else {
                page.pg_query()?.fetch_all(&self.pool).await
            }
            .map_err(|e| storage_error("list", &e))?;
            if query.count.is_none_or(|count| rows.len() < count) {
                let resources = rows
                    .iter()
                    .map(|row| StoredRow::read(row, "list", &mut memberships)?.into_fetched(scope))
                    .collect::<ScimResult<Vec<_>>>()?;
                let read = FetchedPage { total_results: resources.len(), resources };
                return Ok(WithMemberships { read, memberships });
            }
        }
        let mut tx = self.snapshot().await?;
        let count = count_statement(scope, query, Dialect::Postgres)?;
        let row = count.pg_query()?.fetch_one(&mut *tx).await.map_err(|e| storage_error("count", &e))?;
        let total: i64 = row.try_get(0).map_err(|e| storage_error("count", &e))?;
        let total_results = usize::try_from(total).unwrap_or_default();
        let mut resources = Vec::new();
        if query.count != Some(0) && query.offset() < total_results {
            let rows = page.pg_query()?.fetch_all(&mut *tx).await.map_err(|e| storage_error("list", &e))?;
            for row in rows {
                let stored = StoredRow::read(&row, "list", &mut memberships)?;
                if without_members {
                    resources.push(stored.into_fetched(scope)?);
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

    /// A group's members, in the order they were added; only those whose value is in `only`
    /// (compared as the PATCH filter compares them) when given.
    async fn members(tx: &mut Tx, scope: SqlScope<'_>, id: &str, only: Option<&[String]>) -> ScimResult<Vec<Value>> {
        let Some(side) = scope.plan.members_table() else { return Ok(Vec::new()) };
        let mut sql = Sql::new("SELECT \"elem\"::text FROM ");
        sql.ident(&side.table);
        where_row(&mut sql, scope.tenant, id);
        if let Some(only) = only {
            let value = member_value_column(scope, side)?;
            if only.is_empty() {
                return Ok(Vec::new());
            }
            sql.push(" AND ").ident(value.compare_column()).push(" IN (");
            for (index, member) in only.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.bind_text(&if value.case_exact { member.clone() } else { member.to_lowercase() });
            }
            sql.push(")");
        }
        sql.push(" ORDER BY \"seq\"");
        let rows = sql.pg_query()?.fetch_all(&mut **tx).await.map_err(|e| storage_error("read members", &e))?;
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
        let members = Self::members(tx, scope, id, None).await?;
        Ok(statements::with_loaded_members(doc, members))
    }

    /// `409 uniqueness` when another resource of the tenant has one of `record`'s unique values
    /// that are new or changed. Unique indexes hold the schema's uniqueness even against a
    /// writer that commits between this check and the write; uniqueness without an index is
    /// held by [`PostgresStore::lock_uniqueness`].
    async fn check_unique(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        id: &str,
        record: &Value,
        previous: Option<&Value>,
    ) -> ScimResult<()> {
        for (attr, sql) in statements::unique_checks(scope, id, record, previous)? {
            let taken =
                sql.pg_query()?.fetch_optional(&mut **tx).await.map_err(|e| storage_error("check uniqueness", &e))?;
            if taken.is_some() {
                return Err(uniqueness_conflict(scope.kind, attr, record));
            }
        }
        Ok(())
    }

    /// For kinds with uniqueness that no index holds (a group's `displayName` made unique by
    /// configuration): a lock on (table, tenant) until the transaction ends, so that no other
    /// writer of any process checks and writes such a value in between.
    async fn lock_uniqueness(tx: &mut Tx, scope: SqlScope<'_>) -> ScimResult<()> {
        if !scope.kind.unique().any(|attr| !attr.unique_index) {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT pg_advisory_xact_lock(hashtextextended(");
        sql.bind_text(&format!("{}/{}", scope.plan.table, scope.tenant)).push(", 0))");
        sql.pg_query()?.execute(&mut **tx).await.map_err(|e| storage_error("lock", &e))?;
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
        let mut tx = self.begin().await?;
        Self::lock_uniqueness(&mut tx, scope).await?;
        let mut previous = None;
        let meta = match existing {
            None => {
                if imported {
                    import_meta(&body)
                } else {
                    let now = now_rfc3339();
                    Meta { created: now.clone(), last_modified: now, version: 1 }
                }
            }
            Some(if_match) => {
                let (current, version) = Self::load(&mut *tx, scope, id, true).await?;
                check_if_match(scope.kind, id, if_match, version)?;
                let meta = next_meta(&current, version);
                previous = Some(current);
                meta
            }
        };
        let is_new = previous.is_none();
        let mut members = Vec::new();
        let collect = scope.kind.has_members.then_some(&mut members);
        let stored = Value::Object(record(scope.kind, id, body, &meta, collect));
        reject_nul(&stored)?;
        members.iter().try_for_each(reject_nul)?;
        Self::check_unique(&mut tx, scope, id, &stored, previous.as_ref()).await?;
        if is_new {
            // The (tenant, id) key decides between two imports of one id.
            exec(&mut tx, scope, statements::insert_main(scope, id, meta.version, &stored, Dialect::Postgres)).await?;
        } else {
            exec(&mut tx, scope, statements::update_main(scope, id, Some(meta.version), &stored, Dialect::Postgres))
                .await?;
        }
        Self::write_side_rows(&mut tx, scope, id, &stored, !is_new).await?;
        if let Some(side) = scope.plan.members_table() {
            if !is_new {
                exec(&mut tx, scope, statements::delete_rows(side, scope.tenant, id)).await?;
            }
            for member in &members {
                Self::insert_element(&mut tx, scope, side, id, 0, member).await?;
            }
        }
        let result = Self::assemble(&mut tx, scope, id, stored, false).await?;
        tx.commit().await.map_err(|e| storage_error("commit", &e))?;
        Ok(result)
    }

    /// Rewrite the derived side rows (every side table but the members table) of a resource.
    async fn write_side_rows(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        id: &str,
        record: &Value,
        delete_first: bool,
    ) -> ScimResult<()> {
        if delete_first {
            for side in scope.plan.side_tables.iter().filter(|s| !s.members) {
                exec(tx, scope, statements::delete_rows(side, scope.tenant, id)).await?;
            }
        }
        for (side, pos, element) in statements::side_rows(scope.plan, record) {
            Self::insert_element(tx, scope, side, id, pos, element).await?;
        }
        Ok(())
    }

    /// Insert one element row (a member already there stays); whether a row was inserted.
    async fn insert_element(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        side: &SideTable,
        id: &str,
        pos: usize,
        element: &Value,
    ) -> ScimResult<bool> {
        let sql = statements::insert_element(scope, side, id, pos, element, Dialect::Postgres)?;
        Ok(exec(tx, scope, sql).await? > 0)
    }

    /// Delete members by value; how many rows went.
    async fn delete_members(
        tx: &mut Tx,
        scope: SqlScope<'_>,
        side: &SideTable,
        id: &str,
        member_ids: &[String],
    ) -> ScimResult<u64> {
        let value = member_value_column(scope, side)?;
        let mut removed = 0;
        for member in member_ids {
            let mut sql = statements::delete_rows(side, scope.tenant, id);
            sql.push(" AND ").ident(&value.column).push(" = ").bind_text(member);
            removed += exec(tx, scope, sql).await?;
        }
        Ok(removed)
    }

    /// Bump a group's version and `lastModified` after its members changed (its row is locked).
    async fn touch(tx: &mut Tx, scope: SqlScope<'_>, id: &str, doc: Value, version: u64) -> ScimResult<()> {
        let meta = next_meta(&doc, version);
        let stored = Value::Object(record(scope.kind, id, into_object(doc)?, &meta, None));
        exec(tx, scope, statements::update_main(scope, id, Some(meta.version), &stored, Dialect::Postgres)).await?;
        Ok(())
    }

    /// The members table of a group, after locking the group's row for a member change.
    async fn lock_group<'k>(
        tx: &mut Tx,
        scope: SqlScope<'k>,
        group_id: &str,
    ) -> ScimResult<(&'k SideTable, Value, u64)> {
        let side = scope
            .plan
            .members_table()
            .ok_or_else(|| ScimError::bad_request(format!("{} resources have no members", scope.kind.name())))?;
        let (doc, version) = Self::load(&mut **tx, scope, group_id, true).await?;
        Ok((side, doc, version))
    }
}

/// `400 invalidValue` unless every string and member name of `value` is free of U+0000, which
/// PostgreSQL's `text` and `jsonb` cannot hold.
fn reject_nul(value: &Value) -> ScimResult<()> {
    let has_nul = match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => return items.iter().try_for_each(reject_nul),
        Value::Object(map) => {
            if map.keys().any(|key| key.contains('\0')) {
                true
            } else {
                return map.values().try_for_each(reject_nul);
            }
        }
        _ => false,
    };
    if has_nul { Err(crate::store::postgres_nul_error()) } else { Ok(()) }
}

/// The column of a members table holding member ids.
fn member_value_column<'p>(scope: SqlScope<'p>, side: &SideTable) -> ScimResult<&'p crate::store::sql::SqlColumn> {
    scope
        .plan
        .side_table_column(side, "value")
        .ok_or_else(|| ScimError::internal("the members table has no value column"))
}

/// Execute a write; a unique index refusing it is `409 uniqueness` (another writer, maybe in
/// another process, got the value or the id first).
async fn exec(tx: &mut Tx, scope: SqlScope<'_>, sql: Sql) -> ScimResult<u64> {
    sql.pg_query()?.execute(&mut **tx).await.map(|r| r.rows_affected()).map_err(|e| {
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            ScimError::uniqueness(format!(
                "a unique attribute or the id of this {} is already in use",
                scope.kind.name()
            ))
        } else {
            storage_error("write", &e)
        }
    })
}

/// A row selected by [`stored_doc_select`]: the document's text with `meta` as its last
/// member (PostgreSQL renders a `jsonb` in an order of its own, so the statement reads `meta`
/// apart and [`with_meta_last`] puts it back where a plain document has it), the version, and
/// the plain tag it was written with.
struct StoredRow {
    id: String,
    text: String,
    version: u64,
    plain: Option<i64>,
}

impl StoredRow {
    /// Read the row, adding its folded memberships (the column after the document's) to
    /// `memberships` when the read folded them.
    fn read(
        row: &PgRow,
        action: &str,
        memberships: &mut Option<Vec<crate::store::Membership>>,
    ) -> ScimResult<StoredRow> {
        let read = |e: sqlx::Error| storage_error(action, &e);
        // Unchecked: the columns' types are those of `stored_doc_select`'s statement (text,
        // text, bigint, bigint, text and the memberships' text), so sqlx's check of each
        // column's type against the Rust one would only repeat it; decoding still fails on a
        // value that is not of the type.
        let id: String = row.try_get_unchecked(0).map_err(read)?;
        // The texts are borrowed from the row: the document is copied once, into its place.
        let rest: &str = row.try_get_unchecked(1).map_err(read)?;
        let version: i64 = row.try_get_unchecked(2).map_err(read)?;
        let plain: Option<i64> = row.try_get_unchecked(3).map_err(read)?;
        let meta: Option<&str> = row.try_get_unchecked(4).map_err(read)?;
        if let Some(memberships) = memberships {
            let text: Option<&str> = row.try_get_unchecked(5).map_err(read)?;
            memberships.extend(read_folded(&id, text)?);
        }
        let text = with_meta_last(rest, meta);
        Ok(StoredRow { id, text, version: u64::try_from(version).unwrap_or_default(), plain })
    }

    fn into_value(self, scope: SqlScope<'_>) -> ScimResult<Value> {
        serde_json::from_str(&self.text)
            .map_err(|_| ScimError::internal(format!("stored {} {} is not valid JSON", scope.kind.name(), self.id)))
    }

    /// The text itself when it was found plain under the kind's current schema, else the value.
    fn into_fetched(self, scope: SqlScope<'_>) -> ScimResult<Fetched> {
        if self.plain == Some(scope.plan.plain_tag) {
            Ok(Fetched::Plain { id: self.id, text: self.text, version: crate::store::version_tag(self.version) })
        } else {
            self.into_value(scope).map(Fetched::Value)
        }
    }
}

/// `rest`, the text of an object (a document without `meta`), with `"meta": meta` as its last
/// member.
fn with_meta_last(rest: &str, meta: Option<&str>) -> String {
    let (Some(meta), Some(head)) = (meta, rest.strip_suffix('}')) else { return rest.to_owned() };
    let mut text = String::with_capacity(rest.len() + meta.len() + 10);
    text.push_str(head);
    if head.trim_end() != "{" {
        text.push_str(", ");
    }
    text.push_str("\"meta\": ");
    text.push_str(meta);
    text.push('}');
    text
}

/// A driver message with the URL's password taken out, should the driver have quoted it.
fn redact_text(text: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => text.replace(password, "***"),
        None => text.to_owned(),
    }
}

impl PostgresStore {
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
        let rows =
            statement.pg_query()?.fetch_all(&self.pool).await.map_err(|e| storage_error("read group ids", &e))?;
        fold_group_ids("PostgreSQL", &literals, &rows)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        for kind in kinds {
            let plan = SqlPlan::new(kind);
            self.create_tables(kind, &plan).await?;
            self.plans.insert(kind, plan);
        }
        Ok(())
    }

    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let plan = self.plan(scope.kind)?;
        let body = into_object(resource)?;
        let id = uuid::Uuid::new_v4().to_string();
        self.put(SqlScope::new(scope, &plan), &id, body, None, false).await
    }

    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let plan = self.plan(scope.kind)?;
        let body = into_object(resource)?;
        let id = import_id(&body)?;
        self.put(SqlScope::new(scope, &plan), &id, body, None, true).await
    }

    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        if !scope.kind.has_members || options.exclude_members {
            return Ok(Self::load(&self.pool, scope, id, false).await?.0);
        }
        let mut tx = self.snapshot().await?;
        let (doc, _) = Self::load(&mut *tx, scope, id, false).await?;
        let result = Self::assemble(&mut tx, scope, id, doc, false).await?;
        tx.commit().await.map_err(|e| storage_error("read", &e))?;
        Ok(result)
    }

    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        let page = self.read_page(scope, query, None).await?.read;
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

    async fn get_for_response(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Fetched> {
        if scope.kind.has_members && !options.exclude_members {
            return self.get(scope, id, options).await.map(Fetched::Value);
        }
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        Self::read_row(&self.pool, scope, id, None, false).await?.0.into_fetched(scope)
    }

    async fn get_with_memberships(
        &self,
        scope: Scope<'_>,
        id: &str,
        options: GetOptions,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<Fetched>> {
        let plan = self.plan(scope.kind)?;
        let groups_plan = self.plans.groups(Some(groups));
        let fold = groups_plan.as_deref().and_then(|plan| MembershipsFold::new(plan, scope.tenant));
        match fold {
            Some(fold) if !scope.kind.has_members || options.exclude_members => {
                let scope = SqlScope::new(scope, &plan);
                let (stored, memberships) = Self::read_row(&self.pool, scope, id, Some(fold), false).await?;
                Ok(WithMemberships { read: stored.into_fetched(scope)?, memberships })
            }
            _ => Ok(WithMemberships { read: self.get_for_response(scope, id, options).await?, memberships: None }),
        }
    }

    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        let plan = self.plan(scope.kind)?;
        let body = into_object(resource)?;
        self.put(SqlScope::new(scope, &plan), id, body, Some(if_match), false).await
    }

    /// PATCH in one transaction holding the resource's row lock, so a PATCH never loses to a
    /// concurrent writer of another process and never needs retrying. A group's members are
    /// loaded only as far as the operations need them: just the members they name (Entra ID's
    /// and Okta's add and remove), else all; the member delta is then applied row by row.
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
        let mut tx = self.begin().await?;
        Self::lock_uniqueness(&mut tx, scope).await?;
        let (mut doc, version) = Self::load(&mut *tx, scope, id, true).await?;
        check_if_match(scope.kind, id, if_match, version)?;
        let targeted = if scope.kind.has_members { targeted_member_ids(operations) } else { None };
        if scope.kind.has_members {
            let members = Self::members(&mut tx, scope, id, targeted.as_deref()).await?;
            doc = statements::with_loaded_members(doc, members);
        }
        let previous = doc.clone();
        let outcome = apply_patch(&mut doc, operations, &scope.kind.schema)?;
        if outcome.changed {
            let meta = next_meta(&doc, version);
            let mut patched_members = Vec::new();
            let collect = scope.kind.has_members.then_some(&mut patched_members);
            let stored = Value::Object(record(scope.kind, id, into_object(doc)?, &meta, collect));
            reject_nul(&stored)?;
            patched_members.iter().try_for_each(reject_nul)?;
            Self::check_unique(&mut tx, scope, id, &stored, Some(&previous)).await?;
            exec(&mut tx, scope, statements::update_main(scope, id, Some(meta.version), &stored, Dialect::Postgres))
                .await?;
            Self::write_side_rows(&mut tx, scope, id, &stored, true).await?;
            if let Some(side) = scope.plan.members_table() {
                let delta = &outcome.members;
                if targeted.is_none() || delta.replaced {
                    // The whole list was loaded (or replaced): write it as it now is.
                    exec(&mut tx, scope, statements::delete_rows(side, scope.tenant, id)).await?;
                    for member in &patched_members {
                        Self::insert_element(&mut tx, scope, side, id, 0, member).await?;
                    }
                } else {
                    Self::delete_members(&mut tx, scope, side, id, &delta.removed).await?;
                    for added in &delta.added {
                        let element = patched_members
                            .iter()
                            .find(|m| lookup(m, "value").and_then(Value::as_str) == Some(added.as_str()))
                            .cloned()
                            .unwrap_or_else(|| serde_json::json!({ "value": added }));
                        Self::insert_element(&mut tx, scope, side, id, 0, &element).await?;
                    }
                }
            }
        }
        let (result, _) = Self::load(&mut *tx, scope, id, false).await?;
        let result = Self::assemble(&mut tx, scope, id, result, options.exclude_members).await?;
        tx.commit().await.map_err(|e| storage_error("commit", &e))?;
        Ok(result)
    }

    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<HashSet<String>> {
        let plan = self.plan(scope.kind)?;
        let mut found = HashSet::new();
        for chunk in ids.chunks(EXISTING_IDS_CHUNK) {
            let mut sql = Sql::new("SELECT \"id\" FROM ");
            sql.ident(&plan.table).push(" WHERE \"tenant\" = ").bind_text(scope.tenant);
            sql.push(" AND \"id\" IN (");
            for (index, id) in chunk.iter().enumerate() {
                if index > 0 {
                    sql.push(", ");
                }
                sql.bind_text(id);
            }
            sql.push(")");
            let rows = sql.pg_query()?.fetch_all(&self.pool).await.map_err(|e| storage_error("look up ids", &e))?;
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
            let sql = memberships_statement(scope, members, chunk, crate::store::sql::compile::Dialect::Postgres);
            let rows =
                sql.pg_query()?.fetch_all(&self.pool).await.map_err(|e| storage_error("read memberships", &e))?;
            for row in &rows {
                found.push(read_membership("PostgreSQL", row)?);
            }
        }
        Ok(Some(found))
    }

    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut tx = self.begin().await?;
        let (_, version) = Self::load(&mut *tx, scope, id, true).await?;
        check_if_match(scope.kind, id, if_match, version)?;
        for side in &scope.plan.side_tables {
            exec(&mut tx, scope, statements::delete_rows(side, scope.tenant, id)).await?;
        }
        let mut sql = Sql::new("DELETE FROM ");
        sql.ident(&scope.plan.table);
        where_row(&mut sql, scope.tenant, id);
        exec(&mut tx, scope, sql).await?;
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        for member in members {
            member_id(member)?;
            reject_nul(member)?;
        }
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut tx = self.begin().await?;
        let (side, doc, version) = Self::lock_group(&mut tx, scope, group_id).await?;
        let mut changed = false;
        for member in members {
            changed |= Self::insert_element(&mut tx, scope, side, group_id, 0, member).await?;
        }
        if changed {
            Self::touch(&mut tx, scope, group_id, doc, version).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        let plan = self.plan(scope.kind)?;
        let scope = SqlScope::new(scope, &plan);
        let mut tx = self.begin().await?;
        let (side, doc, version) = Self::lock_group(&mut tx, scope, group_id).await?;
        if Self::delete_members(&mut tx, scope, side, group_id, member_ids).await? > 0 {
            Self::touch(&mut tx, scope, group_id, doc, version).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_messages_lose_the_password() {
        assert_eq!(redact_text("failed for s3cret", "postgres://u:s3cret@db/x"), "failed for ***");
    }
}
