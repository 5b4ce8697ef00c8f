//! Typed backends (`scim::typed::backend`): the exported store contract run against a typed
//! backend over a `HashMap` that matches the generated `PersonFilter` exhaustively, and against
//! the built-in stores; the runtime's in-memory fallbacks when the backend declines; and the
//! server serving a backend over HTTP (meta, ETags, If-Match, PATCH).
#![cfg(feature = "server")]

mod server_common;
mod store_common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode, header};
use scim::query::SortOrder;
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::{MemoryStore, Store};
use scim::testkit::StoreContract;
use scim::typed::backend::{
    Backend, BackendError, BackendResult, ListQuery, Listed, Members, Record, Stored, TypedStore,
};
use scim::typed::query::OffsetDateTime;
use scim_derive::ScimResource;
use serde_json::{Value, json};
use server_common::*;

/// A person with attributes of several types and operators, so that the generated filter has
/// string (case-insensitive and caseExact), boolean and presence variants.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", endpoint = "/Users")]
pub struct Person {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "externalId", filter = "eq")]
    pub external_id: Option<String>,
    #[scim(path = "userName", filter = "eq sw co")]
    pub login: String,
    #[scim(path = "displayName", filter = "eq ne pr")]
    pub display_name: Option<String>,
    #[scim(path = "active", filter = "eq")]
    pub active: Option<bool>,
    #[scim(path = "title", no_filter)]
    pub title: Option<String>,
    /// Entra ID's work address: a selector path, with a typed variant of its own.
    #[scim(path = "emails[type eq \"work\"].value", filter = "eq")]
    pub work_email: Option<String>,
}

/// Rows by (tenant, creation number); records the queries it was asked.
#[derive(Debug, Default)]
struct People {
    rows: Mutex<BTreeMap<(String, u64), (Person, Record)>>,
    next: Mutex<u64>,
    asked: Mutex<Vec<ListQuery<Person>>>,
    /// The id batches of `existing_ids` calls.
    existence_checks: Arc<Mutex<Vec<Vec<String>>>>,
}

/// Exhaustive: making one more attribute filterable stops this from compiling.
fn matches(filter: &PersonFilter, p: &Person, record: &Record) -> bool {
    let text = |value: &Option<String>| value.as_deref().map(str::to_lowercase);
    match filter {
        PersonFilter::Id(PersonIdTest::Eq(id)) => record.id == *id,
        // caseExact: compared as is.
        PersonFilter::ExternalId(PersonExternalIdTest::Eq(value)) => p.external_id.as_ref() == Some(value),
        PersonFilter::UserName(test) => {
            let login = p.login.to_lowercase();
            match test {
                PersonUserNameTest::Eq(value) => login == *value,
                PersonUserNameTest::Sw(value) => login.starts_with(value.as_str()),
                PersonUserNameTest::Co(value) => login.contains(value.as_str()),
            }
        }
        PersonFilter::DisplayName(test) => match test {
            PersonDisplayNameTest::Eq(value) => text(&p.display_name).as_ref() == Some(value),
            PersonDisplayNameTest::Ne(value) => text(&p.display_name).as_ref() != Some(value),
            PersonDisplayNameTest::Pr => p.display_name.as_deref().is_some_and(|d| !d.is_empty()),
        },
        PersonFilter::Active(PersonActiveTest::Eq(value)) => p.active == Some(*value),
        // The element `[type eq "work"]` selects; `value` is not caseExact: lower-cased.
        PersonFilter::EmailsWorkValue(PersonEmailsWorkValueTest::Eq(value)) => {
            text(&p.work_email).as_ref() == Some(value)
        }
        PersonFilter::And(a, b) => matches(a, p, record) && matches(b, p, record),
        PersonFilter::Or(a, b) => matches(a, p, record) || matches(b, p, record),
        PersonFilter::Not(a) => !matches(a, p, record),
    }
}

/// Whether the filter uses `co`, which this backend declines (the runtime evaluates it).
fn uses_contains(filter: &PersonFilter) -> bool {
    match filter {
        PersonFilter::UserName(PersonUserNameTest::Co(_)) => true,
        PersonFilter::And(a, b) | PersonFilter::Or(a, b) => uses_contains(a) || uses_contains(b),
        PersonFilter::Not(a) => uses_contains(a),
        _ => false,
    }
}

fn key(tenant: &str, id: &str) -> BackendResult<(String, u64)> {
    Ok((tenant.to_owned(), id.parse().map_err(|_| BackendError::NotFound)?))
}

impl People {
    fn taken(
        &self,
        rows: &BTreeMap<(String, u64), (Person, Record)>,
        tenant: &str,
        except: Option<u64>,
        login: &str,
    ) -> bool {
        rows.iter()
            .any(|((t, n), (p, _))| t == tenant && Some(*n) != except && p.login.to_lowercase() == login.to_lowercase())
    }
}

#[async_trait::async_trait]
impl Backend<Person> for People {
    async fn create(&self, tenant: &str, person: Person) -> BackendResult<Stored<Person>> {
        let mut rows = self.rows.lock().unwrap();
        if self.taken(&rows, tenant, None, &person.login) {
            return Err(BackendError::Conflict { attribute: Some("userName".into()) });
        }
        let mut next = self.next.lock().unwrap();
        *next += 1;
        let record = Record::new(next.to_string(), Some(1), OffsetDateTime::now_utc());
        rows.insert((tenant.to_owned(), *next), (person.clone(), record.clone()));
        Ok(Stored { resource: person, record })
    }

    async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<Person>> {
        let rows = self.rows.lock().unwrap();
        let (person, record) = rows.get(&key(tenant, id)?).ok_or(BackendError::NotFound)?;
        Ok(Stored { resource: person.clone(), record: record.clone() })
    }

