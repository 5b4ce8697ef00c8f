//! Serving stored documents as stored (`scim::plain`): whatever path a read takes, the client
//! gets the same response, and the fast path is really taken where it can be.
#![cfg(all(feature = "server", feature = "sqlite"))]

mod server_common;
#[cfg(feature = "postgres")]
mod store_common;

use std::sync::Arc;

use axum::http::{StatusCode, header};
use scim::schema::builtin;
use scim::store::{Fetched, GetOptions, ResourceKind, Scope, SqliteStore, Store};
use serde_json::{Value, json};
use server_common::*;

/// `uri` with a query parameter that changes nothing in the response (an excluded attribute
/// the server does not have is ignored) but sends it down the full path: parse, project,
/// serialise.
fn full_path(uri: &str) -> String {
    if uri.contains("excludedAttributes=") {
        return uri.replacen("excludedAttributes=", "excludedAttributes=noSuchAttribute,", 1);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}excludedAttributes=noSuchAttribute")
}

/// The `plain` column of a resource's row: the schema tag it was found plain under, if any.
async fn plain_tag(store: &SqliteStore, table: &'static str, id: &str) -> Option<i64> {
    let sql = match table {
        "scim_users" => "SELECT \"plain\" FROM \"scim_users\" WHERE \"id\" = ?",
        "scim_groups" => "SELECT \"plain\" FROM \"scim_groups\" WHERE \"id\" = ?",
        other => panic!("no table {other}"),
    };
    sqlx::query_scalar(sql).bind(id).fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn plain_and_full_paths_give_the_same_responses() {
    let sqlite = Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap());
    same_responses_by_either_path(sqlite.clone(), Some(&sqlite)).await;
}

/// PostgreSQL keeps a `jsonb`, not the text: its reads put `meta` back last, and plain
/// documents are served as PostgreSQL renders them, with the same content as the full path.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_plain_and_full_paths_give_the_same_responses() {
    let Some(url) = store_common::postgres_schema_url().await else { return };
    let store = Arc::new(scim::store::PostgresStore::connect(&url).await.unwrap());
    same_responses_by_either_path(store, None).await;
}

