//! The request handlers: generic over resource types, driven by each type's descriptor.
//!
//! `call`: the request-head extractor; `endpoints`: discovery and fixed endpoints; `groups`: a
//! user's computed `groups`; `lists`: list and search; `resources`: the single-resource operations; `redaction`: what the audit
//! log hides.

mod bulk;
mod call;
mod endpoints;
mod groups;
mod lists;
mod me;
mod redaction;
mod resources;

pub use bulk::{BulkLimits, bulk};
pub use call::Call;
pub use endpoints::*;
pub use lists::{list, search, search_all};
pub use me::{me_create, me_delete, me_get, me_patch, me_replace};
pub use resources::{create, delete, get, patch, replace};
// The helpers one handler module shares with another.
use call::{push_segment, record_resource, required_id, single_resource};
use groups::{add_groups, check_filter};
use lists::{names_whole_members, returns_members};
use redaction::{redact_operations, secret_names};

use std::sync::Arc;

use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::error::{ScimError, ScimResult};
use crate::filter::AttrPath;
use crate::projection::response_form;
use crate::query::{ListQuery, QueryLimits};
use crate::resource::UnknownAttributes;
use crate::schema::ResourceSchema;
use crate::server::Descriptor;
use crate::server::audit::{AuditAction, AuditEvent, AuditSink};
use crate::server::auth::{Authenticator, Principal};
use crate::server::body::BodyLimit;
use crate::server::discovery::Discovery;
use crate::server::response::{add_etag, resource_response};
use crate::store::{Fetched, ResourceKind, Scope, Store};

/// What every handler shares: the configuration and the resource types.
#[derive(Debug)]
pub struct Shared {
    pub base_path: String,
    pub public_url: Option<String>,
    pub limits: crate::server::limits::Limits,
    pub tenant_gate: crate::server::limits::TenantGate,
    /// `GET <base path>/openapi.json`: built once from the served resource types.
    pub openapi: Value,
    pub tenant_in_path: bool,
    pub bulk: BulkLimits,
    pub unknown_attributes: UnknownAttributes,
    pub auth: Arc<dyn Authenticator>,
    pub audit: Arc<dyn AuditSink>,
    pub discovery: Discovery,
    pub resources: Vec<Arc<ResourceEntry>>,
}

impl Shared {
    fn limits(&self) -> QueryLimits {
        QueryLimits { max_count: self.limits.max_results, filter: self.limits.filter }
    }
}

/// One served resource type.
pub struct ResourceEntry {
    pub(crate) descriptor: Descriptor,
    pub kind: Arc<ResourceKind>,
    pub store: Arc<dyn Store>,
    /// `/Users`.
    pub endpoint: String,
    pub patch_no_content: bool,
    /// Set once the store has prepared storage for this kind ([`Store::register`]): at start-up
    /// with [`super::ServerBuilder::build_registered`], else on the first request (building
    /// the router with `build` is synchronous).
    registered: tokio::sync::OnceCell<()>,
    /// Attribute names whose values must never reach the audit log (`returned: never`).
    secret_names: Vec<String>,
    /// Whether its resources carry a computed `groups` (see `groups::has_computed_groups`), decided
    /// on the first request: it depends only on the schemas served, fixed once the server is
    /// built, and was otherwise worked out twice per request.
    computed_groups: std::sync::OnceLock<bool>,
}

impl std::fmt::Debug for ResourceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceEntry").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

/// How the server builder configures one resource type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryOptions {
    /// Answer PATCH with 204 (unless the request asks for attributes).
    pub patch_no_content: bool,
    /// Make a group's `displayName` unique per tenant.
    pub unique_group_display_names: bool,
}

impl ResourceEntry {
    pub(crate) fn new(
        descriptor: Descriptor,
        store: Arc<dyn Store>,
        endpoint: String,
        options: EntryOptions,
    ) -> ScimResult<Self> {
        let filterable = descriptor.filter_support().index_paths();
        let schema = descriptor.resource_schema();
        let mut kind = ResourceKind::new(schema.clone(), &filterable)?;
        let names_groups = schema.core.attribute("displayName").is_some_and(|a| !a.multi_valued);
        if options.unique_group_display_names && kind.has_members && names_groups {
            kind = ResourceKind::with_unique(schema.clone(), &filterable, &["displayName"])?;
        }
        let kind = Arc::new(kind);
        let patch_no_content = options.patch_no_content;
        let secret_names = secret_names(descriptor.resource_schema());
        Ok(ResourceEntry {
            descriptor,
            kind,
            store,
            endpoint,
            patch_no_content,
            registered: tokio::sync::OnceCell::new(),
            computed_groups: std::sync::OnceLock::new(),
            secret_names,
        })
    }

    pub fn schema(&self) -> &ResourceSchema {
        self.descriptor.resource_schema()
    }

    /// The schema documents `/Schemas` lists for this resource type: the descriptor's, with
    /// `uniqueness` `server` on every top-level core attribute the server makes unique by its
    /// configuration (a group's `displayName`), so discovery says what the server enforces.
    pub fn schema_documents(&self) -> Vec<Value> {
        let mut documents = self.descriptor.schema_documents();
        let core_urn = &self.schema().core.id;
        let enforced: Vec<&str> = self
            .kind
            .unique()
            .filter(|attr| attr.urn.is_none() && attr.sub_attribute.is_none())
            .map(|attr| attr.attribute.as_str())
            .collect();
        let core = documents.iter_mut().find(|d| d.get("id").and_then(Value::as_str) == Some(core_urn.as_str()));
        if let Some(attributes) = core.and_then(|d| d.get_mut("attributes")).and_then(Value::as_array_mut) {
            for attribute in attributes {
                let named = attribute.get("name").and_then(Value::as_str).is_some_and(|n| enforced.contains(&n));
                if named && attribute.get("uniqueness").and_then(Value::as_str) == Some("none") {
                    attribute["uniqueness"] = Value::from("server");
                }
            }
        }
        documents
    }

