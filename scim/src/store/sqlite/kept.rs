//! A member's memberships kept in a column of its own row, so that reading a user's `groups`
//! costs SQLite no second lookup.
//!
//! A user's `groups` (RFC 7643 section 4.1.2) is computed from the groups' member lists, which
//! PostgreSQL reads with each user by a correlated subquery ([`MembershipsFold`]). On SQLite
//! that subquery (a seek into the members table's index by member, one into the groups table
//! per group, and a JSON aggregate) cost a GET /Users/{id} or a `userName eq` lookup about
//! 11 000 of its 84 000 instructions. So SQLite keeps the subquery's result in a column of
//! each member's row, `groups_in_<groups table>`, and a read takes
//! `COALESCE(column, (subquery))`: the subquery runs only for a row whose column was never
//! filled. The member lists stay the only source of truth; every write that changes what the
//! subquery gives for a member rewrites that member's column from them, in its own transaction:
//!
//! | write | members whose column is rewritten |
//! |---|---|
//! | a group created | its members |
//! | a group replaced (PUT, or a PATCH applied by replacing) | those it added and dropped; all of them when its `displayName` changed |
//! | a PATCH of a group's members (Entra ID's and Okta's) | those it added and removed; all of them when its `displayName` changed |
//! | `add_members`, `remove_members` | those named |
//! | a group deleted | those it listed |
//! | a member created or imported | itself (a member list may name an id before it exists) |
//!
//! So a membership change stays O(members it names); renaming a group rewrites the row of every
//! member (one statement, a write of each row). A database made before the column existed gets
//! it when the users are registered (at start-up, for a server built registered), filled for
//! every row by one statement, once (recorded in `scim_store_layout`).

use std::sync::{Arc, PoisonError, RwLock};

use sqlx::Row;

use super::ddl::{add_column, exec};
use super::{SqliteStore, Tx, storage_error};
use crate::error::ScimResult;
use crate::store::kind::lookup;
use crate::store::sql::builder::Sql;
use crate::store::sql::compile::Dialect;
use crate::store::sql::members::{FoldedMember, MEMBERSHIPS_CHUNK, MembershipsFold};
use crate::store::sql::{Ident, SqlPlan, SqlScope};

/// One kept column: the memberships in `groups` of the members in `member_table`.
#[derive(Debug)]
pub(super) struct KeptMemberships {
    /// The members' table (a kind that carries `groups`: users).
    pub member_table: Ident,
    /// The groups' plan.
    pub groups: Arc<SqlPlan>,
    /// The column of `member_table`.
    pub column: Ident,
}

/// The kept columns of the registered kinds.
#[derive(Debug, Clone, Default)]
pub(super) struct Kept(Arc<RwLock<Vec<Arc<KeptMemberships>>>>);

impl Kept {
    fn matching(&self, test: impl Fn(&KeptMemberships) -> bool) -> Vec<Arc<KeptMemberships>> {
        let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
        kept.iter().filter(|k| test(k)).cloned().collect()
    }

    /// The column of `member_table` keeping memberships in `groups_table`, if there is one.
    pub fn column(&self, member_table: &Ident, groups_table: &Ident) -> Option<Arc<KeptMemberships>> {
        let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
        kept.iter().find(|k| k.member_table == *member_table && k.groups.table == *groups_table).cloned()
    }

    /// Whether some column keeps memberships in `groups_table`.
    pub fn keeps_groups(&self, groups_table: &Ident) -> bool {
        self.0.read().unwrap_or_else(PoisonError::into_inner).iter().any(|k| k.groups.table == *groups_table)
    }
}

/// The name of the column keeping memberships in `groups`.
fn kept_column(groups: &SqlPlan) -> Ident {
    Ident::derive("groups_in_", groups.table.as_str())
}

/// `UPDATE member AS t SET column = (the fold of t's row)`, for the caller to restrict; the
/// fold's tenant is the row's own.
fn refresh_statement(kept: &KeptMemberships) -> ScimResult<Sql> {
    let fold = MembershipsFold::new(&kept.groups, "")
        .ok_or_else(|| crate::error::ScimError::internal("kept memberships of a kind without members"))?;
    let mut sql = Sql::new("UPDATE ");
    sql.ident(&kept.member_table).push(" AS t SET ").ident(&kept.column).push(" = ");
    fold.push_subquery(&mut sql, FoldedMember::TABLE_T, Dialect::Sqlite);
    Ok(sql)
}

impl SqliteStore {
    /// After a registration: for every registered kind with members, a kept column on the table
    /// of every registered kind that carries `groups` (added and filled where missing), and the
    /// kept columns the database already has on tables of kinds not registered (yet) in this
    /// process. A server not built registered registers each kind on its first request, so the
    /// groups may be written before the users are registered; every write must keep the columns
    /// that exist.
    pub(super) async fn keep_memberships(&self) -> ScimResult<()> {
        let plans = self.plans.all();
        let mut kept = Vec::new();
        for groups in plans.iter().filter(|plan| plan.members_table().is_some()) {
            let column = kept_column(groups);
            let mut members: Vec<Ident> =
                plans.iter().filter(|plan| plan.carries_groups).map(|plan| plan.table.clone()).collect();
            for table in self.tables_with_column(&column).await? {
                if !members.contains(&table) {
                    members.push(table);
                }
            }
            for member_table in members {
                let entry = KeptMemberships { member_table, groups: Arc::clone(groups), column: column.clone() };
                self.add_kept_column(&entry).await?;
                kept.push(Arc::new(entry));
            }
        }
        *self.kept.0.write().unwrap_or_else(PoisonError::into_inner) = kept;
        Ok(())
    }

