//! The HTTP behaviour of `scim::server` (RFC 7644 sections 3 and 8): every endpoint, status
//! code, header and error body, against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_tests!(
    create_answers_201_with_location_etag_and_meta,
    get_returns_the_resource_with_etag_and_never_the_password,
    etag_preconditions_are_honoured,
    put_replaces_and_rejects_immutable_changes,
    patch_answers_200_or_204_as_configured,
    delete_answers_204_and_the_resource_is_gone,
    deleting_a_user_removes_its_memberships,
    list_pages_filters_and_projects,
    count_above_max_results_is_clamped,
    unsupported_filters_are_invalid_filter_naming_what_is_supported,
    search_endpoints_accept_search_requests,
    uniqueness_conflicts_are_409,
    discovery_documents_advertise_what_the_server_does,
    content_types_are_checked,
    unknown_routes_and_methods_are_scim_errors,
    authentication_is_required,
    excluded_members_are_not_returned,
    audit_events_record_every_change,
    public_url_and_base_path_shape_locations,
);

async fn create_answers_201_with_location_etag_and_meta(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let reply = app
        .post(
            "/scim/v2/Users",
            &json!({"schemas": [USER_URN], "userName": "bjensen", "password": "t1meMa$heen", "name": {"givenName": "Barbara"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/scim+json"));
    let id = reply.id();
    let location = format!("http://scim.example.com/scim/v2/Users/{id}");
    assert_eq!(reply.header(header::LOCATION), Some(location.as_str()));
    assert_eq!(reply.body["meta"]["location"], json!(location));
    assert_eq!(reply.body["meta"]["resourceType"], "User");
    let version = reply.body["meta"]["version"].as_str().unwrap();
    assert_eq!(reply.header(header::ETAG), Some(version));
    assert_eq!(reply.body["userName"], "bjensen");
    assert_eq!(reply.body["name"], json!({"givenName": "Barbara"}));
    // RFC 7643 section 4.1.1: password is returned "never".
    assert!(reply.body.get("password").is_none(), "{}", reply.body);
    // A body that is valid JSON but not a valid User is 400, not created.
    let missing = app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "displayName": "x"})).await;
    missing.assert_error(400, Some("invalidValue"));
    let unknown =
        app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "x", "favouriteColour": "red"})).await;
    let detail = unknown.assert_error(400, Some("invalidSyntax"));
    assert!(detail.contains("favouriteColour"), "{detail}");
}

