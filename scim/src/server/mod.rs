//! The HTTP layer: an axum [`Router`] serving SCIM 2.0 (RFC 7644) over the runtime.
//!
//! ```ignore
//! let app: axum::Router = scim::server::Server::builder()
//!     .base_path("/scim/v2")
//!     .tokens(TokenTable::new().tenant("acme", "secret"))
//!     .resource::<User>(store.clone())
//!     .resource::<Group>(store)
//!     .build()?;
//! ```
//!
//! Endpoints (RFC 7644 section 3.2), relative to the base path (and `/{tenant}` when tenants
//! are in the path): `GET`/`POST /{Resource}`, `GET`/`PUT`/`PATCH`/`DELETE /{Resource}/{id}`,
//! `POST /{Resource}/.search`, `POST /.search`, `GET /ServiceProviderConfig`, `GET /Schemas`,
//! `GET /Schemas/{urn}`, `GET /ResourceTypes`, `GET /ResourceTypes/{name}`.
//!
//! HTTP behaviour, and why:
//!
//! - Every body the server writes is `application/scim+json` (RFC 7644 section 8.1). Request
//!   bodies may be `application/scim+json` or `application/json` (Entra ID and Okta send
//!   either), with parameters; anything else is `415`. No `Accept` header is required.
//! - Every failure is an RFC 7644 section 3.12 Error body, including those axum would answer
//!   in plain text: unknown routes (`404`), wrong methods (`405`), bad or oversized bodies
//!   (`400 invalidSyntax`, `413`), wrong media types (`415`) and authentication (`401` with
//!   `WWW-Authenticate: Bearer`); served through [`listener::ScimListener`] (as generated
//!   servers are), also the `414`/`431`/`400` hyper answers itself for a URI over 64 KiB or an
//!   oversized or unparsable head. A `500` never carries its cause: it is logged, in the
//!   request's span.
//! - Group members must be resources of the caller's tenant (`400 invalidValue` naming the
//!   ids, checked before anything is written); a group's `displayName` is unique per tenant,
//!   ignoring case, unless [`ServerBuilder::unique_group_display_names`] says otherwise.
//! - Attributes outside the schema are refused with a detail saying how to add them, or
//!   dropped and logged ([`ServerBuilder::unknown_attributes`]).
//! - Create answers `201` with `Location` and `meta.location`; PATCH answers `200` with the
//!   resource, or `204` for resource types configured so (still `200` with the resource when
//!   the request has `attributes` or `excludedAttributes`, RFC 7644 section 3.5.2); DELETE
//!   answers `204`.
//! - Every resource response carries `ETag` (RFC 7644 section 3.14) from `meta.version`;
//!   `If-Match` on PUT, PATCH and DELETE is checked by the store atomically with the change
//!   (`412`); `If-None-Match` on GET answers `304` when the version matches.
//! - Every store call is scoped to the caller's tenant, taken from the authenticated
//!   [`auth::Principal`]; with tenants in the path, the credentials must belong to the tenant
//!   the path names.
//! - Filters are parsed, resolved against the resource type and checked against its
//!   [`crate::typed::FilterSupport`] before any store sees them (`400 invalidFilter` naming
//!   what is supported); `sortBy` must name `id` or an indexed attribute (`400 invalidValue`
//!   listing them), so every store behaves alike. `count` above `maxResults` is lowered to it.
//! - `POST /Bulk` runs each operation as its own request would run (see the `bulk` handler
//!   module): `bulkId` references in any order, cycles refused (`409`), `failOnErrors`,
//!   `maxOperations` and `maxPayloadSize` (`413`), as `/ServiceProviderConfig` advertises.
//! - `/Me` serves the caller's own user as `/Users/{id}` would, where the authenticator maps
//!   the caller to a user ([`auth::Authenticator::user_id`]); otherwise `501`.
//! - Each request runs in a `scim_request` tracing span (method, path, resource, tenant,
//!   status, latency); each change is reported to the [`audit::AuditSink`].

pub mod audit;
pub mod auth;
pub mod body;
pub mod discovery;
mod handlers;
#[cfg(feature = "launch")]
pub mod launch;
pub mod limits;
pub mod listener;
mod members;
mod middleware;
pub mod openapi;
mod query_string;
pub mod response;
mod unknown;

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::error::{ScimError, ScimResult};
pub use crate::resource::UnknownAttributes;
use crate::store::Store;
use crate::typed::{ResourceDescriptor, ScimResource};

