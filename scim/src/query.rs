//! List and search query parameters (RFC 7644 sections 3.4.2 and 3.4.3): what `GET /Users?...`
//! and `POST /Users/.search` ask for, parsed and normalised into a [`ListQuery`].
//!
//! Rules, and why:
//!
//! - `startIndex` is 1-based; a value below 1 is taken as 1 (RFC 7644 section 3.4.2.4: "A value
//!   less than 1 SHALL be interpreted as 1").
//! - `count`: a negative value is taken as 0 (same section: "A negative value SHALL be
//!   interpreted as 0"); 0 asks for `totalResults` only. A value above
//!   [`QueryLimits::max_count`] is lowered to it: the RFC lets a service provider return fewer
//!   results than asked ("the service provider MAY return fewer"), and the limit is what
//!   `/ServiceProviderConfig` advertises as `filter.maxResults`. No `count` leaves
//!   [`ListQuery::count`] `None`; [`ListQuery::page_size`] then gives the maximum.
//! - A `startIndex` or `count` that is not an integer is `400 invalidValue`.
//! - `sortOrder` is `ascending` (the default when absent, section 3.4.2.3) or `descending`,
//!   in any case; anything else is `400 invalidValue`.
//! - Query parameter names are matched case-insensitively. RFC 7644 spells them in camelCase
//!   and does not say they are case-insensitive, but attribute names are (RFC 7643 section
//!   2.1) and accepting `startindex` costs nothing. Parameters this module does not know are
//!   left to the caller (they are not an error here); a known parameter given twice is
//!   `400 invalidValue`, since which one was meant is unknowable.
//! - An empty `filter` (`?filter=`) means no filter.
//! - `cursor` (RFC 9865) pages by cursor: empty for the first page, then the previous
//!   response's `nextCursor`; with `startIndex` as well it is `400 invalidValue`.
//! - `attributes` and `excludedAttributes` are comma-separated lists of attribute paths
//!   (section 3.4.2.5), whitespace around each trimmed and empty items skipped; each must parse
//!   as an attribute path (`400 invalidPath`). Both may be given: RFC 7644 defines
//!   `attributes` as replacing the default set and `excludedAttributes` as removing from it,
//!   and does not forbid the combination, so [`crate::projection::project`] applies both
//!   (`returned: always` attributes survive either).
//! - Paths are parsed here but resolved against a schema later (by the filter resolver and
//!   [`crate::projection`]), since the query does not know its resource type.

use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, Filter, FilterLimits, parse_attr_path, parse_filter_with_limits};
use crate::message::SearchRequest;

/// The page size used when the service provider does not configure one.
pub const DEFAULT_MAX_COUNT: usize = 1000;

/// What the service provider allows in one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// The most resources one page returns (`filter.maxResults` in `/ServiceProviderConfig`).
    pub max_count: usize,
    /// Bounds on the filter.
    pub filter: FilterLimits,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits { max_count: DEFAULT_MAX_COUNT, filter: FilterLimits::default() }
    }
}

/// The direction of a sort (RFC 7644 section 3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Smallest first; the default.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

impl SortOrder {
    /// Parse `ascending` or `descending`, in any case.
    pub fn parse(text: &str) -> ScimResult<Self> {
        if text.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(ScimError::invalid_value(format!(
                "`sortOrder` must be `ascending` or `descending`, found {text:?} (RFC 7644 section 3.4.2.3)"
            )))
        }
    }
}

/// A normalised list query: filter, sort, page and projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// The filter, if any.
    pub filter: Option<Filter>,
    /// The 1-based index of the first result; at least 1.
    pub start_index: usize,
    /// The page size asked for, at most [`QueryLimits::max_count`]; `None` when not given.
    pub count: Option<usize>,
    /// The attribute to sort by.
    pub sort_by: Option<AttrPath>,
    /// The sort direction.
    pub sort_order: SortOrder,
    /// The attributes to return (`attributes`); empty means the default set.
    pub attributes: Vec<AttrPath>,
    /// The attributes not to return (`excludedAttributes`).
    pub excluded_attributes: Vec<AttrPath>,
    /// RFC 9865 cursor paging: `Some("")` asks for the first page of a cursor walk, `Some`
    /// of a `nextCursor` for the page after it (checked by [`crate::cursor::decode_cursor`]);
    /// `None` pages by `startIndex`.
    pub cursor: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filter: None,
            start_index: 1,
            count: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
            cursor: None,
        }
    }
}

/// The query parameters this module reads, in their RFC spelling.
const PARAMETERS: [&str; 8] =
    ["filter", "startIndex", "count", "sortBy", "sortOrder", "attributes", "excludedAttributes", "cursor"];

