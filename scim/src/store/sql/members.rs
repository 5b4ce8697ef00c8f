//! Which members a PATCH of a group concerns, so that a SQL store can load and change just
//! those rows instead of the whole member list (see `SqliteStore`'s and `PostgresStore`'s
//! `patch`); and the lookup the other way, which groups list a member, for users' `groups`.

use serde_json::Value;

use super::builder::Sql;
use super::compile::Dialect;
use super::{SideTable, SqlScope};

use crate::error::ScimResult;
use crate::filter::{AttrPath, CompValue, CompareOp, Filter};
use crate::patch::{PatchOpKind, PatchOperation};
use crate::store::kind::lookup;

/// The member ids the operations concern, or `None` when some operation's effect on `members`
/// cannot be known from them alone.
pub(crate) fn targeted_member_ids(operations: &[PatchOperation]) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    for operation in operations {
        let Some(path) = &operation.path else {
            // A path-less value naming `members` is left to the default.
            let names_members = operation
                .value
                .as_ref()
                .and_then(Value::as_object)
                .is_some_and(|map| map.keys().any(|k| is_members_key(k)));
            if names_members {
                return None;
            }
            continue;
        };
        if !is_members_path(path) {
            continue;
        }
        match (&operation.op, &path.filter, &path.sub_attr) {
            // `replace members` drops members it does not name, which only the whole list shows.
            (PatchOpKind::Add, None, None) => value_ids(operation.value.as_ref()?, &mut ids)?,
            (PatchOpKind::Remove, None, None) => value_ids(operation.value.as_ref()?, &mut ids)?,
            (PatchOpKind::Remove, Some(filter), None) => match &**filter {
                Filter::Compare { path: inner, op: CompareOp::Eq, value: CompValue::String(id) }
                    if inner.urn.is_none() && inner.sub_attr.is_none() && inner.name.eq_ignore_ascii_case("value") =>
                {
                    ids.push(id.clone());
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(ids)
}

fn is_members_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("members") || key.to_ascii_lowercase().ends_with(":members")
}

fn is_members_path(path: &AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("members")
        && path.urn.as_deref().is_none_or(|urn| urn.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:2.0:Group"))
}

/// The `value`s of a member list (or one member object).
fn value_ids(value: &Value, ids: &mut Vec<String>) -> Option<()> {
    let elements = match value {
        Value::Array(elements) => elements.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return None,
    };
    for element in elements {
        ids.push(lookup(element, "value")?.as_str()?.to_owned());
    }
    Some(())
}

/// How many member ids one memberships statement looks up (well under SQLite's parameter
/// limit; a list page holds at most this many resources unless the server allows more).
pub(crate) const MEMBERSHIPS_CHUNK: usize = 500;

/// `CREATE INDEX IF NOT EXISTS` on a members table by member: what the memberships lookup
/// reads (the primary key starts with the group's id, so it cannot serve a lookup by member).
pub(crate) fn by_member_index(members: &SideTable) -> Sql {
    let index = super::Ident::derive(&format!("{}__", members.table), "by_member__idx");
    let mut sql = Sql::new("CREATE INDEX IF NOT EXISTS ");
    sql.ident(&index).push(" ON ").ident(&members.table).push(" (\"tenant\", \"c_value\", \"id\")");
    sql
}

/// One row of [`memberships_statement`], as either store's driver reads it (`database` names it
/// in a failure, as [`super::database_error`] does).
pub(crate) fn read_membership<R>(database: &'static str, row: &R) -> crate::error::ScimResult<crate::store::Membership>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let read = |e| super::database_error(database, "read memberships", &e);
    Ok(crate::store::Membership {
        member: row.try_get(0).map_err(read)?,
        group: row.try_get(1).map_err(read)?,
        display: row.try_get(2).map_err(read)?,
    })
}

/// The statement answering [`crate::store::Store::memberships`] for up to
/// [`MEMBERSHIPS_CHUNK`] member ids of `scope` (a kind with members): rows of (member id,
/// group id, group displayName) in the groups' creation order, every id a bound parameter, read
/// through [`by_member_index`].
pub(crate) fn memberships_statement(
    scope: SqlScope<'_>,
    members: &SideTable,
    member_ids: &[&str],
    dialect: Dialect,
) -> Sql {
    let mut sql = Sql::new("SELECT m.\"c_value\", g.\"id\", ");
    push_display(&mut sql, scope.plan, dialect);
    sql.push(" FROM ").ident(&members.table).push(" m JOIN ").ident(&scope.plan.table);
    sql.push(" g ON g.\"tenant\" = m.\"tenant\" AND g.\"id\" = m.\"id\" WHERE m.\"tenant\" = ");
    sql.bind_text(scope.tenant).push(" AND m.\"c_value\" IN (");
    for (index, id) in member_ids.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.bind_text(id);
    }
    sql.push(") ORDER BY g.\"seq\"");
    sql
}

/// The groups whose memberships a read of members (users) folds into its own statement, as a
/// column beside each document: a kind with members kept by the same store. One statement per
/// GET or list page instead of two, which is what a user's `groups` cost before (a second round
/// trip doubled the CPU of a GET /Users/{id}).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MembershipsFold<'a> {
    /// The groups' table.
    groups: &'a super::SqlPlan,
    /// Their members table.
    members: &'a SideTable,
    /// The caller's tenant (the groups are the members' tenant's).
    tenant: &'a str,
    /// The column of the member's own row that keeps what the fold computes, when the store
    /// keeps one (SQLite, see `SqliteStore`'s `kept` module): read instead of the subquery.
    kept: Option<&'a super::Ident>,
}

impl<'a> MembershipsFold<'a> {
    /// The fold of `groups` (a plan of this store) for `tenant`; `None` when the kind has no
    /// members table.
    pub(crate) fn new(groups: &'a super::SqlPlan, tenant: &'a str) -> Option<Self> {
        Some(MembershipsFold { groups, members: groups.members_table()?, tenant, kept: None })
    }

    /// This fold reading `kept`, a column of the member's row holding its result, where the
    /// outer statement has that row ([`FoldedMember::kept_in`]).
    pub(crate) fn keeping(self, kept: Option<&'a super::Ident>) -> Self {
        MembershipsFold { kept, ..self }
    }

    /// `, (SELECT ...)`: a column holding the groups that list the member whose id is
    /// `member.id` (an SQL expression of the outer statement, such as `t."id"`), as JSON
    /// `[[group id, displayName, creation sequence], ...]`; `[]` (SQLite) or NULL (PostgreSQL)
    /// for none. Read through [`by_member_index`], every value bound. Unordered: an `ORDER BY`
    /// made SQLite sort through a temporary b-tree for every row, so [`read_folded`] puts them in
    /// creation order. With a kept column and its row in the statement, `, COALESCE(kept,
    /// (SELECT ...))`: the subquery runs only for a row whose column was never filled.
    pub(crate) fn push_column(self, sql: &mut Sql, member: FoldedMember, dialect: Dialect) {
        match (self.kept, member.kept_in) {
            (Some(kept), Some(row)) => {
                sql.push(", COALESCE(").push(row).push(".").ident(kept).push(", ");
                self.push_subquery(sql, member, dialect);
                sql.push(")");
            }
            _ => {
                sql.push(", ");
                self.push_subquery(sql, member, dialect);
            }
        }
    }

    /// The subquery of [`MembershipsFold::push_column`], `(SELECT ...)`.
    /// The member's tenant is `member.tenant` when the outer statement has it (one parameter
    /// fewer to bind on every lookup), else the fold's, bound.
    pub(crate) fn push_subquery(self, sql: &mut Sql, member: FoldedMember, dialect: Dialect) {
        sql.push(match dialect {
            Dialect::Sqlite => "(SELECT json_group_array(json_array(g.\"id\", ",
            Dialect::Postgres => "(SELECT json_agg(json_build_array(g.\"id\", ",
        });
        push_display(sql, self.groups, dialect);
        sql.push(", g.\"seq\"))");
        if dialect == Dialect::Postgres {
            sql.push("::text");
        }
        sql.push(" FROM ").ident(&self.members.table).push(" m JOIN ").ident(&self.groups.table);
        sql.push(" g ON g.\"tenant\" = m.\"tenant\" AND g.\"id\" = m.\"id\" WHERE m.\"tenant\" = ");
        match member.tenant {
            Some(tenant) => sql.push(tenant),
            None => sql.bind_text(self.tenant),
        };
        sql.push(" AND m.\"c_value\" = ").push(member.id).push(")");
    }
}

/// The member row of the statement a [`MembershipsFold`] column is in: SQL expressions of the
/// outer statement for its id and, when the statement has it, its tenant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FoldedMember {
    pub(crate) id: &'static str,
    pub(crate) tenant: Option<&'static str>,
    /// The alias of the member's own row in the outer statement, whose kept column
    /// ([`MembershipsFold::keeping`]) can be read; `None` when the statement reads a derived
    /// table without it.
    pub(crate) kept_in: Option<&'static str>,
}