use self::audit::{AuditSink, TracingAudit};
use self::auth::{Authenticator, TokenTable};
use self::discovery::{Discovery, Features};
pub use self::handlers::BulkLimits;
pub use self::limits::Limits;

/// The default base path.
pub const DEFAULT_BASE_PATH: &str = "/scim/v2";
/// The default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The default `filter.maxResults`: the most resources one list response returns.
pub const DEFAULT_MAX_RESULTS: usize = 200;
/// The default `bulk.maxOperations`: the most operations one `/Bulk` request may carry.
pub const DEFAULT_BULK_MAX_OPERATIONS: usize = 1000;
/// The default `bulk.maxPayloadSize`: the largest `/Bulk` request body, 4 MiB (a thousand
/// users of Entra ID's full mapping fit).
pub const DEFAULT_BULK_MAX_PAYLOAD_SIZE: usize = 4 * 1024 * 1024;

/// The entry point: `Server::builder()`.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// A builder with the defaults: base path `/scim/v2`, 1 MiB bodies, 200 results per page,
    /// tenant from the token, audit events as tracing events. Authentication must be set.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            base_path: DEFAULT_BASE_PATH.to_owned(),
            public_url: None,
            limits: Limits::default(),
            bulk: BulkLimits {
                max_operations: DEFAULT_BULK_MAX_OPERATIONS,
                max_payload_size: DEFAULT_BULK_MAX_PAYLOAD_SIZE,
            },
            auth: None,
            tenant_in_path: false,
            resources: Vec::new(),
            no_content_patch: HashSet::new(),
            audit: Arc::new(TracingAudit),
            documentation_uri: None,
            unique_group_display_names: true,
            unknown_attributes: UnknownAttributes::Reject,
        }
    }
}

/// Configures and builds the router. See the module docs.
pub struct ServerBuilder {
    base_path: String,
    public_url: Option<String>,
    limits: Limits,
    bulk: BulkLimits,
    auth: Option<Arc<dyn Authenticator>>,
    tenant_in_path: bool,
    resources: Vec<(Descriptor, Arc<dyn Store>)>,
    no_content_patch: HashSet<String>,
    audit: Arc<dyn AuditSink>,
    documentation_uri: Option<String>,
    unique_group_display_names: bool,
    unknown_attributes: UnknownAttributes,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("base_path", &self.base_path)
            .field("public_url", &self.public_url)
            .field("limits", &self.limits)
            .field("bulk", &self.bulk)
            .field("tenant_in_path", &self.tenant_in_path)
            .field("resources", &self.resources.iter().map(|(d, _)| d.resource_schema().name()).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Where the endpoints are mounted (default `/scim/v2`; `""` or `/` for the root).
    pub fn base_path(mut self, base_path: impl Into<String>) -> Self {
        self.base_path = base_path.into();
        self
    }

    /// The public URL the server is reached at (`https://scim.example.com`), for `Location`
    /// and `meta.location`. Without it they are built from the request's `Host` header (and
    /// `X-Forwarded-Proto`), which a proxy may rewrite.
    pub fn public_url(mut self, public_url: Option<String>) -> Self {
        self.public_url = public_url.map(|url| url.trim_end_matches('/').to_owned());
        self
    }

    /// The most resources one list response returns (`filter.maxResults`); a larger `count` is
    /// lowered to it.
    pub fn max_results(mut self, max_results: usize) -> Self {
        self.limits.max_results = max_results.max(1);
        self
    }

    /// The largest request body, in bytes; larger ones are `413`.
    pub fn max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.limits.max_body_bytes = max_body_bytes;
        self
    }

    /// The limits of `/Bulk` (RFC 7644 section 3.7): the most operations in one request and the
    /// largest request body in bytes, each `413` beyond, both advertised in
    /// `/ServiceProviderConfig` (default 1000 operations, 4 MiB). `max_operations` 0 turns Bulk
    /// off: `/Bulk` answers `501` and discovery says `supported: false`.
    pub fn bulk_limits(mut self, max_operations: usize, max_payload_size: usize) -> Self {
        self.bulk = BulkLimits { max_operations, max_payload_size };
        self
    }

