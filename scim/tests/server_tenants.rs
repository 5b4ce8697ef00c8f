//! Authentication and tenancy: every store call is scoped to the caller's tenant, and one
//! tenant can never read, list, match a uniqueness conflict against, or modify another's
//! resources; tenants from the token or from the path; a custom authenticator. Against every
//! store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::{StatusCode, header};
use scim::ScimResult;
use scim::server::auth::{AuthRequest, Authenticator, Principal};
use scim::store::Store;
use serde_json::json;
use server_common::*;

store_tests!(
    tenants_cannot_see_or_touch_each_other,
    uniqueness_is_per_tenant,
    tenant_in_the_path_must_match_the_token,
    a_custom_authenticator_decides_tenant_and_actor,
);

async fn tenants_cannot_see_or_touch_each_other(store: Arc<dyn Store>) {
    let acme = TestApp::new(store);
    let globex = acme.as_token(Some(GLOBEX));
    let user = acme.create_user("bjensen").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let group = acme.create_group("admins", &[&id]).await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let before = acme.snapshot().await;

    for uri in [format!("/scim/v2/Users/{id}"), format!("/scim/v2/Groups/{group_id}")] {
        globex.get(&uri).await.assert_error(404, None);
        globex.delete(&uri).await.assert_error(404, None);
        let patch =
            json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "pwned"}]});
        globex.patch(&uri, &patch).await.assert_error(404, None);
    }
    globex
        .put(&format!("/scim/v2/Users/{id}"), &json!({"schemas": [USER_URN], "userName": "pwned"}))
        .await
        .assert_error(404, None);
    // Lists, filters and searches see nothing of acme's.
    let listed = globex.get("/scim/v2/Users").await;
    assert_eq!(listed.body["totalResults"], 0);
    let filtered = globex.get(&format!("/scim/v2/Users?filter=id%20eq%20%22{id}%22")).await;
    assert_eq!(filtered.body["totalResults"], 0);
    let by_name = globex.get("/scim/v2/Users?filter=userName%20eq%20%22bjensen%22").await;
    assert_eq!(by_name.body["totalResults"], 0);
    let everything = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
    assert_eq!(globex.post("/scim/v2/.search", &everything).await.body["totalResults"], 0);
    assert_eq!(acme.post("/scim/v2/.search", &everything).await.body["totalResults"], 2);
    // globex's own data stays its own.
    let theirs = globex.create_user("someone").await;
    acme.get(&format!("/scim/v2/Users/{}", theirs["id"].as_str().unwrap())).await.assert_error(404, None);
    assert_eq!(acme.snapshot().await, before);
    // The audit log names the tenant and actor of each change.
    let events = acme.audit.0.lock().unwrap().clone();
    let who: Vec<(&str, &str, &str)> =
        events.iter().map(|e| (e.tenant.as_str(), e.actor.as_str(), e.action.as_str())).collect();
    assert_eq!(who, [("acme", "entra", "create"), ("acme", "entra", "create"), ("globex", "okta", "create")]);
}

async fn uniqueness_is_per_tenant(store: Arc<dyn Store>) {
    let acme = TestApp::new(store);
    let globex = acme.as_token(Some(GLOBEX));
    acme.create_user("bjensen").await;
    // The same userName in another tenant is no conflict, and reveals nothing.
    let theirs = globex.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "bjensen"})).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
    // Within a tenant it is.
    acme.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "BJENSEN"}))
        .await
        .assert_error(409, Some("uniqueness"));
    globex
        .post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "bjensen"}))
        .await
        .assert_error(409, Some("uniqueness"));
    // Renaming into a name another tenant holds is fine too.
    let other = acme.create_user("other").await;
    let rename = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "userName", "value": "someone-globex-has"}]});
    globex.create_user("someone-globex-has").await;
    let reply = acme.patch(&format!("/scim/v2/Users/{}", other["id"].as_str().unwrap()), &rename).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

async fn tenant_in_the_path_must_match_the_token(store: Arc<dyn Store>) {
    let app = TestApp::with(builder(store).tenant_in_path(true));
    let created = app.post("/scim/v2/acme/Users", &json!({"schemas": [USER_URN], "userName": "bjensen"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let location = format!("http://scim.example.com/scim/v2/acme/Users/{}", created.id());
    assert_eq!(created.header(header::LOCATION), Some(location.as_str()));
    assert_eq!(created.body["meta"]["location"], json!(location));
    assert_eq!(app.get(&format!("/scim/v2/acme/Users/{}", created.id())).await.status, StatusCode::OK);
    let config = app.get("/scim/v2/acme/ServiceProviderConfig").await;
    assert_eq!(config.body["meta"]["location"], "http://scim.example.com/scim/v2/acme/ServiceProviderConfig");
    // acme's token on globex's URL: 401, as for a wrong token.
    let reply = app.get("/scim/v2/globex/Users").await;
    reply.assert_error(401, None);
    assert!(reply.header(header::WWW_AUTHENTICATE).is_some());
    app.get(&format!("/scim/v2/globex/Users/{}", created.id())).await.assert_error(401, None);
    // globex's token on its own URL sees nothing of acme's.
    let globex = app.as_token(Some(GLOBEX));
    assert_eq!(globex.get("/scim/v2/globex/Users").await.body["totalResults"], 0);
    globex.get(&format!("/scim/v2/globex/Users/{}", created.id())).await.assert_error(404, None);
    // Without the tenant segment there is no such endpoint.
    app.get("/scim/v2/Users").await.assert_error(404, None);
}

/// An authenticator such as an OAuth JWT validator would be: here, the token names the
/// tenant and subject directly (`tenant:subject`), and `deny` is refused with 403.
#[derive(Debug)]
struct ClaimsAuthenticator;

#[async_trait]
impl Authenticator for ClaimsAuthenticator {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> ScimResult<Principal> {
        let token = request.bearer_token().ok_or_else(|| scim::ScimError::unauthorized("no token"))?;
        if token == "deny" {
            return Err(scim::ScimError::forbidden("this client may not provision"));
        }
        let (tenant, subject) =
            token.split_once(':').ok_or_else(|| scim::ScimError::unauthorized("the token carries no claims"))?;
        Ok(Principal { tenant: tenant.to_owned(), actor: subject.to_owned() })
    }
}

async fn a_custom_authenticator_decides_tenant_and_actor(store: Arc<dyn Store>) {
    let builder = scim::server::Server::builder()
        .auth(Arc::new(ClaimsAuthenticator))
        .resource_kind(user_descriptor(), store.clone())
        .resource_kind(group_descriptor(), store);
    let base = TestApp::with(builder);
    let alice = base.as_token(Some("initech:alice@idp"));
    let created = alice.create_user("milton").await;
    let events = alice.audit.0.lock().unwrap().clone();
    assert_eq!((events[0].tenant.as_str(), events[0].actor.as_str()), ("initech", "alice@idp"));
    let other_tenant = base.as_token(Some("umbrella:bob"));
    other_tenant.get(&format!("/scim/v2/Users/{}", created["id"].as_str().unwrap())).await.assert_error(404, None);
    base.as_token(Some("deny")).get("/scim/v2/Users").await.assert_error(403, None);
    let unauthenticated = base.as_token(Some("no-claims")).get("/scim/v2/Users").await;
    unauthenticated.assert_error(401, None);
    assert!(unauthenticated.header(header::WWW_AUTHENTICATE).is_some());
    // Building without any authentication is refused, rather than serving everyone.
    let open = scim::server::Server::builder().resource_kind(user_descriptor(), server_common::memory_store().await);
    assert!(open.build().is_err());
}
