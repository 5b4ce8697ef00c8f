//! A harness for conformance checks and load benchmarks; not the product (generated projects
//! are). Its commands:
//!
//! - `serve --database URL --listen ADDR --token TOKEN [--group-patch-status 200|204]
//!   [--seed-users N --seed-group-members M]`: the SCIM server built by `scim::server::Server`
//!   (no special code path) serving core User with the enterprise extension and core Group over
//!   the store the URL names (`SqliteStore`, or `PostgresStore` for `postgres://...`, which
//!   several `serve` processes may share) at `/scim/v2`. Group PATCH answers 200 with the group (the builder's
//!   default) or 204 (what Entra ID's documentation shows for groups).
//! - `seed --database URL --users N --group-members M --spare-users S [--seed-jobs J]`: fill a
//!   database for the load benchmark through the store's `import`, J imports at a time (see
//!   [`seed`]), and the baseline's table.
//! - `baseline --database URL --listen ADDR --token TOKEN`: the bare axum + sqlx server the
//!   load benchmark compares with (see [`baseline`]); `baseline-groups`: the same, answering
//!   with the users' `groups` as the SCIM server does; `baseline-held`: the same as `baseline`,
//!   reading SQLite through connections kept out of sqlx's pool.
//! - `cycle --url http://HOST:PORT [--url ...] --token TOKEN --users N [--connections C]
//!   [--prefix P]`: Entra ID's first provisioning cycle (filter by userName, then create) as a
//!   client, over one or more servers (see [`cycle`]).
//! - `create --url http://HOST:PORT --token TOKEN --users N --mode single|bulk [--connections C]
//!   [--prefix P]`: create N users by single POSTs or by Bulk requests of the advertised
//!   `maxOperations` (see [`create`]), to compare the server's CPU per user of the two.
//!
//! URLs are sqlx SQLite URLs (`sqlite://path/to/file.db` or `sqlite::memory:`) or
//! `postgres://USER:PASSWORD@HOST/DATABASE`.

mod baseline;
mod create;
mod cycle;
mod descriptors;
mod seed;

use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::DatabaseOptions;
use std::process::ExitCode;

/// The tenant every harness token belongs to (and the seeded data is in).
pub const TENANT: &str = "harness";
/// Where the endpoints are mounted.
pub const BASE_PATH: &str = "/scim/v2";

const USAGE: &str = "usage:
  scim-testserver serve --database URL --listen ADDR --token TOKEN [--group-patch-status 200|204]
                       [--seed-users N] [--seed-group-members M]
  scim-testserver seed --database URL --users N [--group-members M] [--spare-users S] [--seed-jobs J]
  scim-testserver baseline --database URL --listen ADDR --token TOKEN
  scim-testserver baseline-groups --database URL --listen ADDR --token TOKEN
  scim-testserver baseline-held --database URL --listen ADDR --token TOKEN
  scim-testserver cycle --url http://HOST:PORT [--url ...] --token TOKEN --users N [--connections C] [--prefix P]
  scim-testserver create --url http://HOST:PORT --token TOKEN --users N --mode single|bulk [--connections C] [--prefix P]";

/// The parsed command line.
#[derive(Debug, Default)]
struct Options {
    database: Option<String>,
    listen: Option<String>,
    token: Option<String>,
    users: usize,
    group_members: usize,
    spare_users: usize,
    seed_jobs: usize,
    group_patch_no_content: bool,
    urls: Vec<String>,
    connections: usize,
    prefix: Option<String>,
    mode: Option<create::Mode>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || value.parse::<usize>().map_err(|_| format!("{flag} needs a number, not {value:?}"));
            match flag.as_str() {
                "--database" => options.database = Some(value.clone()),
                "--listen" => options.listen = Some(value.clone()),
                "--token" => options.token = Some(value.clone()),
                "--users" | "--seed-users" => options.users = number()?,
                "--group-members" | "--seed-group-members" => options.group_members = number()?,
                "--spare-users" => options.spare_users = number()?,
                "--seed-jobs" => options.seed_jobs = number()?,
                "--url" => options.urls.push(value.clone()),
                "--connections" => options.connections = number()?,
                "--prefix" => options.prefix = Some(value.clone()),
                "--mode" => options.mode = Some(create::Mode::parse(value)?),
                "--group-patch-status" => {
                    options.group_patch_no_content = match value.as_str() {
                        "200" => false,
                        "204" => true,
                        _ => return Err(format!("{flag} is 200 or 204, not {value:?}")),
                    }
                }
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }

    fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, String> {
        value.as_deref().ok_or_else(|| format!("--{name} is required"))
    }
}

// The allocator servers made by `scimgen new` use (templates/main.rs.hbs). The baseline runs
// from this same binary, so both sides of every comparison allocate with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, flags)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let options = match Options::parse(flags) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("scim-testserver: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if command == "cycle" || command == "create" {
        // Blocking clients: no runtime needed.
        let token = options.token.as_deref().unwrap_or_default();
        let connections = if options.connections == 0 { 8 } else { options.connections };
        let result = if command == "cycle" {
            cycle::run(&options.urls, token, options.users, connections, options.prefix.as_deref().unwrap_or("cycle"))
        } else {
            match (options.urls.as_slice(), options.mode) {
                ([url], Some(mode)) => create::run(
                    url,
                    token,
                    options.users,
                    connections,
                    options.prefix.as_deref().unwrap_or("create"),
                    mode,
                ),
                _ => Err(format!("create needs one --url and --mode single|bulk\n{USAGE}")),
            }
        };
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("scim-testserver: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("scim-testserver: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command.as_str() {
            "serve" => serve(&options).await,
            "seed" => seed_command(&options).await,
            "baseline" | "baseline-groups" | "baseline-held" => {
                let database = Options::required(&options.database, "database")?;
                let listen = Options::required(&options.listen, "listen")?;
                let token = Options::required(&options.token, "token")?;
                let variant = match command.as_str() {
                    "baseline-groups" => baseline::Variant::Groups,
                    "baseline-held" => baseline::Variant::Held,
                    _ => baseline::Variant::Plain,
                };
                baseline::run(database, listen, token, variant).await
            }
            _ => Err(format!("unknown command {command:?}\n{USAGE}")),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("scim-testserver: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(options: &Options) -> Result<(), String> {
    let database = Options::required(&options.database, "database")?;
    let listen = Options::required(&options.listen, "listen")?;
    let token = Options::required(&options.token, "token")?;
    // SQLite or PostgreSQL, as the URL says (several processes may serve one PostgreSQL).
    let store = scim::store::open(database, &DatabaseOptions::default()).await.map_err(|error| error.detail)?;
    if options.users > 0 {
        seed::seed(&store, options.users, options.group_members, 0, options.seed_jobs).await?;
    }
    let mut builder = Server::builder();
    if options.group_patch_no_content {
        builder = builder.patch_returns_no_content_for("Group");
    }
    let router = builder
        .base_path(BASE_PATH)
        .tokens(TokenTable::new().token(TENANT, "harness", token))
        .resource_kind(descriptors::user(), store.clone())
        .resource_kind(descriptors::group(), store)
        .build()
        .map_err(|error| error.detail)?;
    listen_and_serve(listen, router).await
}

async fn seed_command(options: &Options) -> Result<(), String> {
    let database = Options::required(&options.database, "database")?;
    let database = baseline::Database::open(database).await?;
    seed::seed(&database.store, options.users, options.group_members, options.spare_users, options.seed_jobs).await?;
    database.fill().await?;
    database.close().await;
    Ok(())
}

/// Serve `router` on `listen` until the process is killed; says where on stderr once listening.
pub async fn listen_and_serve(listen: &str, router: axum::Router) -> Result<(), String> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|error| format!("cannot listen on {listen}: {error}"))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    eprintln!("scim-testserver: listening on http://{address}{BASE_PATH}");
    axum::serve(listener, router).await.map_err(|error| error.to_string())
}
