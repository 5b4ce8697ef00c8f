//! Issue 10 (IdP compatibility) and the store-layer points of issue 11: each test sends the
//! exact request Entra ID, Okta or Microsoft's SCIM validator sends and asserts the exact
//! outcome, against every store; a refused request changes nothing (asserted with
//! [`TestApp::snapshot`]).
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_tests!(
    patch_with_attributes_answers_200_with_the_projected_resource,
    if_match_accepts_the_same_tags_on_every_method,
);

/// A request with one extra header and an optional JSON body.
fn request_with(
    app: &TestApp,
    method: Method,
    uri: &str,
    name: header::HeaderName,
    value: &str,
    body: Option<&Value>,
) -> axum::http::Request<Body> {
    let mut builder = app.request(method, uri).header(name, value);
    let body = match body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/scim+json");
            Body::from(serde_json::to_vec(body).unwrap())
        }
        None => Body::empty(),
    };
    builder.body(body).unwrap()
}

// ----- issue 10 point 7: PATCH with attributes -----

/// RFC 7644 section 3.5.2: with `attributes` or `excludedAttributes` the server MUST answer
/// 200 with the resource, even where group PATCH answers 204; without them 204 stays.
async fn patch_with_attributes_answers_200_with_the_projected_resource(store: Arc<dyn Store>) {
    let app = TestApp::with(builder(store).patch_returns_no_content_for("Group"));
    let group = app.create_group("Sales", &[]).await;
    let uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let rename = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "Sales EMEA"}]});

    let reply = app.patch(&format!("{uri}?attributes=displayName"), &rename).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["displayName"], "Sales EMEA");
    assert_eq!(reply.body["id"], group["id"]);
    // Only what was asked for (and what is always returned).
    assert!(reply.body.get("meta").is_none(), "{}", reply.body);
    assert_eq!(reply.header(header::ETAG), app.get(&uri).await.header(header::ETAG));

    let rename_back =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "Sales"}]});
    let reply = app.patch(&format!("{uri}?excludedAttributes=members"), &rename_back).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["displayName"], "Sales");
    assert_eq!(reply.body["meta"]["resourceType"], "Group");

    // Without them: 204 and no body, as Entra ID expects.
    let reply = app.patch(&uri, &rename).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    assert_eq!(app.get(&uri).await.body["displayName"], "Sales EMEA");
}

// ----- issue 11: one If-Match implementation -----

/// `W/"n"`, `"n"` and a bare `n` name version n on GET, PUT, PATCH and DELETE alike; a tag
/// that names another version is 412 on all four and changes nothing.
async fn if_match_accepts_the_same_tags_on_every_method(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app.create_user("bjensen").await;
    let uri = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]});
    let put = json!({"schemas": [USER_URN], "userName": "bjensen", "title": "Chief"});

    // Version 1, in the three spellings, and versions that are not the current one.
    for (tag, current) in [("W/\"1\"", true), ("\"1\"", true), ("1", true), ("2", false), ("W/\"2\"", false)] {
        let reply = app.send(request_with(&app, Method::GET, &uri, header::IF_MATCH, tag, None)).await;
        if current {
            assert_eq!(reply.status, StatusCode::OK, "GET If-Match {tag}: {}", reply.body);
        } else {
            reply.assert_error(412, None);
        }
    }
    let before = app.snapshot().await;
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let body = match method {
            Method::PUT => Some(&put),
            Method::PATCH => Some(&patch),
            _ => None,
        };
        app.send(request_with(&app, method.clone(), &uri, header::IF_MATCH, "2", body)).await.assert_error(412, None);
        app.send(request_with(&app, method, &uri, header::IF_MATCH, "W/\"2\"", body)).await.assert_error(412, None);
    }
    assert_eq!(app.snapshot().await, before);

    // A bare current version goes through on each writing method.
    let reply = app.send(request_with(&app, Method::PUT, &uri, header::IF_MATCH, "1", Some(&put))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["meta"]["version"], "W/\"2\"");
    let reply = app.send(request_with(&app, Method::PATCH, &uri, header::IF_MATCH, "2", Some(&patch))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["title"], "Boss");
    let reply = app.send(request_with(&app, Method::DELETE, &uri, header::IF_MATCH, "\"3\"", None)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    app.get(&uri).await.assert_error(404, None);
}
