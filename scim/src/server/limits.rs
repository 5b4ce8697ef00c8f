//! The bounds a server puts on every request, so that one client (or one hostile request)
//! cannot take more than its share of memory, CPU, connections or time. Each is configurable on
//! [`super::ServerBuilder::limits`] (and by a generated server's `--max-*` options), and each
//! answers with an RFC 7644 section 3.12 error document that says which limit was hit:
//!
//! | limit | default | answer |
//! | --- | --- | --- |
//! | request body | 1 MiB | `413` |
//! | filter length / nesting / terms | 4096 bytes / 32 / 100 | `400 invalidFilter` |
//! | `count` | 200 (`filter.maxResults`) | lowered to it (RFC 7644 section 3.4.2.4) |
//! | PATCH operations | 1000 | `400 tooMany` |
//! | members per request | 10 000 | `400 tooMany` |
//! | request line (method, URI, version) | 16 KiB | `414` |
//! | header fields | 32 KiB | `431` |
//! | receiving the body | 30 s | `408` |
//! | handling the request | 60 s | `503` with `Retry-After` |
//! | concurrent requests per tenant | 64 | `429` with `Retry-After` |
//!
//! Two timeouts because the two cases are different faults: a body still arriving after 30 s is
//! the client's (`408 Request Timeout`: it may send again), a request still being handled after
//! 60 s is the server's or its database's (`503 Service Unavailable`: retry later). A handler
//! cut off by the timeout is dropped: a store change either committed before that or was rolled
//! back with its transaction, never half-applied; the client learns neither, so it retries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::Principal;
use super::handlers::Shared;
use crate::error::ScimError;
use crate::filter::FilterLimits;

/// The default largest request line (method, URI and version): 16 KiB, room for a URL-encoded
/// filter of the default 4096 bytes.
pub const DEFAULT_MAX_REQUEST_LINE_BYTES: usize = 16 * 1024;
/// The default largest total of header field names and values: 32 KiB, room for a large JWT.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;
/// The default most PATCH operations in one request.
pub const DEFAULT_MAX_PATCH_OPERATIONS: usize = crate::patch::MAX_OPERATIONS;
/// The default most group members one request may add or set: a 1 MiB body holds about this
/// many.
pub const DEFAULT_MAX_MEMBERS_PER_REQUEST: usize = 10_000;
/// The default time to receive a request body.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time to handle a request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The default most requests of one tenant handled at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS_PER_TENANT: usize = 64;
/// What `Retry-After` says, in seconds, with a `429` or a `503`.
const RETRY_AFTER_SECONDS: u64 = 1;

/// Every request limit (see the module docs for the defaults and answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body, in bytes (`413`).
    pub max_body_bytes: usize,
    /// The most resources one list response returns (`filter.maxResults`).
    pub max_results: usize,
    /// The bounds on a filter (`400 invalidFilter`).
    pub filter: FilterLimits,
    /// The most operations one PATCH request holds (`400 tooMany`).
    pub max_patch_operations: usize,
    /// The most group members one POST, PUT or PATCH adds or sets (`400 tooMany`).
    pub max_members_per_request: usize,
    /// The longest request line: method, URI and version (`414`).
    pub max_request_line_bytes: usize,
    /// The largest total of header field names and values (`431`).
    pub max_header_bytes: usize,
    /// How long a request body may take to arrive (`408`); `None`: no limit.
    pub body_timeout: Option<Duration>,
    /// How long handling a request may take (`503`); `None`: no limit.
    pub request_timeout: Option<Duration>,
    /// How many requests of one tenant are handled at once (`429` beyond); `None`: no limit.
    pub max_concurrent_requests_per_tenant: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: super::DEFAULT_MAX_BODY_BYTES,
            max_results: super::DEFAULT_MAX_RESULTS,
            filter: FilterLimits::default(),
            max_patch_operations: DEFAULT_MAX_PATCH_OPERATIONS,
            max_members_per_request: DEFAULT_MAX_MEMBERS_PER_REQUEST,
            max_request_line_bytes: DEFAULT_MAX_REQUEST_LINE_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            body_timeout: Some(DEFAULT_BODY_TIMEOUT),
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            max_concurrent_requests_per_tenant: Some(DEFAULT_MAX_CONCURRENT_REQUESTS_PER_TENANT),
        }
    }
}

/// `414` or `431` when the request line or the header fields are larger than the limits. hyper
/// already refuses heads past its own buffer (see [`super::listener`]); these are the bounds a
/// deployment chooses below that.
pub(crate) fn head_error(limits: &Limits, request: &Request) -> Option<Response> {
    // `GET ` + URI + ` HTTP/1.1`, as the client sent it.
    let line = request.method().as_str().len() + uri_len(request.uri()) + " HTTP/1.1".len() + 1;
    if line > limits.max_request_line_bytes {
        return Some(
            ScimError::status(
                StatusCode::URI_TOO_LONG.as_u16(),
                format!(
                    "the request line is {line} bytes; this server accepts at most {} (send a long filter in the \
                     body of POST /{{Resource}}/.search instead, RFC 7644 section 3.4.3)",
                    limits.max_request_line_bytes
                ),
            )
            .into_response(),
        );
    }
    let headers: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if headers > limits.max_header_bytes {
        return Some(
            ScimError::status(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE.as_u16(),
                format!(
                    "the request's header fields are {headers} bytes; this server accepts at most {}",
                    limits.max_header_bytes
                ),
            )
            .into_response(),
        );
    }
    None
}