    /// The tables of the database that have a column named `column`.
    async fn tables_with_column(&self, column: &Ident) -> ScimResult<Vec<Ident>> {
        let mut sql = Sql::new(
            "SELECT t.\"name\" FROM \"sqlite_schema\" t JOIN pragma_table_info(t.\"name\") c \
             WHERE t.\"type\" = 'table' AND c.\"name\" = ",
        );
        sql.bind_text(column.as_str());
        let rows = sql.query().fetch_all(&self.pool).await.map_err(|e| storage_error("inspect the tables", &e))?;
        rows.iter()
            .map(|row| {
                let name: String = row.try_get(0).map_err(|e| storage_error("inspect the tables", &e))?;
                // Tables this store made are named by `Ident`s, which `derive` leaves as they are.
                Ok(Ident::derive("", &name))
            })
            .collect()
    }

    /// Add `kept`'s column unless it is there, and fill it for every row unless that was done
    /// (as recorded in `scim_store_layout` under `table.column`).
    async fn add_kept_column(&self, kept: &KeptMemberships) -> ScimResult<()> {
        let mut tx = self.write_tx().await?;
        add_column(&mut tx, &kept.member_table, &kept.column, "TEXT").await?;
        let record = format!("{}.{}", kept.member_table, kept.column);
        let mut sql = Sql::new("SELECT 1 FROM \"scim_store_layout\" WHERE \"name\" = ");
        sql.bind_text(&record);
        let filled =
            sql.query().fetch_optional(&mut *tx).await.map_err(|e| storage_error("read the layout", &e))?.is_some();
        if !filled {
            exec(&mut tx, refresh_statement(kept)?).await?;
            let mut sql = Sql::new("INSERT INTO \"scim_store_layout\" (\"name\", \"layout\") VALUES (");
            sql.bind_text(&record).push(", 'kept memberships')");
            exec(&mut tx, sql).await?;
        }
        tx.commit().await.map_err(|e| storage_error("commit", &e))
    }

    /// Whether writes of `groups` (a kind with members) must rewrite kept columns.
    pub(super) fn keeps_memberships_of(&self, groups: &SqlPlan) -> bool {
        self.kept.keeps_groups(&groups.table)
    }

    /// The member ids group `group_id` of `scope` lists.
    pub(super) async fn listed_ids(tx: &mut Tx, scope: SqlScope<'_>, group_id: &str) -> ScimResult<Vec<String>> {
        let Some(members) = scope.plan.members_table() else { return Ok(Vec::new()) };
        let mut sql = Sql::new("SELECT \"c_value\" FROM ");
        sql.ident(&members.table);
        super::write::where_row(&mut sql, scope.tenant, group_id);
        let rows = sql.query().fetch_all(&mut **tx).await.map_err(|e| storage_error("read members", &e))?;
        rows.iter().map(|row| row.try_get(0).map_err(|e| storage_error("read members", &e))).collect()
    }

    /// Rewrite the kept memberships in `scope`'s groups of the members `ids` of its tenant.
    pub(super) async fn refresh_kept<S: AsRef<str>>(
        &self,
        tx: &mut Tx,
        scope: SqlScope<'_>,
        ids: &[S],
    ) -> ScimResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        for kept in self.kept.matching(|k| k.groups.table == scope.plan.table) {
            for chunk in ids.chunks(MEMBERSHIPS_CHUNK) {
                let mut sql = refresh_statement(&kept)?;
                sql.push(" WHERE t.\"tenant\" = ").bind_text(scope.tenant).push(" AND t.\"id\" IN (");
                for (index, id) in chunk.iter().enumerate() {
                    if index > 0 {
                        sql.push(", ");
                    }
                    sql.bind_text(id.as_ref());
                }
                sql.push(")");
                exec(tx, sql).await?;
            }
        }
        Ok(())
    }

    /// Rewrite the kept memberships of every member group `group_id` of `scope` lists.
    pub(super) async fn refresh_kept_of_group(
        &self,
        tx: &mut Tx,
        scope: SqlScope<'_>,
        group_id: &str,
    ) -> ScimResult<()> {
        let Some(members) = scope.plan.members_table() else { return Ok(()) };
        for kept in self.kept.matching(|k| k.groups.table == scope.plan.table) {
            let mut sql = refresh_statement(&kept)?;
            sql.push(" WHERE t.\"tenant\" = ").bind_text(scope.tenant);
            sql.push(" AND t.\"id\" IN (SELECT m.\"c_value\" FROM ").ident(&members.table);
            sql.push(" m WHERE m.\"tenant\" = ").bind_text(scope.tenant).push(" AND m.\"id\" = ").bind_text(group_id);
            sql.push(")");
            exec(tx, sql).await?;
        }
        Ok(())
    }

    /// Fill the kept memberships of member `id` of `scope` (a kind that carries `groups`), just
    /// inserted.
    pub(super) async fn refresh_kept_member(&self, tx: &mut Tx, scope: SqlScope<'_>, id: &str) -> ScimResult<()> {
        for kept in self.kept.matching(|k| k.member_table == scope.plan.table) {
            let mut sql = refresh_statement(&kept)?;
            super::write::where_row(&mut sql, scope.tenant, id);
            exec(tx, sql).await?;
        }
        Ok(())
    }
}

/// Whether a group's `displayName`, which its members' `groups` show, differs between two of
/// its records.
pub(super) fn display_changed(before: Option<&serde_json::Value>, after: &serde_json::Value) -> bool {
    before.and_then(|doc| lookup(doc, "displayName")) != lookup(after, "displayName")
}
