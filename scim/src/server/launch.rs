//! Starting a server made by `scimgen new` from its command line (feature `launch`): the options
//! every such server takes, its bearer tokens, the [`Server::builder`] they configure, and
//! binding, the start-up banner and serving. A generated `main.rs` keeps only what is its own:
//!
//! ```ignore
//! #[derive(Debug, clap::Parser)]
//! #[command(name = "acme-scim", version, about)]
//! struct Options {
//!     #[command(flatten)]
//!     serve: ServeArgs,
//! }
//!
//! let launch = Options::parse().serve.prepare("acme-scim");
//! let store = backend::open_store(launch.database()).await?;
//! let app = generated::serve(launch.builder(), store).build_registered().await?;
//! launch.serve(app).await
//! ```
//!
//! [`Launch::open_store`] opens whichever store `--database` names (SQLite or PostgreSQL) with
//! the pool options; a backend that keeps the built-in document store can simply return it.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use clap::{ArgMatches, Args, Command, FromArgMatches};

use super::auth::{DEFAULT_TENANT, SharedTokens, TokenTable};
use super::limits::Limits;
use super::{Server, ServerBuilder};
use crate::store::DatabaseOptions;

/// The user the printed curl example creates: the least a SCIM User needs (RFC 7643 section 4.1).
const EXAMPLE_USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}"#;

/// The command-line options every generated server takes (`#[command(flatten)]` them into the
/// server's own `clap::Parser`): `--listen`, `--database` (or `DATABASE_URL`), the PostgreSQL
/// pool's `--db-pool-size`, `--db-acquire-timeout` and `--db-statement-timeout`, `--base-path`,
/// `--token-file` (or `SCIM_TOKEN_FILE`; reread on SIGHUP), `SCIM_TOKENS`, `--token` (or
/// `SCIM_TOKEN`), `--tenant NAME=TOKEN` (repeatable) and `--public-url`. Tokens from a file or
/// the environment stay out of `ps`; `--token` and `--tenant` are for a local try.
/// `--database` defaults to `sqlite://NAME.db`, NAME being the command's name.
#[derive(Debug, Clone)]
pub struct ServeArgs(Flags);

// The options as clap derives them; `ServeArgs` adds the database default, which depends on the
// command's name. (A plain comment: clap would take a doc comment as the command's about.)
#[derive(Debug, Clone, clap::Args)]
struct Flags {
    /// The address to listen on; port 0 picks a free port (the URL printed at start says which).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// The database: `sqlite://FILE.db` (created if missing), `sqlite::memory:` (gone at exit),
    /// or `postgres://USER:PASSWORD@HOST/DATABASE` (an existing database; the tables are made at
    /// start, and several server processes may share it).
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    database: Option<String>,

    /// PostgreSQL: the most database connections this process opens.
    #[arg(long, value_name = "N", default_value_t = 10)]
    db_pool_size: u32,

    /// PostgreSQL: seconds a request waits for a free database connection before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    db_acquire_timeout: u64,

    /// PostgreSQL: seconds a statement may run before the database cancels it (0: no limit
    /// but the database's own).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    db_statement_timeout: u64,

    /// Where the SCIM endpoints are mounted; the tenant URL you give Entra ID or Okta ends with it.
    #[arg(long, value_name = "PATH", default_value = "/scim/v2")]
    base_path: String,

    /// A file of bearer tokens (Entra ID's "Secret Token"), one a line: `TOKEN` (tenant
    /// `default`) or `TENANT TOKEN`, or `sha256:HEX` for a token known by its digest; `#`
    /// comments and blank lines are skipped, and several lines may name one tenant (during a
    /// rotation, the old token and the new). Reread on SIGHUP: rotate tokens without a restart.
    #[arg(long, value_name = "FILE", env = "SCIM_TOKEN_FILE")]
    token_file: Option<PathBuf>,

    /// Tokens of tenant `default`, separated by commas or whitespace (during a rotation, the old
    /// and the new). Give them in the environment as SCIM_TOKENS, not on the command line.
    #[arg(long, value_name = "TOKENS", env = "SCIM_TOKENS", hide_env_values = true)]
    tokens: Option<String>,

    /// The bearer token clients must send, for a local try: anyone on the machine can read a
    /// command line, so a deployment gives --token-file or SCIM_TOKEN(S) instead. Without any
    /// token, a random one is made for this run and printed.
    #[arg(long, value_name = "TOKEN", env = "SCIM_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Serve several tenants, each with its own token and its own users and groups:
    /// `--tenant acme=TOKEN1 --tenant globex=TOKEN2` (for a local try; a token file's
    /// `TENANT TOKEN` lines keep them out of `ps`).
    #[arg(long = "tenant", value_name = "NAME=TOKEN", value_parser = parse_tenant)]
    tenants: Vec<(String, String)>,

