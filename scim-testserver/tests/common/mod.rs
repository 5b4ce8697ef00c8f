//! What the process-level tests share: a fresh schema on the test PostgreSQL server (which
//! [`scim::testkit::postgres_test_url`] finds).

/// A URL of a new, empty schema `<prefix>_<process id>` on the server at `url` (its own
/// `search_path`), so that reruns start from nothing.
pub fn fresh_schema(url: &str, prefix: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(scim::testkit::fresh_postgres_schema(url, &format!("{prefix}_{}", std::process::id())))
}
