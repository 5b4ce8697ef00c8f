//! alvao-scim: a SCIM 2.0 server (RFC 7644) made by scimgen, for Microsoft Entra ID and Okta
//! provisioning.
//!
//! This file is yours: `scimgen generate` never rewrites it. The resource types live in
//! `src/generated/` (rewritten from `scimgen.toml` and `schemas/` by `scimgen generate`);
//! where resources are stored is decided in `src/backend.rs`. The command-line options, the
//! tokens and serving are `scim::server::launch`'s.

mod backend;
mod generated;

use std::process::ExitCode;

use clap::Parser;
use scim::server::launch::ServeArgs;

// A SCIM server spends much of each request building and dropping small JSON strings and
// maps; mimalloc makes that markedly cheaper than the system allocator (BENCHMARKS.md, "Typed
// resources"). Remove these two lines to use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A SCIM 2.0 server for Microsoft Entra ID and Okta provisioning.
#[derive(Debug, Parser)]
#[command(name = "alvao-scim", version, about)]
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
    let launch = options.serve.prepare("alvao-scim");
    let store = backend::open_store(&launch)
        .await
        .map_err(|e| format!("cannot open the database `{}`: {}", launch.shown_database(), e.detail))?;
    let app = generated::serve(launch.builder(), store).build_registered().await.map_err(|e| e.detail)?;
    launch.serve(app).await
}