    /// The URL clients reach this server at when it is behind a proxy (used in `Location` and
    /// `meta.location`); by default they are built from the request's Host header.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,

    /// The most operations one /Bulk request may carry (`maxOperations`); 0 turns /Bulk off.
    #[arg(long, value_name = "N", default_value_t = super::DEFAULT_BULK_MAX_OPERATIONS)]
    bulk_max_operations: usize,

    /// The largest /Bulk request body in bytes (`maxPayloadSize`).
    #[arg(long, value_name = "BYTES", default_value_t = super::DEFAULT_BULK_MAX_PAYLOAD_SIZE)]
    bulk_max_payload_size: usize,

    /// On SIGTERM or Ctrl-C the server stops accepting connections and lets the requests in
    /// flight finish for at most this many seconds, then closes the database and exits 0.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    shutdown_timeout: u64,

    #[command(flatten)]
    limits: LimitFlags,
}

// The request limits (see `scim::server::limits`); every default is one a deployment can keep.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Request limits")]
struct LimitFlags {
    /// The largest request body, in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = super::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,

    /// The most resources one list response returns (filter.maxResults; a larger count is lowered).
    #[arg(long, value_name = "N", default_value_t = super::DEFAULT_MAX_RESULTS)]
    max_results: usize,

    /// The longest filter, in bytes (longer: 400 invalidFilter).
    #[arg(long, value_name = "BYTES", default_value_t = crate::filter::MAX_FILTER_LENGTH)]
    max_filter_length: usize,

    /// The deepest nesting of parentheses, `not` and value filters in a filter (deeper: 400 invalidFilter).
    #[arg(long, value_name = "N", default_value_t = crate::filter::MAX_FILTER_DEPTH)]
    max_filter_depth: usize,

    /// The most operations in one PATCH request (more: 400 tooMany).
    #[arg(long, value_name = "N", default_value_t = super::limits::DEFAULT_MAX_PATCH_OPERATIONS)]
    max_patch_operations: usize,

    /// The most group members one request adds or sets (more: 400 tooMany).
    #[arg(long, value_name = "N", default_value_t = super::limits::DEFAULT_MAX_MEMBERS_PER_REQUEST)]
    max_members_per_request: usize,

    /// The longest request line (method, URI, version), in bytes (longer: 414).
    #[arg(long, value_name = "BYTES", default_value_t = super::limits::DEFAULT_MAX_REQUEST_LINE_BYTES)]
    max_request_line_bytes: usize,

    /// The largest total of header field names and values, in bytes (larger: 431).
    #[arg(long, value_name = "BYTES", default_value_t = super::limits::DEFAULT_MAX_HEADER_BYTES)]
    max_header_bytes: usize,

    /// Seconds a request body may take to arrive (then 408; 0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = super::limits::DEFAULT_BODY_TIMEOUT.as_secs())]
    body_timeout: u64,

    /// Seconds handling a request may take (then 503 with Retry-After; 0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = super::limits::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    request_timeout: u64,

    /// The most requests of one tenant handled at once (more: 429 with Retry-After; 0: no limit).
    #[arg(long, value_name = "N", default_value_t = super::limits::DEFAULT_MAX_CONCURRENT_REQUESTS_PER_TENANT)]
    max_concurrent_requests: usize,
}

impl LimitFlags {
    fn limits(&self) -> Limits {
        let seconds = |s: u64| (s > 0).then(|| Duration::from_secs(s));
        Limits {
            max_body_bytes: self.max_body_bytes,
            max_results: self.max_results.max(1),
            filter: crate::filter::FilterLimits {
                max_length: self.max_filter_length,
                max_depth: self.max_filter_depth,
                ..crate::filter::FilterLimits::default()
            },
            max_patch_operations: self.max_patch_operations,
            max_members_per_request: self.max_members_per_request,
            max_request_line_bytes: self.max_request_line_bytes,
            max_header_bytes: self.max_header_bytes,
            body_timeout: seconds(self.body_timeout),
            request_timeout: seconds(self.request_timeout),
            max_concurrent_requests_per_tenant: (self.max_concurrent_requests > 0)
                .then_some(self.max_concurrent_requests),
        }
    }
}

