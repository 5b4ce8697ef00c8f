//! The request handlers: generic over resource types, driven by each type's descriptor.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Descriptor;
use super::audit::{AuditAction, AuditEvent, AuditSink, attribute_names};
use super::auth::{Authenticator, Principal};
use super::body::{BodyLimit, ScimJson};
use super::discovery::Discovery;
use super::members::{body_members, check_members, patch_members};
use super::response::{add_etag, json_response, resource_response, text_response};
use super::unknown::screen_patch;
use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, ResolvedFilter, parse_filter, resolve_filter};
use crate::message::{SearchRequest, list_response_text};
use crate::patch::PatchRequest;
use crate::projection::response_form;
use crate::query::{ListQuery, QueryLimits};
use crate::resource::{
    RequestMode, UnknownAttributeLog, UnknownAttributes, check_replace, keep_immutable, validate_request_with,
};
use crate::schema::{AttrOwner, Attribute, ResolvedAttr, ResourceSchema, Returned};
use crate::store::{
    Fetched, FetchedPage, GetOptions, IndexedAttr, IndexedShape, ResourceKind, Scope, Store, StoreQuery,
    etag_list_names, meta_version, parse_version,
};

/// What every handler shares: the configuration and the resource types.
#[derive(Debug)]
pub struct Shared {
    pub base_path: String,
    pub public_url: Option<String>,
    pub max_results: usize,
    pub max_body_bytes: usize,
    pub tenant_in_path: bool,
    pub unknown_attributes: UnknownAttributes,
    pub auth: Arc<dyn Authenticator>,
    pub audit: Arc<dyn AuditSink>,
    pub discovery: Discovery,
    pub resources: Vec<Arc<ResourceEntry>>,
}

impl Shared {
    fn limits(&self) -> QueryLimits {
        QueryLimits { max_count: self.max_results, ..QueryLimits::default() }
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
        format!("{base_url}{}/{}", self.endpoint, encode_segment(id))
    }

    /// The response form of a stored resource: `meta.location` set, then projected.
    fn respond_form(&self, resource: Value, base_url: &str, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
        let location = resource.get("id").and_then(Value::as_str).map(|id| self.location(base_url, id));
        response_form(resource, self.schema(), location, attributes, excluded)
    }

    /// The response body of a fetched resource: a plain document's own text with its location
    /// when the request asks for the default form, else [`ResourceEntry::respond_form`].
    fn response_text(&self, fetched: Fetched, base_url: &str, query: &ListQuery) -> ScimResult<String> {
        if let Fetched::Plain { id, text, .. } = &fetched
            && self.asks_default_form(query)
            && let Some(body) = crate::plain::with_location(text, &self.location(base_url, id))
        {
            return Ok(body);
        }
        let body = self.respond_form(fetched.into_value()?, base_url, &query.attributes, &query.excluded_attributes);
        serde_json::to_string(&body).map_err(|_| ScimError::internal("the response could not be serialised"))
    }

    /// Whether a response is the default form of a plain document: no `attributes`, and no
    /// `excludedAttributes` but `members` (which a plain document never holds: a store keeps
    /// them apart).
    fn asks_default_form(&self, query: &ListQuery) -> bool {
        query.attributes.is_empty() && query.excluded_attributes.iter().all(|path| names_whole_members(self, path))
    }

    /// A resource response: the response form of `stored` as the body, its version as `ETag`
    /// (even when the projection leaves `meta` out).
    fn reply(
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
        self.shared().max_body_bytes
    }
}

/// Everything a handler needs from the request head: who, where, and the preconditions.
#[derive(Debug)]
pub struct Call {
    principal: Principal,
    /// `https://host/scim/v2` (with `/{tenant}` when tenants are in the path).
    base_url: String,
    id: Option<String>,
    key: Option<String>,
    if_match: Option<String>,
    if_none_match: Option<String>,
    /// The query string's pairs, percent-decoded.
    query: Vec<(String, String)>,
}

