//! The protocol messages of RFC 7644 that are not resources: `ListResponse` (section 3.4.2),
//! `SearchRequest` (section 3.4.3) and the URNs of every message.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};

/// `ListResponse` (RFC 7644 section 3.4.2).
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// `SearchRequest` (RFC 7644 section 3.4.3).
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// `PatchOp` (RFC 7644 section 3.5.2).
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// `BulkRequest` (RFC 7644 section 3.7).
pub const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// `BulkResponse` (RFC 7644 section 3.7).
pub const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// `Error` (RFC 7644 section 3.12).
pub use crate::error::ERROR_URN;

/// A page of query results (RFC 7644 section 3.4.2):
/// `{"schemas": [...ListResponse], "totalResults": n, "startIndex": i, "itemsPerPage": k, "Resources": [...]}`.
///
/// `Resources` is always written, empty when there are no results: RFC 7644 requires it only
/// when `totalResults` is not zero, but clients (Entra ID among them) read it unconditionally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Always `[ListResponse URN]`.
    pub schemas: Vec<String>,
    /// The number of results the query matched, across all pages.
    pub total_results: usize,
    /// The 1-based index of the first result in this page (index paging; a cursor page has
    /// none, and reads as 1).
    #[serde(default = "first_index")]
    pub start_index: usize,
    /// The number of results in this page.
    pub items_per_page: usize,
    /// The results in this page. The capital `R` is the RFC's spelling.
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
    /// The cursor of the next page (RFC 9865), on a cursor page that is not the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

fn first_index() -> usize {
    1
}

impl<T> ListResponse<T> {
    /// A page: `resources` from the 1-based `start_index`, out of `total_results` matches.
    pub fn new(resources: Vec<T>, total_results: usize, start_index: usize) -> Self {
        ListResponse {
            schemas: vec![LIST_RESPONSE_URN.to_owned()],
            total_results,
            start_index,
            items_per_page: resources.len(),
            resources,
            next_cursor: None,
        }
    }
}

/// The JSON text of [`ListResponse::new`]`(resources, total_results, start_index)` whose
/// resources are already JSON texts (each one JSON value).
pub fn list_response_text(resources: &[String], total_results: usize, start_index: usize) -> String {
    let mut list =
        ListText::new(total_results, resources.len(), Some(start_index), resources.iter().map(String::len).sum());
    for resource in resources {
        list.next_resource().push_str(resource);
    }
    list.finish(None)
}

/// A ListResponse's text, written as its resources come: what a list answers without parsing
/// resources it can serve as stored ([`crate::plain`]), each written straight into the list
/// rather than into a text of its own first.
#[derive(Debug)]
pub struct ListText {
    out: String,
    /// Whether no resource has been written yet (the next needs no comma before it).
    empty: bool,
}

impl ListText {
    /// The text up to the first resource: `startIndex` when given (an index page; a cursor page
    /// has none), `capacity` about the length of the resources.
    pub fn new(total_results: usize, items_per_page: usize, start_index: Option<usize>, capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity + items_per_page + 160);
        out.push_str("{\"schemas\":[\"");
        out.push_str(LIST_RESPONSE_URN);
        out.push_str("\"],\"totalResults\":");
        push_number(&mut out, total_results);
        if let Some(start_index) = start_index {
            out.push_str(",\"startIndex\":");
            push_number(&mut out, start_index);
        }
        out.push_str(",\"itemsPerPage\":");
        push_number(&mut out, items_per_page);
        out.push_str(",\"Resources\":[");
        ListText { out, empty: true }
    }

    /// Where to push the next resource's text (exactly one JSON value).
    pub fn next_resource(&mut self) -> &mut String {
        if !std::mem::replace(&mut self.empty, false) {
            self.out.push(',');
        }
        &mut self.out
    }

    /// The whole text, with `nextCursor` when given.
    pub fn finish(mut self, next_cursor: Option<&str>) -> String {
        self.out.push(']');
        if let Some(cursor) = next_cursor {
            self.out.push_str(",\"nextCursor\":");
            crate::plain::push_json_string(&mut self.out, cursor);
        }
        self.out.push('}');
        self.out
    }
}

