//! Keyset paging (the store side of RFC 9865 cursors): a page starts just after the last
//! resource of the previous one, named by its sort key and `id`, rather than at an offset.
//! Ties on the sort key are broken by `id`, so the order is total and a position stays
//! meaningful while other resources are inserted and deleted: a resource that exists for the
//! whole walk is returned exactly once.
//!
//! The order of a keyset list, shared by every store:
//! - ascending: resources with a sort key by key, then those without (RFC 7644 section
//!   3.4.2.3 puts missing values last when ascending), each group by `id`;
//! - descending: those without a key first, then by key descending, each group by `id`
//!   ascending (ties keep one direction so that the position `(key, id)` is enough);
//! - no `sortBy` (or `sortBy=id`): by `id`.

use std::cmp::Ordering;

use serde_json::Value;

use super::sort::{compare_keys, sort_key, sort_target};
use super::{Scalar, StoreQuery};
use crate::error::ScimResult;
use crate::query::SortOrder;
use crate::schema::{AttrOwner, ResolvedAttr};

/// Where a keyset page starts: just after the resource with this sort key and id.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPosition {
    /// The sort key of the last resource of the previous page (as [`sort_key`] gives it:
    /// lower-cased unless `caseExact`); `None` when it had none, or the list is not sorted.
    pub key: Option<Scalar>,
    /// Its `id`.
    pub id: String,
}

/// Keyset paging of a [`StoreQuery`]: ties by `id` and, from the second page on, the position
/// to start after.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keyset<'q> {
    /// `None` for the first page.
    pub after: Option<&'q KeysetPosition>,
}

/// The attribute a keyset list sorts by: `None` for an unsorted list and for `sortBy=id`,
/// which the tie-break by `id` already orders.
pub fn keyset_sort_attr<'s>(sort_by: Option<ResolvedAttr<'s>>) -> ScimResult<Option<ResolvedAttr<'s>>> {
    let Some(attr) = sort_by else { return Ok(None) };
    let is_id = attr.owner == AttrOwner::Common && attr.attribute.name == "id" && attr.sub_attribute.is_none();
    if is_id { Ok(None) } else { sort_target(attr).map(Some) }
}

/// The position of `record` in a keyset list sorted by `attr` (from [`keyset_sort_attr`]).
pub fn keyset_position(attr: Option<&ResolvedAttr<'_>>, record: &Value) -> Option<KeysetPosition> {
    let id = record.get("id")?.as_str()?.to_owned();
    Some(KeysetPosition { key: attr.and_then(|attr| sort_key(attr, record)), id })
}

/// Compare two positions in the keyset order described in the module docs.
pub fn compare_positions(a: &KeysetPosition, b: &KeysetPosition, order: SortOrder) -> Ordering {
    let by_key = compare_keys(a.key.as_ref(), b.key.as_ref());
    let by_key = if order == SortOrder::Descending { by_key.reverse() } else { by_key };
    by_key.then_with(|| a.id.cmp(&b.id))
}

/// Order, filter-matched `records` for `query` and cut its page, for stores that hold the
/// matches in memory ([`super::MemoryStore`], typed backends answering in memory): by offset
/// (`startIndex`, ties in the order given, which is creation order) or, with
/// [`StoreQuery::keyset`], after the keyset position. Returns the number of matches and the
/// page.
pub(crate) fn page_in_memory<T>(
    mut records: Vec<T>,
    record: impl Fn(&T) -> &Value,
    query: &StoreQuery<'_>,
) -> ScimResult<(usize, Vec<T>)> {
    let total = records.len();
    let count = query.count.unwrap_or(usize::MAX);
    if let Some(keyset) = query.keyset {
        let attr = keyset_sort_attr(query.sort_by)?;
        let mut keyed: Vec<(KeysetPosition, T)> = records
            .into_iter()
            .filter_map(|r| keyset_position(attr.as_ref(), record(&r)).map(|position| (position, r)))
            .collect();
        if let Some(after) = keyset.after {
            keyed.retain(|(position, _)| compare_positions(position, after, query.sort_order) == Ordering::Greater);
        }
        keyed.sort_by(|(a, _), (b, _)| compare_positions(a, b, query.sort_order));
        return Ok((total, keyed.into_iter().take(count).map(|(_, r)| r).collect()));
    }
    if let Some(attr) = query.sort_by.map(sort_target).transpose()? {
        // A stable sort keeps creation order among equal keys, in both directions.
        records.sort_by(|a, b| {
            let order = compare_keys(sort_key(&attr, record(a)).as_ref(), sort_key(&attr, record(b)).as_ref());
            if query.sort_order == SortOrder::Descending { order.reverse() } else { order }
        });
    }
    Ok((total, records.into_iter().skip(query.offset()).take(count).collect()))
}
