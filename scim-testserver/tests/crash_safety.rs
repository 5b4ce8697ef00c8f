//! What a client was told is stored survives `kill -9` of the server (README, "Crash safety"):
//! a server on a SQLite file takes concurrent creates and PATCHes, is killed with SIGKILL in
//! the middle of them, and is started again on the same file; every create and PATCH that got
//! a 2xx is there, intact, and the file passes `PRAGMA integrity_check`. The same for a server
//! on PostgreSQL (`SCIM_TEST_POSTGRES_URL`, skipped without it unless
//! `SCIM_TEST_REQUIRE_POSTGRES=1`).
//!
//! Ignored by default (it runs for a few seconds); `scripts/test` runs it with `--ignored`.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::fresh_schema;
use scim::testkit::postgres_test_url;
use scim_example_testkit::{PATCH_URN, Server, TOKEN, USER_URN, spawn_listening};
use serde_json::{Value, json};

/// Clients writing at once.
const WRITERS: usize = 8;
/// How long the server takes writes before it is killed.
const LOAD: Duration = Duration::from_millis(2500);

/// What the server acknowledged about one user, and the PATCH in flight when it was killed.
#[derive(Debug, Clone)]
struct Acknowledged {
    user_name: String,
    /// The last `displayName` a 2xx confirmed.
    display_name: String,
    /// A `displayName` sent without a reply: stored or not, either is right.
    in_flight: Option<String>,
}

fn start(database: &str, listen: &str) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-testserver"));
    command.args(["serve", "--database", database, "--listen", listen, "--token", TOKEN]);
    spawn_listening(command)
}

/// One writer: create users and rename each once, recording every 2xx, until the server stops
/// answering.
fn write_until_killed(
    server: &Server,
    writer: usize,
    stop: &AtomicBool,
    acked: &Mutex<BTreeMap<String, Acknowledged>>,
) {
    for round in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let user_name = format!("writer{writer}-user{round}@example.com");
        let body = json!({"schemas": [USER_URN], "userName": user_name, "displayName": "created"});
        let Ok(reply) = server.try_request(Some(TOKEN), "POST", "/Users", Some(&body)) else { return };
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let id = reply.body["id"].as_str().expect("an id").to_owned();
        let entry =
            Acknowledged { user_name, display_name: "created".to_owned(), in_flight: Some("renamed".to_owned()) };
        acked.lock().unwrap().insert(id.clone(), entry);
        let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "renamed"}]});
        let Ok(reply) = server.try_request(Some(TOKEN), "PATCH", &format!("/Users/{id}"), Some(&patch)) else { return };
        assert!(matches!(reply.status, 200 | 204), "{:?}", reply.body);
        let mut acked = acked.lock().unwrap();
        let entry = acked.get_mut(&id).expect("recorded above");
        entry.display_name = "renamed".to_owned();
        entry.in_flight = None;
    }
}

/// SQLite's own check of the file: `ok`, or what is wrong.
fn integrity_check(file: &std::path::Path) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", file.display());
        let mut connection = sqlx::SqliteConnection::connect(&url).await.expect("open the database file");
        let rows: Vec<(String,)> =
            sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut connection).await.expect("integrity_check");
        rows.into_iter().map(|(line,)| line).collect::<Vec<_>>().join("\n")
    })
}

/// Start a server on `database`, write from [`WRITERS`] clients, `kill -9` it in the middle,
/// start it again on the same database and check every acknowledged write; `check_storage`
/// runs after the kill and after the check (the storage's own consistency check).
fn every_acknowledged_write_survives_kill_9(database: &str, check_storage: impl Fn()) {
    let server = start(database, "127.0.0.1:0");
    let stop = AtomicBool::new(false);
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let (server, stop, acked) = (&server, &stop, &acked);
            scope.spawn(move || write_until_killed(server, writer, stop, acked));
        }
        std::thread::sleep(LOAD);
        // SIGKILL: no shutdown, no flush, no chance to finish the requests in progress.
        server.signal("KILL");
        stop.store(true, Ordering::Relaxed);
    });
    let listen = server.host.clone();
    drop(server);
    let acked = acked.lock().unwrap().clone();
    let renamed = acked.values().filter(|a| a.in_flight.is_none()).count();
    eprintln!("acknowledged before kill -9: {} creates, {renamed} PATCHes", acked.len());
    assert!(acked.len() >= WRITERS, "the load made too few writes to test anything: {}", acked.len());

    check_storage();
    let server = start(database, &listen);
    for (id, expected) in &acked {
        let reply = server.request("GET", &format!("/Users/{id}"), None);
        assert_eq!(reply.status, 200, "acknowledged user {id} ({}) is gone: {:?}", expected.user_name, reply.body);
        assert_eq!(reply.body["userName"], Value::from(expected.user_name.as_str()), "{id}");
        let display_name = reply.body["displayName"].as_str().unwrap_or_default();
        let allowed = [Some(expected.display_name.as_str()), expected.in_flight.as_deref()];
        assert!(allowed.contains(&Some(display_name)), "{id}: displayName {display_name:?}, acknowledged {expected:?}");
    }
    drop(server);
    check_storage();
}

#[test]
#[ignore = "kills a server under write load (a few seconds); scripts/test runs it with --ignored"]
fn every_acknowledged_write_survives_kill_9_of_a_sqlite_server() {
    let dir = std::env::temp_dir().join(format!("scim-crash-safety-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("crash.db");
    let database = format!("sqlite://{}", file.display());
    every_acknowledged_write_survives_kill_9(&database, || assert_eq!(integrity_check(&file), "ok"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same for a server on PostgreSQL: a 2xx is sent only after the transaction committed, and
/// PostgreSQL's commit is durable (its own `synchronous_commit`, on by default), so the server's
/// process dying loses nothing it acknowledged. The database's consistency is PostgreSQL's own
/// concern; no check of the storage besides reading every write back.
#[test]
#[ignore = "kills a server under write load (a few seconds); scripts/test runs it with --ignored"]
fn every_acknowledged_write_survives_kill_9_of_a_postgresql_server() {
    let Some(url) = postgres_test_url("the PostgreSQL crash-safety test") else { return };
    let database = fresh_schema(&url, "crash_safety");
    every_acknowledged_write_survives_kill_9(&database, || {});
}
