//! `scimgen verify`: replay what an identity provider sends against a SCIM endpoint and report
//! each step.
//!
//! The runner reads discovery first (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`),
//! then runs a [`profile`] step by step: it fills in `{{variables}}`, skips steps about what
//! the server does not serve, prunes bodies to the advertised attributes ([`advertised`]),
//! sends, and compares the answer with the step's expectations. With a mapping table it adds
//! a round trip per attribute of the table ([`table_steps`]). Everything it creates carries the
//! run's marker and is deleted at the end; it only ever addresses ids its own creates returned.

pub mod advertised;
pub mod http;
pub mod profile;
pub mod report;
pub mod table_steps;

use std::collections::BTreeMap;

use serde_json::Value;

use self::advertised::{Advertised, ResourceType};
use self::http::{Request, Response, Transport};
use self::profile::{Expect, Profile, Step, Walk};
use self::report::{Outcome, ReceivedResponse, Report, SentRequest, StepResult, Summary};
use crate::error::{CliError, CliResult, read_text, write_text};
use crate::table::{Table, parse_tables};

/// What `scimgen verify` was given.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub profile: String,
    pub token: String,
    pub table: Option<std::path::PathBuf>,
    pub json: Option<std::path::PathBuf>,
    pub insecure: bool,
}

/// The command: check the URL, load the profile and table, run over HTTP, write `--json`.
pub fn run_command(options: &Options) -> CliResult<Report> {
    http::check_url(&options.url, options.insecure).map_err(CliError::new)?;
    let profile = profile::load(&options.profile).map_err(CliError::new)?;
    let tables = match &options.table {
        Some(path) => {
            let tables = parse_tables(&read_text(path)?);
            if tables.is_empty() {
                return Err(CliError::new(format!("{} holds no attribute-mapping table", path.display()))
                    .hint("the table's header row is |Attribute|Type|..., as in the provisioning tutorials"));
            }
            tables
        }
        None => Vec::new(),
    };
    let transport = http::HttpTransport::new(&options.url, &options.token);
    let report = run(&transport, &profile, &tables, &options.url, &new_marker());
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report).map_err(|error| CliError::new(error.to_string()))?;
        write_text(path, &format!("{text}\n"))?;
    }
    Ok(report)
}

/// A fresh marker: `scimgen-verify-` and 12 random hex digits.
pub fn new_marker() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("scimgen-verify-{}", &random[..12])
}

/// Runs `profile` (and the round trips of `tables`) against the service behind `transport`.
pub fn run(transport: &dyn Transport, profile: &Profile, tables: &[Table], url: &str, marker: &str) -> Report {
    let mut runner = Runner {
        transport,
        vars: BTreeMap::from([("marker".to_owned(), marker.to_owned())]),
        created: Vec::new(),
        advertised: Advertised::default(),
        results: Vec::new(),
        notes: Vec::new(),
    };
    runner.discover();
    for step in &profile.steps {
        runner.run_step(step);
    }
    for table in tables {
        let (steps, unadvertised) = table_steps::steps(table, &runner.advertised);
        runner.results.extend(unadvertised);
        for step in &steps {
            runner.run_step(step);
        }
    }
    runner.clean_up();
    let summary = Summary::of(&runner.results);
    Report {
        profile: profile.name.clone(),
        url: url.to_owned(),
        marker: marker.to_owned(),
        notes: runner.notes,
        steps: runner.results,
        summary,
    }
}

struct Runner<'t> {
    transport: &'t dyn Transport,
    vars: BTreeMap<String, String>,
    /// Paths (`/Users/<id>`) of resources this run created and has not deleted yet.
    created: Vec<String>,
    advertised: Advertised,
    results: Vec<StepResult>,
    notes: Vec<String>,
}

/// A step made ready to send: the request with variables filled in and pruned, and what to
/// compare the answer with.
struct Prepared {
    request: Request,
    resource_type: Option<ResourceType>,
    expected_resource: Option<Value>,
    expect: Expect,
}

const DISCOVERY_SOURCE: &str = "RFC 7644 section 4: service provider configuration endpoints";