    async fn replace(
        &self,
        tenant: &str,
        id: &str,
        person: Person,
        expected: Option<u64>,
    ) -> BackendResult<Stored<Person>> {
        let key = key(tenant, id)?;
        let mut rows = self.rows.lock().unwrap();
        if !rows.contains_key(&key) {
            return Err(BackendError::NotFound);
        }
        if self.taken(&rows, tenant, Some(key.1), &person.login) {
            return Err(BackendError::Conflict { attribute: Some("userName".into()) });
        }
        let (stored, record) = rows.get_mut(&key).ok_or(BackendError::NotFound)?;
        if expected.is_some_and(|v| Some(v) != record.version) {
            return Err(BackendError::VersionMismatch);
        }
        *stored = person.clone();
        record.version = record.version.map(|v| v + 1);
        record.last_modified = OffsetDateTime::now_utc();
        Ok(Stored { resource: person, record: record.clone() })
    }

    async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
        let key = key(tenant, id)?;
        let mut rows = self.rows.lock().unwrap();
        let (_, record) = rows.get(&key).ok_or(BackendError::NotFound)?;
        if expected.is_some_and(|v| Some(v) != record.version) {
            return Err(BackendError::VersionMismatch);
        }
        rows.remove(&key);
        Ok(())
    }

    /// One look at the rows for the whole batch.
    async fn existing_ids(&self, tenant: &str, ids: &[&str]) -> BackendResult<HashSet<String>> {
        self.existence_checks.lock().unwrap().push(ids.iter().map(|id| (*id).to_owned()).collect());
        let rows = self.rows.lock().unwrap();
        Ok(ids
            .iter()
            .filter(|id| key(tenant, id).is_ok_and(|k| rows.contains_key(&k)))
            .map(|id| (*id).to_owned())
            .collect())
    }

    async fn list(&self, tenant: &str, query: &ListQuery<Person>) -> BackendResult<Listed<Person>> {
        self.asked.lock().unwrap().push(query.clone());
        if query.filter.as_ref().is_some_and(uses_contains) {
            return Err(BackendError::Unsupported("userName co".into()));
        }
        let rows = self.rows.lock().unwrap();
        let mut found: Vec<Stored<Person>> = rows
            .iter()
            .filter(|((t, _), (p, r))| t == tenant && query.filter.as_ref().is_none_or(|f| matches(f, p, r)))
            .map(|(_, (p, r))| Stored { resource: p.clone(), record: r.clone() })
            .collect();
        match query.sort {
            None => {}
            // Sorted here by id and userName (a stable sort keeps creation order among ties);
            // the others are declined.
            Some((PersonSort::Id, order)) => {
                found.sort_by(|a, b| a.record.id.cmp(&b.record.id));
                if order == SortOrder::Descending {
                    found.reverse();
                }
            }
            Some((PersonSort::UserName, order)) => found.sort_by(|a, b| {
                let o = a.resource.login.to_lowercase().cmp(&b.resource.login.to_lowercase());
                if order == SortOrder::Descending { o.reverse() } else { o }
            }),
            Some((sort @ (PersonSort::ExternalId | PersonSort::DisplayName | PersonSort::Active), _)) => {
                return Err(BackendError::Unsupported(format!("sort by {sort:?}")));
            }
        }
        let total_results = found.len();
        let resources = found.into_iter().skip(query.offset()).take(query.limit()).collect();
        Ok(Listed { total_results, resources })
    }
}

/// Distinct people; displayName and active are missing on some, so presence and ordering of
/// missing values are exercised. Ids are single digits, so they sort as numbers do.
fn sample(i: usize) -> Value {
    let login = ["Alice", "bob", "Carol", "dave", "Émile", "frank", "Grace", "heidi"][i % 8];
    let mut person = json!({
        "schemas": [USER_URN],
        "userName": login,
        "externalId": format!("Ext-{i}"),
        "title": "Engineer",
    });
    if !i.is_multiple_of(3) {
        person["displayName"] = json!(format!("Person {}", 7 - i));
    }
    if i.is_multiple_of(2) {
        person["active"] = json!(i.is_multiple_of(4));
    }
    if i % 4 != 1 {
        person["emails"] = json!([{"value": format!("{login}@Work.example"), "type": "work"}]);
    }
    person
}

fn contract() -> StoreContract {
    StoreContract::for_type::<Person>(sample)
}

#[tokio::test]
async fn a_typed_backend_keeps_the_store_contract() {
    let contract = contract();
    let store = TypedStore::<Person, People>::new(People::default());
    store.register(&[contract.kind()]).await.unwrap();
    contract.run(&store).await;
    // Some lists were answered by the backend in full, and the declined ones again unpaged.
    let asked = store.backend().asked.lock().unwrap().clone();
    assert!(asked.iter().any(|q| q.filter.is_some() && q.count.is_some() || q.start_index > 1), "{asked:?}");
    // The selector path's filters reached the backend as its typed variant.
    assert!(asked.iter().any(|q| matches!(q.filter, Some(PersonFilter::EmailsWorkValue(_)))), "{asked:?}");
    assert!(
        asked.iter().all(|q| !(q.filter.as_ref().is_some_and(uses_contains) && q.count.is_some() && q.start_index > 1))
    );
}

#[tokio::test]
async fn the_built_in_stores_keep_the_same_contract() {
    let contract = contract();
    let memory = MemoryStore::new();
    memory.register(&[contract.kind()]).await.unwrap();
    contract.run(&memory).await;
    let sqlite = scim::store::SqliteStore::connect("sqlite::memory:").await.unwrap();
    sqlite.register(&[contract.kind()]).await.unwrap();
    contract.run(&sqlite).await;
    // PostgreSQL when the tests have one (scripts/test always does: see store_common).
    if let Some(url) = store_common::postgres_schema_url().await {
        let postgres = scim::store::PostgresStore::connect(&url).await.unwrap();
        postgres.register(&[contract.kind()]).await.unwrap();
        contract.run(&postgres).await;
    }
}