    /// Every request limit at once (see [`limits`] for each, its default and its answer);
    /// [`ServerBuilder::max_results`] and [`ServerBuilder::max_body_bytes`] set two of them.
    pub fn limits(mut self, limits: Limits) -> Self {
        let max_results = limits.max_results;
        self.limits = limits;
        self.max_results(max_results)
    }

    /// Authenticate requests with your own [`Authenticator`] (e.g. OAuth JWT validation).
    pub fn auth(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.auth = Some(authenticator);
        self
    }

    /// Authenticate requests with bearer tokens, each belonging to one tenant.
    pub fn tokens(self, tokens: TokenTable) -> Self {
        self.auth(Arc::new(tokens))
    }

    /// Take the tenant from the path (`/scim/v2/{tenant}/Users`) instead of only from the
    /// credentials; the credentials must still belong to that tenant.
    pub fn tenant_in_path(mut self, tenant_in_path: bool) -> Self {
        self.tenant_in_path = tenant_in_path;
        self
    }

    /// Serve the typed resource `T` from `store`.
    pub fn resource<T: ScimResource>(self, store: Arc<dyn Store>) -> Self {
        self.resource_kind(T::descriptor(), store)
    }

    /// Serve `T` from a typed backend (see [`crate::typed::backend`]): the runtime keeps `meta`,
    /// ETags, PATCH, projection and paging; the backend stores `T` values.
    pub fn backend<T, B>(self, backend: B) -> Self
    where
        T: crate::typed::Queryable,
        B: crate::typed::backend::Backend<T>,
    {
        self.resource::<T>(Arc::new(crate::typed::backend::TypedStore::<T, B>::new(backend)))
    }

    /// Serve a resource type described by `descriptor` from `store` (the untyped form of
    /// [`ServerBuilder::resource`]).
    pub fn resource_kind(mut self, descriptor: &'static ResourceDescriptor, store: Arc<dyn Store>) -> Self {
        self.resources.push((Descriptor::Static(descriptor), store));
        self
    }

    /// Serve a resource type whose descriptor was built at run time (e.g. from schema files
    /// loaded at start-up) from `store`.
    pub fn resource_descriptor(mut self, descriptor: Arc<ResourceDescriptor>, store: Arc<dyn Store>) -> Self {
        self.resources.push((Descriptor::Shared(descriptor), store));
        self
    }

    /// Answer PATCH on `T` with `204 No Content` instead of `200` and the resource
    /// (RFC 7644 section 3.5.2 allows either).
    pub fn patch_returns_no_content<T: ScimResource>(self) -> Self {
        self.patch_returns_no_content_for(T::descriptor().resource_schema().name())
    }

    /// [`ServerBuilder::patch_returns_no_content`] by resource type name.
    pub fn patch_returns_no_content_for(mut self, resource_type: &str) -> Self {
        self.no_content_patch.insert(resource_type.to_ascii_lowercase());
        self
    }

    /// What a server made by `scimgen new` sets on top of the builder's defaults (its
    /// [`launch::Launch::builder`], and `scimgen openapi`, which describes such a server): group
    /// PATCH answers 204 No Content, as Microsoft Entra ID's SCIM documentation shows and
    /// RFC 7644 section 3.5.2 allows, so adding one member to a group of 100 000 costs the same
    /// as to a group of 10, instead of sending the whole group back.
    pub fn generated_server_defaults(self) -> Self {
        self.patch_returns_no_content_for("Group")
    }