impl FoldedMember {
    /// The row of a table aliased `t` (its `tenant` is the one the statement reads).
    pub(crate) const TABLE_T: FoldedMember =
        FoldedMember { id: "t.\"id\"", tenant: Some("t.\"tenant\""), kept_in: Some("t") };
}

/// A group's `displayName` in a statement over its table as `g`: its promoted column where the
/// plan has one (the value as stored), else read from the document (parsing it: on SQLite that
/// was the larger part of a user's `groups`).
fn push_display(sql: &mut Sql, groups: &super::SqlPlan, dialect: Dialect) {
    match (&groups.display_name, dialect) {
        (Some(column), _) => {
            sql.push("g.").ident(column);
        }
        (None, Dialect::Sqlite) => {
            sql.push("json_extract(g.\"doc\", '$.displayName')");
        }
        (None, Dialect::Postgres) => {
            sql.push("g.\"doc\"->>'displayName'");
        }
    }
}

/// The memberships of `member` from the text of a [`MembershipsFold`] column.
pub(crate) fn read_folded(member: &str, text: Option<&str>) -> crate::error::ScimResult<Vec<crate::store::Membership>> {
    let Some(text) = text.filter(|text| *text != "[]") else { return Ok(Vec::new()) };
    let mut groups: Vec<(String, Option<String>, i64)> = serde_json::from_str(text)
        .map_err(|_| crate::error::ScimError::internal("a folded memberships column is not valid JSON"))?;
    // The groups' creation order, as every other read of memberships gives them.
    groups.sort_by_key(|(_, _, seq)| *seq);
    Ok(groups
        .into_iter()
        .map(|(group, display, _)| crate::store::Membership { member: member.to_owned(), group, display })
        .collect())
}

