//! `scimgen verify` against live servers on loopback: the runtime's own server (core User with
//! the enterprise extension, and Group, over MemoryStore) passes every profile and is left as
//! it was found; the same server with one Entra behaviour broken fails exactly the step about
//! it, and the report shows the request.

use std::net::SocketAddr;
use std::sync::Arc;

use assert_cmd::Command;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use scim::server::Server;
use scim::server::auth::TokenTable;
use scim::store::{MemoryStore, Store};
use scimgen::verify::http::{HttpTransport, Request as VerifyRequest, Transport};
use scimgen::verify::report::{Outcome, Report};
use scimgen::verify::{self, profile};
use serde_json::Value;

// The test server's descriptors: every attribute of the built-in schemas.
#[path = "../../scim-testserver/src/descriptors.rs"]
mod descriptors;

const TOKEN: &str = "verify-test-token";

/// Serves `router` on a free loopback port from a thread of its own; returns the base URL.
fn serve(router: Router) -> String {
    let (sender, receiver) = std::sync::mpsc::channel::<SocketAddr>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    format!("http://{}/scim/v2", receiver.recv().unwrap())
}

fn scim_server() -> Router {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    Server::builder()
        .base_path("/scim/v2")
        .tokens(TokenTable::new().token("tenant", "test", TOKEN))
        .resource_kind(descriptors::user(), store.clone())
        .resource_kind(descriptors::group(), store)
        .build()
        .unwrap()
}

fn verify(url: &str, profile_name: &str) -> Report {
    let profile = profile::load(profile_name).unwrap();
    verify::run(&HttpTransport::new(url, TOKEN), &profile, &[], url, &verify::new_marker())
}

fn total(url: &str, endpoint: &str) -> u64 {
    let request = VerifyRequest { method: "GET".into(), path: endpoint.into(), body: None, auth: true };
    let response = HttpTransport::new(url, TOKEN).send(&request).unwrap();
    response.json.unwrap()["totalResults"].as_u64().unwrap()
}

fn failed(report: &Report) -> Vec<&str> {
    report.steps.iter().filter(|s| s.outcome == Outcome::Fail).map(|s| s.id.as_str()).collect()
}

#[test]
fn the_runtime_server_passes_every_profile_and_is_left_empty() {
    let url = serve(scim_server());
    for name in ["entra", "okta", "rfc"] {
        let report = verify(&url, name);
        assert!(report.passed(), "{}", report.render());
        assert_eq!(report.summary.skipped, 0, "{}", report.render());
        assert!(report.summary.passed >= 20, "{name}: {}", report.render());
    }
    assert_eq!(total(&url, "/Users"), 0, "every user the runs created was deleted");
    assert_eq!(total(&url, "/Groups"), 0, "every group the runs created was deleted");
}

