//! The two layers every request passes: the outer one (a tracing span, the head's size limits
//! and the time limit), and, on the SCIM routes, authentication with the tenant's concurrency
//! limit. Each is one layer rather than one per concern: every layer costs each request a clone
//! of the service beneath it and a boxed future.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;
use tracing::field::Empty;

use super::auth::AuthRequest;
use super::handlers::Shared;
use super::limits;
use crate::error::ScimError;

/// Run the request inside a `scim_request` span, refuse a head over the size limits, bound the
/// handling by the time limit, and log the outcome with the latency.
pub async fn outer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "scim_request",
        method = %request.method(),
        path = %request.uri().path(),
        resource = Empty,
        tenant = Empty,
        actor = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    let started = Instant::now();
    let response = match limits::head_error(&shared.limits, &request) {
        Some(refused) => refused,
        None => limits::within_time_limit(&shared.limits, next.run(request)).instrument(span.clone()).await,
    };
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| {
        if response.status().is_server_error() {
            tracing::error!(status, latency_ms, "SCIM request failed");
        } else {
            tracing::info!(status, latency_ms, "SCIM request");
        }
    });
    response
}

/// Authenticate the request, put the [`super::auth::Principal`] in its extensions, and hold
/// one of its tenant's concurrency permits while it is handled.
pub async fn authenticate(
    State(shared): State<Arc<Shared>>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let path_tenant = match (&params, shared.tenant_in_path) {
        (Ok(params), true) => params.iter().find(|(name, _)| *name == "tenant").map(|(_, value)| value.to_owned()),
        (Err(_), true) => return ScimError::bad_request("the tenant in the path is not valid UTF-8").into_response(),
        _ => None,
    };
    let auth_request = AuthRequest { headers: request.headers(), path_tenant: path_tenant.as_deref() };
    match shared.auth.authenticate(&auth_request).await {
        Ok(principal) => {
            let span = tracing::Span::current();
            span.record("tenant", principal.tenant.as_str());
            span.record("actor", principal.actor.as_str());
            let _permit = match limits::tenant_permit(&shared, &principal) {
                Ok(permit) => permit,
                Err(refused) => return *refused,
            };
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => error.into_response(),
    }
}
