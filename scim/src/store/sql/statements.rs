//! The write statements of the SQL stores: a resource's row with its promoted columns, and its
//! side-table rows. Built here once for both dialects; each store only executes them.

use serde_json::Value;

use super::builder::{Param, Sql};
use super::compile::Dialect;
use super::{Ident, SideTable, SqlPlan, SqlScope};
use crate::error::{ScimError, ScimResult};
use crate::filter::eval::is_present;
use crate::plain::is_plain;
use crate::store::kind::lookup;
use crate::store::{IndexedAttr, IndexedShape, Scalar, changed_unique_values, member_id, version_tag};

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

/// Bind the document (SQLite keeps the text, PostgreSQL a `jsonb`), then (after `plain`, a
/// separator) whether it is plain ([`crate::plain`]). A `jsonb` does not keep the text as
/// written, but its content: PostgreSQL's reads put `meta` back last, which is all a plain
/// document's text needs.
fn bind_document(
    sql: &mut Sql,
    scope: SqlScope<'_>,
    id: &str,
    version: u64,
    record: &Value,
    dialect: Dialect,
    plain: &'static str,
) {
    let text = record.to_string();
    let tag =
        is_plain(&text, &scope.kind.schema, id, &version_tag(version)).then_some(Scalar::Int(scope.plan.plain_tag));
    sql.bind_text(&text);
    if dialect == Dialect::Postgres {
        sql.push("::jsonb");
    }
    sql.push(plain).bind(tag);
}

/// Insert a new resource row.
pub(crate) fn insert_main(scope: SqlScope<'_>, id: &str, version: u64, record: &Value, dialect: Dialect) -> Sql {
    let columns = main_columns(scope.plan, record);
    let mut sql = Sql::new("INSERT INTO ");
    sql.ident(&scope.plan.table).push(" (\"tenant\", \"id\", \"version\", \"doc\", \"plain\"");
    for (column, _) in &columns {
        sql.push(", ").ident(column);
    }
    sql.push(") VALUES (").bind_text(scope.tenant).push(", ").bind_text(id).push(", ");
    sql.bind_int(version_int(version)).push(", ");
    bind_document(&mut sql, scope, id, version, record, dialect, ", ");
    for (_, value) in columns {
        sql.push(", ").bind(value);
    }
    sql.push(")");
    sql
}

/// Overwrite a resource row: with `version`, the document, version and promoted columns;
/// without, only the promoted columns (after new attributes were indexed).
pub(crate) fn update_main(
    scope: SqlScope<'_>,
    id: &str,
    version: Option<u64>,
    record: &Value,
    dialect: Dialect,
) -> Sql {
    let mut sql = Sql::new("UPDATE ");
    sql.ident(&scope.plan.table).push(" SET \"seq\" = \"seq\"");
    if let Some(version) = version {
        sql.push(", \"version\" = ").bind_int(version_int(version));
        sql.push(", \"doc\" = ");
        bind_document(&mut sql, scope, id, version, record, dialect, ", \"plain\" = ");
    }
    for (column, value) in main_columns(scope.plan, record) {
        sql.push(", ").ident(column).push(" = ").bind(value);
    }
    where_row(&mut sql, scope.tenant, id);
    sql
}

pub(crate) fn where_row(sql: &mut Sql, tenant: &str, id: &str) {
    sql.push(" WHERE \"tenant\" = ").bind_text(tenant).push(" AND \"id\" = ").bind_text(id);
}

fn version_int(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// The derived side rows (every side table but the members table) of a resource: each table
/// with its non-null elements and their positions.
pub(crate) fn side_rows<'a>(plan: &'a SqlPlan, record: &'a Value) -> Vec<(&'a SideTable, usize, &'a Value)> {
    let mut out = Vec::new();
    for side in plan.side_tables.iter().filter(|s| !s.members) {
        let container = match &side.urn {
            Some(urn) => lookup(record, urn),
            None => Some(record),
        };
        let Some(value) = container.and_then(|c| lookup(c, &side.attribute)) else { continue };
        let elements = match value {
            Value::Array(elements) => elements.as_slice(),
            other => std::slice::from_ref(other),
        };
        out.extend(elements.iter().enumerate().filter(|(_, e)| !e.is_null()).map(|(pos, e)| (side, pos, e)));
    }
    out
}

/// Delete every row of `side` belonging to a resource.
pub(crate) fn delete_rows(side: &SideTable, tenant: &str, id: &str) -> Sql {
    let mut sql = Sql::new("DELETE FROM ");
    sql.ident(&side.table);
    where_row(&mut sql, tenant, id);
    sql
}

/// Insert one element row; for the members table, a member already there stays as it is (the
/// statement then inserts nothing).
pub(crate) fn insert_element(
    scope: SqlScope<'_>,
    side: &SideTable,
    id: &str,
    pos: usize,
    element: &Value,
    dialect: Dialect,
) -> ScimResult<Sql> {
    let ignore = side.members && dialect == Dialect::Sqlite;
    let mut sql = Sql::new(if ignore { "INSERT OR IGNORE INTO " } else { "INSERT INTO " });
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
        if dialect == Dialect::Postgres {
            sql.push("::jsonb");
        }
    }
    sql.push(")");
    if side.members && dialect == Dialect::Postgres {
        sql.push(" ON CONFLICT DO NOTHING");
    }
    Ok(sql)
}

/// For each unique value of `record` that is new or changed from `previous` (see
/// [`changed_unique_values`]), the attribute and a statement selecting a row when another
/// resource of the tenant already has the value.
pub(crate) fn unique_checks<'k>(
    scope: SqlScope<'k>,
    id: &str,
    record: &Value,
    previous: Option<&Value>,
) -> ScimResult<Vec<(&'k IndexedAttr, Sql)>> {
    let mut out = Vec::new();
    for (attr, value) in changed_unique_values(scope.kind, record, previous) {
        let column = scope
            .plan
            .indexed
            .iter()
            .find(|c| c.path == attr.path)
            .ok_or_else(|| ScimError::internal(format!("`{}` has no column", attr.path)))?;
        let mut sql = Sql::new("SELECT 1 FROM ");
        sql.ident(&scope.plan.table).push(" WHERE \"tenant\" = ").bind_text(scope.tenant);
        sql.push(" AND ").ident(column.compare_column()).push(" = ").bind(Some(value));
        sql.push(" AND \"id\" <> ").bind_text(id).push(" LIMIT 1");
        out.push((attr, sql));
    }
    Ok(out)
}

/// A document read for a PATCH with the group members it needs (before `meta`, where a stored
/// record keeps them).
pub(crate) fn with_loaded_members(doc: Value, members: Vec<Value>) -> Value {
    match doc {
        Value::Object(map) => Value::Object(crate::store::with_members(map, members)),
        other => other,
    }
}
