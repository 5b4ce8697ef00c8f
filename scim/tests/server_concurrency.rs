//! Concurrent requests on a multi-threaded runtime: Entra ID sends member additions for one
//! group in parallel, and none may be lost.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::store::Store;
use serde_json::json;
use server_common::*;

async fn parallel_member_additions_are_all_kept(store: Arc<dyn Store>) {
    let app = Arc::new(TestApp::new(store));
    let group = app.create_group("everyone", &[]).await;
    let uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let mut ids = Vec::new();
    for index in 0..20 {
        ids.push(app.create_user(&format!("user{index}")).await["id"].as_str().unwrap().to_owned());
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (app, uri) = (app.clone(), uri.clone());
            let body = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}]});
            tokio::spawn(async move { app.patch(&uri, &body).await.status })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let group = app.get(&uri).await.body;
    let mut members: Vec<&str> =
        group["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    members.sort_unstable();
    ids.sort();
    assert_eq!(members, ids);
    // Every change bumped the version once: created at 1, then 20 additions.
    assert_eq!(group["meta"]["version"], "W/\"21\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_parallel_member_additions_are_all_kept() {
    parallel_member_additions_are_all_kept(memory_store().await).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_parallel_member_additions_are_all_kept() {
    parallel_member_additions_are_all_kept(sqlite_store().await).await;
}

/// Microsoft's validator and Entra ID may create groups in parallel: of concurrent POSTs of
/// one name (in any case), exactly one is created and the others are 409 uniqueness, though
/// no unique index backs a group's name (the store checks it inside its write transaction).
async fn parallel_groups_of_one_name_create_one(store: Arc<dyn Store>) {
    let app = Arc::new(TestApp::new(store));
    let tasks: Vec<_> = ["Sales", "sales", "SALES", "Sales", "sAles", "Sales", "SaLeS", "sales"]
        .into_iter()
        .map(|name| {
            let app = app.clone();
            let body = json!({"schemas": [GROUP_URN], "displayName": name});
            tokio::spawn(async move { app.post("/scim/v2/Groups", &body).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(app.get("/scim/v2/Groups").await.body["totalResults"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_parallel_groups_of_one_name_create_one() {
    parallel_groups_of_one_name_create_one(memory_store().await).await;
}

/// On a database file, so that the store's pool really writes from several connections.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_parallel_groups_of_one_name_create_one() {
    let path = std::env::temp_dir().join(format!("scim-group-names-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let store = scim::store::SqliteStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    parallel_groups_of_one_name_create_one(Arc::new(store)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
