//! `GET /{Resource}`, `POST /{Resource}/.search` and `POST /.search` (RFC 7644 section 3.4).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::*;
use crate::cursor;
use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, ResolvedFilter, resolve_filter};
use crate::message::{ListText, SearchRequest, list_response_text};
use crate::query::ListQuery;
use crate::schema::{AttrOwner, ResolvedAttr};
use crate::server::body::ScimJson;
use crate::server::response::text_response;
use crate::store::{
    Fetched, FetchedPage, IndexedAttr, IndexedShape, Keyset, StoreQuery, keyset_position, keyset_sort_attr,
};

/// `GET /{Resource}`.
pub async fn list(State(context): State<ResourceContext>, call: Call) -> Result<Response, ScimError> {
    let query = call.list_query(&context.shared.limits())?;
    respond_list(&context, &call, &query).await
}

/// `POST /{Resource}/.search` (RFC 7644 section 3.4.3).
pub async fn search(
    State(context): State<ResourceContext>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let request = SearchRequest::from_json(body)?;
    let query = ListQuery::from_search_request(&request, &context.shared.limits())?;
    respond_list(&context, &call, &query).await
}

pub(super) async fn respond_list(
    context: &ResourceContext,
    call: &Call,
    query: &ListQuery,
) -> Result<Response, ScimError> {
    let entry = &context.resource;
    record_resource(entry);
    let limits = context.shared.limits();
    let filter = resolve_checked(&context.shared, entry, &call.principal, query).await?;
    if let Some(cursor) = &query.cursor {
        let page_size = query.page_size(&limits);
        return respond_cursor_page(&context.shared, entry, call, query, &filter, cursor, page_size).await;
    }
    let page =
        list_page(&context.shared, entry, call, query, &filter, query.start_index, query.page_size(&limits), None)
            .await?;
    let mut list =
        ListText::new(page.total_results, page.resources.len(), Some(query.start_index), page_capacity(&page));
    for resource in page.resources {
        entry.push_response(list.next_resource(), resource, &call.base_url, query)?;
    }
    Ok(text_response(StatusCode::OK, list.finish(None)))
}

/// About the length of a page's resources' texts, to size its list's text.
fn page_capacity(page: &FetchedPage) -> usize {
    page.resources
        .iter()
        .map(|resource| match resource {
            Fetched::Plain { text, .. } => text.len() + 128,
            Fetched::Value(_) => 1024,
        })
        .sum()
}

/// A cursor page (RFC 9865): the store reads, by keyset, one resource more than the page
/// holds, which tells whether there is a next page without counting; `nextCursor` names the
/// last resource returned.
async fn respond_cursor_page(
    shared: &Shared,
    entry: &ResourceEntry,
    call: &Call,
    query: &ListQuery,
    filter: &CheckedFilter<'_>,
    cursor: &str,
    page_size: usize,
) -> Result<Response, ScimError> {
    let query_tag = cursor::query_tag(&entry.kind.schema.resource_type.endpoint, query);
    let now = cursor::unix_now();
    let after = if cursor.is_empty() { None } else { Some(cursor::decode_cursor(cursor, query_tag, now)?) };
    let keyset = Keyset { after: after.as_ref() };
    let ask = if page_size == 0 { 0 } else { page_size.saturating_add(1) };
    let mut page = list_page(shared, entry, call, query, filter, 1, ask, Some(keyset)).await?;
    let more = page.resources.len() > page_size;
    page.resources.truncate(page_size);
    let next_cursor = match page.resources.last() {
        Some(last) if more => {
            let sort_by = query.sort_by.as_ref().map(|path| entry.schema().resolve(path)).transpose()?;
            let attr = keyset_sort_attr(sort_by)?;
            let last = last.clone().into_value()?;
            let position = keyset_position(attr.as_ref(), &last)
                .ok_or_else(|| ScimError::internal(format!("a listed {} has no id", entry.kind.name())))?;
            Some(cursor::encode_cursor(&position, query_tag, now))
        }
        _ => None,
    };
    let mut list = ListText::new(page.total_results, page.resources.len(), None, page_capacity(&page));
    for resource in page.resources {
        entry.push_response(list.next_resource(), resource, &call.base_url, query)?;
    }
    Ok(text_response(StatusCode::OK, list.finish(next_cursor.as_deref())))
}

/// A list's filter, resolved and checked ([`resolve_checked`]).
#[derive(Default)]
pub(super) struct CheckedFilter<'s> {
    /// The filter; `None` lists everything.
    pub filter: Option<ResolvedFilter<'s>>,
    /// The kind with members whose member lists the filter's tests on `groups` read
    /// ([`crate::store::StoreQuery::memberships`]).
    pub memberships: Option<&'s ResourceKind>,
}

/// Resolve the query's filter against the resource type and check the type supports it: a
/// filter this server cannot answer is `400 invalidFilter` before it reaches the store.
pub(super) async fn resolve_checked<'s>(
    shared: &'s Shared,
    entry: &'s ResourceEntry,
    principal: &Principal,
    query: &ListQuery,
) -> ScimResult<CheckedFilter<'s>> {
    let Some(filter) = &query.filter else { return Ok(CheckedFilter::default()) };
    let resolved = resolve_filter(filter, entry.schema())?;
    let memberships = check_filter(shared, entry, principal, &resolved).await?;
    Ok(CheckedFilter { filter: Some(resolved), memberships })
}

