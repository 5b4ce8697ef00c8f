//! Cursor paging (RFC 9865) over HTTP, as a client walks it: `cursor` and `count` in
//! `GET /Users` and `POST /Users/.search`, `nextCursor` in the ListResponse until the last page,
//! with filters, sorting and `attributes`; stable under inserts and deletes between pages;
//! `invalidCursor` and `expiredCursor`; advertised in `/ServiceProviderConfig`. Against the
//! memory and SQLite stores, and PostgreSQL when `SCIM_TEST_POSTGRES_URL` is set.
#![cfg(feature = "server")]

mod server_common;
#[cfg(feature = "postgres")]
mod store_common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use scim::cursor::{encode_cursor, query_tag};
use scim::query::{ListQuery, QueryLimits};
use scim::store::{KeysetPosition, Scalar, Store};
use serde_json::{Value, json};
use server_common::*;

const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

store_and_postgres_tests!(
    a_walk_returns_every_user_that_lived_through_it_exactly_once,
    sorted_walks_follow_the_sort_in_both_directions_with_missing_values,
    sorted_walks_in_both_directions_survive_inserts_and_deletes_in_both_groups,
    filters_attributes_and_search_requests_page_by_cursor,
    bad_cursors_are_scim_errors,
    discovery_advertises_both_pagination_methods,
);

/// Follow `nextCursor` from an empty cursor, calling `between` after each page; the ids of
/// every page, and the last body.
async fn walk(app: &TestApp, uri: &str, mut between: impl AsyncFnMut(usize)) -> (Vec<Vec<String>>, Value) {
    let separator = if uri.contains('?') { '&' } else { '?' };
    let mut cursor = String::new();
    let mut pages = Vec::new();
    loop {
        let reply = app.get(&format!("{uri}{separator}cursor={cursor}")).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        assert!(reply.body.get("startIndex").is_none(), "a cursor page has no startIndex: {}", reply.body);
        let resources = reply.body["Resources"].as_array().unwrap();
        assert_eq!(reply.body["itemsPerPage"], json!(resources.len()));
        pages.push(resources.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect());
        between(pages.len()).await;
        match reply.body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = next.to_owned(),
            None => return (pages, reply.body),
        }
        assert!(pages.len() < 100, "the walk does not end");
    }
}

async fn a_walk_returns_every_user_that_lived_through_it_exactly_once(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(app.create_user(&format!("user{n:02}")).await["id"].as_str().unwrap().to_owned());
    }
    // Between pages: delete one user and create one, alternating between the part of the order
    // already returned and the part still to come (`user00` sorts first, `user99` last).
    let mut deleted = BTreeSet::new();
    let mut created = Vec::new();
    let (pages, last) = walk(&app, "/scim/v2/Users?sortBy=userName&count=3", async |page| {
        let victim = ids[page * 3 % 20].clone();
        if deleted.insert(victim.clone()) {
            assert_eq!(app.delete(&format!("/scim/v2/Users/{victim}")).await.status.as_u16(), 204);
        }
        let name = if page % 2 == 0 { format!("user00-{page}") } else { format!("user99-{page}") };
        created.push(app.create_user(&name).await["id"].as_str().unwrap().to_owned());
    })
    .await;
    let returned: Vec<&String> = pages.iter().flatten().collect();
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for id in &returned {
        *counts.entry(id).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1), "an id was returned twice: {pages:?}");
    for id in ids.iter().filter(|id| !deleted.contains(*id)) {
        assert_eq!(counts.get(id), Some(&1), "{id} lived through the walk but was skipped: {pages:?}");
    }
    assert!(pages.iter().all(|page| page.len() <= 3), "{pages:?}");
    // The last page has no nextCursor, and totalResults counts the matches when it was read.
    assert!(last.get("nextCursor").is_none());
    let now = app.get("/scim/v2/Users?count=0").await.body["totalResults"].clone();
    assert_eq!(last["totalResults"], now);
    // Every page is in userName order.
    let names = app.get("/scim/v2/Users?count=1000").await.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r["userName"].as_str().unwrap().to_owned()))
        .collect::<HashMap<_, _>>();
    let walked: Vec<&String> = returned.iter().filter_map(|id| names.get(*id)).collect();
    assert!(walked.windows(2).all(|w| w[0] < w[1]), "{walked:?}");
}

