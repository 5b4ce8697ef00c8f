//! The load benchmark's baseline: the least a server can do to answer the two lookups Entra ID
//! and Okta make most, with axum and an indexed table of the same users (SQLite or PostgreSQL,
//! in the database the SCIM server uses), returning the stored JSON as it is. It parses only
//! `filter=userName eq "x"`, checks the bearer token by plain comparison, and does no
//! validation, projection or serialisation.
//!
//! `baseline-groups` ([`run`] with `with_groups`) answers the same lookups with the user's
//! `groups` too, as a SCIM server must (RFC 7643 section 4.1.2) and the SCIM server does: the
//! same correlated subquery over the SCIM store's members and groups tables, its elements
//! written into the document. It shows what of the SCIM server's cost is that work, which the
//! plain baseline does not do.
//!
//! `baseline-held` ([`run`] with [`Variant::Held`]) is the plain baseline reading SQLite through
//! four connections it keeps out of sqlx's pool, as the SCIM store's single-statement reads do
//! (`scim/src/store/sqlite/readers.rs`): the pool pings every connection handed back to it, a
//! round trip to the connection's worker thread. It shows how much of the difference between
//! the SCIM server and the plain baseline is that choice rather than the server's own work.
//! On PostgreSQL it reads through the pool, as `baseline` does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scim::store::{DatabaseOptions, PostgresStore, SqliteStore, Store};
use sqlx::sqlite::SqliteConnection;
use sqlx::{ConnectOptions, PgPool, SqlitePool};
use tokio::sync::Mutex;

use crate::{BASE_PATH, TENANT};

const CONTENT_TYPE: &str = "application/scim+json";

/// A benchmark database: the SCIM store over it and the same connection pool (same settings),
/// which the baseline queries directly.
pub struct Database {
    pub store: Arc<dyn Store>,
    pool: Pool,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which of the baseline's two lookups.
#[derive(Debug, Clone, Copy)]
enum Key {
    Id,
    UserName,
}

impl Database {
    /// Open the store the URL names (`sqlite://...` or `postgres://...`).
    pub async fn open(url: &str) -> Result<Database, String> {
        if scim::store::database_engine(url) == Some("PostgreSQL") {
            let store = PostgresStore::connect_with(url, &DatabaseOptions::default()).await.map_err(|e| e.detail)?;
            let pool = Pool::Postgres(store.pool().clone());
            Ok(Database { store: Arc::new(store), pool })
        } else {
            let store = SqliteStore::connect(url).await.map_err(|e| e.detail)?;
            let pool = Pool::Sqlite(store.pool().clone());
            Ok(Database { store: Arc::new(store), pool })
        }
    }

    /// Copy the seeded users into the baseline's table: (id, lower-cased userName, document
    /// as text), both keys indexed.
    pub async fn fill(&self) -> Result<(), String> {
        let table = "CREATE TABLE IF NOT EXISTS baseline_users (id TEXT PRIMARY KEY, user_name_lc TEXT NOT NULL, doc TEXT NOT NULL)";
        let index = "CREATE UNIQUE INDEX IF NOT EXISTS baseline_users_user_name_lc ON baseline_users (user_name_lc)";
        let error = |e: sqlx::Error| e.to_string();
        match &self.pool {
            Pool::Sqlite(pool) => {
                for statement in [table, index] {
                    sqlx::query(statement).execute(pool).await.map_err(error)?;
                }
                sqlx::query(
                    "INSERT OR IGNORE INTO baseline_users SELECT id, lower(json_extract(doc, '$.userName')), doc \
                     FROM scim_users WHERE tenant = ?",
                )
                .bind(TENANT)
                .execute(pool)
                .await
                .map_err(error)?;
            }
            Pool::Postgres(pool) => {
                for statement in [table, index] {
                    sqlx::query(statement).execute(pool).await.map_err(error)?;
                }
                sqlx::query(
                    "INSERT INTO baseline_users SELECT id, lower(doc->>'userName'), doc::text \
                     FROM scim_users WHERE tenant = $1 ON CONFLICT DO NOTHING",
                )
                .bind(TENANT)
                .execute(pool)
                .await
                .map_err(error)?;
                // Fresh statistics, so the planner uses the indexes at once.
                sqlx::query("ANALYZE").execute(pool).await.map_err(error)?;
            }
        }
        Ok(())
    }

