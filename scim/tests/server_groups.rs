//! A user's `groups` (RFC 7643 section 4.1.2) over HTTP, as a client sees it: computed from the
//! groups' members on every read (value, `$ref`, display, `type` direct), in single reads,
//! list pages and replies to writes; left out or included as `attributes` and
//! `excludedAttributes` say; following group renames and deletes; readOnly for clients; per
//! tenant. Against the memory and SQLite stores, and PostgreSQL when `SCIM_TEST_POSTGRES_URL`
//! is set.
#![cfg(feature = "server")]

mod server_common;
#[cfg(feature = "postgres")]
mod store_common;

use std::sync::Arc;

use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_and_postgres_tests!(
    reads_and_lists_show_the_groups_a_user_is_a_direct_member_of,
    attributes_and_excluded_attributes_select_groups,
    groups_follow_renames_and_deletes_of_groups_and_users,
    clients_cannot_write_groups,
    tenants_see_only_their_own_groups,
    membership_filters_find_exactly_the_users_a_group_lists,
    membership_filters_follow_member_removal_and_group_deletion,
    membership_filters_search_and_page,
    other_filters_on_groups_are_refused_not_widened,
    membership_filters_need_the_groups_in_the_users_store,
);

/// Entra ID's PATCH adding members to a group.
fn add_members(ids: &[&str]) -> Value {
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": members}]})
}

/// What a user's `groups` element for `group` (a group as the server returned it) must be.
fn element(group: &Value) -> Value {
    json!({
        "value": group["id"],
        "$ref": group["meta"]["location"],
        "display": group["displayName"],
        "type": "direct",
    })
}

fn id(resource: &Value) -> &str {
    resource["id"].as_str().unwrap()
}

/// The list's resources by id.
fn listed<'a>(body: &'a Value, user: &Value) -> &'a Value {
    body["Resources"].as_array().unwrap().iter().find(|r| r["id"] == user["id"]).unwrap()
}

async fn reads_and_lists_show_the_groups_a_user_is_a_direct_member_of(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let engineering = app.create_group("Engineering", &[id(&alice)]).await;
    let sales = app.create_group("Sales", &[]).await;
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&sales)), &add_members(&[id(&alice), id(&bob)])).await;
    assert!(reply.status.is_success(), "{}", reply.body);

    let reply = app.get(&format!("/scim/v2/Users/{}", id(&alice))).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["groups"], json!([element(&engineering), element(&sales)]));
    assert_eq!(
        reply.body["groups"][0]["$ref"],
        json!(format!("http://scim.example.com/scim/v2/Groups/{}", id(&engineering)))
    );
    // After the user's own attributes, before meta, as a stored attribute would be.
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.last().map(|k| k.as_str()), Some("meta"), "{keys:?}");
    let bob_read = app.get(&format!("/scim/v2/Users/{}", id(&bob))).await;
    assert_eq!(bob_read.body["groups"], json!([element(&sales)]));
    // In no group: no `groups` at all (an empty multi-valued attribute is absent).
    let carol_read = app.get(&format!("/scim/v2/Users/{}", id(&carol))).await;
    assert_eq!(carol_read.status.as_u16(), 200);
    assert!(carol_read.body.get("groups").is_none(), "{}", carol_read.body);

    for uri in ["/scim/v2/Users?count=10", "/scim/v2/Users?sortBy=userName&sortOrder=descending"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        assert_eq!(listed(&reply.body, &alice)["groups"], json!([element(&engineering), element(&sales)]), "{uri}");
        assert_eq!(listed(&reply.body, &bob)["groups"], json!([element(&sales)]), "{uri}");
        assert!(listed(&reply.body, &carol).get("groups").is_none(), "{uri}");
    }
    let search = app
        .post(
            "/scim/v2/Users/.search",
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"bob\""}),
        )
        .await;
    assert_eq!(search.body["Resources"][0]["groups"], json!([element(&sales)]), "{}", search.body);
    let page = app.get("/scim/v2/Users?cursor=&count=2&sortBy=userName").await;
    assert_eq!(page.body["Resources"][0]["groups"], json!([element(&engineering), element(&sales)]));

    // Replies to writes show it too.
    let replaced = app
        .put(
            &format!("/scim/v2/Users/{}", id(&bob)),
            &json!({"schemas": [USER_URN], "userName": "bob", "displayName": "Bob"}),
        )
        .await;
    assert_eq!(replaced.status.as_u16(), 200, "{}", replaced.body);
    assert_eq!(replaced.body["groups"], json!([element(&sales)]));
    let patched = app
        .patch(
            &format!("/scim/v2/Users/{}", id(&bob)),
            &json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "Robert"}]}),
        )
        .await;
    assert_eq!(patched.status.as_u16(), 200, "{}", patched.body);
    assert_eq!(patched.body["groups"], json!([element(&sales)]));

    // Groups themselves carry no `groups` (the Group schema has none).
    let group = app.get(&format!("/scim/v2/Groups/{}", id(&sales))).await;
    assert!(group.body.get("groups").is_none(), "{}", group.body);
}

