//! What only the PostgreSQL store has: schema evolution between runs on a shared database,
//! values PostgreSQL cannot hold, and writers in separate pools (as in separate processes)
//! kept apart by the database. Needs `SCIM_TEST_POSTGRES_URL` (see `store_common::postgres_url`).

mod store_common;

use std::sync::Arc;

use scim::ScimType;
use scim::store::{DatabaseOptions, GetOptions, PostgresStore, Store};
use serde_json::json;
use store_common::*;

/// Users regenerate their server after changing the filter support table: the next start
/// indexes the new attribute and fills its column from what is stored; nothing is lost, and
/// registering again changes nothing.
#[tokio::test]
async fn a_newly_indexed_attribute_is_backfilled_on_the_next_start() {
    let Some(url) = postgres_schema_url().await else { return };
    let id = {
        let store = PostgresStore::connect(&url).await.unwrap();
        let id = evolution_first_run(&store).await;
        store.pool().close().await;
        id
    };
    let store = PostgresStore::connect(&url).await.unwrap();
    evolution_next_run(&store, &id).await;
}

/// A database written by the layout before `plain` (pg1) migrates at the next start: the column
/// is added, old rows (no plain tag) are read by the full path and stay what they were, new
/// writes are plain; and the promoted columns, whose layout did not change, are not rewritten
/// row by row (a marker put in one survives the migration).
#[tokio::test]
async fn a_database_of_the_layout_before_plain_migrates_without_rewriting_rows() {
    let Some(url) = postgres_schema_url().await else { return };
    let store = PostgresStore::connect(&url).await.unwrap();
    store.register(std::slice::from_ref(&USERS)).await.unwrap();
    let old = store.create(users("t"), json!({"userName": "old"})).await.unwrap();
    let old_id = old["id"].as_str().unwrap();
    // Back to pg1: no `plain` column, the layout recorded under the old prefix.
    for statement in [
        "ALTER TABLE scim_users DROP COLUMN plain",
        "UPDATE scim_store_layout SET layout = 'pg1;' || substr(layout, 5) WHERE name = 'scim_users'",
        "UPDATE scim_users SET c_username = 'marker'",
    ] {
        sqlx::query(statement).execute(store.pool()).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    store.pool().close().await;

    let store = PostgresStore::connect(&url).await.unwrap();
    store.register(std::slice::from_ref(&USERS)).await.unwrap();
    let marker: String = sqlx::query_scalar("SELECT c_username FROM scim_users").fetch_one(store.pool()).await.unwrap();
    assert_eq!(marker, "marker", "the migration rewrote the promoted columns");
    let read = store.get_for_response(users("t"), old_id, GetOptions::default()).await.unwrap();
    assert!(matches!(read, scim::store::Fetched::Value(_)), "{read:?}");
    assert_eq!(read.into_value().unwrap(), old);
    // As the server writes it: with `schemas`, which the response form always has.
    let new = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new"});
    let new = store.create(users("t"), new).await.unwrap();
    let read = store.get_for_response(users("t"), new["id"].as_str().unwrap(), GetOptions::default()).await.unwrap();
    assert!(matches!(read, scim::store::Fetched::Plain { .. }), "{read:?}");
}

/// PostgreSQL's text and jsonb cannot hold U+0000: such a value is the client's error (400
/// invalidValue naming the character), not a 500, and nothing is written.
#[tokio::test]
async fn a_nul_character_is_a_client_error() {
    let Some(store) = postgres().await else { return };
    for body in [
        json!({"userName": "a\u{0}b"}),
        json!({"userName": "ok", "emails": [{"value": "x\u{0}@y"}]}),
        json!({"userName": "ok", "nickName": "n\u{0}"}),
        json!({"userName": "ok", "x\u{0}": "n"}),
    ] {
        let error = store.create(users("t"), body.clone()).await.unwrap_err();
        assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidValue)), "{body}: {error:?}");
        assert!(error.detail.contains("U+0000"), "{}", error.detail);
    }
    let user = store.create(users("t"), json!({"userName": "ok"})).await.unwrap();
    let id = user["id"].as_str().unwrap();
    let error = store.replace(users("t"), id, json!({"userName": "ok", "title": "\u{0}"}), None).await.unwrap_err();
    assert_eq!(error.status, 400);
    assert_eq!(store.get(users("t"), id, GetOptions::default()).await.unwrap(), user);
    // In a filter literal (escaped, as the filter grammar requires), and in an id from a URL.
    let error = list_filtered(store.as_ref(), users("t"), r#"userName eq "ok\u0000""#, |_| {}).await.unwrap_err();
    assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidValue)), "{error:?}");
    let error = store.get(users("t"), "a\u{0}", GetOptions::default()).await.unwrap_err();
    assert_eq!(error.status, 404, "{error:?}");
}