/// `number` in decimal pushed onto `out` (what `write!` does, without the formatting machinery,
/// which cost a lookup more than the rest of its list's text).
pub(crate) fn push_number(out: &mut String, mut number: usize) {
    let mut digits = [0_u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // A digit: `number % 10` is below 10.
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

/// The body of `POST .search` (RFC 7644 section 3.4.3). Values are kept as sent; turning them
/// into a query (and checking them) is [`crate::query::ListQuery::from_search_request`]'s job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    /// Must contain the SearchRequest URN.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Attributes to return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// Attributes not to return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_attributes: Vec<String>,
    /// The filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The attribute to sort by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<String>,
    /// `ascending` or `descending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<String>,
    /// The 1-based index of the first result (signed: the RFC clamps values below 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<i64>,
    /// The page size (signed: the RFC treats negative values as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// The RFC 9865 cursor: empty for the first page of a cursor walk, then a `nextCursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl SearchRequest {
    /// The member names, in their RFC spelling, which [`SearchRequest::from_json`] matches
    /// case-insensitively.
    const MEMBERS: [&'static str; 9] = [
        "schemas",
        "attributes",
        "excludedAttributes",
        "filter",
        "sortBy",
        "sortOrder",
        "startIndex",
        "count",
        "cursor",
    ];

    /// Read a SearchRequest body. Member names are matched case-insensitively (attribute names
    /// in SCIM are, RFC 7643 section 2.1, and clients vary); unknown members and a `schemas`
    /// without the SearchRequest URN are `400 invalidSyntax`; members of the wrong JSON type
    /// are `400 invalidValue`. `attributes` and `excludedAttributes` may also be given as one
    /// comma-separated string, as in a query parameter.
    pub fn from_json(body: Value) -> ScimResult<Self> {
        let Value::Object(object) = body else {
            return Err(ScimError::invalid_syntax("a SearchRequest must be a JSON object"));
        };
        let mut canonical = Map::with_capacity(object.len());
        for (key, value) in object {
            let name = Self::MEMBERS.iter().find(|m| m.eq_ignore_ascii_case(&key)).ok_or_else(|| {
                ScimError::invalid_syntax(format!(
                    "`{key}` is not a SearchRequest member (RFC 7644 section 3.4.3){}",
                    crate::schema::suggestion(&key, Self::MEMBERS)
                ))
            })?;
            if canonical.contains_key(*name) {
                return Err(ScimError::invalid_syntax(format!("SearchRequest member `{name}` is given twice")));
            }
            let value = match (*name, value) {
                ("attributes" | "excludedAttributes", Value::String(list)) => {
                    Value::Array(list.split(',').map(|s| Value::String(s.trim().to_owned())).collect())
                }
                (_, value) => value,
            };
            if !value.is_null() {
                canonical.insert((*name).to_owned(), value);
            }
        }
        let request: SearchRequest = serde_json::from_value(Value::Object(canonical))
            .map_err(|e| ScimError::invalid_value(format!("invalid SearchRequest: {e}")))?;
        if !request.schemas.iter().any(|s| s.eq_ignore_ascii_case(SEARCH_REQUEST_URN)) {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest's `schemas` must contain {SEARCH_REQUEST_URN} (RFC 7644 section 3.4.3)"
            )));
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ScimType;

    #[test]
    fn list_response_text_is_the_list_response_of_the_same_resources() {
        let resources = [json!({"id": "a", "meta": {"version": "W/\"1\""}}), json!({"id": "b\"c"})];
        for count in 0..=resources.len() {
            let values = resources[..count].to_vec();
            let texts: Vec<String> = values.iter().map(Value::to_string).collect();
            let expected = serde_json::to_string(&ListResponse::new(values, 7, 3)).unwrap();
            assert_eq!(list_response_text(&texts, 7, 3), expected, "{count} resources");
        }
    }

    #[test]
    fn numbers_are_pushed_in_decimal() {
        for number in [0, 7, 10, 1_234_567, usize::MAX] {
            let mut out = String::from("n=");
            push_number(&mut out, number);
            assert_eq!(out, format!("n={number}"));
        }
    }

    #[test]
    fn a_cursor_page_text_has_no_start_index_and_its_next_cursor_last() {
        let mut list = ListText::new(9, 1, None, 0);
        list.next_resource().push_str(r#"{"id":"a"}"#);
        let text = list.finish(Some("c\"1"));
        let expected = json!({
            "schemas": [LIST_RESPONSE_URN],
            "totalResults": 9,
            "itemsPerPage": 1,
            "Resources": [{"id": "a"}],
            "nextCursor": "c\"1",
        });
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        assert!(text.ends_with(r#"}],"nextCursor":"c\"1"}"#), "{text}");
        assert_eq!(
            serde_json::from_str::<Value>(&ListText::new(0, 0, None, 0).finish(None)).unwrap()["Resources"],
            json!([])
        );
    }

    #[test]
    fn list_response_serialises_as_rfc_7644_section_3_4_2() {
        let page = ListResponse::new(vec![json!({"id": "2819c223-7f76-453a-919d-413861904646"})], 2, 1);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 2,
                "startIndex": 1,
                "itemsPerPage": 1,
                "Resources": [{"id": "2819c223-7f76-453a-919d-413861904646"}]
            })
            .to_string()
        );
        let back: ListResponse<Value> = serde_json::from_value(serde_json::to_value(&page).unwrap()).unwrap();
        assert_eq!(back, page);
    }

    #[test]
    fn empty_list_response_still_has_resources() {
        let page = ListResponse::<Value>::new(Vec::new(), 0, 1);
        assert_eq!(serde_json::to_value(&page).unwrap()["Resources"], json!([]));
        assert_eq!(page.items_per_page, 0);
    }

    #[test]
    fn reads_the_rfc_7644_section_3_4_3_example() {
        let request = SearchRequest::from_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "attributes": ["displayName", "userName"],
            "filter": "displayName sw \"smith\"",
            "startIndex": 1,
            "count": 10
        }))
        .unwrap();
        assert_eq!(request.attributes, ["displayName", "userName"]);
        assert_eq!(request.filter.as_deref(), Some("displayName sw \"smith\""));
        assert_eq!(request.start_index, Some(1));
        assert_eq!(request.count, Some(10));
        assert_eq!(request.sort_by, None);
    }

    #[test]
    fn member_names_are_case_insensitive_and_lists_may_be_strings() {
        let request = SearchRequest::from_json(json!({
            "Schemas": ["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:SEARCHREQUEST"],
            "ExcludedAttributes": "emails, name.givenName",
            "SORTBY": "userName",
            "sortorder": "descending",
            "count": -3
        }))
        .unwrap();
        assert_eq!(request.excluded_attributes, ["emails", "name.givenName"]);
        assert_eq!(request.sort_by.as_deref(), Some("userName"));
        assert_eq!(request.sort_order.as_deref(), Some("descending"));
        assert_eq!(request.count, Some(-3));
    }

    #[test]
    fn rejects_malformed_search_requests() {
        let urn = SEARCH_REQUEST_URN;
        let cases = [
            (json!([]), ScimType::InvalidSyntax),
            (json!({"filter": "userName eq \"a\""}), ScimType::InvalidSyntax),
            (json!({"schemas": [LIST_RESPONSE_URN]}), ScimType::InvalidSyntax),
            (json!({"schemas": [urn], "filtr": "x"}), ScimType::InvalidSyntax),
            (json!({"schemas": [urn], "count": "ten"}), ScimType::InvalidValue),
            (json!({"schemas": [urn], "startIndex": 1.5}), ScimType::InvalidValue),
            (json!({"schemas": [urn], "attributes": [1]}), ScimType::InvalidValue),
            (json!({"schemas": [urn], "count": 1, "Count": 2}), ScimType::InvalidSyntax),
        ];
        for (body, scim_type) in cases {
            let error = SearchRequest::from_json(body.clone()).unwrap_err();
            assert_eq!(error.scim_type, Some(scim_type), "{body}: {error}");
        }
    }

    #[test]
    fn unknown_member_gets_a_suggestion() {
        let error = SearchRequest::from_json(json!({"schemas": [SEARCH_REQUEST_URN], "filtr": "x"})).unwrap_err();
        assert!(error.detail.contains("did you mean `filter`"), "{}", error.detail);
    }
}
