//! What the server asks of its store: the tenant scope of every call, `members` skipped when
//! the response leaves them out, the page size clamped, unsupported filters stopped before the
//! store, and the typed `resource::<T>()` registration. A recording store wraps MemoryStore
//! (or SqliteStore, where a user's memberships are read with the user).
#![cfg(feature = "server")]

mod server_common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::StatusCode;
use scim::ScimResult;
use scim::patch::PatchOperation;
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::{
    Fetched, FetchedPage, GetOptions, Membership, MemoryStore, Page, ResourceKind, Scope, SqliteStore, Store,
    StoreQuery, WithMemberships,
};
use scim::typed::{ResourceDescriptor, ScimResource};
use serde_json::{Value, json};
use server_common::*;

/// Every call: `(method, tenant, resource type, detail)`.
struct RecordingStore {
    inner: Arc<dyn Store>,
    calls: Mutex<Vec<(String, String, String, String)>>,
}

impl Default for RecordingStore {
    fn default() -> Self {
        RecordingStore::over(Arc::new(MemoryStore::new()))
    }
}

impl RecordingStore {
    fn over(inner: Arc<dyn Store>) -> Self {
        RecordingStore { inner, calls: Mutex::default() }
    }
    fn note(&self, method: &str, scope: &Scope<'_>, detail: String) {
        self.calls.lock().unwrap().push((
            method.to_owned(),
            scope.tenant.to_owned(),
            scope.kind.name().to_owned(),
            detail,
        ));
    }
    fn take(&self) -> Vec<(String, String, String, String)> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait]
impl Store for RecordingStore {
    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        self.inner.register(kinds).await
    }
    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.note("create", &scope, String::new());
        self.inner.create(scope, resource).await
    }
    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.note("import", &scope, String::new());
        self.inner.import(scope, resource).await
    }
    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        self.note("get", &scope, format!("exclude_members={}", options.exclude_members));
        self.inner.get(scope, id, options).await
    }
    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        self.note("list", &scope, list_detail(query));
        self.inner.list(scope, query).await
    }
    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        self.note("replace", &scope, format!("if_match={if_match:?}"));
        self.inner.replace(scope, id, resource, if_match).await
    }
    async fn patch(
        &self,
        scope: Scope<'_>,
        id: &str,
        operations: &[PatchOperation],
        if_match: Option<&str>,
        options: GetOptions,
    ) -> ScimResult<Value> {
        let detail = format!(
            "operations={} if_match={if_match:?} exclude_members={}",
            operations.len(),
            options.exclude_members
        );
        self.note("patch", &scope, detail);
        self.inner.patch(scope, id, operations, if_match, options).await
    }
    async fn existing_ids(&self, scope: Scope<'_>, ids: &[&str]) -> ScimResult<HashSet<String>> {
        self.note("existing_ids", &scope, format!("ids={}", ids.len()));
        self.inner.existing_ids(scope, ids).await
    }
    async fn get_with_memberships(
        &self,
        scope: Scope<'_>,
        id: &str,
        options: GetOptions,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<Fetched>> {
        self.note("get_with_memberships", &scope, format!("groups={}", groups.name()));
        self.inner.get_with_memberships(scope, id, options, groups).await
    }
    async fn list_with_memberships(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        groups: &ResourceKind,
    ) -> ScimResult<WithMemberships<FetchedPage>> {
        self.note("list_with_memberships", &scope, format!("groups={} {}", groups.name(), list_detail(query)));
        self.inner.list_with_memberships(scope, query, groups).await
    }
    async fn memberships(&self, scope: Scope<'_>, member_ids: &[&str]) -> ScimResult<Option<Vec<Membership>>> {
        self.note("memberships", &scope, format!("ids={}", member_ids.len()));
        self.inner.memberships(scope, member_ids).await
    }
    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        self.note("delete", &scope, format!("if_match={if_match:?}"));
        self.inner.delete(scope, id, if_match).await
    }
    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        self.note("add_members", &scope, String::new());
        self.inner.add_members(scope, group_id, members).await
    }
    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        self.note("remove_members", &scope, String::new());
        self.inner.remove_members(scope, group_id, member_ids).await
    }
}

fn list_detail(query: &StoreQuery<'_>) -> String {
    format!(
        "filter={} count={:?} start={} exclude_members={}",
        query.filter.is_some(),
        query.count,
        query.start_index,
        query.exclude_members
    )
}

fn calls(list: &[(String, String, String, String)]) -> Vec<String> {
    list.iter()
        .map(|(method, tenant, kind, detail)| format!("{method} {tenant} {kind} {detail}").trim().to_owned())
        .collect()
}

