//! Tables and indexes of a [`ResourceKind`], and their evolution when the indexed attributes
//! change between runs.
//!
//! ```sql
//! -- one per resource type: the document plus a promoted column per indexed attribute
//! CREATE TABLE "scim_users" (
//!     "seq" INTEGER PRIMARY KEY,          -- creation order (default order, tie-breaker)
//!     "tenant" TEXT NOT NULL, "id" TEXT NOT NULL,
//!     "version" INTEGER NOT NULL,
//!     "doc" TEXT NOT NULL,                -- the resource (without a group's members)
//!     "plain" INTEGER,                    -- the schema tag under which doc was found plain
//!     "c_username" TEXT, "c_username_lc" TEXT, ...,   -- added by ALTER TABLE as needed
//!     "groups_in_scim_groups" TEXT,       -- users only: their memberships, see `kept`
//!     UNIQUE ("tenant", "id"));
//! CREATE UNIQUE INDEX "scim_users__c_username_lc__idx" ON "scim_users" ("tenant", "c_username_lc");
//! CREATE INDEX "scim_users__c_title_lc__idx" ON "scim_users" ("tenant", "c_title_lc");
//! -- one per indexed multi-valued attribute: a row per (non-null) element
//! CREATE TABLE "scim_users__emails" (
//!     "tenant" TEXT NOT NULL, "id" TEXT NOT NULL, "pos" INTEGER NOT NULL,
//!     "prim" INTEGER NOT NULL,            -- the element has primary: true (for sorting)
//!     "present" INTEGER NOT NULL,         -- the element is present (for `emails pr`)
//!     "c_value" TEXT, "c_value_lc" TEXT, "c_type" TEXT, "c_type_lc" TEXT, ...,
//!     PRIMARY KEY ("tenant", "id", "pos"));
//! CREATE INDEX "scim_users__emails__c_value_lc__idx" ON "scim_users__emails" ("tenant", "c_value_lc", "id");
//! -- a group's members: the only copy of them (the document has none)
//! CREATE TABLE "scim_groups__members" (
//!     "tenant", "id", "pos", "prim", "present", "elem" TEXT NOT NULL (the member object),
//!     "c_value" TEXT NOT NULL, "c_value_lc", "c_type", "c_type_lc",
//!     PRIMARY KEY ("tenant", "id", "c_value"));
//! -- which groups list a member (users' `groups`)
//! CREATE INDEX "scim_groups__members__by_member__idx" ON "scim_groups__members" ("tenant", "c_value", "id");
//! -- what each table was built for, to notice new indexed attributes
//! CREATE TABLE "scim_store_layout" ("name" TEXT PRIMARY KEY, "layout" TEXT NOT NULL);
//! ```
//!
//! On start-up, when a table's layout differs from the recorded one, missing columns are
//! added, and the promoted columns and side tables (not the members table, which holds data)
//! are refilled from the stored documents, in one transaction. Columns of attributes no longer
//! indexed are left in place (unused); nothing stored is lost.

use sqlx::{Row, Sqlite, Transaction};

use super::{SqliteStore, storage_error};
use crate::error::ScimResult;
use crate::schema::AttributeType;
use crate::store::sql::builder::Sql;
use crate::store::sql::{Ident, SqlPlan, SqlScope};
use crate::store::{IndexedShape, ResourceKind};

/// The recorded layout of SQLite tables has no prefix: databases made before PostgreSQL
/// existed keep theirs.
const LAYOUT_PREFIX: &str = "";

/// The SQL type of an indexed attribute's column. `NUMERIC` keeps integers exact and decimals
/// as reals; `TEXT` holds strings and normalised dateTimes.
fn column_type(kind: AttributeType, shape: IndexedShape) -> &'static str {
    match (shape, kind) {
        (IndexedShape::SingleComplex | IndexedShape::Multi, _) | (_, AttributeType::Boolean) => "INTEGER",
        (_, AttributeType::Integer | AttributeType::Decimal) => "NUMERIC",
        _ => "TEXT",
    }
}

