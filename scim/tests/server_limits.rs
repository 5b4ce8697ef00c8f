//! Every request limit (`scim::server::limits`), one request over each, over the protocol: the
//! status, `scimType` and detail a client gets, and that the limit comes from the builder.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode, header};
use http_body_util::channel::{Channel, Sender};
use scim::filter::FilterLimits;
use scim::server::Limits;
use scim::store::MemoryStore;
use serde_json::{Value, json};
use server_common::*;

fn app_with(limits: Limits) -> TestApp {
    TestApp::with(builder(Arc::new(MemoryStore::new())).limits(limits))
}

/// A request body that never finishes arriving while the returned sender lives.
fn endless_body() -> (Sender<Bytes>, Body) {
    let (sender, body) = Channel::<Bytes>::new(1);
    (sender, Body::new(body))
}

/// Filters (and PATCH paths, which hold filters) of at most 30 bytes and 2 levels.
fn tight_filter_limits() -> Limits {
    Limits { filter: FilterLimits { max_length: 30, max_depth: 2, ..FilterLimits::default() }, ..Limits::default() }
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_413() {
    let app = app_with(Limits { max_body_bytes: 100, ..Limits::default() });
    let body = json!({"schemas": [USER_URN], "userName": "x".repeat(200)});
    let detail = app.post("/scim/v2/Users", &body).await.assert_error(413, None);
    assert_eq!(detail, "the request body is larger than the 100 bytes this server accepts");
}

#[tokio::test]
async fn a_filter_over_the_length_or_depth_limit_is_invalid_filter() {
    let app = app_with(tight_filter_limits());
    let long = format!("userName eq \"{}\"", "a".repeat(30));
    let detail =
        app.get(&format!("/scim/v2/Users?filter={}", urlencode(&long))).await.assert_error(400, Some("invalidFilter"));
    assert!(detail.contains("the filter is 44 bytes long; the limit is 30 bytes"), "{detail}");
    // Through .search the same limit holds.
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": long});
    let detail = app.post("/scim/v2/Users/.search", &search).await.assert_error(400, Some("invalidFilter"));
    assert!(detail.contains("the limit is 30 bytes"), "{detail}");
    let deep = "(((userName pr)))";
    let detail =
        app.get(&format!("/scim/v2/Users?filter={}", urlencode(deep))).await.assert_error(400, Some("invalidFilter"));
    assert!(detail.contains("deeper than the limit of 2 levels"), "{detail}");
}

#[tokio::test]
async fn more_patch_operations_than_allowed_is_too_many() {
    let app = app_with(Limits { max_patch_operations: 2, ..Limits::default() });
    let id = app.create_user("bjensen").await["id"].as_str().unwrap().to_owned();
    let operation = json!({"op": "replace", "path": "displayName", "value": "B"});
    let body = json!({"schemas": [PATCH_URN], "Operations": [operation, operation, operation]});
    let detail = app.patch(&format!("/scim/v2/Users/{id}"), &body).await.assert_error(400, Some("tooMany"));
    assert_eq!(
        detail,
        "the PATCH request has 3 operations; at most 2 are accepted in one request: send the rest in further PATCH requests"
    );
    let body = json!({"schemas": [PATCH_URN], "Operations": [operation, operation]});
    assert_eq!(app.patch(&format!("/scim/v2/Users/{id}"), &body).await.status, StatusCode::OK);
}

/// A PATCH `path` is parsed within the server's filter limits too (its value filter is a filter).
#[tokio::test]
async fn a_patch_path_over_the_filter_limits_is_invalid_path() {
    let app = app_with(tight_filter_limits());
    let id = app.create_user("bjensen").await["id"].as_str().unwrap().to_owned();
    let long = format!("emails[value eq \"{}\"].type", "a".repeat(30));
    let body = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": long, "value": "home"}]});
    let detail = app.patch(&format!("/scim/v2/Users/{id}"), &body).await.assert_error(400, Some("invalidPath"));
    assert!(detail.contains("the limit is 30 bytes"), "{detail}");
    let short = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "B"}]});
    assert_eq!(app.patch(&format!("/scim/v2/Users/{id}"), &short).await.status, StatusCode::OK);
}

