//! Users created as a load, to compare the two ways of creating them: `single` sends one `POST
//! /Users` per user, `bulk` sends `POST /Bulk` requests of as many `POST` operations as the
//! server advertises (`maxOperations`, kept under `maxPayloadSize`). Both send the same user
//! bodies as [`crate::cycle`] over `connections` blocking clients, and check every user was
//! created (`201`, in the response or in each Bulk operation). The caller measures the
//! server's CPU around the run (scripts/loadbench-bulk).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};

use crate::BASE_PATH;
use crate::cycle::{agent, user};

/// How users are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Single,
    Bulk,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode, String> {
        match text {
            "single" => Ok(Mode::Single),
            "bulk" => Ok(Mode::Bulk),
            _ => Err(format!("--mode is single or bulk, not {text:?}")),
        }
    }
}

/// The server's advertised Bulk limits: (`maxOperations`, `maxPayloadSize`).
fn bulk_limits(agent: &ureq::Agent, url: &str, authorization: &str) -> Result<(usize, usize), String> {
    let config = format!("{url}{BASE_PATH}/ServiceProviderConfig");
    let mut reply =
        agent.get(&config).header("Authorization", authorization).call().map_err(|e| format!("GET {config}: {e}"))?;
    let body = reply.body_mut().read_to_string().map_err(|e| format!("GET {config}: {e}"))?;
    let body: Value = serde_json::from_str(&body).map_err(|e| format!("GET {config}: {e}"))?;
    let bulk = &body["bulk"];
    let limit = |name: &str| bulk[name].as_u64().and_then(|n| usize::try_from(n).ok()).filter(|n| *n > 0);
    match (bulk["supported"].as_bool(), limit("maxOperations"), limit("maxPayloadSize")) {
        (Some(true), Some(operations), Some(payload)) => Ok((operations, payload)),
        _ => Err(format!("{config} does not advertise Bulk with its limits: {bulk}")),
    }
}

/// The Bulk requests for users `0..users`: each holds at most `max_operations` operations and
/// stays under `max_payload_size` bytes.
fn bulk_bodies(prefix: &str, users: usize, max_operations: usize, max_payload_size: usize) -> Vec<(usize, String)> {
    // The envelope without operations, and a margin for the commas between them.
    let envelope = 100;
    let mut bodies = Vec::new();
    let mut operations: Vec<String> = Vec::new();
    let mut size = envelope;
    let flush = |operations: &mut Vec<String>, bodies: &mut Vec<(usize, String)>| {
        if !operations.is_empty() {
            let body = format!(
                "{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"],\"Operations\":[{}]}}",
                operations.join(",")
            );
            bodies.push((operations.len(), body));
            operations.clear();
        }
    };
    for i in 0..users {
        let operation =
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": user(prefix, i)}).to_string();
        if operations.len() == max_operations || size + operation.len() + 1 > max_payload_size {
            flush(&mut operations, &mut bodies);
            size = envelope;
        }
        size += operation.len() + 1;
        operations.push(operation);
    }
    flush(&mut operations, &mut bodies);
    bodies
}

/// Create `users` users at the server at `url` (`http://HOST:PORT`) as `mode` says.
pub fn run(url: &str, token: &str, users: usize, connections: usize, prefix: &str, mode: Mode) -> Result<(), String> {
    let agent = agent();
    let authorization = format!("Bearer {token}");
    let url = url.trim_end_matches('/');
    // Each request is a list of (operation count, body), taken by the clients in turn.
    let requests: Vec<(usize, String)> = match mode {
        Mode::Single => (0..users).map(|i| (1, user(prefix, i).to_string())).collect(),
        Mode::Bulk => {
            let (max_operations, max_payload_size) = bulk_limits(&agent, url, &authorization)?;
            bulk_bodies(prefix, users, max_operations, max_payload_size)
        }
    };
    let endpoint = match mode {
        Mode::Single => format!("{url}{BASE_PATH}/Users"),
        Mode::Bulk => format!("{url}{BASE_PATH}/Bulk"),
    };
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|threads| {
        let workers: Vec<_> = (0..connections.max(1))
            .map(|_| {
                let (agent, next, authorization, requests, endpoint) =
                    (agent.clone(), &next, &authorization, &requests, &endpoint);
                threads.spawn(move || -> Result<(), String> {
                    while let Some((count, body)) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let mut reply = agent
                            .post(endpoint)
                            .header("Authorization", authorization)
                            .header("Content-Type", "application/scim+json")
                            .send(body.as_str())
                            .map_err(|e| format!("POST {endpoint}: {e}"))?;
                        let status = reply.status().as_u16();
                        match mode {
                            Mode::Single if status == 201 => {}
                            Mode::Bulk if status == 200 => {
                                let text =
                                    reply.body_mut().read_to_string().map_err(|e| format!("POST {endpoint}: {e}"))?;
                                let response: Value =
                                    serde_json::from_str(&text).map_err(|e| format!("POST {endpoint}: {e}"))?;
                                let operations = response["Operations"].as_array().map_or(&[][..], Vec::as_slice);
                                let created = operations.iter().filter(|o| o["status"] == "201").count();
                                if created != *count {
                                    let failed = operations.iter().find(|o| o["status"] != "201");
                                    return Err(format!(
                                        "POST {endpoint}: {created} of {count} users created; first failure: {}",
                                        failed.map_or_else(|| "none listed".to_owned(), Value::to_string)
                                    ));
                                }
                            }
                            _ => {
                                let text = reply.body_mut().read_to_string().unwrap_or_default();
                                return Err(format!("POST {endpoint}: status {status}: {text}"));
                            }
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| worker.join().map_err(|_| "a client thread panicked".to_owned())?)
    })?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "create: {users} users by {} ({} requests, {connections} connections): {seconds:.1} s, {:.0} users/s",
        match mode {
            Mode::Single => "single POSTs",
            Mode::Bulk => "Bulk requests",
        },
        requests.len(),
        users as f64 / seconds
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches respect both advertised limits and hold every user once, in order.
    #[test]
    fn bulk_bodies_keep_to_max_operations_and_max_payload_size() {
        let one = json!({"method": "POST", "path": "/Users", "bulkId": "u0", "data": user("p", 0)}).to_string().len();
        for (max_operations, max_payload_size) in [(1000, 4 << 20), (7, 4 << 20), (1000, 100 + 3 * (one + 1))] {
            let bodies = bulk_bodies("p", 25, max_operations, max_payload_size);
            let mut seen = Vec::new();
            for (count, body) in &bodies {
                assert!(
                    *count <= max_operations && body.len() <= max_payload_size,
                    "{count} ops, {} bytes",
                    body.len()
                );
                let parsed: Value = serde_json::from_str(body).unwrap();
                let operations = parsed["Operations"].as_array().unwrap();
                assert_eq!(operations.len(), *count);
                seen.extend(operations.iter().map(|o| o["data"]["userName"].as_str().unwrap().to_owned()));
            }
            let expected: Vec<String> = (0..25).map(|i| crate::cycle::user_name("p", i)).collect();
            assert_eq!(seen, expected, "limits {max_operations}, {max_payload_size}");
        }
    }
}
