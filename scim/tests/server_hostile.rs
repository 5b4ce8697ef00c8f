//! Hostile and broken input: every case is a 4xx SCIM error (never a 500, a panic or a
//! plain-text body) and leaves the stored data as it was. Against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use scim::store::Store;
use serde_json::json;
use server_common::*;

store_tests!(
    malformed_json_is_invalid_syntax_with_the_parser_detail,
    bodies_of_the_wrong_shape_are_400,
    oversized_bodies_are_413,
    deeply_nested_json_is_refused,
    sql_metacharacters_in_filters_and_ids_are_inert,
    unknown_schemas_and_read_only_writes_are_rejected,
    hostile_query_parameters_are_400,
);

/// A user, and the snapshot every test compares against at its end.
async fn seeded(store: Arc<dyn Store>) -> (TestApp, String, serde_json::Value) {
    let app = TestApp::new(store);
    let user = app.create_user("bjensen").await;
    let id = user["id"].as_str().unwrap().to_owned();
    app.create_group("admins", &[&id]).await;
    let snapshot = app.snapshot().await;
    (app, id, snapshot)
}

async fn malformed_json_is_invalid_syntax_with_the_parser_detail(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store).await;
    let user_uri = format!("/scim/v2/Users/{id}");
    let bodies: [&[u8]; 8] = [
        b"{",
        b"{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": }",
        b"{'userName': 'single quotes'}",
        b"{\"userName\": \"x\",}",
        b"",
        b"   ",
        b"\xff\xfe{}",
        b"{\"userName\": \"x\"} trailing",
    ];
    for body in bodies {
        for (method, uri) in [
            (Method::POST, "/scim/v2/Users"),
            (Method::PUT, user_uri.as_str()),
            (Method::PATCH, user_uri.as_str()),
            (Method::POST, "/scim/v2/Users/.search"),
            (Method::POST, "/scim/v2/.search"),
        ] {
            let reply = app.raw(method.clone(), uri, "application/scim+json", body.to_vec()).await;
            let detail = reply.assert_error(400, Some("invalidSyntax"));
            assert!(!detail.is_empty(), "{method} {uri} {body:?}");
        }
    }
    let reply = app.raw(Method::POST, "/scim/v2/Users", "application/json", b"{\"a\": tru}".to_vec()).await;
    let detail = reply.assert_error(400, Some("invalidSyntax"));
    assert!(detail.contains("line 1 column"), "serde's position should be in the detail: {detail}");
    assert_eq!(app.snapshot().await, before);
}

async fn bodies_of_the_wrong_shape_are_400(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store).await;
    let user_uri = format!("/scim/v2/Users/{id}");
    let cases = [
        (Method::POST, "/scim/v2/Users", json!([{"userName": "x"}])),
        (Method::POST, "/scim/v2/Users", json!("userName")),
        (Method::POST, "/scim/v2/Users", json!(null)),
        (Method::POST, "/scim/v2/Users", json!({"schemas": "not-an-array", "userName": "x"})),
        (Method::POST, "/scim/v2/Users", json!({"schemas": [USER_URN], "userName": ["a", "b"]})),
        (Method::POST, "/scim/v2/Users", json!({"schemas": [USER_URN], "userName": "x", "active": "maybe"})),
        (Method::POST, "/scim/v2/Users", json!({"schemas": [USER_URN], "userName": "x", "emails": [{"value": 5}]})),
        (Method::POST, "/scim/v2/Users", json!({"schemas": [USER_URN], "userName": "x", "name": {"givenName": 5}})),
        (Method::PUT, user_uri.as_str(), json!(42)),
        (Method::PATCH, user_uri.as_str(), json!([])),
        (Method::PATCH, user_uri.as_str(), json!({"schemas": [PATCH_URN], "Operations": {"op": "add"}})),
        (
            Method::PATCH,
            user_uri.as_str(),
            json!({"schemas": [PATCH_URN], "Operations": [{"op": "explode", "path": "title"}]}),
        ),
        (
            Method::PATCH,
            user_uri.as_str(),
            json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "active", "value": {"a": 1}}]}),
        ),
        (
            Method::PATCH,
            user_uri.as_str(),
            json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": 7, "value": 1}]}),
        ),
        (
            Method::POST,
            "/scim/v2/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": "ten"}),
        ),
        (Method::POST, "/scim/v2/Users/.search", json!(["filter"])),
    ];
    for (method, uri, body) in cases {
        let reply = app.call(method.clone(), uri, Some(&body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{method} {uri} {body}: {}", reply.body);
        let scim_type = reply.body["scimType"].as_str().map(str::to_owned);
        reply.assert_error(400, scim_type.as_deref());
    }
    assert_eq!(app.snapshot().await, before);
}

async fn oversized_bodies_are_413(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store.clone()).await;
    // 10 MB of valid JSON without Content-Length: refused while it is read.
    let huge = format!("{{\"schemas\": [\"{USER_URN}\"], \"userName\": \"{}\"}}", "a".repeat(10 * 1024 * 1024));
    for (method, uri) in [(Method::POST, "/scim/v2/Users".to_owned()), (Method::PATCH, format!("/scim/v2/Users/{id}"))]
    {
        let reply = app.raw(method, &uri, "application/scim+json", huge.clone()).await;
        let detail = reply.assert_error(413, None);
        assert!(detail.contains("1048576"), "{detail}");
    }
    // A Content-Length above the limit is refused before anything is read.
    let request = app
        .request(Method::POST, "/scim/v2/Users")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .header(header::CONTENT_LENGTH, (10 * 1024 * 1024).to_string())
        .body(Body::from("{}"))
        .unwrap();
    app.send(request).await.assert_error(413, None);
    // A configured limit applies, and a body just under it is fine.
    let small = TestApp::with(builder(store).max_body_bytes(200));
    let fits = json!({"schemas": [USER_URN], "userName": "short"});
    assert_eq!(small.post("/scim/v2/Users", &fits).await.status, StatusCode::CREATED);
    let too_big = json!({"schemas": [USER_URN], "userName": "x".repeat(300)});
    small.post("/scim/v2/Users", &too_big).await.assert_error(413, None);
    let short = small.get("/scim/v2/Users?filter=userName%20eq%20%22short%22").await;
    small.delete(&format!("/scim/v2/Users/{}", short.body["Resources"][0]["id"].as_str().unwrap())).await;
    assert_eq!(app.snapshot().await, before);
}

