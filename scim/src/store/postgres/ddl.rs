//! Tables, indexes and migrations of the PostgreSQL store, applied at [`Store::register`]
//! (`crate::store::Store::register`).
//!
//! ```sql
//! CREATE TABLE "scim_users" (
//!     "seq" BIGSERIAL PRIMARY KEY,            -- creation order (default order, tie-breaker)
//!     "tenant" TEXT NOT NULL, "id" TEXT NOT NULL,
//!     "version" BIGINT NOT NULL,
//!     "doc" JSONB NOT NULL,                    -- the resource (without a group's members)
//!     UNIQUE ("tenant", "id"));
//! ALTER TABLE "scim_users" ADD COLUMN IF NOT EXISTS "c_username" TEXT COLLATE "C";
//! ALTER TABLE "scim_users" ADD COLUMN IF NOT EXISTS "c_username_lc" TEXT COLLATE "C";
//! CREATE UNIQUE INDEX IF NOT EXISTS "scim_users__c_username_lc__idx" ON "scim_users" ("tenant", "c_username_lc");
//! CREATE TABLE "scim_users__emails" (
//!     "seq" BIGSERIAL, "tenant" TEXT NOT NULL, "id" TEXT NOT NULL, "pos" BIGINT NOT NULL,
//!     "prim" BIGINT NOT NULL, "present" BIGINT NOT NULL, ...,
//!     PRIMARY KEY ("tenant", "id", "pos"));
//! CREATE TABLE "scim_groups__members" (..., "elem" JSONB NOT NULL, "c_value" TEXT COLLATE "C" NOT NULL,
//!     PRIMARY KEY ("tenant", "id", "c_value"));
//! CREATE INDEX IF NOT EXISTS "scim_groups__members__by_member__idx" ON "scim_groups__members" ("tenant", "c_value", "id");
//! CREATE TABLE "scim_store_layout" ("name" TEXT PRIMARY KEY, "layout" TEXT NOT NULL);
//! ```
//!
//! Migrations are versioned by the layout text recorded per table in `scim_store_layout` (what
//! columns and unique indexes the table was built for) and re-runnable: every statement is
//! `IF NOT EXISTS`, and all of them run in one transaction holding an advisory lock, so two
//! processes starting at once do not race and a failure leaves nothing half done. When the
//! recorded layout differs (an attribute became filterable), the new columns are added and the
//! promoted columns and side tables (not the members table, which holds data) are refilled from
//! the stored documents. Columns of attributes no longer indexed are left in place; nothing
//! stored is lost. When the recorded layouts are current, start-up runs no DDL at all. So
//! operators who prefer to migrate by hand run one server process with a role that may create
//! and alter the tables, once per deployment that changes the schema (it migrates and may then
//! be stopped), and run the replicas with a role that may only read and write rows (`SELECT`,
//! `INSERT`, `UPDATE`, `DELETE` on the tables and `USAGE` on their sequences). The statements
//! it runs are the ones above; PostgreSQL's `log_statement = ddl` shows them.

use sqlx::Row;

use super::{PostgresStore, Tx, exec, storage_error};
use crate::error::{ScimError, ScimResult};
use crate::schema::AttributeType;
use crate::store::sql::builder::Sql;
use crate::store::sql::compile::Dialect;
use crate::store::sql::{Ident, SqlPlan, SqlScope, statements};
use crate::store::{IndexedShape, ResourceKind, Scope};

/// The advisory lock key of migrations (any fixed number; "scim" in ASCII).
const MIGRATION_LOCK: i64 = 0x7363_696d;

/// The version of the PostgreSQL layout, before the recorded columns: a change of how this
/// store lays tables out bumps it, which migrates every table at the next start.
const LAYOUT_PREFIX: &str = "pg2;";

/// The SQL type of an indexed attribute's column.
fn column_type(kind: AttributeType, shape: IndexedShape) -> &'static str {
    match (shape, kind) {
        (IndexedShape::SingleComplex | IndexedShape::Multi, _)
        | (_, AttributeType::Boolean | AttributeType::Integer) => "BIGINT",
        (_, AttributeType::Decimal) => "DOUBLE PRECISION",
        _ => "TEXT COLLATE \"C\"",
    }
}

