//! What the process-level tests share: a fresh schema on the test PostgreSQL server (which
//! [`scim::testkit::postgres_test_url`] finds).

/// A URL of a new, empty schema `<prefix>_<process id>` on the server at `url` (its own
/// `search_path`), so that reruns start from nothing.
pub fn fresh_schema(url: &str, prefix: &str) -> String {
    assert!(prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "a schema prefix of letters and `_`");
    let schema = format!("{prefix}_{}", std::process::id());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await.expect("connect");
        // The name is made of letters, `_` and digits (checked above), so it can be written into SQL.
        for statement in [format!("DROP SCHEMA IF EXISTS {schema} CASCADE"), format!("CREATE SCHEMA {schema}")] {
            sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await.expect("make the schema");
        }
        pool.close().await;
    });
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}