/// The generated filter carries typed, lower-cased literals; what has no typed form (a value
/// filter other than a mapped selector's) is `None`, so the runtime evaluates it in memory.
#[test]
fn filters_convert_to_the_generated_enum() {
    use scim::filter::{parse_filter, resolve_filter};
    use scim::typed::ScimResource;
    use scim::typed::query::typed_filter;
    let schema = Person::descriptor().resource_schema();
    let typed = |text: &str| typed_filter::<Person>(&resolve_filter(&parse_filter(text).unwrap(), schema).unwrap());
    assert_eq!(
        typed(r#"userName eq "ALICE" and not (active eq true)"#),
        Some(PersonFilter::And(
            Box::new(PersonFilter::UserName(PersonUserNameTest::Eq("alice".into()))),
            Box::new(PersonFilter::Not(Box::new(PersonFilter::Active(PersonActiveTest::Eq(true))))),
        ))
    );
    assert_eq!(
        typed(r#"externalId eq "Ext-1""#),
        Some(PersonFilter::ExternalId(PersonExternalIdTest::Eq("Ext-1".into())))
    );
    assert_eq!(typed("displayName pr"), Some(PersonFilter::DisplayName(PersonDisplayNameTest::Pr)));
    // The selector path, in the path and the bracket form, is the field's variant; any other
    // value filter on `emails` has no typed form.
    let work = Some(PersonFilter::EmailsWorkValue(PersonEmailsWorkValueTest::Eq("kim@work.example".into())));
    assert_eq!(typed(r#"emails[type eq "work"].value eq "Kim@Work.example""#), work);
    assert_eq!(typed(r#"emails[value eq "Kim@Work.example" and type eq "WORK"]"#), work);
    for other in [
        r#"emails[type eq "work" or value eq "x"]"#,
        r#"emails[type eq "work" and value eq "x" and value eq "y"]"#,
        r#"emails[type eq "home"].value eq "x""#,
        r#"emails[value eq "x"]"#,
        r#"emails.value eq "x""#,
    ] {
        assert_eq!(typed(other), None, "{other}");
    }
    // `ne null` is `pr`, `eq null` is `not pr`.
    assert_eq!(
        typed("displayName eq null"),
        Some(PersonFilter::Not(Box::new(PersonFilter::DisplayName(PersonDisplayNameTest::Pr))))
    );
}

/// A list the backend declines is answered in memory over everything, filtered before paging.
#[tokio::test]
async fn declined_lists_are_filtered_before_paging() {
    let contract = contract();
    let store = TypedStore::<Person, People>::new(People::default());
    let kind = contract.kind();
    let scope = scim::store::Scope::new("t", &kind);
    for i in 0..8 {
        store.create(scope, sample(i)).await.unwrap();
    }
    let filter = scim::filter::parse_filter(r#"userName co "a""#).unwrap();
    let resolved = scim::filter::resolve_filter(&filter, &kind.schema).unwrap();
    let query =
        scim::store::StoreQuery { filter: Some(&resolved), start_index: 2, count: Some(2), ..Default::default() };
    let page = store.list(scope, &query).await.unwrap();
    // alice, carol, dave, frank, grace contain "a" (case-insensitively): 5 in all, page 2..3.
    assert_eq!(page.total_results, 5);
    let names: Vec<&str> = page.resources.iter().map(|r| r["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Carol", "dave"]);
    let asked = store.backend().asked.lock().unwrap().clone();
    assert_eq!(asked.last(), Some(&ListQuery::everything()), "the fallback asks for everything, unpaged");
    assert_eq!(asked.len(), 2, "the declined filter is not asked for a second time: {asked:?}");
}

/// Served over HTTP: meta and ETag from the record, If-Match, PATCH through the typed type.
#[tokio::test]
async fn the_server_serves_a_typed_backend() {
    let app = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(People::default()),
    );
    let created = app.post("/scim/v2/Users", &sample(0)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["id"], "1");
    assert_eq!(created.body["meta"]["version"], "W/\"1\"");
    assert_eq!(created.header(header::ETAG), Some("W/\"1\""));
    assert_eq!(created.body["meta"]["location"], "http://scim.example.com/scim/v2/Users/1");
    let patch = json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]});
    let patched = app.patch("/scim/v2/Users/1", &patch).await;
    assert_eq!((patched.status, &patched.body["title"]), (StatusCode::OK, &json!("Lead")), "{}", patched.body);
    assert_eq!(patched.body["meta"]["version"], "W/\"2\"");
    let request = app
        .request(Method::PUT, "/scim/v2/Users/1")
        .header(header::CONTENT_TYPE, "application/scim+json")
        .header(header::IF_MATCH, "W/\"1\"");
    let stale = app.send(request.body(axum::body::Body::from(sample(1).to_string())).unwrap()).await;
    stale.assert_error(412, None);
    let taken = app.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": "ALICE"})).await;
    let detail = taken.assert_error(409, Some("uniqueness"));
    assert!(detail.contains("userName") && detail.contains("ALICE"), "{detail}");
    let listed = app.get("/scim/v2/Users?filter=userName%20eq%20%22alice%22").await;
    assert_eq!(listed.body["totalResults"], 1, "{}", listed.body);
    app.get("/scim/v2/Users?filter=title%20eq%20%22Lead%22").await.assert_error(400, Some("invalidFilter"));
    assert_eq!(app.delete("/scim/v2/Users/1").await.status, StatusCode::NO_CONTENT);
    app.get("/scim/v2/Users/1").await.assert_error(404, None);
}

/// A group type, for membership.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "Group", endpoint = "/Groups")]
pub struct Team {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "displayName")]
    pub name: Option<String>,
    #[scim(path = "members", no_filter)]
    pub members: Vec<Value>,
}

/// What [`Teams`] was asked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct TeamCalls {
    /// Whole-team writes.
    replaced: usize,
    /// Calls of the member capability.
    deltas: usize,
    /// Reads with members.
    gets: usize,
    /// Reads without members.
    bare_gets: usize,
    /// Lists with members.
    lists: usize,
    /// Lists without members (`ListQuery::exclude_members`).
    bare_lists: usize,
}

