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
    /// The innermost entered span of each event, in the order of `events`.
    event_spans: Mutex<Vec<Option<u64>>>,
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
        self.0.event_spans.lock().unwrap().push(self.0.stack.lock().unwrap().last().copied());
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

const SECRET_CAUSE: &str = "disk I/O error reading /var/lib/acme/secret-tenants.db page 7";

/// Issue 11: the cause of a 500 is kept, logged inside the request's span, and never sent.
#[tokio::test]
async fn a_failures_cause_is_logged_in_the_request_span_and_never_sent() {
    let capture = Arc::new(Capture::default());
    let _guard = tracing::subscriber::set_default(Shared(capture.clone()));
    let router = Server::builder()
        .tokens(TokenTable::new().token("acme", "entra", ACME))
        .resource_kind(
            user_descriptor(),
            // A store whose reads fail as a broken disk would, with a cause that names a file.
            Arc::new(FaultyStore {
                get_error: Some(
                    scim::ScimError::internal("storage error while trying to read")
                        .with_source(std::io::Error::other(SECRET_CAUSE)),
                ),
                ..FaultyStore::default()
            }),
        )
        .build()
        .unwrap();
    let app = TestApp { router, audit: Arc::default(), token: Some(ACME.to_owned()) };
    let reply = app.get("/scim/v2/Users/2819c223").await;
    let detail = reply.assert_error(500, None);
    assert_eq!(detail, "storage error while trying to read");
    assert!(!reply.body.to_string().contains("secret-tenants"), "{}", reply.body);

    let events = capture.events.lock().unwrap().clone();
    let event_spans = capture.event_spans.lock().unwrap().clone();
    let logged = events.iter().position(|(_, fields)| fields.get("cause").map(String::as_str) == Some(SECRET_CAUSE));
    let logged = logged.unwrap_or_else(|| panic!("the cause is logged: {events:?}"));
    assert_eq!(events[logged].1["detail"], "storage error while trying to read");
    let span = event_spans[logged].expect("logged inside a span");
    let spans = capture.spans.lock().unwrap();
    let (name, fields) = &spans[&span];
    assert_eq!(name, "scim_request");
    assert_eq!(fields["path"], "/scim/v2/Users/2819c223");
    assert_eq!(fields["tenant"], "acme");
}

/// Issue 10 point 6: with `unknownAttributes = "ignore"`, what was dropped is logged as a
/// warning in the request's span (and listed in the audit event, see server_idp.rs).
#[tokio::test]
async fn ignored_unknown_attributes_are_logged_as_a_warning() {
    let capture = Arc::new(Capture::default());
    let _guard = tracing::subscriber::set_default(Shared(capture.clone()));
    let router = Server::builder()
        .tokens(TokenTable::new().token("acme", "entra", ACME))
        .resource_kind(user_descriptor(), memory_store().await)
        .unknown_attributes(scim::server::UnknownAttributes::Ignore)
        .build()
        .unwrap();
    let app = TestApp { router, audit: Arc::default(), token: Some(ACME.to_owned()) };
    let body = json!({"schemas": [USER_URN], "userName": "jsmith", "costCenter": "4130"});
    assert_eq!(app.post("/scim/v2/Users", &body).await.status, StatusCode::CREATED);

    let events = capture.events.lock().unwrap().clone();
    let event_spans = capture.event_spans.lock().unwrap().clone();
    let warned = events
        .iter()
        .position(|(_, fields)| fields.get("ignored").is_some_and(|ignored| ignored.contains("costCenter")))
        .unwrap_or_else(|| panic!("a warning names the dropped attribute: {events:?}"));
    assert!(events[warned].1["message"].contains("not in the schema"), "{:?}", events[warned]);
    let spans = capture.spans.lock().unwrap();
    let (name, fields) = &spans[&event_spans[warned].expect("logged inside a span")];
    assert_eq!((name.as_str(), fields["method"].as_str()), ("scim_request", "POST"));
}