impl<S: HasShared + Send + Sync> FromRequestParts<S> for Call {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let shared = state.shared();
        // Taken, not copied: nothing after the handler's extractors reads it.
        let principal = parts
            .extensions
            .remove::<Principal>()
            .ok_or_else(|| ScimError::internal("the request was not authenticated"))?;
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::bad_request("the path is not valid UTF-8"))?;
        let param = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_owned());
        let tenant = if shared.tenant_in_path { param("tenant") } else { None };
        let base_url = format!(
            "{}{}{}",
            origin(shared, parts),
            shared.base_path,
            tenant.map(|t| format!("/{}", encode_segment(&t))).unwrap_or_default()
        );
        let header = |name: HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let query =
            parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        Ok(Call {
            principal,
            base_url,
            id: param("id"),
            key: param("key"),
            if_match: header(header::IF_MATCH),
            if_none_match: header(header::IF_NONE_MATCH),
            query,
        })
    }
}

/// `scheme://host` from the configured public URL, or the request.
fn origin(shared: &Shared, parts: &Parts) -> String {
    if let Some(url) = &shared.public_url {
        return url.clone();
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        // Only what a host (and port) can contain: a hostile Host header must not be able to
        // put anything else into `Location` or `meta.location`.
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b)))
        .unwrap_or("localhost");
    let scheme = match parts.headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) {
        Some(proto) if proto.trim().eq_ignore_ascii_case("https") => "https",
        _ => parts.uri.scheme_str().filter(|s| *s == "https").unwrap_or("http"),
    };
    format!("{scheme}://{host}")
}

/// Percent-encode a path segment (an id or a tenant) for a URL.
fn encode_segment(segment: &str) -> String {
    let unreserved = |byte: u8| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
    if segment.bytes().all(unreserved) {
        // Every id this server makes (a UUID).
        return segment.to_owned();
    }
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn record_resource(entry: &ResourceEntry) {
    tracing::Span::current().record("resource", entry.kind.name());
}

fn required_id(call: &Call) -> ScimResult<&str> {
    call.id.as_deref().ok_or_else(|| ScimError::not_found("the request names no resource"))
}

/// What a `/{Resource}/{id}` handler starts from: the resource type (recorded in the span),
/// the id, and the `attributes`/`excludedAttributes` of the response (RFC 7644 section 3.9
/// allows them on every operation that returns a resource).
fn single_resource<'a>(
    context: &'a ResourceContext,
    call: &'a Call,
) -> ScimResult<(&'a ResourceEntry, &'a str, ListQuery)> {
    let entry = &*context.resource;
    record_resource(entry);
    let query = ListQuery::from_params(&call.query, &context.shared.limits())?;
    Ok((entry, required_id(call)?, query))
}

// ----- discovery -----

pub async fn service_provider_config(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    json_response(StatusCode::OK, &shared.discovery.service_provider_config(&call.base_url))
}

pub async fn schemas(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    json_response(StatusCode::OK, &shared.discovery.schemas(&call.base_url))
}

pub async fn schema(State(shared): State<Arc<Shared>>, call: Call) -> Result<Response, ScimError> {
    let key = call.key.as_deref().unwrap_or_default();
    Ok(json_response(StatusCode::OK, &shared.discovery.schema(key, &call.base_url)?))
}

pub async fn resource_types(State(shared): State<Arc<Shared>>, call: Call) -> Response {
    json_response(StatusCode::OK, &shared.discovery.resource_types(&call.base_url))
}

pub async fn resource_type(State(shared): State<Arc<Shared>>, call: Call) -> Result<Response, ScimError> {
    let key = call.key.as_deref().unwrap_or_default();
    Ok(json_response(StatusCode::OK, &shared.discovery.resource_type(key, &call.base_url)?))
}

pub async fn not_found(request: axum::extract::Request) -> ScimError {
    ScimError::not_found(format!("no SCIM endpoint at {}", request.uri().path()))
}

pub async fn bulk_not_supported() -> ScimError {
    ScimError::not_implemented("bulk operations are not supported (see /ServiceProviderConfig)")
}

pub async fn me_not_supported() -> ScimError {
    ScimError::not_implemented("the /Me endpoint is not supported: address the resource by its id")
}

