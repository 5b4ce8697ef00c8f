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
    /// The query string as sent (still percent-encoded): its pairs are decoded by
    /// [`Call::list_query`], borrowing from it where no escape needs decoding.
    raw_query: Option<String>,
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
        let mut base_url = String::with_capacity(96);
        push_origin(&mut base_url, shared, parts);
        base_url.push_str(&shared.base_path);
        if let Some(tenant) = &tenant {
            base_url.push('/');
            push_segment(&mut base_url, tenant);
        }
        let header = |name: HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(Call {
            principal,
            base_url,
            id: param("id"),
            key: param("key"),
            if_match: header(header::IF_MATCH),
            if_none_match: header(header::IF_NONE_MATCH),
            raw_query: parts.uri.query().map(str::to_owned),
            _permit: permit,
        })
    }
}

impl Call {
    /// The query string's SCIM parameters (RFC 7644 section 3.4.2), checked against `limits`.
    pub(super) fn list_query(&self, limits: &crate::query::QueryLimits) -> ScimResult<ListQuery> {
        let pairs = self.raw_query.as_deref().map(crate::server::query_string::pairs);
        ListQuery::from_pairs(pairs.into_iter().flatten(), limits)
    }
}

/// `scheme://host` from the configured public URL, or the request, pushed onto `out`.
fn push_origin(out: &mut String, shared: &Shared, parts: &Parts) {
    if let Some(url) = &shared.public_url {
        out.push_str(url);
        return;
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
    let scheme = match parts.headers.get(X_FORWARDED_PROTO).and_then(|h| h.to_str().ok()) {
        Some(proto) if proto.trim().eq_ignore_ascii_case("https") => "https",
        _ => parts.uri.scheme_str().filter(|s| *s == "https").unwrap_or("http"),
    };
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host);
}

/// The header a TLS-terminating proxy names the client's scheme in.
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// A path segment (an id or a tenant) percent-encoded for a URL, pushed onto `out`.
pub(super) fn push_segment(out: &mut String, segment: &str) {
    let unreserved = |byte: u8| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
    if segment.bytes().all(unreserved) {
        // Every id this server makes (a UUID).
        out.push_str(segment);
        return;
    }
    for byte in segment.bytes() {
        if unreserved(byte) {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
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
    let query = call.list_query(&context.shared.limits())?;
    Ok((entry, required_id(call)?, query))
}

#[cfg(test)]
mod tests {
    use super::push_segment;

    #[test]
    fn a_segment_is_percent_encoded_byte_by_byte_except_unreserved_characters() {
        let mut out = String::from("x/");
        push_segment(&mut out, "a b/é~._-Z9");
        assert_eq!(out, "x/a%20b%2F%C3%A9~._-Z9");
        let mut plain = String::new();
        push_segment(&mut plain, "2f0e8c1a-0000-4000-8000-00000000002a");
        assert_eq!(plain, "2f0e8c1a-0000-4000-8000-00000000002a");
    }
}
