//! A SCIM 2.0 server for Microsoft Entra ID or Okta in one file: an application's account
//! and team types mapped with `#[derive(ScimResource)]`, stored in SQLite, one bearer token
//! per tenant.
//!
//! ```text
//! SCIM_TOKEN=change-me cargo run -p scim --example provisioning_server
//! curl -H 'Authorization: Bearer change-me' http://127.0.0.1:8080/scim/v2/Users
//! ```
//!
//! Point Entra ID's "Tenant URL" at `http://<host>:8080/scim/v2` with the token as "Secret
//! Token". Set `SCIM_PUBLIC_URL` when a proxy terminates TLS, so `Location` and `meta.location`
//! carry the public address; `SCIM_DATABASE` to keep the data in a file.

use std::sync::Arc;

use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::{SqliteStore, Store};
use scim_derive::ScimResource;

/// The application's account, as SCIM User with the enterprise extension.
#[derive(Debug, Clone, ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
struct Account {
    #[scim(id)]
    id: String,
    #[scim(path = "externalId", filter)]
    external_id: Option<String>,
    #[scim(path = "userName", filter)]
    login: String,
    #[scim(path = "displayName")]
    display_name: Option<String>,
    #[scim(path = "name.givenName")]
    first_name: Option<String>,
    #[scim(path = "name.familyName")]
    last_name: Option<String>,
    #[scim(path = "emails[type eq \"work\"].value", filter)]
    email: Option<String>,
    #[scim(path = "active")]
    active: Option<bool>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
    department: Option<String>,
}

/// A team, as SCIM Group.
#[derive(Debug, Clone, ScimResource)]
#[scim(resource = "Group")]
struct Team {
    #[scim(id)]
    id: String,
    #[scim(path = "externalId", filter)]
    external_id: Option<String>,
    #[scim(path = "displayName", filter)]
    name: Option<String>,
    #[scim(path = "members")]
    members: Vec<serde_json::Value>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("SCIM_TOKEN").map_err(|_| "set SCIM_TOKEN to the bearer token clients must send")?;
    let database = std::env::var("SCIM_DATABASE").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::connect(&database).await?);
    let app = Server::builder()
        .public_url(std::env::var("SCIM_PUBLIC_URL").ok())
        .tokens(TokenTable::new().token("default", "provisioning", token))
        .resource::<Account>(store.clone())
        .resource::<Team>(store)
        // Entra ID recommends 204 for group PATCH: large groups are not sent back.
        .patch_returns_no_content::<Team>()
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    eprintln!("SCIM server on http://{}/scim/v2", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
