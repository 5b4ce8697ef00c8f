//! golinks-scim: a SCIM 2.0 server (RFC 7644) made by scimgen, for Microsoft Entra ID and Okta
//! provisioning.
//!
//! This file is yours: `scimgen generate` never rewrites it. The resource types live in
//! `src/generated/` (rewritten from `scimgen.toml` and `schemas/` by `scimgen generate`);
//! where resources are stored is decided in `src/backend.rs`.

mod accounts;
mod accounts_store;
mod backend;
mod generated;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use scim::server::Server;
use scim::server::auth::TokenTable;

// A SCIM server spends much of each request building and dropping small JSON strings and
// maps; mimalloc makes that markedly cheaper than the system allocator (BENCHMARKS.md, "Typed
// resources"). Remove these two lines to use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A SCIM 2.0 server for Microsoft Entra ID and Okta provisioning.
#[derive(Debug, Parser)]
#[command(name = "golinks-scim", version, about)]
struct Options {
    /// The address to listen on; port 0 picks a free port (the URL printed at start says which).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// The database: `sqlite://FILE.db` (created if missing) or `sqlite::memory:` (gone at exit).
    #[arg(long, value_name = "URL", default_value = "sqlite://golinks-scim.db")]
    database: String,

    /// Where the SCIM endpoints are mounted; the tenant URL you give Entra ID or Okta ends with it.
    #[arg(long, value_name = "PATH", default_value = "/scim/v2")]
    base_path: String,

    /// The bearer token clients must send (Entra ID's "Secret Token"). Without it, --tenant or
    /// SCIM_TOKEN, a random token is made for this run and printed.
    #[arg(long, value_name = "TOKEN", env = "SCIM_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Serve several tenants, each with its own token and its own users and groups:
    /// `--tenant acme=TOKEN1 --tenant globex=TOKEN2`.
    #[arg(long = "tenant", value_name = "NAME=TOKEN", value_parser = parse_tenant)]
    tenants: Vec<(String, String)>,

    /// The URL clients reach this server at when it is behind a proxy (used in `Location` and
    /// `meta.location`); by default they are built from the request's Host header.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

/// The user the printed curl example creates: the least a SCIM User needs (RFC 7643 section 4.1).
const EXAMPLE_USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}"#;

fn parse_tenant(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, token)) if !name.trim().is_empty() && !token.is_empty() => {
            Ok((name.trim().to_owned(), token.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=TOKEN (for example `acme=s3cret`)")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Options::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), String> {
    let mut tokens = TokenTable::new();
    let mut example_token = None;
    for (tenant, token) in &options.tenants {
        tokens = tokens.tenant(tenant.clone(), token);
        example_token.get_or_insert_with(|| token.clone());
    }
    if let Some(token) = &options.token {
        tokens = tokens.tenant("default", token);
        example_token = Some(token.clone());
    }
    let token = match example_token {
        Some(token) => token,
        None => {
            let token = uuid::Uuid::new_v4().simple().to_string();
            eprintln!(
                "warning: no --token, --tenant or SCIM_TOKEN given; this run accepts only the random token below"
            );
            tokens = tokens.tenant("default", &token);
            token
        }
    };

    let stores = backend::open_stores(&options.database)
        .await
        .map_err(|e| format!("cannot open the database `{}`: {}", options.database, e.detail))?;
    // Users are the app's own accounts (its derived `Account` over its `accounts` table); groups
    // are the generated `Group` in the built-in store. `generated::serve` would serve the
    // generated `User` from the built-in store instead.
    let app = Server::builder()
        .base_path(options.base_path.clone())
        .public_url(options.public_url.clone())
        .tokens(tokens)
        // Group PATCH answers 204 No Content, as Microsoft Entra ID's SCIM documentation shows
        // and RFC 7644 section 3.5.2 allows: adding one member to a group of 100 000 then costs
        // the same as to a group of 10, instead of sending the whole group back.
        .patch_returns_no_content_for("Group")
        .resource::<accounts::Account>(stores.accounts)
        .resource::<generated::Group>(stores.groups)
        .build()
        .map_err(|e| e.detail)?;

    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| format!("cannot read the listening address: {e}"))?;
    let base_path = options.base_path.trim_matches('/');
    let url = if base_path.is_empty() { format!("http://{address}") } else { format!("http://{address}/{base_path}") };
    // The URL and two lines to paste: the first provisions a user, as Entra ID's first sync
    // would. One write, so a reader that takes the first lines gets them all; and a closed
    // stdout (its reader gone) is no reason to stop serving.
    let banner = format!(
        "golinks-scim: SCIM 2.0 server listening on {url}\n\
         try: curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/scim+json' -d '{EXAMPLE_USER}' {url}/Users\n\
         then: curl -H 'Authorization: Bearer {token}' {url}/Users\n"
    );
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), banner.as_bytes());
    // Ctrl-C ends the process; SQLite's write-ahead log keeps the database consistent.
    axum::serve(listener, app).await.map_err(|e| format!("server error: {e}"))
}
