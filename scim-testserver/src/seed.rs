//! Fill a store with deterministic users and groups through [`Store::import`] (the bulk-load
//! path, one transaction per resource, no HTTP), so the load benchmark can name any of them.
//! `jobs` imports run at once (PostgreSQL takes a million users in minutes that way; SQLite
//! has one writer, so one job is as fast there).
//!
//! User `i` has id [`user_id`]`(i)` and userName [`user_name`]`(i)`. Users `0..users` come
//! first, then `spare` users that no group contains (the members the benchmark adds).
//! Group `group-small` has users `0..10`; `group-large` has users `0..group_members`.

use std::sync::Arc;

use scim::store::{ResourceKind, Scope, Store};
use scim::typed::ResourceDescriptor;
use serde_json::{Value, json};

use crate::{TENANT, descriptors};

/// How many members `group-small` has.
pub const SMALL_GROUP: usize = 10;

/// The id of user `i`: UUID-shaped, as Entra ID and most servers make them.
pub fn user_id(i: usize) -> String {
    format!("{i:08x}-0000-4000-8000-{i:012x}")
}

/// The userName of user `i`.
pub fn user_name(i: usize) -> String {
    format!("user{i:06}@example.com")
}

/// The store's view of a resource type, computed as the server computes it (so the seeded
/// rows land in the tables and indexes the server reads).
fn kind(descriptor: &ResourceDescriptor) -> Result<Arc<ResourceKind>, String> {
    let filterable = descriptor.filter_support().index_paths();
    ResourceKind::new(descriptor.resource_schema().clone(), &filterable).map(Arc::new).map_err(|e| e.detail)
}

/// An Entra ID-like user.
fn user(i: usize) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": user_id(i),
        "externalId": format!("ext-{i}"),
        "userName": user_name(i),
        "active": true,
        "displayName": format!("User {i}"),
        "name": {"givenName": "User", "familyName": format!("Number{i}"), "formatted": format!("User Number{i}")},
        "emails": [{"value": user_name(i), "type": "work", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"),
            "department": format!("Department {}", i % 50)
        }
    })
}

fn group(id: &str, name: &str, members: usize) -> Value {
    let members: Vec<Value> = (0..members).map(|i| json!({"value": user_id(i), "type": "User"})).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": id,
        "displayName": name,
        "members": members
    })
}

/// Seed `users + spare` users and the two groups, `jobs` imports at a time; does nothing when
/// user 0 exists already.
pub async fn seed(
    store: &Arc<dyn Store>,
    users: usize,
    group_members: usize,
    spare: usize,
    jobs: usize,
) -> Result<(), String> {
    let user_kind = kind(descriptors::user())?;
    let group_kind = kind(descriptors::group())?;
    store.register(&[user_kind.clone(), group_kind.clone()]).await.map_err(|e| e.detail)?;
    let users_scope = Scope::new(TENANT, &user_kind);
    if store.get(users_scope, &user_id(0), Default::default()).await.is_ok() {
        eprintln!("scim-testserver: already seeded");
        return Ok(());
    }
    let total = users + spare;
    let jobs = jobs.max(1);
    let mut running = tokio::task::JoinSet::new();
    for job in 0..jobs {
        let (store, kind) = (store.clone(), user_kind.clone());
        // Job `job` imports users job, job + jobs, job + 2 jobs, ...
        running.spawn(async move {
            for i in (job..total).step_by(jobs) {
                let scope = Scope::new(TENANT, &kind);
                store.import(scope, user(i)).await.map_err(|e| format!("seeding user {i}: {}", e.detail))?;
                if job == 0 && (i / jobs + 1).is_multiple_of(100_000 / jobs) {
                    eprintln!("scim-testserver: about {} of {total} users", i + 1);
                }
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = running.join_next().await {
        done.map_err(|e| format!("a seeding job failed: {e}"))??;
    }
    let groups_scope = Scope::new(TENANT, &group_kind);
    let small = group("group-small", "Small group", SMALL_GROUP.min(users));
    store.import(groups_scope, small).await.map_err(|e| e.detail)?;
    if group_members > 0 {
        let large = group("group-large", "Large group", group_members.min(users));
        store.import(groups_scope, large).await.map_err(|e| e.detail)?;
    }
    eprintln!("scim-testserver: seeded {total} users and the groups");
    Ok(())
}
