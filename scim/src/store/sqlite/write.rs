//! Writing a resource's row, its promoted columns and its side-table rows.

use serde_json::Value;
use sqlx::{Sqlite, Transaction};

use super::ddl::exec;
use crate::error::ScimResult;
use crate::filter::eval::is_present;
use crate::plain::is_plain;
use crate::store::kind::lookup;
use crate::store::sql::builder::{Param, Sql};
use crate::store::sql::{Ident, SideTable, SqlPlan, SqlScope};
use crate::store::{IndexedShape, Scalar, member_id, version_tag};

/// The promoted columns of the resource table with their values for `record`.
fn main_columns<'k>(plan: &'k SqlPlan, record: &Value) -> Vec<(&'k Ident, Param)> {
    let mut out = Vec::new();
    for attr in &plan.indexed {
        if !matches!(attr.shape, IndexedShape::Single | IndexedShape::SingleComplex) {
            continue;
        }
        let value = attr.scalar(record);
        if let Some(lc) = &attr.lc_column {
            out.push((lc, value.as_ref().map(|v| v.lowered())));
        }
        out.push((&attr.column, value));
    }
    out
}

/// Insert a new resource row.
pub(super) async fn insert_main(
    tx: &mut Transaction<'static, Sqlite>,
    scope: SqlScope<'_>,
    id: &str,
    version: u64,
    record: &Value,
) -> ScimResult<()> {
    let columns = main_columns(scope.plan, record);
    let mut sql = Sql::new("INSERT INTO ");
    sql.ident(&scope.plan.table).push(" (\"tenant\", \"id\", \"version\", \"doc\", \"plain\"");
    for (column, _) in &columns {
        sql.push(", ").ident(column);
    }
    sql.push(") VALUES (").bind_text(scope.tenant).push(", ").bind_text(id).push(", ");
    let (text, plain) = document_text(scope, id, version, record);
    sql.bind_int(version_int(version)).push(", ").bind_text(&text).push(", ").bind(plain);
    for (_, value) in columns {
        sql.push(", ").bind(value);
    }
    sql.push(")");
    exec(tx, sql).await.map(drop)
}

/// Overwrite a resource row: with `version`, the document, version and promoted columns;
/// without, only the promoted columns (after new attributes were indexed).
pub(super) async fn update_main(
    tx: &mut Transaction<'static, Sqlite>,
    scope: SqlScope<'_>,
    id: &str,
    version: Option<u64>,
    record: &Value,
) -> ScimResult<()> {
    let mut sql = Sql::new("UPDATE ");
    sql.ident(&scope.plan.table).push(" SET \"seq\" = \"seq\"");
    if let Some(version) = version {
        sql.push(", \"version\" = ").bind_int(version_int(version));
        let (text, plain) = document_text(scope, id, version, record);
        sql.push(", \"doc\" = ").bind_text(&text).push(", \"plain\" = ").bind(plain);
    }
    for (column, value) in main_columns(scope.plan, record) {
        sql.push(", ").ident(column).push(" = ").bind(value);
    }
    where_row(&mut sql, scope.tenant, id);
    exec(tx, sql).await.map(drop)
}

/// The stored text of `record` at `version`, and the schema tag when the text is plain
/// ([`crate::plain`]): then reads can serve it without parsing it.
fn document_text(scope: SqlScope<'_>, id: &str, version: u64, record: &Value) -> (String, Param) {
    let text = record.to_string();
    let plain =
        is_plain(&text, &scope.kind.schema, id, &version_tag(version)).then_some(Scalar::Int(scope.plan.plain_tag));
    (text, plain)
}

pub(super) fn where_row(sql: &mut Sql, tenant: &str, id: &str) {
    sql.push(" WHERE \"tenant\" = ").bind_text(tenant).push(" AND \"id\" = ").bind_text(id);
}

fn version_int(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// Rewrite the derived side rows (every side table but the members table) of a resource.
pub(super) async fn write_side_rows(
    tx: &mut Transaction<'static, Sqlite>,
    scope: SqlScope<'_>,
    id: &str,
    record: &Value,
    delete_first: bool,
) -> ScimResult<()> {
    for side in scope.plan.side_tables.iter().filter(|s| !s.members) {
        if delete_first {
            delete_rows(tx, side, scope.tenant, id).await?;
        }
        let container = match &side.urn {
            Some(urn) => lookup(record, urn),
            None => Some(record),
        };
        let Some(value) = container.and_then(|c| lookup(c, &side.attribute)) else { continue };
        let elements = match value {
            Value::Array(elements) => elements.as_slice(),
            other => std::slice::from_ref(other),
        };
        for (pos, element) in elements.iter().enumerate().filter(|(_, e)| !e.is_null()) {
            insert_element(tx, scope, side, id, pos, element).await?;
        }
    }
    Ok(())
}

/// Delete every row of `side` belonging to a resource.
pub(super) async fn delete_rows(
    tx: &mut Transaction<'static, Sqlite>,
    side: &SideTable,
    tenant: &str,
    id: &str,
) -> ScimResult<u64> {
    let mut sql = Sql::new("DELETE FROM ");
    sql.ident(&side.table);
    where_row(&mut sql, tenant, id);
    exec(tx, sql).await
}

/// Insert one element row; for the members table, `INSERT OR IGNORE` (a member already there
/// stays as it is). Returns whether a row was inserted.
pub(super) async fn insert_element(
    tx: &mut Transaction<'static, Sqlite>,
    scope: SqlScope<'_>,
    side: &SideTable,
    id: &str,
    pos: usize,
    element: &Value,
) -> ScimResult<bool> {
    let mut sql = Sql::new(if side.members { "INSERT OR IGNORE INTO " } else { "INSERT INTO " });
    sql.ident(&side.table).push(" (\"tenant\", \"id\", \"pos\", \"prim\", \"present\"");
    let columns: Vec<_> = side.columns.iter().filter_map(|&i| scope.plan.indexed.get(i)).collect();
    let mut values = Vec::new();
    for attr in &columns {
        let value = attr.scalar(element);
        if let Some(lc) = &attr.lc_column {
            values.push((lc, value.as_ref().map(|v| v.lowered())));
        }
        values.push((&attr.column, value));
    }
    for (column, _) in &values {
        sql.push(", ").ident(column);
    }
    if side.members {
        sql.push(", \"elem\"");
    }
    sql.push(") VALUES (").bind_text(scope.tenant).push(", ").bind_text(id).push(", ");
    sql.bind_int(i64::try_from(pos).unwrap_or(i64::MAX)).push(", ");
    let primary = lookup(element, "primary").and_then(Value::as_bool) == Some(true);
    sql.bind_int(i64::from(primary)).push(", ").bind_int(i64::from(is_present(element)));
    for (_, value) in values {
        sql.push(", ").bind(value);
    }
    if side.members {
        member_id(element)?;
        sql.push(", ").bind_text(&element.to_string());
    }
    sql.push(")");
    Ok(exec(tx, sql).await? > 0)
}