pub async fn method_not_allowed(request: axum::extract::Request) -> ScimError {
    ScimError::status(
        StatusCode::METHOD_NOT_ALLOWED.as_u16(),
        format!("{} is not supported on {}", request.method(), request.uri().path()),
    )
}

// ----- lists -----

/// `GET /{Resource}`.
pub async fn list(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    let query = ListQuery::from_params(&call.query, &context.shared.limits())?;
    respond_list(&context, &call, &query).await
}

/// `POST /{Resource}/.search` (RFC 7644 section 3.4.3).
pub async fn search(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let request = SearchRequest::from_json(body)?;
    let query = ListQuery::from_search_request(&request, &context.shared.limits())?;
    respond_list(&context, &call, &query).await
}

async fn respond_list(context: &ResourceContext, call: &Call, query: &ListQuery) -> Result<Response, ScimError> {
    let entry = &context.resource;
    record_resource(entry);
    let limits = context.shared.limits();
    let filter = resolve_checked(entry, query)?;
    let page = list_page(entry, call, query, filter.as_ref(), query.start_index, query.page_size(&limits)).await?;
    let resources = page
        .resources
        .into_iter()
        .map(|r| entry.response_text(r, &call.base_url, query))
        .collect::<ScimResult<Vec<_>>>()?;
    Ok(text_response(StatusCode::OK, list_response_text(&resources, page.total_results, query.start_index)))
}

/// Resolve the query's filter against the resource type and check the type supports it: a
/// filter this server cannot answer is `400 invalidFilter` before it reaches the store.
fn resolve_checked<'s>(entry: &'s ResourceEntry, query: &ListQuery) -> ScimResult<Option<ResolvedFilter<'s>>> {
    let Some(filter) = &query.filter else { return Ok(None) };
    let resolved = resolve_filter(filter, entry.schema())?;
    entry.descriptor.filter_support().check(&resolved)?;
    Ok(Some(resolved))
}

async fn list_page(
    entry: &ResourceEntry,
    call: &Call,
    query: &ListQuery,
    filter: Option<&ResolvedFilter<'_>>,
    start_index: usize,
    count: usize,
) -> ScimResult<FetchedPage> {
    let sort_by = query.sort_by.as_ref().map(|path| entry.schema().resolve(path)).transpose()?;
    if let Some(attr) = &sort_by {
        check_sortable(entry, attr)?;
    }
    let scope = entry.scope(&call.principal).await?;
    let store_query = StoreQuery {
        filter,
        sort_by,
        sort_order: query.sort_order,
        start_index,
        count: Some(count),
        exclude_members: !returns_members(entry, &query.attributes, &query.excluded_attributes),
    };
    entry.store.list_for_response(scope, &store_query).await
}

/// Sorting is offered on `id` and the attributes the resource type indexes (its filterable and
/// unique single values): the same set for every store, so a client sees one behaviour
/// whichever store serves it. Others are `400 invalidValue` listing what can be sorted on.
fn check_sortable(entry: &ResourceEntry, attr: &ResolvedAttr<'_>) -> ScimResult<()> {
    let sortable_shape = |indexed: &IndexedAttr| matches!(indexed.shape, IndexedShape::Single | IndexedShape::Element);
    let is_id = attr.owner == AttrOwner::Common && attr.attribute.name == "id";
    if is_id || entry.kind.indexed_attr(attr).is_some_and(sortable_shape) {
        return Ok(());
    }
    let sortable: Vec<&str> = std::iter::once("id")
        .chain(entry.kind.indexed.iter().filter(|i| sortable_shape(i)).map(|i| i.path.as_str()))
        .collect();
    Err(ScimError::invalid_value(format!(
        "cannot sort {} by `{}`; sortBy may be one of: {}",
        entry.kind.name(),
        attr.canonical(),
        sortable.join(", ")
    )))
}

/// Whether a response with these `attributes`/`excludedAttributes` carries `members`; when it
/// does not, the store need not load them (Entra ID asks for groups with
/// `excludedAttributes=members`, and a group may have 100 000).
fn returns_members(entry: &ResourceEntry, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    if !entry.kind.has_members {
        return false;
    }
    if excluded.iter().any(|path| names_whole_members(entry, path)) {
        return false;
    }
    attributes.is_empty() || attributes.iter().any(|path| names_members(entry, path))
}

