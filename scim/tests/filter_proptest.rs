//! Properties of the filter and path parser: printing any syntax tree and parsing the text gives
//! the same tree back, and no input makes a parser panic or fail with anything but a 400 of the
//! right `scimType`.

use proptest::prelude::*;
use scim::ScimType;
use scim::filter::{
    AttrPath, CompValue, CompareOp, Filter, FilterLimits, parse_attr_path, parse_filter, parse_filter_with_limits,
    parse_path, parse_path_with_limits,
};

/// Limits wide enough that generated trees are never refused for their size.
const GENEROUS: FilterLimits = FilterLimits { max_length: 1 << 20, max_depth: 1000, max_terms: 100_000 };

const OPERATORS: [CompareOp; 9] = CompareOp::ALL;

/// ATTRNAMEs, `$ref`, and names spelled like keywords (position alone tells them apart).
fn attr_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => prop::sample::select(vec!["$ref", "not", "and", "or", "pr", "eq", "true", "null"]).prop_map(String::from),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["urn", "URN", "Urn"]), prop::collection::vec("[a-zA-Z0-9.-]{1,6}", 1..5))
        .prop_map(|(scheme, segments)| format!("{scheme}:{}", segments.join(":")))
}

/// A path without a value filter.
fn plain_path() -> impl Strategy<Value = AttrPath> {
    (prop::option::of(urn()), attr_name(), prop::option::of(attr_name())).prop_map(|(urn, name, sub_attr)| AttrPath {
        urn,
        name,
        filter: None,
        sub_attr,
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>().prop_filter_map("finite", serde_json::Number::from_f64).prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn term(path: impl Strategy<Value = AttrPath>) -> impl Strategy<Value = Filter> {
    (path, prop::option::of((prop::sample::select(OPERATORS.to_vec()), comp_value()))).prop_map(|(path, comparison)| {
        match comparison {
            Some((op, value)) => Filter::Compare { path, op, value },
            None => Filter::Present(path),
        }
    })
}

/// Combine leaves with `and`, `or` and `not`.
fn logical(leaf: BoxedStrategy<Filter>, depth: u32) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(depth, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Filter::Not(Box::new(a))),
        ]
    })
    .boxed()
}

/// A filter inside `[..]`: no value paths (RFC 7644 figure 1, valFilter).
fn value_filter() -> BoxedStrategy<Filter> {
    logical(term(plain_path()).boxed(), 3)
}

/// A multi-valued attribute a value filter applies to: no sub-attribute before the bracket.
fn multi_valued_path() -> impl Strategy<Value = AttrPath> {
    (prop::option::of(urn()), attr_name()).prop_map(|(urn, name)| AttrPath { urn, name, filter: None, sub_attr: None })
}

/// `emails[type eq "work"].value`: a value filter followed by a sub-attribute.
fn filtered_path() -> impl Strategy<Value = AttrPath> {
    (multi_valued_path(), value_filter(), attr_name()).prop_map(|(mut path, filter, sub_attr)| {
        path.filter = Some(Box::new(filter));
        path.sub_attr = Some(sub_attr);
        path
    })
}

fn filter() -> BoxedStrategy<Filter> {
    let leaf = prop_oneof![
        4 => term(plain_path()),
        1 => term(filtered_path()),
        1 => (multi_valued_path(), value_filter())
            .prop_map(|(path, filter)| Filter::ValuePath { path, filter: Box::new(filter) }),
    ];
    logical(leaf.boxed(), 4)
}

/// A PATCH path: plain, or with a value filter and an optional sub-attribute.
fn patch_path() -> impl Strategy<Value = AttrPath> {
    prop_oneof![
        plain_path(),
        (multi_valued_path(), value_filter(), prop::option::of(attr_name())).prop_map(
            |(mut path, filter, sub_attr)| {
                path.filter = Some(Box::new(filter));
                path.sub_attr = sub_attr;
                path
            }
        ),
    ]
}

/// Strings assembled from the pieces filters are made of, so that random input gets past the
/// lexer and exercises the parser's error paths.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "userName",
        "emails",
        "name.givenName",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "eq",
        "EQ",
        "pr",
        "co",
        "gt",
        "and",
        "or",
        "not",
        "Not",
        "(",
        ")",
        "[",
        "]",
        ".",
        "value",
        "\"x\"",
        "\"",
        "\\",
        "\\u",
        "\"\\ud83d",
        "42",
        "-1.5e3",
        "01",
        "true",
        "null",
        " ",
        "  ",
        "\t",
        ":",
        "$ref",
        "é",
        "'",
        "=",
        "type",
        "..",
        "urn:",
    ]);
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn assert_rejected_as(result: Result<impl std::fmt::Debug, scim::ScimError>, scim_type: ScimType, input: &str) {
    if let Err(error) = result {
        assert_eq!(error.status, 400, "{input:?}: {error}");
        assert_eq!(error.scim_type, Some(scim_type), "{input:?}: {error}");
        assert!(error.detail.contains("byte") || error.detail.contains("limit"), "{input:?}: {}", error.detail);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_filters_parse_back_to_the_same_tree(filter in filter()) {
        let printed = filter.to_string();
        prop_assert_eq!(parse_filter_with_limits(&printed, &GENEROUS), Ok(filter), "printed: {}", printed);
    }

    #[test]
    fn printed_paths_parse_back_to_the_same_path(path in patch_path()) {
        let printed = path.to_string();
        prop_assert_eq!(parse_path_with_limits(&printed, &GENEROUS), Ok(path.clone()), "printed: {}", printed);
        if path.filter.is_none() {
            prop_assert_eq!(parse_attr_path(&printed), Ok(path), "printed: {}", printed);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        assert_rejected_as(parse_filter(&input), ScimType::InvalidFilter, &input);
        assert_rejected_as(parse_path(&input), ScimType::InvalidPath, &input);
        assert_rejected_as(parse_attr_path(&input), ScimType::InvalidPath, &input);
    }

    #[test]
    fn filterish_strings_never_panic(input in filterish()) {
        assert_rejected_as(parse_filter(&input), ScimType::InvalidFilter, &input);
        assert_rejected_as(parse_path(&input), ScimType::InvalidPath, &input);
        assert_rejected_as(parse_attr_path(&input), ScimType::InvalidPath, &input);
        // Whatever parses prints to text that parses to the same tree.
        if let Ok(filter) = parse_filter(&input) {
            prop_assert_eq!(parse_filter(&filter.to_string()), Ok(filter));
        }
        if let Ok(path) = parse_path(&input) {
            prop_assert_eq!(parse_path(&path.to_string()), Ok(path));
        }
    }

    /// Cutting a valid filter anywhere (at a character boundary) never panics.
    #[test]
    fn truncated_filters_never_panic(filter in filter(), cut in any::<prop::sample::Index>()) {
        let printed = filter.to_string();
        let boundaries: Vec<usize> = printed.char_indices().map(|(index, _)| index).collect();
        let end = boundaries.get(cut.index(boundaries.len().max(1))).copied().unwrap_or(0);
        let truncated = printed.get(..end).unwrap_or_default();
        assert_rejected_as(parse_filter_with_limits(truncated, &GENEROUS), ScimType::InvalidFilter, truncated);
    }
}