    /// Close the store and with it the pool (the same one); for SQLite, closing the last
    /// connection checkpoints the WAL, so the file can be copied alone.
    pub async fn close(self) {
        self.store.close().await;
    }
}

/// `SELECT doc, <the user's groups as [[group id, displayName], ...]> FROM baseline_users b
/// WHERE b.<key> = ...`: the groups a correlated subquery on the user `b` (the tenant bound
/// first).
macro_rules! with_groups {
    (sqlite, $key:literal) => {
        concat!(
            "SELECT b.doc, (SELECT json_group_array(json_array(g.id, g.c_displayname)) ",
            "FROM scim_groups__members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.id ",
            "WHERE m.tenant = ? AND m.c_value = b.id) FROM baseline_users b WHERE b.",
            $key,
            " = ?"
        )
    };
    (postgres, $key:literal) => {
        concat!(
            "SELECT b.doc, (SELECT json_agg(json_build_array(g.id, g.c_displayname))::text ",
            "FROM scim_groups__members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.id ",
            "WHERE m.tenant = $1 AND m.c_value = b.id) FROM baseline_users b WHERE b.",
            $key,
            " = $2"
        )
    };
}

impl Pool {
    /// The stored document of the user with this id or lower-cased userName, and its groups
    /// as JSON text when asked.
    async fn fetch_with_groups(&self, by: Key, key: &str) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
        match self {
            Pool::Sqlite(pool) => {
                let sql = match by {
                    Key::Id => with_groups!(sqlite, "id"),
                    Key::UserName => with_groups!(sqlite, "user_name_lc"),
                };
                sqlx::query_as(sql).bind(TENANT).bind(key).fetch_optional(pool).await
            }
            Pool::Postgres(pool) => {
                let sql = match by {
                    Key::Id => with_groups!(postgres, "id"),
                    Key::UserName => with_groups!(postgres, "user_name_lc"),
                };
                sqlx::query_as(sql).bind(TENANT).bind(key).fetch_optional(pool).await
            }
        }
    }

    /// The stored document of the user with this id or lower-cased userName.
    async fn fetch(&self, by: Key, key: &str) -> Result<Option<String>, sqlx::Error> {
        match self {
            Pool::Sqlite(pool) => sqlx::query_scalar(sqlite_fetch(by)).bind(key).fetch_optional(pool).await,
            Pool::Postgres(pool) => {
                let sql = match by {
                    Key::Id => "SELECT doc FROM baseline_users WHERE id = $1",
                    Key::UserName => "SELECT doc FROM baseline_users WHERE user_name_lc = $1",
                };
                sqlx::query_scalar::<_, String>(sql).bind(key).fetch_optional(pool).await
            }
        }
    }
}

/// Which baseline [`run`] serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `baseline`: the stored document, read through the pool.
    Plain,
    /// `baseline-groups`: with the user's `groups`.
    Groups,
    /// `baseline-held`: as `Plain`, reading SQLite through connections kept out of the pool.
    Held,
}

/// SQLite's statement of [`Pool::fetch`].
fn sqlite_fetch(by: Key) -> &'static str {
    match by {
        Key::Id => "SELECT doc FROM baseline_users WHERE id = ?",
        Key::UserName => "SELECT doc FROM baseline_users WHERE user_name_lc = ?",
    }
}

/// [`Pool::fetch`] on a held SQLite connection.
async fn fetch_held(connection: &mut SqliteConnection, by: Key, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(sqlite_fetch(by)).bind(key).fetch_optional(connection).await
}