async fn get_returns_the_resource_with_etag_and_never_the_password(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let created = app
        .post(
            "/scim/v2/Users",
            &json!({"schemas": [USER_URN], "userName": "bjensen", "password": "secret", "title": "Tour Guide"}),
        )
        .await;
    let id = created.id();
    let reply = app.get(&format!("/scim/v2/Users/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, created.body);
    assert_eq!(reply.header(header::ETAG), created.header(header::ETAG));
    assert!(reply.body.get("password").is_none());
    // attributes / excludedAttributes on a single resource (RFC 7644 section 3.9).
    let only = app.get(&format!("/scim/v2/Users/{id}?attributes=userName")).await;
    assert_eq!(only.body, json!({"schemas": [USER_URN], "id": id, "userName": "bjensen"}));
    let without = app.get(&format!("/scim/v2/Users/{id}?excludedAttributes=title")).await;
    assert!(without.body.get("title").is_none() && without.body.get("userName").is_some());
    // Asking for the password explicitly still does not return it.
    let asked = app.get(&format!("/scim/v2/Users/{id}?attributes=password")).await;
    assert!(asked.body.get("password").is_none());
    app.get("/scim/v2/Users/no-such-id").await.assert_error(404, None);
}

async fn etag_preconditions_are_honoured(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let created = app.create_user("bjensen").await;
    let id = created["id"].as_str().unwrap();
    let uri = format!("/scim/v2/Users/{id}");
    let etag = created["meta"]["version"].as_str().unwrap().to_owned();

    let with = |name: header::HeaderName, value: &str, method: Method, body: Option<&Value>| {
        let mut builder = app.request(method, &uri).header(name, value);
        let body = match body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/scim+json");
                Body::from(serde_json::to_vec(body).unwrap())
            }
            None => Body::empty(),
        };
        builder.body(body).unwrap()
    };
    // If-None-Match with the current version: 304 with the ETag and no body.
    let not_modified = app.send(with(header::IF_NONE_MATCH, &etag, Method::GET, None)).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.header(header::ETAG), Some(etag.as_str()));
    assert_eq!(not_modified.body, Value::Null);
    let modified = app.send(with(header::IF_NONE_MATCH, "W/\"999\"", Method::GET, None)).await;
    assert_eq!(modified.status, StatusCode::OK);

    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "Boss"}]});
    // A stale If-Match: 412 and nothing changes.
    let stale = app.send(with(header::IF_MATCH, "W/\"999\"", Method::PATCH, Some(&patch))).await;
    stale.assert_error(412, None);
    assert_eq!(app.get(&uri).await.body, created);
    let stale_put = app
        .send(with(header::IF_MATCH, "W/\"999\"", Method::PUT, Some(&json!({"schemas": [USER_URN], "userName": "x"}))))
        .await;
    stale_put.assert_error(412, None);
    app.send(with(header::IF_MATCH, "W/\"999\"", Method::DELETE, None)).await.assert_error(412, None);
    assert_eq!(app.get(&uri).await.body, created);
    // The current version: the change goes through and the version moves on.
    let fresh = app.send(with(header::IF_MATCH, &etag, Method::PATCH, Some(&patch))).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let new_etag = fresh.header(header::ETAG).unwrap().to_owned();
    assert_ne!(new_etag, etag);
    assert_eq!(fresh.body["meta"]["version"], json!(new_etag));
    assert_eq!(fresh.body["title"], "Boss");
    // `*` matches any existing version.
    let any = app.send(with(header::IF_MATCH, "*", Method::DELETE, None)).await;
    assert_eq!(any.status, StatusCode::NO_CONTENT);
}

async fn put_replaces_and_rejects_immutable_changes(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let created = app
        .post(
            "/scim/v2/Users",
            &json!({"schemas": [USER_URN], "userName": "bjensen", "title": "Guide", "nickName": "Babs"}),
        )
        .await;
    let id = created.id();
    let uri = format!("/scim/v2/Users/{id}");
    let reply = app.put(&uri, &json!({"schemas": [USER_URN], "userName": "bjensen", "title": "Boss"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["title"], "Boss");
    // PUT replaces: what the body leaves out is gone (RFC 7644 section 3.5.1).
    assert!(reply.body.get("nickName").is_none());
    assert_eq!(reply.body["id"], json!(id));
    assert_eq!(reply.body["meta"]["created"], created.body["meta"]["created"]);
    assert_ne!(reply.header(header::ETAG), created.header(header::ETAG));
    assert_eq!(app.get(&uri).await.body, reply.body);
    // Invalid bodies are 400 and change nothing.
    app.put(&uri, &json!({"schemas": [USER_URN]})).await.assert_error(400, Some("invalidValue"));
    app.put(&uri, &json!({"schemas": [USER_URN], "userName": 7})).await.assert_error(400, Some("invalidValue"));
    assert_eq!(app.get(&uri).await.body, reply.body);
    app.put("/scim/v2/Users/missing", &json!({"schemas": [USER_URN], "userName": "x"})).await.assert_error(404, None);
}

async fn patch_answers_200_or_204_as_configured(store: Arc<dyn Store>) {
    let app = TestApp::new(store.clone());
    let user = app.create_user("bjensen").await;
    let uri = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let body = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let reply = app.patch(&uri, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["active"], json!(false));
    assert!(reply.header(header::ETAG).is_some());

    let quiet = TestApp::with(builder(store).patch_returns_no_content_for("User"));
    let user = quiet.create_user("jsmith").await;
    let uri = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let reply = quiet.patch(&uri, &body).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    assert!(reply.header(header::ETAG).is_some());
    assert_eq!(quiet.get(&uri).await.body["active"], json!(false));
    // Errors are still errors.
    let bad = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "nosuch", "value": 1}]});
    quiet.patch(&uri, &bad).await.assert_error(400, Some("invalidPath"));
    let no_schemas = json!({"Operations": [{"op": "replace", "path": "title", "value": "x"}]});
    quiet.patch(&uri, &no_schemas).await.assert_error(400, Some("invalidSyntax"));
    quiet.patch("/scim/v2/Users/missing", &body).await.assert_error(404, None);
}