impl Runner<'_> {
    fn discover(&mut self) {
        let mut documents = Vec::new();
        for (id, path) in [
            ("discovery-config", "/ServiceProviderConfig"),
            ("discovery-resource-types", "/ResourceTypes"),
            ("discovery-schemas", "/Schemas"),
        ] {
            let request = Request { method: "GET".into(), path: path.into(), body: None, auth: true };
            let title = format!("GET {path} answers 200 with JSON");
            let outcome = match self.transport.send(&request) {
                Ok(response) if response.status == 200 && response.json.is_some() => {
                    documents.push(response.json.clone().unwrap_or_default());
                    self.result(id, &title, DISCOVERY_SOURCE, Outcome::Pass, None, &request, Some(&response));
                    continue;
                }
                Ok(response) => (Some(response), "200 with a JSON document".to_owned()),
                Err(error) => (None, format!("an answer; the request failed: {error}")),
            };
            documents.push(Value::Null);
            self.result(id, &title, DISCOVERY_SOURCE, Outcome::Fail, Some(outcome.1), &request, outcome.0.as_ref());
        }
        self.advertised = Advertised::from_discovery(&documents[0], &documents[1], &documents[2]);
        for resource_type in &self.advertised.resource_types {
            let extensions = if resource_type.extension_urns.is_empty() {
                String::new()
            } else {
                format!(" with {}", resource_type.extension_urns.join(", "))
            };
            self.notes.push(format!(
                "serves {} at {} ({}){extensions}",
                resource_type.name, resource_type.endpoint, resource_type.core_urn
            ));
        }
        for name in ["User", "Group"] {
            self.probe_external_id(name);
        }
        // Without a /ServiceProviderConfig every feature reads as unsupported; say nothing.
        if !documents[0].is_null() {
            let features: Vec<String> = self
                .advertised
                .features
                .iter()
                .map(|(name, on)| format!("{name} {}", if *on { "yes" } else { "no" }))
                .collect();
            self.notes.push(format!("features: {}", features.join(", ")));
        }
    }

    /// When the core schema does not list `externalId` (many servers leave the common
    /// attributes out of `/Schemas`), creates one resource with it to see whether the server
    /// keeps it; the probe is deleted at the end like anything else this run creates.
    fn probe_external_id(&mut self, name: &str) {
        let Some(resource_type) = self.advertised.resource_type(name) else { return };
        if resource_type.advertises("externalId") {
            return;
        }
        let marker = &self.vars["marker"];
        let external_id = format!("{marker}-probe");
        let mut body = serde_json::json!({"schemas": [resource_type.core_urn], "externalId": external_id});
        match name {
            "User" => body["userName"] = format!("{marker}.probe@example.com").into(),
            _ => body["displayName"] = format!("{marker} probe").into(),
        }
        let endpoint = resource_type.endpoint.clone();
        let request = Request { method: "POST".into(), path: endpoint.clone(), body: Some(body), auth: true };
        let answer = self.transport.send(&request);
        let created = answer.as_ref().ok().filter(|r| (200..300).contains(&r.status)).and_then(|r| r.json.as_ref());
        if let Some(id) = created.and_then(|b| b.get("id")).and_then(Value::as_str) {
            self.created.push(format!("{endpoint}/{id}"));
        }
        let kept = created.and_then(|b| lookup(b, "externalId")).and_then(Value::as_str) == Some(external_id.as_str());
        let note = match (&answer, kept) {
            (_, true) => "not in its schema, but kept on create: sent",
            (Ok(response), false) if (200..300).contains(&response.status) => {
                "not in its schema and dropped on create: not sent"
            }
            _ => "not in its schema and refused on create: not sent",
        };
        self.notes.push(format!("{name} externalId: {note}"));
        if let Some(resource_type) = self.advertised.resource_type_mut(name) {
            resource_type.keeps_external_id = kept;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &mut self,
        id: &str,
        title: &str,
        source: &str,
        outcome: Outcome,
        reason: Option<String>,
        request: &Request,
        response: Option<&Response>,
    ) {
        self.results.push(StepResult {
            id: id.to_owned(),
            title: title.to_owned(),
            source: source.to_owned(),
            outcome,
            reason,
            request: Some(SentRequest {
                method: request.method.clone(),
                path: request.path.clone(),
                body: request.body.clone(),
            }),
            response: response.map(|r| ReceivedResponse { status: r.status, body: r.text.clone() }),
        });
    }

    fn skip(&mut self, step: &Step, reason: String) {
        self.results.push(StepResult {
            id: step.id.clone(),
            title: step.title.clone(),
            source: step.source.clone(),
            outcome: Outcome::Skip,
            reason: Some(reason),
            request: None,
            response: None,
        });
    }

    fn prepare(&self, step: &Step) -> Result<Prepared, String> {
        let resource_type = match &step.resource {
            Some(name) => Some(
                self.advertised
                    .resource_type(name)
                    .cloned()
                    .ok_or_else(|| format!("the server does not advertise the {name} resource type"))?,
            ),
            None => None,
        };
        if let Some(feature) = &step.feature
            && !self.advertised.supports(feature)
        {
            return Err(format!("/ServiceProviderConfig says {feature} is not supported"));
        }
        if let Some(resource_type) = &resource_type
            && let Some(missing) = step.needs.iter().find(|path| !resource_type.advertises(path))
        {
            return Err(format!("{} does not advertise {missing}", resource_type.name));
        }
        let mut path = substitute(&step.path, &self.vars)?;
        if let Some(resource_type) = &resource_type {
            let default_endpoint = format!("/{}s", resource_type.name);
            if let Some(rest) = path.strip_prefix(&default_endpoint) {
                path = format!("{}{rest}", resource_type.endpoint);
            }
        }
        let mut body = step.body.as_ref().map(|b| substitute_value(b, &self.vars)).transpose()?;
        if let (Some(resource_type), Some(sent)) = (&resource_type, &body) {
            body = Some(match step.method.to_ascii_uppercase().as_str() {
                "PATCH" => resource_type.prune_patch(sent).ok_or_else(|| {
                    format!("none of its operations touches an attribute {} advertises", resource_type.name)
                })?,
                "POST" | "PUT" if !path.contains("/.search") => resource_type.prune_resource(sent),
                _ => sent.clone(),
            });
        }
        let mut expect = step.expect.clone();
        for value in [&mut expect.body, &mut expect.lacks].into_iter().flatten() {
            *value = substitute_value(value, &self.vars)?;
        }
        let expected_resource = match (&step.expect.resource, &resource_type) {
            (Some(expected), Some(resource_type)) => {
                let expected = substitute_value(expected, &self.vars)?;
                let pruned = resource_type.prune_resource(&expected);
                let checks = |value: &Value| {
                    value.as_object().is_some_and(|o| o.keys().any(|k| !k.eq_ignore_ascii_case("schemas")))
                };
                if checks(&expected) && !checks(&pruned) {
                    return Err(format!("nothing it checks is advertised by {}", resource_type.name));
                }
                Some(pruned)
            }
            (expected, _) => expected.as_ref().map(|e| substitute_value(e, &self.vars)).transpose()?,
        };
        let request = Request { method: step.method.to_ascii_uppercase(), path, body, auth: step.auth };
        Ok(Prepared { request, resource_type, expected_resource, expect })
    }

    fn run_step(&mut self, step: &Step) {
        let prepared = match self.prepare(step) {
            Ok(prepared) => prepared,
            Err(reason) => return self.skip(step, reason),
        };
        if let Some(walk) = &step.walk {
            return self.walk(step, walk, &prepared.request);
        }
        let response = match self.transport.send(&prepared.request) {
            Ok(response) => response,
            Err(error) => {
                let reason = format!("an answer; the request failed: {error}");
                return self.result(
                    &step.id,
                    &step.title,
                    &step.source,
                    Outcome::Fail,
                    Some(reason),
                    &prepared.request,
                    None,
                );
            }
        };
        if let Some(skip) = &prepared.expect.skip_when
            && response.status == skip.status
            && response
                .json
                .as_ref()
                .and_then(|b| b.get("scimType"))
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(&skip.scim_type))
        {
            let detail =
                response.json.as_ref().and_then(|b| b.get("detail")).and_then(Value::as_str).unwrap_or_default();
            let reason = format!("{} (the server answered {} {}: {detail})", skip.reason, skip.status, skip.scim_type);
            return self.result(
                &step.id,
                &step.title,
                &step.source,
                Outcome::Skip,
                Some(reason),
                &prepared.request,
                Some(&response),
            );
        }
        self.track(step, &prepared, &response);
        let verdict = check(&prepared.expect, prepared.expected_resource.as_ref(), &response);
        let outcome = if verdict.is_ok() { Outcome::Pass } else { Outcome::Fail };
        self.result(&step.id, &step.title, &step.source, outcome, verdict.err(), &prepared.request, Some(&response));
    }

    /// Remember what a step created, deleted and saved.
    fn track(&mut self, step: &Step, prepared: &Prepared, response: &Response) {
        let json = response.json.as_ref();
        // A `creates` step answered with any 2xx (a server answering a create with 200 fails
        // the step, but what it made is still deleted at the end), or any POST answered 201.
        let made = (200..300).contains(&response.status)
            && (step.creates || (prepared.request.method == "POST" && response.status == 201));
        if made
            && let (Some(resource_type), Some(id)) =
                (&prepared.resource_type, json.and_then(|b| b.get("id")).and_then(Value::as_str))
        {
            let path = format!("{}/{id}", resource_type.endpoint);
            if !self.created.contains(&path) {
                self.created.push(path);
            }
        }
        if prepared.request.method == "DELETE" && (200..300).contains(&response.status) {
            self.created.retain(|path| *path != prepared.request.path);
        }
        if prepared.expect.status.contains(&response.status) {
            for (name, path) in &step.save {
                if let Some(value) = json.and_then(|b| lookup(b, path)) {
                    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                    self.vars.insert(name.clone(), text);
                }
            }
        }
    }

    /// Pages through a collection `walk.count` at a time, as an import does: every page must be
    /// a ListResponse of at most `count`, no id may come twice, and the ids saved in
    /// `walk.must_see` must each come once.
    fn walk(&mut self, step: &Step, walk: &Walk, first: &Request) {
        const MAX_PAGES: usize = 500;
        let mut seen = std::collections::HashSet::new();
        let mut start = 1usize;
        let mut page_size = walk.count;
        let separator = if first.path.contains('?') { '&' } else { '?' };
        let mut last = first.clone();
        let mut verdict: Result<(), String> = Ok(());
        let mut last_response = None;
        for _ in 0..MAX_PAGES {
            last = Request {
                path: format!("{}{separator}startIndex={start}&count={page_size}", first.path),
                ..first.clone()
            };
            let response = match self.transport.send(&last) {
                Ok(response) => response,
                Err(error) => {
                    verdict = Err(format!("an answer; the request failed: {error}"));
                    break;
                }
            };
            let page = check_page(&response, page_size, start, &mut seen);
            last_response = Some(response);
            match page {
                Err(reason) => {
                    verdict = Err(reason);
                    break;
                }
                Ok(PageEnd::More { next, total }) => {
                    start = next;
                    // The small pages the step asks for are checked on the first page; a big
                    // collection is walked in bigger pages to stay within MAX_PAGES requests.
                    page_size = page_size.max(total.div_ceil(MAX_PAGES / 2));
                }
                Ok(PageEnd::Last) => break,
            }
        }
        if verdict.is_ok() {
            let missing: Vec<&String> = walk
                .must_see
                .iter()
                .filter_map(|name| self.vars.get(name))
                .filter(|id| !seen.contains(id.as_str()))
                .collect();
            if !missing.is_empty() {
                verdict = Err(format!("every page visited; ids created by this run never listed: {missing:?}"));
            }
        }
        let outcome = if verdict.is_ok() { Outcome::Pass } else { Outcome::Fail };
        self.result(&step.id, &step.title, &step.source, outcome, verdict.err(), &last, last_response.as_ref());
    }

    fn clean_up(&mut self) {
        let leftovers: Vec<String> = self.created.drain(..).rev().collect();
        for path in leftovers {
            let request = Request { method: "DELETE".into(), path: path.clone(), body: None, auth: true };
            let title = format!("delete {path}, created by this run");
            let source = "scimgen verify: a run leaves nothing behind";
            match self.transport.send(&request) {
                Ok(response) if (200..300).contains(&response.status) || response.status == 404 => {
                    self.result("cleanup", &title, source, Outcome::Pass, None, &request, Some(&response));
                }
                Ok(response) => {
                    let reason = "200, 204 or 404: the resource stays on the server".to_owned();
                    self.result("cleanup", &title, source, Outcome::Fail, Some(reason), &request, Some(&response));
                }
                Err(error) => {
                    let reason = format!("an answer; the request failed: {error}");
                    self.result("cleanup", &title, source, Outcome::Fail, Some(reason), &request, None);
                }
            }
        }
    }
}