impl ListQuery {
    /// Build a query from URL query parameters, already split and percent-decoded, as
    /// `(name, value)` pairs. Parameters other than the RFC's are ignored.
    pub fn from_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)], limits: &QueryLimits) -> ScimResult<Self> {
        Self::from_pairs(params.iter().map(|(key, value)| (key.as_ref(), value.as_ref())), limits)
    }

    /// [`ListQuery::from_params`] over pairs as an iterator yields them, such as
    /// a request's query string's, which borrow from it where they can.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
        limits: &QueryLimits,
    ) -> ScimResult<Self> {
        let mut seen = [false; PARAMETERS.len()];
        let mut query = ListQuery::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let Some(index) = PARAMETERS.iter().position(|p| p.eq_ignore_ascii_case(key)) else { continue };
            let name = PARAMETERS[index];
            if std::mem::replace(&mut seen[index], true) {
                return Err(ScimError::invalid_value(format!("query parameter `{name}` is given more than once")));
            }
            match name {
                "filter" => query.filter = parse_optional_filter(value, limits)?,
                "startIndex" => query.start_index = start_index(parse_integer(name, value)?),
                "count" => query.count = Some(count(parse_integer(name, value)?, limits)),
                "sortBy" => query.sort_by = parse_sort_by(value)?,
                "sortOrder" => query.sort_order = SortOrder::parse(value.trim())?,
                "attributes" => query.attributes = parse_path_list(name, value.split(','))?,
                "cursor" => query.cursor = Some(value.trim().to_owned()),
                _ => query.excluded_attributes = parse_path_list(name, value.split(','))?,
            }
        }
        check_one_paging(seen[1], query.cursor.is_some())?;
        Ok(query)
    }

    /// Build a query from a SearchRequest body (RFC 7644 section 3.4.3), with the same rules as
    /// [`ListQuery::from_params`]. Each element of `attributes` / `excludedAttributes` is one
    /// path.
    pub fn from_search_request(request: &SearchRequest, limits: &QueryLimits) -> ScimResult<Self> {
        let filter = match &request.filter {
            Some(text) => parse_optional_filter(text, limits)?,
            None => None,
        };
        let sort_by = match &request.sort_by {
            Some(text) => parse_sort_by(text)?,
            None => None,
        };
        check_one_paging(request.start_index.is_some(), request.cursor.is_some())?;
        Ok(ListQuery {
            cursor: request.cursor.as_deref().map(|cursor| cursor.trim().to_owned()),
            filter,
            start_index: request.start_index.map_or(1, start_index),
            count: request.count.map(|n| count(n, limits)),
            sort_by,
            sort_order: request
                .sort_order
                .as_deref()
                .map(|s| SortOrder::parse(s.trim()))
                .transpose()?
                .unwrap_or_default(),
            attributes: parse_path_list("attributes", request.attributes.iter().map(String::as_str))?,
            excluded_attributes: parse_path_list(
                "excludedAttributes",
                request.excluded_attributes.iter().map(String::as_str),
            )?,
        })
    }

    /// The number of resources to return in this page: `count`, or the maximum when the
    /// client did not ask (RFC 7644 section 3.4.2.4).
    pub fn page_size(&self, limits: &QueryLimits) -> usize {
        self.count.unwrap_or(limits.max_count).min(limits.max_count)
    }

    /// The 0-based range of results this page covers, out of `total` matches, for a service
    /// provider that holds all matches in order.
    pub fn page_range(&self, total: usize, limits: &QueryLimits) -> std::ops::Range<usize> {
        let start = (self.start_index - 1).min(total);
        let end = start.saturating_add(self.page_size(limits)).min(total);
        start..end
    }
}

/// `400 invalidValue` when a request pages both by index and by cursor: the two name the page
/// differently, and which one was meant is unknowable (RFC 9865 lets a service provider refuse).
fn check_one_paging(start_index: bool, cursor: bool) -> ScimResult<()> {
    if start_index && cursor {
        return Err(ScimError::invalid_value(
            "`startIndex` and `cursor` cannot be used together: page by index or by cursor (RFC 9865)",
        ));
    }
    Ok(())
}

/// A blank filter is no filter, but only within the length limit: a blank text over it is refused
/// like any other over-long filter (the OpenAPI description states the limit as `maxLength`).
fn parse_optional_filter(text: &str, limits: &QueryLimits) -> ScimResult<Option<Filter>> {
    if text.trim().is_empty() && text.len() <= limits.filter.max_length {
        Ok(None)
    } else {
        parse_filter_with_limits(text, &limits.filter).map(Some)
    }
}

fn parse_sort_by(text: &str) -> ScimResult<Option<AttrPath>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_attr_path(text).map(Some).map_err(|e| e.context("sortBy"))
}

