//! The single-resource operations: create, get, replace, patch, delete (RFC 7644 section 3).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::*;
use crate::error::{ScimError, ScimResult};
use crate::filter::{parse_filter, resolve_filter};
use crate::patch::PatchRequest;
use crate::resource::{RequestMode, UnknownAttributeLog, check_replace, keep_immutable, validate_request_with};
use crate::server::audit::{AuditAction, attribute_names};
use crate::server::auth::Principal;
use crate::server::body::ScimJson;
use crate::server::members::{body_members, check_members, patch_members};
use crate::server::response::add_etag;
use crate::server::unknown::screen_patch;
use crate::store::{Fetched, GetOptions, StoreQuery, etag_list_names, meta_version, parse_version};

/// `GET /{Resource}/{id}`.
pub async fn get(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    let options =
        GetOptions { exclude_members: !returns_members(entry, &query.attributes, &query.excluded_attributes) };
    let (mut resource, folded) = groups::read_one(&context.shared, entry, &call.principal, &query, id, options).await?;
    let version = resource.version();
    check_if_match(entry, id, call.if_match.as_deref(), version)?;
    if let Some(if_none_match) = &call.if_none_match
        && etag_matches(if_none_match, version)
    {
        // RFC 7232 section 4.1: 304 carries the ETag, no body.
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        add_etag(response.headers_mut(), version);
        return Ok(response);
    }
    let shared = &context.shared;
    add_groups(shared, entry, &call.principal, &call.base_url, &query, std::slice::from_mut(&mut resource), folded)
        .await?;
    entry.reply(StatusCode::OK, resource, &call, &query, &[]).await
}

/// `412` unless `If-Match` is absent or names the current version: the store's own check
/// ([`crate::store::check_if_match`]), so GET, PUT, PATCH and DELETE accept the same tags.
pub(super) fn check_if_match(
    entry: &ResourceEntry,
    id: &str,
    if_match: Option<&str>,
    version: Option<&str>,
) -> ScimResult<()> {
    match version.and_then(parse_version) {
        Some(current) => crate::store::check_if_match(&entry.kind, id, if_match, current),
        None if if_match.is_some() => Err(ScimError::precondition_failed(format!(
            "{} {id} has no version to match {}",
            entry.kind.name(),
            if_match.unwrap_or_default()
        ))),
        None => Ok(()),
    }
}

/// Whether an `If-None-Match` list names `version`, compared as `If-Match` is
/// ([`crate::store::etag_list_names`]).
pub(super) fn etag_matches(list: &str, version: Option<&str>) -> bool {
    version.and_then(parse_version).is_some_and(|current| etag_list_names(list, current))
}

/// One write to one resource type on behalf of one caller: what POST, PUT, PATCH and DELETE do
/// after reading their request, whether it arrives as a request of its own or as one operation
/// of a Bulk request (RFC 7644 section 3.7), so both validate, check uniqueness, members,
/// versions and tenant, and audit, alike.
pub(super) struct Write<'a> {
    pub shared: &'a Shared,
    pub entry: &'a ResourceEntry,
    pub principal: &'a Principal,
    /// The request's `If-Match`, or a bulk operation's `version`.
    pub if_match: Option<&'a str>,
}

impl Write<'_> {
    /// The write a single-resource request makes.
    pub fn of<'a>(context: &'a ResourceContext, call: &'a Call) -> Write<'a> {
        Write {
            shared: &context.shared,
            entry: &context.resource,
            principal: &call.principal,
            if_match: call.if_match.as_deref(),
        }
    }

    /// Create a resource from a request body; the stored resource.
    pub async fn create(&self, body: Value) -> ScimResult<Value> {
        let entry = self.entry;
        let mut unknown = UnknownAttributeLog::new(self.shared.unknown_attributes);
        let resource = validate_request_with(entry.schema(), body, RequestMode::Create, &mut unknown)?;
        let changes = attribute_names(&resource);
        if entry.kind.has_members {
            check_members(self.shared, entry, self.principal, &body_members(&resource)).await?;
        }
        let scope = entry.scope(self.principal).await?;
        let created = entry.store.create(scope, resource).await?;
        let id = created.get("id").and_then(Value::as_str).unwrap_or_default();
        entry.audit_ignoring(self.shared, self.principal, AuditAction::Create, id, changes, unknown.ignored);
        Ok(created)
    }

    /// Replace resource `id` with a request body (RFC 7644 section 3.5.1); the stored resource.
    pub async fn replace(&self, id: &str, body: Value) -> ScimResult<Value> {
        let entry = self.entry;
        let mut unknown = UnknownAttributeLog::new(self.shared.unknown_attributes);
        let mut resource = validate_request_with(entry.schema(), body, RequestMode::Replace, &mut unknown)?;
        if entry.kind.has_members {
            check_members(self.shared, entry, self.principal, &body_members(&resource)).await?;
        }
        let scope = entry.scope(self.principal).await?;
        let existing = entry.store.get(scope, id, GetOptions::default()).await?;
        check_replace(entry.schema(), &existing, &resource)?;
        keep_immutable(entry.schema(), &existing, &mut resource);
        let changes = attribute_names(&resource);
        // The version read is the one the replacement is based on: if another writer changes the
        // resource in between, the store refuses (412) rather than losing that change. The
        // client's own If-Match was checked against the same version.
        let version = meta_version(&existing).map(str::to_owned);
        check_if_match(entry, id, self.if_match, version.as_deref())?;
        let replaced = entry.store.replace(scope, id, resource, version.as_deref().or(self.if_match)).await?;
        entry.audit_ignoring(self.shared, self.principal, AuditAction::Replace, id, changes, unknown.ignored);
        Ok(replaced)
    }

    /// Apply a PatchOp request body to resource `id` (RFC 7644 section 3.5.2); the patched
    /// resource, read back as `options` say.
    pub async fn patch(&self, id: &str, body: Value, options: GetOptions) -> ScimResult<Value> {
        let entry = self.entry;
        let changes = redact_operations(entry, &body);
        let mut request = PatchRequest::from_value_limited(
            body,
            self.shared.limits.max_patch_operations,
            &self.shared.limits.filter,
        )?;
        let mut unknown = UnknownAttributeLog::new(self.shared.unknown_attributes);
        screen_patch(entry.schema(), &mut request.operations, &mut unknown)?;
        if entry.kind.has_members {
            check_members(self.shared, entry, self.principal, &patch_members(&request.operations)).await?;
        }
        let scope = entry.scope(self.principal).await?;
        let patched = entry.store.patch(scope, id, &request.operations, self.if_match, options).await?;
        entry.audit_ignoring(self.shared, self.principal, AuditAction::Patch, id, changes, unknown.ignored);
        Ok(patched)
    }

    /// Delete resource `id`, and take it out of every group of the tenant that lists it.
    pub async fn delete(&self, id: &str) -> ScimResult<()> {
        let entry = self.entry;
        let scope = entry.scope(self.principal).await?;
        entry.store.delete(scope, id, self.if_match).await?;
        entry.audit(self.shared, self.principal, AuditAction::Delete, id, Value::Array(Vec::new()));
        for groups in self.shared.resources.iter().filter(|r| r.kind.has_members) {
            // The resource is gone whatever happens here, so a failure is logged, not answered.
            if let Err(error) = remove_memberships(self.shared, groups, self.principal, id).await {
                tracing::error!(%error, resource = groups.kind.name(), "could not remove a deleted resource's memberships");
            }
        }
        Ok(())
    }
}