enum PageEnd {
    More { next: usize, total: usize },
    Last,
}

fn check_page(
    response: &Response,
    count: usize,
    start: usize,
    seen: &mut std::collections::HashSet<String>,
) -> Result<PageEnd, String> {
    if response.status != 200 {
        return Err("status 200".to_owned());
    }
    let body = response.json.as_ref().ok_or("a JSON ListResponse")?;
    let total = body.get("totalResults").and_then(Value::as_u64).ok_or("a ListResponse with totalResults")?;
    let resources = body.get("Resources").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    // RFC 7644 section 3.4.2.4: a paged answer says where it starts and how many it holds;
    // Okta's import reads both.
    let number = |key: &str| body.get(key).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
    if number("startIndex") != Some(start) {
        return Err(format!("startIndex {start} in the ListResponse of startIndex={start}"));
    }
    if number("itemsPerPage") != Some(resources.len()) {
        return Err(format!("itemsPerPage {} (the number of Resources on the page)", resources.len()));
    }
    if resources.len() > count {
        return Err(format!("at most {count} resources on a page of count={count}, got {}", resources.len()));
    }
    for resource in resources {
        let id = resource.get("id").and_then(Value::as_str).ok_or("an id on every listed resource")?;
        if !seen.insert(id.to_owned()) {
            return Err(format!("each resource on one page only; {id} came again at startIndex={start}"));
        }
    }
    let next = start + resources.len();
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    if resources.is_empty() || next > total { Ok(PageEnd::Last) } else { Ok(PageEnd::More { next, total }) }
}