fn parse_integer(name: &str, value: &str) -> ScimResult<i64> {
    let value = value.trim();
    value.parse::<i64>().or_else(|_| {
        // Beyond i64 is still an integer: saturate rather than call it malformed.
        let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(if value.starts_with('-') { i64::MIN } else { i64::MAX })
        } else {
            Err(ScimError::invalid_value(format!("`{name}` must be an integer, found {value:?}")))
        }
    })
}

fn start_index(value: i64) -> usize {
    usize::try_from(value.max(1)).unwrap_or(usize::MAX)
}

fn count(value: i64, limits: &QueryLimits) -> usize {
    usize::try_from(value.max(0)).unwrap_or(usize::MAX).min(limits.max_count)
}

fn parse_path_list<'a>(name: &str, items: impl Iterator<Item = &'a str>) -> ScimResult<Vec<AttrPath>> {
    items
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| parse_attr_path(item).map_err(|e| e.context(name)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ScimType;

    fn query(params: &[(&str, &str)]) -> ScimResult<ListQuery> {
        ListQuery::from_params(params, &QueryLimits { max_count: 100, ..QueryLimits::default() })
    }

    #[test]
    fn no_parameters_is_the_default_query() {
        assert_eq!(query(&[]).unwrap(), ListQuery::default());
    }

    #[test]
    fn start_index_and_count_follow_rfc_7644_section_3_4_2_4() {
        let cases = [
            (("1", "10"), (1, Some(10))),
            (("0", "10"), (1, Some(10))),
            (("-5", "-1"), (1, Some(0))),
            (("3", "0"), (3, Some(0))),
            ((" 7 ", "100"), (7, Some(100))),
            (("1", "101"), (1, Some(100))),
            (("99999999999999999999999", "99999999999999999999999"), (i64::MAX as usize, Some(100))),
            (("-99999999999999999999999", "-99999999999999999999999"), (1, Some(0))),
        ];
        for ((start, count), (start_index, expected_count)) in cases {
            let q = query(&[("startIndex", start), ("count", count)]).unwrap();
            assert_eq!((q.start_index, q.count), (start_index, expected_count), "{start} {count}");
        }
    }

    #[test]
    fn non_integer_paging_is_invalid_value() {
        for (name, value) in
            [("startIndex", "one"), ("count", "1.5"), ("count", ""), ("count", "-"), ("startIndex", "0x10")]
        {
            let error = query(&[(name, value)]).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidValue), "{name}={value}");
            assert!(error.detail.contains(name), "{}", error.detail);
        }
    }

    #[test]
    fn parameter_names_are_case_insensitive_and_unknown_ones_ignored() {
        let q = query(&[("STARTINDEX", "2"), ("Count", "5"), ("sortorder", "DESCENDING"), ("tenant", "x")]).unwrap();
        assert_eq!((q.start_index, q.count, q.sort_order), (2, Some(5), SortOrder::Descending));
    }

    #[test]
    fn a_blank_filter_is_no_filter_within_the_length_limit_only() {
        let limits = QueryLimits {
            filter: crate::filter::FilterLimits { max_length: 8, ..Default::default() },
            ..QueryLimits::default()
        };
        let blank = ListQuery::from_params(&[("filter", "   ")], &limits).unwrap();
        assert_eq!(blank.filter, None);
        // Found by schemathesis: nine spaces passed as "no filter" although the description says
        // `maxLength: 8`, widening the result to every resource.
        let error = ListQuery::from_params(&[("filter", "         ")], &limits).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{}", error.detail);
        assert!(error.detail.contains("limit is 8 bytes"), "{}", error.detail);
    }

    #[test]
    fn repeated_parameter_is_rejected() {
        let error = query(&[("count", "1"), ("COUNT", "2")]).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn sort_order_values() {
        for (text, expected) in [("ascending", SortOrder::Ascending), ("Descending", SortOrder::Descending)] {
            assert_eq!(query(&[("sortOrder", text)]).unwrap().sort_order, expected);
        }
        assert_eq!(query(&[("sortOrder", "up")]).unwrap_err().scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn page_size_and_range() {
        let limits = QueryLimits { max_count: 10, ..QueryLimits::default() };
        let cases = [
            (1, None, 25, 0..10),
            (21, None, 25, 20..25),
            (5, Some(3), 25, 4..7),
            (30, Some(3), 25, 25..25),
            (1, Some(0), 25, 0..0),
        ];
        for (start_index, count, total, range) in cases {
            let q = ListQuery { start_index, count, ..ListQuery::default() };
            assert_eq!(q.page_range(total, &limits), range, "{start_index} {count:?}");
        }
    }
}
