//! Issue 10 (IdP compatibility) and the store-layer points of issue 11: each test sends the
//! exact request Entra ID, Okta or Microsoft's SCIM validator sends and asserts the exact
//! outcome, against every store; a refused request changes nothing (asserted with
//! [`TestApp::snapshot`]).
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use scim::server::UnknownAttributes;
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_tests!(
    patch_with_attributes_answers_200_with_the_projected_resource,
    if_match_accepts_the_same_tags_on_every_method,
    members_must_be_resources_of_the_callers_tenant,
    nested_groups_are_members_typed_group,
    group_display_names_are_unique_per_tenant_ignoring_case,
    duplicate_group_names_are_allowed_when_configured_and_survive_the_switch,
    unknown_attributes_are_refused_with_a_detail_that_says_how_to_fix_it,
    unknown_attributes_are_dropped_logged_and_audited_when_ignored,
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

// ----- issue 10 point 8: members that are no users -----

/// POST, PUT and PATCH of a group naming an unknown id, or another tenant's user, as a
/// member: 400 invalidValue naming the id, and nothing of the request is stored.
async fn members_must_be_resources_of_the_callers_tenant(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await["id"].as_str().unwrap().to_owned();
    let globex = app.as_token(Some(GLOBEX));
    let bob = globex.create_user("bob").await["id"].as_str().unwrap().to_owned();
    let group = app.create_group("Sales", &[&alice]).await;
    let uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let before = app.snapshot().await;
    let globex_before = globex.snapshot().await;

    let unknown = "6a2b7c1e-0000-4000-8000-000000000000";
    for (bad, what) in [(unknown, "an unknown id"), (bob.as_str(), "another tenant's user")] {
        // POST, as Entra ID creates a group with members.
        let body =
            json!({"schemas": [GROUP_URN], "displayName": "Marketing", "members": [{"value": alice}, {"value": bad}]});
        let detail = app.post("/scim/v2/Groups", &body).await.assert_error(400, Some("invalidValue"));
        assert!(detail.contains(bad), "{what}: {detail}");
        assert!(!detail.contains(&alice), "{what}: only the bad member is named: {detail}");
        // PUT.
        let body = json!({"schemas": [GROUP_URN], "displayName": "Sales", "members": [{"value": bad, "type": "User"}]});
        let detail = app.put(&uri, &body).await.assert_error(400, Some("invalidValue"));
        assert!(detail.contains(bad), "{what}: {detail}");
        // PATCH, as Entra ID adds a member, and a path-less replace.
        let add = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": [{"value": bad}]}]});
        let detail = app.patch(&uri, &add).await.assert_error(400, Some("invalidValue"));
        assert!(detail.contains(bad), "{what}: {detail}");
        let replace = json!({"schemas": [PATCH_URN], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "replace", "value": {"members": [{"value": alice}, {"value": bad}]}}
        ]});
        let detail = app.patch(&uri, &replace).await.assert_error(400, Some("invalidValue"));
        assert!(detail.contains(bad), "{what}: {detail}");
    }
    // A member type the server does not serve.
    let body =
        json!({"schemas": [GROUP_URN], "displayName": "Devices", "members": [{"value": alice, "type": "Device"}]});
    let detail = app.post("/scim/v2/Groups", &body).await.assert_error(400, Some("invalidValue"));
    assert!(detail.contains("Device") && detail.contains("User, Group"), "{detail}");
    assert_eq!(app.snapshot().await, before, "nothing of a refused request is stored");
    assert_eq!(globex.snapshot().await, globex_before);

    // The members that are the tenant's own users go through.
    let carol = app.create_user("carol").await["id"].as_str().unwrap().to_owned();
    let add =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": [{"value": carol}]}]});
    let reply = app.patch(&uri, &add).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let members: Vec<&str> =
        reply.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(members, [alice.as_str(), carol.as_str()]);
}

