//! Shared helpers of the `server_*` tests: User and Group descriptors mapping every attribute of
//! the built-in schemas, a test app over a store, and request helpers (`tower::ServiceExt::oneshot`).
#![allow(dead_code)]

use std::sync::{Arc, LazyLock, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use scim::server::audit::{AuditEvent, AuditSink};
use scim::server::auth::TokenTable;
use scim::server::{Server, ServerBuilder};
#[cfg(feature = "sqlite")]
use scim::store::SqliteStore;
use scim::store::{GetOptions, MemoryStore, Page, ResourceKind, Scope, Store, StoreQuery};
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor};
use scim::{ScimError, ScimResult};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Tenant `acme`'s token (actor `entra`), and tenant `globex`'s.
pub const ACME: &str = "acme-secret-token";
pub const GLOBEX: &str = "globex-secret-token";

const USER_RESOURCE_TYPE: &str = r#"{"id":"User","name":"User","endpoint":"/Users","description":"User Account","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}]}"#;
const GROUP_RESOURCE_TYPE: &str = r#"{"id":"Group","name":"Group","endpoint":"/Groups","description":"Group","schema":"urn:ietf:params:scim:schemas:core:2.0:Group"}"#;
const CORE_USER: &str = include_str!("../../../schemas/core-user.json");
const CORE_GROUP: &str = include_str!("../../../schemas/core-group.json");
const ENTERPRISE_USER: &str = include_str!("../../../schemas/enterprise-user.json");

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A descriptor mapping `id`, `externalId`, `meta` and every top-level attribute of the given
/// schemas (extension attributes URN-qualified), with the default filter flags plus `flagged`.
fn descriptor(
    resource_type: &'static str,
    schemas: &'static [&'static str],
    flagged: &[(&str, FilterFlag)],
) -> ResourceDescriptor {
    let mut fields = vec![field("id"), field("externalId"), field("meta")];
    for (index, text) in schemas.iter().enumerate() {
        let schema: Value = serde_json::from_str(text).unwrap();
        let urn = schema["id"].as_str().unwrap();
        for attribute in schema["attributes"].as_array().unwrap() {
            let name = attribute["name"].as_str().unwrap();
            let path = if index == 0 { name.to_owned() } else { format!("{urn}:{name}") };
            let mut spec = field(leak(path.clone()));
            if let Some((_, flag)) = flagged.iter().find(|(p, _)| *p == path) {
                spec.filter = *flag;
            }
            fields.push(spec);
        }
    }
    for (path, flag) in flagged {
        if !fields.iter().any(|f| f.path == *path) {
            let mut spec = field(leak((*path).to_owned()));
            spec.filter = *flag;
            spec.rust_name = leak(format!("extra{}", fields.len()));
            fields.push(spec);
        }
    }
    let spec = Box::leak(Box::new(DescriptorSpec {
        resource_type_json: resource_type,
        schemas_json: schemas,
        fields: Box::leak(fields.into_boxed_slice()),
    }));
    ResourceDescriptor::build(spec).unwrap()
}

fn field(path: &'static str) -> FieldSpec {
    FieldSpec { rust_name: path, path, filter: FilterFlag::Default }
}

/// User: core + enterprise, every attribute; `displayName` also filterable with `eq`/`sw`/`co`,
/// and the work email mapped on its own too, as an app matching Entra ID users by it would.
pub fn user_descriptor() -> &'static ResourceDescriptor {
    static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
        descriptor(
            USER_RESOURCE_TYPE,
            &[CORE_USER, ENTERPRISE_USER],
            &[
                ("displayName", FilterFlag::Ops(&["eq", "sw", "co"])),
                ("emails[type eq \"work\"].value", FilterFlag::Eq),
            ],
        )
    });
    &DESCRIPTOR
}

/// User as `scimgen new` scaffolds it: core + enterprise, every attribute mapped whole, only
/// the default filter flags (so `emails` is filterable through `emails.value`, with no selector
/// field of its own).
pub fn scaffold_user_descriptor() -> &'static ResourceDescriptor {
    static DESCRIPTOR: LazyLock<ResourceDescriptor> =
        LazyLock::new(|| descriptor(USER_RESOURCE_TYPE, &[CORE_USER, ENTERPRISE_USER], &[]));
    &DESCRIPTOR
}

/// Group: `displayName`, `members`.
pub fn group_descriptor() -> &'static ResourceDescriptor {
    static DESCRIPTOR: LazyLock<ResourceDescriptor> =
        LazyLock::new(|| descriptor(GROUP_RESOURCE_TYPE, &[CORE_GROUP], &[]));
    &DESCRIPTOR
}

pub async fn memory_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

#[cfg(feature = "sqlite")]
pub async fn sqlite_store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap())
}

/// [`store_tests!`], and against PostgreSQL (a fresh schema per test) when
/// `SCIM_TEST_POSTGRES_URL` is set; the test file declares `mod store_common;` under
/// `#[cfg(feature = "postgres")]`.
#[macro_export]
macro_rules! store_and_postgres_tests {
    ($($name:ident),* $(,)?) => {
        store_tests!($($name),*);
        #[cfg(feature = "postgres")]
        mod postgres_store {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(url) = $crate::store_common::postgres_schema_url().await else { return };
                    let store = scim::store::PostgresStore::connect(&url).await.unwrap();
                    super::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}

/// Run each named `async fn name(store: Arc<dyn Store>)` test against every store.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod memory_store {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::server_common::memory_store().await).await;
                }
            )*
        }
        #[cfg(feature = "sqlite")]
        mod sqlite_store {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::server_common::sqlite_store().await).await;
                }
            )*
        }
    };
}

