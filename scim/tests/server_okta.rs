//! Okta's provisioning lifecycle, with the request shapes of Okta's SCIM 2.0 guide (create
//! with `password` and an empty `groups`, full PUT updates, path-less `replace` to
//! deactivate, group member add/remove/replace with `display`), against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::store::Store;
use serde_json::json;
use server_common::*;

store_tests!(okta_user_and_group_lifecycle);

async fn okta_user_and_group_lifecycle(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    // Okta checks for the user first, with paging parameters.
    let check =
        app.get("/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100").await;
    assert_eq!(check.body["totalResults"], 0);
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let created = app.post("/scim/v2/Users", &create).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(created.body.get("password").is_none() && created.body.get("groups").is_none());
    let id = created.id();
    let uri = format!("/scim/v2/Users/{id}");

    // Profile updates are full PUTs of what Okta has, `id` and `meta` included.
    let mut replacement = app.get(&uri).await.body;
    replacement["name"]["familyName"] = json!("Userson");
    replacement["locale"] = json!("en-GB");
    let replaced = app.put(&uri, &replacement).await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.body);
    assert_eq!(replaced.body["name"]["familyName"], "Userson");
    assert_eq!(replaced.body["id"], json!(id));

    // Okta apps without PATCH deactivate and reactivate with a PUT of the whole user.
    let mut put_deactivate = replaced.body.clone();
    put_deactivate["active"] = json!(false);
    let deactivated = app.put(&uri, &put_deactivate).await;
    assert_eq!(
        (deactivated.status, &deactivated.body["active"]),
        (StatusCode::OK, &json!(false)),
        "{}",
        deactivated.body
    );
    assert_eq!(app.get(&uri).await.body["name"]["familyName"], "Userson", "the rest of the user is kept");
    put_deactivate["active"] = json!(true);
    assert_eq!(app.put(&uri, &put_deactivate).await.body["active"], json!(true));

    // Deactivation: a path-less replace.
    let deactivate = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": false}}]});
    assert_eq!(app.patch(&uri, &deactivate).await.body["active"], json!(false));

    // Groups.
    let group = app
        .post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "Test SCIMv2", "members": []}))
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
    let group_uri = format!("/scim/v2/Groups/{}", group.id());
    let rename = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "value": {"id": group.id(), "displayName": "Test SCIMv2 renamed"}}
    ]});
    assert_eq!(app.patch(&group_uri, &rename).await.body["displayName"], "Test SCIMv2 renamed");
    let add = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": id, "display": "test.user@okta.local"}]}
    ]});
    let added = app.patch(&group_uri, &add).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body["members"][0]["value"], json!(id));
    let other = app.create_user("other@okta.local").await;
    let replace = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "path": "members", "value": [{"value": other["id"], "display": "other@okta.local"}]}
    ]});
    let replaced = app.patch(&group_uri, &replace).await;
    let values: Vec<&str> =
        replaced.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(values, [other["id"].as_str().unwrap()]);
    let remove = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "remove", "path": format!("members[value eq \"{}\"]", other["id"].as_str().unwrap())}
    ]});
    let removed = app.patch(&group_uri, &remove).await;
    assert!(removed.body.get("members").is_none(), "{}", removed.body);
    assert_eq!(app.delete(&group_uri).await.status, StatusCode::NO_CONTENT);
    let actions: Vec<&str> = app.audit.0.lock().unwrap().iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create", "replace", "replace", "replace", "patch", "create", "patch", "patch", "create", "patch", "patch",
            "delete"
        ]
    );
}