async fn sorted_walks_follow_the_sort_in_both_directions_with_missing_values(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    // displayName: ties ("Same"), case variants, and users without one (sorted last ascending,
    // first descending, RFC 7644 section 3.4.2.3).
    let names = [Some("b"), Some("Same"), None, Some("a"), Some("same"), None, Some("C"), Some("SAME"), None];
    let mut users = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let mut body = json!({"schemas": [USER_URN], "userName": format!("u{n}")});
        if let Some(name) = name {
            body["displayName"] = json!(name);
        }
        let reply = app.post("/scim/v2/Users", &body).await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.body);
        users.push((name.map(str::to_lowercase), reply.id()));
    }
    for (order, descending) in [("ascending", false), ("descending", true)] {
        let mut expected = users.clone();
        expected.sort_by(|(a, a_id), (b, b_id)| walk_order(a.as_deref(), a_id, b.as_deref(), b_id, descending));
        let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
        for count in [1, 2, 4, 9, 20] {
            let uri = format!("/scim/v2/Users?sortBy=displayName&sortOrder={order}&count={count}");
            let (pages, last) = walk(&app, &uri, async |_| {}).await;
            let walked: Vec<String> = pages.into_iter().flatten().collect();
            assert_eq!(walked, expected, "{uri}");
            assert_eq!(last["totalResults"], json!(names.len()), "{uri}");
        }
    }
    // sortBy=id walks in id order.
    let (pages, _) = walk(&app, "/scim/v2/Users?sortBy=id&count=4", async |_| {}).await;
    let walked: Vec<String> = pages.into_iter().flatten().collect();
    let mut by_id: Vec<String> = users.iter().map(|(_, id)| id.clone()).collect();
    by_id.sort();
    assert_eq!(walked, by_id);
}

/// A walk sorted by a promoted column (`displayName`), ascending and descending, over several
/// pages while users with and without a displayName are created and deleted between pages, on
/// both sides of the position: every user that lived through the walk is returned exactly
/// once, and the walk is in the keyset order (missing values last ascending, first descending;
/// ties by id).
async fn sorted_walks_in_both_directions_survive_inserts_and_deletes_in_both_groups(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let create = async |user_name: String, display_name: Option<String>| -> String {
        let mut body = json!({"schemas": [USER_URN], "userName": user_name});
        if let Some(name) = display_name {
            body["displayName"] = json!(name);
        }
        let reply = app.post("/scim/v2/Users", &body).await;
        assert_eq!(reply.status.as_u16(), 201, "{}", reply.body);
        reply.id()
    };
    let mut lasting = Vec::new();
    for n in 0..12 {
        // Every third user has no displayName; the others have ties ("m") and case variants.
        let name = match n % 3 {
            0 => None,
            1 => Some(format!("M{}", n % 2)),
            _ => Some(format!("m{n:02}")),
        };
        lasting.push(create(format!("lasting-{n}"), name).await);
    }
    for (order, descending) in [("ascending", false), ("descending", true)] {
        let mut doomed = Vec::new();
        for n in 0..4 {
            doomed.push(create(format!("{order}-doomed-{n}"), (n % 2 == 0).then(|| format!("m{n:02}"))).await);
        }
        let mut inserted = 0;
        let uri = format!("/scim/v2/Users?sortBy=displayName&sortOrder={order}&count=3");
        let (pages, _) = walk(&app, &uri, async |page| {
            if let Some(victim) = doomed.pop() {
                assert_eq!(app.delete(&format!("/scim/v2/Users/{victim}")).await.status.as_u16(), 204);
            }
            // New users before and after the position, in both groups.
            let name = match page % 3 {
                0 => None,
                1 => Some("a-first".to_owned()),
                _ => Some("z-last".to_owned()),
            };
            create(format!("{order}-new-{page}"), name).await;
            inserted += 1;
        })
        .await;
        assert!(pages.len() >= 5, "several pages: {pages:?}");
        assert!(inserted >= 5);
        let returned: Vec<&String> = pages.iter().flatten().collect();
        let mut counts: HashMap<&String, usize> = HashMap::new();
        for id in &returned {
            *counts.entry(id).or_default() += 1;
        }
        assert!(counts.values().all(|&n| n == 1), "{order}: an id was returned twice: {pages:?}");
        for id in &lasting {
            assert_eq!(counts.get(id), Some(&1), "{order}: {id} lived through the walk but was skipped");
        }
        // The walk is in keyset order, by the users as they are now (all returned ones exist:
        // only the doomed were deleted, and a deleted user is never returned after its delete).
        let now = app.get("/scim/v2/Users?count=1000").await;
        let keys: HashMap<String, Option<String>> = now.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r["displayName"].as_str().map(str::to_lowercase)))
            .collect();
        let walked: Vec<(Option<String>, &String)> =
            returned.iter().filter_map(|id| keys.get(*id).map(|key| (key.clone(), *id))).collect();
        for pair in walked.windows(2) {
            let ((a, a_id), (b, b_id)) = (&pair[0], &pair[1]);
            let order_of_pair = walk_order(a.as_deref(), a_id, b.as_deref(), b_id, descending);
            assert_eq!(order_of_pair, std::cmp::Ordering::Less, "{order}: {walked:?}");
        }
    }
}

