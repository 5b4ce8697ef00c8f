//! Reading a request body as SCIM JSON, with every rejection a SCIM error.
//!
//! axum's own `Json` extractor answers a bad body with a plain-text message; SCIM clients
//! expect an RFC 7644 section 3.12 Error. [`ScimJson`] does the same checks and reports:
//!
//! - a `Content-Type` other than `application/scim+json` or `application/json` (parameters
//!   allowed; a `charset` must be UTF-8, RFC 7644 section 8.1) is `415`;
//! - a body longer than the configured limit is `413` (checked on `Content-Length` first, and
//!   again while reading, for chunked bodies);
//! - a body that is not JSON is `400 invalidSyntax` with serde's line and column, including
//!   JSON nested deeper than serde_json's recursion limit (128), which is refused, not followed;
//! - a body that has not arrived within the configured time is `408`.

use axum::extract::FromRequest;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

use crate::error::ScimError;

/// A state that knows the largest request body the server accepts.
pub trait BodyLimit {
    /// The limit, in bytes.
    fn body_limit(&self) -> usize;

    /// How long the body may take to arrive (`408` after that); `None`: no limit.
    fn body_timeout(&self) -> Option<std::time::Duration> {
        None
    }
}

/// A request body parsed as JSON, rejected with SCIM errors.
#[derive(Debug, Clone)]
pub struct ScimJson(pub Value);

impl<S: BodyLimit + Send + Sync> FromRequest<S> for ScimJson {
    type Rejection = ScimError;

    async fn from_request(request: Request<axum::body::Body>, state: &S) -> Result<Self, Self::Rejection> {
        read_json(request, state.body_limit(), state.body_timeout()).await.map(ScimJson)
    }
}

/// Read a request body of at most `limit` bytes as JSON, with the checks and errors of
/// [`ScimJson`]: for endpoints whose limit is not the server's body limit (`/Bulk` has its
/// own `maxPayloadSize`).
pub async fn read_json(
    request: Request<axum::body::Body>,
    limit: usize,
    timeout: Option<std::time::Duration>,
) -> Result<Value, ScimError> {
    check_content_type(request.headers())?;
    if let Some(length) = request.headers().get(header::CONTENT_LENGTH)
        && let Some(length) = length.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok())
        && length > limit as u64
    {
        return Err(too_large(limit));
    }
    let collecting = Limited::new(request.into_body(), limit).collect();
    let collected = match timeout {
        Some(timeout) => tokio::time::timeout(timeout, collecting)
            .await
            .map_err(|_| crate::server::limits::body_timeout_error(timeout))?,
        None => collecting.await,
    };
    let bytes = match collected {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => return Err(too_large(limit)),
        Err(error) => return Err(ScimError::bad_request(format!("the request body could not be read: {error}"))),
    };
    parse_json(&bytes)
}

/// Parse a body as JSON: `400 invalidSyntax` with serde's description when it is not.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ScimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax("the request body is empty; a JSON object is required"));
    }
    serde_json::from_slice(bytes)
        .map_err(|error| ScimError::invalid_syntax(format!("the request body is not valid JSON: {error}")))
}

fn too_large(limit: usize) -> ScimError {
    ScimError::payload_too_large(format!("the request body is larger than the {limit} bytes this server accepts"))
}

/// Accept `application/scim+json` and `application/json`, with parameters; `415` otherwise.
fn check_content_type(headers: &axum::http::HeaderMap) -> Result<(), ScimError> {
    let unsupported = |what: &str| {
        ScimError::status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE.as_u16(),
            format!("{what}; send application/scim+json (or application/json)"),
        )
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported("the request has no Content-Type"));
    };
    let Ok(value) = value.to_str() else { return Err(unsupported("the Content-Type header is not readable text")) };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/scim+json") && !essence.eq_ignore_ascii_case("application/json") {
        return Err(unsupported(&format!("Content-Type `{value}` is not supported")));
    }
    for parameter in parts {
        let (name, val) = parameter.split_once('=').unwrap_or((parameter, ""));
        let val = val.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset")
            && !val.eq_ignore_ascii_case("utf-8")
            && !val.eq_ignore_ascii_case("utf8")
        {
            return Err(unsupported(&format!(
                "charset `{val}` is not supported (JSON is UTF-8, RFC 8259 section 8.1)"
            )));
        }
    }
    Ok(())
}