/// Two pools on one database, as two server processes have: concurrent creates of one
/// userName in case variants leave one user; concurrent member adds all land.
#[tokio::test]
async fn writers_in_separate_pools_are_kept_apart_by_the_database() {
    let Some(url) = postgres_schema_url().await else { return };
    let options = DatabaseOptions { max_connections: 8, ..DatabaseOptions::default() };
    let mut stores = Vec::new();
    for _ in 0..2 {
        let store = PostgresStore::connect_with(&url, &options).await.unwrap();
        store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
        stores.push(Arc::new(store));
    }
    let creates = (0..32).map(|i| {
        let store = stores[i % 2].clone();
        let name: String = "Case.Variant"
            .chars()
            .enumerate()
            .map(|(k, c)| if (i >> (k % 5)) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        tokio::spawn(async move { store.create(users("t"), json!({"userName": name})).await })
    });
    let mut created = 0;
    for task in creates.collect::<Vec<_>>() {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(error) => assert_eq!((error.status, error.scim_type), (409, Some(ScimType::Uniqueness)), "{error:?}"),
        }
    }
    assert_eq!(created, 1);

    let group = stores[0].create(groups("t"), json!({"displayName": "All"})).await.unwrap();
    let group_id = group["id"].as_str().unwrap().to_owned();
    let adds = (0..64).map(|i| {
        let store = stores[i % 2].clone();
        let group_id = group_id.clone();
        tokio::spawn(
            async move { store.add_members(groups("t"), &group_id, &[json!({"value": format!("m{i}")})]).await },
        )
    });
    for task in adds.collect::<Vec<_>>() {
        task.await.unwrap().unwrap();
    }
    let stored = stores[1].get(groups("t"), &group_id, GetOptions::default()).await.unwrap();
    assert_eq!(stored["members"].as_array().map(Vec::len), Some(64));
    assert_eq!(stored["meta"]["version"], "W/\"65\"");
}

/// Once the tables are current, start-up runs no DDL: a replica whose role may only read and
/// write rows registers and serves (operators then migrate with one privileged process). The
/// test makes a role, so `SCIM_TEST_POSTGRES_URL` must be a superuser's (`scripts/pg`'s is).
#[tokio::test]
async fn replicas_without_ddl_rights_start_once_the_tables_are_current() {
    let Some(url) = postgres_schema_url().await else { return };
    let owner = PostgresStore::connect(&url).await.unwrap();
    owner.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    let role = format!("scim_rows_{}", std::process::id());
    for statement in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN PASSWORD 'rows'"),
        format!("GRANT USAGE ON SCHEMA {} TO {role}", current_schema(&owner).await),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {role}",
            current_schema(&owner).await
        ),
        format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {role}", current_schema(&owner).await),
    ] {
        // Names made here of a fixed prefix and digits (or read back from the server).
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(owner.pool()).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let replica = PostgresStore::connect(&format!("{url}&user={role}&password=rows")).await.unwrap();
    replica.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap_or_else(|e| panic!("{e:?}"));
    let created = replica.create(users("t"), json!({"userName": "replica"})).await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(owner.get(users("t"), id, GetOptions::default()).await.unwrap(), created);
    // A kind whose tables are not current needs the privileged process: a clear start-up error.
    let newer = Arc::new(scim::store::ResourceKind::new(scim::schema::builtin::user_schema(), &["title"]).unwrap());
    let error = replica.register(&[newer]).await.unwrap_err();
    assert_eq!(error.status, 500);
    replica.pool().close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP OWNED BY {role}"))).execute(owner.pool()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE {role}"))).execute(owner.pool()).await.unwrap();
}

/// The schema the store's connections work in (the test's own, from `search_path`).
async fn current_schema(store: &PostgresStore) -> String {
    let row: (String,) = sqlx::query_as("SELECT current_schema()").fetch_one(store.pool()).await.unwrap();
    row.0
}
