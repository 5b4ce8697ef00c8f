//! Filter support of typed resources: the table built from field flags and defaults, and
//! `FilterSupport::check` on resolved filters (RFC 7644 section 3.4.2.2; unsupported filters are
//! `400 invalidFilter`).

mod typed_common;

use scim::ScimType;
use scim::filter::{CompareOp, parse_filter, resolve_filter};
use scim::schema::AttributeType;
use scim::typed::ScimResource;
use typed_common::{Account, FullUser, Team};

fn check<T: ScimResource>(filter: &str) -> Result<(), String> {
    let descriptor = T::descriptor();
    let parsed = parse_filter(filter).unwrap();
    let resolved = resolve_filter(&parsed, descriptor.resource_schema()).unwrap();
    descriptor.filter_support().check(&resolved).map_err(|error| {
        assert_eq!(error.status, 400);
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
        error.detail
    })
}

const ACCOUNT_SUPPORTED: &str = "User can be filtered on id (eq), userName (eq), emails[type eq \"work\"].value (eq), \
     urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department (eq, sw), \
     urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value (eq)";

#[test]
fn account_table_follows_defaults_and_flags() {
    let table: Vec<(&str, Vec<CompareOp>, AttributeType, bool)> = Account::descriptor()
        .filter_support()
        .attributes()
        .iter()
        .map(|a| (a.path.as_str(), a.operators.clone(), a.kind, a.case_exact))
        .collect();
    assert_eq!(
        table,
        [
            ("id", vec![CompareOp::Eq], AttributeType::String, true),
            ("userName", vec![CompareOp::Eq], AttributeType::String, false),
            ("emails[type eq \"work\"].value", vec![CompareOp::Eq], AttributeType::String, false),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                vec![CompareOp::Eq, CompareOp::Sw],
                AttributeType::String,
                false
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                vec![CompareOp::Eq],
                AttributeType::String,
                false
            ),
        ]
    );
    // `name.givenName` and `active` are mapped but not filterable by default.
    assert!(Account::descriptor().filter_support().attribute("active").is_none());
}

#[test]
fn supported_filters_pass() {
    let allowed = [
        "userName eq \"bjensen\"",
        "USERNAME Eq \"bjensen\"",
        "id eq \"a1\" and userName eq \"b\"",
        "userName eq \"a\" or not (id eq \"b\")",
        "emails[type eq \"work\"].value eq \"b@example.com\"",
        "emails[TYPE eq \"Work\"].value eq \"b@example.com\"",
        "emails[type eq \"work\" and value eq \"b@example.com\"]",
        "emails[value eq \"b@example.com\" and type eq \"work\"]",
        // The work address is the only email a mapped Account has.
        "emails.value eq \"b@example.com\"",
        "emails eq \"b@example.com\"",
        "emails[value eq \"b@example.com\"]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw \"Tour\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m1\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq \"m1\"",
    ];
    for filter in allowed {
        assert_eq!(check::<Account>(filter), Ok(()), "{filter}");
    }
}

#[test]
fn wrong_operator_is_rejected_with_what_is_supported() {
    assert_eq!(
        check::<Account>("userName sw \"b\""),
        Err(format!(
            "filter: operator `sw` is not supported on `userName` (supported: userName (eq)); {ACCOUNT_SUPPORTED}"
        ))
    );
    assert_eq!(
        check::<Account>("userName pr"),
        Err(format!(
            "filter: operator `pr` is not supported on `userName` (supported: userName (eq)); {ACCOUNT_SUPPORTED}"
        ))
    );
    assert_eq!(
        check::<Account>("emails co \"example.com\""),
        Err(format!(
            "filter: operator `co` is not supported on `emails.value` (supported: emails[type eq \"work\"].value (eq)); \
             {ACCOUNT_SUPPORTED}"
        ))
    );
}

#[test]
fn unfilterable_attributes_are_rejected() {
    let cases = [
        ("name.givenName eq \"Barbara\"", "name.givenName"),
        ("active eq true", "active"),
        ("externalId eq \"x\"", "externalId"),
        ("meta.lastModified gt \"2011-05-13T04:42:34Z\"", "meta.lastModified"),
        ("userName eq \"a\" and active eq true", "active"),
        ("not (active eq false)", "active"),
        // The selector names a `type` no mapped field has; nothing to test it against.
        ("emails[type eq \"home\"].value eq \"x\"", "emails.type"),
        ("emails[type eq \"work\" or value eq \"x\"]", "emails.type"),
    ];
    for (filter, attribute) in cases {
        assert_eq!(
            check::<Account>(filter),
            Err(format!("filter: `{attribute}` is not filterable; {ACCOUNT_SUPPORTED}")),
            "{filter}"
        );
    }
}

