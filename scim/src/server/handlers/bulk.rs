//! `POST /Bulk` (RFC 7644 section 3.7): many writes in one request.
//!
//! Each operation is one [`Write`], exactly as its own POST, PUT, PATCH or DELETE request would
//! be (validation, uniqueness, members, `version` as `If-Match`, the caller's tenant, audit).
//! What Bulk adds:
//!
//! - `bulkId` references: a string `bulkId:X` anywhere in an operation's `data` or `path`
//!   stands for the id of the resource the POST with `bulkId` `X` creates. Operations run in
//!   the request's order except that one referring to a `bulkId` runs after the POST that
//!   creates it, so a group may list members created later in the request.
//! - References that form a cycle are refused with `409` for each operation in (or waiting on)
//!   the cycle, as RFC 7644 section 3.7.2 allows, before anything runs; a reference to a
//!   `bulkId` no POST carries is `400 invalidValue`, one to a POST that failed is `409`.
//! - `failOnErrors`: after that many failed operations the rest are not run, and the response
//!   lists only those that ran (section 3.7.3).
//! - `maxOperations` and `maxPayloadSize` (`413` beyond them), advertised in
//!   `/ServiceProviderConfig`.
//!
//! The response lists the operations that ran in the request's order, each with `method`,
//! `bulkId`, `location`, `version` and `status`, and `response` (the SCIM error) on failure.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::resources::Write;
use super::*;
use crate::error::{ScimError, ScimResult};
use crate::message::{BULK_REQUEST_URN, BULK_RESPONSE_URN};
use crate::server::body::read_json;
use crate::server::response::json_response;
use crate::store::{GetOptions, meta_version};

/// The prefix that marks a `bulkId` reference (RFC 7644 section 3.7.2).
const REFERENCE_PREFIX: &str = "bulkId:";

/// How large a Bulk request may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// The most operations in one request (`maxOperations`); `0` turns Bulk off (`501`).
    pub max_operations: usize,
    /// The largest request body in bytes (`maxPayloadSize`).
    pub max_payload_size: usize,
}

impl BulkLimits {
    pub fn enabled(&self) -> bool {
        self.max_operations > 0
    }
}

