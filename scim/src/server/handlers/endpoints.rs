//! Discovery (RFC 7644 section 4) and the endpoints that answer the same for every resource type.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::*;
use crate::error::ScimError;
use crate::server::response::json_response;

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

/// `GET <base path>/openapi.json`: the description built with the router (see
/// [`crate::server::openapi`]).
pub async fn openapi(State(shared): State<Arc<Shared>>) -> Response {
    let mut response = json_response(StatusCode::OK, &shared.openapi);
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    response
}

pub async fn not_found(request: axum::extract::Request) -> ScimError {
    ScimError::not_found(format!("no SCIM endpoint at {}", request.uri().path()))
}

pub async fn method_not_allowed(_authenticated: Call, request: axum::extract::Request) -> ScimError {
    ScimError::status(
        StatusCode::METHOD_NOT_ALLOWED.as_u16(),
        format!("{} is not supported on {}", request.method(), request.uri().path()),
    )
}
