//! How the runtime's values become HTTP responses: every body is `application/scim+json`
//! (RFC 7644 section 8.1), and every error is an RFC 7644 section 3.12 Error message.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ScimError;

/// The media type of every SCIM body (RFC 7644 section 8.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // The cause of a failure stays here: logged inside the request's span (handlers run in
        // it), never serialised into the body.
        if let Some(cause) = self.cause() {
            tracing::error!(status = self.status, detail = %self.detail, cause = %cause, "request failed: {cause}");
        }
        let mut response = json_response(status, &self);
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 section 3: a 401 for a bearer-protected resource names the scheme.
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"SCIM\""));
        }
        response
    }
}

/// A SCIM JSON response with `status`, serialising `body`.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => text_response(status, text),
        // Serialising a `serde_json::Value` or one of the runtime's messages cannot fail; if it
        // ever did, the client still gets a SCIM error rather than an empty 200.
        Err(_) => text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"the response could not be serialised"}"#.to_owned(),
        ),
    }
}

/// A SCIM JSON response with `status` whose body is `json`, already JSON text.
pub fn text_response(status: StatusCode, json: String) -> Response {
    let mut response = Response::new(axum::body::Body::from(json));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_CONTENT_TYPE));
    response
}

/// A resource response: the body (JSON text) and any extra headers.
pub fn resource_response(status: StatusCode, json: String, extra: &[(HeaderName, String)]) -> Response {
    let mut response = text_response(status, json);
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name.clone(), value);
        }
    }
    response
}

/// Set `ETag` to `version` (a resource's `meta.version`), when there is one.
pub fn add_etag(headers: &mut HeaderMap, version: Option<&str>) {
    if let Some(value) = version.and_then(|version| HeaderValue::from_str(version).ok()) {
        headers.insert(header::ETAG, value);
    }
}