/// The Group schema's `members.type` is `User` or `Group`: a member typed `Group` must be a
/// group of the tenant, and an untyped member may be a user or a group.
async fn nested_groups_are_members_typed_group(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await["id"].as_str().unwrap().to_owned();
    let inner = app.create_group("Inner", &[&alice]).await["id"].as_str().unwrap().to_owned();
    let body = json!({"schemas": [GROUP_URN], "displayName": "Outer", "members": [{"value": inner, "type": "Group"}, {"value": alice, "type": "User"}]});
    let reply = app.post("/scim/v2/Groups", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let untyped =
        json!({"schemas": [GROUP_URN], "displayName": "Untyped", "members": [{"value": inner}, {"value": alice}]});
    assert_eq!(app.post("/scim/v2/Groups", &untyped).await.status, StatusCode::CREATED);
    // A user's id typed as a group is not a group.
    let before = app.snapshot().await;
    let body = json!({"schemas": [GROUP_URN], "displayName": "Wrong", "members": [{"value": alice, "type": "Group"}]});
    let detail = app.post("/scim/v2/Groups", &body).await.assert_error(400, Some("invalidValue"));
    assert!(detail.contains(&alice) && detail.contains("no Group"), "{detail}");
    assert_eq!(app.snapshot().await, before);
}

// ----- issue 10 point 3: duplicate group names -----

/// The `uniqueness` `/Schemas` advertises for the core Group schema's `displayName`.
async fn advertised_display_name_uniqueness(app: &TestApp) -> Value {
    let reply = app.get(&format!("/scim/v2/Schemas/{GROUP_URN}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let attributes = reply.body["attributes"].as_array().expect("attributes").clone();
    let display_name = attributes.into_iter().find(|a| a["name"] == "displayName").expect("displayName listed");
    display_name["uniqueness"].clone()
}

/// Microsoft's validator posts a second group with a name in use and expects 409 uniqueness;
/// Entra ID compares names case-insensitively. Renaming onto a name in use (PUT or PATCH) is
/// 409 too; another tenant may use the same name.
async fn group_display_names_are_unique_per_tenant_ignoring_case(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    // Discovery says what the server enforces (the RFC's schema says `none`).
    assert_eq!(advertised_display_name_uniqueness(&app).await, "server");
    let sales = app.create_group("Sales", &[]).await;
    let other = app.create_group("Marketing", &[]).await;
    let other_uri = format!("/scim/v2/Groups/{}", other["id"].as_str().unwrap());
    let before = app.snapshot().await;

    let detail = app
        .post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "sales"}))
        .await
        .assert_error(409, Some("uniqueness"));
    assert!(detail.contains("displayName") && detail.contains("\"sales\""), "{detail}");
    let detail = app
        .put(&other_uri, &json!({"schemas": [GROUP_URN], "displayName": "SALES"}))
        .await
        .assert_error(409, Some("uniqueness"));
    assert!(detail.contains("displayName"), "{detail}");
    let rename =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "Replace", "path": "displayName", "value": "Sales"}]});
    app.patch(&other_uri, &rename).await.assert_error(409, Some("uniqueness"));
    let pathless =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"displayName": "sALES"}}]});
    app.patch(&other_uri, &pathless).await.assert_error(409, Some("uniqueness"));
    assert_eq!(app.snapshot().await, before, "a refused request changes nothing");

    // A group may change the case of its own name, and another tenant may use it.
    let sales_uri = format!("/scim/v2/Groups/{}", sales["id"].as_str().unwrap());
    let recase =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "Replace", "path": "displayName", "value": "SALES"}]});
    assert_eq!(app.patch(&sales_uri, &recase).await.status, StatusCode::OK);
    app.as_token(Some(GLOBEX)).create_group("Sales", &[]).await;
    // A user's displayName is not a group name: users may share one.
    for user_name in ["a", "b"] {
        let body = json!({"schemas": [USER_URN], "userName": user_name, "displayName": "Sales"});
        assert_eq!(app.post("/scim/v2/Users", &body).await.status, StatusCode::CREATED);
    }
}

/// `unique_group_display_names(false)` (scimgen.toml `uniqueGroupNames = false`) allows
/// duplicates; a store holding duplicates from then still opens with the default, its groups
/// still take changes that keep their name, and only new duplicates are refused.
async fn duplicate_group_names_are_allowed_when_configured_and_survive_the_switch(store: Arc<dyn Store>) {
    let lenient = TestApp::with(builder(store.clone()).unique_group_display_names(false));
    assert_eq!(advertised_display_name_uniqueness(&lenient).await, "none");
    let first = lenient.create_group("Sales", &[]).await;
    let second = lenient.create_group("sales", &[]).await;
    assert_ne!(first["id"], second["id"]);

    // The same store under a server with the default: registering it succeeds.
    let strict = TestApp::new(store);
    let listed = strict.get("/scim/v2/Groups?filter=displayName%20eq%20%22SALES%22").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["totalResults"], 2);
    let alice = strict.create_user("alice").await["id"].as_str().unwrap().to_owned();
    let uri = format!("/scim/v2/Groups/{}", second["id"].as_str().unwrap());
    let add = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": alice}]},
        {"op": "Replace", "path": "externalId", "value": "ext-2"}
    ]});
    let reply = strict.patch(&uri, &add).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["externalId"], "ext-2");
    let put = json!({"schemas": [GROUP_URN], "displayName": "sales", "externalId": "ext-3"});
    assert_eq!(strict.put(&uri, &put).await.status, StatusCode::OK);
    strict
        .post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "SALES"}))
        .await
        .assert_error(409, Some("uniqueness"));
}

