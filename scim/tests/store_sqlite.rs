//! What only the SQLite store has: files in WAL mode, schema evolution between runs, and the
//! safety of its SQL.

mod store_common;

use scim::error::ScimType;
use scim::store::{GetOptions, SqliteStore, Store, StoreQuery};
use serde_json::{Value, json};
use store_common::*;

/// A fresh database file path under the system temp directory.
fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("scim-store-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir.join("scim.db")
}

/// Users regenerate their server after changing the filter support table: the next start
/// indexes the new attribute and fills its column from what is stored; nothing is lost.
#[tokio::test]
async fn a_newly_indexed_attribute_is_backfilled_on_the_next_start() {
    let path = temp_db("evolution");
    let url = format!("sqlite://{}", path.display());
    let id = {
        let store = SqliteStore::connect(&url).await.unwrap();
        let id = evolution_first_run(&store).await;
        store.pool().close().await;
        id
    };
    let store = SqliteStore::connect(&url).await.unwrap();
    evolution_next_run(&store, &id).await;
    // The file is in WAL mode.
    let mode: (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode.0, "wal");
    store.pool().close().await;
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn an_unregistered_resource_type_is_a_server_error_not_a_panic() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    let error = store.create(users("t"), json!({"userName": "x"})).await.unwrap_err();
    assert_eq!(error.status, 500);
    assert!(error.detail.contains("not registered"), "{}", error.detail);
}

/// Member deltas touch one row: the group document is not rewritten with its members (they are
/// not in it), so the cost does not grow with the group.
#[tokio::test]
async fn members_live_in_their_own_table() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.register(std::slice::from_ref(&*GROUPS)).await.unwrap();
    let scope = groups("t");
    let group = store.create(scope, json!({"displayName": "big"})).await.unwrap();
    let id = group["id"].as_str().unwrap();
    let members: Vec<_> = (0..500).map(|i| json!({"value": format!("u{i}")})).collect();
    store.add_members(scope, id, &members).await.unwrap();
    let (doc,): (String,) =
        sqlx::query_as("SELECT doc FROM scim_groups WHERE id = ?").bind(id).fetch_one(store.pool()).await.unwrap();
    assert!(!doc.contains("u499"), "the document must not hold members: {doc}");
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM scim_groups__members WHERE id = ?")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 500);
    let full = store.get(scope, id, GetOptions::default()).await.unwrap();
    assert_eq!(full["members"].as_array().map(Vec::len), Some(500));
    let page = list_filtered(&store, scope, r#"members[value eq "u250"]"#, |_| {}).await.unwrap();
    assert_eq!(page.total_results, 1);
    let all = store.list(scope, &StoreQuery::default()).await.unwrap();
    assert_eq!(all.resources[0]["members"][499]["value"], "u499");
}

/// Users' `groups` are read by member through the members table's index by member (made at
/// registration, also for tables made before it), never by scanning every membership of the
/// tenant; the memberships come back right.
#[tokio::test]
async fn memberships_are_read_through_the_index_by_member() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    let scope = groups("t");
    let made = |name: &str, members: &[&str]| {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members})
    };
    let sales = store.create(scope, made("Sales", &["u1", "u2"])).await.unwrap();
    let admins = store.create(scope, made("Admins", &["u2"])).await.unwrap();
    store.create(groups("other"), made("Elsewhere", &["u2"])).await.unwrap();

    let plan = store.explain_memberships(scope, &["u1", "u2", "u3"]).await.unwrap();
    let text = plan.join("\n");
    assert!(text.contains("scim_groups__members__by_member__idx"), "{text}");
    assert!(!plan.iter().any(|step| step.starts_with("SCAN") && !step.contains("INDEX")), "{text}");

    let found = store.memberships(scope, &["u1", "u2", "u3"]).await.unwrap().unwrap();
    let found: Vec<(&str, &str, Option<&str>)> =
        found.iter().map(|m| (m.member.as_str(), m.group.as_str(), m.display.as_deref())).collect();
    let (sales, admins) = (sales["id"].as_str().unwrap(), admins["id"].as_str().unwrap());
    let mut expected = vec![("u1", sales, Some("Sales")), ("u2", sales, Some("Sales")), ("u2", admins, Some("Admins"))];
    let mut found = found;
    found.sort();
    expected.sort();
    assert_eq!(found, expected);

    // Read with the users themselves: the same index, per user, in the groups' creation order,
    // and only the caller's tenant's groups.
    let users_scope = users("t");
    let plan = store.explain_list_with_memberships(users_scope, &StoreQuery::default(), &GROUPS).await.unwrap();
    let text = plan.join("\n");
    assert!(text.contains("scim_groups__members__by_member__idx"), "{text}");
    assert!(!plan.iter().any(|step| step.contains("SCAN m") || step.contains("SCAN g")), "{text}");
    let user = |id: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": id});
    let u1 = store.import(users_scope, user("u1")).await.unwrap();
    store.import(users_scope, user("u2")).await.unwrap();
    let read = store.get_with_memberships(users_scope, "u1", GetOptions::default(), &GROUPS).await.unwrap();
    assert_eq!(read.read.version(), u1["meta"]["version"].as_str());
    let groups_of = |memberships: &[scim::store::Membership]| -> Vec<(String, String, Option<String>)> {
        memberships.iter().map(|m| (m.member.clone(), m.group.clone(), m.display.clone())).collect()
    };
    let own =
        |member: &str, group: &str, display: &str| (member.to_owned(), group.to_owned(), Some(display.to_owned()));
    assert_eq!(groups_of(&read.memberships.unwrap()), [own("u1", sales, "Sales")]);
    let page = store.list_with_memberships(users_scope, &StoreQuery::default(), &GROUPS).await.unwrap();
    assert_eq!(page.read.resources.len(), 2);
    assert_eq!(
        groups_of(&page.memberships.unwrap()),
        [own("u1", sales, "Sales"), own("u2", sales, "Sales"), own("u2", admins, "Admins")]
    );
}