/// Teams by id (one tenant); with `capability`, member changes go through [`Members`] (each
/// bumps the version). Calls are counted in `calls`, which a test keeps a handle on.
#[derive(Debug, Default)]
struct Teams {
    rows: Mutex<BTreeMap<String, (Team, Record)>>,
    capability: bool,
    /// No version column: records carry `version: None`.
    versionless: bool,
    /// Lists are answered (by `displayName eq` or unfiltered), else declined.
    listing: bool,
    calls: Arc<Mutex<TeamCalls>>,
}

impl Teams {
    fn count(&self, call: impl FnOnce(&mut TeamCalls)) {
        call(&mut self.calls.lock().unwrap());
    }

    fn calls(&self) -> TeamCalls {
        *self.calls.lock().unwrap()
    }

    /// Change a team's members, bumping its version.
    fn change(&self, group_id: &str, change: impl FnOnce(&mut Vec<Value>)) -> BackendResult<()> {
        self.count(|c| c.deltas += 1);
        let mut rows = self.rows.lock().unwrap();
        let (team, record) = rows.get_mut(group_id).ok_or(BackendError::NotFound)?;
        change(&mut team.members);
        record.version = record.version.map(|v| v + 1);
        Ok(())
    }
}

#[async_trait::async_trait]
impl Backend<Team> for Teams {
    async fn create(&self, _: &str, team: Team) -> BackendResult<Stored<Team>> {
        let mut rows = self.rows.lock().unwrap();
        let version = (!self.versionless).then_some(1);
        let record = Record::new((rows.len() + 1).to_string(), version, OffsetDateTime::now_utc());
        rows.insert(record.id.clone(), (team.clone(), record.clone()));
        Ok(Stored { resource: team, record })
    }

    async fn get(&self, _: &str, id: &str) -> BackendResult<Stored<Team>> {
        self.count(|c| c.gets += 1);
        let rows = self.rows.lock().unwrap();
        let (team, record) = rows.get(id).ok_or(BackendError::NotFound)?;
        Ok(Stored { resource: team.clone(), record: record.clone() })
    }

    async fn get_without_members(&self, _: &str, id: &str) -> BackendResult<Stored<Team>> {
        self.count(|c| c.bare_gets += 1);
        let rows = self.rows.lock().unwrap();
        let (team, record) = rows.get(id).ok_or(BackendError::NotFound)?;
        Ok(Stored { resource: Team { members: Vec::new(), ..team.clone() }, record: record.clone() })
    }

    async fn replace(&self, _: &str, id: &str, team: Team, expected: Option<u64>) -> BackendResult<Stored<Team>> {
        self.count(|c| c.replaced += 1);
        let mut rows = self.rows.lock().unwrap();
        let (stored, record) = rows.get_mut(id).ok_or(BackendError::NotFound)?;
        if expected.is_some_and(|v| Some(v) != record.version) {
            return Err(BackendError::VersionMismatch);
        }
        *stored = team.clone();
        record.version = record.version.map(|v| v + 1);
        Ok(Stored { resource: team, record: record.clone() })
    }

    async fn delete(&self, _: &str, id: &str, _: Option<u64>) -> BackendResult<()> {
        self.rows.lock().unwrap().remove(id).map(drop).ok_or(BackendError::NotFound)
    }

    async fn list(&self, _: &str, query: &ListQuery<Team>) -> BackendResult<Listed<Team>> {
        let name = match &query.filter {
            _ if !self.listing || query.sort.is_some() => return Err(BackendError::Unsupported("lists".into())),
            None => None,
            Some(TeamFilter::DisplayName(TeamDisplayNameTest::Eq(name))) => Some(name.clone()),
            Some(_) => return Err(BackendError::Unsupported("that filter".into())),
        };
        self.count(|c| if query.exclude_members { c.bare_lists += 1 } else { c.lists += 1 });
        let rows = self.rows.lock().unwrap();
        let matching: Vec<Stored<Team>> = rows
            .values()
            .filter(|(team, _)| name.is_none() || team.name.as_deref().map(str::to_lowercase) == name)
            .map(|(team, record)| {
                let members = if query.exclude_members { Vec::new() } else { team.members.clone() };
                Stored { resource: Team { members, ..team.clone() }, record: record.clone() }
            })
            .collect();
        let resources = matching.iter().skip(query.offset()).take(query.limit()).cloned().collect();
        Ok(Listed { total_results: matching.len(), resources })
    }

    fn members(&self) -> Option<&dyn Members> {
        self.capability.then_some(self as &dyn Members)
    }
}

#[async_trait::async_trait]
impl Members for Teams {
    async fn add_members(&self, _: &str, group_id: &str, members: &[Value]) -> BackendResult<()> {
        self.change(group_id, |list| {
            for member in members {
                if !list.iter().any(|m| m["value"] == member["value"]) {
                    list.push(member.clone());
                }
            }
        })
    }

    async fn remove_members(&self, _: &str, group_id: &str, ids: &[String]) -> BackendResult<()> {
        self.change(group_id, |list| list.retain(|m| !ids.iter().any(|id| m["value"] == id.as_str())))
    }
}

fn team_kind() -> scim::store::ResourceKind {
    use scim::typed::ScimResource;
    scim::store::ResourceKind::new(Team::descriptor().resource_schema().clone(), &["displayName"]).unwrap()
}