impl Args for ServeArgs {
    fn augment_args(command: Command) -> Command {
        // The command is already named here (`#[command(name = ..)]`), so `--help` shows the
        // default database of this very server.
        let database = default_database(command.get_name());
        Flags::augment_args(command).mut_arg("database", |arg| arg.default_value(database))
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

impl FromArgMatches for ServeArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Flags::from_arg_matches(matches).map(Self)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

fn default_database(name: &str) -> String {
    format!("sqlite://{name}.db")
}

fn parse_tenant(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, token)) if !name.trim().is_empty() && !token.is_empty() => {
            Ok((name.trim().to_owned(), token.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=TOKEN (for example `acme=s3cret`)")),
    }
}

/// The table of the `--tenant` tokens, the `--token` and the `SCIM_TOKENS` (tenant `default`),
/// and the token the banner shows: `--token`'s, else the first tenant's; `None` when neither
/// was given (the banner never shows the tokens of `SCIM_TOKENS` or a token file).
fn token_table(
    tenants: &[(String, String)],
    token: Option<&str>,
    tokens: Option<&str>,
) -> (TokenTable, Option<String>) {
    let mut table = TokenTable::new();
    let mut example_token = None;
    for (tenant, token) in tenants {
        table = table.tenant(tenant.clone(), token);
        example_token.get_or_insert_with(|| token.clone());
    }
    if let Some(token) = token {
        table = table.tenant(DEFAULT_TENANT, token);
        example_token = Some(token.to_owned());
    }
    for token in tokens.unwrap_or_default().split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()) {
        table = table.tenant(DEFAULT_TENANT, token);
    }
    (table, example_token)
}

/// Where the tokens come from, and the table requests are authenticated with, which a reload of
/// the token file replaces.
#[derive(Debug, Clone)]
struct TokenSource {
    /// The tokens of the command line and the environment, which a reload keeps.
    fixed: TokenTable,
    /// `--token-file`, reread on SIGHUP.
    file: Option<PathBuf>,
    /// The fixed tokens and the file's, as last read.
    shared: SharedTokens,
}

impl TokenSource {
    /// Reread the token file; see [`Launch::reload_tokens`].
    fn reload(&self) -> Result<usize, String> {
        let table = read_tokens(&self.fixed, self.file.as_deref())?;
        let count = table.len();
        self.shared.replace(table);
        Ok(count)
    }
}

/// What the banner's curl lines send when the token is not to be printed.
const TOKEN_PLACEHOLDER: &str = "<token>";

/// The tokens of the command line and the environment plus those of the token file, if any.
fn read_tokens(fixed: &TokenTable, token_file: Option<&Path>) -> Result<TokenTable, String> {
    let Some(file) = token_file else { return Ok(fixed.clone()) };
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read the token file {}: {error}", file.display()))?;
    fixed.clone().with_token_file_text(&text).map_err(|error| format!("token file {}: {error}", file.display()))
}

/// The URL the endpoints are reached at, for the banner.
fn base_url(address: SocketAddr, base_path: &str) -> String {
    let base_path = base_path.trim_matches('/');
    if base_path.is_empty() { format!("http://{address}") } else { format!("http://{address}/{base_path}") }
}

/// The URL and two lines to paste (the first provisions a user, as Entra ID's first sync
/// would), then which store holds the data: the database's engine and URL, without a password.
fn banner(name: &str, url: &str, token: &str, database: &str) -> String {
    let engine = crate::store::database_engine(database).unwrap_or("database");
    let shown = crate::store::shown_url(database);
    format!(
        "{name}: SCIM 2.0 server listening on {url}\n\
         try: curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/scim+json' -d '{EXAMPLE_USER}' {url}/Users\n\
         then: curl -H 'Authorization: Bearer {token}' {url}/Users\n\
         store: {engine} {shown}\n"
    )
}

impl ServeArgs {
    /// Settle the options of the server called `name`: its tokens (without any, a random token
    /// for this run, with a warning on stderr) and its database (`sqlite://NAME.db` by default).
    /// A token file that cannot be read, has a bad line or holds no token ends the process with
    /// the error, as a bad option does.
    pub fn prepare(self, name: &str) -> Launch {
        self.try_prepare(name).unwrap_or_else(|message| {
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{message}\n")).exit()
        })
    }

