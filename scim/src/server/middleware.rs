//! The layer every request passes: a tracing span, the head's size limits and the time limit.
//! One layer rather than one per concern: every layer costs each request a clone of the service
//! beneath it and a boxed future. Authentication, with the tenant's concurrency limit, is not a
//! layer: it is part of taking the request's [`super::handlers::Call`], which every SCIM
//! endpoint's handler does.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::Empty;

use super::handlers::Shared;
use super::limits;

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