async fn deeply_nested_json_is_refused(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store).await;
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    let inside = format!("{{\"schemas\": [\"{USER_URN}\"], \"userName\": \"x\", \"name\": {}}}", arrays);
    let patch = format!("{{\"schemas\": [\"{PATCH_URN}\"], \"Operations\": {arrays}}}");
    for body in [arrays.clone(), objects, inside] {
        let reply = app.raw(Method::POST, "/scim/v2/Users", "application/scim+json", body).await;
        let detail = reply.assert_error(400, Some("invalidSyntax"));
        assert!(detail.contains("recursion limit"), "{detail}");
    }
    let reply = app.raw(Method::PATCH, &format!("/scim/v2/Users/{id}"), "application/scim+json", patch).await;
    reply.assert_error(400, Some("invalidSyntax"));
    // Nesting within the limit but meaningless to the schema is a schema error, not a crash.
    let shallow = format!(
        "{{\"schemas\": [\"{USER_URN}\"], \"userName\": \"x\", \"title\": {}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let reply = app.raw(Method::POST, "/scim/v2/Users", "application/scim+json", shallow).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // A deeply nested filter is refused by the parser's limits.
    let filter = format!("{}userName eq \"x\"{}", "(".repeat(5000), ")".repeat(5000));
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
    app.post("/scim/v2/Users/.search", &search).await.assert_error(400, Some("invalidFilter"));
    assert_eq!(app.snapshot().await, before);
}