/// A filter on users' `groups` (`groups.value eq "g"`) is one `EXISTS` per user on the members
/// table, read through its index by member (never a scan of the members), with the group id a
/// bound parameter; it finds exactly the users the group lists, in the caller's tenant only,
/// ignoring the case of the id as the schema's `caseExact` false says.
#[tokio::test]
async fn membership_filters_are_read_through_the_index_by_member() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    assert!(store.answers_membership_filters(&GROUPS));
    let user = |name: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name});
    let alice = store.create(users("t"), user("alice")).await.unwrap();
    let bob = store.create(users("t"), user("bob")).await.unwrap();
    let elsewhere = store.create(users("other"), user("alice")).await.unwrap();
    let group = |name: &str, members: &[&Value]| {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m["id"]})).collect();
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members})
    };
    let sales = store.create(groups("t"), group("Sales", &[&alice, &elsewhere])).await.unwrap();
    store.create(groups("other"), group("Sales", &[&elsewhere, &bob])).await.unwrap();
    let sales_id = sales["id"].as_str().unwrap();

    let filter = format!("groups.value eq \"{}\"", sales_id.to_uppercase());
    let parsed = scim::filter::parse_filter(&filter).unwrap();
    let resolved = scim::filter::resolve_filter(&parsed, &USERS.schema).unwrap();
    let query = StoreQuery { filter: Some(&resolved), memberships: Some(&GROUPS), ..StoreQuery::default() };
    let plan = store.explain_list(users("t"), &query).await.unwrap();
    let text = plan.join("\n");
    assert!(text.contains("scim_groups__members__by_member__idx (tenant=? AND c_value=?)"), "{text}");
    assert!(!plan.iter().any(|step| step.contains("scim_groups__members") && step.starts_with("SCAN")), "{text}");

    let found = store.list(users("t"), &query).await.unwrap();
    let names: Vec<&Value> = found.resources.iter().map(|r| &r["userName"]).collect();
    assert_eq!(names, [&json!("alice")]);
    assert_eq!(found.total_results, 1);

    // Groups of two tenants with the same id: each matches its own tenant's users only, even
    // where the other tenant's group lists the same member ids.
    let shared = |members: &[&Value]| {
        let mut group = group("Shared", members);
        group["id"] = json!("shared-id");
        group
    };
    store.import(groups("t"), shared(&[&alice])).await.unwrap();
    store.import(groups("other"), shared(&[&bob, &elsewhere])).await.unwrap();
    let parsed = scim::filter::parse_filter("groups.value eq \"SHARED-ID\"").unwrap();
    let resolved_shared = scim::filter::resolve_filter(&parsed, &USERS.schema).unwrap();
    let query = StoreQuery { filter: Some(&resolved_shared), memberships: Some(&GROUPS), ..StoreQuery::default() };
    let found = store.list(users("t"), &query).await.unwrap();
    assert_eq!(found.resources.iter().map(|r| &r["userName"]).collect::<Vec<_>>(), [&json!("alice")]);
    let found = store.list(users("other"), &query).await.unwrap();
    assert_eq!(found.resources.iter().map(|r| &r["id"]).collect::<Vec<_>>(), [&elsewhere["id"]]);

    // Without the group kind, `groups` is an ordinary attribute no store holds: refused.
    let plain = StoreQuery { filter: Some(&resolved), ..StoreQuery::default() };
    assert_eq!(store.list(users("t"), &plain).await.unwrap_err().scim_type, Some(ScimType::InvalidFilter));
    // A store that does not keep the group kind refuses it too.
    let other = SqliteStore::connect("sqlite::memory:").await.unwrap();
    other.register(std::slice::from_ref(&USERS)).await.unwrap();
    assert!(!other.answers_membership_filters(&GROUPS));
    let query = StoreQuery { filter: Some(&resolved), memberships: Some(&GROUPS), ..StoreQuery::default() };
    let error = other.list(users("t"), &query).await.unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
    assert!(error.detail.contains("not kept in this store"), "{error:?}");
}

