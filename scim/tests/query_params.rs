//! List queries from URL parameters and SearchRequest bodies (RFC 7644 sections 3.4.2, 3.4.3).

use scim::ScimType;
use scim::filter::{AttrPath, parse_filter};
use scim::message::SearchRequest;
use scim::query::{ListQuery, QueryLimits, SortOrder};
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn from_params(params: &[(&str, &str)]) -> scim::ScimResult<ListQuery> {
    ListQuery::from_params(params, &QueryLimits::default())
}

#[test]
fn rfc_7644_section_3_4_2_examples() {
    // GET /Users?filter=userName eq "bjensen" (section 3.4.2.2) and
    // GET /Users?startIndex=1&count=10 (section 3.4.2.4).
    let q = from_params(&[("filter", "userName Eq \"bjensen\""), ("startIndex", "1"), ("count", "10")]).unwrap();
    assert_eq!(q.filter, Some(parse_filter("userName eq \"bjensen\"").unwrap()));
    assert_eq!((q.start_index, q.count), (1, Some(10)));
    // GET /Users?attributes=userName (section 3.4.2.5) and sortBy (section 3.4.2.3).
    let q = from_params(&[("attributes", "userName"), ("sortBy", "name.familyName")]).unwrap();
    assert_eq!(q.attributes, [AttrPath::simple("userName")]);
    assert_eq!(q.sort_by, Some(AttrPath::sub("name", "familyName")));
    assert_eq!(q.sort_order, SortOrder::Ascending);
}

#[test]
fn attribute_lists_are_comma_separated_and_trimmed() {
    let q = from_params(&[
        ("attributes", " emails.value , urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,,"),
        ("excludedAttributes", "groups"),
    ])
    .unwrap();
    assert_eq!(q.attributes.len(), 2);
    assert_eq!(q.attributes[0], AttrPath::sub("emails", "value"));
    assert_eq!(q.attributes[1].urn.as_deref(), Some(ENTERPRISE));
    assert_eq!(q.attributes[1].name, "department");
    assert_eq!(q.excluded_attributes, [AttrPath::simple("groups")]);
}

#[test]
fn empty_filter_means_none() {
    assert_eq!(from_params(&[("filter", "  ")]).unwrap().filter, None);
}

#[test]
fn malformed_filter_and_paths_are_rejected() {
    let cases = [
        (("filter", "userName eq"), ScimType::InvalidFilter),
        (("filter", "userName bogus \"x\""), ScimType::InvalidFilter),
        (("attributes", "emails[type eq \"work\"]"), ScimType::InvalidPath),
        (("excludedAttributes", "name..givenName"), ScimType::InvalidPath),
        (("sortBy", "emails[type eq \"work\"].value"), ScimType::InvalidPath),
    ];
    for ((name, value), scim_type) in cases {
        let error = from_params(&[(name, value)]).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{name}={value}: {error}");
    }
}

#[test]
fn filter_limits_apply() {
    let limits = QueryLimits {
        filter: scim::filter::FilterLimits { max_length: 10, ..Default::default() },
        ..QueryLimits::default()
    };
    let error = ListQuery::from_params(&[("filter", "userName eq \"a long name\"")], &limits).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
}

#[test]
fn search_request_gives_the_same_query_as_parameters() {
    // RFC 7644 section 3.4.3's example.
    let request = SearchRequest::from_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["displayName", "userName"],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    }))
    .unwrap();
    let from_body = ListQuery::from_search_request(&request, &QueryLimits::default()).unwrap();
    let from_url = from_params(&[
        ("attributes", "displayName,userName"),
        ("filter", "displayName sw \"smith\""),
        ("startIndex", "1"),
        ("count", "10"),
    ])
    .unwrap();
    assert_eq!(from_body, from_url);
}

#[test]
fn search_request_paging_and_sorting_are_normalised() {
    let request = SearchRequest {
        schemas: vec![scim::message::SEARCH_REQUEST_URN.into()],
        start_index: Some(-4),
        count: Some(5000),
        sort_by: Some("meta.lastModified".into()),
        sort_order: Some("DESCENDING".into()),
        excluded_attributes: vec![ENTERPRISE.into()],
        ..SearchRequest::default()
    };
    let limits = QueryLimits { max_count: 200, ..QueryLimits::default() };
    let q = ListQuery::from_search_request(&request, &limits).unwrap();
    assert_eq!((q.start_index, q.count, q.sort_order), (1, Some(200), SortOrder::Descending));
    assert_eq!(q.sort_by, Some(AttrPath::sub("meta", "lastModified")));
    assert_eq!(q.excluded_attributes.len(), 1);
    let bad = SearchRequest { sort_order: Some("sideways".into()), ..request };
    assert_eq!(ListQuery::from_search_request(&bad, &limits).unwrap_err().scim_type, Some(ScimType::InvalidValue));
}
