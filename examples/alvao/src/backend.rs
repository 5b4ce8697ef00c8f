//! Where users and groups are stored. This file is yours: `scimgen generate` never rewrites it.
//!
//! The default is the built-in store the `--database` URL names: SQLite through
//! `scim::store::SqliteStore` (`sqlite://FILE.db`, or `sqlite::memory:`), or PostgreSQL through
//! `scim::store::PostgresStore` (`postgres://USER:PASSWORD@HOST/DATABASE`, sized by the `--db-*`
//! options). Both filter, sort and page in SQL, keep tenants apart and version every resource.
//! To provision into your own system instead, implement `scim::store::Store` (its documentation
//! states the contract) and return it from `open_store`.

use std::sync::Arc;

use scim::ScimResult;
use scim::server::launch::Launch;
use scim::store::Store;

/// Open the store the server uses for every resource type.
pub async fn open_store(launch: &Launch) -> ScimResult<Arc<dyn Store>> {
    launch.open_store().await
}