#[test]
fn full_user_flags_and_selectors() {
    let allowed = [
        "name.familyName sw \"Jen\"",
        "name.familyName co \"ens\" and name.familyName pr",
        "displayName eq \"Babs Jensen\"",
        "active eq \"True\"",
        "meta.created gt \"2011-01-01T00:00:00Z\" and meta.created le \"2012-01-01T00:00:00Z\"",
        "meta.lastModified ge \"2011-01-01T00:00:00Z\"",
        "addresses[type eq \"work\"].locality co \"Holly\"",
        "addresses[type eq \"work\" and locality eq \"Hollywood\"]",
        "emails[type eq \"work\" and primary eq true]",
        "emails[type eq \"work\"].primary eq true",
        "emails[type eq \"work\"].value eq \"b@example.com\"",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department ne \"x\"",
        // The whole `manager` is mapped: its significant `value` is filterable by default.
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m1\"",
        "externalId eq \"701984\"",
    ];
    for filter in allowed {
        assert_eq!(check::<FullUser>(filter), Ok(()), "{filter}");
    }
    let rejected = [
        ("meta.lastModified lt \"2011-01-01T00:00:00Z\"", "operator `lt` is not supported on `meta.lastModified`"),
        ("addresses[type eq \"work\"].region eq \"CA\"", "`addresses[type eq \"work\"].region` is not filterable"),
        (
            "addresses[type eq \"work\"].locality sw \"H\"",
            "operator `sw` is not supported on `addresses[type eq \"work\"].locality` (supported: addresses[type eq \"work\"].locality (eq, co))",
        ),
        ("addresses[type eq \"home\"].locality eq \"x\"", "`addresses.type` is not filterable"),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName eq \"John\"",
            "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName` is not filterable",
        ),
        ("groups.value eq \"g\"", "`groups.value` is not filterable"),
        ("x509Certificates.value eq \"AAEC\"", "`x509Certificates.value` is not filterable"),
        // The home email is mapped with `no_filter`, so a plain `emails.value` cannot be answered.
        (
            "emails.value eq \"b@example.com\"",
            "`emails.value eq` would have to search every mapped `emails.value`, and `emails[type eq \"home\"].value` \
             is not filterable with `eq`; filter on the mapped form instead",
        ),
    ];
    for (filter, what) in rejected {
        let detail = check::<FullUser>(filter).unwrap_err();
        assert!(detail.starts_with(&format!("filter: {what}")), "{filter}: {detail}");
        assert!(
            detail.contains(
                "; User can be filtered on id (eq), externalId (eq), userName (eq), name.familyName (eq, sw, co, pr)"
            ),
            "{detail}"
        );
    }
}

#[test]
fn group_defaults() {
    for filter in [
        "displayName eq \"Tour Guides\"",
        "externalId eq \"x\"",
        "members.value eq \"2819c223\"",
        "members[value eq \"2819c223\"]",
        "members eq \"2819c223\"",
    ] {
        assert_eq!(check::<Team>(filter), Ok(()), "{filter}");
    }
    assert_eq!(
        check::<Team>("displayName co \"Tour\""),
        Err("filter: operator `co` is not supported on `displayName` (supported: displayName (eq)); Group can be \
             filtered on id (eq), externalId (eq), displayName (eq), members.value (eq)"
            .to_owned())
    );
    assert!(
        check::<Team>("members.type eq \"User\"").unwrap_err().starts_with("filter: `members.type` is not filterable")
    );
}

#[test]
fn filters_resolved_against_the_full_schema_are_checked_by_name() {
    // A server may resolve against the full built-in schema; the table compares names.
    let schema = scim::schema::builtin::user_schema();
    let support = Account::descriptor().filter_support();
    let check = |filter: &str| support.check(&resolve_filter(&parse_filter(filter).unwrap(), &schema).unwrap());
    assert!(check("userName eq \"b\" and emails[type eq \"work\"].value eq \"b@example.com\"").is_ok());
    let error = check("title eq \"Tour Guide\"").unwrap_err();
    assert_eq!(error.detail, format!("filter: `title` is not filterable; {ACCOUNT_SUPPORTED}"));
}