// ----- issue 10 point 6: unknown attributes -----

/// The default: an attribute outside the schema is 400, and the detail alone (all an admin
/// sees in Entra ID's provisioning log) names it and says what to do.
async fn unknown_attributes_are_refused_with_a_detail_that_says_how_to_fix_it(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app.create_user("bjensen").await;
    let uri = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let before = app.snapshot().await;
    let fix = |detail: &str| {
        assert!(detail.contains("scimgen generate"), "{detail}");
        assert!(detail.contains("schema file"), "{detail}");
        assert!(detail.contains("unknownAttributes"), "{detail}");
    };

    // POST, as Entra ID sends a user after an admin mapped `costCenter` into the core schema.
    let body = json!({"schemas": [USER_URN], "userName": "jsmith", "costCenter": "4130"});
    let detail = app.post("/scim/v2/Users", &body).await.assert_error(400, Some("invalidSyntax"));
    assert!(detail.contains("`costCenter` is not an attribute of User"), "{detail}");
    fix(&detail);
    // An unknown attribute of an extension, URN-qualified.
    let body = json!({"schemas": [USER_URN], "userName": "jsmith", format!("{ENTERPRISE_URN}:badge"): "7"});
    let detail = app.post("/scim/v2/Users", &body).await.assert_error(400, Some("invalidSyntax"));
    assert!(detail.contains("`badge`"), "{detail}");
    fix(&detail);
    // PUT.
    let body = json!({"schemas": [USER_URN], "userName": "bjensen", "costCenter": "4130"});
    fix(&app.put(&uri, &body).await.assert_error(400, Some("invalidSyntax")));
    // PATCH, as Entra ID updates existing users with a newly mapped attribute.
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "costCenter", "value": "4130"}]});
    let detail = app.patch(&uri, &patch).await.assert_error(400, Some("invalidPath"));
    assert!(detail.contains("costCenter"), "{detail}");
    fix(&detail);
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"title": "x", "costCenter": "4130"}}]});
    fix(&app.patch(&uri, &patch).await.assert_error(400, Some("invalidPath")));
    assert_eq!(app.snapshot().await, before);
}

/// `unknownAttributes = "ignore"`: the unknown attribute is dropped, the rest stored, and the
/// audit event lists what was dropped.
async fn unknown_attributes_are_dropped_logged_and_audited_when_ignored(store: Arc<dyn Store>) {
    let app = TestApp::with(builder(store).unknown_attributes(UnknownAttributes::Ignore));
    let body = json!({"schemas": [USER_URN], "userName": "jsmith", "costCenter": "4130", "title": "Clerk",
        ENTERPRISE_URN: {"department": "Sales", "badge": "7"}});
    let reply = app.post("/scim/v2/Users", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert!(reply.body.get("costCenter").is_none(), "{}", reply.body);
    assert_eq!(reply.body["title"], "Clerk");
    assert_eq!(reply.body[ENTERPRISE_URN], json!({"department": "Sales"}));
    let uri = format!("/scim/v2/Users/{}", reply.id());
    assert_eq!(app.get(&uri).await.body, reply.body, "stored as answered");
    let last_ignored = || app.audit.0.lock().unwrap().last().map(|e| e.ignored.clone()).unwrap_or_default();
    assert_eq!(last_ignored(), ["costCenter", format!("{ENTERPRISE_URN}:badge").as_str()]);

    let put = json!({"schemas": [USER_URN], "userName": "jsmith", "nickName": "J", "costCenter": "1"});
    let reply = app.put(&uri, &put).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["nickName"], "J");
    assert_eq!(last_ignored(), ["costCenter"]);

    let patch = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "Add", "path": "costCenter", "value": "4130"},
        {"op": "replace", "value": {"title": "Boss", "shoeSize": 44}},
        {"op": "replace", "path": "displayName", "value": "Jo Smith"}
    ]});
    let reply = app.patch(&uri, &patch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["title"], "Boss");
    assert_eq!(reply.body["displayName"], "Jo Smith");
    assert!(reply.body.get("costCenter").is_none() && reply.body.get("shoeSize").is_none(), "{}", reply.body);
    assert_eq!(last_ignored(), ["costCenter", "shoeSize"]);
    // A known attribute with a bad value is still an error: ignoring is only for unknown names.
    let bad = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]});
    app.patch(&uri, &bad).await.assert_error(400, Some("invalidValue"));
}