fn remove_member(id: &str) -> scim::patch::PatchOperation {
    scim::patch::PatchOperation::remove(&format!(r#"members[value eq "{id}"]"#)).unwrap()
}

/// Membership changes: through the backend's [`Members`] capability when it has one (no
/// whole-group write), else through get and replace; duplicates and bad members handled alike.
#[tokio::test]
async fn members_change_through_the_capability_or_get_and_replace() {
    use scim::patch::PatchOperation;
    use scim::store::{GetOptions, Scope};
    let kind = team_kind();
    let scope = Scope::new("t", &kind);
    for capability in [false, true] {
        let store = TypedStore::<Team, Teams>::new(Teams { capability, ..Teams::default() });
        let team = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops",
            "members": [{"value": "a"}]});
        let id = store.create(scope, team).await.unwrap()["id"].as_str().unwrap().to_owned();
        store.add_members(scope, &id, &[json!({"value": "b"}), json!({"value": "c"})]).await.unwrap();
        store.remove_members(scope, &id, &["a".to_owned(), "nobody".to_owned()]).await.unwrap();
        let read = store.get(scope, &id, GetOptions::default()).await.unwrap();
        assert_eq!(read["members"], json!([{"value": "b"}, {"value": "c"}]), "capability {capability}");
        // A members-only PATCH (Entra's shape) takes the same way.
        let operations = [
            PatchOperation::add(Some("members"), json!([{"value": "d", "type": "User"}])).unwrap(),
            remove_member("b"),
        ];
        let patched = store.patch(scope, &id, &operations, None, GetOptions::default()).await.unwrap();
        assert_eq!(
            patched["members"],
            json!([{"value": "c"}, {"value": "d", "type": "User"}]),
            "capability {capability}"
        );
        let bad = [PatchOperation::add(Some("members"), json!([{"value": "e", "nickname": "x"}])).unwrap()];
        let error = store.patch(scope, &id, &bad, None, GetOptions::default()).await.unwrap_err();
        assert_eq!(error.status, 400, "capability {capability}: {error}");
        let error = store.add_members(scope, &id, &[json!({"type": "User"})]).await.unwrap_err();
        assert_eq!(error.status, 400, "a member without value: {error}");
        assert_eq!(store.add_members(scope, "9", &[json!({"value": "b"})]).await.unwrap_err().status, 404);
        let calls = store.backend().calls();
        if capability {
            assert_eq!((calls.replaced, calls.deltas), (0, 5), "the capability, never a whole-group write");
        } else {
            assert_eq!((calls.replaced, calls.deltas), (3, 0), "get and replace, once per change");
            assert_eq!(read["meta"]["version"], "W/\"3\"");
            assert_eq!(patched["meta"]["version"], "W/\"4\"");
        }
    }
}

/// Which PATCHes the capability serves is the PATCH engine's member delta of each operation:
/// Entra's value-list removal, an add of a member already there, and an add then removal of the
/// same member in one request come out as the engine says; a PATCH that also touches another
/// attribute, or removes members by a filter the named ids do not decide, is read, applied and
/// replaced whole.
#[tokio::test]
async fn the_capability_replays_the_patch_engines_member_delta() {
    use scim::patch::{PatchOpKind, PatchOperation};
    use scim::store::{GetOptions, Scope};
    let kind = team_kind();
    let scope = Scope::new("t", &kind);
    let store = TypedStore::<Team, Teams>::new(Teams { capability: true, ..Teams::default() });
    let team = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops",
        "members": [{"value": "a", "type": "User"}, {"value": "b"}]});
    let id = store.create(scope, team).await.unwrap()["id"].as_str().unwrap().to_owned();
    let entra_removal = PatchOperation {
        op: PatchOpKind::Remove,
        path: Some(scim::filter::parse_path("members").unwrap()),
        value: Some(json!([{"value": "b"}, {"value": "nobody"}])),
    };
    let operations = [
        entra_removal,
        PatchOperation::add(Some("members"), json!([{"value": "a"}, {"value": "c"}, {"value": "c"}])).unwrap(),
        PatchOperation::add(Some("members"), json!({"value": "d"})).unwrap(),
        remove_member("d"),
    ];
    let patched = store.patch(scope, &id, &operations, None, GetOptions::default()).await.unwrap();
    assert_eq!(patched["members"], json!([{"value": "a", "type": "User"}, {"value": "c"}]));
    assert_eq!(store.backend().calls().replaced, 0, "members only: no whole-group write");
    assert_eq!(store.backend().calls().deltas, 4, "one call per operation, each naming only its members");

    let mixed = [
        PatchOperation::add(Some("members"), json!([{"value": "e"}])).unwrap(),
        PatchOperation::replace(Some("displayName"), json!("core")).unwrap(),
    ];
    let patched = store.patch(scope, &id, &mixed, None, GetOptions::default()).await.unwrap();
    assert_eq!((patched["displayName"].as_str(), patched["members"].as_array().map(Vec::len)), (Some("core"), Some(3)));
    let by_type = [PatchOperation::remove(r#"members[type eq "User"]"#).unwrap()];
    let patched = store.patch(scope, &id, &by_type, None, GetOptions::default()).await.unwrap();
    assert_eq!(patched["members"], json!([{"value": "c"}, {"value": "e"}]));
    assert_eq!((store.backend().calls().replaced, store.backend().calls().deltas), (2, 4), "both whole writes");
}

/// A members-only PATCH whose reply leaves members out (Entra ID's `204`, or
/// `excludedAttributes=members`) reads the group without its members, as the built-in stores
/// skip their members table; a reply with members reads them.
#[tokio::test]
async fn a_members_only_patch_reads_members_back_only_when_the_reply_shows_them() {
    let people = People::default();
    let teams = Teams { capability: true, ..Teams::default() };
    let calls = teams.calls.clone();
    let app = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(people)
            .backend::<Team, _>(teams)
            .patch_returns_no_content::<Team>(),
    );
    let user = app.post("/scim/v2/Users", &sample(0)).await.id();
    let team = app.post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "ops"})).await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.body);
    let before = *calls.lock().unwrap();
    let add =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "Add", "path": "members", "value": [{"value": user}]}]});
    let reply = app.patch("/scim/v2/Groups/1", &add).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    assert_eq!(reply.header(header::ETAG), Some("W/\"2\""), "the ETag of the changed group");
    let after = *calls.lock().unwrap();
    assert_eq!(
        (after.deltas - before.deltas, after.gets - before.gets, after.bare_gets - before.bare_gets, after.replaced),
        (1, 0, 1, 0),
        "one capability call and one read without members"
    );
    // Asking for the members (a 200 with them) reads them.
    let remove = json!({"schemas": [PATCH_URN], "Operations": [{"op": "Remove", "path": format!("members[value eq \"{user}\"]")}]});
    let reply = app.patch("/scim/v2/Groups/1?attributes=members", &remove).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body.get("members"), None, "the last member left");
    assert_eq!(calls.lock().unwrap().gets - after.gets, 1);
}

