//! Shared set-up of the store tests: the indexed attributes of the fixture resource types,
//! and fresh stores of each kind.

#![allow(dead_code)]

use std::sync::{Arc, LazyLock};

use scim::filter::{parse_filter, resolve_filter};
use scim::schema::builtin;
use scim::store::{MemoryStore, Page, ResourceKind, Scope, SqliteStore, Store, StoreQuery};
use serde_json::Value;

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The attributes the User fixtures are filtered on (as a filter support table would list).
pub fn user_indexed() -> Vec<String> {
    let mut paths: Vec<String> = [
        "externalId",
        "displayName",
        "title",
        "userType",
        "active",
        "name",
        "name.givenName",
        "name.familyName",
        "emails",
        "emails[type eq \"work\"].value",
        "emails.primary",
        "ims.value",
        "ims.type",
        "phoneNumbers.value",
        "roles.value",
        "meta.created",
        "meta.lastModified",
        "schemas",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for attr in [
        "employeeNumber",
        "department",
        "costCenter",
        "organization",
        "manager",
        "manager.value",
        "manager.displayName",
    ] {
        paths.push(format!("{ENTERPRISE}:{attr}"));
    }
    paths
}

pub static USERS: LazyLock<Arc<ResourceKind>> = LazyLock::new(|| {
    Arc::new(ResourceKind::new(builtin::user_schema(), &user_indexed()).unwrap_or_else(|e| panic!("{e}")))
});

pub static GROUPS: LazyLock<Arc<ResourceKind>> = LazyLock::new(|| {
    let indexed = ["externalId", "displayName", "members", "meta.lastModified"];
    Arc::new(ResourceKind::new(builtin::group_schema(), &indexed).unwrap_or_else(|e| panic!("{e}")))
});

pub fn users(tenant: &str) -> Scope<'_> {
    Scope::new(tenant, &USERS)
}

pub fn groups(tenant: &str) -> Scope<'_> {
    Scope::new(tenant, &GROUPS)
}

pub async fn memory() -> Arc<dyn Store> {
    let store = MemoryStore::new();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap_or_else(|e| panic!("{e}"));
    Arc::new(store)
}

pub async fn sqlite() -> Arc<dyn Store> {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap_or_else(|e| panic!("{e}"));
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap_or_else(|e| panic!("{e}"));
    Arc::new(store)
}

pub fn fixture(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// List with a filter given as text (parsed and resolved against the scope's schema).
pub async fn list_filtered(
    store: &dyn Store,
    scope: Scope<'_>,
    filter: &str,
    adjust: impl FnOnce(&mut StoreQuery<'_>),
) -> scim::ScimResult<Page> {
    let parsed = parse_filter(filter)?;
    let resolved = resolve_filter(&parsed, &scope.kind.schema)?;
    let mut query = StoreQuery { filter: Some(&resolved), ..StoreQuery::default() };
    adjust(&mut query);
    store.list(scope, &query).await
}

pub fn ids(page: &Page) -> Vec<String> {
    page.resources.iter().map(|r| r["id"].as_str().unwrap_or_default().to_owned()).collect()
}