/// `POST /{Resource}`.
pub async fn create(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let entry = &context.resource;
    record_resource(entry);
    let query = call.list_query(&context.shared.limits())?;
    let created = Write::of(&context, &call).create(body).await?;
    let id = created.get("id").and_then(Value::as_str).unwrap_or_default();
    let location = entry.location(&call.base_url, id);
    // A resource just created is in no group yet (a group's members must exist before it names
    // them), so a 201 does not look for its `groups`.
    entry.reply(StatusCode::CREATED, Fetched::Value(created), &call, &query, &[(header::LOCATION, location)]).await
}

/// `PUT /{Resource}/{id}` (RFC 7644 section 3.5.1).
pub async fn replace(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    let mut replaced = Fetched::Value(Write::of(&context, &call).replace(id, body).await?);
    let shared = &context.shared;
    add_groups(shared, entry, &call.principal, &call.base_url, &query, std::slice::from_mut(&mut replaced), None)
        .await?;
    entry.reply(StatusCode::OK, replaced, &call, &query, &[]).await
}

/// `PATCH /{Resource}/{id}` (RFC 7644 section 3.5.2).
pub async fn patch(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let (entry, id, query) = single_resource(&context, &call)?;
    // RFC 7644 section 3.5.2: with `attributes` or `excludedAttributes` the client asks for
    // the resource, and the server MUST answer 200 with it, even where PATCH answers 204.
    let no_content = entry.patch_no_content && query.attributes.is_empty() && query.excluded_attributes.is_empty();
    // Entra ID's group PATCHes answer 204, so the members of a large group need not be read
    // back at all; with a body, only when the response includes them.
    let options = GetOptions {
        exclude_members: no_content || !returns_members(entry, &query.attributes, &query.excluded_attributes),
    };
    let patched = Write::of(&context, &call).patch(id, body, options).await?;
    if no_content {
        let mut response = StatusCode::NO_CONTENT.into_response();
        add_etag(response.headers_mut(), meta_version(&patched));
        return Ok(response);
    }
    let mut patched = Fetched::Value(patched);
    let shared = &context.shared;
    add_groups(shared, entry, &call.principal, &call.base_url, &query, std::slice::from_mut(&mut patched), None)
        .await?;
    entry.reply(StatusCode::OK, patched, &call, &query, &[]).await
}

/// `DELETE /{Resource}/{id}`.
pub async fn delete(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    record_resource(&context.resource);
    let id = required_id(&call)?;
    Write::of(&context, &call).delete(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Remove a deleted resource from the members of every group of the caller's tenant that lists
/// it, so no group keeps pointing at a resource that answers 404 (each removal is audited).
pub(super) async fn remove_memberships(
    shared: &Shared,
    groups: &ResourceEntry,
    principal: &Principal,
    id: &str,
) -> ScimResult<()> {
    let text = format!("members.value eq {}", Value::String(id.to_owned()));
    let filter = parse_filter(&text)?;
    let resolved = resolve_filter(&filter, groups.schema())?;
    let scope = groups.scope(principal).await?;
    let query = StoreQuery { filter: Some(&resolved), exclude_members: true, ..StoreQuery::default() };
    let page = groups.store.list(scope, &query).await?;
    let removed = [id.to_owned()];
    for group in page.resources {
        let Some(group_id) = group.get("id").and_then(Value::as_str) else { continue };
        groups.store.remove_members(scope, group_id, &removed).await?;
        let change = serde_json::json!([{"op": "remove", "path": format!("members[value eq {}]", Value::String(id.to_owned()))}]);
        groups.audit(shared, principal, AuditAction::Patch, group_id, change);
    }
    Ok(())
}