impl PostgresStore {
    /// Create or update the tables of `kind`.
    pub(super) async fn create_tables(&self, kind: &ResourceKind, plan: &SqlPlan) -> ScimResult<()> {
        let scope = SqlScope::new(Scope::new("", kind), plan);
        let mut tx = self.begin().await?;
        let mut lock = Sql::new("SELECT pg_advisory_xact_lock(");
        lock.bind_int(MIGRATION_LOCK).push(")");
        lock.pg_query()?.execute(&mut *tx).await.map_err(|e| storage_error("lock for migrations", &e))?;
        let layout = plan.layout(LAYOUT_PREFIX);
        let recorded = recorded_layout(&mut tx, plan).await?;
        if recorded.as_deref() == Some(layout.as_str()) {
            // Up to date: no DDL at all, so that servers may run as a role without DDL rights.
            return tx.commit().await.map_err(|e| storage_error("commit", &e));
        }
        exec(
            &mut tx,
            scope,
            Sql::new("CREATE TABLE IF NOT EXISTS \"scim_store_layout\" (\"name\" TEXT PRIMARY KEY, \"layout\" TEXT NOT NULL)"),
        )
        .await?;
        let mut sql = Sql::new("CREATE TABLE IF NOT EXISTS ");
        sql.ident(&plan.table).push(
            " (\"seq\" BIGSERIAL PRIMARY KEY, \"tenant\" TEXT COLLATE \"C\" NOT NULL, \"id\" TEXT COLLATE \"C\" NOT NULL, \
             \"version\" BIGINT NOT NULL, \"doc\" JSONB NOT NULL, UNIQUE (\"tenant\", \"id\"))",
        );
        exec(&mut tx, scope, sql).await?;
        // Layout pg2: whether a document was found plain (`crate::plain`), so that reads may
        // serve its text. Rows of pg1 have none, and are read by the full path.
        add_column(&mut tx, scope, &plan.table, &Ident::derive("", "plain"), "BIGINT").await?;
        for side in &plan.side_tables {
            let mut sql = Sql::new("CREATE TABLE IF NOT EXISTS ");
            sql.ident(&side.table).push(
                " (\"seq\" BIGSERIAL, \"tenant\" TEXT COLLATE \"C\" NOT NULL, \"id\" TEXT COLLATE \"C\" NOT NULL, \
                 \"pos\" BIGINT NOT NULL, \"prim\" BIGINT NOT NULL, \"present\" BIGINT NOT NULL",
            );
            if side.members {
                sql.push(
                    ", \"elem\" JSONB NOT NULL, \"c_value\" TEXT COLLATE \"C\" NOT NULL, \
                     PRIMARY KEY (\"tenant\", \"id\", \"c_value\"))",
                );
            } else {
                sql.push(", PRIMARY KEY (\"tenant\", \"id\", \"pos\"))");
            }
            exec(&mut tx, scope, sql).await?;
            if side.members {
                exec(&mut tx, scope, crate::store::sql::members::by_member_index(side)).await?;
            }
        }
        for (table, attr) in plan.promoted_columns() {
            add_column(&mut tx, scope, table, &attr.column, column_type(attr.kind, attr.shape)).await?;
            if let Some(lc) = &attr.lc_column {
                add_column(&mut tx, scope, table, lc, "TEXT COLLATE \"C\"").await?;
            }
            exec(&mut tx, scope, SqlPlan::index_statement(table, attr)).await?;
        }
        // Rewriting every row's promoted columns is for columns that changed; a new version of
        // the layout with the same columns (pg1 to pg2 added `plain`, which old rows leave
        // empty and reads then take the full path) costs no pass over a million rows.
        if recorded.as_deref().map(layout_columns) != Some(layout_columns(&layout)) {
            reindex_all(&mut tx, kind, plan).await?;
        }
        let mut sql = Sql::new("INSERT INTO \"scim_store_layout\" (\"name\", \"layout\") VALUES (");
        sql.bind_text(plan.table.as_str()).push(", ").bind_text(&layout);
        sql.push(") ON CONFLICT (\"name\") DO UPDATE SET \"layout\" = EXCLUDED.\"layout\"");
        exec(&mut tx, scope, sql).await?;
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }
}

/// A recorded layout without its version prefix (`pg2;`): the promoted columns it names.
fn layout_columns(layout: &str) -> &str {
    layout.split_once(';').map_or(layout, |(_, columns)| columns)
}

/// The layout recorded for `plan`'s table, if the layout table and a row exist.
async fn recorded_layout(tx: &mut Tx, plan: &SqlPlan) -> ScimResult<Option<String>> {
    let exists = Sql::new("SELECT to_regclass('scim_store_layout') IS NOT NULL");
    let row = exists.pg_query()?.fetch_one(&mut **tx).await.map_err(|e| storage_error("read the layout", &e))?;
    if !row.try_get::<bool, _>(0).map_err(|e| storage_error("read the layout", &e))? {
        return Ok(None);
    }
    let mut sql = Sql::new("SELECT \"layout\" FROM \"scim_store_layout\" WHERE \"name\" = ");
    sql.bind_text(plan.table.as_str());
    sql.pg_query()?
        .fetch_optional(&mut **tx)
        .await
        .map_err(|e| storage_error("read the layout", &e))?
        .map(|row| row.try_get(0))
        .transpose()
        .map_err(|e| storage_error("read the layout", &e))
}

/// Refill every promoted column and derived side table of `kind` from the documents.
async fn reindex_all(tx: &mut Tx, kind: &ResourceKind, plan: &SqlPlan) -> ScimResult<()> {
    let mut sql = Sql::new("SELECT \"tenant\", \"id\", \"doc\"::text FROM ");
    sql.ident(&plan.table);
    let rows = sql.pg_query()?.fetch_all(&mut **tx).await.map_err(|e| storage_error("reindex", &e))?;
    for row in rows {
        let (tenant, id, doc): (String, String, String) = (
            row.try_get(0).map_err(|e| storage_error("reindex", &e))?,
            row.try_get(1).map_err(|e| storage_error("reindex", &e))?,
            row.try_get(2).map_err(|e| storage_error("reindex", &e))?,
        );
        let doc: serde_json::Value = serde_json::from_str(&doc)
            .map_err(|_| ScimError::internal(format!("stored {} {id} is not JSON", kind.name())))?;
        let scope = SqlScope { tenant: &tenant, kind, plan, memberships: None };
        exec(tx, scope, statements::update_main(scope, &id, None, &doc, Dialect::Postgres)).await?;
        PostgresStore::write_side_rows(tx, scope, &id, &doc, true).await?;
    }
    Ok(())
}

/// `ALTER TABLE ... ADD COLUMN IF NOT EXISTS`.
async fn add_column(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    table: &Ident,
    column: &Ident,
    column_type: &'static str,
) -> ScimResult<()> {
    let mut sql = Sql::new("ALTER TABLE ");
    sql.ident(table).push(" ADD COLUMN IF NOT EXISTS ").ident(column).push(" ").push(column_type);
    exec(tx, scope, sql).await.map(drop)
}
