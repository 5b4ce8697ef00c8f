//! A `#[derive(ScimResource)]` type served end to end: the server takes everything from the
//! derived descriptor, so it accepts, filters on and advertises exactly what the type maps.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::Store;
use scim_derive::ScimResource;
use serde_json::json;
use server_common::*;

/// An application's account, mapped onto User with the enterprise extension.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "userName", filter = "eq sw")]
    login: String,
    #[scim(path = "name.givenName")]
    first_name: Option<String>,
    #[scim(path = "emails[type eq \"work\"].value", filter)]
    email: Option<String>,
    #[scim(path = "active")]
    active: Option<bool>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
    department: Option<String>,
}

async fn app(store: Arc<dyn Store>) -> TestApp {
    TestApp::with(Server::builder().tokens(TokenTable::new().token("acme", "entra", ACME)).resource::<Account>(store))
}

store_tests!(a_derived_type_is_served_as_it_maps);

async fn a_derived_type_is_served_as_it_maps(store: Arc<dyn Store>) {
    let app = app(store).await;
    let body = json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "userName": "bjensen",
        "name": {"givenName": "Barbara"},
        "emails": [{"type": "work", "value": "bjensen@example.com"}],
        "active": true,
        ENTERPRISE_URN: {"department": "Tours"}
    });
    let created = app.post("/scim/v2/Users", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body[ENTERPRISE_URN]["department"], "Tours");
    // The stored resource reads back into the Rust type.
    let account = <Account as scim::typed::ScimResource>::from_scim(&created.body).unwrap();
    assert_eq!((account.login.as_str(), account.email.as_deref()), ("bjensen", Some("bjensen@example.com")));

    // What the type does not map is not accepted...
    let unmapped = json!({"schemas": [USER_URN], "userName": "x", "title": "Boss"});
    let detail = app.post("/scim/v2/Users", &unmapped).await.assert_error(400, Some("invalidSyntax"));
    assert!(detail.contains("title"), "{detail}");
    // ...not filterable...
    app.get("/scim/v2/Users?filter=name.givenName%20eq%20%22Barbara%22").await.assert_error(400, Some("invalidFilter"));
    let starts = app.get("/scim/v2/Users?filter=userName%20sw%20%22bj%22").await;
    assert_eq!(starts.body["totalResults"], 1);
    let by_email = app
        .get("/scim/v2/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22bjensen%40example.com%22")
        .await;
    assert_eq!(by_email.body["totalResults"], 1, "{}", by_email.body);
    // ...and not advertised.
    let schema = app.get(&format!("/scim/v2/Schemas/{USER_URN}")).await;
    let names: Vec<&str> =
        schema.body["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["userName", "name", "active", "emails"]);
    let enterprise = app.get(&format!("/scim/v2/Schemas/{ENTERPRISE_URN}")).await;
    assert_eq!(enterprise.body["attributes"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/scim/v2/ServiceProviderConfig").await.body["changePassword"]["supported"], false);
    let resource_type = app.get("/scim/v2/ResourceTypes/User").await;
    assert_eq!(resource_type.body["schemaExtensions"][0]["schema"], ENTERPRISE_URN);
}