/// A group backend without a version column: a reply without members still reads the group
/// whole, since its ETag is the hash of the whole group, and it is the ETag a GET then shows.
#[tokio::test]
async fn a_versionless_group_is_read_whole_for_its_etag() {
    use scim::patch::PatchOperation;
    use scim::store::{GetOptions, Scope};
    let kind = team_kind();
    let scope = Scope::new("t", &kind);
    let store = TypedStore::<Team, Teams>::new(Teams { capability: true, versionless: true, ..Teams::default() });
    let team = json!({"schemas": [GROUP_URN], "displayName": "ops", "members": [{"value": "a"}]});
    let id = store.create(scope, team).await.unwrap()["id"].as_str().unwrap().to_owned();
    let before_patch = store.get(scope, &id, GetOptions::default()).await.unwrap();
    let before = store.backend().calls();
    let add = [PatchOperation::add(Some("members"), json!([{"value": "b"}])).unwrap()];
    let patched = store.patch(scope, &id, &add, None, GetOptions { exclude_members: true }).await.unwrap();
    let after = store.backend().calls();
    assert_eq!(patched.get("members"), None);
    assert_eq!((after.bare_gets - before.bare_gets, after.gets - before.gets), (1, 1), "tried bare, read whole");
    let read = store.get(scope, &id, GetOptions::default()).await.unwrap();
    assert_eq!(patched["meta"]["version"], read["meta"]["version"], "the reply's ETag is the group's");
    assert_ne!(read["meta"]["version"], before_patch["meta"]["version"], "the change shows in the ETag");
}

/// The member check of a group write asks a typed user backend once, with every id of the
/// request ([`Backend::existing_ids`]), not once per member.
#[tokio::test]
async fn member_checks_ask_the_backend_once_per_request() {
    let people = People::default();
    let asked = people.existence_checks.clone();
    let app = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(people)
            .resource_kind(group_descriptor(), memory_store().await),
    );
    let kim = app.post("/scim/v2/Users", &sample(0)).await.id();
    let lee = app.post("/scim/v2/Users", &sample(1)).await.id();
    let members = json!([{"value": kim}, {"value": lee}, {"value": "99"}, {"value": "not-a-number"}]);
    let reply =
        app.post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "ops", "members": members})).await;
    let detail = reply.assert_error(400, Some("invalidValue"));
    assert!(detail.contains("\"99\"") && detail.contains("not-a-number") && !detail.contains(&format!("\"{kim}\"")));
    assert_eq!(
        *asked.lock().unwrap(),
        [vec![kim.clone(), lee.clone(), "99".to_owned(), "not-a-number".to_owned()]],
        "one batch of every id"
    );
    let members = json!([{"value": kim}, {"value": lee}]);
    let reply =
        app.post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": "ops", "members": members})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(asked.lock().unwrap().len(), 2);
}

/// Records the messages of `scim::typed` events.
#[derive(Default)]
struct TypedEvents(Mutex<Vec<String>>);

struct Message<'a>(&'a mut String);

impl tracing::field::Visit for Message<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for &'static TypedEvents {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "scim::typed"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = String::new();
        event.record(&mut Message(&mut text));
        self.0.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// A list answered in memory says so in the log, with the backend's reason.
#[tokio::test]
async fn lists_answered_in_memory_are_logged() {
    let events: &'static TypedEvents = Box::leak(Box::default());
    let _guard = tracing::subscriber::set_default(events);
    let contract = contract();
    let store = TypedStore::<Person, People>::new(People::default());
    let kind = contract.kind();
    let scope = scim::store::Scope::new("t", &kind);
    store.create(scope, sample(0)).await.unwrap();
    let filter = scim::filter::parse_filter(r#"userName co "li""#).unwrap();
    let resolved = scim::filter::resolve_filter(&filter, &kind.schema).unwrap();
    let query = scim::store::StoreQuery { filter: Some(&resolved), ..Default::default() };
    // tracing caches per callsite whether any subscriber wants it, across the threads of this
    // binary: a test that meets the callsite first on a thread with no subscriber, while this one
    // registers its own, can leave it cached as unwanted (seen about once in six runs). So the
    // list is asked again after rebuilding that cache; an event must come within a few tries.
    for _ in 0..5 {
        assert_eq!(store.list(scope, &query).await.unwrap().total_results, 1);
        if !events.0.lock().unwrap().is_empty() {
            break;
        }
        tracing::callsite::rebuild_interest_cache();
    }
    let logged = events.0.lock().unwrap().clone();
    assert!(logged.iter().any(|e| e.contains("in memory") && e.contains("userName co")), "{logged:?}");
    // A list the backend answers logs nothing.
    events.0.lock().unwrap().clear();
    store.list(scope, &scim::store::StoreQuery::default()).await.unwrap();
    assert_eq!(events.0.lock().unwrap().len(), 0);
}

/// Cursor paging (RFC 9865) of a typed backend, whose API pages by index only: the runtime cuts
/// each page from the matches in keyset order, so a walk is still exact while users are deleted
/// between pages.
#[tokio::test]
async fn a_typed_backend_pages_by_cursor_in_memory() {
    let app = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(People::default()),
    );
    let mut names = Vec::new();
    for i in 0..8 {
        let created = app.post("/scim/v2/Users", &sample(i)).await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.body);
        names.push((created.body["userName"].as_str().unwrap().to_lowercase(), created.id()));
    }
    names.sort();
    // Delete the last user in userName order after the first page: it is not returned, and
    // every other user is, once, in order.
    let (doomed_name, doomed) = names.pop().unwrap();
    let mut cursor = String::new();
    let mut walked = Vec::new();
    loop {
        let reply = app.get(&format!("/scim/v2/Users?sortBy=userName&count=3&cursor={cursor}")).await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
        for resource in reply.body["Resources"].as_array().unwrap() {
            walked.push((
                resource["userName"].as_str().unwrap().to_lowercase(),
                resource["id"].as_str().unwrap().to_owned(),
            ));
        }
        if walked.len() == 3 {
            assert_eq!(app.delete(&format!("/scim/v2/Users/{doomed}")).await.status.as_u16(), 204);
        }
        match reply.body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(walked, names, "{doomed_name} was deleted mid-walk");
    let bad = app.get("/scim/v2/Users?cursor=bogus").await;
    assert_eq!((bad.status.as_u16(), bad.body["scimType"].clone()), (400, json!("invalidCursor")), "{}", bad.body);
}