    /// [`Self::prepare`], returning a token file's problem instead of ending the process.
    pub fn try_prepare(self, name: &str) -> Result<Launch, String> {
        let Flags {
            listen,
            database,
            db_pool_size,
            db_acquire_timeout,
            db_statement_timeout,
            base_path,
            token_file,
            tokens,
            token,
            tenants,
            public_url,
            bulk_max_operations,
            bulk_max_payload_size,
            shutdown_timeout,
            limits,
        } = self.0;
        let (mut fixed_tokens, example_token) = token_table(&tenants, token.as_deref(), tokens.as_deref());
        let all_tokens = read_tokens(&fixed_tokens, token_file.as_deref())?;
        if let Some(file) = &token_file
            && all_tokens.len() == fixed_tokens.len()
        {
            return Err(format!("the token file {} holds no token", file.display()));
        }
        let token = match example_token {
            Some(token) => token,
            None if !all_tokens.is_empty() => TOKEN_PLACEHOLDER.to_owned(),
            None => {
                let token = uuid::Uuid::new_v4().simple().to_string();
                eprintln!(
                    "warning: no --token-file, SCIM_TOKEN(S), --token or --tenant given; this run accepts only the random token below"
                );
                fixed_tokens = fixed_tokens.tenant(DEFAULT_TENANT, &token);
                token
            }
        };
        let shared = SharedTokens::new(read_tokens(&fixed_tokens, token_file.as_deref())?);
        Ok(Launch {
            name: name.to_owned(),
            listen,
            database: database.unwrap_or_else(|| default_database(name)),
            database_options: DatabaseOptions {
                max_connections: db_pool_size.max(1),
                acquire_timeout: Duration::from_secs(db_acquire_timeout),
                statement_timeout: (db_statement_timeout > 0).then(|| Duration::from_secs(db_statement_timeout)),
            },
            base_path,
            public_url,
            tokens: TokenSource { fixed: fixed_tokens, file: token_file, shared },
            token,
            bulk: super::BulkLimits { max_operations: bulk_max_operations, max_payload_size: bulk_max_payload_size },
            shutdown_timeout: Duration::from_secs(shutdown_timeout),
            opened: OpenedStores::default(),
            limits: limits.limits(),
        })
    }
}

impl ServeArgs {
    /// The options from the process's command line, parsed by the server's own `command` (its
    /// name, version and about, as `clap::command!("acme-scim")` makes them from Cargo.toml) with
    /// these options added, for a `main` without a `clap::Parser` of its own; `--help`,
    /// `--version` and mistakes exit as clap has them.
    pub fn parse_command_line(command: Command) -> Self {
        Self::parse_from(command, std::env::args_os()).unwrap_or_else(|error| error.exit())
    }

    /// [`Self::parse_command_line`] on these arguments (the first is the program).
    pub fn parse_from<I, T>(command: Command, args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::from_arg_matches(&Self::augment_args(command).try_get_matches_from(args)?)
    }

    /// The whole life of the server called `name`, for its `main`: [`Self::prepare`], let
    /// `build` add the resources to the builder (given the database URL), register them
    /// ([`ServerBuilder::build_registered`]: a store that cannot prepare fails here, not on the
    /// first request) and [`Launch::serve`]. A failure is printed as `error: ...` and is the
    /// process's failure.
    pub async fn run<Build, Building>(self, name: &str, build: Build) -> std::process::ExitCode
    where
        Build: FnOnce(String, ServerBuilder) -> Building,
        Building: Future<Output = Result<ServerBuilder, String>>,
    {
        let launch = self.prepare(name);
        let served = match build(launch.database().to_owned(), launch.builder()).await {
            Ok(builder) => match builder.build_registered().await {
                Ok(app) => launch.serve(app).await,
                Err(error) => Err(error.detail),
            },
            Err(message) => Err(message),
        };
        match served {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                std::process::ExitCode::FAILURE
            }
        }
    }
}

/// A server ready to start: from [`ServeArgs::prepare`].
#[derive(Debug)]
pub struct Launch {
    name: String,
    listen: SocketAddr,
    database: String,
    database_options: DatabaseOptions,
    base_path: String,
    public_url: Option<String>,
    tokens: TokenSource,
    /// The token the banner's curl lines send (a placeholder for a file's or SCIM_TOKENS').
    token: String,
    bulk: super::BulkLimits,
    /// How long requests in flight may take to finish once a shutdown is asked for.
    shutdown_timeout: Duration,
    /// The stores [`Launch::open_store`] opened, closed when the server stops.
    opened: OpenedStores,
    /// The request limits (`--max-*`, `--body-timeout`, `--request-timeout`).
    limits: Limits,
}

/// The stores a launch opened (`Debug` shows how many).
#[derive(Default)]
struct OpenedStores(std::sync::Mutex<Vec<std::sync::Arc<dyn crate::store::Store>>>);

impl OpenedStores {
    fn push(&self, store: std::sync::Arc<dyn crate::store::Store>) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(store);
    }

    fn take(&self) -> Vec<std::sync::Arc<dyn crate::store::Store>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl std::fmt::Debug for OpenedStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} opened stores", self.0.lock().map(|stores| stores.len()).unwrap_or_default())
    }
}

impl Launch {
    /// The database URL (`--database`), for the server's store.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The database URL as messages may show it: without its password.
    pub fn shown_database(&self) -> String {
        crate::store::shown_url(&self.database)
    }

    /// Reread the token file (`--token-file`) and authenticate with its tokens, and those of
    /// the command line and environment, from the next request on; the number of tokens. On
    /// an error (the file unreadable, a bad line) the tokens stay as they were. Without a token
    /// file there is nothing to reread.
    pub fn reload_tokens(&self) -> Result<usize, String> {
        self.tokens.reload()
    }

    /// The database pool's size and timeouts (`--db-pool-size`, `--db-acquire-timeout`,
    /// `--db-statement-timeout`), for [`crate::store::open`].
    pub fn database_options(&self) -> &DatabaseOptions {
        &self.database_options
    }