/// What a list must read for [`fold_group_ids`]: the statement reading the tenant's group ids
/// (every one, as SQL cannot lower-case them as the evaluator does; the `(tenant, id)` key
/// serves it from the index) and the literals to fold them for
/// ([`crate::store::membership::case_folded_literals`]); `None` when there are none, as for
/// every id this server makes.
pub(crate) fn group_ids_to_fold<'f>(
    groups: Option<&super::SqlPlan>,
    tenant: &str,
    query: &crate::store::StoreQuery<'f>,
) -> Option<(Sql, Vec<&'f str>)> {
    let (Some(groups), Some(filter)) = (groups, query.filter) else { return None };
    let literals = crate::store::membership::case_folded_literals(filter);
    if literals.is_empty() {
        return None;
    }
    let mut sql = Sql::new("SELECT \"id\" FROM ");
    sql.ident(&groups.table).push(" WHERE \"tenant\" = ").bind_text(tenant);
    Some((sql, literals))
}

/// The group ids among the `rows` of [`group_ids_to_fold`]'s statement that each of `literals`
/// (lower-cased) names, compared as the evaluator compares strings that are not caseExact:
/// both lower-cased with [`str::to_lowercase`].
pub(crate) fn fold_group_ids<R>(database: &'static str, literals: &[&str], rows: &[R]) -> ScimResult<super::GroupIds>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut folded: super::GroupIds = literals.iter().map(|l| ((*l).to_owned(), Vec::new())).collect();
    for row in rows {
        let id: String = row.try_get(0).map_err(|e| super::database_error(database, "read group ids", &e))?;
        if let Some(named) = folded.get_mut(&id.to_lowercase()) {
            named.push(id);
        }
    }
    Ok(folded)
}