async fn delete_answers_204_and_the_resource_is_gone(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app.create_user("bjensen").await;
    let uri = format!("/scim/v2/Users/{}", user["id"].as_str().unwrap());
    let reply = app.delete(&uri).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, Value::Null);
    app.get(&uri).await.assert_error(404, None);
    app.delete(&uri).await.assert_error(404, None);
}

async fn deleting_a_user_removes_its_memberships(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await["id"].as_str().unwrap().to_owned();
    let bob = app.create_user("bob").await["id"].as_str().unwrap().to_owned();
    let both = app.create_group("both", &[&alice, &bob]).await["id"].as_str().unwrap().to_owned();
    let only_alice = app.create_group("only-alice", &[&alice]).await["id"].as_str().unwrap().to_owned();
    let only_bob = app.create_group("only-bob", &[&bob]).await;
    // Another tenant cannot list this tenant's user as a member at all (members must be
    // users of the caller's tenant), so its groups never need cleaning up.
    let globex = app.as_token(Some(GLOBEX));
    let foreign = json!({"schemas": [GROUP_URN], "displayName": "foreign", "members": [{"value": alice}]});
    globex.post("/scim/v2/Groups", &foreign).await.assert_error(400, Some("invalidValue"));
    let foreign = globex.create_group("foreign", &[]).await;

    assert_eq!(app.delete(&format!("/scim/v2/Users/{alice}")).await.status, StatusCode::NO_CONTENT);
    let members = |group: &Value| -> Vec<String> {
        group["members"]
            .as_array()
            .map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert_eq!(members(&app.get(&format!("/scim/v2/Groups/{both}")).await.body), [bob.as_str()]);
    assert!(members(&app.get(&format!("/scim/v2/Groups/{only_alice}")).await.body).is_empty());
    let untouched = app.get(&format!("/scim/v2/Groups/{}", only_bob["id"].as_str().unwrap())).await.body;
    assert_eq!(untouched["meta"]["version"], only_bob["meta"]["version"]);
    let foreign_now = globex.get(&format!("/scim/v2/Groups/{}", foreign["id"].as_str().unwrap())).await.body;
    assert_eq!(foreign_now, foreign);
    // Each group changed is in the audit log.
    let events: Vec<(String, String)> =
        app.audit.0.lock().unwrap().iter().map(|e| (e.action.as_str().to_owned(), e.id.clone())).collect();
    let tail = &events[events.len() - 3..];
    assert_eq!(tail[0], ("delete".to_owned(), alice.clone()));
    let mut patched: Vec<&str> = tail[1..]
        .iter()
        .map(|(action, id)| {
            assert_eq!(action, "patch");
            id.as_str()
        })
        .collect();
    patched.sort();
    let mut expected = [both.as_str(), only_alice.as_str()];
    expected.sort();
    assert_eq!(patched, expected);
}

async fn list_pages_filters_and_projects(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for name in ["alice", "bob", "carol", "dave"] {
        app.post(
            "/scim/v2/Users",
            &json!({"schemas": [USER_URN], "userName": name, "displayName": format!("{name} X")}),
        )
        .await;
    }
    let all = app.get("/scim/v2/Users").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["schemas"], json!([LIST_URN]));
    assert_eq!(all.body["totalResults"], 4);
    assert_eq!(all.body["startIndex"], 1);
    assert_eq!(all.body["itemsPerPage"], 4);
    for user in all.body["Resources"].as_array().unwrap() {
        let location = user["meta"]["location"].as_str().unwrap();
        assert_eq!(location, format!("http://scim.example.com/scim/v2/Users/{}", user["id"].as_str().unwrap()));
    }
    let page = app.get("/scim/v2/Users?startIndex=2&count=2").await;
    assert_eq!(page.body["totalResults"], 4);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["itemsPerPage"], 2);
    let names: Vec<&str> =
        page.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["bob", "carol"]);
    // Sorting (RFC 7644 section 3.4.2.3).
    let sorted = app.get("/scim/v2/Users?sortBy=userName&sortOrder=descending&count=1").await;
    assert_eq!(sorted.body["Resources"][0]["userName"], "dave");
    // Sorting is offered on id and the indexed (filterable or unique) attributes, with every
    // store; others are refused naming what is sortable.
    for sort_by in ["id", "userName", "displayName", "externalId", "emails.value"] {
        let reply = app.get(&format!("/scim/v2/Users?sortBy={sort_by}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{sort_by}: {}", reply.body);
        assert_eq!(reply.body["totalResults"], 4);
    }
    for sort_by in ["nickName", "name.givenName", "meta.created", "emails", "name"] {
        let reply = app.get(&format!("/scim/v2/Users?sortBy={sort_by}")).await;
        let detail = reply.assert_error(400, Some("invalidValue"));
        assert!(detail.contains("userName") && detail.contains("displayName"), "{detail}");
    }
    let by_display = app.get("/scim/v2/Users?sortBy=displayName&sortOrder=descending").await;
    let names: Vec<&str> =
        by_display.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["dave", "carol", "bob", "alice"]);
    // Filtering, percent-encoded as clients send it; userName is case-insensitive (RFC 7643 4.1.1).
    let filtered = app.get("/scim/v2/Users?filter=userName%20eq%20%22CAROL%22").await;
    assert_eq!(filtered.body["totalResults"], 1);
    assert_eq!(filtered.body["Resources"][0]["userName"], "carol");
    let starts = app.get("/scim/v2/Users?filter=displayName+sw+%22b%22+or+displayName+co+%22ave%22").await;
    assert_eq!(starts.body["totalResults"], 2, "{}", starts.body);
    // Projection.
    let projected = app.get("/scim/v2/Users?attributes=userName&filter=userName%20eq%20%22bob%22").await;
    let bob = &projected.body["Resources"][0];
    assert_eq!(bob.as_object().unwrap().keys().collect::<Vec<_>>(), ["schemas", "id", "userName"]);
    // A filter that matches nothing is an empty list, with `Resources` present.
    let none = app.get("/scim/v2/Users?filter=userName%20eq%20%22zed%22").await;
    assert_eq!(none.body["totalResults"], 0);
    assert_eq!(none.body["Resources"], json!([]));
    // Bad parameters are 400s.
    app.get("/scim/v2/Users?count=ten").await.assert_error(400, Some("invalidValue"));
    app.get("/scim/v2/Users?filter=userName%20eq").await.assert_error(400, Some("invalidFilter"));
    app.get("/scim/v2/Users?sortOrder=sideways").await.assert_error(400, Some("invalidValue"));
}