async fn sql_metacharacters_in_filters_and_ids_are_inert(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store).await;
    let injections = [
        "x' OR '1'='1",
        "x\" OR \"1\"=\"1",
        "'; DROP TABLE scim_users; --",
        "\\\"; DELETE FROM scim_users; --",
        "%' OR userName LIKE '%",
        "bjensen' --",
        "bjensen\u{0}",
        "* ) ( | (uid=*",
    ];
    for text in injections {
        let filter = format!("userName eq {}", serde_json::to_string(text).unwrap());
        let encoded: String = url_encode(&filter);
        let reply = app.get(&format!("/scim/v2/Users?filter={encoded}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{filter}: {}", reply.body);
        assert_eq!(reply.body["totalResults"], 0, "{filter} matched something: {}", reply.body);
        let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
        assert_eq!(app.post("/scim/v2/.search", &search).await.body["totalResults"], 0);
        // The same text as an id: not found, for every method.
        let uri = format!("/scim/v2/Users/{}", url_encode(text));
        app.get(&uri).await.assert_error(404, None);
        app.delete(&uri).await.assert_error(404, None);
        app.put(&uri, &json!({"schemas": [USER_URN], "userName": "evil"})).await.assert_error(404, None);
        let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": text}]});
        app.patch(&uri, &patch).await.assert_error(404, None);
        // As a value: stored and returned verbatim.
        let reply = app.patch(&format!("/scim/v2/Users/{id}"), &patch).await;
        assert_eq!(reply.body["title"], json!(text));
    }
    // Filters whose syntax is the attack are parse errors.
    for filter in ["userName eq \"x\" OR 1=1", "userName eq x'; DROP TABLE users", "userName eq \"x\"; --", "1=1"] {
        app.get(&format!("/scim/v2/Users?filter={}", url_encode(filter)))
            .await
            .assert_error(400, Some("invalidFilter"));
    }
    // Attribute names that are not attributes are refused before any store sees them.
    for path in ["userName\"", "userName;--", "meta.location) OR (1=1"] {
        let filter = format!("{path} eq \"x\"");
        let reply = app.get(&format!("/scim/v2/Users?filter={}", url_encode(&filter))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{filter}: {}", reply.body);
        let sort = app.get(&format!("/scim/v2/Users?sortBy={}", url_encode(path))).await;
        assert_eq!(sort.status, StatusCode::BAD_REQUEST, "{path}: {}", sort.body);
    }
    // Only the title changed; the user is still found and the group still lists it.
    let after = app.snapshot().await;
    assert_eq!(after["groups"], before["groups"]);
    assert_eq!(after["users"][0]["userName"], "bjensen");
    assert_eq!(app.get("/scim/v2/Users?filter=userName%20eq%20%22bjensen%22").await.body["totalResults"], 1);
}

async fn unknown_schemas_and_read_only_writes_are_rejected(store: Arc<dyn Store>) {
    let (app, id, before) = seeded(store).await;
    let uri = format!("/scim/v2/Users/{id}");
    // Data under a schema the server does not have is refused, never dropped. (A foreign entry
    // in `schemas` alone is ignored: Entra lists an ADSCIM schema on group creates.)
    let unknown = json!({
        "schemas": [USER_URN, "urn:example:params:scim:schemas:extension:evil:2.0:User"],
        "userName": "x",
        "urn:example:params:scim:schemas:extension:evil:2.0:User": {"x": 1}
    });
    app.post("/scim/v2/Users", &unknown).await.assert_error(400, Some("invalidSyntax"));
    let group_schema = json!({"schemas": [GROUP_URN], "userName": "x"});
    app.post("/scim/v2/Users", &group_schema).await.assert_error(400, Some("invalidSyntax"));
    let no_schemas = json!({"userName": "x"});
    app.post("/scim/v2/Users", &no_schemas).await.assert_error(400, Some("invalidSyntax"));
    app.put(&uri, &unknown).await.assert_error(400, Some("invalidSyntax"));
    let unknown_ext_attr = json!({"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "urn:example:evil:2.0:User:x", "value": 1}]});
    let reply = app.patch(&uri, &unknown_ext_attr).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // `id` is readOnly: a PATCH naming it is a mutability error (RFC 7644 section 3.5.2).
    let set_id = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "id", "value": "mine"}]});
    app.patch(&uri, &set_id).await.assert_error(400, Some("mutability"));
    // On POST and PUT an `id` in the body is ignored (RFC 7643 section 3.1), never adopted.
    let with_id = json!({"schemas": [USER_URN], "id": id, "userName": "other"});
    let created = app.post("/scim/v2/Users", &with_id).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_ne!(created.id(), id);
    app.delete(&format!("/scim/v2/Users/{}", created.id())).await;
    assert_eq!(app.snapshot().await, before);
}

async fn hostile_query_parameters_are_400(store: Arc<dyn Store>) {
    let (app, _, before) = seeded(store).await;
    let bad = [
        ("startIndex=1e3", Some("invalidValue")),
        ("count=1&count=2", Some("invalidValue")),
        ("sortOrder=up", Some("invalidValue")),
        ("attributes=name..givenName", Some("invalidPath")),
        ("filter=userName%20eq%20%22unterminated", Some("invalidFilter")),
        ("filter=%22%22", Some("invalidFilter")),
    ];
    for (query, scim_type) in bad {
        let reply = app.get(&format!("/scim/v2/Users?{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {}", reply.body);
        reply.assert_error(400, scim_type);
    }
    // Out-of-range paging is normalised, not an error (RFC 7644 section 3.4.2.4).
    let reply = app.get("/scim/v2/Users?startIndex=-5&count=-1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["startIndex"], 1);
    assert_eq!(reply.body["itemsPerPage"], 0);
    let enormous = app.get("/scim/v2/Users?count=99999999999999999999999").await;
    assert_eq!((enormous.status, enormous.body["itemsPerPage"].clone()), (StatusCode::OK, json!(1)));
    let past_the_end = app.get("/scim/v2/Users?startIndex=1000").await;
    assert_eq!(past_the_end.body["Resources"], json!([]));
    assert_eq!(past_the_end.body["totalResults"], 1);
    // Invalid percent-encoding and odd characters in the query do not crash anything.
    let reply = app.get("/scim/v2/Users?filter=userName%20eq%20%22%ff%fe%22").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // An id that is not UTF-8 once percent-decoded.
    app.get("/scim/v2/Users/%FF%FE").await.assert_error(400, None);
    // A long id is no resource; past the request line limit (16 KiB) it is 414.
    let long = "a".repeat(10_000);
    app.get(&format!("/scim/v2/Users/{long}")).await.assert_error(404, None);
    let longer = "a".repeat(60_000);
    let detail = app.get(&format!("/scim/v2/Users/{longer}")).await.assert_error(414, None);
    assert!(detail.starts_with("the request line is 60028 bytes; this server accepts at most 16384"), "{detail}");
    assert_eq!(app.snapshot().await, before);
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}
