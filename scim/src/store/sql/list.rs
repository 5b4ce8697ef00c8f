//! The statements of a list, for both dialects: the count of all matches, and the page.

use super::builder::Sql;
use super::compile::{self, Dialect};
use super::{SqlPlan, SqlScope};
use crate::error::{ScimError, ScimResult};
use crate::filter::{CompareOp, PathScope, ResolvedFilter};
use crate::query::SortOrder;
use crate::store::sort::{sort_case_exact, sort_target};
use crate::store::{IndexedShape, StoreQuery};

/// The start of every statement reading stored documents (a single one or a list's page), so
/// that a store reads all their rows alike: `id`, the document as text, `version`, and (SQLite)
/// the plain tag. The table follows, aliased `t` in lists.
pub(crate) fn stored_doc_columns(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SELECT \"id\", \"doc\", \"version\", \"plain\" FROM ",
        Dialect::Postgres => "SELECT \"id\", \"doc\"::text, \"version\" FROM ",
    }
}

/// Whether `filter` matches at most one resource of a tenant: `eq` on a unique single-valued
/// attribute (`userName eq "..."`, Entra ID's and Okta's lookup), which compares the very
/// column the unique index holds.
pub(crate) fn matches_at_most_one(plan: &SqlPlan, filter: Option<&ResolvedFilter<'_>>) -> bool {
    let Some(ResolvedFilter::Compare { path, op: CompareOp::Eq, .. }) = filter else { return false };
    path.scope == PathScope::Resource
        && path.element_filter.is_none()
        && plan.indexed_attr(&path.attr).is_some_and(|attr| attr.unique && attr.shape == IndexedShape::Single)
}

/// ` WHERE ...`: the tenant's rows matching the query's filter.
fn list_condition(scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<Sql> {
    let mut condition = Sql::new(" WHERE t.\"tenant\" = ");
    condition.bind_text(scope.tenant);
    if let Some(filter) = query.filter {
        condition.push(" AND (").append(compile::compile(scope, filter, dialect)?).push(")");
    }
    Ok(condition)
}

/// The statement counting a list's matches (built only when the page alone cannot tell).
pub(crate) fn count_statement(scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<Sql> {
    let mut count = Sql::new("SELECT COUNT(*) FROM ");
    count.ident(&scope.plan.table).push(" t").append(list_condition(scope, query, dialect)?);
    Ok(count)
}

/// The statement reading a list's page: `id`, `doc`, `version`, `plain` of each row.
pub(crate) fn page_statement(scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<Sql> {
    let order = query.sort_by.map(|attr| sort_expression(scope, sort_target(attr)?)).transpose()?;
    let mut page = Sql::new(stored_doc_columns(dialect));
    page.ident(&scope.plan.table).push(" t").append(list_condition(scope, query, dialect)?);
    page.push(" ORDER BY ");
    if let Some(key) = order {
        let descending = query.sort_order == SortOrder::Descending;
        page.push("(").append(key.clone()).push(if descending { ") IS NULL DESC, (" } else { ") IS NULL, (" });
        page.append(key).push(if descending { ") DESC, " } else { "), " });
    }
    page.push("t.\"seq\"");
    // No count: SQLite's `LIMIT -1` is no limit, and PostgreSQL has none without `LIMIT`.
    match (query.count, dialect) {
        (Some(count), _) => {
            page.limit(i64::try_from(count).unwrap_or(i64::MAX));
        }
        (None, Dialect::Sqlite) => {
            page.limit(-1);
        }
        (None, Dialect::Postgres) => {}
    }
    page.push(" OFFSET ").bind_int(i64::try_from(query.offset()).unwrap_or(i64::MAX));
    Ok(page)
}

/// The SQL expression `t` sorts by: the promoted column, or for a multi-valued attribute the
/// primary element's (else the first element's) value from its side table.
fn sort_expression(scope: SqlScope<'_>, attr: crate::schema::ResolvedAttr<'_>) -> ScimResult<Sql> {
    let (kind, plan) = (scope.kind, scope.plan);
    if attr.owner == crate::schema::AttrOwner::Common && attr.attribute.name == "id" && attr.sub_attribute.is_none() {
        return Ok(Sql::new("t.\"id\""));
    }
    let indexed = plan.indexed_attr(&attr).ok_or_else(|| {
        ScimError::invalid_value(format!(
            "cannot sort by `{}`: it is not an indexed attribute of {}",
            attr.canonical(),
            kind.name()
        ))
    })?;
    let column = if sort_case_exact(&attr) { &indexed.column } else { indexed.compare_column() };
    match indexed.shape {
        IndexedShape::Single => {
            let mut sql = Sql::new("t.");
            sql.ident(column);
            Ok(sql)
        }
        IndexedShape::Element => {
            let side = plan.side_table_of(indexed).ok_or_else(|| ScimError::internal("side table missing"))?;
            let mut sql = Sql::new("(SELECT s.");
            sql.ident(column).push(" FROM ").ident(&side.table);
            sql.push(" s WHERE s.\"tenant\" = t.\"tenant\" AND s.\"id\" = t.\"id\" ORDER BY s.\"prim\" DESC, s.\"pos\" LIMIT 1)");
            Ok(sql)
        }
        IndexedShape::SingleComplex | IndexedShape::Multi => {
            Err(ScimError::invalid_value(format!("cannot sort by `{}`: it is complex", attr.canonical())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin;
    use crate::store::{ResourceKind, Scope};

    /// A bound `LIMIT ?` makes SQLite prepare the statement again on every execution (see
    /// [`Sql::limit`]), so the page statement writes its limit and binds only the offset.
    #[test]
    fn page_statements_write_the_limit_and_bind_the_offset() {
        let kind = ResourceKind::new(builtin::user_schema(), &["userName"]).unwrap();
        let plan = SqlPlan::new(&kind);
        let scope = SqlScope::new(Scope::new("t", &kind), &plan);
        for (count, ending) in
            [(Some(5), " LIMIT 5 OFFSET ?"), (None, " LIMIT -1 OFFSET ?"), (Some(0), " LIMIT 0 OFFSET ?")]
        {
            let query = StoreQuery { count, start_index: 3, ..StoreQuery::default() };
            let page = page_statement(scope, &query, Dialect::Sqlite).unwrap();
            assert!(page.text().ends_with(ending), "{count:?}: {}", page.text());
            assert!(!page.text().contains("LIMIT ?"), "{}", page.text());
        }
    }
}