async fn attributes_and_excluded_attributes_select_groups(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let engineering = app.create_group("Engineering", &[id(&alice)]).await;
    let user = format!("/scim/v2/Users/{}", id(&alice));

    for query in ["excludedAttributes=groups", "attributes=userName", "attributes=meta.version"] {
        let reply = app.get(&format!("{user}?{query}")).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        assert!(reply.body.get("groups").is_none(), "{query}: {}", reply.body);
        let list = app.get(&format!("/scim/v2/Users?{query}")).await;
        assert!(listed(&list.body, &alice).get("groups").is_none(), "{query}: {}", list.body);
    }
    let reply = app.get(&format!("{user}?excludedAttributes=groups.display")).await;
    assert_eq!(
        reply.body["groups"],
        json!([{"value": engineering["id"], "$ref": engineering["meta"]["location"], "type": "direct"}])
    );

    let reply = app.get(&format!("{user}?attributes=groups")).await;
    assert_eq!(reply.body, json!({"schemas": [USER_URN], "id": alice["id"], "groups": [element(&engineering)]}));
    let reply = app.get(&format!("{user}?attributes=groups.display")).await;
    assert_eq!(reply.body, json!({"schemas": [USER_URN], "id": alice["id"], "groups": [{"display": "Engineering"}]}));
    let list = app.get("/scim/v2/Users?attributes=userName,groups.value").await;
    assert_eq!(listed(&list.body, &alice)["groups"], json!([{"value": engineering["id"]}]));
}

async fn groups_follow_renames_and_deletes_of_groups_and_users(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let engineering = app.create_group("Engineering", &[id(&alice), id(&bob)]).await;
    let sales = app.create_group("Sales", &[id(&alice)]).await;
    let user = format!("/scim/v2/Users/{}", id(&alice));

    // Entra ID renames a group with a PATCH replace of displayName.
    let rename =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "Replace", "path": "displayName", "value": "R&D"}]});
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&engineering)), &rename).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let read = app.get(&user).await;
    assert_eq!(read.body["groups"][0]["display"], json!("R&D"));
    assert_eq!(read.body["groups"][1], element(&sales));

    // Entra ID removes a member.
    let remove = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Remove", "path": format!("members[value eq \"{}\"]", id(&alice))}]});
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&sales)), &remove).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let read = app.get(&user).await;
    assert_eq!(read.body["groups"].as_array().map(Vec::len), Some(1), "{}", read.body);

    // A deleted group is gone from its users' groups on the next read.
    assert_eq!(app.delete(&format!("/scim/v2/Groups/{}", id(&engineering))).await.status.as_u16(), 204);
    let read = app.get(&user).await;
    assert!(read.body.get("groups").is_none(), "{}", read.body);
    let list = app.get("/scim/v2/Users").await;
    assert!(listed(&list.body, &bob).get("groups").is_none(), "{}", list.body);

    // A deleted user is gone from its groups' members.
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&sales)), &add_members(&[id(&bob)])).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(app.delete(&format!("/scim/v2/Users/{}", id(&bob))).await.status.as_u16(), 204);
    let group = app.get(&format!("/scim/v2/Groups/{}", id(&sales))).await;
    assert!(group.body.get("members").is_none(), "{}", group.body);
}