/// `sqlite`: the same store, whose recorded plain tags are checked too.
async fn same_responses_by_either_path(store: Arc<dyn Store>, sqlite: Option<&SqliteStore>) {
    let app = TestApp::new(store);
    let plain_user = app
        .post(
            "/scim/v2/Users",
            &json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "bjensen@example.com",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                "active": true,
                ENTERPRISE_URN: {"department": "Tour Operations", "manager": {"value": "26118915"}}
            }),
        )
        .await;
    assert_eq!(plain_user.status, StatusCode::CREATED, "{}", plain_user.body);
    let with_password = app
        .post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "jsmith", "password": "t1meMa$heen"}))
        .await;
    assert_eq!(with_password.status, StatusCode::CREATED, "{}", with_password.body);
    let patched = app.create_user("patched").await;
    let patched_id = patched["id"].as_str().unwrap();
    let patch = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "value": {"title": "Boss", "name.givenName": "Pat"}}
    ]});
    assert_eq!(app.patch(&format!("/scim/v2/Users/{patched_id}"), &patch).await.status, StatusCode::OK);
    let group = app.create_group("Tour Guides", &[&plain_user.id(), patched_id]).await;
    let group_id = group["id"].as_str().unwrap();

    // What the store recorded: plain, except the document holding a password.
    if let Some(sqlite) = sqlite {
        let user_table = "scim_users";
        assert!(plain_tag(sqlite, user_table, &plain_user.id()).await.is_some());
        assert!(plain_tag(sqlite, user_table, patched_id).await.is_some(), "rewritten by PATCH, checked again");
        assert_eq!(plain_tag(sqlite, user_table, &with_password.id()).await, None);
        assert!(plain_tag(sqlite, "scim_groups", group_id).await.is_some());
    }

    let reads = [
        format!("/scim/v2/Users/{}", plain_user.id()),
        format!("/scim/v2/Users/{}", with_password.id()),
        format!("/scim/v2/Users/{patched_id}"),
        "/scim/v2/Users?filter=userName%20eq%20%22BJENSEN@example.com%22".to_owned(),
        "/scim/v2/Users?filter=userName%20eq%20%22nobody%22".to_owned(),
        "/scim/v2/Users?count=2".to_owned(),
        "/scim/v2/Users?startIndex=2&count=1".to_owned(),
        format!("/scim/v2/Groups/{group_id}"),
        format!("/scim/v2/Groups/{group_id}?excludedAttributes=members"),
        "/scim/v2/Groups?filter=displayName%20eq%20%22Tour%20Guides%22&excludedAttributes=members".to_owned(),
        "/scim/v2/Groups".to_owned(),
    ];
    for uri in reads {
        let fast = app.get(&uri).await;
        let full = app.get(&full_path(&uri)).await;
        assert_eq!(fast.status, StatusCode::OK, "{uri}: {}", fast.body);
        assert_eq!(fast.body, full.body, "{uri}");
        assert_eq!(fast.header(header::ETAG), full.header(header::ETAG), "{uri}");
        assert_eq!(fast.header(header::CONTENT_TYPE), Some("application/scim+json"), "{uri}");
    }

    // And what the client sees is right in itself, not only equal.
    let read = app.get(&format!("/scim/v2/Users/{}", plain_user.id())).await;
    // Since its creation the user joined a group, which its computed `groups` shows.
    let mut expected = plain_user.body.clone();
    expected["groups"] = json!([{
        "value": group_id,
        "$ref": format!("http://scim.example.com/scim/v2/Groups/{group_id}"),
        "display": "Tour Guides",
        "type": "direct",
    }]);
    assert_eq!(read.body, expected);
    assert_eq!(read.header(header::ETAG), plain_user.header(header::ETAG));
    let location = format!("http://scim.example.com/scim/v2/Users/{}", plain_user.id());
    assert_eq!(read.body["meta"]["location"], json!(location));
    let secret = app.get(&format!("/scim/v2/Users/{}", with_password.id())).await;
    assert!(secret.body.get("password").is_none(), "{}", secret.body);
    assert_eq!(app.get(&format!("/scim/v2/Groups/{group_id}")).await.body["members"].as_array().map(Vec::len), Some(2));
    let not_modified = app
        .send(
            app.request(axum::http::Method::GET, &format!("/scim/v2/Users/{}", plain_user.id()))
                .header(header::IF_NONE_MATCH, plain_user.header(header::ETAG).unwrap())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header(header::ETAG), plain_user.header(header::ETAG));
}

/// A document found plain under one schema is not served as stored under another: after the
/// schema changes (here: `nickName` removed), the projection decides again.
#[tokio::test]
async fn a_schema_change_sends_documents_down_the_full_path() {
    a_schema_change_sends_documents_down_the_full_path_of(SqliteStore::connect("sqlite::memory:").await.unwrap()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_a_schema_change_sends_documents_down_the_full_path() {
    let Some(url) = store_common::postgres_schema_url().await else { return };
    let store = scim::store::PostgresStore::connect(&url).await.unwrap();
    a_schema_change_sends_documents_down_the_full_path_of(store).await;
}

async fn a_schema_change_sends_documents_down_the_full_path_of(store: impl Store) {
    let before = Arc::new(ResourceKind::new(builtin::user_schema(), &[] as &[&str]).unwrap());
    let mut changed_schema = builtin::user_schema();
    Arc::make_mut(&mut changed_schema.core).attributes.retain(|attribute| attribute.name != "nickName");
    let after = Arc::new(ResourceKind::new(changed_schema, &[] as &[&str]).unwrap());
    assert_ne!(scim::plain::schema_tag(&before.schema), scim::plain::schema_tag(&after.schema));
    store.register(std::slice::from_ref(&before)).await.unwrap();
    let created = store
        .create(Scope::new("t", &before), json!({"schemas": [USER_URN], "userName": "a", "nickName": "Babs"}))
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();

    let fetched = store.get_for_response(Scope::new("t", &before), id, GetOptions::default()).await.unwrap();
    let Fetched::Plain { text, version, id: plain_id } = fetched else { panic!("not plain: {fetched:?}") };
    assert_eq!((plain_id.as_str(), version.as_str()), (id, created["meta"]["version"].as_str().unwrap()));
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), created);

    // The server restarts with the changed schema, which registers it again.
    store.register(std::slice::from_ref(&after)).await.unwrap();
    let fetched = store.get_for_response(Scope::new("t", &after), id, GetOptions::default()).await.unwrap();
    assert!(matches!(fetched, Fetched::Value(_)), "{fetched:?}");
}
