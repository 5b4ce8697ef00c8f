//! Rotating the bearer token without a restart, in a real server process: the tokens are in a
//! `--token-file`, which the server rereads on SIGHUP. During a rotation the old and the new
//! token are both valid; once the old one is removed from the file and the server reloads it,
//! it is refused.

use std::time::{Duration, Instant};

use scim_example_testkit::{Example, Server};

/// The status of `GET /Users` sent with `token`.
fn status_with(server: &Server, token: &str) -> u16 {
    server.request_with_token(Some(token), "GET", "/Users", None).status
}

/// Wait (up to ten seconds) until `token` gets `expected`: the reload runs on the server's own
/// time after the signal.
fn eventually(server: &Server, token: &str, expected: u16) {
    let start = Instant::now();
    while status_with(server, token) != expected {
        assert!(start.elapsed() < Duration::from_secs(10), "{token} never got {expected}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tokens_rotate_by_editing_the_token_file_and_sending_sighup() {
    let example = Example::new(env!("CARGO_BIN_EXE_alvao-scim"));
    let file = example.dir().join("tokens");
    std::fs::write(&file, "# Entra ID's secret token\nold-token\n").unwrap();
    let args = ["--listen", "127.0.0.1:0", "--database", "sqlite::memory:", "--token-file", file.to_str().unwrap()];
    let server = example.start_exactly(&args, &[]);
    // The banner does not print a token from a file.
    assert!(server.curl.contains("Bearer <token>") && !server.curl.contains("old-token"), "{}", server.curl);
    assert_eq!(status_with(&server, "old-token"), 200);
    assert_eq!(status_with(&server, "new-token"), 401);

    // Step 1: the new token joins the old; both are valid at once.
    std::fs::write(&file, "old-token\nnew-token\n").unwrap();
    server.signal("HUP");
    eventually(&server, "new-token", 200);
    assert_eq!(status_with(&server, "old-token"), 200);

    // Step 2: every client has the new token; the old one is removed and refused.
    std::fs::write(&file, "new-token\n").unwrap();
    server.signal("HUP");
    eventually(&server, "old-token", 401);
    assert_eq!(status_with(&server, "new-token"), 200);

    // A file broken by a bad edit keeps the tokens that were valid.
    std::fs::write(&file, "new-token\nthree words here\n").unwrap();
    server.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status_with(&server, "new-token"), 200);
    assert_eq!(status_with(&server, "here"), 401);
}

#[test]
fn several_tokens_from_the_environment_are_valid_at_once() {
    let example = Example::new(env!("CARGO_BIN_EXE_alvao-scim"));
    let args = ["--listen", "127.0.0.1:0", "--database", "sqlite::memory:"];
    let server = example.start_exactly(&args, &[("SCIM_TOKENS", "old-token,new-token")]);
    assert!(!server.curl.contains("old-token") && !server.curl.contains("new-token"), "{}", server.curl);
    assert_eq!(status_with(&server, "old-token"), 200);
    assert_eq!(status_with(&server, "new-token"), 200);
    assert_eq!(status_with(&server, "old-token,new-token"), 401);
}