/// The HTTP method of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn parse(text: &str) -> Option<Method> {
        Some(match text.to_ascii_uppercase().as_str() {
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One operation of the request, as read.
#[derive(Debug)]
struct Operation {
    /// The method as the client wrote it, echoed in the response.
    method_text: String,
    bulk_id: Option<String>,
    path: String,
    version: Option<String>,
    data: Option<Value>,
    /// The `bulkId`s its `path` and `data` refer to.
    references: Vec<String>,
    /// Set when the operation is malformed: it fails with this error when its turn comes.
    invalid: Option<ScimError>,
}

/// The outcome of one operation, as the response lists it.
#[derive(Debug)]
struct Outcome {
    location: Option<String>,
    version: Option<String>,
    result: Result<u16, ScimError>,
}

/// `POST /Bulk`.
pub async fn bulk(State(shared): State<Arc<Shared>>, call: Call, request: Request) -> Result<Response, ScimError> {
    let limits = shared.bulk;
    if !limits.enabled() {
        return Err(ScimError::not_implemented(
            "bulk operations are turned off on this server (maxOperations is 0; see /ServiceProviderConfig)",
        ));
    }
    let body = read_json(request, limits.max_payload_size, shared.body_timeout()).await.map_err(|error| {
        if error.status == StatusCode::PAYLOAD_TOO_LARGE.as_u16() {
            ScimError::payload_too_large(format!(
                "the bulk request is larger than maxPayloadSize ({} bytes); split it into smaller requests",
                limits.max_payload_size
            ))
        } else {
            error
        }
    })?;
    let (fail_on_errors, operations) = read_request(body, limits)?;
    let order = run_order(&operations);
    let mut outcomes: Vec<Option<Outcome>> = operations.iter().map(|_| None).collect();
    let mut created: HashMap<&str, Result<String, ()>> = HashMap::new();
    let mut errors = 0usize;
    for step in order {
        let (index, outcome) = match step {
            Step::Run(index) => (index, run(&shared, &call, &operations[index], &created).await),
            Step::Cycle(index) => {
                (index, Outcome { location: None, version: None, result: Err(cycle_error(&operations[index])) })
            }
        };
        let operation = &operations[index];
        if let Some(bulk_id) = &operation.bulk_id
            && operation.method_text.eq_ignore_ascii_case("POST")
        {
            let id = match (&outcome.result, &outcome.location) {
                (Ok(_), Some(location)) => Ok(location.rsplit('/').next().unwrap_or_default().to_owned()),
                _ => Err(()),
            };
            created.insert(bulk_id.as_str(), id);
        }
        if let Err(error) = &outcome.result {
            if error.status >= 500 {
                tracing::error!(%error, cause = ?error.cause(), operation = index, "a bulk operation failed");
            }
            errors += 1;
        }
        outcomes[index] = Some(outcome);
        if fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
    }
    let listed: Vec<Value> = operations
        .iter()
        .zip(outcomes)
        .filter_map(|(operation, outcome)| outcome.map(|outcome| response_operation(operation, outcome)))
        .collect();
    Ok(json_response(StatusCode::OK, &json!({"schemas": [BULK_RESPONSE_URN], "Operations": listed})))
}

/// `failOnErrors` and the operations of a BulkRequest body; `400` when it is not one, `413`
/// when it has more than `maxOperations`.
fn read_request(body: Value, limits: BulkLimits) -> ScimResult<(Option<usize>, Vec<Operation>)> {
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax("a BulkRequest must be a JSON object"));
    };
    let member = |name: &str| body.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let names_bulk = member("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(BULK_REQUEST_URN)));
    if !names_bulk {
        return Err(ScimError::invalid_syntax(format!(
            "a BulkRequest must have \"schemas\": [\"{BULK_REQUEST_URN}\"]"
        )));
    }
    let fail_on_errors = match member("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|n| usize::try_from(n).ok()).filter(|n| *n > 0) {
            Some(limit) => Some(limit),
            None => {
                return Err(ScimError::invalid_value(format!(
                    "failOnErrors must be a positive integer (the errors after which the rest is not run), not {value}"
                )));
            }
        },
    };
    let Some(Value::Array(items)) = member("Operations") else {
        return Err(ScimError::invalid_syntax("a BulkRequest needs an \"Operations\" array"));
    };
    if items.len() > limits.max_operations {
        return Err(ScimError::payload_too_large(format!(
            "the bulk request has {} operations, more than maxOperations ({}); split it into smaller requests",
            items.len(),
            limits.max_operations
        )));
    }
    let operations: Vec<Operation> = items.iter().map(read_operation).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, operation) in operations.iter().enumerate() {
        if let Some(bulk_id) = &operation.bulk_id
            && let Some(first) = seen.insert(bulk_id.as_str(), index)
        {
            return Err(ScimError::invalid_value(format!(
                "operations {first} and {index} both have bulkId {bulk_id:?}; a bulkId must be unique in the request"
            )));
        }
    }
    Ok((fail_on_errors, operations))
}

/// One operation; a malformed one is kept with its error, so that it fails in its turn like
/// any other (counting towards `failOnErrors`).
fn read_operation(item: &Value) -> Operation {
    let empty = Map::new();
    let fields = item.as_object().unwrap_or(&empty);
    let member = |name: &str| fields.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v);
    let text = |name: &str| member(name).and_then(Value::as_str).map(str::to_owned);
    let method_text = text("method").unwrap_or_default();
    let bulk_id = text("bulkId");
    let path = text("path").unwrap_or_default();
    let version = text("version");
    let data = member("data").filter(|d| !d.is_null()).cloned();
    let mut references = Vec::new();
    collect_references(&Value::String(path.clone()), &mut references);
    if let Some(data) = &data {
        collect_references(data, &mut references);
    }
    let invalid = if !item.is_object() {
        Some(ScimError::invalid_syntax("a bulk operation must be a JSON object"))
    } else {
        operation_error(&method_text, bulk_id.as_deref(), &path, data.as_ref(), member("bulkId"))
    };
    Operation { method_text, bulk_id, path, version, data, references, invalid }
}

/// What is wrong with an operation's fields, if anything.
fn operation_error(
    method: &str,
    bulk_id: Option<&str>,
    path: &str,
    data: Option<&Value>,
    raw_bulk_id: Option<&Value>,
) -> Option<ScimError> {
    let Some(method) = Method::parse(method) else {
        return Some(ScimError::invalid_value(format!(
            "a bulk operation's method must be POST, PUT, PATCH or DELETE, not {method:?}"
        )));
    };
    if raw_bulk_id.is_some_and(|v| !v.is_string() && !v.is_null()) {
        return Some(ScimError::invalid_value("a bulk operation's bulkId must be a string"));
    }
    if method == Method::Post && bulk_id.is_none_or(str::is_empty) {
        return Some(ScimError::invalid_value("a POST bulk operation needs a bulkId (RFC 7644 section 3.7)"));
    }
    if !path.starts_with('/') {
        return Some(ScimError::invalid_value(format!(
            "a bulk operation's path must be a resource path like /Users or /Users/{{id}}, not {path:?}"
        )));
    }
    if method != Method::Delete && data.is_none() {
        return Some(ScimError::invalid_syntax(format!("a {} bulk operation needs data", method.name())));
    }
    None
}