/// The length of `uri` as written (`Uri`'s `Display`), without writing it: every request
/// passes here.
fn uri_len(uri: &axum::http::Uri) -> usize {
    uri.scheme_str().map_or(0, |scheme| scheme.len() + "://".len())
        + uri.authority().map_or(0, |authority| authority.as_str().len())
        + uri.path().len()
        + uri.query().map_or(0, |query| query.len() + 1)
}

/// `503` with `Retry-After` when handling the request takes longer than
/// [`Limits::request_timeout`]; the handler is dropped (see the module docs).
pub(crate) async fn within_time_limit(limits: &Limits, handling: impl Future<Output = Response>) -> Response {
    let Some(timeout) = limits.request_timeout else {
        return handling.await;
    };
    match tokio::time::timeout(timeout, handling).await {
        Ok(response) => response,
        Err(_) => retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the request was not handled within {} s and was abandoned; a change it made is either \
                 complete or not made at all: read the resource, or retry",
                timeout.as_secs_f64()
            ),
        ),
    }
}

/// How many requests each tenant has in progress, bounded by
/// [`Limits::max_concurrent_requests_per_tenant`].
#[derive(Debug, Default)]
pub struct TenantGate {
    /// One semaphore per tenant seen; tenants are the authenticated ones, so the map is as
    /// large as the token table.
    permits: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl TenantGate {
    /// A permit for one more request of `tenant`, or `None` when it has `limit` in progress.
    fn try_enter(&self, tenant: &str, limit: usize) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut permits = self.permits.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Looked up before inserting, so a known tenant (every request but its first) costs
            // no allocation of its name.
            match permits.get(tenant) {
                Some(semaphore) => semaphore.clone(),
                None => permits.entry(tenant.to_owned()).or_insert_with(|| Arc::new(Semaphore::new(limit))).clone(),
            }
        };
        semaphore.try_acquire_owned().ok()
    }
}

/// A permit for one more request of the caller's tenant (`None`: no limit), or `429` with
/// `Retry-After` when the tenant already has [`Limits::max_concurrent_requests_per_tenant`]
/// requests in progress. Taken after authentication, which names the tenant.
pub(crate) fn tenant_permit(
    shared: &Shared,
    principal: &Principal,
) -> Result<Option<OwnedSemaphorePermit>, Box<Response>> {
    let Some(limit) = shared.limits.max_concurrent_requests_per_tenant else {
        return Ok(None);
    };
    match shared.tenant_gate.try_enter(&principal.tenant, limit) {
        Some(permit) => Ok(Some(permit)),
        None => Err(Box::new(retry_later(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "tenant {:?} already has {limit} requests in progress, the most this server handles at once \
                 for one tenant; retry after {RETRY_AFTER_SECONDS} s",
                principal.tenant
            ),
        ))),
    }
}

/// An error response with `Retry-After`.
fn retry_later(status: StatusCode, detail: String) -> Response {
    let mut response = ScimError::status(status.as_u16(), detail).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}

/// `408`: the body did not arrive within [`Limits::body_timeout`].
pub(crate) fn body_timeout_error(timeout: Duration) -> ScimError {
    ScimError::status(
        StatusCode::REQUEST_TIMEOUT.as_u16(),
        format!("the request body did not arrive within {} s; send it again", timeout.as_secs_f64()),
    )
}

/// `400 tooMany` when a request adds or sets more members than allowed.
pub(crate) fn check_member_count(count: usize, limit: usize, resource_type: &str) -> Result<(), ScimError> {
    if count <= limit {
        return Ok(());
    }
    Err(ScimError::too_many(format!(
        "the request adds or sets {count} members of this {resource_type}; at most {limit} are accepted in one \
         request: send the rest in further PATCH requests"
    )))
}

#[cfg(test)]
mod tests {
    use super::uri_len;

    /// The request line limit counts the URI as the client wrote it, whatever its form.
    #[test]
    fn uri_len_is_the_length_of_the_written_uri() {
        for text in [
            "/scim/v2/Users",
            "/scim/v2/Users?filter=userName%20eq%20%22a%22&count=5",
            "/?",
            "http://example.com/scim/v2/Users?x=1",
            "https://user@example.com:8443/Users",
            "example.com:443",
            "*",
        ] {
            let uri: axum::http::Uri = text.parse().unwrap();
            assert_eq!(uri_len(&uri), uri.to_string().len(), "{text}");
        }
    }
}
