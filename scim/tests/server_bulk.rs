//! `POST /Bulk` (RFC 7644 section 3.7) as a client sends it: users and a group referring to
//! them by `bulkId`, references to later operations, cycles, `failOnErrors`, the two limits
//! (`413`), a stale `version`, an unknown resource type, tenants. Against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

store_tests!(
    users_and_a_group_referring_to_them_by_bulk_id,
    a_reference_to_a_later_post_runs_after_it,
    circular_references_are_refused_with_409,
    fail_on_errors_stops_after_that_many_errors,
    every_failure_is_reported_without_fail_on_errors,
    too_many_operations_or_too_large_a_payload_is_413,
    a_stale_version_is_412_and_a_current_one_applies,
    an_unknown_resource_type_or_method_is_reported_per_operation,
    bulk_writes_stay_in_the_callers_tenant,
    malformed_bulk_requests_are_400,
);

fn bulk(fail_on_errors: Option<u64>, operations: Value) -> Value {
    let mut body = json!({"schemas": [BULK_REQUEST], "Operations": operations});
    if let Some(limit) = fail_on_errors {
        body["failOnErrors"] = json!(limit);
    }
    body
}

fn post_user(bulk_id: &str, user_name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
           "data": {"schemas": [USER_URN], "userName": user_name, "active": true}})
}

/// Send a BulkRequest; assert a `200` BulkResponse and return its operations.
async fn send_bulk(app: &TestApp, body: &Value) -> Vec<Value> {
    let reply = app.post("/scim/v2/Bulk", body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["schemas"], json!([BULK_RESPONSE]), "{}", reply.body);
    reply.body["Operations"].as_array().cloned().unwrap_or_default()
}

/// The id at the end of a response operation's `location`.
fn id_of(operation: &Value) -> String {
    operation["location"].as_str().unwrap().rsplit('/').next().unwrap().to_owned()
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        group["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

async fn users_and_a_group_referring_to_them_by_bulk_id(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let body = bulk(
        None,
        json!([
            post_user("alice", "alice@example.com"),
            post_user("bob", "bob@example.com"),
            {"method": "POST", "path": "/Groups", "bulkId": "admins",
             "data": {"schemas": [GROUP_URN], "displayName": "Admins",
                      "members": [{"type": "User", "value": "bulkId:alice"}, {"type": "User", "value": "bulkId:bob"}]}}
        ]),
    );
    let operations = send_bulk(&app, &body).await;
    assert_eq!(operations.len(), 3, "{operations:?}");
    for (operation, bulk_id) in operations.iter().zip(["alice", "bob", "admins"]) {
        assert_eq!(operation["method"], "POST");
        assert_eq!(operation["bulkId"], bulk_id);
        assert_eq!(operation["status"], "201", "{operation}");
        assert!(operation.get("response").is_none(), "{operation}");
    }
    let alice = id_of(&operations[0]);
    let bob = id_of(&operations[1]);
    assert_eq!(operations[0]["location"], format!("http://scim.example.com/scim/v2/Users/{alice}"));
    // The version is the created resource's, as its ETag would be.
    let read = app.get(&format!("/scim/v2/Users/{alice}")).await;
    assert_eq!(operations[0]["version"], read.body["meta"]["version"]);
    assert_eq!(read.body["userName"], "alice@example.com");
    let group =
        app.get(operations[2]["location"].as_str().unwrap().trim_start_matches("http://scim.example.com")).await;
    assert_eq!(group.body["displayName"], "Admins");
    let mut expected = vec![alice.clone(), bob];
    expected.sort();
    assert_eq!(member_ids(&group.body), expected);

    // PUT, PATCH and DELETE in one request, each audited as its own request would be.
    let before = app.audit.0.lock().unwrap().len();
    let body = bulk(
        None,
        json!([
            {"method": "PUT", "path": format!("/Users/{alice}"),
             "data": {"schemas": [USER_URN], "userName": "alice@example.com", "displayName": "Alice", "active": false}},
            {"method": "PATCH", "path": operations[2]["location"].as_str().unwrap().trim_start_matches("http://scim.example.com/scim/v2"),
             "data": {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "Owners"}]}},
            {"method": "DELETE", "path": format!("/Users/{}", id_of(&operations[1]))}
        ]),
    );
    let changed = send_bulk(&app, &body).await;
    let statuses: Vec<&str> = changed.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["200", "200", "204"], "{changed:?}");
    assert!(changed[2].get("version").is_none());
    let read = app.get(&format!("/scim/v2/Users/{alice}")).await;
    assert_eq!((read.body["displayName"].as_str(), read.body["active"].as_bool()), (Some("Alice"), Some(false)));
    assert_eq!(changed[0]["version"], read.body["meta"]["version"]);
    let group = app.get(changed[1]["location"].as_str().unwrap().trim_start_matches("http://scim.example.com")).await;
    // The deleted user left the group, as after its own DELETE.
    assert_eq!((group.body["displayName"].as_str(), member_ids(&group.body)), (Some("Owners"), vec![alice]));
    let actions: Vec<String> =
        app.audit.0.lock().unwrap()[before..].iter().map(|e| format!("{:?} {}", e.action, e.resource_type)).collect();
    assert_eq!(actions, ["Replace User", "Patch Group", "Delete User", "Patch Group"]);
}