impl SqliteStore {
    /// Create or update the tables of `kind`.
    pub(super) async fn create_tables(&self, kind: &ResourceKind, plan: &SqlPlan) -> ScimResult<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| storage_error("begin", &e))?;
        exec(&mut tx, Sql::new(
            "CREATE TABLE IF NOT EXISTS \"scim_store_layout\" (\"name\" TEXT PRIMARY KEY, \"layout\" TEXT NOT NULL)",
        ))
        .await?;
        let mut sql = Sql::new("CREATE TABLE IF NOT EXISTS ");
        sql.ident(&plan.table).push(
            " (\"seq\" INTEGER PRIMARY KEY, \"tenant\" TEXT NOT NULL, \"id\" TEXT NOT NULL, \
             \"version\" INTEGER NOT NULL, \"doc\" TEXT NOT NULL, UNIQUE (\"tenant\", \"id\"))",
        );
        exec(&mut tx, sql).await?;
        // Added by ALTER TABLE, so tables made before it existed get it too (as NULL: not
        // known to be plain, served by the full path until rewritten).
        add_column(&mut tx, &plan.table, &Ident::derive("", "plain"), "INTEGER").await?;
        for side in &plan.side_tables {
            let mut sql = Sql::new("CREATE TABLE IF NOT EXISTS ");
            sql.ident(&side.table).push(
                " (\"tenant\" TEXT NOT NULL, \"id\" TEXT NOT NULL, \"pos\" INTEGER NOT NULL, \
                 \"prim\" INTEGER NOT NULL, \"present\" INTEGER NOT NULL",
            );
            if side.members {
                sql.push(", \"elem\" TEXT NOT NULL, \"c_value\" TEXT NOT NULL, PRIMARY KEY (\"tenant\", \"id\", \"c_value\"))");
            } else {
                sql.push(", PRIMARY KEY (\"tenant\", \"id\", \"pos\"))");
            }
            exec(&mut tx, sql).await?;
            if side.members {
                exec(&mut tx, crate::store::sql::members::by_member_index(side)).await?;
            }
        }
        // Promoted columns and their indexes.
        for (table, attr) in plan.promoted_columns() {
            add_column(&mut tx, table, &attr.column, column_type(attr.kind, attr.shape)).await?;
            if let Some(lc) = &attr.lc_column {
                add_column(&mut tx, table, lc, "TEXT").await?;
            }
            exec(&mut tx, SqlPlan::index_statement(table, attr)).await?;
        }
        let layout = plan.layout(LAYOUT_PREFIX);
        let mut sql = Sql::new("SELECT \"layout\" FROM \"scim_store_layout\" WHERE \"name\" = ");
        sql.bind_text(plan.table.as_str());
        let recorded: Option<String> = sql
            .query()
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| storage_error("read the layout", &e))?
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(|e| storage_error("read the layout", &e))?;
        if recorded.as_deref() != Some(layout.as_str()) {
            self.reindex_all(&mut tx, kind, plan).await?;
            let mut sql = Sql::new("INSERT OR REPLACE INTO \"scim_store_layout\" (\"name\", \"layout\") VALUES (");
            sql.bind_text(plan.table.as_str()).push(", ").bind_text(&layout).push(")");
            exec(&mut tx, sql).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    /// Refill every promoted column and derived side table of `kind` from the documents.
    async fn reindex_all(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        kind: &ResourceKind,
        plan: &SqlPlan,
    ) -> ScimResult<()> {
        let mut sql = Sql::new("SELECT \"tenant\", \"id\", \"doc\" FROM ");
        sql.ident(&plan.table);
        let rows = sql.query().fetch_all(&mut **tx).await.map_err(|e| storage_error("reindex", &e))?;
        for row in rows {
            let (tenant, id, doc): (String, String, String) = (
                row.try_get(0).map_err(|e| storage_error("reindex", &e))?,
                row.try_get(1).map_err(|e| storage_error("reindex", &e))?,
                row.try_get(2).map_err(|e| storage_error("reindex", &e))?,
            );
            let doc: serde_json::Value = serde_json::from_str(&doc)
                .map_err(|_| crate::error::ScimError::internal(format!("stored {} {id} is not JSON", kind.name())))?;
            let scope = SqlScope { tenant: &tenant, kind, plan, memberships: None };
            super::write::update_main(tx, scope, &id, None, &doc).await?;
            super::write::write_side_rows(tx, scope, &id, &doc, true).await?;
        }
        Ok(())
    }
}

pub(super) async fn exec(tx: &mut Transaction<'static, Sqlite>, sql: Sql) -> ScimResult<u64> {
    sql.query().execute(&mut **tx).await.map(|r| r.rows_affected()).map_err(|e| {
        if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
            crate::error::ScimError::uniqueness("a value that must be unique is already in use")
        } else {
            storage_error("write", &e)
        }
    })
}

/// `ALTER TABLE ... ADD COLUMN` unless the column exists.
pub(super) async fn add_column(
    tx: &mut Transaction<'static, Sqlite>,
    table: &Ident,
    column: &Ident,
    column_type: &'static str,
) -> ScimResult<()> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM pragma_table_info(");
    sql.bind_text(table.as_str()).push(") WHERE \"name\" = ").bind_text(column.as_str());
    let row = sql.query().fetch_one(&mut **tx).await.map_err(|e| storage_error("inspect a table", &e))?;
    let count: i64 = row.try_get(0).map_err(|e| storage_error("inspect a table", &e))?;
    if count == 0 {
        let mut sql = Sql::new("ALTER TABLE ");
        sql.ident(table).push(" ADD COLUMN ").ident(column).push(" ");
        sql.push(column_type);
        exec(tx, sql).await?;
    }
    Ok(())
}
