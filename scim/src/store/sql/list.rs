//! The statements of a list, for both dialects: the count of all matches, and the page.

use super::builder::Sql;
use super::compile::{self, Dialect};
use super::{SqlPlan, SqlScope};
use crate::error::{ScimError, ScimResult};
use crate::filter::{CompareOp, PathScope, ResolvedFilter};
use crate::query::SortOrder;
use crate::store::keyset::keyset_sort_attr;
use crate::store::sort::{sort_case_exact, sort_target};
use crate::store::{IndexedShape, KeysetPosition, StoreQuery};

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

/// The statement reading a list's page: `id`, `doc`, `version`, `plain` of each row. An index
/// page skips `OFFSET` rows; a keyset page ([`StoreQuery::keyset`]) starts after its position
/// with a condition on the ordering columns, so that its cost does not grow with its depth.
pub(crate) fn page_statement(scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<Sql> {
    let sort_attr = match query.keyset {
        Some(_) => keyset_sort_attr(query.sort_by)?,
        None => query.sort_by.map(sort_target).transpose()?,
    };
    let order = sort_attr.map(|attr| sort_expression(scope, attr)).transpose()?;
    let descending = query.sort_order == SortOrder::Descending;
    let mut page = Sql::new(stored_doc_columns(dialect));
    page.ident(&scope.plan.table).push(" t").append(list_condition(scope, query, dialect)?);
    if let Some(after) = query.keyset.and_then(|keyset| keyset.after) {
        page.append(keyset_condition(order.as_ref(), after, descending));
    }
    page.push(" ORDER BY ");
    if let Some(key) = order {
        page.push("(").append(key.clone()).push(if descending { ") IS NULL DESC, (" } else { ") IS NULL, (" });
        page.append(key).push(if descending { ") DESC, " } else { "), " });
    }
    // Ties: creation order for index pages; `id` (unique, so the order is total) for keyset
    // pages, whose position names the last row by its key and id.
    page.push(if query.keyset.is_some() { "t.\"id\"" } else { "t.\"seq\"" });
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
    if query.keyset.is_none() {
        page.push(" OFFSET ").bind_int(i64::try_from(query.offset()).unwrap_or(i64::MAX));
    }
    Ok(page)
}

/// ` AND ...`: the rows after `after` in the keyset order (see [`crate::store::keyset`]) of the
/// sort expression `key` (`None`: by `id` alone). Missing keys (`NULL`) sort last ascending and
/// first descending; ties and the `NULL` group go by `id` ascending.
fn keyset_condition(key: Option<&Sql>, after: &KeysetPosition, descending: bool) -> Sql {
    let Some(key) = key else {
        let mut sql = Sql::new(" AND t.\"id\" > ");
        sql.bind_text(&after.id);
        return sql;
    };
    let mut sql = Sql::new(" AND (");
    match (&after.key, descending) {
        // Ascending after a key: a greater (key, id) pair, or no key at all (those come last).
        (Some(value), false) => {
            sql.push("((").append(key.clone()).push("), t.\"id\") > (").bind(Some(value.clone()));
            sql.push(", ").bind_text(&after.id).push(") OR (").append(key.clone()).push(") IS NULL");
        }
        // Ascending among the keyless (the last group): only they, by id.
        (None, false) => {
            sql.push("(").append(key.clone()).push(") IS NULL AND t.\"id\" > ").bind_text(&after.id);
        }
        // Descending after a key: a smaller key, or the same key with a greater id.
        (Some(value), true) => {
            sql.push("(").append(key.clone()).push(") < ").bind(Some(value.clone())).push(" OR ((");
            sql.append(key.clone()).push(") = ").bind(Some(value.clone()));
            sql.push(" AND t.\"id\" > ").bind_text(&after.id).push(")");
        }
        // Descending among the keyless (the first group): the rest of them, then every key.
        (None, true) => {
            sql.push("((").append(key.clone()).push(") IS NULL AND t.\"id\" > ").bind_text(&after.id);
            sql.push(") OR (").append(key.clone()).push(") IS NOT NULL");
        }
    }
    sql.push(")");
    sql
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

    /// A cursor page starts after its position by a condition on the ordering columns, never
    /// by skipping rows: no `OFFSET`, in either dialect, sorted or not.
    #[test]
    fn keyset_pages_have_no_offset() {
        use crate::store::{Keyset, KeysetPosition, Scalar};
        let kind = ResourceKind::new(builtin::user_schema(), &["userName", "displayName"]).unwrap();
        let plan = SqlPlan::new(&kind);
        let scope = SqlScope::new(Scope::new("t", &kind), &plan);
        let schema = &kind.schema;
        let display_name = schema.resolve(&crate::filter::parse_attr_path("displayName").unwrap()).unwrap();
        let keyed = KeysetPosition { key: Some(Scalar::Text("b".into())), id: "x".into() };
        let keyless = KeysetPosition { key: None, id: "x".into() };
        let cases = [
            (None, SortOrder::Ascending, Some(&keyed), " AND t.\"id\" > ? ORDER BY t.\"id\" LIMIT 4"),
            (
                Some(display_name),
                SortOrder::Ascending,
                None,
                "ORDER BY (t.\"c_displayname_lc\") IS NULL, (t.\"c_displayname_lc\"), t.\"id\" LIMIT 4",
            ),
            (
                Some(display_name),
                SortOrder::Ascending,
                Some(&keyed),
                "(((t.\"c_displayname_lc\"), t.\"id\") > (?, ?) OR (t.\"c_displayname_lc\") IS NULL)",
            ),
            (
                Some(display_name),
                SortOrder::Ascending,
                Some(&keyless),
                "((t.\"c_displayname_lc\") IS NULL AND t.\"id\" > ?)",
            ),
            (
                Some(display_name),
                SortOrder::Descending,
                Some(&keyed),
                "((t.\"c_displayname_lc\") < ? OR ((t.\"c_displayname_lc\") = ? AND t.\"id\" > ?))",
            ),
            (
                Some(display_name),
                SortOrder::Descending,
                Some(&keyless),
                "(((t.\"c_displayname_lc\") IS NULL AND t.\"id\" > ?) OR (t.\"c_displayname_lc\") IS NOT NULL)",
            ),
        ];
        for (sort_by, sort_order, after, expected) in cases {
            let query = StoreQuery {
                sort_by,
                sort_order,
                count: Some(4),
                start_index: 7,
                keyset: Some(Keyset { after }),
                ..StoreQuery::default()
            };
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                let page = page_statement(scope, &query, dialect).unwrap();
                assert!(!page.text().contains("OFFSET"), "{}", page.text());
                assert!(page.text().contains(expected), "{expected}\n{}", page.text());
            }
        }
    }
}