    /// Where audit events go (default: tracing events at target `scim::audit`).
    pub fn audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = sink;
        self
    }

    /// Whether a group's `displayName` is unique per tenant, compared case-insensitively as
    /// Entra ID compares (default: yes). A second group with a name in use, or a PUT or PATCH
    /// renaming a group onto one, is then `409 uniqueness`, which Microsoft's SCIM validator
    /// expects. Applies to every resource type with `members` and a `displayName`. Databases
    /// that already hold duplicate names still open; those groups keep working, and only a
    /// change of their name is checked (see [`crate::store::IndexedAttr::unique_index`]).
    pub fn unique_group_display_names(mut self, unique: bool) -> Self {
        self.unique_group_display_names = unique;
        self
    }

    /// What to do with attributes outside a resource type's schemas in POST, PUT and PATCH
    /// (default [`UnknownAttributes::Reject`]: `400 invalidSyntax`/`invalidPath` naming the
    /// attribute and saying how to fix it). With [`UnknownAttributes::Ignore`] they are
    /// dropped, logged as a warning, and listed in the audit event's `ignored`.
    pub fn unknown_attributes(mut self, policy: UnknownAttributes) -> Self {
        self.unknown_attributes = policy;
        self
    }

    /// `documentationUri` of `/ServiceProviderConfig`.
    pub fn documentation_uri(mut self, uri: impl Into<String>) -> Self {
        self.documentation_uri = Some(uri.into());
        self
    }

    /// Build the router and have every store prepare its storage ([`Store::register`]: tables,
    /// indexes) now, so that a store that cannot (a read-only file, a schema it refuses) stops
    /// the server at start-up with the store's error, instead of failing its first request.
    /// Generated servers start this way. Fails as [`ServerBuilder::build`] does, or with the
    /// first registration error, naming the resource type.
    pub async fn build_registered(self) -> ScimResult<Router> {
        let (router, shared) = self.build_parts()?;
        for entry in &shared.resources {
            entry.register().await.map_err(|error| {
                let detail = format!("the store cannot serve {}: {}", entry.kind.name(), error.detail);
                ScimError::internal(detail).with_source(error)
            })?;
        }
        Ok(router)
    }

    /// Build the router. Fails when no authentication is configured, two resource types share
    /// a name or endpoint, or the base path is not a path. Stores prepare their storage on the
    /// first request; [`ServerBuilder::build_registered`] does it at once.
    pub fn build(self) -> ScimResult<Router> {
        self.build_parts().map(|(router, _)| router)
    }

    /// The OpenAPI 3.1 description the built server serves at `<base path>/openapi.json` (see
    /// [`openapi`]), without serving: what `scimgen openapi` writes. Fails as
    /// [`ServerBuilder::build`] does.
    pub fn build_openapi(self) -> ScimResult<serde_json::Value> {
        let (_, shared) = self.build_parts()?;
        Ok(shared.openapi.clone())
    }

    /// The router and what its handlers share (the resource types, the description).
    fn build_parts(self) -> ScimResult<(Router, Arc<handlers::Shared>)> {
        let auth = self.auth.ok_or_else(|| {
            ScimError::internal("no authentication configured: call .tokens(..) or .auth(..) on the server builder")
        })?;
        let base_path = normalise_base_path(&self.base_path)?;
        let mut resources: Vec<Arc<handlers::ResourceEntry>> = Vec::new();
        for (descriptor, store) in self.resources {
            let schema = descriptor.resource_schema();
            let endpoint = normalise_endpoint(&schema.resource_type.endpoint)?;
            if let Some(other) = resources.iter().find(|r| {
                r.schema().name().eq_ignore_ascii_case(schema.name()) || r.endpoint.eq_ignore_ascii_case(&endpoint)
            }) {
                return Err(ScimError::internal(format!(
                    "resource types {} and {} share a name or endpoint",
                    other.schema().name(),
                    schema.name()
                )));
            }
            let patch_no_content = self.no_content_patch.contains(&schema.name().to_ascii_lowercase());
            let options = handlers::EntryOptions {
                patch_no_content,
                unique_group_display_names: self.unique_group_display_names,
            };
            resources.push(Arc::new(handlers::ResourceEntry::new(descriptor, store, endpoint, options)?));
        }
        let features = Features {
            max_results: self.limits.max_results,
            change_password: resources.iter().any(|r| r.accepts_password()),
            authentication: auth.scheme(),
            bulk: self.bulk,
            documentation_uri: self.documentation_uri,
        };
        let discovery = Discovery::new(
            resources.iter().map(|r| (r.descriptor.resource_type_document(), r.schema_documents())),
            &features,
        )?;
        let openapi = openapi::describe(&openapi::Description {
            base_path: &base_path,
            tenant_in_path: self.tenant_in_path,
            schemas: discovery.schema_documents().cloned().collect(),
            resources: resources
                .iter()
                .map(|entry| openapi::DescribedResource {
                    resource_type: entry.descriptor.resource_type_document(),
                    patch_no_content: entry.patch_no_content,
                })
                .collect(),
            limits: &self.limits,
            unknown_attributes: self.unknown_attributes,
            bulk: self.bulk,
        });
        let shared = Arc::new(handlers::Shared {
            base_path: base_path.clone(),
            public_url: self.public_url,
            limits: self.limits,
            tenant_gate: limits::TenantGate::default(),
            openapi,
            tenant_in_path: self.tenant_in_path,
            bulk: self.bulk,
            unknown_attributes: self.unknown_attributes,
            auth,
            audit: self.audit,
            discovery,
            resources: resources.clone(),
        });

        // The description is public (see [`openapi`]), so it is routed outside authentication.
        let public: Router<Arc<handlers::Shared>> =
            Router::new().route(&format!("{base_path}/openapi.json"), get(handlers::openapi));
        let prefix = if self.tenant_in_path { format!("{base_path}/{{tenant}}") } else { base_path };
        let mut router: Router<Arc<handlers::Shared>> = Router::new()
            .route(&format!("{prefix}/ServiceProviderConfig"), get(handlers::service_provider_config))
            .route(&format!("{prefix}/Schemas"), get(handlers::schemas))
            .route(&format!("{prefix}/Schemas/{{key}}"), get(handlers::schema))
            .route(&format!("{prefix}/ResourceTypes"), get(handlers::resource_types))
            .route(&format!("{prefix}/ResourceTypes/{{key}}"), get(handlers::resource_type))
            .route(&format!("{prefix}/.search"), post(handlers::search_all))
            .route(&format!("{prefix}/Bulk"), post(handlers::bulk))
            // The caller's own user, where the authenticator says who that is (else 501).
            .route(
                &format!("{prefix}/Me"),
                get(handlers::me_get)
                    .put(handlers::me_replace)
                    .patch(handlers::me_patch)
                    .delete(handlers::me_delete)
                    .post(handlers::me_create),
            );
        for entry in &resources {
            let collection = format!("{prefix}{}", entry.endpoint);
            let context = handlers::ResourceContext { shared: shared.clone(), resource: entry.clone() };
            router = router
                .route(&collection, get(handlers::list).post(handlers::create).with_state(context.clone()))
                .route(&format!("{collection}/.search"), post(handlers::search).with_state(context.clone()))
                .route(
                    &format!("{collection}/{{id}}"),
                    get(handlers::get)
                        .put(handlers::replace)
                        .patch(handlers::patch)
                        .delete(handlers::delete)
                        .with_state(context),
                );
        }
        let router = router
            // Its handler authenticates too (it takes a `Call`), as every SCIM handler does.
            .method_not_allowed_fallback(handlers::method_not_allowed)
            .merge(public)
            .fallback(handlers::not_found)
            .layer(middleware::OuterLayer { shared: shared.clone() })
            .with_state(shared.clone());
        Ok((router, shared))
    }
}

