//! PATCH of a group without loading its members.
//!
//! The default PATCH reads the whole resource, so patching a group of 100 000 members would
//! read (and rewrite) all of them. Here, when every operation that touches `members` names the
//! members concerned (Entra ID's and Okta's `add members [...]`, `remove members[value eq
//! "id"]`, `remove members` with a value list), only those members are
//! loaded into the document before [`apply_patch`] runs, and its [`MemberDelta`] is applied to
//! the members table row by row. Any other shape (`replace members`, a member filter on
//! `type`, `remove members` without a value, `members` inside a path-less value) falls back to the default.

use serde_json::Value;

use super::{SqliteStore, Tx, storage_error, write};
use crate::error::{ScimError, ScimResult};
use crate::patch::{MemberDelta, PatchOperation, apply_patch};
use crate::store::kind::lookup;
use crate::store::sql::SqlScope;
use crate::store::sql::builder::Sql;
use crate::store::{GetOptions, check_if_match, into_object, record};

impl SqliteStore {
    /// The targeted PATCH of the module docs, in one write transaction.
    pub(super) async fn patch_members_targeted(
        &self,
        scope: SqlScope<'_>,
        id: &str,
        operations: &[PatchOperation],
        if_match: Option<&str>,
        member_ids: &[String],
        options: GetOptions,
    ) -> ScimResult<Value> {
        let side = scope.plan.members_table().ok_or_else(|| ScimError::internal("group without members table"))?;
        let value_attr = side
            .columns
            .iter()
            .filter_map(|&i| scope.plan.indexed.get(i))
            .find(|a| a.sub_attribute.as_deref() == Some("value"))
            .ok_or_else(|| ScimError::internal("the members table has no value column"))?;
        let mut tx = self.write_tx().await?;
        let (doc, version) = Self::load(&mut tx, scope, id).await?;
        check_if_match(scope.kind, id, if_match, version)?;

        // Load just the members the operations name (matched as the PATCH filter matches them).
        let mut present = Vec::new();
        for member in member_ids {
            let key = if value_attr.case_exact { member.clone() } else { member.to_lowercase() };
            let mut sql = Sql::new("SELECT \"elem\" FROM ");
            sql.ident(&side.table);
            write::where_row(&mut sql, scope.tenant, id);
            sql.push(" AND ").ident(value_attr.compare_column()).push(" = ").bind_text(&key);
            sql.push(" ORDER BY \"rowid\"");
            for row in sql.query().fetch_all(&mut *tx).await.map_err(|e| storage_error("read members", &e))? {
                let text: String = sqlx::Row::try_get(&row, 0).map_err(|e| storage_error("read members", &e))?;
                let element: Value = serde_json::from_str(&text)
                    .map_err(|_| ScimError::internal("a stored member is not valid JSON"))?;
                if !present.contains(&element) {
                    present.push(element);
                }
            }
        }
        let mut doc = crate::store::sql::statements::with_loaded_members(doc, present);

        let previous = doc.clone();
        let outcome = apply_patch(&mut doc, operations, &scope.kind.schema)?;
        if outcome.changed {
            let meta = crate::store::sql::next_meta(&doc, version);
            let mut patched_members = Vec::new();
            let stored = Value::Object(record(scope.kind, id, into_object(doc)?, &meta, Some(&mut patched_members)));
            Self::check_unique(&mut tx, scope, id, &stored, Some(&previous)).await?;
            write::update_main(&mut tx, scope, id, Some(meta.version), &stored).await?;
            write::write_side_rows(&mut tx, scope, id, &stored, true).await?;
            let keeps = self.keeps_memberships_of(scope.plan);
            let mut changed: Vec<String> =
                outcome.members.added.iter().chain(&outcome.members.removed).cloned().collect();
            if keeps && outcome.members.replaced {
                changed.extend(Self::listed_ids(&mut tx, scope, id).await?);
            }
            apply_delta(&mut tx, scope, id, &outcome.members, &patched_members, value_attr).await?;
            if keeps {
                if super::kept::display_changed(Some(&previous), &stored) {
                    self.refresh_kept_of_group(&mut tx, scope, id).await?;
                }
                self.refresh_kept(&mut tx, scope, &changed).await?;
            }
        }
        let result = Self::load(&mut tx, scope, id).await?.0;
        let result = Self::assemble(&mut tx, scope, id, result, options.exclude_members).await?;
        tx.commit().await.map_err(|e| super::commit_error(scope.kind, &e))?;
        Ok(result)
    }
}

/// Apply a member delta to the members table; added members' objects come from the patched
/// member list.
async fn apply_delta(
    tx: &mut Tx,
    scope: SqlScope<'_>,
    id: &str,
    delta: &MemberDelta,
    patched_members: &[Value],
    value_attr: &crate::store::sql::SqlColumn,
) -> ScimResult<()> {
    let Some(side) = scope.plan.members_table() else { return Ok(()) };
    if delta.replaced {
        write::delete_rows(tx, side, scope.tenant, id).await?;
    }
    for removed in &delta.removed {
        let mut sql = Sql::new("DELETE FROM ");
        sql.ident(&side.table);
        write::where_row(&mut sql, scope.tenant, id);
        sql.push(" AND ").ident(&value_attr.column).push(" = ").bind_text(removed);
        super::ddl::exec(tx, sql).await?;
    }
    for added in &delta.added {
        let element = patched_members
            .iter()
            .find(|m| lookup(m, "value").and_then(Value::as_str) == Some(added.as_str()))
            .cloned()
            .unwrap_or_else(|| serde_json::json!({ "value": added }));
        write::insert_element(tx, scope, side, id, 0, &element).await?;
    }
    Ok(())
}