#[tokio::test]
async fn the_store_sees_the_tenant_the_clamped_page_and_whether_members_are_wanted() {
    let store = Arc::new(RecordingStore::default());
    let app = TestApp::with(builder(store.clone()).max_results(50));
    let user = app.create_user("alice").await;
    let group = app.create_group("admins", &[user["id"].as_str().unwrap()]).await;
    let group_uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    store.take();

    app.get(&format!("{group_uri}?excludedAttributes=members")).await;
    app.get(&group_uri).await;
    app.get(&format!("{group_uri}?attributes=displayName")).await;
    app.get("/scim/v2/Groups?excludedAttributes=members&filter=displayName%20eq%20%22admins%22").await;
    app.get("/scim/v2/Groups?count=1000").await;
    app.get("/scim/v2/Users?startIndex=3&count=7").await;
    assert_eq!(
        calls(&store.take()),
        [
            "get acme Group exclude_members=true",
            "get acme Group exclude_members=false",
            "get acme Group exclude_members=true",
            "list acme Group filter=true count=Some(50) start=1 exclude_members=true",
            "list acme Group filter=false count=Some(50) start=1 exclude_members=false",
            "list_with_memberships acme User groups=Group filter=false count=Some(7) start=3 exclude_members=true",
        ]
    );

    // Unsupported filters, bad bodies and failed authentication never reach the store.
    app.get("/scim/v2/Users?filter=title%20eq%20%22x%22").await.assert_error(400, Some("invalidFilter"));
    app.get("/scim/v2/Users?filter=userName%20gt%20%22x%22").await.assert_error(400, Some("invalidFilter"));
    app.post("/scim/v2/Users", &json!({"schemas": [USER_URN]})).await.assert_error(400, Some("invalidValue"));
    app.patch(&group_uri, &json!({"Operations": []})).await.assert_error(400, Some("invalidSyntax"));
    app.as_token(Some("nope")).get("/scim/v2/Users").await.assert_error(401, None);
    assert_eq!(calls(&store.take()), Vec::<String>::new());

    // Writes carry the tenant and the client's If-Match; PUT is based on the version it read.
    let globex = app.as_token(Some(GLOBEX));
    globex.create_user("bob").await;
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
    app.patch(&group_uri, &patch).await;
    app.put(&group_uri, &json!({"schemas": [GROUP_URN], "displayName": "y"})).await;
    app.delete(&group_uri).await;
    assert_eq!(
        calls(&store.take()),
        [
            "create globex User",
            "patch acme Group operations=1 if_match=None exclude_members=false",
            "get acme Group exclude_members=false",
            "replace acme Group if_match=Some(\"W/\\\"2\\\"\")",
            "delete acme Group if_match=None",
            // Groups may be members of groups: the deleted one's memberships are looked up.
            "list acme Group filter=true count=None start=1 exclude_members=true",
        ]
    );
}

/// Checking that a group's members are users of the tenant (issue 10 point 8) costs one
/// `existing_ids` call for the members the request names, never a read of the group's other
/// members: adding one member to a group of 300 looks up one id.
#[tokio::test]
async fn checking_members_looks_up_only_the_members_of_the_request() {
    let store = Arc::new(RecordingStore::default());
    let app = TestApp::with(builder(store.clone()).patch_returns_no_content_for("Group"));
    let mut ids = Vec::new();
    for n in 0..301 {
        ids.push(app.create_user(&format!("user{n}")).await["id"].as_str().unwrap().to_owned());
    }
    let first: Vec<&str> = ids[..300].iter().map(String::as_str).collect();
    store.take();
    let group = app.create_group("everyone", &first).await;
    assert_eq!(
        calls(&store.take()),
        ["existing_ids acme User ids=300", "create acme Group"],
        "all 300 members of the POST are checked in one call"
    );
    let uri = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let add = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": [{"value": ids[300]}]}]});
    assert_eq!(app.patch(&uri, &add).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        calls(&store.take()),
        ["existing_ids acme User ids=1", "patch acme Group operations=1 if_match=None exclude_members=true"]
    );
    // Removing needs no check at all.
    let remove = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Remove", "path": format!("members[value eq \"{}\"]", ids[0])}]});
    assert_eq!(app.patch(&uri, &remove).await.status, StatusCode::NO_CONTENT);
    assert_eq!(calls(&store.take()), ["patch acme Group operations=1 if_match=None exclude_members=true"]);
}

/// A typed resource as `#[derive(ScimResource)]` would expand to; the server needs only its
/// descriptor.
struct Employee;

impl ScimResource for Employee {
    fn descriptor() -> &'static ResourceDescriptor {
        user_descriptor()
    }
    fn id(&self) -> Option<String> {
        None
    }
    fn to_scim(&self) -> Value {
        Value::Null
    }
    fn from_scim(_: &Value) -> ScimResult<Self> {
        Ok(Employee)
    }
}