/// One page of `entry`'s resources for a list response, with users' `groups` (one memberships
/// call for the whole page).
#[allow(clippy::too_many_arguments)]
pub(super) async fn list_page(
    shared: &Shared,
    entry: &ResourceEntry,
    call: &Call,
    query: &ListQuery,
    filter: &CheckedFilter<'_>,
    start_index: usize,
    count: usize,
    keyset: Option<Keyset<'_>>,
) -> ScimResult<FetchedPage> {
    let sort_by = query.sort_by.as_ref().map(|path| entry.schema().resolve(path)).transpose()?;
    if let Some(attr) = &sort_by {
        check_sortable(entry, attr)?;
    }
    let store_query = StoreQuery {
        filter: filter.filter.as_ref(),
        sort_by,
        sort_order: query.sort_order,
        start_index,
        count: Some(count),
        exclude_members: !returns_members(entry, &query.attributes, &query.excluded_attributes),
        keyset,
        memberships: filter.memberships,
    };
    let (mut page, folded) = groups::read_page(shared, entry, &call.principal, query, &store_query).await?;
    add_groups(shared, entry, &call.principal, &call.base_url, query, &mut page.resources, folded).await?;
    Ok(page)
}

/// Sorting is offered on `id` and the attributes the resource type indexes (its filterable and
/// unique single values): the same set for every store, so a client sees one behaviour
/// whichever store serves it. Others are `400 invalidValue` listing what can be sorted on.
pub(super) fn check_sortable(entry: &ResourceEntry, attr: &ResolvedAttr<'_>) -> ScimResult<()> {
    let sortable_shape = |indexed: &IndexedAttr| matches!(indexed.shape, IndexedShape::Single | IndexedShape::Element);
    let is_id = attr.owner == AttrOwner::Common && attr.attribute.name == "id";
    if is_id || entry.kind.indexed_attr(attr).is_some_and(sortable_shape) {
        return Ok(());
    }
    let sortable: Vec<&str> = std::iter::once("id")
        .chain(entry.kind.indexed.iter().filter(|i| sortable_shape(i)).map(|i| i.path.as_str()))
        .collect();
    Err(ScimError::invalid_value(format!(
        "cannot sort {} by `{}`; sortBy may be one of: {}",
        entry.kind.name(),
        attr.canonical(),
        sortable.join(", ")
    )))
}

/// Whether a response with these `attributes`/`excludedAttributes` carries `members`; when it
/// does not, the store need not load them (Entra ID asks for groups with
/// `excludedAttributes=members`, and a group may have 100 000).
pub(super) fn returns_members(entry: &ResourceEntry, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    if !entry.kind.has_members {
        return false;
    }
    if excluded.iter().any(|path| names_whole_members(entry, path)) {
        return false;
    }
    attributes.is_empty() || attributes.iter().any(|path| names_members(entry, path))
}

/// `Some(whole)` when `path` names a group's `members` (`whole`: not one of their
/// sub-attributes).
pub(super) fn members_path(entry: &ResourceEntry, path: &AttrPath) -> Option<bool> {
    if !entry.kind.has_members {
        return None;
    }
    let attr = entry.schema().resolve(path).ok()?;
    (attr.owner == AttrOwner::Core && attr.attribute.name == "members").then_some(attr.sub_attribute.is_none())
}

/// Whether `path` names a group's `members` or one of their sub-attributes.
pub(super) fn names_members(entry: &ResourceEntry, path: &AttrPath) -> bool {
    members_path(entry, path).is_some()
}

/// Whether `path` names a group's `members` as a whole.
pub(super) fn names_whole_members(entry: &ResourceEntry, path: &AttrPath) -> bool {
    members_path(entry, path) == Some(true)
}

/// `POST /.search` at the root (RFC 7644 section 3.4.3): every resource type, in registration
/// order. A filter that does not resolve against a resource type matches none of its
/// resources; one that resolves against none is the error it gives for the first type.
pub async fn search_all(
    State(shared): State<Arc<Shared>>,
    call: Call,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let request = SearchRequest::from_json(body)?;
    let limits = shared.limits();
    let query = ListQuery::from_search_request(&request, &limits)?;
    if query.cursor.is_some() {
        return Err(ScimError::invalid_value(
            "cursor paging is offered per resource type (`POST /Users/.search`, `GET /Users?cursor=`), not across \
             every type at `POST /.search`: page this search with `startIndex`",
        ));
    }
    let mut first_error = None;
    let mut searched = Vec::new();
    for entry in &shared.resources {
        match resolve_checked(&shared, entry, &call.principal, &query).await {
            Ok(filter) => searched.push((entry, filter)),
            // A store that cannot be prepared fails the search, as it would fail the list.
            Err(error) if error.status >= 500 => return Err(error),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if searched.is_empty()
        && let Some(error) = first_error
    {
        return Err(error);
    }
    // The page is a window over the concatenation of every type's matches: count each type's
    // matches first, then fetch from each only the part of the window that falls in it.
    let wanted = query.page_size(&limits);
    let mut skip = query.start_index.saturating_sub(1);
    let mut total = 0;
    let mut resources = Vec::new();
    for (entry, filter) in &searched {
        let matches = list_page(&shared, entry, &call, &query, filter, 1, 0, None).await?.total_results;
        total += matches;
        if skip >= matches {
            skip -= matches;
            continue;
        }
        let room = wanted.saturating_sub(resources.len());
        if room > 0 {
            let page = list_page(&shared, entry, &call, &query, filter, skip + 1, room, None).await?;
            for resource in page.resources {
                resources.push(entry.response_text(resource, &call.base_url, &query)?);
            }
        }
        skip = 0;
    }
    Ok(text_response(StatusCode::OK, list_response_text(&resources, total, query.start_index)))
}