/// `Some(whole)` when `path` names a group's `members` (`whole`: not one of their
/// sub-attributes).
fn members_path(entry: &ResourceEntry, path: &AttrPath) -> Option<bool> {
    if !entry.kind.has_members {
        return None;
    }
    let attr = entry.schema().resolve(path).ok()?;
    (attr.owner == AttrOwner::Core && attr.attribute.name == "members").then_some(attr.sub_attribute.is_none())
}

/// Whether `path` names a group's `members` or one of their sub-attributes.
fn names_members(entry: &ResourceEntry, path: &AttrPath) -> bool {
    members_path(entry, path).is_some()
}

/// Whether `path` names a group's `members` as a whole.
fn names_whole_members(entry: &ResourceEntry, path: &AttrPath) -> bool {
    members_path(entry, path) == Some(true)
}

/// `POST /.search` at the root (RFC 7644 section 3.4.3): every resource type, in registration
/// order. A filter that does not resolve against a resource type matches none of its
/// resources; one that resolves against none is the error it gives for the first type.
pub async fn search_all(
    State(shared): State<Arc<Shared>>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let request = SearchRequest::from_json(body)?;
    let limits = shared.limits();
    let query = ListQuery::from_search_request(&request, &limits)?;
    let mut first_error = None;
    let mut searched = Vec::new();
    for entry in &shared.resources {
        match resolve_checked(entry, &query) {
            Ok(filter) => searched.push((entry, filter)),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if searched.is_empty()
        && let Some(error) = first_error
    {
        return Err(error);
    }
    // The page is a window over the concatenation of every type's matches: count each type's
    // matches first, then fetch from each only the part of the window that falls in it.
    let wanted = query.page_size(&limits);
    let mut skip = query.start_index.saturating_sub(1);
    let mut total = 0;
    let mut resources = Vec::new();
    for (entry, filter) in &searched {
        let matches = list_page(entry, &call, &query, filter.as_ref(), 1, 0).await?.total_results;
        total += matches;
        if skip >= matches {
            skip -= matches;
            continue;
        }
        let room = wanted.saturating_sub(resources.len());
        if room > 0 {
            let page = list_page(entry, &call, &query, filter.as_ref(), skip + 1, room).await?;
            for resource in page.resources {
                resources.push(entry.response_text(resource, &call.base_url, &query)?);
            }
        }
        skip = 0;
    }
    Ok(text_response(StatusCode::OK, list_response_text(&resources, total, query.start_index)))
}

// ----- single resources -----

/// `GET /{Resource}/{id}`.
pub async fn get(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    let options =
        GetOptions { exclude_members: !returns_members(entry, &query.attributes, &query.excluded_attributes) };
    let scope = entry.scope(&call.principal).await?;
    let resource = entry.store.get_for_response(scope, id, options).await?;
    let version = resource.version();
    check_if_match(entry, id, call.if_match.as_deref(), version)?;
    if let Some(if_none_match) = &call.if_none_match
        && etag_matches(if_none_match, version)
    {
        // RFC 7232 section 4.1: 304 carries the ETag, no body.
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        add_etag(response.headers_mut(), version);
        return Ok(response);
    }
    entry.reply(StatusCode::OK, resource, &call, &query, &[])
}

/// `412` unless `If-Match` is absent or names the current version: the store's own check
/// ([`crate::store::check_if_match`]), so GET, PUT, PATCH and DELETE accept the same tags.
fn check_if_match(entry: &ResourceEntry, id: &str, if_match: Option<&str>, version: Option<&str>) -> ScimResult<()> {
    match version.and_then(parse_version) {
        Some(current) => crate::store::check_if_match(&entry.kind, id, if_match, current),
        None if if_match.is_some() => Err(ScimError::precondition_failed(format!(
            "{} {id} has no version to match {}",
            entry.kind.name(),
            if_match.unwrap_or_default()
        ))),
        None => Ok(()),
    }
}

/// Whether an `If-None-Match` list names `version`, compared as `If-Match` is
/// ([`crate::store::etag_list_names`]).
fn etag_matches(list: &str, version: Option<&str>) -> bool {
    version.and_then(parse_version).is_some_and(|current| etag_list_names(list, current))
}

/// `POST /{Resource}`.
pub async fn create(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let entry = &context.resource;
    record_resource(entry);
    let query = ListQuery::from_params(&call.query, &context.shared.limits())?;
    let mut unknown = UnknownAttributeLog::new(context.shared.unknown_attributes);
    let resource = validate_request_with(entry.schema(), body, RequestMode::Create, &mut unknown)?;
    let changes = attribute_names(&resource);
    if entry.kind.has_members {
        check_members(&context.shared, entry, &call.principal, &body_members(&resource)).await?;
    }
    let scope = entry.scope(&call.principal).await?;
    let created = entry.store.create(scope, resource).await?;
    let id = created.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    entry.audit_ignoring(&context.shared, &call.principal, AuditAction::Create, &id, changes, unknown.ignored);
    let location = entry.location(&call.base_url, &id);
    entry.reply(StatusCode::CREATED, Fetched::Value(created), &call, &query, &[(header::LOCATION, location)])
}

/// `PUT /{Resource}/{id}` (RFC 7644 section 3.5.1).
pub async fn replace(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    let mut unknown = UnknownAttributeLog::new(context.shared.unknown_attributes);
    let mut resource = validate_request_with(entry.schema(), body, RequestMode::Replace, &mut unknown)?;
    if entry.kind.has_members {
        check_members(&context.shared, entry, &call.principal, &body_members(&resource)).await?;
    }
    let scope = entry.scope(&call.principal).await?;
    let existing = entry.store.get(scope, id, GetOptions::default()).await?;
    check_replace(entry.schema(), &existing, &resource)?;
    keep_immutable(entry.schema(), &existing, &mut resource);
    let changes = attribute_names(&resource);
    // The version read is the one the replacement is based on: if another writer changes the
    // resource in between, the store refuses (412) rather than losing that change. The
    // client's own If-Match was checked against the same version.
    let version = meta_version(&existing).map(str::to_owned);
    check_if_match(entry, id, call.if_match.as_deref(), version.as_deref())?;
    let replaced = entry.store.replace(scope, id, resource, version.as_deref().or(call.if_match.as_deref())).await?;
    entry.audit_ignoring(&context.shared, &call.principal, AuditAction::Replace, id, changes, unknown.ignored);
    entry.reply(StatusCode::OK, Fetched::Value(replaced), &call, &query, &[])
}

/// `PATCH /{Resource}/{id}` (RFC 7644 section 3.5.2).
pub async fn patch(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    let changes = redact_operations(entry, &body);
    let mut request = PatchRequest::from_value(body)?;
    let mut unknown = UnknownAttributeLog::new(context.shared.unknown_attributes);
    screen_patch(entry.schema(), &mut request.operations, &mut unknown)?;
    if entry.kind.has_members {
        check_members(&context.shared, entry, &call.principal, &patch_members(&request.operations)).await?;
    }
    let scope = entry.scope(&call.principal).await?;
    // RFC 7644 section 3.5.2: with `attributes` or `excludedAttributes` the client asks for
    // the resource, and the server MUST answer 200 with it, even where PATCH answers 204.
    let no_content = entry.patch_no_content && query.attributes.is_empty() && query.excluded_attributes.is_empty();
    // Entra ID's group PATCHes answer 204, so the members of a large group need not be read
    // back at all; with a body, only when the response includes them.
    let options = GetOptions {
        exclude_members: no_content || !returns_members(entry, &query.attributes, &query.excluded_attributes),
    };
    let patched = entry.store.patch(scope, id, &request.operations, call.if_match.as_deref(), options).await?;
    entry.audit_ignoring(&context.shared, &call.principal, AuditAction::Patch, id, changes, unknown.ignored);
    if no_content {
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_etag(response.headers_mut(), meta_version(&patched));
        return Ok(response);
    }
    entry.reply(StatusCode::OK, Fetched::Value(patched), &call, &query, &[])
}

/// `DELETE /{Resource}/{id}`.
pub async fn delete(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    let entry = &context.resource;
    record_resource(entry);
    let id = required_id(&call)?;
    let scope = entry.scope(&call.principal).await?;
    entry.store.delete(scope, id, call.if_match.as_deref()).await?;
    entry.audit(&context.shared, &call.principal, AuditAction::Delete, id, Value::Array(Vec::new()));
    for groups in context.shared.resources.iter().filter(|r| r.kind.has_members) {
        // The resource is gone whatever happens here, so a failure is logged, not answered.
        if let Err(error) = remove_memberships(&context.shared, groups, &call.principal, id).await {
            tracing::error!(%error, resource = groups.kind.name(), "could not remove a deleted resource's memberships");
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Remove a deleted resource from the members of every group of the caller's tenant that lists
/// it, so no group keeps pointing at a resource that answers 404 (each removal is audited).
async fn remove_memberships(
    shared: &Shared,
    groups: &ResourceEntry,
    principal: &Principal,
    id: &str,
) -> ScimResult<()> {
    let text = format!("members.value eq {}", Value::String(id.to_owned()));
    let filter = parse_filter(&text)?;
    let resolved = resolve_filter(&filter, groups.schema())?;
    let scope = groups.scope(principal).await?;
    let query = StoreQuery { filter: Some(&resolved), exclude_members: true, ..StoreQuery::default() };
    let page = groups.store.list(scope, &query).await?;
    let removed = [id.to_owned()];
    for group in page.resources {
        let Some(group_id) = group.get("id").and_then(Value::as_str) else { continue };
        groups.store.remove_members(scope, group_id, &removed).await?;
        let change = serde_json::json!([{"op": "remove", "path": format!("members[value eq {}]", Value::String(id.to_owned()))}]);
        groups.audit(shared, principal, AuditAction::Patch, group_id, change);
    }
    Ok(())
}

// ----- audit redaction -----

/// The names of `returned: never` attributes and sub-attributes (`password`), lower-cased.
fn secret_names(schema: &ResourceSchema) -> Vec<String> {
    fn walk(attributes: &[Attribute], out: &mut Vec<String>) {
        for attribute in attributes {
            if attribute.returned == Returned::Never {
                out.push(attribute.name.to_ascii_lowercase());
            }
            walk(&attribute.sub_attributes, out);
        }
    }
    let mut out = Vec::new();
    walk(&schema.core.attributes, &mut out);
    for extension in &schema.extensions {
        walk(&extension.schema.attributes, &mut out);
    }
    out
}

/// The PATCH operations as sent, for the audit log, with the values of secret attributes
/// replaced by `"[redacted]"`.
fn redact_operations(entry: &ResourceEntry, body: &Value) -> Value {
    let operations = body
        .as_object()
        .and_then(|object| object.iter().find(|(key, _)| key.eq_ignore_ascii_case("operations")))
        .map(|(_, operations)| operations.clone())
        .unwrap_or(Value::Null);
    let is_secret = |name: &str| {
        let last = name.rsplit([':', '.']).next().unwrap_or(name).to_ascii_lowercase();
        entry.secret_names.contains(&last)
    };
    let mut operations = operations;
    if let Some(list) = operations.as_array_mut() {
        for operation in list.iter_mut().filter_map(Value::as_object_mut) {
            let path = operation.iter().find(|(k, _)| k.eq_ignore_ascii_case("path")).and_then(|(_, p)| p.as_str());
            let secret_path = path.is_some_and(is_secret);
            if let Some((_, value)) = operation.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                if secret_path {
                    *value = Value::String("[redacted]".to_owned());
                } else {
                    redact_keys(value, &is_secret);
                }
            }
        }
    }
    operations
}

fn redact_keys(value: &mut Value, is_secret: &impl Fn(&str) -> bool) {
    if let Some(object) = value.as_object_mut() {
        for (key, inner) in object.iter_mut() {
            if is_secret(key) {
                *inner = Value::String("[redacted]".to_owned());
            } else {
                redact_keys(inner, is_secret);
            }
        }
    }
}