/// Compares an answer with what the step expects; `Err` says what was expected and what differs.
fn check(expect: &Expect, resource: Option<&Value>, response: &Response) -> Result<(), String> {
    let statuses: Vec<String> = expect.status.iter().map(u16::to_string).collect();
    let statuses = statuses.join(" or ");
    if !expect.status.contains(&response.status) {
        return Err(format!("status {statuses}"));
    }
    let needs_body = expect.body.is_some() || resource.is_some() || expect.scim_type.is_some();
    let body = match &response.json {
        Some(body) => body,
        None if needs_body => return Err(format!("status {statuses} with a JSON body")),
        None => return Ok(()),
    };
    if let Some(scim_type) = &expect.scim_type {
        let given = body.get("scimType").and_then(Value::as_str);
        if !given.is_some_and(|g| g.eq_ignore_ascii_case(scim_type)) {
            return Err(format!("a SCIM error with scimType {scim_type:?}, got {given:?}"));
        }
    }
    for expected in expect.body.iter().chain(resource) {
        contains(body, expected, "").map_err(|difference| format!("a body containing {expected}: {difference}"))?;
    }
    if let Some(lacks) = &expect.lacks
        && contains(body, lacks, "").is_ok()
    {
        return Err(format!("a body without {lacks}"));
    }
    let listed =
        body.get("Resources").and_then(Value::as_array).map(|r| r.iter().collect()).unwrap_or_else(|| vec![body]);
    for path in &expect.absent {
        if listed.iter().any(|resource| lookup(resource, path).is_some()) {
            return Err(format!("no {path} in the returned resource(s)"));
        }
    }
    Ok(())
}