async fn a_reference_to_a_later_post_runs_after_it(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    // The group comes first and lists a user the request creates afterwards; a PATCH on the
    // group (by its bulkId in the path) comes before the group too.
    let body = bulk(
        None,
        json!([
            {"method": "PATCH", "path": "/Groups/bulkId:team",
             "data": {"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:carol"}]}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "team",
             "data": {"schemas": [GROUP_URN], "displayName": "Team", "members": [{"value": "bulkId:dave"}]}},
            post_user("dave", "dave@example.com"),
            post_user("carol", "carol@example.com")
        ]),
    );
    let operations = send_bulk(&app, &body).await;
    // Listed in the request's order, each with its outcome.
    let statuses: Vec<&str> = operations.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["200", "201", "201", "201"], "{operations:?}");
    let group_id = id_of(&operations[1]);
    assert_eq!(operations[0]["location"], format!("http://scim.example.com/scim/v2/Groups/{group_id}"));
    let group = app.get(&format!("/scim/v2/Groups/{group_id}")).await;
    let mut expected = vec![id_of(&operations[2]), id_of(&operations[3])];
    expected.sort();
    assert_eq!(member_ids(&group.body), expected);
}

async fn circular_references_are_refused_with_409(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let group = |bulk_id: &str, name: &str, member: &str| {
        json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
               "data": {"schemas": [GROUP_URN], "displayName": name, "members": [{"value": format!("bulkId:{member}")}]}})
    };
    let body = bulk(
        None,
        json!([
            group("a", "A", "b"),
            group("b", "B", "a"),
            // Waits on the cycle, so it cannot run either.
            {"method": "PATCH", "path": "/Groups/bulkId:a",
             "data": {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "A2"}]}},
            post_user("eve", "eve@example.com")
        ]),
    );
    let operations = send_bulk(&app, &body).await;
    let statuses: Vec<&str> = operations.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["409", "409", "409", "201"], "{operations:?}");
    let response = &operations[0]["response"];
    assert_eq!(response["schemas"], json!([ERROR_URN]));
    assert_eq!(response["status"], "409");
    assert!(
        response["detail"].as_str().unwrap().contains("bulkId:b")
            && response["detail"].as_str().unwrap().contains("cycle")
    );
    // No group was made.
    assert_eq!(app.get("/scim/v2/Groups").await.body["totalResults"], 0);
}

async fn fail_on_errors_stops_after_that_many_errors(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let operations = json!([
        post_user("one", "one@example.com"),
        // A duplicate userName: 409 uniqueness.
        post_user("two", "one@example.com"),
        post_user("three", "three@example.com"),
        // No userName: 400 invalidValue.
        {"method": "POST", "path": "/Users", "bulkId": "four", "data": {"schemas": [USER_URN]}},
        post_user("five", "five@example.com")
    ]);
    let stopped = send_bulk(&app, &bulk(Some(1), operations.clone())).await;
    let statuses: Vec<&str> = stopped.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "409"], "{stopped:?}");
    assert_eq!(stopped[1]["response"]["scimType"], "uniqueness");
    assert_eq!(app.get("/scim/v2/Users").await.body["totalResults"], 1, "the rest did not run");

    let app = TestApp::new(memory_store().await);
    let stopped = send_bulk(&app, &bulk(Some(2), operations)).await;
    let statuses: Vec<&str> = stopped.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "409", "201", "400"], "{stopped:?}");
    assert_eq!(stopped[3]["bulkId"], "four");
    assert!(stopped[3]["response"]["detail"].as_str().unwrap().contains("userName"), "{}", stopped[3]);
    assert_eq!(app.get("/scim/v2/Users").await.body["totalResults"], 2);
}

