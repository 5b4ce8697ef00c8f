//! golinks-scim: a SCIM 2.0 server made by scimgen for Entra ID and Okta provisioning. This file
//! is yours (`scimgen generate` rewrites only `src/generated/`); command line and serving are
//! `scim::server::launch`'s.

mod accounts;
mod backend;
mod generated;

use scim::server::launch::ServeArgs;

// mimalloc makes a request's many small JSON allocations markedly cheaper (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A SCIM 2.0 server for Microsoft Entra ID and Okta provisioning (options: `--help`).
#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Groups are the generated `Group` in the built-in store; users are the app's own accounts
    // (its derived `Account` over its `accounts` table, `backend.rs`), in the same database.
    // `generated::configure` applies scimgen.toml's [server] settings, as `generated::serve` does.
    ServeArgs::parse_command_line(clap::command!("golinks-scim"))
        .run("golinks-scim", |database, builder| async move {
            let open_failed = |e: scim::ScimError| format!("cannot open the database `{database}`: {}", e.detail);
            let groups = scim::store::SqliteStore::connect(&database).await.map_err(open_failed)?;
            let accounts = backend::Accounts(groups.pool().clone());
            Ok(generated::configure(builder)
                .backend::<accounts::Account, _>(accounts)
                .resource::<generated::Group>(std::sync::Arc::new(groups)))
        })
        .await
}