async fn count_above_max_results_is_clamped(store: Arc<dyn Store>) {
    let app = TestApp::with(builder(store).max_results(3));
    for index in 0..5 {
        app.create_user(&format!("user{index}")).await;
    }
    let reply = app.get("/scim/v2/Users?count=100").await;
    assert_eq!(reply.body["totalResults"], 5);
    assert_eq!(reply.body["itemsPerPage"], 3);
    let unasked = app.get("/scim/v2/Users").await;
    assert_eq!(unasked.body["itemsPerPage"], 3);
    let config = app.get("/scim/v2/ServiceProviderConfig").await;
    assert_eq!(config.body["filter"]["maxResults"], 3);
    let zero = app.get("/scim/v2/Users?count=0").await;
    assert_eq!((zero.body["totalResults"].clone(), zero.body["itemsPerPage"].clone()), (json!(5), json!(0)));
}

async fn unsupported_filters_are_invalid_filter_naming_what_is_supported(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    app.create_user("bjensen").await;
    // `title` is mapped but not filterable; `co` is not allowed on userName.
    for filter in ["title%20eq%20%22x%22", "userName%20co%20%22jen%22", "nickName%20pr"] {
        let reply = app.get(&format!("/scim/v2/Users?filter={filter}")).await;
        let detail = reply.assert_error(400, Some("invalidFilter"));
        assert!(detail.contains("userName"), "the detail should list what is supported: {detail}");
    }
    // Unknown attributes do not resolve at all.
    app.get("/scim/v2/Users?filter=shoeSize%20eq%201").await.assert_error(400, Some("invalidFilter"));
}