/// Every `bulkId:X` string in `value`, as `X`.
fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            // In a path the reference is a segment: `/Groups/bulkId:X`.
            for part in text.split('/') {
                if let Some(bulk_id) = part.strip_prefix(REFERENCE_PREFIX)
                    && !out.iter().any(|known| known == bulk_id)
                {
                    out.push(bulk_id.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        Value::Object(members) => members.values().for_each(|item| collect_references(item, out)),
        _ => {}
    }
}

/// A turn of the run: an operation to run, or one refused for a circular reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Run(usize),
    Cycle(usize),
}

/// The order to run the operations in: the request's, except that an operation referring to
/// a `bulkId` waits for the POST that carries it. Operations in or waiting on a cycle of
/// references come last, as [`Step::Cycle`].
fn run_order(operations: &[Operation]) -> Vec<Step> {
    let creators: HashMap<&str, usize> = operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.method_text.eq_ignore_ascii_case("POST"))
        .filter_map(|(index, op)| op.bulk_id.as_deref().map(|id| (id, index)))
        .collect();
    let mut waiting_on = vec![0usize; operations.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); operations.len()];
    for (index, operation) in operations.iter().enumerate() {
        for reference in &operation.references {
            // A reference to no POST fails when the operation runs; it waits for nothing.
            if let Some(&creator) = creators.get(reference.as_str()) {
                waiting_on[index] += 1;
                dependents[creator].push(index);
            }
        }
    }
    // Kahn's algorithm, taking the earliest ready operation first.
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..operations.len()).filter(|&i| waiting_on[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(operations.len());
    while let Some(Reverse(index)) = ready.pop() {
        order.push(Step::Run(index));
        for &dependent in &dependents[index] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.push(Reverse(dependent));
            }
        }
    }
    order.extend((0..operations.len()).filter(|&i| waiting_on[i] > 0).map(Step::Cycle));
    order
}

fn cycle_error(operation: &Operation) -> ScimError {
    ScimError::conflict(format!(
        "the bulkId references of this operation ({}) form a cycle, or wait on one; \
         create the resources first and link them with a later PATCH (RFC 7644 section 3.7.2)",
        operation.references.iter().map(|r| format!("{REFERENCE_PREFIX}{r}")).collect::<Vec<_>>().join(", ")
    ))
}

/// Run one operation through the same [`Write`] as its single-resource request.
async fn run(
    shared: &Shared,
    call: &Call,
    operation: &Operation,
    created: &HashMap<&str, Result<String, ()>>,
) -> Outcome {
    let mut location = None;
    let result = async {
        if let Some(error) = &operation.invalid {
            return Err(error.clone());
        }
        let method = Method::parse(&operation.method_text).unwrap_or(Method::Delete);
        let path = resolve_references(&Value::String(operation.path.clone()), created)?;
        let path = path.as_str().unwrap_or_default();
        let (entry, id) = target(shared, method, path)?;
        location = id.as_deref().map(|id| entry.location(&call.base_url, id));
        let write = Write { shared, entry, principal: &call.principal, if_match: operation.version.as_deref() };
        let data = match &operation.data {
            Some(data) => resolve_references(data, created)?,
            None => Value::Null,
        };
        // Bulk responses carry no resource, so members are never read back.
        let no_members = GetOptions { exclude_members: true };
        let (status, stored) = match (method, id.as_deref()) {
            (Method::Post, _) => (StatusCode::CREATED, Some(write.create(data).await?)),
            (Method::Put, Some(id)) => (StatusCode::OK, Some(write.replace(id, data).await?)),
            (Method::Patch, Some(id)) => (StatusCode::OK, Some(write.patch(id, data, no_members).await?)),
            (Method::Delete, Some(id)) => {
                write.delete(id).await?;
                (StatusCode::NO_CONTENT, None)
            }
            // target() answers 405 to PUT, PATCH and DELETE without an id.
            (_, None) => return Err(ScimError::internal("a bulk operation without a resource id")),
        };
        if let Some(stored) = &stored
            && location.is_none()
        {
            location = stored.get("id").and_then(Value::as_str).map(|id| entry.location(&call.base_url, id));
        }
        Ok((status.as_u16(), stored.as_ref().and_then(meta_version).map(str::to_owned)))
    }
    .await;
    match result {
        Ok((status, version)) => Outcome { location, version, result: Ok(status) },
        Err(error) => Outcome { location, version: None, result: Err(error) },
    }
}

