//! The layer every request passes: a tracing span, the head's size limits and the time limit.
//! One layer rather than one per concern, and a hand-written one: `axum::middleware::from_fn`
//! costs each request a clone of the route beneath it (a boxed service), two more boxed
//! futures and a move of the whole handler future into them, where this one boxes a single
//! future. Authentication, with the tenant's concurrency limit, is not a layer: it is part of
//! taking the request's [`super::handlers::Call`], which every SCIM endpoint's handler does.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::response::Response;
use axum::routing::Route;
use tower::{Layer, Service};
use tracing::Instrument;
use tracing::field::Empty;

use super::handlers::Shared;
use super::limits;

/// Runs each request inside a `scim_request` span, refuses a head over the size limits, bounds
/// the handling by the time limit, and logs the outcome with the latency.
#[derive(Clone)]
pub(crate) struct OuterLayer {
    pub(crate) shared: Arc<Shared>,
}

impl Layer<Route> for OuterLayer {
    type Service = Outer;

    fn layer(&self, route: Route) -> Outer {
        Outer { route, shared: self.shared.clone() }
    }
}

/// A route under [`OuterLayer`].
#[derive(Clone)]
pub(crate) struct Outer {
    route: Route,
    shared: Arc<Shared>,
}

impl Service<Request> for Outer {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Always ready (axum's routes are); asked all the same, as the contract says.
        Service::<Request>::poll_ready(&mut self.route, context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
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
        let shared = self.shared.clone();
        // A route's future owns what it needs, so the route is called here, not cloned into the
        // future; its extractors and handler run when the future is polled, inside the span.
        let handling = match limits::head_error(&shared.limits, &request) {
            Some(refused) => Err(refused),
            None => Ok(self.route.call(request)),
        };
        Box::pin(async move {
            let response = match handling {
                Err(refused) => refused,
                Ok(handling) => {
                    let handling = async move { handling.await.unwrap_or_else(|never| match never {}) };
                    limits::within_time_limit(&shared.limits, handling).instrument(span.clone()).await
                }
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
            Ok(response)
        })
    }
}