// ----- issue 10 point 10: oversized request lines -----

/// Serve `app` on a free port through the listener generated servers use.
async fn serve_on_tcp(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(scim::server::listener::ScimListener::new(listener), app).await.unwrap();
    });
    address
}

/// Send raw bytes over a fresh connection and read the whole response: status, head, body.
async fn send_raw(address: std::net::SocketAddr, request: &[u8]) -> (u16, String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // hyper may answer (and close) before it has read everything: a failed write is fine.
    let _ = stream.write_all(request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response head: {text:?}"));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{head}"));
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{status} body is not JSON ({e}): {body:?}"));
    (status, head.to_ascii_lowercase(), body)
}

/// A filter of 5 000 `or` terms in the query string (about 170 KB, over the 64 KiB URI limit
/// of the `http` crate) is a SCIM 414; a head over hyper's buffer is a SCIM 431; and a normal
/// request on the same server still works.
#[tokio::test]
async fn oversized_request_lines_and_heads_get_scim_errors_over_tcp() {
    let address = serve_on_tcp(TestApp::new(memory_store().await).router).await;
    let filter: Vec<String> = (0..5000).map(|n| format!("userName eq \"user{n}@example.com\"")).collect();
    let query: String = form_urlencoded::byte_serialize(filter.join(" or ").as_bytes()).collect();
    assert!(query.len() > 170_000, "{}", query.len());
    let request = format!(
        "GET /scim/v2/Users?filter={query} HTTP/1.1\r\nHost: scim.example.com\r\nAuthorization: Bearer {ACME}\r\n\r\n"
    );
    let (status, head, body) = send_raw(address, request.as_bytes()).await;
    assert_eq!(status, 414, "{head}");
    assert!(head.contains("content-type: application/scim+json"), "{head}");
    assert_eq!(body["schemas"], json!([ERROR_URN]));
    assert_eq!(body["status"], "414");
    assert!(body["detail"].as_str().unwrap().contains(".search"), "{body}");

    let big = "x".repeat(500_000);
    let request = format!("GET /scim/v2/Users HTTP/1.1\r\nHost: scim.example.com\r\nX-Padding: {big}\r\n\r\n");
    let (status, head, body) = send_raw(address, request.as_bytes()).await;
    assert_eq!(status, 431, "{head}");
    assert!(head.contains("content-type: application/scim+json"), "{head}");
    assert_eq!(body["status"], "431");

    let (status, head, body) = send_raw(address, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert_eq!(status, 400, "{head}");
    assert_eq!(body["schemas"], json!([ERROR_URN]));

    let request = format!(
        "GET /scim/v2/Users?count=1 HTTP/1.1\r\nHost: scim.example.com\r\nAuthorization: Bearer {ACME}\r\nConnection: close\r\n\r\n"
    );
    let (status, _, body) = send_raw(address, request.as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalResults"], 0);
}

// ----- issue 11: fail at start-up when the store cannot register -----

/// `build_registered` (what generated servers call) fails at start-up with the store's error,
/// naming the resource type; a router built with `build` still fails only its requests, with a
/// 500 whose detail does not carry the store's message.
#[tokio::test]
async fn a_store_that_cannot_register_stops_the_server_at_startup() {
    // A store that cannot prepare storage (a read-only database file, say).
    let store: Arc<dyn Store> = Arc::new(FaultyStore {
        register_error: Some(scim::ScimError::internal(
            "cannot create table scim_users: attempt to write a readonly database",
        )),
        ..FaultyStore::default()
    });
    let error = builder(store.clone()).build_registered().await.unwrap_err();
    assert_eq!(error.status, 500);
    assert!(
        error.detail.contains("cannot serve User") && error.detail.contains("readonly database"),
        "{}",
        error.detail
    );

    let app = TestApp::new(store);
    let detail = app.get("/scim/v2/Users").await.assert_error(500, None);
    assert_eq!(detail, "the store is not available for User");

    // A store that registers: the router is ready before any request.
    let ready = builder(sqlite_store().await).build_registered().await.unwrap();
    let app = TestApp { router: ready, audit: Arc::default(), token: Some(ACME.to_owned()) };
    assert_eq!(app.get("/scim/v2/Groups").await.status, StatusCode::OK);
}