async fn clients_cannot_write_groups(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let engineering = app.create_group("Engineering", &[id(&alice)]).await;
    let made_up = json!([{"value": "not-a-group", "display": "Made up"}]);

    // POST and PUT: readOnly attributes are ignored (RFC 7643 section 2.2).
    let created =
        app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "bob", "groups": made_up})).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    assert!(created.body.get("groups").is_none(), "{}", created.body);
    let bob = app.get(&format!("/scim/v2/Users/{}", created.id())).await;
    assert!(bob.body.get("groups").is_none(), "{}", bob.body);
    let user = format!("/scim/v2/Users/{}", id(&alice));
    let replaced = app.put(&user, &json!({"schemas": [USER_URN], "userName": "alice", "groups": made_up})).await;
    assert_eq!(replaced.status.as_u16(), 200, "{}", replaced.body);
    assert_eq!(replaced.body["groups"], json!([element(&engineering)]));

    // PATCH naming `groups` is a mutability error, as for every readOnly attribute; a
    // path-less value carrying it has it ignored.
    let reply = app
        .patch(
            &user,
            &json!({"schemas": [PATCH_URN], "Operations": [{"op": "add", "path": "groups", "value": made_up}]}),
        )
        .await;
    reply.assert_error(400, Some("mutability"));
    let reply = app
        .patch(
            &user,
            &json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"groups": made_up, "title": "CTO"}}]}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["title"], json!("CTO"));
    assert_eq!(reply.body["groups"], json!([element(&engineering)]));
}

async fn tenants_see_only_their_own_groups(store: Arc<dyn Store>) {
    let acme = TestApp::new(store);
    let globex = acme.as_token(Some(GLOBEX));
    let alice = acme.create_user("alice").await;
    let engineering = acme.create_group("Engineering", &[id(&alice)]).await;
    let bob = globex.create_user("bob").await;
    let sales = globex.create_group("Sales", &[id(&bob)]).await;

    assert_eq!(
        acme.get(&format!("/scim/v2/Users/{}", id(&alice))).await.body["groups"],
        json!([element(&engineering)])
    );
    assert_eq!(globex.get(&format!("/scim/v2/Users/{}", id(&bob))).await.body["groups"], json!([element(&sales)]));
    assert_eq!(globex.get(&format!("/scim/v2/Users/{}", id(&alice))).await.status.as_u16(), 404);
    let list = globex.get("/scim/v2/Users").await;
    assert_eq!(list.body["totalResults"], json!(1));
    assert_eq!(list.body["Resources"][0]["groups"], json!([element(&sales)]));

    // Filtered by group, a group of one tenant never matches users of another, even by its
    // id; nor can another tenant's user be made a member.
    let reply = globex.patch(&format!("/scim/v2/Groups/{}", id(&sales)), &add_members(&[id(&alice)])).await;
    reply.assert_error(400, Some("invalidValue"));
    assert_eq!(found(&acme, &format!("groups.value eq \"{}\"", id(&engineering))).await, ["alice"]);
    assert!(found(&globex, &format!("groups.value eq \"{}\"", id(&engineering))).await.is_empty());
    assert!(found(&acme, &format!("groups.value eq \"{}\"", id(&sales))).await.is_empty());
    assert_eq!(found(&globex, &format!("groups.value eq \"{}\"", id(&sales))).await, ["bob"]);
    assert_eq!(found(&acme, "groups pr").await, ["alice"]);
    assert_eq!(found(&globex, "groups pr").await, ["bob"]);
}