/// Whether `actual` contains `expected`: objects have its keys (names ignore case, RFC 7643
/// section 2.1) with matching values, arrays have an element matching each of its elements,
/// anything else is equal. `Err` names the first difference.
pub fn contains(actual: &Value, expected: &Value, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let found = actual.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
                let Some(found) = found else { return Err(format!("{at}{key} is missing")) };
                contains(found, value, &format!("{at}{key}."))?;
            }
            Ok(())
        }
        (Value::Array(expected), Value::Array(actual)) => {
            for element in expected {
                if !actual.iter().any(|a| contains(a, element, "").is_ok()) {
                    return Err(format!("{} has no element like {element}", at.trim_end_matches('.')));
                }
            }
            Ok(())
        }
        (expected, actual) if expected == actual => Ok(()),
        (expected, actual) => Err(format!("{} is {actual}, not {expected}", at.trim_end_matches('.'))),
    }
}

/// The value at a dotted path (`Resources.0.id`, `name.givenName`; names ignore case).
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |value, part| match value {
        Value::Array(items) => items.get(part.parse::<usize>().ok()?),
        Value::Object(object) => object.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)).map(|(_, v)| v),
        _ => None,
    })
}

/// `text` with each `{{name}}` replaced; `Err` names a variable no earlier step saved.
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let close = rest[open..].find("}}").map(|c| open + c).ok_or_else(|| format!("unclosed {{{{ in {text:?}"))?;
        let name = rest[open + 2..close].trim();
        let value = vars
            .get(name)
            .ok_or_else(|| format!("it needs {{{{{name}}}}}, which an earlier step was to save and did not"))?;
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn substitute_value(value: &Value, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(substitute(text, vars)?),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute_value(v, vars)).collect::<Result<_, _>>()?),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| Ok((substitute(k, vars)?, substitute_value(v, vars)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests;