    /// The store `--database` names, opened with [`Launch::database_options`]: what a
    /// generated `backend::open_store` does unless the developer plugs in their own store.
    pub async fn open_store(&self) -> crate::ScimResult<std::sync::Arc<dyn crate::store::Store>> {
        let store = crate::store::open(&self.database, &self.database_options).await?;
        self.opened.push(store.clone());
        Ok(store)
    }

    /// A [`Server::builder`] with the base path, public URL and tokens set, to which the
    /// server adds its resources.
    pub fn builder(&self) -> ServerBuilder {
        Server::builder()
            .base_path(self.base_path.clone())
            .public_url(self.public_url.clone())
            .auth(Arc::new(self.tokens.shared.clone()))
            .bulk_limits(self.bulk.max_operations, self.bulk.max_payload_size)
            .limits(self.limits.clone())
            .generated_server_defaults()
    }

    /// Listen on `--listen`, print the URL and two curl lines to paste, and serve `app` until
    /// SIGTERM or Ctrl-C: then stop accepting connections, let the requests in flight finish
    /// (for at most `--shutdown-timeout`), close the stores [`Launch::open_store`] opened, and
    /// return `Ok`, so a load balancer draining this replica loses no request.
    pub async fn serve(self, app: Router) -> Result<(), String> {
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", self.listen))?;
        let address = listener.local_addr().map_err(|e| format!("cannot read the listening address: {e}"))?;
        let banner = banner(&self.name, &base_url(address, &self.base_path), &self.token, &self.database);
        // One write, so a reader that takes the first lines gets them all; and a closed stdout
        // (its reader gone) is no reason to stop serving.
        // Before the banner, which tells a supervisor the server is up: a SIGHUP from then on
        // reloads the tokens rather than ending the process (its default action).
        self.reload_tokens_on_sighup()?;
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), banner.as_bytes());
        // Through ScimListener, so that even the errors hyper answers itself (a URI over 64 KiB,
        // an oversized head) reach the client as SCIM error documents.
        let stop = std::sync::Arc::new(tokio::sync::Notify::new());
        let stopping = stop.clone();
        // Boxed, so that dropping it drops the app, and with it the stores the requests held.
        let mut server = Box::pin(
            axum::serve(super::listener::ScimListener::new(listener), app)
                .with_graceful_shutdown(async move { stopping.notified().await })
                .into_future(),
        );
        tokio::select! {
            served = &mut server => served.map_err(|e| format!("server error: {e}"))?,
            () = shutdown_signal() => {
                // axum stops accepting (the listener is dropped) and waits for the connections
                // it has; a permit, so the server sees it even before it first waits.
                stop.notify_one();
                eprintln!("{}: shutting down, finishing the requests in flight", self.name);
                match tokio::time::timeout(self.shutdown_timeout, &mut server).await {
                    Ok(served) => served.map_err(|e| format!("server error: {e}"))?,
                    Err(_) => eprintln!(
                        "{}: requests still running after --shutdown-timeout ({}s) are dropped",
                        self.name,
                        self.shutdown_timeout.as_secs()
                    ),
                }
            }
        }
        // The app (and with it the requests' handles on the stores) is gone; close the pools.
        drop(server);
        for store in self.opened.take() {
            store.close().await;
        }
        Ok(())
    }
}

/// SIGTERM (what container runtimes and systemd send) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler Ctrl-C keeps its default action (ending the process).
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