/// The userNames a filter on /Users finds, sorted, after checking `totalResults` agrees.
async fn found(app: &TestApp, filter: &str) -> Vec<String> {
    let reply = app.get(&format!("/scim/v2/Users?count=100&filter={}", urlencode(filter))).await;
    assert_eq!(reply.status.as_u16(), 200, "{filter}: {}", reply.body);
    let mut names: Vec<String> = reply.body["Resources"]
        .as_array()
        .map(|resources| resources.iter().map(|r| r["userName"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    assert_eq!(reply.body["totalResults"], json!(names.len()), "{filter}: {}", reply.body);
    names.sort();
    names
}

/// `groups.value eq "<group id>"` finds exactly the users the group lists as direct members,
/// in every form a client may write it, alone and combined with other tests; a group id
/// compares ignoring case (`groups.value` is caseExact false in the core schema).
async fn membership_filters_find_exactly_the_users_a_group_lists(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.create_user("dave").await;
    let engineering = app.create_group("Engineering", &[id(&alice), id(&bob)]).await;
    let sales = app.create_group("Sales", &[id(&bob), id(&carol)]).await;
    let empty = app.create_group("Empty", &[]).await;
    let (e, s) = (id(&engineering), id(&sales));

    let cases: Vec<(String, &[&str])> = vec![
        (format!("groups.value eq \"{e}\""), &["alice", "bob"]),
        (format!("groups eq \"{e}\""), &["alice", "bob"]),
        (format!("groups[value eq \"{e}\"]"), &["alice", "bob"]),
        (format!("GROUPS.VALUE EQ \"{}\"", e.to_uppercase()), &["alice", "bob"]),
        (format!("urn:ietf:params:scim:schemas:core:2.0:User:groups.value eq \"{s}\""), &["bob", "carol"]),
        (format!("groups.value eq \"{}\"", id(&empty)), &[]),
        ("groups.value eq \"no-such-group\"".to_owned(), &[]),
        (format!("groups.value ne \"{e}\""), &["carol", "dave"]),
        (format!("not (groups.value eq \"{e}\")"), &["carol", "dave"]),
        ("groups pr".to_owned(), &["alice", "bob", "carol"]),
        ("groups.value pr".to_owned(), &["alice", "bob", "carol"]),
        ("not (groups pr)".to_owned(), &["dave"]),
        (format!("groups.value eq \"{e}\" and groups.value eq \"{s}\""), &["bob"]),
        (format!("groups.value eq \"{e}\" or groups.value eq \"{s}\""), &["alice", "bob", "carol"]),
        (format!("groups[value eq \"{e}\" or value eq \"{s}\"]"), &["alice", "bob", "carol"]),
        // One group listing the user must pass the whole bracketed test.
        (format!("groups[value eq \"{e}\" and value eq \"{s}\"]"), &[]),
        (format!("groups[not (value eq \"{e}\")]"), &["bob", "carol"]),
        (format!("groups[value ne \"{e}\"]"), &["bob", "carol"]),
        (format!("groups.value eq \"{e}\" and userName eq \"alice\""), &["alice"]),
        (format!("userName eq \"dave\" or groups.value eq \"{s}\""), &["bob", "carol", "dave"]),
        (format!("groups.value eq \"{s}\" and not (userName eq \"bob\")"), &["carol"]),
        (
            format!("(groups.value eq \"{e}\" or userName eq \"dave\") and not (groups.value eq \"{s}\")"),
            &["alice", "dave"],
        ),
    ];
    for (filter, expected) in &cases {
        assert_eq!(found(&app, filter).await, *expected, "{filter}");
    }

    // The users found carry their `groups` as on any read.
    let filter = format!("groups.value eq \"{e}\" and userName eq \"alice\"");
    let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode(&filter))).await;
    assert_eq!(reply.body["Resources"][0]["groups"], json!([element(&engineering)]), "{}", reply.body);
}

async fn membership_filters_follow_member_removal_and_group_deletion(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let engineering = app.create_group("Engineering", &[id(&alice), id(&bob)]).await;
    let sales = app.create_group("Sales", &[id(&alice)]).await;
    let by_engineering = format!("groups.value eq \"{}\"", id(&engineering));
    let by_sales = format!("groups.value eq \"{}\"", id(&sales));
    assert_eq!(found(&app, &by_engineering).await, ["alice", "bob"]);

    let remove = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Remove", "path": format!("members[value eq \"{}\"]", id(&alice))}]});
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&engineering)), &remove).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(found(&app, &by_engineering).await, ["bob"]);
    let reply = app.patch(&format!("/scim/v2/Groups/{}", id(&engineering)), &add_members(&[id(&alice)])).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(found(&app, &by_engineering).await, ["alice", "bob"]);

    // A replaced member list is what the filter sees.
    let put = json!({"schemas": [GROUP_URN], "displayName": "Engineering", "members": [{"value": id(&bob)}]});
    let reply = app.put(&format!("/scim/v2/Groups/{}", id(&engineering)), &put).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    assert_eq!(found(&app, &by_engineering).await, ["bob"]);

    assert_eq!(app.delete(&format!("/scim/v2/Groups/{}", id(&sales))).await.status.as_u16(), 204);
    assert!(found(&app, &by_sales).await.is_empty());
    assert_eq!(found(&app, "groups pr").await, ["bob"]);
    // A deleted user is no group's member.
    assert_eq!(app.delete(&format!("/scim/v2/Users/{}", id(&bob))).await.status.as_u16(), 204);
    assert!(found(&app, &by_engineering).await.is_empty());
    assert!(found(&app, "groups pr").await.is_empty());
}