#[tokio::test]
async fn typed_resources_register_through_their_descriptor() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let builder = Server::builder()
        .tokens(TokenTable::new().tenant("acme", ACME))
        .resource::<Employee>(store)
        .patch_returns_no_content::<Employee>();
    let app = TestApp::with(builder);
    let created = app.create_user("alice").await;
    let uri = format!("/scim/v2/Users/{}", created["id"].as_str().unwrap());
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "x"}]});
    assert_eq!(app.patch(&uri, &patch).await.status, StatusCode::NO_CONTENT);
    let types = app.get("/scim/v2/ResourceTypes").await;
    assert_eq!(types.body["totalResults"], 1);
    // Registering the same resource type twice is a configuration error.
    let twice = Server::builder()
        .tokens(TokenTable::new().tenant("acme", ACME))
        .resource::<Employee>(Arc::new(MemoryStore::new()))
        .resource::<Employee>(Arc::new(MemoryStore::new()));
    assert!(twice.build().is_err());
}

#[test]
fn resource_types_cannot_take_the_servers_own_endpoints() {
    let mut checked = 0;
    for endpoint in ["/Schemas", "/me", "/Bulk/", "/.search", "/Users/{id}", ""] {
        let json = format!(
            r#"{{"id":"T","name":"T","endpoint":"{endpoint}","schema":"urn:ietf:params:scim:schemas:core:2.0:Group"}}"#
        );
        let spec = scim::typed::DescriptorSpec {
            resource_type_json: Box::leak(json.into_boxed_str()),
            schemas_json: &[include_str!("../../schemas/core-group.json")],
            fields: &[scim::typed::FieldSpec { rust_name: "id", path: "id", filter: scim::typed::FilterFlag::Default }],
        };
        let Ok(descriptor) = ResourceDescriptor::build(&spec) else { continue };
        let builder = Server::builder()
            .tokens(TokenTable::new().tenant("acme", ACME))
            .resource_descriptor(Arc::new(descriptor), Arc::new(MemoryStore::new()));
        assert!(builder.build().is_err(), "{endpoint}");
        checked += 1;
    }
    assert!(checked >= 4, "the descriptors of the reserved endpoints should build");
}

#[tokio::test]
async fn descriptors_built_at_run_time_are_served() {
    // A runtime descriptor for Group (as a server loading schema files at start-up would have).
    let group = Arc::new(
        ResourceDescriptor::build(&scim::typed::DescriptorSpec {
            resource_type_json: r#"{"id":"Team","name":"Team","endpoint":"/Teams","schema":"urn:ietf:params:scim:schemas:core:2.0:Group"}"#,
            schemas_json: &[include_str!("../../schemas/core-group.json")],
            fields: &[
                scim::typed::FieldSpec { rust_name: "id", path: "id", filter: scim::typed::FilterFlag::Default },
                scim::typed::FieldSpec {
                    rust_name: "name",
                    path: "displayName",
                    filter: scim::typed::FilterFlag::Default,
                },
            ],
        })
        .unwrap(),
    );
    let builder = Server::builder()
        .tokens(TokenTable::new().tenant("acme", ACME))
        .resource_descriptor(group, Arc::new(MemoryStore::new()));
    let app = TestApp::with(builder);
    let reply = app.post("/scim/v2/Teams", &json!({"schemas": [GROUP_URN], "displayName": "red"})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["meta"]["resourceType"], "Team");
    let listed = app.get("/scim/v2/Teams?filter=displayName%20eq%20%22red%22").await;
    assert_eq!(listed.body["totalResults"], 1);
    assert_eq!(app.get("/scim/v2/ResourceTypes/Team").await.body["endpoint"], "/Teams");
}