async fn search_endpoints_accept_search_requests(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    app.create_user("bob").await;
    app.create_group("admins", &[alice["id"].as_str().unwrap()]).await;
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName eq \"alice\"",
        "attributes": ["userName"],
    });
    let reply = app.post("/scim/v2/Users/.search", &search).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["totalResults"], 1);
    assert_eq!(reply.body["Resources"][0], json!({"schemas": [USER_URN], "id": alice["id"], "userName": "alice"}));
    // Root search covers every resource type (RFC 7644 section 3.4.3).
    let everything = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 10});
    let reply = app.post("/scim/v2/.search", &everything).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["totalResults"], 3);
    let paged =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "startIndex": 2, "count": 2});
    let reply = app.post("/scim/v2/.search", &paged).await;
    let kinds: Vec<&str> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["User", "Group"]);
    // A filter only Users understand finds the user and no group.
    let by_name =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"bob\""});
    assert_eq!(app.post("/scim/v2/.search", &by_name).await.body["totalResults"], 1);
    // A malformed SearchRequest is 400.
    app.post(
        "/scim/v2/Users/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filtre": "x"}),
    )
    .await
    .assert_error(400, Some("invalidSyntax"));
    app.post(
        "/scim/v2/.search",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "nosuch eq 1"}),
    )
    .await
    .assert_error(400, Some("invalidFilter"));
}

async fn uniqueness_conflicts_are_409(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    app.create_user("bjensen").await;
    let before = app.snapshot().await;
    let reply = app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "BJensen"})).await;
    let detail = reply.assert_error(409, Some("uniqueness"));
    assert!(detail.contains("userName"), "{detail}");
    assert_eq!(app.snapshot().await, before);
}

