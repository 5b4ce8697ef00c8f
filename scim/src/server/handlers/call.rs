//! [`Call`]: what every handler takes from the request head.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, header};
use axum::response::IntoResponse;

use super::*;
use crate::error::{ScimError, ScimResult};
use crate::query::ListQuery;
use crate::server::auth::{AuthRequest, Principal};

/// Everything a handler needs from the request head: who, where, and the preconditions.
///
/// Taking it authenticates the request: every SCIM endpoint's handler takes a `Call`, and its
/// extraction comes before any body is read (axum runs the body's extractor last). Done here
/// rather than in a middleware layer of its own, which cost each request a clone of the routes
/// beneath it, two boxed futures and a second parse of the path's parameters.
#[derive(Debug)]
pub struct Call {
    pub(super) principal: Principal,
    /// `https://host/scim/v2` (with `/{tenant}` when tenants are in the path).
    pub(super) base_url: String,
    pub(super) id: Option<String>,
    pub(super) key: Option<String>,
    pub(super) if_match: Option<String>,
    pub(super) if_none_match: Option<String>,
    /// The query string's pairs, percent-decoded.
    pub(super) query: Vec<(String, String)>,
    /// One of the tenant's concurrent requests ([`crate::server::limits::tenant_permit`]), held
    /// until the handler is done with the call.
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl<S: HasShared + Send + Sync> FromRequestParts<S> for Call {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let shared = state.shared();
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::bad_request("the path is not valid UTF-8").into_response())?;
        let param = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_owned());
        let tenant = if shared.tenant_in_path { param("tenant") } else { None };
        let auth_request = AuthRequest { headers: &parts.headers, path_tenant: tenant.as_deref() };
        let principal = shared.auth.authenticate(&auth_request).await.map_err(IntoResponse::into_response)?;
        let span = tracing::Span::current();
        span.record("tenant", principal.tenant.as_str());
        span.record("actor", principal.actor.as_str());
        let permit = crate::server::limits::tenant_permit(shared, &principal).map_err(|refused| *refused)?;
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
            _permit: permit,
        })
    }
}

/// `scheme://host` from the configured public URL, or the request.
pub(super) fn origin(shared: &Shared, parts: &Parts) -> String {
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
pub(super) fn encode_segment(segment: &str) -> String {
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

pub(super) fn record_resource(entry: &ResourceEntry) {
    tracing::Span::current().record("resource", entry.kind.name());
}

pub(super) fn required_id(call: &Call) -> ScimResult<&str> {
    call.id.as_deref().ok_or_else(|| ScimError::not_found("the request names no resource"))
}

/// What a `/{Resource}/{id}` handler starts from: the resource type (recorded in the span),
/// the id, and the `attributes`/`excludedAttributes` of the response (RFC 7644 section 3.9
/// allows them on every operation that returns a resource).
pub(super) fn single_resource<'a>(
    context: &'a ResourceContext,
    call: &'a Call,
) -> ScimResult<(&'a ResourceEntry, &'a str, ListQuery)> {
    let entry = &*context.resource;
    record_resource(entry);
    let query = ListQuery::from_params(&call.query, &context.shared.limits())?;
    Ok((entry, required_id(call)?, query))
}
