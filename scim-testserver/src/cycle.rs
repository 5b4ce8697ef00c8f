//! Entra ID's first provisioning cycle as a load: for each new user, `GET
//! /Users?filter=userName eq "..."` (which finds nothing), then `POST /Users`. `connections`
//! blocking clients share the users; client `c` talks to server `c % urls` (so that two server
//! processes on one database each get half). Prints the users created per second.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::BASE_PATH;

/// One user's userName in this run: `prefix` keeps runs on one database apart.
pub(crate) fn user_name(prefix: &str, i: usize) -> String {
    format!("{prefix}{i:07}@example.com")
}

/// The user Entra ID would create; `create` sends the same, alone or in Bulk operations.
pub(crate) fn user(prefix: &str, i: usize) -> serde_json::Value {
    let name = user_name(prefix, i);
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": format!("{prefix}-{i}"),
        "active": true,
        "displayName": format!("Cycle user {i}"),
        "name": {"givenName": "Cycle", "familyName": format!("User{i}")},
        "emails": [{"value": name, "type": "work", "primary": true}]
    })
}

/// A blocking client that hands every status back (the callers check them) and gives up on a
/// request after 30 seconds.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Run the cycle for `users` users against the servers at `urls` (`http://HOST:PORT`).
pub fn run(urls: &[String], token: &str, users: usize, connections: usize, prefix: &str) -> Result<(), String> {
    if urls.is_empty() {
        return Err("--url is required".into());
    }
    let agent = agent();
    let next = AtomicUsize::new(0);
    let authorization = format!("Bearer {token}");
    let started = Instant::now();
    let outcome: Result<(), String> = std::thread::scope(|threads| {
        let workers: Vec<_> = (0..connections.max(1))
            .map(|c| {
                let (agent, next, authorization) = (agent.clone(), &next, &authorization);
                let base = format!("{}{BASE_PATH}/Users", urls[c % urls.len()].trim_end_matches('/'));
                threads.spawn(move || -> Result<(), String> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= users {
                            return Ok(());
                        }
                        let filter = format!("{base}?filter=userName%20eq%20%22{}%22", user_name(prefix, i));
                        let found = agent
                            .get(&filter)
                            .header("Authorization", authorization)
                            .call()
                            .map_err(|e| format!("GET {filter}: {e}"))?;
                        if found.status().as_u16() != 200 {
                            return Err(format!("GET {filter}: status {}", found.status()));
                        }
                        let created = agent
                            .post(&base)
                            .header("Authorization", authorization)
                            .header("Content-Type", "application/scim+json")
                            .send(user(prefix, i).to_string())
                            .map_err(|e| format!("POST {base}: {e}"))?;
                        if created.status().as_u16() != 201 {
                            return Err(format!("POST {base} (user {i}): status {}", created.status()));
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| worker.join().map_err(|_| "a client thread panicked".to_owned())?)
    });
    outcome?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "cycle: {users} users (filter, then create) over {} server(s), {connections} connections: {seconds:.1} s, {:.0} users/s",
        urls.len(),
        users as f64 / seconds
    );
    Ok(())
}