async fn discovery_documents_advertise_what_the_server_does(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let config = app.get("/scim/v2/ServiceProviderConfig").await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.body["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]));
    assert_eq!(config.body["patch"]["supported"], true);
    assert_eq!(config.body["bulk"], json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 4_194_304}));
    assert_eq!(config.body["filter"], json!({"supported": true, "maxResults": 200}));
    assert_eq!(config.body["etag"]["supported"], true);
    assert_eq!(config.body["sort"]["supported"], true);
    assert_eq!(config.body["changePassword"]["supported"], true);
    assert_eq!(config.body["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(config.body["meta"]["location"], "http://scim.example.com/scim/v2/ServiceProviderConfig");

    let schemas = app.get("/scim/v2/Schemas").await;
    assert_eq!(schemas.body["schemas"], json!([LIST_URN]));
    let ids: Vec<&str> =
        schemas.body["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [USER_URN, ENTERPRISE_URN, GROUP_URN]);
    assert_eq!(schemas.body["totalResults"], 3);
    let user = app.get(&format!("/scim/v2/Schemas/{USER_URN}")).await;
    assert_eq!(user.status, StatusCode::OK);
    assert_eq!(user.body["id"], USER_URN);
    assert_eq!(user.body["meta"]["location"], format!("http://scim.example.com/scim/v2/Schemas/{USER_URN}"));
    assert!(user.body["attributes"].as_array().unwrap().iter().any(|a| a["name"] == "userName"));
    app.get("/scim/v2/Schemas/urn:nope").await.assert_error(404, None);

    let types = app.get("/scim/v2/ResourceTypes").await;
    let names: Vec<&str> =
        types.body["Resources"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["User", "Group"]);
    let group = app.get("/scim/v2/ResourceTypes/Group").await;
    assert_eq!(group.body["endpoint"], "/Groups");
    assert_eq!(group.body["meta"]["location"], "http://scim.example.com/scim/v2/ResourceTypes/Group");
    app.get("/scim/v2/ResourceTypes/Widget").await.assert_error(404, None);
}

async fn content_types_are_checked(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let body = serde_json::to_vec(&json!({"schemas": [USER_URN], "userName": "a"})).unwrap();
    let accepted = [
        "application/scim+json",
        "application/scim+json; charset=utf-8",
        "application/json",
        "Application/JSON;charset=UTF-8",
    ];
    for (index, content_type) in accepted.iter().enumerate() {
        let body = serde_json::to_vec(&json!({"schemas": [USER_URN], "userName": format!("user{index}")})).unwrap();
        let reply = app.raw(Method::POST, "/scim/v2/Users", content_type, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{content_type}: {}", reply.body);
    }
    for content_type in
        ["text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1"]
    {
        let reply = app.raw(Method::POST, "/scim/v2/Users", content_type, body.clone()).await;
        reply.assert_error(415, None);
    }
    let no_type = app.request(Method::POST, "/scim/v2/Users").body(Body::from(body)).unwrap();
    app.send(no_type).await.assert_error(415, None);
    assert_eq!(app.snapshot().await["users"].as_array().unwrap().len(), accepted.len());
}

async fn unknown_routes_and_methods_are_scim_errors(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for uri in ["/scim/v2/Widgets", "/scim/v2/Users/1/extra", "/elsewhere", "/scim/v2"] {
        app.get(uri).await.assert_error(404, None);
    }
    let reply = app.call(Method::DELETE, "/scim/v2/Users", None).await;
    reply.assert_error(405, None);
    // RFC 9110 section 15.5.6: a 405 lists the methods the resource supports.
    assert_eq!(reply.header(header::ALLOW), Some("GET,HEAD,POST"));
    app.call(Method::POST, "/scim/v2/ServiceProviderConfig", Some(&json!({}))).await.assert_error(405, None);
    app.call(Method::GET, "/scim/v2/Users/.search", None).await.assert_error(405, None);
    // Bulk takes only POST (RFC 7644 section 3.7).
    app.get("/scim/v2/Bulk").await.assert_error(405, None);
}

async fn authentication_is_required(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for token in [None, Some("wrong"), Some("")] {
        let caller = app.as_token(token);
        for uri in ["/scim/v2/Users", "/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas"] {
            let reply = caller.get(uri).await;
            reply.assert_error(401, None);
            assert_eq!(reply.header(header::WWW_AUTHENTICATE), Some("Bearer realm=\"SCIM\""));
        }
        caller.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "x"})).await.assert_error(401, None);
        // A method the endpoint does not take is told only to a caller with a token.
        caller.call(Method::DELETE, "/scim/v2/Users", None).await.assert_error(401, None);
        // So is the outcome of a body: it is not read before the token is checked.
        caller.post("/scim/v2/Bulk", &json!({"not": "a bulk request"})).await.assert_error(401, None);
    }
    // Another scheme is not a bearer token.
    let clean = axum::http::Request::builder()
        .uri("/scim/v2/Users")
        .header(header::AUTHORIZATION, "Basic YWxhZGRpbjpvcGVuc2VzYW1l")
        .body(Body::empty())
        .unwrap();
    app.send(clean).await.assert_error(401, None);
    assert!(app.snapshot().await["users"].as_array().unwrap().is_empty());
}

