//! The [`Store`] contract, run against every store: CRUD, 404, uniqueness (409), tenant
//! isolation, versions and 412 (RFC 7644 section 3.14), paging and totals (3.4.2.4), sorting
//! (3.4.2.3), member deltas, and the atomic default PATCH (3.5.2).

mod store_common;

use std::sync::Arc;

use scim::ScimType;
use scim::filter::parse_attr_path;
use scim::patch::PatchOperation;
use scim::query::SortOrder;
use scim::store::{GetOptions, Store, StoreQuery};
use serde_json::{Value, json};
use store_common::*;

fn user(user_name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name})
}

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m, "type": "User"})).collect();
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members})
}

fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap_or_else(|| panic!("no id in {resource}")).to_owned()
}

fn version_of(resource: &Value) -> String {
    resource["meta"]["version"].as_str().unwrap_or_else(|| panic!("no version in {resource}")).to_owned()
}

fn member_ids(resource: &Value) -> Vec<String> {
    resource.get("members").and_then(Value::as_array).map_or_else(Vec::new, |members| {
        members.iter().map(|m| m["value"].as_str().unwrap_or_default().to_owned()).collect()
    })
}

async fn crud_round_trip(store: Arc<dyn Store>) {
    let created = store.create(users("t1"), json!({"userName": "bjensen", "title": "Guide"})).await.unwrap();
    let id = id_of(&created);
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(created["meta"]["resourceType"], "User");
    assert_eq!(created["meta"]["version"], "W/\"1\"");
    assert_eq!(created["meta"]["created"], created["meta"]["lastModified"]);
    assert!(created["meta"].get("location").is_none());
    assert_eq!(store.get(users("t1"), &id, GetOptions::default()).await.unwrap(), created);

    let replaced =
        store.replace(users("t1"), &id, json!({"userName": "bjensen", "displayName": "Babs"}), None).await.unwrap();
    assert_eq!(replaced["id"], id.as_str());
    assert_eq!(replaced["meta"]["version"], "W/\"2\"");
    assert_eq!(replaced["meta"]["created"], created["meta"]["created"]);
    assert!(replaced.get("title").is_none(), "PUT replaces the whole resource");
    assert_eq!(store.get(users("t1"), &id, GetOptions::default()).await.unwrap(), replaced);

    store.delete(users("t1"), &id, None).await.unwrap();
    let error = store.get(users("t1"), &id, GetOptions::default()).await.unwrap_err();
    assert_eq!(error.status, 404);
    assert!(error.detail.contains("User") && error.detail.contains(&id), "{}", error.detail);
    assert_eq!(store.delete(users("t1"), &id, None).await.unwrap_err().status, 404);
    assert_eq!(store.replace(users("t1"), &id, user("x"), None).await.unwrap_err().status, 404);
    // The userName is free again.
    store.create(users("t1"), user("bjensen")).await.unwrap();
}

async fn bad_bodies_are_scim_errors(store: Arc<dyn Store>) {
    for body in [json!([1]), json!("x"), json!(null)] {
        let error = store.create(users("t1"), body).await.unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    }
    let group = store.create(groups("t1"), group("g", &[])).await.unwrap();
    for member in [json!({"type": "User"}), json!({"value": 5}), json!({"value": ""})] {
        let error = store.add_members(groups("t1"), &id_of(&group), &[member]).await.unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    }
    let error = store.import(users("t1"), user("no-id")).await.unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
}

