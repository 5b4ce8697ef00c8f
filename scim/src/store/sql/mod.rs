//! What the SQL stores share: the layout of a resource kind in tables ([`plan`]), the statement
//! builder that keeps request data in bound parameters ([`builder`]), and the compiler of
//! filters to SQL conditions ([`compile`]).

pub(crate) mod builder;
pub(crate) mod compile;
pub(crate) mod list;
pub(crate) mod members;
pub(crate) mod plan;
pub(crate) mod statements;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

pub use plan::Ident;
pub(crate) use plan::{SideTable, SqlColumn, SqlPlan};

use crate::error::{ScimError, ScimResult};
use serde_json::Value;

use crate::store::{Meta, ResourceKind, Scope, now_rfc3339};

/// A [`Scope`] with the SQL layout of its kind: what every statement of a SQL store is built
/// from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SqlScope<'a> {
    /// The caller's tenant.
    pub tenant: &'a str,
    /// The resource type.
    pub kind: &'a ResourceKind,
    /// Its tables and columns.
    pub plan: &'a SqlPlan,
    /// What a filter on users' computed `groups` reads ([`crate::store::StoreQuery::memberships`]);
    /// `None` outside such lists.
    pub memberships: Option<MembershipScope<'a>>,
}

/// What a list's filter on users' computed `groups` reads (see [`crate::store::membership`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MembershipScope<'a> {
    /// The members table of the kind with members.
    pub members: &'a SideTable,
    /// The tenant's group ids by the lower-cased literals SQL's `lower` cannot compare
    /// exactly ([`members::fold_group_ids`]).
    pub folded: &'a GroupIds,
}

/// Group ids by a lower-cased literal they equal once lower-cased.
pub(crate) type GroupIds = HashMap<String, Vec<String>>;

/// The plans of the kinds registered with a SQL store, by endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plans(Arc<RwLock<HashMap<String, Arc<SqlPlan>>>>);

impl Plans {
    /// Record the plan of a kind whose tables are ready (replacing an earlier registration of
    /// the same endpoint, whose schema may have changed).
    pub fn insert(&self, kind: &ResourceKind, plan: SqlPlan) {
        let mut plans = self.0.write().unwrap_or_else(PoisonError::into_inner);
        plans.insert(kind.schema.resource_type.endpoint.clone(), Arc::new(plan));
    }

    /// The plan of a registered kind; `500` when the kind was never registered.
    pub fn get(&self, kind: &ResourceKind) -> ScimResult<Arc<SqlPlan>> {
        let plans = self.0.read().unwrap_or_else(PoisonError::into_inner);
        plans.get(&kind.schema.resource_type.endpoint).cloned().ok_or_else(|| {
            ScimError::internal(format!("resource type {} is not registered with the store", kind.name()))
        })
    }

    /// Every registered plan.
    pub fn all(&self) -> Vec<Arc<SqlPlan>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).values().cloned().collect()
    }

    /// The plan of `groups` when it is a kind with members registered here: what a read of
    /// users folds their memberships from ([`members::MembershipsFold`]).
    pub fn groups(&self, groups: Option<&ResourceKind>) -> Option<Arc<SqlPlan>> {
        groups.filter(|kind| kind.has_members).and_then(|kind| self.get(kind).ok())
    }

    /// Whether `groups` is a kind with members registered here: filters on users' `groups`
    /// can then be answered from its members table
    /// ([`crate::store::Store::answers_membership_filters`]).
    pub fn holds_members(&self, groups: &ResourceKind) -> bool {
        groups.has_members && self.get(groups).is_ok_and(|plan| plan.members_table().is_some())
    }

    /// The plan of the kind whose member lists a list's filter on `groups` tests
    /// ([`crate::store::StoreQuery::memberships`]), if the query names one; `400
    /// invalidFilter` when that kind's members are not in this store (the server asks
    /// [`Plans::holds_members`] first, so this is a safety net).
    pub fn memberships(&self, query: &crate::store::StoreQuery<'_>) -> ScimResult<Option<Arc<SqlPlan>>> {
        let Some(groups) = query.memberships else { return Ok(None) };
        if !self.holds_members(groups) {
            return Err(crate::store::membership::kept_elsewhere(groups));
        }
        self.get(groups).map(Some)
    }
}

impl<'a> SqlScope<'a> {
    /// `scope` with `plan`.
    pub fn new(scope: Scope<'a>, plan: &'a SqlPlan) -> Self {
        SqlScope { tenant: scope.tenant, kind: scope.kind, plan, memberships: None }
    }

    /// This scope with what a filter on `groups` reads: the members table of `groups` (see
    /// [`Plans::memberships`]) and the folded group ids.
    pub fn with_memberships(self, groups: Option<&'a SqlPlan>, folded: &'a GroupIds) -> Self {
        let memberships = groups.and_then(SqlPlan::members_table).map(|members| MembershipScope { members, folded });
        SqlScope { memberships, ..self }
    }
}

/// The `meta` of the next version of a stored resource: same `created`, `lastModified` now.
pub(crate) fn next_meta(stored: &Value, version: u64) -> Meta {
    let created = stored
        .get("meta")
        .and_then(|m| m.get("created"))
        .and_then(Value::as_str)
        .map_or_else(now_rfc3339, str::to_owned);
    Meta { created, last_modified: now_rfc3339(), version: version + 1 }
}

/// `500` for a failure inside the database. The detail says what was being done; the
/// database's own message (which may quote data) is kept as the error's source, which the server
/// logs with the request and never sends, in every build.
pub(crate) fn database_error(engine: &'static str, action: &str, error: &sqlx::Error) -> ScimError {
    ScimError::internal(format!("storage error while trying to {action}"))
        .with_source(DatabaseFailure { engine, message: error.to_string() })
}

/// A database failure's message, as the source of a [`database_error`] (`sqlx::Error` itself is
/// not `Clone` and is borrowed where it is reported).
#[derive(Debug)]
struct DatabaseFailure {
    engine: &'static str,
    message: String,
}

impl std::fmt::Display for DatabaseFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.engine, self.message)
    }
}

impl std::error::Error for DatabaseFailure {}
