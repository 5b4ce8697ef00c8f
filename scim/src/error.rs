//! SCIM errors (RFC 7644 section 3.12).
//!
//! Every failure the runtime reports is a [`ScimError`]: an HTTP status, an optional
//! `scimType` and a human-readable `detail`. It serialises exactly as the RFC's Error
//! message, with `status` as a string, so the HTTP layer only has to pick the status line.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The schema URN of the SCIM Error message.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The `scimType` values of RFC 7644 section 3.12, table 9, and of RFC 9865 (cursors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax was invalid or the filter was not supported (400).
    InvalidFilter,
    /// The query would return more results than the server allows (400).
    TooMany,
    /// One or more attribute values are already in use or reserved (409).
    Uniqueness,
    /// The attempted modification is not compatible with the attribute's mutability (400).
    Mutability,
    /// The request body structure was invalid or did not conform to the schema (400).
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed (400).
    InvalidPath,
    /// The path did not yield an attribute or value that could be operated on (400).
    NoTarget,
    /// A required value was missing or a value was not compatible with the attribute type (400).
    InvalidValue,
    /// The specified SCIM protocol version is not supported (400).
    InvalidVers,
    /// The request cannot be completed due to sensitive information in the URI (403).
    Sensitive,
    /// The `cursor` is not one the service provider issued, or is damaged (400, RFC 9865).
    InvalidCursor,
    /// The `cursor` was valid but has expired (400, RFC 9865).
    ExpiredCursor,
}

impl ScimType {
    /// The wire name, e.g. `invalidFilter`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
            ScimType::InvalidCursor => "invalidCursor",
            ScimType::ExpiredCursor => "expiredCursor",
        }
    }

    /// The HTTP status RFC 7644 pairs with this `scimType`.
    pub fn status(self) -> u16 {
        match self {
            ScimType::Uniqueness => 409,
            ScimType::Sensitive => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The underlying cause of an error (a database or I/O error), shared so errors stay `Clone`.
pub type ErrorSource = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A SCIM error: what the client did wrong (or what went wrong here), as RFC 7644 reports it.
///
/// A server-side failure keeps its cause ([`ScimError::with_source`]): the server logs it, in
/// the request's tracing span, when it answers, and never sends it (it may quote SQL or data).
/// The cause is not part of equality, nor of the wire form.
#[derive(Debug, Clone)]
pub struct ScimError {
    /// The HTTP status code.
    pub status: u16,
    /// The `scimType` detail error keyword, where one applies.
    pub scim_type: Option<ScimType>,
    /// A human-readable explanation: what was wrong and, where possible, where.
    pub detail: String,
    /// The cause, for logs only ([`std::error::Error::source`]).
    source: Option<ErrorSource>,
}

impl PartialEq for ScimError {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status && self.scim_type == other.scim_type && self.detail == other.detail
    }
}

impl Eq for ScimError {}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}: {}", self.status, self.scim_type.map(|t| format!(" {t}")).unwrap_or_default(), self.detail)
    }
}

impl std::error::Error for ScimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|source| source as &(dyn std::error::Error + 'static))
    }
}

impl ScimError {
    /// An error with a `scimType`; the status is the one the RFC pairs with it.
    pub fn typed(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError { status: scim_type.status(), scim_type: Some(scim_type), detail: detail.into(), source: None }
    }