/// A user's `groups` costs one `memberships` call per response: for a single read, and for a
/// whole list page at once (never one per user); none when the response leaves `groups` out
/// (`excludedAttributes=groups`, `attributes=userName`) or for a 201 (a new user is in no group).
#[tokio::test]
async fn a_users_groups_cost_one_memberships_call_per_response() {
    let store = Arc::new(RecordingStore::default());
    let app = TestApp::with(builder(store.clone()));
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.create_user(&format!("user{n}")).await["id"].as_str().unwrap().to_owned());
    }
    let members: Vec<&str> = ids.iter().map(String::as_str).collect();
    app.create_group("everyone", &members).await;
    app.create_group("first", &members[..1]).await;
    assert!(!calls(&store.take()).iter().any(|call| call.starts_with("memberships")), "a create does not look");

    let user = format!("/scim/v2/Users/{}", ids[0]);
    let read = app.get(&user).await;
    assert_eq!(read.body["groups"].as_array().map(Vec::len), Some(2), "{}", read.body);
    let list = app.get("/scim/v2/Users?count=4").await;
    let page = list.body["Resources"].as_array().unwrap();
    assert_eq!(page.len(), 4);
    assert!(page.iter().all(|user| user["groups"].is_array()), "{}", list.body);
    // MemoryStore does not read memberships with the users, so the server asks for them.
    assert_eq!(
        calls(&store.take()),
        [
            "get_with_memberships acme User groups=Group",
            "memberships acme Group ids=1",
            "list_with_memberships acme User groups=Group filter=false count=Some(4) start=1 exclude_members=true",
            "memberships acme Group ids=4",
        ]
    );

    for query in ["excludedAttributes=groups", "attributes=userName", "attributes=name.givenName"] {
        app.get(&format!("{user}?{query}")).await;
        app.get(&format!("/scim/v2/Users?{query}")).await;
        assert!(!calls(&store.take()).iter().any(|call| call.starts_with("memberships")), "{query}");
    }
    app.get(&format!("{user}?attributes=groups.display")).await;
    assert_eq!(calls(&store.take()), ["get_with_memberships acme User groups=Group", "memberships acme Group ids=1"]);
    // An empty page asks nothing.
    app.get("/scim/v2/Users?filter=userName%20eq%20%22nobody%22").await;
    assert_eq!(
        calls(&store.take()),
        ["list_with_memberships acme User groups=Group filter=true count=Some(200) start=1 exclude_members=true"]
    );
}

/// Where one SQL store keeps users and groups, a user's `groups` is read by the user's own
/// statement: a GET, a list page, a cursor page sorted by `userName` (whose statement reads two
/// arms) and a `.search` each make one store call and no `memberships` call, and show the same
/// `groups` as the separate lookup.
#[tokio::test]
async fn sql_stores_read_a_users_groups_with_the_user() {
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap());
    let store = Arc::new(RecordingStore::over(sqlite));
    let app = TestApp::with(builder(store.clone()));
    let mut ids = Vec::new();
    for name in ["dora", "abe", "cy"] {
        ids.push(app.create_user(name).await["id"].as_str().unwrap().to_owned());
    }
    let everyone = app.create_group("everyone", &[&ids[0], &ids[1], &ids[2]]).await;
    let first = app.create_group("first", &[&ids[0]]).await;
    store.take();
    let display = |user: &Value| -> Vec<String> {
        let groups = user["groups"].as_array().cloned().unwrap_or_default();
        groups.iter().map(|group| group["display"].as_str().unwrap().to_owned()).collect()
    };

    let read = app.get(&format!("/scim/v2/Users/{}", ids[0])).await;
    assert_eq!(display(&read.body), ["everyone", "first"], "{}", read.body);
    assert_eq!(read.body["groups"][1]["value"], first["id"]);
    assert_eq!(read.body["groups"][0]["$ref"], everyone["meta"]["location"]);
    assert_eq!(read.body["groups"][0]["type"], "direct");
    assert_eq!(calls(&store.take()), ["get_with_memberships acme User groups=Group"]);

    let list = app.get("/scim/v2/Users?count=2").await;
    let page = list.body["Resources"].as_array().unwrap();
    assert_eq!(page.iter().map(display).collect::<Vec<_>>(), [vec!["everyone", "first"], vec!["everyone"]]);
    let page_call =
        "list_with_memberships acme User groups=Group filter=false count=Some(2) start=1 exclude_members=true";
    assert_eq!(calls(&store.take()), [page_call]);

    let sorted = app.get("/scim/v2/Users?sortBy=userName&count=2&cursor=").await;
    let page = sorted.body["Resources"].as_array().unwrap();
    let names: Vec<&str> = page.iter().map(|user| user["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["abe", "cy"], "{}", sorted.body);
    assert!(page.iter().all(|user| display(user) == ["everyone"]), "{}", sorted.body);
    // A cursor page asks one more than it shows, to know whether another follows.
    let cursor_call =
        "list_with_memberships acme User groups=Group filter=false count=Some(3) start=1 exclude_members=true";
    assert_eq!(calls(&store.take()), [cursor_call]);

    let search =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"dora\""});
    let found = app.post("/scim/v2/Users/.search", &search).await;
    assert_eq!(display(&found.body["Resources"][0]), ["everyone", "first"], "{}", found.body);
    let search_call =
        "list_with_memberships acme User groups=Group filter=true count=Some(200) start=1 exclude_members=true";
    assert_eq!(calls(&store.take()), [search_call]);

    // Left out, nothing is read for it.
    app.get(&format!("/scim/v2/Users/{}?excludedAttributes=groups", ids[0])).await;
    assert_eq!(calls(&store.take()), ["get acme User exclude_members=true"]);
}