/// Entra ID's group lookup (`filter=displayName eq "..."&excludedAttributes=members`) and a
/// list or read that leaves members out do not load them: the backend is asked without
/// members. A list that shows members loads them; a backend without versions is listed again
/// with members, since its ETags hash them.
#[tokio::test]
async fn lists_and_reads_that_leave_members_out_do_not_load_them() {
    for versionless in [false, true] {
        let teams = Teams { listing: true, versionless, ..Teams::default() };
        let calls = teams.calls.clone();
        let app = TestApp::with(
            Server::builder()
                .tokens(TokenTable::new().token("acme", "entra", ACME))
                .backend::<Person, _>(People::default())
                .backend::<Team, _>(teams),
        );
        let user = app.post("/scim/v2/Users", &sample(0)).await.id();
        let team = json!({"schemas": [GROUP_URN], "displayName": "ops", "members": [{"value": user}]});
        assert_eq!(app.post("/scim/v2/Groups", &team).await.status, StatusCode::CREATED);
        let shown = app.get("/scim/v2/Groups/1").await;
        let taken = |calls: &Arc<Mutex<TeamCalls>>| *calls.lock().unwrap();

        let before = taken(&calls);
        let entra = app.get("/scim/v2/Groups?filter=displayName%20eq%20%22Ops%22&excludedAttributes=members").await;
        assert_eq!(entra.status, StatusCode::OK, "{}", entra.body);
        assert_eq!(entra.body["totalResults"], 1, "{}", entra.body);
        let found = &entra.body["Resources"][0];
        assert_eq!((found["displayName"].as_str(), found.get("members")), (Some("ops"), None), "{found}");
        assert_eq!(found["meta"]["version"], shown.body["meta"]["version"], "the ETag a GET shows");
        let after = taken(&calls);
        let expected = if versionless { (1, 1) } else { (1, 0) };
        assert_eq!(
            (after.bare_lists - before.bare_lists, after.lists - before.lists),
            expected,
            "versionless {versionless}: (lists without members, lists with them)"
        );

        // Unfiltered, as Okta pages groups, and a read: the same.
        let before = taken(&calls);
        let paged = app.get("/scim/v2/Groups?startIndex=1&count=10&excludedAttributes=members").await;
        assert_eq!((paged.body["totalResults"].as_u64(), paged.body["Resources"][0].get("members")), (Some(1), None));
        let read = app.get("/scim/v2/Groups/1?excludedAttributes=members").await;
        assert_eq!((read.status, read.body.get("members")), (StatusCode::OK, None), "{}", read.body);
        let after = taken(&calls);
        assert_eq!(after.bare_lists - before.bare_lists, 1, "versionless {versionless}");
        if !versionless {
            assert_eq!((after.lists, after.gets - before.gets, after.bare_gets - before.bare_gets), (0, 0, 1));
        }

        // A list that shows members loads them.
        let before = taken(&calls);
        let listed = app.get("/scim/v2/Groups?filter=displayName%20eq%20%22ops%22").await;
        assert_eq!(listed.body["Resources"][0]["members"][0]["value"], user.as_str(), "{}", listed.body);
        let after = taken(&calls);
        assert_eq!((after.lists - before.lists, after.bare_lists - before.bare_lists), (1, 0));
    }
}

/// A backend whose storage fails with a cause that quotes data.
#[derive(Debug)]
struct FailingStorage;

fn disk_failure() -> BackendError {
    BackendError::Storage("disk full writing row of secret-user@example.com".into())
}

#[async_trait::async_trait]
impl Backend<Person> for FailingStorage {
    async fn create(&self, _: &str, _: Person) -> BackendResult<Stored<Person>> {
        Err(disk_failure())
    }
    async fn get(&self, _: &str, _: &str) -> BackendResult<Stored<Person>> {
        Err(disk_failure())
    }
    async fn replace(&self, _: &str, _: &str, _: Person, _: Option<u64>) -> BackendResult<Stored<Person>> {
        Err(disk_failure())
    }
    async fn delete(&self, _: &str, _: &str, _: Option<u64>) -> BackendResult<()> {
        Err(disk_failure())
    }
    async fn list(&self, _: &str, _: &ListQuery<Person>) -> BackendResult<Listed<Person>> {
        Err(disk_failure())
    }
}

/// A backend's storage failure is a `500` whose detail names the resource type only; the
/// cause stays with the error (`ScimError::cause`, which the server logs) and is never sent.
#[tokio::test]
async fn a_storage_failure_keeps_its_cause_out_of_the_reply() {
    use scim::store::{GetOptions, Scope};
    let kind = contract().kind();
    let store = TypedStore::<Person, _>::new(FailingStorage);
    let error = store.get(Scope::new("t", &kind), "1", GetOptions::default()).await.unwrap_err();
    assert_eq!((error.status, error.detail.as_str()), (500, "the User backend failed"));
    let cause = error.cause().map(ToString::to_string).unwrap_or_default();
    assert!(cause.contains("disk full writing row of secret-user@example.com"), "the cause is kept: {cause:?}");

    let app = TestApp::with(
        Server::builder().tokens(TokenTable::new().token("acme", "entra", ACME)).backend::<Person, _>(FailingStorage),
    );
    for reply in [app.get("/scim/v2/Users/1").await, app.post("/scim/v2/Users", &sample(0)).await] {
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", reply.body);
        assert!(!reply.body.to_string().contains("secret-user"), "the cause is not sent: {}", reply.body);
    }
}