    /// Whether the resource type has a writable `password` (for `changePassword`).
    pub fn accepts_password(&self) -> bool {
        self.schema().core.attribute("password").is_some()
    }

    /// Have the store prepare storage for this kind, once; the store's own error otherwise.
    pub(super) async fn register(&self) -> ScimResult<()> {
        self.registered.get_or_try_init(|| self.store.register(std::slice::from_ref(&self.kind))).await.map(drop)
    }

    /// The store scope of a request, after making sure the store is ready for this kind.
    pub(super) async fn scope<'a>(&'a self, principal: &'a Principal) -> ScimResult<Scope<'a>> {
        self.register().await.map_err(|error| {
            // The store's error is the cause, logged with the request, not sent.
            ScimError::internal(format!("the store is not available for {}", self.kind.name())).with_source(error)
        })?;
        Ok(Scope::new(&principal.tenant, &self.kind))
    }

    fn location(&self, base_url: &str, id: &str) -> String {
        let mut location = String::with_capacity(base_url.len() + self.endpoint.len() + id.len() + 1);
        location.push_str(base_url);
        location.push_str(&self.endpoint);
        location.push('/');
        push_segment(&mut location, id);
        location
    }

    /// The response form of a stored resource: `meta.location` set, then projected.
    fn respond_form(&self, resource: Value, base_url: &str, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
        let location = resource.get("id").and_then(Value::as_str).map(|id| self.location(base_url, id));
        response_form(resource, self.schema(), location, attributes, excluded)
    }

    /// The response body of a fetched resource ([`ResourceEntry::push_response`]).
    fn response_text(&self, fetched: Fetched, base_url: &str, query: &ListQuery) -> ScimResult<String> {
        let mut out = String::new();
        self.push_response(&mut out, fetched, base_url, query)?;
        Ok(out)
    }

    /// The response body of a fetched resource pushed onto `out`: a plain document's own text
    /// with its location when the request asks for the default form, else
    /// [`ResourceEntry::respond_form`] serialised.
    fn push_response(&self, out: &mut String, fetched: Fetched, base_url: &str, query: &ListQuery) -> ScimResult<()> {
        if let Fetched::Plain { id, text, .. } = &fetched
            && self.asks_default_form(query)
        {
            out.reserve(text.len() + base_url.len() + self.endpoint.len() + id.len() + 16);
            if crate::plain::push_with_location(out, text, &self.location(base_url, id)) {
                return Ok(());
            }
        }
        let body = self.respond_form(fetched.into_value()?, base_url, &query.attributes, &query.excluded_attributes);
        let text =
            serde_json::to_string(&body).map_err(|_| ScimError::internal("the response could not be serialised"))?;
        out.push_str(&text);
        Ok(())
    }

    /// Whether a response is the default form of a plain document: no `attributes`, and no
    /// `excludedAttributes` but `members` (which a plain document never holds: a store keeps
    /// them apart).
    fn asks_default_form(&self, query: &ListQuery) -> bool {
        query.attributes.is_empty() && query.excluded_attributes.iter().all(|path| names_whole_members(self, path))
    }

    /// A resource response: the response form of `stored` (with a user's `groups` added by
    /// [`add_groups`] before) as the body, its version as `ETag` (even when the projection
    /// leaves `meta` out).
    async fn reply(
        &self,
        status: StatusCode,
        stored: Fetched,
        call: &Call,
        query: &ListQuery,
        extra: &[(HeaderName, String)],
    ) -> ScimResult<Response> {
        let version = stored.version().map(str::to_owned);
        let body = self.response_text(stored, &call.base_url, query)?;
        let mut response = resource_response(status, body, extra);
        add_etag(response.headers_mut(), version.as_deref());
        Ok(response)
    }

    fn audit(&self, shared: &Shared, principal: &Principal, action: AuditAction, id: &str, changes: Value) {
        self.audit_ignoring(shared, principal, action, id, changes, Vec::new());
    }

    /// [`ResourceEntry::audit`] of a change that dropped unknown attributes (`ignored`), which
    /// are also logged as a warning, so that what a client sent and was not stored shows.
    fn audit_ignoring(
        &self,
        shared: &Shared,
        principal: &Principal,
        action: AuditAction,
        id: &str,
        changes: Value,
        ignored: Vec<String>,
    ) {
        if !ignored.is_empty() {
            tracing::warn!(
                resource = self.kind.name(),
                id,
                ignored = ?ignored,
                "ignored attributes that are not in the schema (unknownAttributes = \"ignore\")"
            );
        }
        shared.audit.record(&AuditEvent {
            at: crate::store::now_rfc3339(),
            tenant: principal.tenant.clone(),
            actor: principal.actor.clone(),
            action,
            resource_type: self.kind.name().to_owned(),
            id: id.to_owned(),
            changes,
            ignored,
        });
    }
}

/// The state of a resource type's handlers.
#[derive(Debug, Clone)]
pub struct ResourceContext {
    pub shared: Arc<Shared>,
    pub resource: Arc<ResourceEntry>,
}

/// A state that reaches [`Shared`].
pub trait HasShared {
    fn shared(&self) -> &Shared;
}

impl HasShared for Arc<Shared> {
    fn shared(&self) -> &Shared {
        self
    }
}

impl HasShared for ResourceContext {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl<S: HasShared> BodyLimit for S {
    fn body_limit(&self) -> usize {
        self.shared().limits.max_body_bytes
    }

    fn body_timeout(&self) -> Option<std::time::Duration> {
        self.shared().limits.body_timeout
    }
}
