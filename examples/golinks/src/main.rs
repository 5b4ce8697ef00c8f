//! golinks-scim: a SCIM 2.0 server made by scimgen for Entra ID and Okta provisioning. This file
//! is yours (`scimgen generate` rewrites only `src/generated/`); command line and serving are
//! `scim::server::launch`'s.

mod accounts;
mod backend;
mod generated;

use std::process::ExitCode;

use clap::Parser;
use scim::server::launch::ServeArgs;

// mimalloc makes a request's many small JSON allocations markedly cheaper (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A SCIM 2.0 server for Microsoft Entra ID and Okta provisioning.
#[derive(Debug, Parser)]
#[command(name = "golinks-scim", version, about)]
struct Options {
    #[command(flatten)]
    serve: ServeArgs,
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
    let launch = options.serve.prepare("golinks-scim");
    let open_failed = |e: scim::ScimError| format!("cannot open the database `{}`: {}", launch.database(), e.detail);
    // Groups are the generated `Group` in the built-in store; users are the app's own accounts
    // (its derived `Account` over its `accounts` table, `backend.rs`), in the same database.
    // `generated::configure` applies scimgen.toml's [server] settings, as `generated::serve` does.
    let groups = scim::store::SqliteStore::connect(launch.database()).await.map_err(open_failed)?;
    let accounts = backend::Accounts(groups.pool().clone());
    let app = generated::configure(launch.builder())
        .backend::<accounts::Account, _>(accounts)
        .resource::<generated::Group>(std::sync::Arc::new(groups))
        .build_registered()
        .await
        .map_err(|e| e.detail)?;
    launch.serve(app).await
}
