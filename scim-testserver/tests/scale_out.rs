//! Two server processes on one PostgreSQL database behave as one server (issue 12 point 4):
//! with concurrent requests split between them, 64 creates of one userName in case variants
//! give one 201 and 63 `409 uniqueness`; what one process writes the other reads; 400
//! concurrent member adds from both all land; and a write with an ETag the other process has
//! made stale gets 412.
//!
//! Needs `SCIM_TEST_POSTGRES_URL` (`scripts/pg` and `scripts/test` provide one). Without it the
//! test fails when `SCIM_TEST_REQUIRE_POSTGRES=1` and otherwise skips, saying so on stderr.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use common::fresh_schema;
use scim::testkit::postgres_test_url;
use scim_example_testkit::{GROUP_URN, Reply, Server, TOKEN, USER_URN, spawn_listening};
use serde_json::{Value, json};

/// Threads sending requests at once, across both servers.
const CLIENTS: usize = 32;

fn start(database: &str) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-testserver"));
    command.args(["serve", "--database", database, "--listen", "127.0.0.1:0", "--token", TOKEN]);
    command.args(["--group-patch-status", "204"]);
    spawn_listening(command)
}

/// `count` requests made by `request(i, server)` from [`CLIENTS`] threads, request `i` going to
/// server `i % 2`; the replies in request order.
fn concurrently(servers: [&Server; 2], count: usize, request: impl Fn(usize, &Server) -> Reply + Sync) -> Vec<Reply> {
    let next = AtomicUsize::new(0);
    let mut replies: Vec<(usize, Reply)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            return done;
                        }
                        done.push((i, request(i, servers[i % 2])));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a client thread")).collect()
    });
    replies.sort_by_key(|(i, _)| *i);
    replies.into_iter().map(|(_, reply)| reply).collect()
}

/// `name` with the letters whose bit in `mask` is set upper-cased.
fn case_variant(name: &str, mask: usize) -> String {
    name.chars()
        .enumerate()
        .map(|(k, c)| if (mask >> (k % 64)) & 1 == 1 { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn statuses(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(|r| r.status).collect()
}

#[test]
fn two_processes_on_one_database_behave_as_one_server() {
    let Some(url) = postgres_test_url("the scale-out test") else { return };
    let database = fresh_schema(&url, "scale_out");
    let a = start(&database);
    let b = start(&database);
    let servers = [&a, &b];

    // 64 creates of one userName in case variants: one wins, the rest are uniqueness conflicts.
    let name = "scale.out@example.com";
    let creates = concurrently(servers, 64, |i, server| {
        server.post("/Users", &json!({"schemas": [USER_URN], "userName": case_variant(name, i)}))
    });
    let created: Vec<&Reply> = creates.iter().filter(|r| r.status == 201).collect();
    assert_eq!(created.len(), 1, "{:?}", statuses(&creates));
    for conflict in creates.iter().filter(|r| r.status != 201) {
        conflict.assert_error(409, Some("uniqueness"));
    }
    let user = created[0].body.clone();
    let user_id = user["id"].as_str().expect("an id").to_owned();

    // What one process wrote, the other reads (by id, and by Entra's filter in any case).
    for server in servers {
        assert_eq!(server.get(&format!("/Users/{user_id}")).body["id"], user_id);
        let found = server.search("/Users", &format!("userName eq \"{}\"", name.to_uppercase()));
        assert_eq!(found.len(), 1, "{found:?}");
    }

    // 400 member adds from both processes at once all land.
    let members = concurrently(servers, 400, |i, server| {
        server.post("/Users", &json!({"schemas": [USER_URN], "userName": format!("member{i}@example.com")}))
    });
    assert!(members.iter().all(|r| r.status == 201), "{:?}", statuses(&members));
    let group = b.post("/Groups", &json!({"schemas": [GROUP_URN], "displayName": "Everyone"}));
    assert_eq!(group.status, 201, "{}", group.body);
    let group_path = format!("/Groups/{}", group.body["id"].as_str().expect("an id"));
    let adds = concurrently(servers, members.len(), |i, server| {
        let member = &members[i].body["id"];
        server.patch(&group_path, json!([{"op": "add", "path": "members", "value": [{"value": member}]}]))
    });
    assert!(adds.iter().all(|r| r.status == 204), "{:?}", statuses(&adds));
    let stored = a.get(&group_path);
    let mut landed: Vec<&str> = stored.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["value"].as_str().unwrap_or_default())
        .collect();
    landed.sort_unstable();
    let mut expected: Vec<&str> = members.iter().map(|r| r.body["id"].as_str().unwrap_or_default()).collect();
    expected.sort_unstable();
    assert_eq!(landed, expected);
    // Each add was its own version.
    assert_eq!(stored.body["meta"]["version"], "W/\"401\"", "{}", stored.body["meta"]);

    // A write with an ETag the other process has made stale: 412, and nothing changes.
    let stale = user["meta"]["version"].as_str().expect("a version").to_owned();
    let replaced = request_with_if_match(
        &b,
        "PUT",
        &format!("/Users/{user_id}"),
        &json!({"schemas": [USER_URN], "userName": name, "displayName": "B"}),
        &stale,
    );
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let refused = request_with_if_match(
        &a,
        "PATCH",
        &format!("/Users/{user_id}"),
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "displayName", "value": "A"}]}),
        &stale,
    );
    refused.assert_error(412, None);
    assert_eq!(a.get(&format!("/Users/{user_id}")).body["displayName"], "B");
}

/// A request with `If-Match` (the testkit's requests carry no such header).
fn request_with_if_match(server: &Server, method: &str, path: &str, body: &Value, etag: &str) -> Reply {
    server.request_with_headers(method, path, Some(body), &[("If-Match", etag)])
}