/// The same filter through `POST /Users/.search`, `POST /.search` and cursor pages.
async fn membership_filters_search_and_page(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let mut members = Vec::new();
    for name in ["u1", "u2", "u3", "u4", "u5"] {
        members.push(app.create_user(name).await);
    }
    let ids: Vec<&str> = members.iter().take(4).map(id).collect();
    let group = app.create_group("Four", &ids).await;
    let filter = format!("groups.value eq \"{}\"", id(&group));

    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter, "sortBy": "userName", "count": 3});
    let reply = app.post("/scim/v2/Users/.search", &search).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["totalResults"], json!(4), "{}", reply.body);
    let names: Vec<&Value> = reply.body["Resources"].as_array().unwrap().iter().map(|r| &r["userName"]).collect();
    assert_eq!(names, [&json!("u1"), &json!("u2"), &json!("u3")]);
    // At the root, Groups have no `groups`: only users are found.
    let reply = app.post("/scim/v2/.search", &search).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    assert_eq!(reply.body["totalResults"], json!(4), "{}", reply.body);

    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..4 {
        let uri = format!(
            "/scim/v2/Users?count=3&sortBy=userName&cursor={}&filter={}",
            urlencode(&cursor),
            urlencode(&filter)
        );
        let reply = app.get(&uri).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        for resource in reply.body["Resources"].as_array().unwrap() {
            seen.push(resource["userName"].as_str().unwrap().to_owned());
        }
        match reply.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, ["u1", "u2", "u3", "u4"]);
}

/// Every other test on `groups` is `400 invalidFilter` naming what is supported: `display`,
/// `type` and `$ref` are not in the member lists, and other operators are not offered.
async fn other_filters_on_groups_are_refused_not_widened(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let alice = app.create_user("alice").await;
    let engineering = app.create_group("Engineering", &[id(&alice)]).await;
    let g = id(&engineering);
    let refused = [
        "groups.display eq \"Engineering\"".to_owned(),
        "groups.type eq \"direct\"".to_owned(),
        format!("groups.$ref eq \"http://scim.example.com/scim/v2/Groups/{g}\""),
        format!("groups.value sw \"{}\"", &g[..4]),
        format!("groups.value co \"{}\"", &g[..4]),
        format!("groups.value gt \"{g}\""),
        "groups.display pr".to_owned(),
        "groups[display eq \"Engineering\"]".to_owned(),
        format!("groups[value sw \"{}\"]", &g[..4]),
        format!("groups[value eq \"{g}\"].value pr"),
        format!("userName eq \"alice\" and groups[type eq \"direct\" and value eq \"{g}\"]"),
        "not (groups.display co \"Eng\")".to_owned(),
    ];
    for filter in &refused {
        let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode(filter))).await;
        let detail = reply.assert_error(400, Some("invalidFilter"));
        assert!(detail.contains("groups.value (eq, ne, pr)"), "{filter}: {detail}");
    }
    // A test the filter support table refuses is told with what works by group as well.
    let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode("userName gt \"a\""))).await;
    let detail = reply.assert_error(400, Some("invalidFilter"));
    assert!(detail.contains("User can be filtered on id (eq)"), "{detail}");
    assert!(detail.contains(", and by group: groups.value (eq, ne, pr)"), "{detail}");
    // Groups themselves have no `groups`.
    let reply = app.get(&format!("/scim/v2/Groups?filter={}", urlencode(&format!("groups.value eq \"{g}\"")))).await;
    reply.assert_error(400, Some("invalidFilter"));
}

/// Users whose store does not keep the groups' members (groups served by another store, or a
/// backend of one's own) cannot be filtered by group: `400 invalidFilter` saying so, never an
/// empty or partial answer.
async fn membership_filters_need_the_groups_in_the_users_store(store: Arc<dyn Store>) {
    let groups_store: Arc<dyn Store> = Arc::new(scim::store::MemoryStore::new());
    let app = TestApp::with(
        scim::server::Server::builder()
            .tokens(scim::server::auth::TokenTable::new().token("acme", "entra", ACME))
            .resource_kind(user_descriptor(), store)
            .resource_kind(group_descriptor(), groups_store),
    );
    let alice = app.create_user("alice").await;
    let engineering = app.create_group("Engineering", &[id(&alice)]).await;
    let filter = format!("groups.value eq \"{}\"", id(&engineering));
    let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode(&filter))).await;
    let detail = reply.assert_error(400, Some("invalidFilter"));
    assert!(detail.contains("does not keep the members of Group"), "{detail}");
    // Nor are the group forms offered where they do not work.
    let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode("userName gt \"a\""))).await;
    let detail = reply.assert_error(400, Some("invalidFilter"));
    assert!(!detail.contains("by group"), "{detail}");
    let reply = app.get(&format!("/scim/v2/Users?filter={}", urlencode("userName eq \"alice\""))).await;
    assert_eq!(reply.body["totalResults"], json!(1), "{}", reply.body);
    // Its `groups` still show on reads.
    let read = app.get(&format!("/scim/v2/Users/{}", id(&alice))).await;
    assert_eq!(read.body["groups"], json!([element(&engineering)]));
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
