//! Issue 10, the schema side: what Entra ID's provisioning service and Microsoft's SCIM
//! validator send, against a server
//! shaped like a fresh `scimgen new` project (every attribute mapped whole, default filter
//! flags): the work-email filter, externalId in discovery, and a single object where an array
//! is required. Against every store, so the SQL pushdown answers like the evaluator.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_tests!(
    work_email_filters_match_on_the_default_scaffold,
    work_email_filters_that_would_test_type_alone_are_rejected,
    schemas_list_external_id_in_every_core_schema,
    a_single_object_for_a_multi_valued_attribute_is_400_and_nothing_is_stored,
);

/// The default scaffold's User and Group.
fn scaffold(store: Arc<dyn Store>) -> TestApp {
    TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .resource_kind(scaffold_user_descriptor(), store.clone())
            .resource_kind(group_descriptor(), store),
    )
}

fn filtered(filter: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("/scim/v2/Users?filter={encoded}")
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut ids: Vec<String> =
        reply.body["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

async fn create(app: &TestApp, user_name: &str, emails: Value) -> String {
    let reply =
        app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": user_name, "emails": emails})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.id()
}

async fn work_email_filters_match_on_the_default_scaffold(store: Arc<dyn Store>) {
    let app = scaffold(store);
    let ada = create(
        &app,
        "ada",
        json!([{"type": "work", "value": "ada@contoso.com", "primary": true}, {"type": "home", "value": "ada@home.example"}]),
    )
    .await;
    // Bob's home address is Ada's work address: a filter that ignored `type` would find him.
    let bob = create(&app, "bob", json!([{"type": "home", "value": "ada@contoso.com"}])).await;

    // Entra ID's matching query when the work email is the matching attribute, verbatim.
    let work = app.get(&filtered(r#"emails[type eq "work"].value eq "ada@contoso.com""#)).await;
    assert_eq!(ids(&work), [ada.as_str()]);
    assert_eq!(work.body["totalResults"], 1);
    // The RFC 7644 form, and case-insensitive type and value (neither is caseExact).
    let rfc = app.get(&filtered(r#"emails[type eq "work" and value eq "ada@contoso.com"]"#)).await;
    assert_eq!(ids(&rfc), [ada.as_str()]);
    let folded = app.get(&filtered(r#"emails[type eq "WORK"].value eq "Ada@Contoso.com""#)).await;
    assert_eq!(ids(&folded), [ada.as_str()]);
    // Other types select their own elements, never widening.
    let home = app.get(&filtered(r#"emails[type eq "home"].value eq "ada@contoso.com""#)).await;
    assert_eq!(ids(&home), [bob.as_str()]);
    let nobody = app.get(&filtered(r#"emails[type eq "work"].value eq "ada@home.example""#)).await;
    assert_eq!(ids(&nobody), Vec::<String>::new());
    // Combined with other filters, and negated (no work address equal to it).
    let both = app.get(&filtered(r#"userName eq "ada" and emails[type eq "work"].value eq "ada@contoso.com""#)).await;
    assert_eq!(ids(&both), [ada.as_str()]);
    let negated = app.get(&filtered(r#"not (emails[type eq "work"].value eq "ada@contoso.com")"#)).await;
    assert_eq!(ids(&negated), [bob.as_str()]);
    // The plain form still searches every address.
    let any = app.get(&filtered(r#"emails.value eq "ada@contoso.com""#)).await;
    let mut both_ids = vec![ada, bob];
    both_ids.sort();
    assert_eq!(ids(&any), both_ids);
}

async fn work_email_filters_that_would_test_type_alone_are_rejected(store: Arc<dyn Store>) {
    let app = scaffold(store);
    create(&app, "ada", json!([{"type": "work", "value": "ada@contoso.com"}])).await;
    // `type` narrows a test on a filterable value; on its own, or in an `or`, it is a test on
    // `emails.type`, which is not filterable.
    for filter in [
        r#"emails[type eq "work"]"#,
        r#"emails[type eq "work" or value eq "ada@contoso.com"]"#,
        r#"emails[type ne "work"].value eq "ada@contoso.com""#,
        r#"emails[type eq "work"].value co "ada""#,
    ] {
        let reply = app.get(&filtered(filter)).await;
        let detail = reply.assert_error(400, Some("invalidFilter"));
        assert!(detail.contains("User can be filtered on"), "{filter}: {detail}");
    }
}

/// Microsoft's schema discovery test: every attribute it maps is listed, externalId included.
async fn schemas_list_external_id_in_every_core_schema(store: Arc<dyn Store>) {
    let app = scaffold(store);
    let schemas = app.get("/scim/v2/Schemas").await;
    assert_eq!(schemas.status, StatusCode::OK, "{}", schemas.body);
    let find = |urn: &str| -> Value {
        schemas.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == urn)
            .cloned()
            .unwrap_or_else(|| panic!("{urn} in {}", schemas.body))
    };
    let external_ids = |schema: &Value| -> Vec<Value> {
        schema["attributes"].as_array().unwrap().iter().filter(|a| a["name"] == "externalId").cloned().collect()
    };
    for urn in [USER_URN, GROUP_URN] {
        let listed = external_ids(&find(urn));
        assert_eq!(listed.len(), 1, "{urn}: {listed:?}");
        let attribute = &listed[0];
        assert_eq!(attribute["type"], "string", "{attribute}");
        assert_eq!(attribute["caseExact"], true, "{attribute}");
        assert_eq!(attribute["mutability"], "readWrite", "{attribute}");
        assert_eq!(attribute["multiValued"], false, "{attribute}");
        // The single-schema endpoint serves the same document.
        let one = app.get(&format!("/scim/v2/Schemas/{urn}")).await;
        assert_eq!(external_ids(&one.body), listed);
    }
    // Only core schemas: an extension does not carry the resource's externalId.
    assert!(external_ids(&find(ENTERPRISE_URN)).is_empty());
}

async fn a_single_object_for_a_multi_valued_attribute_is_400_and_nothing_is_stored(store: Arc<dyn Store>) {
    let app = scaffold(store);
    let before = app.snapshot().await;
    let reply = app
        .post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "ada", "emails": {"value": "a@b.c"}}))
        .await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert_eq!(detail, "`emails` is multi-valued and must be an array, found an object; send [{...}]");
    // A string for a multi-valued attribute is the same mistake.
    let reply = app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "ada", "emails": "a@b.c"})).await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert!(detail.starts_with("`emails` is multi-valued and must be an array"), "{detail}");
    assert_eq!(app.snapshot().await, before, "nothing was created");

    // A replace of an existing user is refused the same way, and leaves it as it was.
    let id = create(&app, "ada", json!([{"value": "a@b.c", "type": "work"}])).await;
    let stored = app.get(&format!("/scim/v2/Users/{id}")).await.body;
    let reply = app
        .put(
            &format!("/scim/v2/Users/{id}"),
            &json!({"schemas": [USER_URN], "userName": "ada", "phoneNumbers": {"value": "+1 555 0100"}}),
        )
        .await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert!(detail.starts_with("`phoneNumbers` is multi-valued and must be an array"), "{detail}");
    assert_eq!(app.get(&format!("/scim/v2/Users/{id}")).await.body, stored);
    // Group members too.
    let reply = app
        .post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "g", "members": {"value": id}}))
        .await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert!(detail.starts_with("`members` is multi-valued and must be an array"), "{detail}");

    // PATCH adds one element with a single value (RFC 7644 section 3.5.2.1), as before.
    let patched = app
        .patch(
            &format!("/scim/v2/Users/{id}"),
            &json!({"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "emails", "value": {"value": "b@b.c"}}]}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["emails"], json!([{"value": "a@b.c", "type": "work"}, {"value": "b@b.c"}]));
}
