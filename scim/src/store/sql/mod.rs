//! What the SQL stores share: the layout of a resource kind in tables ([`plan`]), the statement
//! builder that keeps request data in bound parameters ([`builder`]), and the compiler of
//! filters to SQL conditions ([`compile`]).

pub(crate) mod builder;
pub(crate) mod compile;
pub(crate) mod plan;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

pub use plan::Ident;
pub(crate) use plan::{SideTable, SqlColumn, SqlPlan};

use crate::error::{ScimError, ScimResult};
use crate::store::{ResourceKind, Scope};

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
}

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
}

impl<'a> SqlScope<'a> {
    /// `scope` with `plan`.
    pub fn new(scope: Scope<'a>, plan: &'a SqlPlan) -> Self {
        SqlScope { tenant: scope.tenant, kind: scope.kind, plan }
    }

    /// Back to the backend-neutral scope.
    pub fn scope(&self) -> Scope<'a> {
        Scope::new(self.tenant, self.kind)
    }
}