#[tokio::test]
async fn more_members_in_one_request_than_allowed_is_too_many_and_changes_nothing() {
    let app = app_with(Limits { max_members_per_request: 2, ..Limits::default() });
    let ids: Vec<String> = futures_ids(&app, &["a", "b", "c"]).await;
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let body = json!({"schemas": [GROUP_URN], "displayName": "big", "members": members});
    let detail = app.post("/scim/v2/Groups", &body).await.assert_error(400, Some("tooMany"));
    assert_eq!(
        detail,
        "the request adds or sets 3 members of this Group; at most 2 are accepted in one request: send the rest in further PATCH requests"
    );
    let group = app.create_group("small", &[&ids[0], &ids[1]]).await;
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "members", "value": members}]});
    let group_uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    app.patch(&group_uri, &patch).await.assert_error(400, Some("tooMany"));
    assert_eq!(app.get(&group_uri).await.body["members"].as_array().map(Vec::len), Some(2));
}

async fn futures_ids(app: &TestApp, names: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for name in names {
        ids.push(app.create_user(name).await["id"].as_str().unwrap().to_owned());
    }
    ids
}

#[tokio::test]
async fn count_over_max_results_is_lowered_to_it() {
    let app = app_with(Limits { max_results: 2, ..Limits::default() });
    futures_ids(&app, &["a", "b", "c"]).await;
    let reply = app.get("/scim/v2/Users?count=1000").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["totalResults"], 3);
    assert_eq!(reply.body["itemsPerPage"], 2);
}

#[tokio::test]
async fn a_request_line_over_the_limit_is_414() {
    let app = app_with(Limits { max_request_line_bytes: 100, ..Limits::default() });
    let uri = format!("/scim/v2/Users?filter={}", urlencode(&format!("userName eq \"{}\"", "a".repeat(100))));
    let detail = app.get(&uri).await.assert_error(414, None);
    assert!(detail.starts_with("the request line is 157 bytes; this server accepts at most 100"), "{detail}");
}

#[tokio::test]
async fn header_fields_over_the_limit_are_431() {
    let app = app_with(Limits { max_header_bytes: 200, ..Limits::default() });
    let request =
        app.request(Method::GET, "/scim/v2/Users").header("x-padding", "p".repeat(200)).body(Body::empty()).unwrap();
    let detail = app.send(request).await.assert_error(431, None);
    assert!(detail.starts_with("the request's header fields are "), "{detail}");
    assert!(detail.ends_with("bytes; this server accepts at most 200"), "{detail}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let app = app_with(Limits { body_timeout: Some(Duration::from_millis(50)), ..Limits::default() });
    let (_sender, body) = endless_body();
    let request = app
        .request(Method::POST, "/scim/v2/Users")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(body)
        .unwrap();
    let detail = app.send(request).await.assert_error(408, None);
    assert_eq!(detail, "the request body did not arrive within 0.05 s; send it again");
}

#[tokio::test]
async fn a_request_not_handled_in_time_is_503_with_retry_after() {
    let limits = Limits { body_timeout: None, request_timeout: Some(Duration::from_millis(50)), ..Limits::default() };
    let app = app_with(limits);
    let (_sender, body) = endless_body();
    let request = app
        .request(Method::POST, "/scim/v2/Users")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(body)
        .unwrap();
    let reply = app.send(request).await;
    let detail = reply.assert_error(503, None);
    assert!(detail.starts_with("the request was not handled within 0.05 s and was abandoned"), "{detail}");
    assert_eq!(reply.header(header::RETRY_AFTER), Some("1"));
}

#[tokio::test]
async fn a_tenant_over_its_concurrent_requests_is_429_with_retry_after_and_others_are_served() {
    let limits = Limits {
        max_concurrent_requests_per_tenant: Some(1),
        request_timeout: None,
        body_timeout: None,
        ..Limits::default()
    };
    let app = app_with(limits);
    // acme's first request waits for its body, holding acme's one place.
    let (sender, body) = endless_body();
    let request = app
        .request(Method::POST, "/scim/v2/Users")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(body)
        .unwrap();
    let first = {
        let app = TestApp { router: app.router.clone(), audit: app.audit.clone(), token: app.token.clone() };
        tokio::spawn(async move { app.send(request).await })
    };
    let mut reply = app.get("/scim/v2/Users").await;
    for _ in 0..100 {
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        reply = app.get("/scim/v2/Users").await;
    }
    let detail = reply.assert_error(429, None);
    assert_eq!(
        detail,
        "tenant \"acme\" already has 1 requests in progress, the most this server handles at once for one tenant; retry after 1 s"
    );
    assert_eq!(reply.header(header::RETRY_AFTER), Some("1"));
    // Another tenant is not held back by acme's load.
    assert_eq!(app.as_token(Some(GLOBEX)).get("/scim/v2/Users").await.status, StatusCode::OK);
    // Once acme's request ends, its place is free again.
    drop(sender);
    first.await.unwrap();
    assert_eq!(app.get("/scim/v2/Users").await.status, StatusCode::OK);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}
