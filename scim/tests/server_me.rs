//! `/Me` (RFC 7644 section 3.11): where the authenticator maps the caller to a user, GET, PUT,
//! PATCH and DELETE on `/Me` act on that user as on `/Users/{id}`, with `Location` naming it;
//! otherwise `501` saying how to enable it. Against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::{StatusCode, header};
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::Store;
use serde_json::json;
use server_common::*;

store_tests!(me_serves_the_callers_own_user, without_the_hook_me_is_501);

const SELF_TOKEN: &str = "self-service-token";

async fn me_serves_the_callers_own_user(store: Arc<dyn Store>) {
    let admin = TestApp::new(store.clone());
    let user = admin.create_user("kim@example.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    admin.create_user("other@example.com").await;
    let tokens = TokenTable::new().token("acme", "entra", ACME).user_token("acme", "kim", SELF_TOKEN, id.clone());
    let app = TestApp::with(
        Server::builder()
            .tokens(tokens)
            .resource_kind(user_descriptor(), store.clone())
            .resource_kind(group_descriptor(), store),
    )
    .as_token(Some(SELF_TOKEN));
    let location = format!("http://scim.example.com/scim/v2/Users/{id}");

    let me = app.get("/scim/v2/Me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!((me.body["id"].as_str(), me.body["userName"].as_str()), (Some(id.as_str()), Some("kim@example.com")));
    assert_eq!(me.header(header::LOCATION), Some(location.as_str()));
    assert_eq!(me.body["meta"]["location"], location);

    let patch =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "Kim"}]});
    let patched = app.patch("/scim/v2/Me", &patch).await;
    assert_eq!((patched.status, &patched.body["displayName"]), (StatusCode::OK, &json!("Kim")), "{}", patched.body);
    assert_eq!(patched.header(header::LOCATION), Some(location.as_str()));

    let replaced =
        app.put("/scim/v2/Me", &json!({"schemas": [USER_URN], "userName": "kim@example.com", "title": "Lead"})).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!((replaced.body["title"].as_str(), replaced.body.get("displayName")), (Some("Lead"), None));
    // The same validation as /Users/{id}: a PUT renaming onto another user's userName is 409.
    let clash = app.put("/scim/v2/Me", &json!({"schemas": [USER_URN], "userName": "other@example.com"})).await;
    clash.assert_error(409, Some("uniqueness"));
    app.post("/scim/v2/Me", &json!({"schemas": [USER_URN], "userName": "x"})).await.assert_error(501, None);

    // The admin sees what /Me changed.
    assert_eq!(admin.get(&format!("/scim/v2/Users/{id}")).await.body["title"], "Lead");
    let deleted = app.delete("/scim/v2/Me").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    admin.get(&format!("/scim/v2/Users/{id}")).await.assert_error(404, None);
    // The user the token is no longer exists.
    app.get("/scim/v2/Me").await.assert_error(404, None);
}

async fn without_the_hook_me_is_501(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for reply in [
        app.get("/scim/v2/Me").await,
        app.patch("/scim/v2/Me", &json!({"schemas": [PATCH_URN], "Operations": []})).await,
        app.delete("/scim/v2/Me").await,
    ] {
        let detail = reply.assert_error(501, None);
        assert!(detail.contains("Authenticator::user_id") && detail.contains("/Users/{id}"), "{detail}");
    }
    app.as_token(None).get("/scim/v2/Me").await.assert_error(401, None);
}