async fn every_failure_is_reported_without_fail_on_errors(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let body = bulk(
        None,
        json!([
            post_user("x", "x@example.com"),
            post_user("y", "x@example.com"),
            // Refers to the POST that failed.
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": "bulkId:y"}]}},
            // Refers to no POST at all.
            {"method": "POST", "path": "/Groups", "bulkId": "h",
             "data": {"schemas": [GROUP_URN], "displayName": "H", "members": [{"value": "bulkId:nobody"}]}},
            post_user("z", "z@example.com")
        ]),
    );
    let operations = send_bulk(&app, &body).await;
    let statuses: Vec<&str> = operations.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "409", "409", "400", "201"], "{operations:?}");
    assert!(operations[2]["response"]["detail"].as_str().unwrap().contains("bulkId:y"));
    assert_eq!(operations[3]["response"]["scimType"], "invalidValue");
    assert!(operations[3]["response"]["detail"].as_str().unwrap().contains("bulkId:nobody"));
    assert_eq!(app.get("/scim/v2/Groups").await.body["totalResults"], 0);
}

async fn too_many_operations_or_too_large_a_payload_is_413(store: Arc<dyn Store>) {
    let app = TestApp::with(builder(store).bulk_limits(2, 600));
    let config = app.get("/scim/v2/ServiceProviderConfig").await;
    assert_eq!(config.body["bulk"], json!({"supported": true, "maxOperations": 2, "maxPayloadSize": 600}));
    let three = bulk(None, json!([post_user("a", "a@x"), post_user("b", "b@x"), post_user("c", "c@x")]));
    let detail = app.post("/scim/v2/Bulk", &three).await.assert_error(413, None);
    assert!(detail.contains("3 operations") && detail.contains("maxOperations (2)"), "{detail}");
    let long_name = "n".repeat(600);
    let large = bulk(None, json!([post_user("a", &long_name)]));
    let detail = app.post("/scim/v2/Bulk", &large).await.assert_error(413, None);
    assert!(detail.contains("maxPayloadSize (600 bytes)"), "{detail}");
    assert_eq!(app.get("/scim/v2/Users").await.body["totalResults"], 0, "nothing ran");
    // Within both limits it runs.
    let two = bulk(None, json!([post_user("a", "a@x"), post_user("b", "b@x")]));
    assert_eq!(send_bulk(&app, &two).await.len(), 2);

    // Turned off: 501, and discovery says so.
    let off = TestApp::with(builder(memory_store().await).bulk_limits(0, 600));
    assert_eq!(off.get("/scim/v2/ServiceProviderConfig").await.body["bulk"]["supported"], false);
    off.post("/scim/v2/Bulk", &two).await.assert_error(501, None);
}

