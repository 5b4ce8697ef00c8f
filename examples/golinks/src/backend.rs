//! Where users and groups are stored. This file is yours: `scimgen generate` never rewrites it.
//!
//! GoLinks keeps its users in the app's own `accounts` table ([`AccountsStore`], a hand-written
//! `scim::store::Store`), and its groups in the built-in `scim::store::SqliteStore`, in the same
//! SQLite database (`--database sqlite://FILE.db`, or `sqlite::memory:`).

use std::sync::Arc;

use scim::ScimResult;
use scim::store::{SqliteStore, Store};

use crate::accounts_store::AccountsStore;

/// The stores the server uses: users in the accounts table, groups in the built-in store.
#[allow(missing_debug_implementations)] // `dyn Store` has no Debug
pub struct Stores {
    pub accounts: Arc<dyn Store>,
    pub groups: Arc<dyn Store>,
}

/// Open the database once; both stores share its connection pool.
pub async fn open_stores(database: &str) -> ScimResult<Stores> {
    let groups = SqliteStore::connect(database).await?;
    let accounts = AccountsStore::new(groups.pool().clone());
    Ok(Stores { accounts: Arc::new(accounts), groups: Arc::new(groups) })
}