/// A resource descriptor: a typed resource's static one, or one built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Descriptor {
    Static(&'static ResourceDescriptor),
    Shared(Arc<ResourceDescriptor>),
}

impl std::ops::Deref for Descriptor {
    type Target = ResourceDescriptor;

    fn deref(&self) -> &ResourceDescriptor {
        match self {
            Descriptor::Static(descriptor) => descriptor,
            Descriptor::Shared(descriptor) => descriptor,
        }
    }
}

/// `/scim/v2` from `scim/v2/`, `""` for the root.
fn normalise_base_path(path: &str) -> ScimResult<String> {
    let trimmed = path.trim().trim_matches('/');
    if trimmed.contains(['{', '}', '?', '#', '*']) {
        return Err(ScimError::internal(format!("base path `{path}` must be a plain path")));
    }
    Ok(if trimmed.is_empty() { String::new() } else { format!("/{trimmed}") })
}

/// The endpoints the server itself serves, which no resource type may take.
const RESERVED_ENDPOINTS: [&str; 7] =
    ["ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk", "Me", ".search", "openapi.json"];

/// `/Users` from a resource type's endpoint.
fn normalise_endpoint(endpoint: &str) -> ScimResult<String> {
    let trimmed = endpoint.trim().trim_matches('/');
    if trimmed.is_empty() || trimmed.contains(['/', '{', '}', '?', '#', '*']) {
        return Err(ScimError::internal(format!("endpoint `{endpoint}` must be one path segment like `/Users`")));
    }
    if RESERVED_ENDPOINTS.iter().any(|reserved| reserved.eq_ignore_ascii_case(trimmed)) {
        return Err(ScimError::internal(format!("endpoint `{endpoint}` is one the server serves itself")));
    }
    Ok(format!("/{trimmed}"))
}