async fn a_stale_version_is_412_and_a_current_one_applies(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let user = app.create_user("frank@example.com").await;
    let id = user["id"].as_str().unwrap();
    let first = user["meta"]["version"].clone();
    let rename = |version: &Value, name: &str| {
        json!({"method": "PATCH", "path": format!("/Users/{id}"), "version": version,
               "data": {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": name}]}})
    };
    let operations = send_bulk(&app, &bulk(None, json!([rename(&first, "Frank")]))).await;
    assert_eq!(operations[0]["status"], "200", "{operations:?}");
    let second = operations[0]["version"].clone();
    assert_ne!(second, first);
    // The first version is stale now: 412, and nothing changes.
    let operations = send_bulk(&app, &bulk(None, json!([rename(&first, "Francis"), rename(&second, "Frankie")]))).await;
    assert_eq!(operations[0]["status"], "412", "{operations:?}");
    assert_eq!(operations[0]["response"]["status"], "412");
    assert_eq!(operations[0]["location"], format!("http://scim.example.com/scim/v2/Users/{id}"));
    assert_eq!(operations[1]["status"], "200");
    let delete = json!({"method": "DELETE", "path": format!("/Users/{id}"), "version": second});
    assert_eq!(send_bulk(&app, &bulk(None, json!([delete]))).await[0]["status"], "412");
    assert_eq!(app.get(&format!("/scim/v2/Users/{id}")).await.body["displayName"], "Frankie");
}

async fn an_unknown_resource_type_or_method_is_reported_per_operation(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let body = bulk(
        None,
        json!([
            {"method": "POST", "path": "/Devices", "bulkId": "d", "data": {"schemas": ["urn:x"]}},
            {"method": "GET", "path": "/Users"},
            {"method": "PUT", "path": "/Users", "data": {"schemas": [USER_URN], "userName": "g"}},
            {"method": "POST", "path": "/Users/123", "bulkId": "p", "data": {"schemas": [USER_URN], "userName": "g"}},
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER_URN], "userName": "g"}},
            {"method": "DELETE", "path": "/Users/does-not-exist"},
            {"method": "POST", "path": "/ServiceProviderConfig", "bulkId": "s", "data": {}},
            {"method": "PATCH", "path": "/Users/x"}
        ]),
    );
    let operations = send_bulk(&app, &body).await;
    let outcomes: Vec<(&str, Option<&str>)> = operations
        .iter()
        .map(|o| (o["status"].as_str().unwrap(), o["response"].get("scimType").and_then(Value::as_str)))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("404", None),
            ("400", Some("invalidValue")),
            ("405", None),
            ("405", None),
            ("400", Some("invalidValue")),
            ("404", None),
            ("404", None),
            ("400", Some("invalidSyntax")),
        ],
        "{operations:?}"
    );
    let detail = operations[0]["response"]["detail"].as_str().unwrap();
    assert!(detail.contains("/Devices") && detail.contains("/Users, /Groups"), "{detail}");
    assert!(operations[4]["response"]["detail"].as_str().unwrap().contains("bulkId"));
    assert_eq!(app.get("/scim/v2/Users").await.body["totalResults"], 0);
}

async fn bulk_writes_stay_in_the_callers_tenant(store: Arc<dyn Store>) {
    let acme = TestApp::new(store);
    let globex = acme.as_token(Some(GLOBEX));
    let acme_user = acme.create_user("henry@example.com").await;
    let acme_id = acme_user["id"].as_str().unwrap();
    // Globex cannot touch acme's user, nor make it a member, nor clash with its userName.
    let body = bulk(
        None,
        json!([
            {"method": "DELETE", "path": format!("/Users/{acme_id}")},
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [GROUP_URN], "displayName": "G", "members": [{"value": acme_id}]}},
            post_user("h", "henry@example.com")
        ]),
    );
    let operations = send_bulk(&globex, &body).await;
    let statuses: Vec<&str> = operations.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["404", "400", "201"], "{operations:?}");
    assert_eq!(acme.get(&format!("/scim/v2/Users/{acme_id}")).await.status, StatusCode::OK);
    assert_eq!(acme.get("/scim/v2/Users").await.body["totalResults"], 1);
    assert_eq!(globex.get("/scim/v2/Users").await.body["totalResults"], 1);
    // Without a valid token, nothing runs.
    acme.as_token(None).post("/scim/v2/Bulk", &body).await.assert_error(401, None);
}

async fn malformed_bulk_requests_are_400(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let cases = [
        (json!({"Operations": []}), "invalidSyntax"),
        (json!({"schemas": [BULK_REQUEST]}), "invalidSyntax"),
        (json!({"schemas": [BULK_REQUEST], "Operations": {}}), "invalidSyntax"),
        (json!({"schemas": [BULK_REQUEST], "failOnErrors": 0, "Operations": []}), "invalidValue"),
        (json!({"schemas": [BULK_REQUEST], "failOnErrors": "x", "Operations": []}), "invalidValue"),
        (
            json!({"schemas": [BULK_REQUEST], "Operations": [post_user("a", "a@x"), post_user("a", "b@x")]}),
            "invalidValue",
        ),
        (json!([1, 2]), "invalidSyntax"),
    ];
    for (body, scim_type) in cases {
        app.post("/scim/v2/Bulk", &body).await.assert_error(400, Some(scim_type));
    }
    let reply = app.raw(axum::http::Method::POST, "/scim/v2/Bulk", "application/scim+json", "{not json").await;
    reply.assert_error(400, Some("invalidSyntax"));
    assert_eq!(app.get("/scim/v2/Users").await.body["totalResults"], 0);
    // An empty request is a valid one.
    assert!(send_bulk(&app, &bulk(None, json!([]))).await.is_empty());
}