/// The resource type and id an operation's path names, with the errors its own request would
/// get: `404` for no resource type there, `405` for a method the path does not take.
fn target<'a>(shared: &'a Shared, method: Method, path: &str) -> ScimResult<(&'a ResourceEntry, Option<String>)> {
    let trimmed = path.split(['?', '#']).next().unwrap_or_default().trim_start_matches('/');
    let (endpoint, id) = match trimmed.split_once('/') {
        Some((endpoint, id)) => (endpoint, Some(id)),
        None => (trimmed, None),
    };
    let entry = shared.resources.iter().find(|r| r.endpoint[1..].eq_ignore_ascii_case(endpoint)).ok_or_else(|| {
        let served: Vec<&str> = shared.resources.iter().map(|r| r.endpoint.as_str()).collect();
        ScimError::not_found(format!(
            "no resource type at {path}; this server serves {} (Bulk operations cannot address discovery endpoints)",
            served.join(", ")
        ))
    })?;
    let id = match id {
        Some(id) if id.is_empty() || id.contains('/') => {
            return Err(ScimError::not_found(format!("no SCIM endpoint at {path}")));
        }
        Some(id) => {
            Some(percent_decode(id).ok_or_else(|| ScimError::not_found(format!("no SCIM endpoint at {path}")))?)
        }
        None => None,
    };
    match (method, &id) {
        (Method::Post, Some(_)) | (Method::Put | Method::Patch | Method::Delete, None) => Err(ScimError::status(
            StatusCode::METHOD_NOT_ALLOWED.as_u16(),
            format!("{} is not supported on {path}", method.name()),
        )),
        _ => Ok((entry, id)),
    }
}

/// A path segment with its `%XX` escapes decoded; `None` when they do not make UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = segment.get(at + 1..at + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `value` with each `bulkId:X` string (or path segment) replaced by the id the POST with
/// bulkId `X` created: `400 invalidValue` when no POST has that bulkId, `409` when it failed.
fn resolve_references(value: &Value, created: &HashMap<&str, Result<String, ()>>) -> ScimResult<Value> {
    Ok(match value {
        Value::String(text) if text.contains(REFERENCE_PREFIX) => {
            let mut parts = Vec::new();
            for part in text.split('/') {
                match part.strip_prefix(REFERENCE_PREFIX) {
                    Some(bulk_id) => match created.get(bulk_id) {
                        Some(Ok(id)) => parts.push(id.clone()),
                        Some(Err(())) => {
                            return Err(ScimError::conflict(format!(
                                "{part} refers to a POST that failed, so this operation cannot run"
                            )));
                        }
                        None => {
                            return Err(ScimError::invalid_value(format!(
                                "{part} is not the bulkId of any POST operation in this request"
                            )));
                        }
                    },
                    None => parts.push(part.to_owned()),
                }
            }
            Value::String(parts.join("/"))
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| resolve_references(i, created)).collect::<ScimResult<_>>()?)
        }
        Value::Object(members) => Value::Object(
            members.iter().map(|(k, v)| Ok((k.clone(), resolve_references(v, created)?))).collect::<ScimResult<_>>()?,
        ),
        other => other.clone(),
    })
}

/// One entry of the BulkResponse's `Operations`.
fn response_operation(operation: &Operation, outcome: Outcome) -> Value {
    let mut entry = Map::new();
    entry.insert("method".to_owned(), Value::String(operation.method_text.clone()));
    if let Some(bulk_id) = &operation.bulk_id {
        entry.insert("bulkId".to_owned(), Value::String(bulk_id.clone()));
    }
    if let Some(location) = outcome.location {
        entry.insert("location".to_owned(), Value::String(location));
    }
    if let Some(version) = outcome.version {
        entry.insert("version".to_owned(), Value::String(version));
    }
    match outcome.result {
        Ok(status) => {
            entry.insert("status".to_owned(), Value::String(status.to_string()));
        }
        Err(error) => {
            entry.insert("status".to_owned(), Value::String(error.status.to_string()));
            entry.insert("response".to_owned(), serde_json::to_value(&error).unwrap_or(Value::Null));
        }
    }
    Value::Object(entry)
}
