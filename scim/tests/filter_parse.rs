//! The filter and path parser against the examples of RFC 7644 sections 3.4.2.2 and 3.5.2, the
//! filters Microsoft Entra ID and Okta send, and malformed input.

use scim::ScimType;
use scim::filter::{
    AttrPath, CompValue, CompareOp, Filter, FilterLimits, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS,
    parse_attr_path, parse_filter, parse_filter_with_limits, parse_path,
};

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// ---- builders for expected trees ----

fn path(text: &str) -> AttrPath {
    match text.split_once('.') {
        Some((name, sub_attr)) => AttrPath::sub(name, sub_attr),
        None => AttrPath::simple(text),
    }
}

fn urn_path(urn: &str, name: &str, sub_attr: Option<&str>) -> AttrPath {
    AttrPath { urn: Some(urn.into()), name: name.into(), filter: None, sub_attr: sub_attr.map(Into::into) }
}

fn filtered(name: &str, filter: Filter, sub_attr: Option<&str>) -> AttrPath {
    AttrPath { urn: None, name: name.into(), filter: Some(Box::new(filter)), sub_attr: sub_attr.map(Into::into) }
}

fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}

fn string_cmp(attr: &str, op: CompareOp, value: &str) -> Filter {
    cmp(path(attr), op, text(value))
}

fn text(value: &str) -> CompValue {
    CompValue::String(value.into())
}

fn present(attr: &str) -> Filter {
    Filter::Present(path(attr))
}

fn and(left: Filter, right: Filter) -> Filter {
    Filter::And(Box::new(left), Box::new(right))
}

fn or(left: Filter, right: Filter) -> Filter {
    Filter::Or(Box::new(left), Box::new(right))
}

fn not(inner: Filter) -> Filter {
    Filter::Not(Box::new(inner))
}

fn value_path(name: &str, filter: Filter) -> Filter {
    Filter::ValuePath { path: AttrPath::simple(name), filter: Box::new(filter) }
}

fn number(text: &str) -> CompValue {
    CompValue::Number(serde_json::from_str(text).expect("test number"))
}

use CompareOp::{Co, Eq, Ew, Ge, Gt, Le, Lt, Ne, Sw};

/// Parse, compare with the expected tree, and check that the printed form parses back equal.
fn assert_parses(input: &str, expected: &Filter) {
    let parsed = parse_filter(input).unwrap_or_else(|error| panic!("{input}: {error}"));
    assert_eq!(&parsed, expected, "{input}");
    let printed = parsed.to_string();
    assert_eq!(parse_filter(&printed).as_ref(), Ok(expected), "{input} printed as {printed}");
}