async fn user_names_are_unique_per_tenant_ignoring_case(store: Arc<dyn Store>) {
    let first = store.create(users("t1"), user("bjensen")).await.unwrap();
    for taken in ["bjensen", "BJensen"] {
        let error = store.create(users("t1"), user(taken)).await.unwrap_err();
        assert_eq!((error.status, error.scim_type), (409, Some(ScimType::Uniqueness)), "{taken}");
        assert!(error.detail.contains("userName") && error.detail.contains(taken), "{}", error.detail);
    }
    // Another tenant may use it.
    store.create(users("t2"), user("BJENSEN")).await.unwrap();
    // Taking it by PUT is a conflict too; keeping one's own is not.
    let second = store.create(users("t1"), user("other")).await.unwrap();
    let error = store.replace(users("t1"), &id_of(&second), user("bJENSEN"), None).await.unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::Uniqueness));
    store.replace(users("t1"), &id_of(&first), user("BJENSEN"), None).await.unwrap();
    // And by PATCH.
    let op = PatchOperation::replace(Some("userName"), json!("bjensen")).unwrap();
    let error = store.patch(users("t1"), &id_of(&second), &[op], None, GetOptions::default()).await.unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::Uniqueness));
    assert_eq!(store.get(users("t1"), &id_of(&second), GetOptions::default()).await.unwrap()["userName"], "other");
    // An imported id that exists is a conflict.
    let error = store.import(users("t1"), json!({"id": id_of(&first), "userName": "fresh"})).await.unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::Uniqueness));
}

async fn tenants_never_see_each_other(store: Arc<dyn Store>) {
    let alice = store.create(users("a"), json!({"userName": "alice", "title": "x"})).await.unwrap();
    let team = store.create(groups("a"), group("team", &[&id_of(&alice)])).await.unwrap();
    let (alice_id, team_id) = (id_of(&alice), id_of(&team));

    let b = users("b");
    assert_eq!(store.get(b, &alice_id, GetOptions::default()).await.unwrap_err().status, 404);
    assert_eq!(store.list(b, &StoreQuery::default()).await.unwrap().total_results, 0);
    let page = list_filtered(store.as_ref(), b, r#"userName eq "alice""#, |_| {}).await.unwrap();
    assert_eq!(page.total_results, 0);
    assert_eq!(store.replace(b, &alice_id, user("mallory"), None).await.unwrap_err().status, 404);
    let op = PatchOperation::replace(Some("title"), json!("owned")).unwrap();
    assert_eq!(store.patch(b, &alice_id, &[op], None, GetOptions::default()).await.unwrap_err().status, 404);
    assert_eq!(store.delete(b, &alice_id, None).await.unwrap_err().status, 404);
    let member = json!({"value": "intruder"});
    assert_eq!(store.add_members(groups("b"), &team_id, &[member]).await.unwrap_err().status, 404);
    let removal = [alice_id.clone()];
    assert_eq!(store.remove_members(groups("b"), &team_id, &removal).await.unwrap_err().status, 404);
    // Importing tenant a's id into tenant b is allowed: ids are per tenant.
    store.import(b, json!({"id": alice_id, "userName": "alice"})).await.unwrap();

    // Tenant a is untouched.
    assert_eq!(store.get(users("a"), &alice_id, GetOptions::default()).await.unwrap(), alice);
    assert_eq!(store.get(groups("a"), &team_id, GetOptions::default()).await.unwrap(), team);
}

async fn versions_guard_writes(store: Arc<dyn Store>) {
    let created = store.create(users("t1"), user("v")).await.unwrap();
    let id = id_of(&created);
    let stale = version_of(&created);
    let current = version_of(&store.replace(users("t1"), &id, user("v2"), Some(&stale)).await.unwrap());
    assert_eq!(current, "W/\"2\"");
    let error = store.replace(users("t1"), &id, user("v3"), Some(&stale)).await.unwrap_err();
    assert_eq!(error.status, 412);
    assert!(error.detail.contains(&current), "{}", error.detail);
    let op = PatchOperation::replace(Some("title"), json!("t")).unwrap();
    assert_eq!(
        store
            .patch(users("t1"), &id, std::slice::from_ref(&op), Some(&stale), GetOptions::default())
            .await
            .unwrap_err()
            .status,
        412
    );
    assert_eq!(store.delete(users("t1"), &id, Some(&stale)).await.unwrap_err().status, 412);
    let unchanged = store.get(users("t1"), &id, GetOptions::default()).await.unwrap();
    assert_eq!((unchanged["userName"].as_str(), version_of(&unchanged)), (Some("v2"), current.clone()));
    // The strong form and `*` match.
    let patched = store.patch(users("t1"), &id, &[op], Some("\"2\""), GetOptions::default()).await.unwrap();
    assert_eq!(version_of(&patched), "W/\"3\"");
    store.delete(users("t1"), &id, Some("*")).await.unwrap();
}

async fn paging_and_totals_under_filters(store: Arc<dyn Store>) {
    for i in 0..25 {
        let title = if i % 2 == 0 { "even" } else { "odd" };
        store.create(users("t1"), json!({"userName": format!("user{i:02}"), "title": title})).await.unwrap();
    }
    store.create(users("t2"), json!({"userName": "user00", "title": "even"})).await.unwrap();
    let page = list_filtered(store.as_ref(), users("t1"), r#"title eq "EVEN""#, |q| {
        q.start_index = 3;
        q.count = Some(4);
    })
    .await
    .unwrap();
    assert_eq!(page.total_results, 13);
    let names: Vec<&str> = page.resources.iter().filter_map(|r| r["userName"].as_str()).collect();
    assert_eq!(names, ["user04", "user06", "user08", "user10"]);
    // Past the end: the total, no resources. count=0: the total only.
    for (start_index, count) in [(14, Some(5)), (1, Some(0))] {
        let page = list_filtered(store.as_ref(), users("t1"), r#"title eq "even""#, |q| {
            q.start_index = start_index;
            q.count = count;
        })
        .await
        .unwrap();
        assert_eq!((page.total_results, page.resources.len()), (13, 0));
    }
    // startIndex below 1 counts as 1.
    let page = store.list(users("t1"), &StoreQuery { start_index: 0, count: Some(1), ..StoreQuery::default() }).await;
    assert_eq!(page.unwrap().resources[0]["userName"], "user00");
}

