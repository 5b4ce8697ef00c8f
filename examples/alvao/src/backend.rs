//! Where users and groups are stored. This file is yours: `scimgen generate` never rewrites it.
//!
//! The default is SQLite through `scim::store::SqliteStore` (`--database sqlite://FILE.db`, or
//! `sqlite::memory:`): it filters, sorts and pages in SQL, keeps tenants apart and versions
//! every resource. To provision into your own system instead, implement `scim::store::Store`
//! (its documentation states the contract) and return it from `open_store`.

use std::sync::Arc;

use scim::ScimResult;
use scim::store::{SqliteStore, Store};

/// Open the store the server uses for every resource type.
pub async fn open_store(database: &str) -> ScimResult<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::connect(database).await?))
}