#[test]
fn parses_every_filter_example_of_rfc_7644_section_3_4_2_2() {
    let emails_or = || or(string_cmp("emails", Co, "example.com"), string_cmp("emails.value", Co, "example.org"));
    let work_at_example = || and(string_cmp("type", Eq, "work"), string_cmp("value", Co, "@example.com"));
    let cases: Vec<(&str, Filter)> = vec![
        // Case-insensitive attribute names and operators (section 3.4.2.2, first example).
        (r#"userName Eq "john""#, string_cmp("userName", Eq, "john")),
        (r#"Username eq "john""#, string_cmp("Username", Eq, "john")),
        // Figure 2.
        (r#"userName eq "bjensen""#, string_cmp("userName", Eq, "bjensen")),
        (r#"name.familyName co "O'Malley""#, string_cmp("name.familyName", Co, "O'Malley")),
        (r#"userName sw "J""#, string_cmp("userName", Sw, "J")),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(urn_path(CORE_USER, "userName", None), Sw, text("J")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O'Malley""#,
            cmp(urn_path(CORE_USER, "name", Some("familyName")), Co, text("O'Malley")),
        ),
        ("title pr", present("title")),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, string_cmp("meta.lastModified", Gt, "2011-05-13T04:42:34Z")),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, string_cmp("meta.lastModified", Ge, "2011-05-13T04:42:34Z")),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, string_cmp("meta.lastModified", Lt, "2011-05-13T04:42:34Z")),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, string_cmp("meta.lastModified", Le, "2011-05-13T04:42:34Z")),
        (r#"title pr and userType eq "Employee""#, and(present("title"), string_cmp("userType", Eq, "Employee"))),
        (r#"title pr or userType eq "Intern""#, or(present("title"), string_cmp("userType", Eq, "Intern"))),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            string_cmp("schemas", Eq, ENTERPRISE_USER),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            and(string_cmp("userType", Eq, "Employee"), emails_or()),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(string_cmp("userType", Ne, "Employee"), not(emails_or())),
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            and(string_cmp("userType", Eq, "Employee"), string_cmp("emails.type", Eq, "work")),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            and(string_cmp("userType", Eq, "Employee"), value_path("emails", work_at_example())),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(
                value_path("emails", work_at_example()),
                value_path("ims", and(string_cmp("type", Eq, "xmpp"), string_cmp("value", Co, "@foo.com"))),
            ),
        ),
    ];
    for (input, expected) in &cases {
        assert_parses(input, expected);
    }
}

#[test]
fn parses_the_filters_entra_id_and_okta_send() {
    let cases: Vec<(&str, Filter)> = vec![
        (
            r#"userName eq "5a7a1a5b-0c5c-4b8d-8f6e-2f1f4f2e6b0a""#,
            string_cmp("userName", Eq, "5a7a1a5b-0c5c-4b8d-8f6e-2f1f4f2e6b0a"),
        ),
        (r#"externalId eq "x""#, string_cmp("externalId", Eq, "x")),
        (r#"displayName eq "Group1""#, string_cmp("displayName", Eq, "Group1")),
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            cmp(filtered("emails", string_cmp("type", Eq, "work"), Some("value")), Eq, text("a@b.c")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "id""#,
            cmp(urn_path(ENTERPRISE_USER, "manager", Some("value")), Eq, text("id")),
        ),
        // Okta's lookup by user name, with the value in an `sw` and a `pr` on a filtered path.
        (r#"userName sw "jdoe@""#, string_cmp("userName", Sw, "jdoe@")),
        (
            r#"emails[primary eq true].value pr"#,
            Filter::Present(filtered("emails", cmp(path("primary"), Eq, CompValue::Bool(true)), Some("value"))),
        ),
    ];
    for (input, expected) in &cases {
        assert_parses(input, expected);
    }
}

#[test]
fn and_binds_tighter_than_or_and_both_associate_left() {
    let [a, b, c, d] = ["a", "b", "c", "d"].map(present);
    let cases: Vec<(&str, Filter)> = vec![
        ("a pr or b pr and c pr", or(a.clone(), and(b.clone(), c.clone()))),
        ("a pr and b pr or c pr", or(and(a.clone(), b.clone()), c.clone())),
        ("a pr and b pr and c pr", and(and(a.clone(), b.clone()), c.clone())),
        ("a pr or b pr or c pr", or(or(a.clone(), b.clone()), c.clone())),
        ("a pr and (b pr or c pr) and d pr", and(and(a.clone(), or(b.clone(), c.clone())), d.clone())),
        ("a pr or not (b pr) and c pr", or(a.clone(), and(not(b.clone()), c.clone()))),
        ("not (a pr) or not (not (b pr))", or(not(a.clone()), not(not(b.clone())))),
        ("((a pr))", a.clone()),
        ("a pr or (b pr or c pr)", or(a.clone(), or(b.clone(), c.clone()))),
    ];
    for (input, expected) in &cases {
        assert_parses(input, expected);
    }
}

#[test]
fn keywords_and_literals_are_case_insensitive_and_whitespace_is_lenient() {
    let cases: Vec<(&str, Filter)> = vec![
        ("active EQ True", cmp(path("active"), Eq, CompValue::Bool(true))),
        ("active eq FALSE", cmp(path("active"), Eq, CompValue::Bool(false))),
        ("manager Ne NULL", cmp(path("manager"), Ne, CompValue::Null)),
        ("title PR And nickName Pr", and(present("title"), present("nickName"))),
        ("NOT (title pr) OR x pr", or(not(present("title")), present("x"))),
        ("  title\tpr   and\n nickName  pr  ", and(present("title"), present("nickName"))),
        ("(title pr)and(x pr)", and(present("title"), present("x"))),
        (r#"userName eq"x""#, string_cmp("userName", Eq, "x")),
        (
            r#"URN:ietf:params:scim:schemas:core:2.0:User:userName ew "x""#,
            cmp(urn_path("URN:ietf:params:scim:schemas:core:2.0:User", "userName", None), Ew, text("x")),
        ),
    ];
    for (input, expected) in &cases {
        assert_parses(input, expected);
    }
}

#[test]
fn parses_json_numbers_strings_and_special_names() {
    let cases: Vec<(&str, Filter)> = vec![
        ("age gt 42", cmp(path("age"), Gt, number("42"))),
        ("age gt -42", cmp(path("age"), Gt, number("-42"))),
        ("score le 1.5", cmp(path("score"), Le, number("1.5"))),
        ("score le -2.5e-3", cmp(path("score"), Le, number("-2.5e-3"))),
        ("score lt 1E10", cmp(path("score"), Lt, number("1E10"))),
        ("score lt 0", cmp(path("score"), Lt, number("0"))),
        (r#"x eq "a\"b\\c\/d\b\f\n\r\t""#, string_cmp("x", Eq, "a\"b\\c/d\u{8}\u{c}\n\r\t")),
        (r#"x eq "\u00e9\ud83d\ude00""#, string_cmp("x", Eq, "é😀")),
        (r#"x eq "é 😀""#, string_cmp("x", Eq, "é 😀")),
        (r#"x eq """#, string_cmp("x", Eq, "")),
        (r#"members.$ref eq "https://x/Users/1""#, string_cmp("members.$ref", Eq, "https://x/Users/1")),
        (r#"x-y_z2 eq "1""#, string_cmp("x-y_z2", Eq, "1")),
        // A comparison on an attribute named like a keyword: position decides.
        (r#"not eq "x""#, string_cmp("not", Eq, "x")),
        ("and pr or or pr", or(present("and"), present("or"))),
        (r#"pr eq "x""#, string_cmp("pr", Eq, "x")),
    ];
    for (input, expected) in &cases {
        assert_parses(input, expected);
    }
    let Ok(Filter::Compare { value: CompValue::Number(big), .. }) = parse_filter("x eq 18446744073709551615") else {
        panic!("u64::MAX does not parse as a number");
    };
    assert_eq!(big.as_u64(), Some(u64::MAX));
}

#[test]
fn parses_every_patch_path_example_of_rfc_7644_section_3_5_2() {
    let member = || string_cmp("value", Eq, "2819c223-7f76-453a-919d-413861904646");
    let cases: Vec<(&str, AttrPath)> = vec![
        ("members", path("members")),
        ("name.familyName", path("name.familyName")),
        (r#"addresses[type eq "work"]"#, filtered("addresses", string_cmp("type", Eq, "work"), None)),
        (r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#, filtered("members", member(), None)),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            filtered("members", member(), Some("displayName")),
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            filtered("emails", and(string_cmp("type", Eq, "work"), string_cmp("value", Ew, "example.com")), None),
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            filtered("addresses", string_cmp("type", Eq, "work"), Some("streetAddress")),
        ),
        ("x509Certificates", path("x509Certificates")),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            urn_path(ENTERPRISE_USER, "employeeNumber", None),
        ),
        // Entra ID's manager and a whole extension (the URN rule splits at the last colon).
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            urn_path(ENTERPRISE_USER, "manager", None),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            urn_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0", "User", None),
        ),
        (r#"emails[type eq "work"].value"#, filtered("emails", string_cmp("type", Eq, "work"), Some("value"))),
        ("  name.givenName\t", path("name.givenName")),
        (
            r#"emails[not (type eq "work") or primary eq true]"#,
            filtered(
                "emails",
                or(not(string_cmp("type", Eq, "work")), cmp(path("primary"), Eq, CompValue::Bool(true))),
                None,
            ),
        ),
    ];
    for (input, expected) in &cases {
        let parsed = parse_path(input).unwrap_or_else(|error| panic!("{input}: {error}"));
        assert_eq!(&parsed, expected, "{input}");
        assert_eq!(parse_path(&parsed.to_string()).as_ref(), Ok(expected), "{input} printed as {parsed}");
    }
}

#[test]
fn plain_attribute_paths_parse_and_refuse_value_filters() {
    for (input, expected) in [
        ("userName", path("userName")),
        ("name.givenName", path("name.givenName")),
        ("meta.lastModified", path("meta.lastModified")),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            urn_path(ENTERPRISE_USER, "department", None),
        ),
    ] {
        assert_eq!(parse_attr_path(input).as_ref(), Ok(&expected), "{input}");
    }
    let error = parse_attr_path(r#"emails[type eq "work"]"#).expect_err("value filter in a plain path");
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    assert!(error.detail.contains("byte 6"), "{}", error.detail);
}

/// Each case: input, and fragments the detail must contain (always including the offset).
#[test]
fn rejects_malformed_filters_naming_the_token_and_offset() {
    let cases: &[(&str, &[&str])] = &[
        (r#"userName equals "x""#, &["comparison operator", "after `userName`", "byte 9", "`equals`"]),
        ("", &["byte 0", "end of input"]),
        ("   ", &["byte 3", "end of input"]),
        ("userName", &["comparison operator", "byte 8", "end of input"]),
        ("userName eq", &["value", "after `eq`", "byte 11", "end of input"]),
        ("userName eq bjensen", &["value", "byte 12", "`bjensen`"]),
        (r#"userName eq "x" extra"#, &["`and`, `or`", "byte 16", "`extra`"]),
        (r#"userName eq "x")"#, &["byte 15", "`)`"]),
        (r#"(userName eq "x""#, &["`)`", "byte 16", "end of input"]),
        (r#"userName eq "x"]"#, &["byte 15", "`]`"]),
        (r#"userName eq "bjensen"#, &["unterminated string", "byte 12"]),
        (r#"userName eq 'x'"#, &["double quotes", "byte 12"]),
        (r#"userName = "x""#, &["`=`", "byte 9"]),
        (r#"userName eq "\q""#, &["invalid escape", "byte 13"]),
        (r#"userName eq "\ud800""#, &["surrogate", "byte 13"]),
        ("age gt 01", &["not a valid JSON number", "byte 7", "`01`"]),
        ("age gt 5and x pr", &["`5and`", "byte 7"]),
        ("age gt 1.", &["`1.`", "byte 7"]),
        ("age gt 1e999", &["`1e999`", "byte 7"]),
        ("age gt -", &["`-`", "byte 7"]),
        ("not title pr", &["`(`", "after `not`", "byte 4", "`title`"]),
        ("title pr and", &["attribute path", "byte 12", "end of input"]),
        ("title pr or or", &["comparison operator", "byte 14", "end of input"]),
        ("and and", &["comparison operator", "byte 4", "`and`"]),
        ("() ", &["attribute path", "byte 1", "`)`"]),
        (r#"emails[type eq "work""#, &["`]`", "byte 21", "end of input"]),
        (r#"emails[type eq "work"] eq "x""#, &["`.` and a sub-attribute", "byte 23", "`eq`"]),
        (r#"emails[]"#, &["attribute path", "byte 7", "`]`"]),
        (r#"emails[type eq "work"]."#, &["sub-attribute", "byte 23", "end of input"]),
        (r#"emails[type eq "work"].1 eq "x""#, &["sub-attribute", "byte 23", "`1`"]),
        (r#"emails[type eq "work" and x[y eq "z"]]"#, &["cannot contain another value filter", "byte 27"]),
        (r#"name.givenName[x eq "y"]"#, &["without a sub-attribute", "byte 14"]),
        (r#"a.b.c eq "x""#, &["`a.b.c`", "at most one `.`", "byte 3"]),
        (r#"1abc eq "x""#, &["byte 0", "`1abc`"]),
        (r#"_abc eq "x""#, &["`_abc`", "start with a letter", "byte 0"]),
        (r#"$foo eq "x""#, &["`$foo`", "byte 0"]),
        (r#"foo:bar eq "x""#, &["`foo:bar`", "`urn:`", "byte 0"]),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User: eq "x""#, &["expected an attribute name", "byte 43"]),
        (r#"userName eq "x" and"#, &["attribute path", "byte 19", "end of input"]),
        (r#"userName Ëq "x""#, &["`Ë`", "byte 9"]),
        (r#"userName eq "x" or (userName eq "y""#, &["`)`", "byte 35", "end of input"]),
    ];
    for (input, fragments) in cases {
        let error = parse_filter(input).expect_err(input);
        assert_eq!(error.status, 400, "{input}");
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{input}");
        for fragment in *fragments {
            assert!(error.detail.contains(fragment), "{input}: detail {:?} lacks {fragment:?}", error.detail);
        }
    }
}

#[test]
fn rejects_malformed_paths_as_invalid_path() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["attribute path", "byte 0", "end of input"]),
        ("members[", &["byte 8", "end of input"]),
        (r#"members[value eq "x""#, &["`]`", "byte 20"]),
        (
            r#"members[value eq "x"].displayName.x"#,
            &["`displayName.x`", "sub-attribute has no sub-attributes", "byte 22"],
        ),
        ("members]", &["byte 7", "`]`"]),
        (r#"members[value eq "x"]]"#, &["`.` or the end of the path", "byte 21", "`]`"]),
        ("members value", &["byte 8", "`value`"]),
        ("name..givenName", &["byte 5", "`name..givenName`"]),
        (r#"members[value eq "x"].displayName eq "y""#, &["byte 34", "`eq`"]),
        ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:", &["expected an attribute name", "byte 59"]),
        (r#"members[value equals "x"]"#, &["comparison operator", "byte 14", "`equals`"]),
        (r#"members[value eq "x" and members[x pr]]"#, &["cannot contain another value filter", "byte 32"]),
    ];
    for (input, fragments) in cases {
        let error = parse_path(input).expect_err(input);
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{input}");
        for fragment in *fragments {
            assert!(error.detail.contains(fragment), "{input}: detail {:?} lacks {fragment:?}", error.detail);
        }
    }
    for input in ["", "a b", "a[", "a.b.c", "1", "a eq 1"] {
        let error = parse_attr_path(input).expect_err(input);
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{input}");
        assert!(error.detail.contains("byte "), "{input}: {}", error.detail);
    }
}

#[test]
fn enforces_length_depth_and_term_limits() {
    // Length: one byte over the default limit.
    let long = format!(r#"userName eq "{}""#, "x".repeat(MAX_FILTER_LENGTH));
    let error = parse_filter(&long).expect_err("too long");
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
    assert!(error.detail.contains(&format!("limit is {MAX_FILTER_LENGTH} bytes")), "{}", error.detail);
    let error = parse_path(&"a".repeat(MAX_FILTER_LENGTH + 1)).expect_err("too long");
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));

    // Depth: exactly at the limit parses, one more level does not.
    let nested = |levels: usize| format!("{}a pr{}", "(".repeat(levels), ")".repeat(levels));
    assert_eq!(parse_filter(&nested(MAX_FILTER_DEPTH)), Ok(present("a")));
    let error = parse_filter(&nested(MAX_FILTER_DEPTH + 1)).expect_err("too deep");
    assert!(error.detail.contains(&format!("limit of {MAX_FILTER_DEPTH} levels")), "{}", error.detail);
    assert!(error.detail.contains(&format!("byte {MAX_FILTER_DEPTH}")), "{}", error.detail);
    let nots = format!("{}a pr{}", "not (".repeat(MAX_FILTER_DEPTH + 1), ")".repeat(MAX_FILTER_DEPTH + 1));
    assert!(parse_filter(&nots).expect_err("too deep").detail.contains("levels"));

    // A huge nesting with a generous length limit fails on depth instead of overflowing the stack.
    let generous = FilterLimits { max_length: 10_000_000, ..FilterLimits::default() };
    let error = parse_filter_with_limits(&nested(1_000_000), &generous).expect_err("too deep");
    assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));

    // Terms: exactly at the limit parses, one more does not.
    let terms = |count: usize| vec!["a pr"; count].join(" and ");
    assert!(parse_filter(&terms(MAX_FILTER_TERMS)).is_ok());
    let error = parse_filter(&terms(MAX_FILTER_TERMS + 1)).expect_err("too many terms");
    assert!(error.detail.contains(&format!("limit of {MAX_FILTER_TERMS} comparisons")), "{}", error.detail);

    // Custom limits apply.
    let tight = FilterLimits { max_length: 100, max_depth: 1, max_terms: 2 };
    assert!(parse_filter_with_limits("(a pr) and b pr", &tight).is_ok());
    assert!(parse_filter_with_limits("((a pr))", &tight).is_err());
    assert!(parse_filter_with_limits("a[b pr]", &tight).is_ok());
    assert!(parse_filter_with_limits("(a[b pr])", &tight).is_err());
    assert!(parse_filter_with_limits("a pr and b pr and c pr", &tight).is_err());
}