/// The body of a request, read whole, and the request rebuilt around a replacement.
async fn with_body(request: Request, edit: impl FnOnce(String) -> String) -> Request {
    let (mut parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Request::from_parts(parts, Body::from(edit(String::from_utf8_lossy(&bytes).into_owned())))
}

/// A server bug seen in the wild: the string "False" taken as a non-empty, so true, value.
async fn false_string_is_truthy(request: Request, next: Next) -> Response {
    let request = with_body(request, |text| text.replace(r#""value":"False""#, r#""value":true"#)).await;
    next.run(request).await
}

#[test]
fn a_server_taking_the_string_false_as_true_fails_the_read_back_with_the_request_shown() {
    let url = serve(scim_server().layer(middleware::from_fn(false_string_is_truthy)));
    let report = verify(&url, "entra");
    assert_eq!(failed(&report), ["read-active-false"], "{}", report.render());
    let step = report.steps.iter().find(|s| s.id == "read-active-false").unwrap();
    assert_eq!(step.request.as_ref().unwrap().method, "GET");
    assert!(step.reason.as_deref().unwrap().contains("active is true, not false"), "{:?}", step.reason);
    let text = report.render();
    assert!(text.contains("FAIL  read-active-false"), "{text}");
    assert!(text.contains("request:  GET /Users/"), "{text}");
    assert!(text.contains("summary: 34 passed, 1 failed, 0 skipped"), "{text}");
    // The failure does not stop the clean-up.
    assert_eq!(total(&url, "/Users"), 0);
}

/// A server that keeps a user active through a PUT with `active: false` (seen where PUT is
/// taken as a profile update only): Okta's deactivation by PUT fails, and its read-back.
async fn put_keeps_users_active(request: Request, next: Next) -> Response {
    let request = if request.method() == axum::http::Method::PUT {
        with_body(request, |text| text.replace(r#""active":false"#, r#""active":true"#)).await
    } else {
        request
    };
    next.run(request).await
}

#[test]
fn a_server_ignoring_active_false_in_a_put_fails_oktas_put_deactivation() {
    let url = serve(scim_server().layer(middleware::from_fn(put_keeps_users_active)));
    let report = verify(&url, "okta");
    assert_eq!(failed(&report), ["put-deactivate-user", "read-put-deactivated"], "{}", report.render());
    assert_eq!(total(&url, "/Users"), 0);
}

/// Another: PATCH op names taken case-sensitively ("Replace" is refused).
async fn lower_case_ops_only(request: Request, next: Next) -> Response {
    let mut capitalised = false;
    let request = with_body(request, |text| {
        capitalised = ["\"Add\"", "\"Replace\"", "\"Remove\""].iter().any(|op| text.contains(&format!("\"op\":{op}")));
        text
    })
    .await;
    if capitalised {
        let error = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"unknown op"}"#;
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/scim+json")], error).into_response();
    }
    next.run(request).await
}

#[test]
fn a_server_refusing_capitalised_op_names_fails_each_such_patch_and_the_cli_exits_1() {
    let url = serve(scim_server().layer(middleware::from_fn(lower_case_ops_only)));
    let report = verify(&url, "entra");
    let failed = failed(&report);
    for step in
        ["patch-multi-valued", "patch-single-valued", "patch-manager", "patch-active-false-string", "add-member"]
    {
        assert!(failed.contains(&step), "{step} should fail: {}", report.render());
    }
    assert!(!failed.contains(&"patch-path-less"), "lower-case replace is fine: {}", report.render());
    let text = report.render();
    assert!(text.contains("request:  PATCH /Users/"), "{text}");
    assert!(text.contains("\"op\": \"Replace\""), "the request body is shown: {text}");
    assert!(text.contains("response: 400"), "{text}");

    // The command: exit status 1, the same report as JSON.
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("report.json");
    let output = Command::cargo_bin("scimgen")
        .unwrap()
        .args(["verify", "--profile", "entra", &url, "--token", TOKEN, "--json"])
        .arg(&json_path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAIL  patch-multi-valued"), "{stdout}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["profile"], "entra");
    assert!(json["summary"]["failed"].as_u64().unwrap() >= 5, "{json}");
    let step = json["steps"].as_array().unwrap().iter().find(|s| s["id"] == "patch-multi-valued").unwrap();
    assert_eq!(step["outcome"], "fail");
    assert_eq!(step["request"]["method"], "PATCH");
    assert_eq!(step["response"]["status"], 400);
}

#[test]
fn the_cli_passes_with_exit_0_and_refuses_plain_http_off_loopback() {
    let url = serve(scim_server());
    Command::cargo_bin("scimgen")
        .unwrap()
        .args(["verify", "--profile", "okta", &url, "--token", TOKEN])
        .assert()
        .success()
        .stdout(predicates::str::contains("0 failed"));
    Command::cargo_bin("scimgen")
        .unwrap()
        .args(["verify", "--profile", "entra", "http://scim.example.com/scim/v2", "--token", TOKEN])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("pass --insecure if you mean it"));
    Command::cargo_bin("scimgen")
        .unwrap()
        .args(["verify", "--profile", "azure", &url, "--token", TOKEN])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("the profiles are entra, okta, rfc"));
}

#[test]
fn with_a_table_every_attribute_round_trips_and_unserved_rows_fail() {
    let url = serve(scim_server());
    let mut text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/alvao/mapping.md")).unwrap();
    // A row this server does not serve, as a vendor's table may have.
    text = text.replacen(
        "|active|Boolean||&check;\n",
        "|active|Boolean||&check;\n|urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge|String||\n",
        1,
    );
    let tables = scimgen::table::parse_tables(&text);
    let profile = profile::load("entra").unwrap();
    let report = verify::run(&HttpTransport::new(&url, TOKEN), &profile, &tables, &url, &verify::new_marker());
    assert_eq!(failed(&report), ["table-advertised"], "{}", report.render());
    let text = report.render();
    assert!(
        text.contains("FAIL  table-advertised: urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge is served"),
        "{text}"
    );
    let count = |id: &str| report.steps.iter().filter(|s| s.id == id && s.outcome == Outcome::Pass).count();
    // ALVAO's user table: 22 rows, the manager set by the update only; its group table: 3 rows
    // less members. userName, externalId and displayName are filterable.
    assert_eq!(count("table-read"), 21 + 2, "{text}");
    assert_eq!(count("table-reread"), 22 + 2, "{text}");
    assert_eq!(count("table-filter"), 3, "{text}");
    assert!(text.contains("pass  table-reread: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager reads back after the update"), "{text}");
    assert_eq!(total(&url, "/Users"), 0);
    assert_eq!(total(&url, "/Groups"), 0);
}