async fn excluded_members_are_not_returned(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app.create_user("alice").await;
    let group = app.create_group("admins", &[user["id"].as_str().unwrap()]).await;
    assert_eq!(group["members"][0]["value"], user["id"]);
    let id = group["id"].as_str().unwrap();
    let without = app.get(&format!("/scim/v2/Groups/{id}?excludedAttributes=members")).await;
    assert_eq!(without.status, StatusCode::OK);
    assert!(without.body.get("members").is_none(), "{}", without.body);
    assert_eq!(without.body["displayName"], "admins");
    let listed = app.get("/scim/v2/Groups?excludedAttributes=members").await;
    assert!(listed.body["Resources"][0].get("members").is_none());
    let only_name = app.get("/scim/v2/Groups?attributes=displayName").await;
    assert!(only_name.body["Resources"][0].get("members").is_none());
    let with = app.get("/scim/v2/Groups?attributes=members.value").await;
    assert_eq!(with.body["Resources"][0]["members"], json!([{"value": user["id"]}]));
}

async fn audit_events_record_every_change(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app
        .post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "bjensen", "password": "hunter2"}))
        .await
        .body;
    let id = user["id"].as_str().unwrap();
    let uri = format!("/scim/v2/Users/{id}");
    let patch = json!({"schemas": [PATCH_URN], "Operations": [
        {"op": "replace", "path": "password", "value": "hunter3"},
        {"op": "replace", "value": {"title": "Boss", "password": "hunter4"}}
    ]});
    assert_eq!(app.patch(&uri, &patch).await.status, StatusCode::OK);
    app.put(&uri, &json!({"schemas": [USER_URN], "userName": "bjensen"})).await;
    app.delete(&uri).await;
    // Failed requests are not changes.
    app.delete(&uri).await;
    let events = app.audit.0.lock().unwrap().clone();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "patch", "replace", "delete"]);
    for event in &events {
        assert_eq!(
            (event.tenant.as_str(), event.actor.as_str(), event.resource_type.as_str()),
            ("acme", "entra", "User")
        );
        assert_eq!(event.id, id);
        assert!(!event.at.is_empty());
    }
    assert_eq!(events[0].changes, json!(["userName", "password"]));
    assert_eq!(
        events[1].changes,
        json!([
            {"op": "replace", "path": "password", "value": "[redacted]"},
            {"op": "replace", "value": {"title": "Boss", "password": "[redacted]"}}
        ])
    );
    let logged = serde_json::to_string(&events).unwrap();
    assert!(!logged.contains("hunter"), "secrets must not reach the audit log: {logged}");
}

async fn public_url_and_base_path_shape_locations(store: Arc<dyn Store>) {
    let app =
        TestApp::with(builder(store).base_path("/api/scim/").public_url(Some("https://id.example.org/".to_owned())));
    let reply = app.post("/api/scim/Users", &json!({"schemas": [USER_URN], "userName": "bjensen"})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let expected = format!("https://id.example.org/api/scim/Users/{}", reply.id());
    assert_eq!(reply.header(header::LOCATION), Some(expected.as_str()));
    app.get("/scim/v2/Users").await.assert_error(404, None);
    // Without a public URL, a forwarded https and the Host header are used; a Host header
    // with characters no host has is not echoed.
    let plain = TestApp::new(server_common::memory_store().await);
    let forwarded = plain
        .request(Method::GET, "/scim/v2/ServiceProviderConfig")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        plain.send(forwarded).await.body["meta"]["location"],
        "https://scim.example.com/scim/v2/ServiceProviderConfig"
    );
    let hostile = axum::http::Request::builder()
        .uri("/scim/v2/ServiceProviderConfig")
        .header(header::HOST, "evil.com/<script>")
        .header(header::AUTHORIZATION, format!("Bearer {ACME}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(plain.send(hostile).await.body["meta"]["location"], "http://localhost/scim/v2/ServiceProviderConfig");
}
