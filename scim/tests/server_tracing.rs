//! Observability: each request runs in a `scim_request` span carrying method, path, resource,
//! tenant, actor, status and latency, and each change emits an audit event at target
//! `scim::audit` (the default audit sink). Captured with a minimal in-test subscriber.
#![cfg(feature = "server")]

mod server_common;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use scim::server::Server;
use scim::server::auth::TokenTable;
use serde_json::json;
use server_common::*;
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

type Fields = BTreeMap<String, String>;

#[derive(Default)]
struct Capture {
    next: AtomicU64,
    spans: Mutex<BTreeMap<u64, (String, Fields)>>,
    metadata: Mutex<BTreeMap<u64, &'static Metadata<'static>>>,
    /// The entered spans, innermost last (the test runs on one thread).
    stack: Mutex<Vec<u64>>,
    events: Mutex<Vec<(String, Fields)>>,
}

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}").trim_matches('"').to_owned());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

struct Shared(Arc<Capture>);

impl Subscriber for Shared {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields::new();
        attributes.record(&mut Collect(&mut fields));
        self.0.spans.lock().unwrap().insert(id, (attributes.metadata().name().to_owned(), fields));
        self.0.metadata.lock().unwrap().insert(id, attributes.metadata());
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.0.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Collect(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Collect(&mut fields));
        self.0.events.lock().unwrap().push((event.metadata().target().to_owned(), fields));
    }
    fn enter(&self, span: &Id) {
        self.0.stack.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut stack = self.0.stack.lock().unwrap();
        if let Some(position) = stack.iter().rposition(|id| *id == span.into_u64()) {
            stack.remove(position);
        }
    }
    fn current_span(&self) -> tracing_core::span::Current {
        let current = self.0.stack.lock().unwrap().last().copied();
        match current.and_then(|id| self.0.metadata.lock().unwrap().get(&id).map(|m| (id, *m))) {
            Some((id, metadata)) => tracing_core::span::Current::new(Id::from_u64(id), metadata),
            None => tracing_core::span::Current::none(),
        }
    }
}

#[tokio::test]
async fn requests_are_spanned_and_changes_audited() {
    let capture = Arc::new(Capture::default());
    let _guard = tracing::subscriber::set_default(Shared(capture.clone()));
    // The default audit sink (no `.audit(..)`): tracing events.
    let router = Server::builder()
        .tokens(TokenTable::new().token("acme", "entra", ACME))
        .resource_kind(user_descriptor(), memory_store().await)
        .build()
        .unwrap();
    let app = TestApp { router, audit: Arc::default(), token: Some(ACME.to_owned()) };
    let created = app.create_user("bjensen").await;
    let uri = format!("/scim/v2/Users/{}", created["id"].as_str().unwrap());
    let patch =
        json!({"schemas": [PATCH_URN], "Operations": [{"op": "replace", "path": "password", "value": "s3cret"}]});
    assert_eq!(app.patch(&uri, &patch).await.status, StatusCode::OK);
    app.get("/scim/v2/Users/missing").await;
    drop(
        app.router
            .clone()
            .oneshot(axum::http::Request::get("/scim/v2/Users").body(axum::body::Body::empty()).unwrap())
            .await,
    );

    let spans: Vec<Fields> = capture
        .spans
        .lock()
        .unwrap()
        .values()
        .filter(|(name, _)| name == "scim_request")
        .map(|(_, fields)| fields.clone())
        .collect();
    let summary: Vec<(String, String, String, String, String)> = spans
        .iter()
        .map(|f| {
            let get = |k: &str| f.get(k).cloned().unwrap_or_default();
            (get("method"), get("resource"), get("tenant"), get("actor"), get("status"))
        })
        .collect();
    let row = |m: &str, r: &str, t: &str, a: &str, s: &str| (m.into(), r.into(), t.into(), a.into(), s.into());
    assert_eq!(
        summary,
        [
            row("POST", "User", "acme", "entra", "201"),
            row("PATCH", "User", "acme", "entra", "200"),
            row("GET", "User", "acme", "entra", "404"),
            row("GET", "", "", "", "401"),
        ]
    );
    assert!(spans.iter().all(|f| f.contains_key("latency_ms") && f["path"].starts_with("/scim/v2/Users")));

    let events = capture.events.lock().unwrap().clone();
    let audit: Vec<&Fields> = events.iter().filter(|(target, _)| target == "scim::audit").map(|(_, f)| f).collect();
    assert_eq!(audit.len(), 2, "{events:?}");
    assert_eq!(
        (audit[0]["action"].as_str(), audit[0]["tenant"].as_str(), audit[0]["actor"].as_str()),
        ("create", "acme", "entra")
    );
    assert_eq!(audit[1]["action"], "patch");
    assert_eq!(audit[1]["id"], created["id"].as_str().unwrap());
    assert!(audit[1]["changes"].contains("[redacted]") && !audit[1]["changes"].contains("s3cret"), "{:?}", audit[1]);
}