/// The lookups Entra ID and Okta make on every sync are index searches, never scans, so their
/// cost does not grow with the number of users (RFC 7644 filters pushed down to SQL).
#[tokio::test]
async fn common_filters_are_answered_from_indexes() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    let cases = [
        (users("t"), r#"userName eq "bjensen""#),
        (users("t"), r#"externalId eq "x""#),
        (users("t"), r#"emails.value eq "a@x.org""#),
        (users("t"), r#"emails[type eq "work"].value eq "a@x.org""#),
        (users("t"), r#"userName sw "bj""#),
        (groups("t"), r#"displayName eq "Sales""#),
        (groups("t"), r#"members[value eq "u1"]"#),
    ];
    for (scope, filter) in cases {
        let parsed = scim::filter::parse_filter(filter).unwrap();
        let resolved = scim::filter::resolve_filter(&parsed, &scope.kind.schema).unwrap();
        let query = StoreQuery { filter: Some(&resolved), ..StoreQuery::default() };
        let plan = store.explain_list(scope, &query).await.unwrap();
        let text = plan.join("\n");
        assert!(text.contains("USING INDEX") || text.contains("USING COVERING INDEX"), "{filter}:\n{text}");
        let scans_table = plan.iter().any(|step| step.starts_with("SCAN") && !step.contains("INDEX"));
        assert!(!scans_table, "{filter} scans a table:\n{text}");
        // Some search narrows by more than the tenant: by the attribute (or by id, driven by
        // an indexed subquery on the attribute).
        let narrowed = plan.iter().any(|step| step.starts_with("SEARCH") && !step.ends_with("(tenant=?)"));
        assert!(narrowed, "{filter} reads every resource of the tenant:\n{text}");
        let subqueries_narrowed =
            plan.iter().filter(|step| step.starts_with("SEARCH s ")).all(|step| !step.ends_with("(tenant=?)"));
        assert!(subqueries_narrowed, "{filter} reads every element of the tenant:\n{text}");
    }
}

/// A file database reads through a memory map of up to 2 GiB (SQLite's most) and keeps at most 512 KiB of
/// pages per connection beyond it, so that the server's own memory stays flat as the file
/// grows (a million users is 2 GB of file; SQLite's default page cache of 2 000 KiB per
/// connection added 19 MiB).
#[tokio::test]
async fn file_databases_are_read_through_the_map_with_a_small_page_cache() {
    let dir = std::env::temp_dir().join(format!("scim-pragmas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}", dir.join("p.db").display())).await.unwrap();
    let mut connection = store.pool().acquire().await.unwrap();
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *connection).await.unwrap();
    let map: i64 = sqlx::query_scalar("PRAGMA mmap_size").fetch_one(&mut *connection).await.unwrap();
    assert_eq!((cache, map), (-512, 0x7fff_0000));
    drop(connection);
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The pool hands a connection out without pinging it first (sqlx's default), for files and
/// memory alike: the ping is a round trip to the connection's worker thread that a SQLite
/// connection, a file handle in this process, has no need of.
#[tokio::test]
async fn connections_are_handed_out_without_a_ping() {
    let path = temp_db("no-ping");
    let file = SqliteStore::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let memory = SqliteStore::connect("sqlite::memory:").await.unwrap();
    for store in [&file, &memory] {
        assert!(!store.pool().options().get_test_before_acquire());
        // And a connection still works when handed out that way.
        let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(store.pool()).await.unwrap();
        assert_eq!(one, 1);
    }
    file.close().await;
    memory.close().await;
}

/// Every user's memberships as the store reads them with the user (from the column kept on the
/// user's row) and as the groups' member lists say (`Store::memberships`), by tenant.
async fn kept_and_listed(
    store: &SqliteStore,
    tenant: &str,
    ids: &[&str],
) -> Vec<(String, Vec<(String, String)>, Vec<(String, String)>)> {
    let pairs = |memberships: &[scim::store::Membership]| -> Vec<(String, String)> {
        let mut pairs: Vec<_> =
            memberships.iter().map(|m| (m.group.clone(), m.display.clone().unwrap_or_default())).collect();
        pairs.sort();
        pairs
    };
    let mut out = Vec::new();
    for id in ids {
        let read = store.get_with_memberships(users(tenant), id, GetOptions::default(), &GROUPS).await;
        let Ok(read) = read else { continue };
        let kept = pairs(&read.memberships.unwrap_or_default());
        let listed = pairs(&store.memberships(groups(tenant), &[id]).await.unwrap().unwrap());
        out.push(((*id).to_owned(), kept, listed));
    }
    out
}

/// SQLite keeps each user's memberships in a column of the user's row (so a GET of a user reads
/// one row). Every write that changes what the member lists say of a user rewrites it: after
/// each step, what a read of every user shows equals what the member lists say, in both
/// tenants, and no user row is left without its column.
#[tokio::test]
async fn kept_memberships_follow_every_write_of_groups_and_users() {
    use scim::patch::PatchOperation;
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    let ids = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "late"];
    let user = |id: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id, "userName": id});
    let group = |id: &str, name: &str, members: &[&str]| {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id, "type": "User"})).collect();
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": id, "displayName": name, "members": members})
    };
    for id in &ids[..8] {
        store.import(users("t"), user(id)).await.unwrap();
        store.import(users("other"), user(id)).await.unwrap();
    }
    let add = |ids: &[&str]| {
        let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
        vec![PatchOperation::add(Some("members"), Value::Array(members)).unwrap()]
    };
    let patch = |group: &'static str, ops: Vec<PatchOperation>| {
        let store = &store;
        async move { store.patch(groups("t"), group, &ops, None, GetOptions::default()).await.unwrap() }
    };
    let mut steps = 0;
    let mut check = async |step: &str| {
        steps += 1;
        for tenant in ["t", "other"] {
            for (id, kept, listed) in kept_and_listed(&store, tenant, &ids).await {
                assert_eq!(kept, listed, "{step}: user {id} of {tenant}");
            }
        }
        let (unfilled,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM scim_users WHERE groups_in_scim_groups IS NULL")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(unfilled, 0, "{step}");
    };

    store.import(groups("t"), group("ga", "A", &["u0", "u1"])).await.unwrap();
    store.import(groups("other"), group("ga", "A elsewhere", &["u2"])).await.unwrap();
    check("groups created").await;
    store.import(groups("t"), group("gb", "B", &["u1", "u2"])).await.unwrap();
    check("a second group").await;
    patch("ga", add(&["u3"])).await;
    check("PATCH add").await;
    patch("ga", vec![PatchOperation::remove(r#"members[value eq "u1"]"#).unwrap()]).await;
    check("PATCH remove by filter").await;
    patch(
        "ga",
        vec![PatchOperation { value: Some(json!([{"value": "u0"}])), ..PatchOperation::remove("members").unwrap() }],
    )
    .await;
    check("PATCH remove by value list").await;
    let mut ops = add(&["u4"]);
    ops.push(PatchOperation::replace(Some("displayName"), json!("A2")).unwrap());
    patch("ga", ops).await;
    check("PATCH renaming the group").await;
    store.replace(groups("t"), "gb", group("gb", "B", &["u2", "u5"]), None).await.unwrap();
    check("PUT with the same name").await;
    store.replace(groups("t"), "gb", group("gb", "B2", &["u2", "u5"]), None).await.unwrap();
    check("PUT renaming the group").await;
    patch("gb", vec![PatchOperation::replace(Some("members"), json!([{"value": "u6"}])).unwrap()]).await;
    check("PATCH replacing the members").await;
    store.add_members(groups("t"), "ga", &[json!({"value": "u7"})]).await.unwrap();
    store.remove_members(groups("t"), "ga", &["u3".to_owned()]).await.unwrap();
    check("add_members and remove_members").await;
    store.delete(users("t"), "u4", None).await.unwrap();
    store.import(users("t"), user("u4")).await.unwrap();
    check("a user deleted and imported again while a group lists it").await;
    store.import(groups("t"), group("gc", "C", &["late", "u7"])).await.unwrap();
    store.import(users("t"), user("late")).await.unwrap();
    check("a user imported after a group listed it").await;
    store.delete(groups("t"), "ga", None).await.unwrap();
    check("a group deleted").await;
    assert_eq!(steps, 13);

    // The read takes the column, not the member lists.
    sqlx::query(
        "UPDATE scim_users SET groups_in_scim_groups = '[[\"kept\",\"Kept\",1]]' WHERE id = 'u6' AND tenant = 't'",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let (_, kept, listed) = kept_and_listed(&store, "t", &["u6"]).await.remove(0);
    assert_eq!(kept, [("kept".to_owned(), "Kept".to_owned())]);
    assert_eq!(listed, [("gb".to_owned(), "B2".to_owned())]);
}

/// The store at `url` with users and groups registered, users `u1` and `u2` of tenant `t`, and
/// group `g` ("G") listing `u1`.
async fn two_users_and_a_group(url: &str) -> SqliteStore {
    let store = SqliteStore::connect(url).await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    for id in ["u1", "u2"] {
        store.import(users("t"), json!({"id": id, "userName": id})).await.unwrap();
    }
    store.import(groups("t"), json!({"id": "g", "displayName": "G", "members": [{"value": "u1"}]})).await.unwrap();
    store
}

/// A database made before users' memberships were kept gets the column on the next start,
/// filled for every user from the member lists.
#[tokio::test]
async fn kept_memberships_are_filled_on_the_first_start_that_keeps_them() {
    let path = temp_db("kept");
    let url = format!("sqlite://{}", path.display());
    {
        let store = two_users_and_a_group(&url).await;
        // As a database of an earlier release: no column, no record of its fill.
        for statement in [
            "ALTER TABLE scim_users DROP COLUMN groups_in_scim_groups",
            "DELETE FROM scim_store_layout WHERE name = 'scim_users.groups_in_scim_groups'",
        ] {
            sqlx::query(statement).execute(store.pool()).await.unwrap();
        }
        store.pool().close().await;
    }
    let store = SqliteStore::connect(&url).await.unwrap();
    store.register(&[USERS.clone(), GROUPS.clone()]).await.unwrap();
    let filled: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, groups_in_scim_groups FROM scim_users ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(
        filled,
        [("u1".to_owned(), Some(r#"[["g","G",1]]"#.to_owned())), ("u2".to_owned(), Some("[]".to_owned()))]
    );
    for (id, kept, listed) in kept_and_listed(&store, "t", &["u1", "u2"]).await {
        assert_eq!(kept, listed, "{id}");
    }
    store.pool().close().await;
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A server registers each resource type on its first request (unless built registered), so
/// the groups can be written before the users are registered: the columns the database already
/// has are kept all the same.
#[tokio::test]
async fn kept_memberships_follow_group_writes_made_before_the_users_are_registered() {
    let path = temp_db("kept-order");
    let url = format!("sqlite://{}", path.display());
    {
        let store = two_users_and_a_group(&url).await;
        store.pool().close().await;
    }
    let store = SqliteStore::connect(&url).await.unwrap();
    store.register(std::slice::from_ref(&*GROUPS)).await.unwrap();
    store.add_members(groups("t"), "g", &[json!({"value": "u2"})]).await.unwrap();
    let renamed = vec![scim::patch::PatchOperation::replace(Some("displayName"), json!("Renamed")).unwrap()];
    store.patch(groups("t"), "g", &renamed, None, GetOptions::default()).await.unwrap();
    store.register(std::slice::from_ref(&*USERS)).await.unwrap();
    let seen = kept_and_listed(&store, "t", &["u1", "u2"]).await;
    assert_eq!(seen.len(), 2);
    for (id, kept, listed) in seen {
        assert_eq!(kept, [("g".to_owned(), "Renamed".to_owned())], "{id}");
        assert_eq!(kept, listed, "{id}");
    }
    store.pool().close().await;
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}
