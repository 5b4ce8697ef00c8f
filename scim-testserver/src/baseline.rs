//! The load benchmark's baseline: the least a server can do to answer the two lookups Entra ID
//! and Okta make most, with axum and an indexed SQLite table of the same users, returning the
//! stored JSON as it is. It parses only `filter=userName eq "x"`, checks the bearer token by
//! plain comparison, and does no validation, projection or serialisation.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sqlx::SqlitePool;

use crate::{BASE_PATH, TENANT};

const CONTENT_TYPE: &str = "application/scim+json";

/// Copy the seeded users into the baseline's table: (id, lower-cased userName, document),
/// both keys indexed.
pub async fn fill(pool: &SqlitePool) -> Result<(), String> {
    let statements = [
        "CREATE TABLE IF NOT EXISTS baseline_users (id TEXT PRIMARY KEY, user_name_lc TEXT NOT NULL, doc TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS baseline_users_user_name_lc ON baseline_users (user_name_lc)",
    ];
    for statement in statements {
        sqlx::query(statement).execute(pool).await.map_err(|e| e.to_string())?;
    }
    sqlx::query(
        "INSERT OR IGNORE INTO baseline_users SELECT id, lower(json_extract(doc, '$.userName')), doc \
         FROM scim_users WHERE tenant = ?",
    )
    .bind(TENANT)
    .execute(pool)
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

#[derive(Debug)]
struct Baseline {
    pool: SqlitePool,
    authorization: String,
}

/// Serve `GET /scim/v2/Users/{id}` and `GET /scim/v2/Users?filter=userName eq "x"`.
pub async fn run(database: &str, listen: &str, token: &str) -> Result<(), String> {
    // The same pool settings as the SCIM server's store.
    let store = scim::store::SqliteStore::connect(database).await.map_err(|e| e.detail)?;
    let state = Arc::new(Baseline { pool: store.pool().clone(), authorization: format!("Bearer {token}") });
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

async fn fetch(pool: &SqlitePool, sql: &'static str, key: &str) -> Result<Option<String>, Response> {
    sqlx::query_scalar::<_, String>(sql)
        .bind(key)
        .fetch_optional(pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn by_id(State(state): State<Arc<Baseline>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&state, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match fetch(&state.pool, "SELECT doc FROM baseline_users WHERE id = ?", &id).await {
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
    let sql = "SELECT doc FROM baseline_users WHERE user_name_lc = ?";
    let found = match fetch(&state.pool, sql, &user_name.to_lowercase()).await {
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