/// `POST /Bulk` on a server over typed backends runs each operation through the backend as its
/// own request would: a group refers by `bulkId` to a user created later in the request, the
/// backend's uniqueness conflict is that operation's `409`, `version` is the If-Match of PUT,
/// PATCH and DELETE (`412` when stale), and `failOnErrors` leaves the rest unrun.
#[tokio::test]
async fn bulk_runs_on_typed_backends() {
    let app = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(People::default())
            .backend::<Team, _>(Teams { capability: true, ..Teams::default() }),
    );
    let user = |bulk_id: &str, login: &str| {
        json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
               "data": {"schemas": [USER_URN], "userName": login, "active": true}})
    };
    let replace = json!({"schemas": [USER_URN], "userName": "alice", "title": "Lead"});
    let deactivate =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        user("alice", "alice"),
        {"method": "POST", "path": "/Groups", "bulkId": "ops",
         "data": {"schemas": [GROUP_URN], "displayName": "ops",
                  "members": [{"value": "bulkId:alice"}, {"value": "bulkId:bob"}]}},
        user("bob", "bob"),
        user("again", "ALICE"),
        {"method": "PUT", "path": "/Users/bulkId:alice", "version": "W/\"1\"", "data": replace},
        {"method": "PATCH", "path": "/Users/bulkId:bob", "version": "W/\"7\"", "data": deactivate},
        {"method": "PATCH", "path": "/Users/bulkId:bob", "version": "W/\"1\"", "data": deactivate},
        {"method": "DELETE", "path": "/Users/bulkId:alice", "version": "W/\"1\""},
    ]});
    let reply = app.post("/scim/v2/Bulk", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let operations = reply.body["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = operations.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "201", "201", "409", "200", "412", "200", "412"], "{operations:#?}");
    // The backend numbers users in creation order; the group waits for bob, whom it names.
    assert_eq!(operations[0]["location"], "http://scim.example.com/scim/v2/Users/1");
    assert_eq!(operations[2]["location"], "http://scim.example.com/scim/v2/Users/2");
    assert_eq!(operations[1]["location"], "http://scim.example.com/scim/v2/Groups/1");
    assert_eq!(operations[3]["response"]["scimType"], "uniqueness", "{}", operations[3]);
    let conflict = operations[3]["response"]["detail"].as_str().unwrap();
    assert!(conflict.contains("userName") && conflict.contains("ALICE"), "{conflict}");
    assert_eq!(operations[4]["version"], "W/\"2\"", "the PUT's new version");
    assert_eq!(operations[6]["version"], "W/\"2\"", "the PATCH's new version");
    assert_eq!(operations[7]["status"], "412", "DELETE with the version the PUT replaced");
    let group = app.get("/scim/v2/Groups/1").await;
    let mut members: Vec<&str> =
        group.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    members.sort_unstable();
    assert_eq!(members, ["1", "2"], "{}", group.body);
    assert_eq!(app.get("/scim/v2/Users/1").await.body["title"], "Lead");
    assert_eq!(app.get("/scim/v2/Users/2").await.body["active"], false);

    // failOnErrors: 1 stops after the conflict; carol's POST is neither run nor listed.
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "failOnErrors": 1,
        "Operations": [user("dup", "Bob"), user("carol", "carol"),
                       {"method": "DELETE", "path": "/Users/1", "version": "W/\"2\""}]});
    let reply = app.post("/scim/v2/Bulk", &body).await;
    let operations = reply.body["Operations"].as_array().unwrap();
    assert_eq!(operations.len(), 1, "{operations:#?}");
    assert_eq!((operations[0]["status"].as_str(), operations[0]["bulkId"].as_str()), (Some("409"), Some("dup")));
    let carol = app.get("/scim/v2/Users?filter=userName%20eq%20%22carol%22").await;
    assert_eq!(carol.body["totalResults"], 0, "{}", carol.body);
    assert_eq!(app.get("/scim/v2/Users/1").await.status, StatusCode::OK, "the DELETE after the stop did not run");
    // With the current version the DELETE applies.
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "DELETE", "path": "/Users/1", "version": "W/\"2\""}]});
    let reply = app.post("/scim/v2/Bulk", &body).await;
    assert_eq!(reply.body["Operations"][0]["status"], "204", "{}", reply.body);
    app.get("/scim/v2/Users/1").await.assert_error(404, None);
}

/// Users served by a typed backend are not filtered by group, whether the groups are in a
/// built-in store or a typed backend too: `groups.value eq "..."` is `400 invalidFilter`, never
/// an empty answer (`Person` has no `groups`; where a typed user has one, its store does not
/// answer membership filters, as server_groups checks for groups kept in another store).
#[tokio::test]
async fn typed_users_are_not_filtered_by_group() {
    let with_builtin_groups = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(People::default())
            .resource_kind(group_descriptor(), Arc::new(MemoryStore::new())),
    );
    let with_typed_groups = TestApp::with(
        Server::builder()
            .tokens(TokenTable::new().token("acme", "entra", ACME))
            .backend::<Person, _>(People::default())
            .backend::<Team, _>(Teams::default()),
    );
    for app in [with_builtin_groups, with_typed_groups] {
        let user = app.post("/scim/v2/Users", &sample(0)).await.id();
        let team = json!({"schemas": [GROUP_URN], "displayName": "ops", "members": [{"value": user}]});
        let group = app.post("/scim/v2/Groups", &team).await;
        assert_eq!(group.status, StatusCode::CREATED, "{}", group.body);
        let filter = format!("groups.value eq \"{}\"", group.id());
        let encoded: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        let reply = app.get(&format!("/scim/v2/Users?filter={encoded}")).await;
        let detail = reply.assert_error(400, Some("invalidFilter"));
        assert!(detail.contains("`groups`"), "{detail}");
    }
}