#[derive(Debug)]
struct Baseline {
    pool: Pool,
    authorization: String,
    /// Answer with the user's `groups` (`baseline-groups`).
    with_groups: bool,
    /// SQLite connections kept out of the pool (`baseline-held`; empty otherwise).
    held: Vec<Mutex<SqliteConnection>>,
}

/// How many connections `baseline-held` keeps, as many as the SCIM store's readers.
const HELD: usize = 4;

/// Serve `GET /scim/v2/Users/{id}` and `GET /scim/v2/Users?filter=userName eq "x"` as
/// `variant` says.
pub async fn run(database: &str, listen: &str, token: &str, variant: Variant) -> Result<(), String> {
    // The same pool settings as the SCIM server's store.
    let pool = Database::open(database).await?.pool;
    let mut held = Vec::new();
    if let (Variant::Held, Pool::Sqlite(pool)) = (variant, &pool) {
        for _ in 0..HELD {
            let connection = pool.connect_options().connect().await.map_err(|e| e.to_string())?;
            held.push(Mutex::new(connection));
        }
    }
    let state = Arc::new(Baseline {
        pool,
        authorization: format!("Bearer {token}"),
        with_groups: variant == Variant::Groups,
        held,
    });
    let router = Router::new()
        .route(&format!("{BASE_PATH}/Users"), get(list))
        .route(&format!("{BASE_PATH}/Users/{{id}}"), get(by_id))
        .with_state(state);
    crate::listen_and_serve(listen, router).await
}

fn authorised(state: &Baseline, headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).is_some_and(|value| value.as_bytes() == state.authorization.as_bytes())
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}

/// The user's document, with its `groups` first when the state says so (`host` for `$ref`).
async fn fetch(state: &Baseline, headers: &HeaderMap, by: Key, key: &str) -> Result<Option<String>, Response> {
    let failed = |_| StatusCode::INTERNAL_SERVER_ERROR.into_response();
    if let Some(mut connection) = state.held.iter().find_map(|held| held.try_lock().ok()) {
        return fetch_held(&mut connection, by, key).await.map_err(failed);
    }
    if !state.with_groups {
        return state.pool.fetch(by, key).await.map_err(failed);
    }
    let Some((doc, groups)) = state.pool.fetch_with_groups(by, key).await.map_err(failed)? else { return Ok(None) };
    let groups: Vec<(String, Option<String>)> = match groups.as_deref() {
        None | Some("[]") => return Ok(Some(doc)),
        Some(text) => serde_json::from_str(text).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?,
    };
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("localhost");
    let mut out = String::with_capacity(doc.len() + 160 * groups.len());
    out.push_str("{\"groups\":[");
    for (index, (id, display)) in groups.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
        let reference = quoted(&format!("http://{host}{BASE_PATH}/Groups/{id}"));
        out.push_str(&format!("{{\"value\":{},\"$ref\":{reference}", quoted(id)));
        if let Some(display) = display {
            out.push_str(&format!(",\"display\":{}", quoted(display)));
        }
        out.push_str(",\"type\":\"direct\"}");
    }
    out.push_str("],");
    out.push_str(doc.strip_prefix('{').unwrap_or(&doc));
    Ok(Some(out))
}

async fn by_id(State(state): State<Arc<Baseline>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&state, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match fetch(&state, &headers, Key::Id, &id).await {
        Ok(Some(doc)) => json(StatusCode::OK, doc),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(response) => response,
    }
}

async fn list(
    State(state): State<Arc<Baseline>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&state, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(user_name) = query
        .get("filter")
        .and_then(|filter| filter.strip_prefix("userName eq \""))
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let found = match fetch(&state, &headers, Key::UserName, &user_name.to_lowercase()).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (count, resources) = match &found {
        Some(doc) => (1, doc.as_str()),
        None => (0, ""),
    };
    let body = format!(
        "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":{count},\
         \"startIndex\":1,\"itemsPerPage\":{count},\"Resources\":[{resources}]}}"
    );
    json(StatusCode::OK, body)
}
