//! Writing a resource's row, its promoted columns and its side-table rows (the statements are
//! [`crate::store::sql::statements`], shared with PostgreSQL).

use serde_json::Value;
use sqlx::{Sqlite, Transaction};

use super::ddl::exec;
use crate::error::ScimResult;
use crate::store::sql::compile::Dialect;
use crate::store::sql::{SideTable, SqlScope, statements};

pub(super) use crate::store::sql::statements::where_row;

type Tx = Transaction<'static, Sqlite>;

/// Insert a new resource row.
pub(super) async fn insert_main(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    id: &str,
    version: u64,
    record: &Value,
) -> ScimResult<()> {
    exec(tx, statements::insert_main(scope, id, version, record, Dialect::Sqlite)).await.map(drop)
}

/// See [`statements::update_main`].
pub(super) async fn update_main(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    id: &str,
    version: Option<u64>,
    record: &Value,
) -> ScimResult<()> {
    exec(tx, statements::update_main(scope, id, version, record, Dialect::Sqlite)).await.map(drop)
}

/// Rewrite the derived side rows (every side table but the members table) of a resource.
pub(super) async fn write_side_rows(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    id: &str,
    record: &Value,
    delete_first: bool,
) -> ScimResult<()> {
    if delete_first {
        for side in scope.plan.side_tables.iter().filter(|s| !s.members) {
            delete_rows(tx, side, scope.tenant, id).await?;
        }
    }
    for (side, pos, element) in statements::side_rows(scope.plan, record) {
        insert_element(tx, scope, side, id, pos, element).await?;
    }
    Ok(())
}

/// Delete every row of `side` belonging to a resource.
pub(super) async fn delete_rows(tx: &mut Tx, side: &SideTable, tenant: &str, id: &str) -> ScimResult<u64> {
    exec(tx, statements::delete_rows(side, tenant, id)).await
}

/// Insert one element row; for the members table, `INSERT OR IGNORE` (a member already there
/// stays as it is). Returns whether a row was inserted.
pub(super) async fn insert_element(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    side: &SideTable,
    id: &str,
    pos: usize,
    element: &Value,
) -> ScimResult<bool> {
    Ok(exec(tx, statements::insert_element(scope, side, id, pos, element, Dialect::Sqlite)?).await? > 0)
}