    /// An error with only a status and a detail.
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type: None, detail: detail.into(), source: None }
    }

    /// Keep `source` as this error's cause: logged by the server with the request, never sent
    /// to the client (the detail is what the client sees).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    /// The cause kept by [`ScimError::with_source`], if any.
    pub fn cause(&self) -> Option<&ErrorSource> {
        self.source.as_ref()
    }

    /// `400 invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::InvalidFilter, detail)
    }
    /// `400 tooMany`.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::TooMany, detail)
    }
    /// `409 uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::Uniqueness, detail)
    }
    /// `400 mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::Mutability, detail)
    }
    /// `400 invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::InvalidSyntax, detail)
    }
    /// `400 invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::InvalidPath, detail)
    }
    /// `400 noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::NoTarget, detail)
    }
    /// `400 invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::InvalidValue, detail)
    }
    /// `400 invalidVers`.
    pub fn invalid_vers(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::InvalidVers, detail)
    }
    /// `403 sensitive`.
    pub fn sensitive(detail: impl Into<String>) -> Self {
        Self::typed(ScimType::Sensitive, detail)
    }
    /// `400` without a `scimType` (a bad request no keyword describes).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::status(400, detail)
    }
    /// `401`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::status(401, detail)
    }
    /// `403`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::status(403, detail)
    }
    /// `404`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::status(404, detail)
    }
    /// `409` without a `scimType` (e.g. a version conflict).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::status(409, detail)
    }
    /// `412 Precondition Failed` (an `If-Match` that does not match).
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::status(412, detail)
    }
    /// `413 Payload Too Large`.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::status(413, detail)
    }
    /// `500`: something on the server side failed; the detail must not leak internals.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::status(500, detail)
    }
    /// `501 Not Implemented` (an operation the service provider does not support).
    pub fn not_implemented(detail: impl Into<String>) -> Self {
        Self::status(501, detail)
    }

    /// Prefix the detail with some context, e.g. the operation index of a PATCH.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.detail = format!("{context}: {}", self.detail);
        self
    }
}

/// The wire form of [`ScimError`]: `{"schemas": [...], "status": "400", "scimType": ..., "detail": ...}`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorMessage {
    schemas: Vec<String>,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scim_type: Option<ScimType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl Serialize for ScimError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorMessage {
            schemas: vec![ERROR_URN.to_owned()],
            status: self.status.to_string(),
            scim_type: self.scim_type,
            detail: Some(self.detail.clone()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ScimError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let message = ErrorMessage::deserialize(deserializer)?;
        let status = message
            .status
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("status {:?} is not an HTTP status", message.status)))?;
        Ok(ScimError { status, scim_type: message.scim_type, detail: message.detail.unwrap_or_default(), source: None })
    }
}

/// The result type of the runtime.
pub type ScimResult<T> = Result<T, ScimError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_rfc_error_message() {
        let error = ScimError::invalid_filter("unexpected token `)` at byte 12");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "schemas": [ERROR_URN],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "unexpected token `)` at byte 12"
            })
        );
        let back: ScimError = serde_json::from_value(json).unwrap();
        assert_eq!(back, error);
    }

    #[test]
    fn every_scim_type_has_its_rfc_name_and_status() {
        let all = [
            (ScimType::InvalidFilter, "invalidFilter", 400),
            (ScimType::TooMany, "tooMany", 400),
            (ScimType::Uniqueness, "uniqueness", 409),
            (ScimType::Mutability, "mutability", 400),
            (ScimType::InvalidSyntax, "invalidSyntax", 400),
            (ScimType::InvalidPath, "invalidPath", 400),
            (ScimType::NoTarget, "noTarget", 400),
            (ScimType::InvalidValue, "invalidValue", 400),
            (ScimType::InvalidVers, "invalidVers", 400),
            (ScimType::Sensitive, "sensitive", 403),
            (ScimType::InvalidCursor, "invalidCursor", 400),
            (ScimType::ExpiredCursor, "expiredCursor", 400),
        ];
        for (scim_type, name, status) in all {
            assert_eq!(scim_type.as_str(), name);
            assert_eq!(serde_json::to_value(scim_type).unwrap(), serde_json::json!(name));
            assert_eq!(ScimError::typed(scim_type, "x").status, status);
        }
    }

    #[test]
    fn errors_without_a_scim_type_omit_it() {
        let json = serde_json::to_value(ScimError::not_found("User 42 not found")).unwrap();
        assert_eq!(json["status"], "404");
        assert!(json.get("scimType").is_none());
    }
}