/// `totalResults` on a first page whatever its fill (RFC 7644 section 3.4.2.4): a first page
/// with room to spare holds every match; a full one does not, and the total must still count
/// them all. Groups with members too, whose lists read members with each page.
async fn totals_of_first_pages_full_or_not(store: Arc<dyn Store>) {
    for i in 0..5 {
        store.create(users("t1"), json!({"userName": format!("user{i}"), "title": "t"})).await.unwrap();
    }
    store.create(users("t2"), json!({"userName": "user9", "title": "t"})).await.unwrap();
    // (filter, count, expected total, expected page length)
    let cases = [
        (r#"title eq "t""#, None, 5, 5),
        (r#"title eq "t""#, Some(6), 5, 5),
        (r#"title eq "t""#, Some(5), 5, 5),
        (r#"title eq "t""#, Some(4), 5, 4),
        (r#"title eq "t""#, Some(1), 5, 1),
        (r#"userName eq "USER3""#, Some(1), 1, 1),
        (r#"userName eq "user3""#, Some(100), 1, 1),
        (r#"userName eq "user9""#, Some(100), 0, 0),
    ];
    for (filter, count, total, length) in cases {
        let page = list_filtered(store.as_ref(), users("t1"), filter, |q| q.count = count).await.unwrap();
        assert_eq!((page.total_results, page.resources.len()), (total, length), "{filter} count={count:?}");
    }
    for name in ["g1", "g2"] {
        store.create(groups("t1"), group(name, &["m1", "m2"])).await.unwrap();
    }
    for (count, exclude_members, length) in
        [(Some(1), false, 1), (Some(3), false, 2), (Some(1), true, 1), (None, true, 2)]
    {
        let query = StoreQuery { count, exclude_members, ..StoreQuery::default() };
        let page = store.list(groups("t1"), &query).await.unwrap();
        assert_eq!((page.total_results, page.resources.len()), (2, length), "count={count:?}");
        let members: Vec<Vec<String>> = page.resources.iter().map(member_ids).collect();
        let expected = if exclude_members { vec![] } else { vec!["m1".to_owned(), "m2".to_owned()] };
        assert!(members.iter().all(|m| *m == expected), "exclude_members={exclude_members}: {members:?}");
    }
}

async fn sorting_follows_rfc_7644(store: Arc<dyn Store>) {
    let rows = [("b", Some("beta")), ("A", None), ("c", Some("Alpha")), ("d", Some("alpha2")), ("e", None)];
    for (name, title) in rows {
        let mut body = user(name);
        if let Some(title) = title {
            body["title"] = json!(title);
        }
        store.create(users("t1"), body).await.unwrap();
    }
    let sorted = |by: &'static str, order: SortOrder| {
        let store = store.clone();
        async move {
            let attr = USERS.schema.resolve(&parse_attr_path(by).unwrap()).unwrap();
            let query = StoreQuery { sort_by: Some(attr), sort_order: order, ..StoreQuery::default() };
            let page = store.list(users("t1"), &query).await.unwrap();
            page.resources.iter().map(|r| r["userName"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>()
        }
    };
    // Case-insensitive; missing values last when ascending, first when descending; ties in
    // creation order.
    assert_eq!(sorted("title", SortOrder::Ascending).await, ["c", "d", "b", "A", "e"]);
    assert_eq!(sorted("title", SortOrder::Descending).await, ["A", "e", "b", "d", "c"]);
    assert_eq!(sorted("userName", SortOrder::Ascending).await, ["A", "b", "c", "d", "e"]);
}

async fn members_change_by_delta(store: Arc<dyn Store>) {
    let created = store.create(groups("t1"), group("team", &["u1", "u2"])).await.unwrap();
    let id = id_of(&created);
    assert_eq!(member_ids(&created), ["u1", "u2"]);
    let v1 = version_of(&created);

    store.add_members(groups("t1"), &id, &[json!({"value": "u3", "type": "User"})]).await.unwrap();
    let after_add = store.get(groups("t1"), &id, GetOptions::default()).await.unwrap();
    assert_eq!(member_ids(&after_add), ["u1", "u2", "u3"]);
    assert_eq!(after_add["members"][2], json!({"value": "u3", "type": "User"}));
    assert_ne!(version_of(&after_add), v1);

    // Idempotent: adding a member again, or removing a non-member, changes nothing at all.
    store.add_members(groups("t1"), &id, &[json!({"value": "u3"}), json!({"value": "u1"})]).await.unwrap();
    store.remove_members(groups("t1"), &id, &["nobody".to_owned()]).await.unwrap();
    assert_eq!(store.get(groups("t1"), &id, GetOptions::default()).await.unwrap(), after_add);

    store.remove_members(groups("t1"), &id, &["u1".to_owned(), "u3".to_owned()]).await.unwrap();
    let after_remove = store.get(groups("t1"), &id, GetOptions::default()).await.unwrap();
    assert_eq!(member_ids(&after_remove), ["u2"]);
    assert_ne!(version_of(&after_remove), version_of(&after_add));

    // excludedAttributes=members, in get and list.
    let bare = store.get(groups("t1"), &id, GetOptions { exclude_members: true }).await.unwrap();
    assert!(bare.get("members").is_none());
    assert_eq!(bare["displayName"], "team");
    let page = store.list(groups("t1"), &StoreQuery { exclude_members: true, ..StoreQuery::default() }).await.unwrap();
    assert!(page.resources[0].get("members").is_none());
    let page = list_filtered(store.as_ref(), groups("t1"), r#"members.value eq "u2""#, |_| {}).await.unwrap();
    assert_eq!(member_ids(&page.resources[0]), ["u2"]);

    // Members of a missing group, and of a resource type without members.
    assert_eq!(store.add_members(groups("t1"), "missing", &[json!({"value": "u1"})]).await.unwrap_err().status, 404);
    let someone = store.create(users("t1"), user("someone")).await.unwrap();
    let error = store.add_members(users("t1"), &id_of(&someone), &[json!({"value": "u1"})]).await.unwrap_err();
    assert_eq!(error.status, 400);

    // PUT replaces the member list; DELETE removes the group and its members.
    let replaced = store.replace(groups("t1"), &id, group("team", &["u9"]), None).await.unwrap();
    assert_eq!(member_ids(&replaced), ["u9"]);
    store.delete(groups("t1"), &id, None).await.unwrap();
    let page = list_filtered(store.as_ref(), groups("t1"), r#"members.value eq "u9""#, |_| {}).await.unwrap();
    assert_eq!(page.total_results, 0);
}

async fn default_patch_is_atomic_and_versioned(store: Arc<dyn Store>) {
    let created = store.create(users("t1"), json!({"userName": "p", "title": "before"})).await.unwrap();
    let id = id_of(&created);
    // The second operation fails (readOnly id): nothing of the first is kept.
    let ops = [
        PatchOperation::replace(Some("title"), json!("after")).unwrap(),
        PatchOperation::replace(Some("id"), json!("stolen")).unwrap(),
    ];
    let error = store.patch(users("t1"), &id, &ops, None, GetOptions::default()).await.unwrap_err();
    assert_eq!(error.status, 400);
    assert_eq!(store.get(users("t1"), &id, GetOptions::default()).await.unwrap(), created);

    // A PATCH that changes nothing keeps the version (RFC 7644 3.5.2.1).
    let same = [PatchOperation::replace(Some("title"), json!("before")).unwrap()];
    assert_eq!(store.patch(users("t1"), &id, &same, None, GetOptions::default()).await.unwrap(), created);

    let ops = [PatchOperation::add(Some("displayName"), json!("Pat")).unwrap()];
    let patched = store.patch(users("t1"), &id, &ops, None, GetOptions::default()).await.unwrap();
    assert_eq!((patched["displayName"].as_str(), version_of(&patched).as_str()), (Some("Pat"), "W/\"2\""));
    let page = list_filtered(store.as_ref(), users("t1"), r#"displayName eq "pat""#, |_| {}).await.unwrap();
    assert_eq!(ids(&page), std::slice::from_ref(&id));

    // Members through PATCH.
    let team = store.create(groups("t1"), group("team", &["u1"])).await.unwrap();
    let ops = [
        PatchOperation::add(Some("members"), json!([{"value": "u2"}])).unwrap(),
        PatchOperation::remove("members[value eq \"u1\"]").unwrap(),
    ];
    let patched = store.patch(groups("t1"), &id_of(&team), &ops, None, GetOptions::default()).await.unwrap();
    assert_eq!(member_ids(&patched), ["u2"]);
    assert_eq!(store.get(groups("t1"), &id_of(&team), GetOptions::default()).await.unwrap(), patched);
}

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod memory_store {
            $(#[tokio::test] async fn $test() { super::$test(super::memory().await).await })*
        }
        mod sqlite_store {
            $(#[tokio::test] async fn $test() { super::$test(super::sqlite().await).await })*
        }
        mod postgres_store {
            $(#[tokio::test] async fn $test() {
                if let Some(store) = super::postgres().await { super::$test(store).await }
            })*
        }
    };
}

contract!(
    crud_round_trip,
    bad_bodies_are_scim_errors,
    user_names_are_unique_per_tenant_ignoring_case,
    tenants_never_see_each_other,
    versions_guard_writes,
    paging_and_totals_under_filters,
    totals_of_first_pages_full_or_not,
    sorting_follows_rfc_7644,
    members_change_by_delta,
    default_patch_is_atomic_and_versioned,
);
