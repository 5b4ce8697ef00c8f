//! The statements of a list, for both dialects: the count of all matches, and the page.

use super::builder::Sql;
use super::compile::{self, Dialect};
use super::members::{FoldedMember, MembershipsFold};
use super::{SqlPlan, SqlScope};
use crate::error::{ScimError, ScimResult};
use crate::filter::{CompareOp, PathScope, ResolvedFilter};
use crate::query::SortOrder;
use crate::store::keyset::keyset_sort_attr;
use crate::store::sort::{sort_case_exact, sort_target};
use crate::store::{IndexedShape, KeysetPosition, StoreQuery};

/// The start of every statement reading stored documents (a single one or a list's page), so
/// that a store reads all their rows alike: `id`, the document as text (PostgreSQL: without
/// `meta`, then `meta` apart, see `PostgresStore`'s `StoredRow`), `version` and the plain tag,
/// then `fold`'s memberships column (of the row of `t`) when there is a fold. The table follows,
/// aliased `t`.
pub(crate) fn stored_doc_select(dialect: Dialect, fold: Option<MembershipsFold<'_>>) -> Sql {
    let mut sql = Sql::new(match dialect {
        Dialect::Sqlite => "SELECT \"id\", \"doc\", \"version\", \"plain\"",
        Dialect::Postgres => {
            "SELECT \"id\", (\"doc\" - 'meta')::text, \"version\", \"plain\", (\"doc\" -> 'meta')::text"
        }
    });
    if let Some(fold) = fold {
        fold.push_column(&mut sql, FoldedMember::TABLE_T, dialect);
    }
    sql.push(" FROM ");
    sql
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

/// ` WHERE ...`: the tenant's rows matching the query's filter, written onto `sql`.
fn push_list_condition(sql: &mut Sql, scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<()> {
    sql.push(" WHERE t.\"tenant\" = ").bind_text(scope.tenant);
    if let Some(filter) = query.filter {
        sql.push(" AND (");
        compile::compile_onto(sql, scope, filter, dialect)?;
        sql.push(")");
    }
    Ok(())
}

/// The statement counting a list's matches (built only when the page alone cannot tell).
pub(crate) fn count_statement(scope: SqlScope<'_>, query: &StoreQuery<'_>, dialect: Dialect) -> ScimResult<Sql> {
    let mut count = Sql::new("SELECT COUNT(*) FROM ");
    count.ident(&scope.plan.table).push(" t");
    push_list_condition(&mut count, scope, query, dialect)?;
    Ok(count)
}

/// The statement reading a list's page: `id`, `doc`, `version`, `plain` of each row. An index
/// page skips `OFFSET` rows; a keyset page ([`StoreQuery::keyset`]) starts after its position
/// with a condition on the ordering columns, so that its cost does not grow with its depth.
pub(crate) fn page_statement(
    scope: SqlScope<'_>,
    query: &StoreQuery<'_>,
    dialect: Dialect,
    fold: Option<MembershipsFold<'_>>,
) -> ScimResult<Sql> {
    let sort_attr = match query.keyset {
        Some(_) => keyset_sort_attr(query.sort_by)?,
        None => query.sort_by.map(sort_target).transpose()?,
    };
    let order = sort_attr.map(|attr| sort_expression(scope, attr)).transpose()?;
    let descending = query.sort_order == SortOrder::Descending;
    if let (Some(keyset), Some(key)) = (query.keyset, &order) {
        return sorted_keyset_page(scope, query, dialect, keyset.after, key, descending, fold);
    }
    let mut page = stored_doc_select(dialect, fold);
    page.ident(&scope.plan.table).push(" t");
    push_list_condition(&mut page, scope, query, dialect)?;
    if let Some(after) = query.keyset.and_then(|keyset| keyset.after) {
        page.push(" AND t.\"id\" > ").bind_text(&after.id);
    }
    page.push(" ORDER BY ");
    if let Some(key) = order {
        page.push("(").append(key.clone()).push(if descending { ") IS NULL DESC, (" } else { ") IS NULL, (" });
        page.append(key).push(if descending { ") DESC, " } else { "), " });
    }
    // Ties: creation order for index pages; `id` (unique, so the order is total) for keyset
    // pages, whose position names the last row by its key and id.
    page.push(if query.keyset.is_some() { "t.\"id\"" } else { "t.\"seq\"" });
    page_limit(&mut page, query, dialect);
    // A first page (every lookup) has no `OFFSET`: one parameter fewer to bind and send.
    if query.keyset.is_none() && query.offset() > 0 {
        page.push(" OFFSET ").bind_int(i64::try_from(query.offset()).unwrap_or(i64::MAX));
    }
    Ok(page)
}

/// ` LIMIT n` for the query's `count`; none without one (SQLite's `LIMIT -1` is no limit, and
/// PostgreSQL has none without `LIMIT`).
fn page_limit(page: &mut Sql, query: &StoreQuery<'_>, dialect: Dialect) {
    match (query.count, dialect) {
        (Some(count), _) => {
            page.limit(i64::try_from(count).unwrap_or(i64::MAX));
        }
        (None, Dialect::Sqlite) => {
            page.limit(-1);
        }
        (None, Dialect::Postgres) => {}
    }
}

/// A sorted keyset page (RFC 9865 cursors with `sortBy`). Rows with a sort key and rows
/// without are read by two arms, each `ORDER BY key, id LIMIT n` (or `id` alone for the
/// keyless): an order the promoted column's index gives, so the database walks the index from
/// the position and stops after the page, where `ORDER BY key IS NULL, key, id` over both
/// groups made it sort every match for every page. The outer `ORDER BY` puts the groups in the
/// keyset order of [`crate::store::keyset`] (ascending: keyed, then keyless; descending: keyless,
/// then keyed by key descending; ties and the keyless by `id`) and sorts at most two pages.
/// A position in the second group leaves only that group to read.
fn sorted_keyset_page(
    scope: SqlScope<'_>,
    query: &StoreQuery<'_>,
    dialect: Dialect,
    after: Option<&KeysetPosition>,
    key: &Sql,
    descending: bool,
    fold: Option<MembershipsFold<'_>>,
) -> ScimResult<Sql> {
    let with_keyed = descending || after.is_none_or(|position| position.key.is_some());
    let with_keyless = !descending || after.is_none_or(|position| position.key.is_none());
    // The group that comes first in the order is numbered 0.
    let keyed_group: &'static str = if descending { "1" } else { "0" };
    let keyless_group: &'static str = if descending { "0" } else { "1" };
    let mut arms = Vec::new();
    if with_keyed {
        let mut arm = keyset_arm_start(scope, query, dialect, key, keyed_group)?;
        arm.push(" AND (").append(key.clone()).push(") IS NOT NULL");
        if let Some(KeysetPosition { key: Some(value), id }) = after {
            // `key >= v` first, alone, so that it bounds the index range; then past the position.
            let (edge, past) = if descending { (") <= ", ") < ") } else { (") >= ", ") > ") };
            arm.push(" AND (").append(key.clone()).push(edge).bind(Some(value.clone()));
            arm.push(" AND ((").append(key.clone()).push(past).bind(Some(value.clone()));
            arm.push(" OR t.\"id\" > ").bind_text(id).push(")");
        }
        arm.push(" ORDER BY (").append(key.clone()).push(if descending { ") DESC, t.\"id\"" } else { "), t.\"id\"" });
        page_limit(&mut arm, query, dialect);
        arms.push(arm);
    }
    if with_keyless {
        let mut arm = keyset_arm_start(scope, query, dialect, key, keyless_group)?;
        arm.push(" AND (").append(key.clone()).push(") IS NULL");
        if let Some(KeysetPosition { key: None, id }) = after {
            arm.push(" AND t.\"id\" > ").bind_text(id);
        }
        arm.push(" ORDER BY t.\"id\"");
        page_limit(&mut arm, query, dialect);
        arms.push(arm);
    }
    let mut page = Sql::new(match dialect {
        Dialect::Sqlite => "SELECT \"id\", \"doc\", \"version\", \"plain\"",
        Dialect::Postgres => "SELECT \"id\", \"doc\", \"version\", \"plain\", \"meta\"",
    });
    if let Some(fold) = fold {
        // The arms' rows carry no tenant: the fold binds its own.
        fold.push_column(&mut page, FoldedMember { id: "u.\"id\"", tenant: None, kept_in: None }, dialect);
    }
    page.push(" FROM (");
    for (index, arm) in arms.into_iter().enumerate() {
        // Each arm is a subquery of its own: SQLite allows `ORDER BY` and `LIMIT` only at the
        // end of a compound select, and PostgreSQL wants every subquery named.
        page.push(if index == 0 { "SELECT * FROM (" } else { " UNION ALL SELECT * FROM (" });
        page.append(arm).push(if index == 0 { ") a0" } else { ") a1" });
    }
    page.push(") u ORDER BY \"g\", \"k\"").push(if descending { " DESC" } else { "" }).push(", \"id\"");
    page_limit(&mut page, query, dialect);
    Ok(page)
}

/// `SELECT group, key, id, doc, version[, plain] FROM table t WHERE ...`: the start of one
/// arm of [`sorted_keyset_page`], with the tenant and filter condition.
fn keyset_arm_start(
    scope: SqlScope<'_>,
    query: &StoreQuery<'_>,
    dialect: Dialect,
    key: &Sql,
    group: &'static str,
) -> ScimResult<Sql> {
    let mut arm = Sql::new("SELECT ");
    arm.push(group).push(" AS \"g\", (").append(key.clone()).push(") AS \"k\", ");
    arm.push(match dialect {
        Dialect::Sqlite => "t.\"id\", t.\"doc\", t.\"version\", t.\"plain\" FROM ",
        Dialect::Postgres => {
            "t.\"id\", (t.\"doc\" - 'meta')::text AS \"doc\", t.\"version\", t.\"plain\", \
             (t.\"doc\" -> 'meta')::text AS \"meta\" FROM "
        }
    });
    arm.ident(&scope.plan.table).push(" t");
    push_list_condition(&mut arm, scope, query, dialect)?;
    Ok(arm)
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
            let page = page_statement(scope, &query, Dialect::Sqlite, None).unwrap();
            assert!(page.text().ends_with(ending), "{count:?}: {}", page.text());
            assert!(!page.text().contains("LIMIT ?"), "{}", page.text());
            // A first page skips nothing and says so by having no `OFFSET` at all.
            let first = StoreQuery { count, start_index: 1, ..StoreQuery::default() };
            let page = page_statement(scope, &first, Dialect::Sqlite, None).unwrap();
            assert!(page.text().ends_with(&ending[..ending.len() - " OFFSET ?".len()]), "{count:?}: {}", page.text());
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
        let column = "(t.\"c_displayname_lc\")";
        let keyed_arm = format!("{column} IS NOT NULL");
        let keyless_arm = format!("{column} IS NULL");
        let cases = [
            (None, SortOrder::Ascending, Some(&keyed), vec![" AND t.\"id\" > ? ORDER BY t.\"id\" LIMIT 4".to_owned()]),
            (
                Some(display_name),
                SortOrder::Ascending,
                None,
                vec![
                    format!("{keyed_arm} ORDER BY {column}, t.\"id\" LIMIT 4) a0"),
                    format!("UNION ALL SELECT * FROM (SELECT 1 AS \"g\""),
                    format!("{keyless_arm} ORDER BY t.\"id\" LIMIT 4) a1"),
                    ") u ORDER BY \"g\", \"k\", \"id\" LIMIT 4".to_owned(),
                ],
            ),
            (
                Some(display_name),
                SortOrder::Ascending,
                Some(&keyed),
                vec![
                    format!(
                        "{keyed_arm} AND {column} >= ? AND ({column} > ? OR t.\"id\" > ?) ORDER BY {column}, t.\"id\""
                    ),
                    format!("{keyless_arm} ORDER BY t.\"id\" LIMIT 4) a1"),
                ],
            ),
            (
                Some(display_name),
                SortOrder::Ascending,
                Some(&keyless),
                vec![
                    format!("SELECT * FROM (SELECT 1 AS \"g\""),
                    format!("{keyless_arm} AND t.\"id\" > ? ORDER BY t.\"id\" LIMIT 4) a0) u"),
                ],
            ),
            (
                Some(display_name),
                SortOrder::Descending,
                Some(&keyed),
                vec![
                    format!("SELECT * FROM (SELECT 1 AS \"g\""),
                    format!(
                        "{keyed_arm} AND {column} <= ? AND ({column} < ? OR t.\"id\" > ?) ORDER BY {column} DESC, t.\"id\" LIMIT 4) a0) u"
                    ),
                    ") u ORDER BY \"g\", \"k\" DESC, \"id\" LIMIT 4".to_owned(),
                ],
            ),
            (
                Some(display_name),
                SortOrder::Descending,
                Some(&keyless),
                vec![
                    format!("{keyed_arm} ORDER BY {column} DESC, t.\"id\" LIMIT 4) a0"),
                    format!("UNION ALL SELECT * FROM (SELECT 0 AS \"g\""),
                    format!("{keyless_arm} AND t.\"id\" > ? ORDER BY t.\"id\" LIMIT 4) a1"),
                ],
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
                let page = page_statement(scope, &query, dialect, None).unwrap();
                assert!(!page.text().contains("OFFSET"), "{}", page.text());
                assert!(!page.text().contains("IS NULL DESC") && !page.text().contains("IS NULL,"), "{}", page.text());
                for part in &expected {
                    assert!(page.text().contains(part.as_str()), "{part}\n{}", page.text());
                }
            }
        }
    }

    /// SQLite reads the keyed rows of a sorted cursor page as a range of the sort column's
    /// index, from the position on, sorting only ties by id, instead of sorting every match
    /// (the statement before read `(tenant=?)` and sorted it all). Full sorts that may be left:
    /// the outer one over at most two pages, and the keyless rows by id (the index orders them
    /// by row, not id), whose arm only runs where that group can be on the page.
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sqlite_reads_a_sorted_cursor_page_from_the_sort_columns_index() {
        use crate::store::{Keyset, KeysetPosition, Scalar, SqliteStore, Store};
        use sqlx::Row;
        let kind = ResourceKind::new(builtin::user_schema(), &["userName", "displayName"]).unwrap();
        let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
        store.register(&[std::sync::Arc::new(kind.clone())]).await.unwrap();
        let user = serde_json::json!({"schemas": [builtin::USER_URN], "userName": "a", "displayName": "A"});
        store.create(Scope::new("t", &kind), user).await.unwrap();
        let plan = SqlPlan::new(&kind);
        let scope = SqlScope::new(Scope::new("t", &kind), &plan);
        let display_name = kind.schema.resolve(&crate::filter::parse_attr_path("displayName").unwrap()).unwrap();
        let keyed = KeysetPosition { key: Some(Scalar::Text("b".into())), id: "x".into() };
        for sort_order in [SortOrder::Ascending, SortOrder::Descending] {
            for after in [None, Some(&keyed)] {
                let query = StoreQuery {
                    sort_by: Some(display_name),
                    sort_order,
                    count: Some(3),
                    keyset: Some(Keyset { after }),
                    ..StoreQuery::default()
                };
                let mut explain = Sql::new("EXPLAIN QUERY PLAN ");
                explain.append(page_statement(scope, &query, Dialect::Sqlite, None).unwrap());
                let rows = explain.query().fetch_all(store.pool()).await.unwrap();
                let details: Vec<String> = rows.iter().map(|row| row.get::<String, _>(3)).collect();
                let plan_text = details.join("\n");
                let range = details.iter().any(|d| {
                    d.contains("USING INDEX scim_users__c_displayname_lc__idx (tenant=? AND c_displayname_lc")
                        && (d.contains("c_displayname_lc>?") || d.contains("c_displayname_lc<?"))
                });
                assert!(range, "{sort_order:?} after {after:?}:\n{plan_text}");
                // SQLite may or may not sort the small ones (it names partial sorts "RIGHT
                // PART" or "LAST TERM" by version); never more than these two.
                let keyless_arm = sort_order == SortOrder::Ascending || after.is_none();
                let full_sorts = details.iter().filter(|d| d.as_str() == "USE TEMP B-TREE FOR ORDER BY").count();
                assert!(full_sorts <= 1 + usize::from(keyless_arm), "{sort_order:?} after {after:?}:\n{plan_text}");
            }
        }
    }
}