async fn filters_attributes_and_search_requests_page_by_cursor(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for n in 0..7 {
        for name in [format!("alice{n}"), format!("bob{n}")] {
            let body = json!({"schemas": [USER_URN], "userName": name, "displayName": name});
            assert_eq!(app.post("/scim/v2/Users", &body).await.status.as_u16(), 201);
        }
    }
    let (pages, last) =
        walk(&app, "/scim/v2/Users?filter=displayName%20sw%20%22alice%22&attributes=userName&count=3", async |_| {})
            .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    assert_eq!(last["totalResults"], 7);
    for resource in last["Resources"].as_array().unwrap() {
        let mut keys: Vec<&str> = resource.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "schemas", "userName"], "{resource}");
        assert!(resource["userName"].as_str().unwrap().starts_with("alice"));
    }
    // The same walk by POST .search, the cursor in the body.
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let body = json!({"schemas": [SEARCH_URN], "filter": "displayName sw \"bob\"", "sortBy": "userName",
            "sortOrder": "descending", "count": 4, "cursor": cursor});
        let reply = app.post("/scim/v2/Users/.search", &body).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        assert_eq!(reply.body["totalResults"], 7);
        seen.extend(reply.body["Resources"].as_array().unwrap().iter().map(|r| r["userName"].clone()));
        match reply.body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let expected: Vec<Value> = (0..7).rev().map(|n| json!(format!("bob{n}"))).collect();
    assert_eq!(seen, expected);
    // count=0: only totalResults, and no cursor to follow.
    let reply = app.get("/scim/v2/Users?cursor=&count=0").await;
    assert_eq!((reply.body["totalResults"].clone(), reply.body.get("nextCursor")), (json!(14), None));
    // Index paging is unchanged beside it.
    let reply = app.get("/scim/v2/Users?startIndex=13&count=5").await;
    assert_eq!((reply.body["startIndex"].clone(), reply.body["itemsPerPage"].clone()), (json!(13), json!(2)));
    assert!(reply.body.get("nextCursor").is_none());
}

async fn bad_cursors_are_scim_errors(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    for n in 0..3 {
        app.create_user(&format!("user{n}")).await;
    }
    let first = app.get("/scim/v2/Users?cursor=&count=1&sortBy=userName").await;
    let next = first.body["nextCursor"].as_str().unwrap().to_owned();
    let truncated = &next[..next.len() - 4];
    let mut altered = next.clone().into_bytes();
    altered[5] = if altered[5] == b'x' { b'y' } else { b'x' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in ["garbage", "%27%3B%20DROP%20TABLE%20scim_users%3B--", truncated, altered.as_str()] {
        let reply = app.get(&format!("/scim/v2/Users?count=1&sortBy=userName&cursor={bad}")).await;
        reply.assert_error(400, Some("invalidCursor"));
    }
    // A cursor sent with another sort or filter than the one that issued it.
    for other in [
        "sortBy=displayName",
        "sortBy=userName&sortOrder=descending",
        "sortBy=userName&filter=userName%20eq%20%22user1%22",
    ] {
        let reply = app.get(&format!("/scim/v2/Users?count=1&{other}&cursor={next}")).await;
        let detail = reply.assert_error(400, Some("invalidCursor"));
        assert!(detail.contains("different query"), "{detail}");
    }
    // Both paging methods at once.
    let reply = app.get("/scim/v2/Users?cursor=&startIndex=2").await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert!(detail.contains("startIndex") && detail.contains("cursor"), "{detail}");
    let body = json!({"schemas": [SEARCH_URN], "cursor": "", "startIndex": 1});
    app.post("/scim/v2/Users/.search", &body).await.assert_error(400, Some("invalidValue"));
    // Cursor paging across every resource type is not offered (said plainly).
    let body = json!({"schemas": [SEARCH_URN], "cursor": ""});
    app.post("/scim/v2/.search", &body).await.assert_error(400, Some("invalidValue"));
    // A cursor of this query issued longer ago than cursorTimeout.
    let params = [("sortBy", "userName")];
    let query = ListQuery::from_params(&params, &QueryLimits::default()).unwrap();
    let position = KeysetPosition { key: Some(Scalar::Text("user0".into())), id: "x".into() };
    let old = encode_cursor(&position, query_tag("/Users", &query), 1);
    let reply = app.get(&format!("/scim/v2/Users?sortBy=userName&cursor={old}")).await;
    reply.assert_error(400, Some("expiredCursor"));
    // The same cursor fresh is accepted: the position is after user0.
    let fresh = encode_cursor(&position, query_tag("/Users", &query), scim::cursor::unix_now());
    let reply = app.get(&format!("/scim/v2/Users?sortBy=userName&cursor={fresh}")).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
    let names: Vec<&Value> = reply.body["Resources"].as_array().unwrap().iter().map(|r| &r["userName"]).collect();
    assert_eq!(names, [&json!("user1"), &json!("user2")]);
}

async fn discovery_advertises_both_pagination_methods(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    let config = app.get("/scim/v2/ServiceProviderConfig").await;
    let max = config.body["filter"]["maxResults"].clone();
    assert_eq!(
        config.body["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": max,
            "maxPageSize": max, "cursorTimeout": scim::cursor::CURSOR_TIMEOUT_SECONDS}),
        "{}",
        config.body
    );
}

/// The order a sorted cursor walk promises: by the (lower-cased) key, users without one last
/// ascending and first descending (RFC 7644 section 3.4.2.3), ties by id.
fn walk_order(a: Option<&str>, a_id: &str, b: Option<&str>, b_id: &str, descending: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let by_key = match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => a.cmp(b),
    };
    let by_key = if descending { by_key.reverse() } else { by_key };
    by_key.then_with(|| a_id.cmp(b_id))
}