impl Launch {
    /// With a token file, reread it on every SIGHUP (`kill -HUP PID`, `systemctl reload`),
    /// saying on stderr how many tokens are valid now, or why the old ones stay.
    #[cfg(unix)]
    fn reload_tokens_on_sighup(&self) -> Result<(), String> {
        use tokio::signal::unix::{SignalKind, signal};
        let Some(file) = self.tokens.file.clone() else { return Ok(()) };
        let mut hangups =
            signal(SignalKind::hangup()).map_err(|e| format!("cannot listen for SIGHUP to reload tokens: {e}"))?;
        let tokens = self.tokens.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match tokens.reload() {
                    Ok(count) => eprintln!("SIGHUP: reloaded {}: {count} tokens valid", file.display()),
                    Err(error) => eprintln!("error: SIGHUP: {error}; the previous tokens stay valid"),
                }
            }
        });
        Ok(())
    }

    #[cfg(not(unix))]
    fn reload_tokens_on_sighup(&self) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::server::auth::{AuthRequest, Authenticator};

    #[derive(Debug, Parser)]
    #[command(name = "acme-scim")]
    struct Options {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        Options::try_parse_from(std::iter::once("acme-scim").chain(args.iter().copied())).map(|o| o.serve)
    }

    /// The tenant `tokens` authenticates `token` as, if any.
    fn tenant_of(launch: &Launch, token: &str) -> Option<String> {
        let tokens = launch.tokens.shared.clone();
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
        let request = AuthRequest { headers: &headers, path_tenant: None };
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(tokens.authenticate(&request)).ok().map(|p| p.tenant)
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let launch = parse(&["--token", "s3cret"]).unwrap().prepare("acme-scim");
        assert_eq!(launch.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(launch.database(), "sqlite://acme-scim.db");
        assert_eq!(launch.base_path, "/scim/v2");
        assert_eq!(launch.public_url, None);
        assert_eq!(launch.token, "s3cret");
    }

    #[test]
    fn the_default_database_is_named_after_the_command_in_the_help_too() {
        let help = Options::command().render_long_help().to_string();
        assert!(help.contains("[default: sqlite://acme-scim.db]"), "{help}");
        // Parsed options carry it; prepare falls back to the name it is given.
        assert_eq!(parse(&[]).unwrap().0.database.as_deref(), Some("sqlite://acme-scim.db"));
        let args = ServeArgs(Flags { database: None, ..parse(&["--token", "t"]).unwrap().0 });
        assert_eq!(args.prepare("other-scim").database(), "sqlite://other-scim.db");
    }

    #[test]
    fn every_option_is_read() {
        let args = [
            "--listen",
            "0.0.0.0:0",
            "--database",
            "sqlite::memory:",
            "--base-path",
            "/",
            "--public-url",
            "https://scim.example.com/",
            "--token",
            "t",
        ];
        let launch = parse(&args).unwrap().prepare("acme-scim");
        assert_eq!(launch.listen, "0.0.0.0:0".parse().unwrap());
        assert_eq!(launch.database(), "sqlite::memory:");
        assert_eq!(launch.base_path, "/");
        assert_eq!(launch.public_url.as_deref(), Some("https://scim.example.com/"));
        let builder = format!("{:?}", launch.builder());
        assert!(builder.contains(r#"base_path: "/""#), "{builder}");
        // The server builder trims the public URL's trailing slash.
        assert!(builder.contains(r#"public_url: Some("https://scim.example.com")"#), "{builder}");
    }

    #[test]
    fn bulk_limits_and_the_shutdown_timeout_are_read() {
        let launch = parse(&["--token", "t"]).unwrap().prepare("acme-scim");
        assert_eq!(launch.bulk, crate::server::BulkLimits { max_operations: 1000, max_payload_size: 4 * 1024 * 1024 });
        assert_eq!(launch.shutdown_timeout, Duration::from_secs(30));
        let args = ["--bulk-max-operations", "5", "--bulk-max-payload-size", "100", "--shutdown-timeout", "3"];
        let launch = parse(&args).unwrap().prepare("acme-scim");
        assert_eq!(launch.shutdown_timeout, Duration::from_secs(3));
        let builder = format!("{:?}", launch.builder());
        assert!(builder.contains("bulk: BulkLimits { max_operations: 5, max_payload_size: 100 }"), "{builder}");
    }

    #[test]
    fn tenants_and_the_token_each_authenticate_their_own_tenant() {
        let launch = parse(&["--tenant", "acme=one", "--tenant", " globex =two", "--token", "three"])
            .unwrap()
            .prepare("acme-scim");
        assert_eq!(tenant_of(&launch, "one").as_deref(), Some("acme"));
        assert_eq!(tenant_of(&launch, "two").as_deref(), Some("globex"));
        assert_eq!(tenant_of(&launch, "three").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "four"), None);
        // The banner shows --token's, else the first tenant's.
        assert_eq!(launch.token, "three");
        let launch = parse(&["--tenant", "acme=one", "--tenant", "globex=two"]).unwrap().prepare("acme-scim");
        assert_eq!(launch.token, "one");
        assert_eq!(tenant_of(&launch, "one").as_deref(), Some("acme"));
    }

    /// A token file in a directory of its own, removed on drop.
    struct TokenFile(PathBuf);

    impl TokenFile {
        fn new(test: &str, text: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("scim-launch-{test}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let file = TokenFile(dir.join("tokens"));
            file.write(text);
            file
        }

        fn write(&self, text: &str) {
            std::fs::write(&self.0, text).unwrap();
        }

        fn arg(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TokenFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
        }
    }

    #[test]
    fn a_token_file_is_read_and_its_tokens_are_not_printed() {
        let file = TokenFile::new("read", "# Entra ID\nold-token\nnew-token\nacme acme-token\n");
        let launch = parse(&["--token-file", file.arg()]).unwrap().try_prepare("acme-scim").unwrap();
        assert_eq!(tenant_of(&launch, "old-token").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "new-token").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "acme-token").as_deref(), Some("acme"));
        assert_eq!(tenant_of(&launch, "# Entra ID"), None);
        assert_eq!(launch.token, TOKEN_PLACEHOLDER);
        // The command line's tokens join the file's.
        let launch = parse(&["--token-file", file.arg(), "--token", "cli"]).unwrap().try_prepare("acme-scim").unwrap();
        assert_eq!(tenant_of(&launch, "cli").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "acme-token").as_deref(), Some("acme"));
    }

    #[test]
    fn a_reload_takes_the_files_tokens_and_drops_removed_ones() {
        let file = TokenFile::new("reload", "old-token\n");
        let launch =
            parse(&["--token-file", file.arg(), "--tenant", "acme=cli"]).unwrap().try_prepare("acme-scim").unwrap();
        // Rotation, step 1: the new token joins the old; both are valid.
        file.write("old-token\nnew-token\n");
        assert_eq!(launch.reload_tokens(), Ok(3));
        assert_eq!(tenant_of(&launch, "old-token").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "new-token").as_deref(), Some("default"));
        // Step 2, once every client has the new one: the old is refused.
        file.write("new-token\n");
        assert_eq!(launch.reload_tokens(), Ok(2));
        assert_eq!(tenant_of(&launch, "old-token"), None);
        assert_eq!(tenant_of(&launch, "new-token").as_deref(), Some("default"));
        // A broken file changes nothing; the command line's tokens survive every reload.
        file.write("new-token\nthree words here\n");
        let error = launch.reload_tokens().unwrap_err();
        assert_eq!(
            error,
            format!(
                "token file {}: line 2: expected `TOKEN` or `TENANT TOKEN` (a token has no spaces), found 3 words",
                file.arg()
            )
        );
        assert_eq!(tenant_of(&launch, "new-token").as_deref(), Some("default"));
        assert_eq!(tenant_of(&launch, "cli").as_deref(), Some("acme"));
    }

    #[test]
    fn a_token_file_that_is_missing_empty_or_bad_stops_the_start() {
        let file = TokenFile::new("bad", "# no token yet\n");
        let error = parse(&["--token-file", file.arg()]).unwrap().try_prepare("acme-scim").unwrap_err();
        assert_eq!(error, format!("the token file {} holds no token", file.arg()));
        file.write("acme s3cret extra\n");
        let error = parse(&["--token-file", file.arg()]).unwrap().try_prepare("acme-scim").unwrap_err();
        assert!(error.ends_with("line 1: expected `TOKEN` or `TENANT TOKEN` (a token has no spaces), found 3 words"));
        assert!(!error.contains("s3cret"), "{error}");
        let missing = format!("{}-missing", file.arg());
        let error = parse(&["--token-file", &missing]).unwrap().try_prepare("acme-scim").unwrap_err();
        assert!(error.starts_with(&format!("cannot read the token file {missing}: ")), "{error}");
    }

    #[test]
    fn several_tokens_from_the_environment_are_valid_at_once() {
        // `--tokens` is what SCIM_TOKENS sets (clap reads both alike).
        let launch = parse(&["--tokens", "old-token, new-token\nthird"]).unwrap().try_prepare("acme-scim").unwrap();
        for token in ["old-token", "new-token", "third"] {
            assert_eq!(tenant_of(&launch, token).as_deref(), Some("default"), "{token}");
        }
        assert_eq!(tenant_of(&launch, ""), None);
        assert_eq!(launch.token, TOKEN_PLACEHOLDER);
    }

    #[test]
    fn the_database_is_shown_without_its_password() {
        let launch = parse(&["--token", "t", "--database", "postgres://scim:hunter2@db/scim"]).unwrap().prepare("a");
        assert_eq!(launch.shown_database(), "postgres://scim:***@db/scim");
    }

    #[test]
    fn without_tokens_a_random_one_is_made_for_the_default_tenant() {
        let first = parse(&[]).unwrap().prepare("acme-scim");
        let second = parse(&[]).unwrap().prepare("acme-scim");
        assert_eq!(first.token.len(), 32);
        assert!(first.token.chars().all(|c| c.is_ascii_hexdigit()), "{}", first.token);
        assert_ne!(first.token, second.token);
        assert_eq!(tenant_of(&first, &first.token).as_deref(), Some("default"));
        assert_eq!(tenant_of(&first, &second.token), None);
    }

    #[test]
    fn a_tenant_must_be_name_equals_token() {
        assert_eq!(parse_tenant("acme=s3=cret"), Ok(("acme".to_owned(), "s3=cret".to_owned())));
        for bad in ["acme", "=s3cret", " =s3cret", "acme="] {
            let error = parse_tenant(bad).unwrap_err();
            assert_eq!(error, format!("`{bad}` is not NAME=TOKEN (for example `acme=s3cret`)"));
        }
        let error = parse(&["--tenant", "acme"]).unwrap_err().to_string();
        assert!(error.contains("`acme` is not NAME=TOKEN"), "{error}");
    }

    #[test]
    fn the_banner_url_has_the_base_path_without_stray_slashes() {
        let address: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(base_url(address, "/scim/v2"), "http://127.0.0.1:8080/scim/v2");
        assert_eq!(base_url(address, "scim/v2/"), "http://127.0.0.1:8080/scim/v2");
        assert_eq!(base_url(address, "/"), "http://127.0.0.1:8080");
        assert_eq!(base_url(address, ""), "http://127.0.0.1:8080");
    }

    #[test]
    fn the_banner_is_the_url_and_two_curl_lines() {
        let text = banner("acme-scim", "http://127.0.0.1:8080/scim/v2", "s3cret", "sqlite://acme-scim.db");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0], "acme-scim: SCIM 2.0 server listening on http://127.0.0.1:8080/scim/v2");
        assert_eq!(
            lines[1],
            format!(
                "try: curl -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/scim+json' -d '{EXAMPLE_USER}' http://127.0.0.1:8080/scim/v2/Users"
            )
        );
        assert_eq!(lines[2], "then: curl -H 'Authorization: Bearer s3cret' http://127.0.0.1:8080/scim/v2/Users");
        assert_eq!(lines[3], "store: SQLite sqlite://acme-scim.db");
        assert!(text.ends_with('\n'));
    }

    /// A `main` without a parser of its own: the server's command names `--help` and the
    /// default database, and the options parse as flattened ones do.
    #[test]
    fn a_command_of_the_servers_own_takes_the_options() {
        let command = || Command::new("acme-scim").version("1.2.3");
        let args = ServeArgs::parse_from(command(), ["acme-scim", "--token", "s3cret"]).unwrap();
        assert_eq!(args.clone().prepare("acme-scim").database(), "sqlite://acme-scim.db");
        assert_eq!(args.0.token.as_deref(), Some("s3cret"));
        let help = ServeArgs::augment_args(command()).render_help().to_string();
        assert!(help.contains("sqlite://acme-scim.db"), "{help}");
        let error = ServeArgs::parse_from(command(), ["acme-scim", "--tenant", "acme"]).unwrap_err();
        assert!(error.to_string().contains("`acme` is not NAME=TOKEN"), "{error}");
    }

    /// `run` ends the process with failure, after printing it, when the server cannot be built.
    #[tokio::test]
    async fn run_fails_when_the_server_cannot_be_built() {
        let args = ServeArgs::parse_from(Command::new("acme-scim"), ["acme-scim", "--token", "s3cret"]).unwrap();
        let code = args.run("acme-scim", |_, _| async { Err("cannot open the database".to_owned()) }).await;
        assert_eq!(format!("{code:?}"), format!("{:?}", std::process::ExitCode::FAILURE));
    }

    #[test]
    fn the_banner_names_a_postgres_store_without_its_password() {
        let text = banner("acme-scim", "http://127.0.0.1:8080/scim/v2", "t", "postgres://scim:hunter2@db:5432/scim");
        assert!(text.ends_with("store: PostgreSQL postgres://scim:***@db:5432/scim\n"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn limits_default_to_the_runtimes_and_are_read() {
        let launch = parse(&["--token", "t"]).unwrap().prepare("acme-scim");
        assert_eq!(launch.limits, Limits::default());
        let args = [
            "--token",
            "t",
            "--max-body-bytes",
            "1000",
            "--max-results",
            "0",
            "--max-filter-length",
            "100",
            "--max-filter-depth",
            "3",
            "--max-patch-operations",
            "5",
            "--max-members-per-request",
            "6",
            "--max-request-line-bytes",
            "700",
            "--max-header-bytes",
            "800",
            "--body-timeout",
            "0",
            "--request-timeout",
            "9",
            "--max-concurrent-requests",
            "2",
        ];
        let launch = parse(&args).unwrap().prepare("acme-scim");
        let expected = Limits {
            max_body_bytes: 1000,
            max_results: 1,
            filter: crate::filter::FilterLimits { max_length: 100, max_depth: 3, ..Default::default() },
            max_patch_operations: 5,
            max_members_per_request: 6,
            max_request_line_bytes: 700,
            max_header_bytes: 800,
            body_timeout: None,
            request_timeout: Some(Duration::from_secs(9)),
            max_concurrent_requests_per_tenant: Some(2),
        };
        assert_eq!(launch.limits, expected);
        let builder = format!("{:?}", launch.builder());
        assert!(builder.contains("max_patch_operations: 5"), "{builder}");
    }

    #[test]
    fn database_pool_options_are_read() {
        let launch = parse(&["--token", "t", "--database", "postgres://db/scim"]).unwrap().prepare("acme-scim");
        assert_eq!(launch.database_options(), &DatabaseOptions::default());
        let args = ["--token", "t", "--db-pool-size", "32", "--db-acquire-timeout", "3", "--db-statement-timeout", "0"];
        let launch = parse(&args).unwrap().prepare("acme-scim");
        let expected =
            DatabaseOptions { max_connections: 32, acquire_timeout: Duration::from_secs(3), statement_timeout: None };
        assert_eq!(launch.database_options(), &expected);
    }
}
