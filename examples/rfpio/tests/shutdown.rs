//! Graceful shutdown of a generated server (`scim::server::launch`): SIGTERM lets the request
//! in flight finish, exits 0, and what it wrote is in the SQLite file the next run opens.
#![cfg(unix)]

use scim_example_testkit::{Example, drains_a_request_in_flight_on_sigterm, encode};

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    let example = Example::new(env!("CARGO_BIN_EXE_rfpio-scim"));
    let server = example.start_with(&["--listen", "127.0.0.1:0", "--shutdown-timeout", "10"]);
    drains_a_request_in_flight_on_sigterm(server);
    let server = example.start();
    let found = server.get(&format!("/Users?filter={}", encode("userName eq \"in.flight@example.com\"")));
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
}