/// Audit events, kept for assertions.
#[derive(Debug, Default)]
pub struct RecordingAudit(pub Mutex<Vec<AuditEvent>>);

impl AuditSink for RecordingAudit {
    fn record(&self, event: &AuditEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

/// The builder every test starts from: User and Group over `store`, tokens for two tenants.
pub fn builder(store: Arc<dyn Store>) -> ServerBuilder {
    Server::builder()
        .tokens(TokenTable::new().token("acme", "entra", ACME).token("globex", "okta", GLOBEX))
        .resource_kind(user_descriptor(), store.clone())
        .resource_kind(group_descriptor(), store)
}

/// A router and the audit events it records.
pub struct TestApp {
    pub router: Router,
    pub audit: Arc<RecordingAudit>,
    pub token: Option<String>,
}

impl TestApp {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with(builder(store))
    }

    pub fn with(builder: ServerBuilder) -> Self {
        let audit = Arc::new(RecordingAudit::default());
        let router = builder.audit(audit.clone()).build().unwrap();
        TestApp { router, audit, token: Some(ACME.to_owned()) }
    }

    /// The same app, calling with another token (or none).
    pub fn as_token(&self, token: Option<&str>) -> Self {
        TestApp { router: self.router.clone(), audit: self.audit.clone(), token: token.map(str::to_owned) }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{status} body is not JSON ({e}): {bytes:?}"))
        };
        Reply { status, headers, body }
    }

    pub fn request(&self, method: Method, uri: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(uri).header(header::HOST, "scim.example.com");
        if let Some(token) = &self.token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        builder
    }

    pub async fn call(&self, method: Method, uri: &str, body: Option<&Value>) -> Reply {
        let builder = self.request(method, uri);
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/scim+json")
                .body(Body::from(serde_json::to_vec(body).unwrap()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }

    pub async fn raw(&self, method: Method, uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
        let request = self.request(method, uri).header(header::CONTENT_TYPE, content_type).body(body.into()).unwrap();
        self.send(request).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call(Method::GET, uri, None).await
    }
    pub async fn post(&self, uri: &str, body: &Value) -> Reply {
        self.call(Method::POST, uri, Some(body)).await
    }
    pub async fn put(&self, uri: &str, body: &Value) -> Reply {
        self.call(Method::PUT, uri, Some(body)).await
    }
    pub async fn patch(&self, uri: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, uri, Some(body)).await
    }
    pub async fn delete(&self, uri: &str) -> Reply {
        self.call(Method::DELETE, uri, None).await
    }

    /// Create a user and return it.
    pub async fn create_user(&self, user_name: &str) -> Value {
        let reply =
            self.post("/scim/v2/Users", &json!({"schemas": [USER_URN], "userName": user_name, "active": true})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }

    /// Create a group with these member ids and return it.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let reply = self
            .post("/scim/v2/Groups", &json!({"schemas": [GROUP_URN], "displayName": name, "members": members}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }

    /// Everything the tenant can see, for "nothing changed" assertions (meta included, so
    /// a changed version shows).
    pub async fn snapshot(&self) -> Value {
        let users = self.get("/scim/v2/Users?count=1000").await;
        let groups = self.get("/scim/v2/Groups?count=1000").await;
        assert_eq!(users.status, StatusCode::OK);
        assert_eq!(groups.status, StatusCode::OK);
        json!({"users": users.body["Resources"], "groups": groups.body["Resources"]})
    }
}

/// A response: status, headers, JSON body (`null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Assert this is a SCIM error with `status` (and `scim_type`, when given), and return the
    /// detail.
    #[track_caller]
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.header(header::CONTENT_TYPE), Some("application/scim+json"), "{}", self.body);
        assert_eq!(self.body["schemas"], json!([ERROR_URN]), "{}", self.body);
        assert_eq!(self.body["status"], json!(status.to_string()), "{}", self.body);
        assert_eq!(self.body.get("scimType").and_then(Value::as_str), scim_type, "{}", self.body);
        self.body["detail"].as_str().unwrap_or_default().to_owned()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap().to_owned()
    }
}

/// A [`MemoryStore`] that fails where told: `register` (a store that cannot prepare its
/// storage) or `get` (a broken disk), with the given error.
#[derive(Debug, Default)]
pub struct FaultyStore {
    pub inner: MemoryStore,
    pub register_error: Option<ScimError>,
    pub get_error: Option<ScimError>,
}

#[async_trait::async_trait]
impl Store for FaultyStore {
    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        match &self.register_error {
            Some(error) => Err(error.clone()),
            None => self.inner.register(kinds).await,
        }
    }
    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.inner.create(scope, resource).await
    }
    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.inner.import(scope, resource).await
    }
    async fn get(&self, scope: Scope<'_>, id: &str, options: GetOptions) -> ScimResult<Value> {
        match &self.get_error {
            Some(error) => Err(error.clone()),
            None => self.inner.get(scope, id, options).await,
        }
    }
    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        self.inner.list(scope, query).await
    }
    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        self.inner.replace(scope, id, resource, if_match).await
    }
    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        self.inner.delete(scope, id, if_match).await
    }
    async fn add_members(&self, scope: Scope<'_>, group_id: &str, members: &[Value]) -> ScimResult<()> {
        self.inner.add_members(scope, group_id, members).await
    }
    async fn remove_members(&self, scope: Scope<'_>, group_id: &str, member_ids: &[String]) -> ScimResult<()> {
        self.inner.remove_members(scope, group_id, member_ids).await
    }
}
