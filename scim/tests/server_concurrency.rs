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
