//! The filter evaluator against the shared fixtures (`tests/fixtures/users.json` and
//! `groups.json`), with the examples of RFC 7644 section 3.4.2.2 and the queries Entra ID and
//! Okta send. Expected results are written by hand from the fixture data, never computed.
//!
//! The fixtures are also the data set of the SQL differential tests: keep them canonical
//! (schema spelling, no nulls) and extend the tables here whenever you add data.

use std::collections::BTreeSet;

use scim::filter::{parse_filter, resolve_filter};
use scim::schema::{ResourceSchema, builtin};
use scim::{ScimError, ScimType};
use serde_json::Value;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn fixture(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The ids of the resources `filter` matches.
fn matching_ids(schema: &ResourceSchema, filter: &str, resources: &[Value]) -> BTreeSet<String> {
    let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let resolved = resolve_filter(&parsed, schema).unwrap_or_else(|e| panic!("{filter}: {e}"));
    resources
        .iter()
        .filter(|resource| resolved.matches(resource))
        .map(|resource| resource["id"].as_str().unwrap_or_else(|| panic!("fixture without id")).to_owned())
        .collect()
}

fn check_table(schema: &ResourceSchema, resources: &[Value], table: &[(String, &[&str])]) {
    let mut failures = Vec::new();
    for (filter, expected) in table {
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        let actual = matching_ids(schema, filter, resources);
        if actual != expected {
            failures.push(format!("{filter}\n    expected {expected:?}\n    actual   {actual:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} filters disagree:\n{}", failures.len(), table.len(), failures.join("\n"));
}

const ALL_USERS: &[&str] = &["u01", "u02", "u03", "u04", "u05", "u06", "u07", "u08", "u09", "u10"];

#[test]
fn fixtures_are_what_the_tables_assume() {
    let users = fixture("users.json");
    let ids: Vec<&str> = users.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids, ALL_USERS);
    assert_eq!(fixture("groups.json").len(), 4);
}

/// The examples of RFC 7644 section 3.4.2.2 (in its order), then variations.
#[test]
fn rfc_7644_examples() {
    let table: Vec<(String, &[&str])> = vec![
        (r#"userName eq "bjensen""#.into(), &["u01"]),
        (r#"name.familyName co "O'Malley""#.into(), &["u03"]),
        (r#"userName sw "J""#.into(), &["u02", "u08"]),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#.into(), &["u02", "u08"]),
        ("title pr".into(), &["u01", "u03", "u07", "u08", "u10"]),
        // u01, u02 and u09 hold this instant written three ways; u04 is a second earlier.
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#.into(), &["u03", "u07", "u08", "u10"]),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#.into(), &["u01", "u02", "u03", "u07", "u08", "u09", "u10"]),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#.into(), &["u04"]),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#.into(), &["u01", "u02", "u04", "u09"]),
        (r#"title pr and userType eq "Employee""#.into(), &["u01", "u03", "u07", "u10"]),
        (r#"title pr or userType eq "Intern""#.into(), &["u01", "u02", "u03", "u07", "u08", "u10"]),
        (format!(r#"schemas eq "{ENTERPRISE}""#), &["u01", "u02", "u03", "u05", "u07", "u09"]),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#.into(),
            &["u01", "u03", "u07", "u10"],
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#.into(),
            &["u04", "u05", "u06", "u08", "u09"],
        ),
        (r#"userType eq "Employee" and (emails.type eq "work")"#.into(), &["u01", "u03", "u07", "u10"]),
        // u03's work address is at example.org; its example.com one is typed "other".
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#.into(),
            &["u01", "u07", "u10"],
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#
                .into(),
            &["u01", "u02", "u07", "u10"],
        ),
        // Variations on the same shapes.
        (r#"meta.lastModified eq "2011-05-13T04:42:34.000Z""#.into(), &["u01", "u02", "u09"]),
        (r#"meta.lastModified ne "2011-05-13T04:42:34Z""#.into(), &["u03", "u04", "u05", "u06", "u07", "u08", "u10"]),
        (r#"meta.lastModified gt "2013-06-01T12:00:00Z""#.into(), &["u07", "u08", "u10"]),
        (format!(r#"schemas[value eq "{ENTERPRISE}"]"#), &["u01", "u02", "u03", "u05", "u07", "u09"]),
        (r#"emails[type eq "work"].value eq "kim.lee@example.com""#.into(), &["u07"]),
        (r#"emails[type eq "work"].value eq "babs@jensen.org""#.into(), &[]),
        (r#"emails[type eq "home"].value co "EXAMPLE.ORG""#.into(), &["u10"]),
        (r#"emails[primary eq true].value ew "example.com""#.into(), &["u01", "u07", "u10"]),
        (r#"emails[not (primary pr)]"#.into(), &["u01", "u02", "u03", "u07", "u08", "u10"]),
        (r#"emails[value eq ""]"#.into(), &["u08"]),
        (r#"emails.type eq "WORK""#.into(), &["u01", "u02", "u03", "u07", "u08", "u09", "u10"]),
        (r#"ims[type eq "aim"]"#.into(), &["u01", "u08"]),
        (r#"name[givenName sw "k"]"#.into(), &["u07"]),
        (r#"(userName eq "tom" or userName eq "kim") and active eq false"#.into(), &["u04", "u07"]),
        (r#"not (userName eq "bjensen") and not (userName ne "jsmith")"#.into(), &["u02"]),
    ];
    check_table(&builtin::user_schema(), &fixture("users.json"), &table);
}

/// `caseExact` decides: `id`, `externalId` and `meta.resourceType` are exact; `userName`,
/// `title`, `emails.value` and the enterprise `department` are not (RFC 7643 sections 3.1, 4.1
/// and 8.7.1). Non-ASCII text folds too.
#[test]
fn case_sensitivity_follows_case_exact() {
    let table: Vec<(String, &[&str])> = vec![
        (r#"id eq "u01""#.into(), &["u01"]),
        (r#"id eq "U01""#.into(), &[]),
        (r#"externalId eq "alice-ext""#.into(), &["u04"]),
        (r#"externalId eq "ALICE-EXT""#.into(), &["u03"]),
        (r#"externalId sw "alice""#.into(), &["u04"]),
        (r#"meta.resourceType eq "User""#.into(), &["u01", "u02", "u03", "u04", "u05", "u07", "u08", "u09", "u10"]),
        (r#"meta.resourceType eq "user""#.into(), &[]),
        (r#"userName eq "BJENSEN""#.into(), &["u01"]),
        (r#"userName eq "émile.zola""#.into(), &["u05"]),
        (r#"USERNAME Eq "ÉMILE.ZOLA""#.into(), &["u05"]),
        (r#"name.givenName sw "É""#.into(), &["u05"]),
        (r#"title eq "tour guide""#.into(), &["u01", "u07", "u10"]),
        (r#"title ne "Tour Guide""#.into(), &["u02", "u03", "u04", "u05", "u06", "u08", "u09"]),
        (r#"emails.value eq "john.smith@example.com""#.into(), &["u02"]),
        (format!(r#"{ENTERPRISE}:department eq "tour operations""#), &["u01", "u03"]),
    ];
    check_table(&builtin::user_schema(), &fixture("users.json"), &table);
}

/// Presence, `null`, empty strings, `ne` on absent and multi-valued attributes, booleans,
/// ordering of strings.
#[test]
fn presence_absence_and_ne() {
    let table: Vec<(String, &[&str])> = vec![
        // u04's title is the empty string: not present, but equal to "".
        (r#"title eq """#.into(), &["u04"]),
        ("title eq null".into(), &["u02", "u04", "u05", "u06", "u09"]),
        ("title ne null".into(), &["u01", "u03", "u07", "u08", "u10"]),
        // u08's only address is the empty string; its element is still present through `type`.
        ("emails.value pr".into(), &["u01", "u02", "u03", "u05", "u07", "u09", "u10"]),
        ("emails pr".into(), &["u01", "u02", "u03", "u05", "u07", "u08", "u09", "u10"]),
        ("emails eq null".into(), &["u04", "u06"]),
        ("externalId pr".into(), &["u01", "u03", "u04", "u09", "u10"]),
        ("name pr".into(), &["u01", "u02", "u03", "u05", "u07", "u08", "u09", "u10"]),
        ("phoneNumbers pr".into(), &["u07"]),
        ("x509Certificates pr".into(), &[]),
        ("meta pr".into(), &["u01", "u02", "u03", "u04", "u05", "u07", "u08", "u09", "u10"]),
        ("meta.lastModified pr".into(), &["u01", "u02", "u03", "u04", "u07", "u08", "u09", "u10"]),
        ("active eq true".into(), &["u01", "u03", "u05", "u08", "u09", "u10"]),
        ("active ne true".into(), &["u02", "u04", "u06", "u07"]),
        ("not (active pr)".into(), &["u06"]),
        // `ne` on a multi-valued attribute: no value equals (u07 has a second, different one).
        (
            r#"emails.value ne "kim@example.com""#.into(),
            &["u01", "u02", "u03", "u04", "u05", "u06", "u08", "u09", "u10"],
        ),
        (r#"emails.type ne "work""#.into(), &["u04", "u05", "u06"]),
        // Lexicographic on the lower-cased text: "babs jensen" < "j" < "jane doe", "kim lee", "x user".
        (r#"displayName gt "J""#.into(), &["u07", "u08", "u09"]),
        (r#"userName lt "b""#.into(), &["u03"]),
        // "é" (U+00E9) sorts after "x".
        (r#"userName ge "x""#.into(), &["u05", "u09"]),
    ];
    check_table(&builtin::user_schema(), &fixture("users.json"), &table);
}

/// What Entra ID and Okta send (their provisioning docs and observed traffic), including the
/// string booleans and the enterprise extension with its URN.
#[test]
fn entra_and_okta_queries() {
    let table: Vec<(String, &[&str])> = vec![
        (r#"userName eq "X.User@contoso.com""#.into(), &["u09"]),
        (r#"externalId eq "8d4c5e1a-7f3b-4c2d-9e6f-0a1b2c3d4e5f""#.into(), &["u09"]),
        (r#"userName eq "okta_user""#.into(), &["u10"]),
        (r#"externalId eq "00u1abcd""#.into(), &["u10"]),
        (r#"active eq "False""#.into(), &["u02", "u04", "u07"]),
        (r#"active eq "true""#.into(), &["u01", "u03", "u05", "u08", "u09", "u10"]),
        (format!(r#"{ENTERPRISE}:employeeNumber eq "42""#), &["u09"]),
        (format!(r#"{ENTERPRISE}:manager.value eq "u03""#), &["u01"]),
        // The value rule: a complex attribute with `value`, compared directly, compares `value`.
        (format!(r#"{ENTERPRISE}:manager eq "U01""#), &["u07"]),
        // u09's manager is `{"value": ""}`: not present.
        (format!("{ENTERPRISE}:manager pr"), &["u01", "u07"]),
        (format!("{ENTERPRISE}:department pr"), &["u01", "u02", "u03", "u07", "u09"]),
        (format!(r#"{ENTERPRISE}:department ne "Sales""#), &["u01", "u03", "u04", "u05", "u06", "u08", "u10"]),
        (format!(r#"{ENTERPRISE}:manager[displayName co "jensen"]"#), &["u07"]),
        (r#"emails[type eq "work" and primary eq "True"].value pr"#.into(), &["u01", "u07", "u09", "u10"]),
    ];
    check_table(&builtin::user_schema(), &fixture("users.json"), &table);
}

#[test]
fn group_queries() {
    let table: Vec<(String, &[&str])> = vec![
        (r#"displayName eq "Tour Guides""#.into(), &["g01", "g04"]),
        (r#"displayName ne "sales""#.into(), &["g01", "g03", "g04"]),
        (r#"externalId eq "tg""#.into(), &["g01"]),
        (r#"members[value eq "u07"]"#.into(), &["g01", "g02"]),
        (r#"members eq "U07""#.into(), &["g01", "g02"]),
        (r#"members.value eq "u10""#.into(), &["g04"]),
        // Entra ID's membership check before adding or removing a member.
        (r#"id eq "g02" and members eq "u09""#.into(), &["g02"]),
        (r#"id eq "g01" and members[value eq "u09"]"#.into(), &[]),
        (r#"members[type eq "Group"]"#.into(), &["g02"]),
        (r#"members.$ref sw "https://example.com/""#.into(), &["g01"]),
        ("members pr".into(), &["g01", "g02", "g04"]),
        ("not (members pr)".into(), &["g03"]),
        (r#"meta.lastModified lt "2012-01-01T00:00:00Z""#.into(), &["g01"]),
    ];
    check_table(&builtin::group_schema(), &fixture("groups.json"), &table);
}

/// Every resolve-time rejection: `400 invalidFilter`, a detail prefixed `filter: ` that names
/// the attribute and says what is wrong.
#[test]
fn resolve_time_rejections() {
    let schema = builtin::user_schema();
    let cases: &[(&str, &[&str])] = &[
        (r#"nickname2 eq "x""#, &["`nickname2`", "not an attribute"]),
        (r#"name.nope eq "x""#, &["`nope`", "`name`"]),
        // Extension attributes need their URN (RFC 7644 section 3.10).
        (r#"department eq "x""#, &["`department`", "not an attribute"]),
        (r#"urn:example:nope:2.0:User:department eq "x""#, &["urn:example:nope:2.0:User", "not a schema"]),
        (r#"active eq "yes""#, &["`active`", "boolean", "\"yes\""]),
        ("active eq 1", &["`active`", "boolean"]),
        ("active gt true", &["`gt`", "`active`", "boolean"]),
        (r#"x509Certificates.value gt "QUJD""#, &["`gt`", "`x509Certificates.value`", "binary"]),
        (r#"x509Certificates.value co "QUJD""#, &["`co`", "`x509Certificates.value`"]),
        (r#"active co "t""#, &["`co`", "`active`"]),
        (r#"meta.lastModified sw "2011""#, &["`sw`", "`meta.lastModified`", "dateTime"]),
        (r#"meta.lastModified gt "last tuesday""#, &["`meta.lastModified`", "RFC 3339", "last tuesday"]),
        ("meta.lastModified gt 2011", &["`meta.lastModified`", "dateTime"]),
        ("userName eq 42", &["`userName`", "string"]),
        ("userName eq true", &["`userName`", "string"]),
        (r#"name eq "Barbara""#, &["`name`", "givenName"]),
        ("userName gt null", &["`userName gt null`"]),
        ("emails co null", &["`emails co null`"]),
        (r#"userName[value eq "x"]"#, &["`userName`", "single-valued"]),
        (r#"emails[nope eq "x"]"#, &["`nope`", "`emails`"]),
        (r#"emails[primary lt true]"#, &["`lt`", "`emails.primary`"]),
        (r#"emails[type eq "work"].nope eq "x""#, &["`nope`", "`emails`"]),
    ];
    let employee_number = format!("{ENTERPRISE}:employeeNumber gt 5");
    let cases = cases.iter().copied().chain([(employee_number.as_str(), &["employeeNumber", "string"][..])]);
    for (filter, needles) in cases {
        let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter} should parse: {e}"));
        let error: ScimError = match resolve_filter(&parsed, &schema) {
            Err(error) => error,
            Ok(resolved) => panic!("{filter} resolved to {resolved:?}"),
        };
        assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidFilter)), "{filter}: {error}");
        assert!(error.detail.starts_with("filter: "), "{filter}: {}", error.detail);
        for needle in needles {
            assert!(error.detail.contains(needle), "{filter}: `{}` lacks `{needle}`", error.detail);
        }
    }
}
