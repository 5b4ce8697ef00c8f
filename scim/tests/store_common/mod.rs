//! Shared set-up of the store tests: the indexed attributes of the fixture resource types,
//! and fresh stores of each kind.

#![allow(dead_code)]

use std::sync::{Arc, LazyLock};

use scim::filter::{parse_filter, resolve_filter};
use scim::schema::builtin;
use scim::store::{MemoryStore, Page, PostgresStore, ResourceKind, Scope, SqliteStore, Store, StoreQuery};
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

/// The PostgreSQL server the tests use (`SCIM_TEST_POSTGRES_URL`, which `scripts/pg` and
/// `scripts/test` provide). Without it the PostgreSQL tests fail when
/// `SCIM_TEST_REQUIRE_POSTGRES=1` (as in `scripts/test`, which must never skip them silently),
/// and otherwise (a developer's plain `cargo test`) skip, saying so on stderr.
pub fn postgres_url() -> Option<String> {
    scim::testkit::postgres_test_url("the PostgreSQL store")
}

/// A URL of a fresh, empty schema of the test server (its own `search_path`), so that tests
/// running at once never see each other's tables; `None` as [`postgres_url`].
pub async fn postgres_schema_url() -> Option<String> {
    let url = postgres_url()?;
    Some(scim::testkit::fresh_postgres_schema(&url, &format!("t_{}", uuid::Uuid::new_v4().simple())).await)
}

/// A PostgresStore on a fresh schema with the fixture kinds registered; `None` as [`postgres_url`].
pub async fn postgres() -> Option<Arc<dyn Store>> {
    let url = postgres_schema_url().await?;
    let options = scim::store::DatabaseOptions { max_connections: 4, ..Default::default() };
    let store = PostgresStore::connect_with(&url, &options).await.unwrap_or_else(|e| panic!("{e}"));
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap_or_else(|e| panic!("{e}"));
    Some(Arc::new(store))
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

/// Schema evolution between runs, first run: `userName` and `displayName` indexed, two users
/// stored, a filter on `title` refused. Returns the second user's id.
pub async fn evolution_first_run(store: &dyn Store) -> String {
    let before = Arc::new(ResourceKind::new(builtin::user_schema(), &["displayName"]).unwrap());
    store.register(std::slice::from_ref(&before)).await.unwrap();
    let scope = Scope::new("t", &before);
    store
        .create(scope, serde_json::json!({"userName": "a", "title": "Boss", "emails": [{"value": "A@x.org"}]}))
        .await
        .unwrap();
    let other = store.create(scope, serde_json::json!({"userName": "b", "title": "Worker"})).await.unwrap();
    // Not indexed yet: the SQL store refuses rather than scanning.
    let error = list_filtered(store, scope, r#"title eq "boss""#, |_| {}).await.unwrap_err();
    assert_eq!(error.status, 400);
    other["id"].as_str().unwrap().to_owned()
}

/// Schema evolution, next run (a new store on the same database): `title` and `emails.value`
/// are now indexed and answer from what was stored; registering again changes nothing.
pub async fn evolution_next_run(store: &dyn Store, id: &str) {
    let after = Arc::new(ResourceKind::new(builtin::user_schema(), &["displayName", "title", "emails.value"]).unwrap());
    store.register(std::slice::from_ref(&after)).await.unwrap();
    store.register(std::slice::from_ref(&after)).await.unwrap();
    let scope = Scope::new("t", &after);
    let page = list_filtered(store, scope, r#"title eq "boss" or emails.value ew "X.ORG""#, |_| {}).await.unwrap();
    assert_eq!(page.total_results, 1);
    assert_eq!(page.resources[0]["userName"], "a");
    let page = list_filtered(store, scope, r#"title eq "worker""#, |_| {}).await.unwrap();
    assert_eq!(ids(&page), [id.to_owned()]);
    assert_eq!(store.get(scope, id, scim::store::GetOptions::default()).await.unwrap()["title"], "Worker");
}
