//! The in-memory filter evaluator: [`ResolvedFilter::matches`].
//!
//! This is the reference semantics of SCIM filters in this crate. Any other evaluator (the SQL
//! compilers) must return exactly the same resources for the same filter and data; the
//! differential tests hold them to it. Everything below follows RFC 7644 section 3.4.2.2 where
//! the RFC says something, and is a stated choice where it is silent.
//!
//! # Finding values
//!
//! A resource is a JSON object in the canonical form (see the crate docs): core and common
//! attributes at the top level, extension attributes inside the object keyed by the extension's
//! URN. Keys are looked up by their exact schema spelling first and, failing that,
//! ASCII-case-insensitively (cheap insurance for data stored before canonicalisation).
//!
//! A path reaches a set of *values*: the attribute's value (each element, when it is an array),
//! then, if the path names a sub-attribute, that sub-attribute of each element (again each
//! element if it is an array). `null` elements are skipped. For `emails[type eq
//! "work"].value`, only elements matching the bracketed filter contribute their `value`.
//!
//! # Operators
//!
//! - **Comparisons other than `ne`** match when *some* value matches (RFC 7644: "the filter
//!   matches if any of the values of the specified attribute match"). A value of the wrong JSON
//!   type (a number where a string is expected, a timestamp that does not parse) never matches.
//!   An absent attribute matches nothing.
//! - **`ne`** is exactly `not (eq)`: it matches when *no* value equals the literal, including
//!   when the attribute is absent. So `emails.value ne "a@x"` excludes every user having that
//!   address among others, and `title ne "Boss"` includes users without a title. (The RFC is
//!   silent; this is the reading a SQL `NOT EXISTS` gives, and it keeps `not (a eq b)` and
//!   `a ne b` interchangeable.)
//! - **Strings** (`string`, `reference`, `binary`): when the attribute is not `caseExact`,
//!   both sides are lower-cased with Rust's [`str::to_lowercase`] (full Unicode lower-case
//!   mapping, not ASCII only) before comparing; `binary` is always exact. `eq` is equality of
//!   the (lowered) texts; `co`, `sw`, `ew` are substring, prefix and suffix tests (the empty
//!   literal matches every string value); `gt`, `ge`, `lt`, `le` compare lexicographically by
//!   Unicode code point, which is the byte order of UTF-8 (SQLite's `BINARY` collation,
//!   PostgreSQL's `COLLATE "C"`). The empty string is not present (see `pr`) yet equals `""`.
//! - **Numbers**: compared numerically; integers exactly, anything involving a decimal as
//!   `f64`. `1` equals `1.0`.
//! - **dateTime**: the stored string is parsed as RFC 3339 (an offset is required) and compared
//!   as an instant, so `2011-05-13T04:42:34Z` equals `2011-05-13T06:42:34+02:00` and
//!   `...34.000Z`; a stored value that does not parse matches no comparison (so it matches
//!   `ne`). A SQL backend has to store an instant (e.g. UTC with full precision), not the text.
//! - **Booleans**: equality only.
//! - **`pr`**: some value is present, where a value is present unless it is `null`, the empty
//!   string, an empty array, or an object/array none of whose members is present (RFC 7644:
//!   "a non-empty value, or ... a non-empty node for complex attributes"). `false` and `0` are
//!   present. `eq null` and `ne null` resolve to `not pr` and `pr`.
//! - **`attr[filter]`**: some element of `attr` matches `filter` (a single-valued complex
//!   attribute is its one element).
//! - **`and`, `or`, `not`**: boolean logic with short-circuit; there is no "unknown" value
//!   (unlike SQL's three-valued logic: a SQL compiler must make every comparison on a missing
//!   value `false`, not `NULL`, so that `not` inverts it).

use std::cmp::Ordering;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ast::CompareOp;
use super::resolve::{Number, Operand, PathScope, ResolvedFilter, ResolvedPath};

impl ResolvedFilter<'_> {
    /// Whether `resource` matches the filter. For a filter from
    /// [`resolve_value_filter`](super::resolve::resolve_value_filter), pass one element of the
    /// multi-valued attribute instead of a resource.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            ResolvedFilter::Compare { path, op: CompareOp::Ne, value } => {
                !path.any_value(resource, &mut |found| compare(found, CompareOp::Eq, value))
            }
            ResolvedFilter::Compare { path, op, value } => {
                path.any_value(resource, &mut |found| compare(found, *op, value))
            }
            ResolvedFilter::Present(path) => path.any_value(resource, &mut is_present),
            ResolvedFilter::And(a, b) => a.matches(resource) && b.matches(resource),
            ResolvedFilter::Or(a, b) => a.matches(resource) || b.matches(resource),
            ResolvedFilter::Not(inner) => !inner.matches(resource),
            ResolvedFilter::ValuePath { path, filter } => {
                path.any_value(resource, &mut |element| filter.matches(element))
            }
        }
    }
}

impl ResolvedPath<'_> {
    /// Whether `test` holds for some value the path reaches from `root` (a resource, or an
    /// element for [`PathScope::Element`]).
    fn any_value(&self, root: &Value, test: &mut dyn FnMut(&Value) -> bool) -> bool {
        let sub_attribute = self.attr.sub_attribute.map(|sub| sub.name.as_str());
        if self.scope == PathScope::Element {
            return match sub_attribute {
                Some(sub) => any_item(lookup(root, sub), test),
                None => any_item(Some(root), test),
            };
        }
        let container = match self.attr.extension_urn() {
            Some(urn) => lookup(root, urn),
            None => Some(root),
        };
        let Some(value) = container.and_then(|c| lookup(c, &self.attr.attribute.name)) else {
            return false;
        };
        if sub_attribute.is_none() && self.element_filter.is_none() {
            return any_item(Some(value), test);
        }
        items(value).any(|element| {
            self.element_filter.as_ref().is_none_or(|filter| filter.matches(element))
                && match sub_attribute {
                    Some(sub) => any_item(lookup(element, sub), test),
                    None => test(element),
                }
        })
    }
}

/// The non-null items of a value: each element of an array, or the value itself.
fn items(value: &Value) -> impl Iterator<Item = &Value> {
    let slice = match value {
        Value::Array(elements) => elements.as_slice(),
        other => std::slice::from_ref(other),
    };
    slice.iter().filter(|v| !v.is_null())
}

fn any_item(value: Option<&Value>, test: &mut dyn FnMut(&Value) -> bool) -> bool {
    value.is_some_and(|value| items(value).any(test))
}

/// The member `key` of an object: the exact spelling first, then ASCII-case-insensitively (as
/// attribute names are compared). The stores look members up the same way.
pub(crate) fn lookup<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
    let map = object.as_object()?;
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Whether a value counts as present for `pr`: not null, not an empty string, and, for arrays
/// and objects, having some present member.
pub fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(elements) => elements.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Whether one stored value satisfies `op literal`. `ne` is handled by the caller as `not eq`.
fn compare(found: &Value, op: CompareOp, literal: &Operand) -> bool {
    match (literal, found) {
        (Operand::String { text, case_exact }, Value::String(found)) => {
            if *case_exact {
                compare_text(found, op, text)
            } else if found.is_ascii() {
                compare_ascii_folded(found, op, text)
            } else {
                compare_text(&found.to_lowercase(), op, text)
            }
        }
        (Operand::Boolean(literal), Value::Bool(found)) => op == CompareOp::Eq && found == literal,
        (Operand::Number(literal), Value::Number(found)) => {
            Number::from_json(found).and_then(|found| found.compare(*literal)).is_some_and(|order| ordered(op, order))
        }
        (Operand::DateTime(literal), Value::String(found)) => {
            OffsetDateTime::parse(found, &Rfc3339).is_ok_and(|found| ordered(op, found.cmp(literal)))
        }
        _ => false,
    }
}

/// Whether `order` (stored value compared with the literal) satisfies `op`.
fn ordered(op: CompareOp, order: Ordering) -> bool {
    match op {
        CompareOp::Eq => order == Ordering::Equal,
        CompareOp::Ne => order != Ordering::Equal,
        CompareOp::Gt => order == Ordering::Greater,
        CompareOp::Ge => order != Ordering::Less,
        CompareOp::Lt => order == Ordering::Less,
        CompareOp::Le => order != Ordering::Greater,
        // Resolution accepts substring operators only on strings.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_text(found: &str, op: CompareOp, literal: &str) -> bool {
    match op {
        CompareOp::Co => found.contains(literal),
        CompareOp::Sw => found.starts_with(literal),
        CompareOp::Ew => found.ends_with(literal),
        _ => ordered(op, found.cmp(literal)),
    }
}

/// [`compare_text`] of `found.to_lowercase()` without allocating, for an ASCII `found` (whose
/// Unicode lower case is its ASCII lower case). `literal` is already lower-cased; if it has
/// non-ASCII bytes they simply never equal the ASCII bytes of `found`.
fn compare_ascii_folded(found: &str, op: CompareOp, literal: &str) -> bool {
    let (found, literal) = (found.as_bytes(), literal.as_bytes());
    match op {
        CompareOp::Co => {
            literal.is_empty() || found.windows(literal.len()).any(|window| window.eq_ignore_ascii_case(literal))
        }
        CompareOp::Sw => found.get(..literal.len()).is_some_and(|head| head.eq_ignore_ascii_case(literal)),
        CompareOp::Ew => found
            .len()
            .checked_sub(literal.len())
            .and_then(|start| found.get(start..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(literal)),
        _ => ordered(op, found.iter().map(u8::to_ascii_lowercase).cmp(literal.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::filter::ast::{CompValue, Filter};
    use crate::filter::resolve::resolve_filter;
    use crate::filter::resolve::tests::{EXT_URN, WIDGET, cmp, filtered_cmp, num, path, text, value_path};

    /// Which of `resources` (by index) `filter` matches.
    fn matching(filter: &Filter, resources: &[Value]) -> Vec<usize> {
        let resolved = resolve_filter(filter, &WIDGET).unwrap_or_else(|e| panic!("{filter:?}: {e}"));
        (0..resources.len()).filter(|&i| resources.get(i).is_some_and(|r| resolved.matches(r))).collect()
    }

    fn check(resources: &[Value], cases: Vec<(Filter, Vec<usize>)>) {
        for (filter, expected) in cases {
            assert_eq!(matching(&filter, resources), expected, "{filter:?}");
        }
    }

    #[test]
    fn strings_fold_case_unless_case_exact() {
        use CompareOp::*;
        let resources = [
            json!({"title": "Barbara Jensen", "code": "AbC"}),
            json!({"title": "ÉCOLE Straße", "code": "abc"}),
            json!({"title": "", "code": "ABC"}),
            json!({"title": 5}),
        ];
        check(
            &resources,
            vec![
                (cmp("title", Eq, text("barbara JENSEN")), vec![0]),
                (cmp("title", Eq, text("école straße")), vec![1]),
                (cmp("title", Co, text("ARA j")), vec![0]),
                (cmp("title", Co, text("")), vec![0, 1, 2]),
                (cmp("title", Sw, text("écoLE")), vec![1]),
                (cmp("title", Sw, text("barbara jensen and more")), vec![]),
                (cmp("title", Ew, text("JENSEN")), vec![0]),
                (cmp("title", Ew, text("STRASSE")), vec![]),
                (cmp("title", Ew, text("E")), vec![1]),
                (cmp("title", Ew, text("SSE")), vec![]),
                (cmp("title", Ew, text("ße")), vec![1]),
                // Code-point order of the lower-cased texts: "" < "barbara jensen" < "école ...".
                (cmp("title", Gt, text("B")), vec![0, 1]),
                (cmp("title", Lt, text("BARBARA")), vec![2]),
                (cmp("title", Ge, text("Barbara Jensen")), vec![0, 1]),
                (cmp("title", Le, text("")), vec![2]),
                (cmp("code", Eq, text("abc")), vec![1]),
                (cmp("code", Eq, text("ABC")), vec![2]),
                (cmp("code", Co, text("b")), vec![0, 1]),
                // "ABC" < "AbC" < "abc" by code point.
                (cmp("code", Gt, text("ABC")), vec![0, 1]),
                (cmp("code", Ne, text("abc")), vec![0, 2, 3]),
            ],
        );
    }

    #[test]
    fn non_ascii_case_folding_agrees_with_to_lowercase() {
        // Kelvin sign K (U+212A) lower-cases to ASCII `k`; `İ` to `i̇` (two code points).
        let resources = [json!({"title": "\u{212A}elvin"}), json!({"title": "İstanbul"}), json!({"title": "kelvin"})];
        check(
            &resources,
            vec![
                (cmp("title", CompareOp::Eq, text("KELVIN")), vec![0, 2]),
                (cmp("title", CompareOp::Eq, text("\u{212A}ELVIN")), vec![0, 2]),
                (cmp("title", CompareOp::Sw, text("i\u{307}s")), vec![1]),
                (cmp("title", CompareOp::Sw, text("is")), vec![]),
            ],
        );
    }

    #[test]
    fn numbers_booleans_and_timestamps_compare_by_value() {
        use CompareOp::*;
        let resources = [
            json!({"count": 1, "ratio": 0.5, "active": true, "born": "2011-05-13T04:42:34Z"}),
            json!({"count": 2, "ratio": 2, "active": false, "born": "2011-05-13T06:42:34.000+02:00"}),
            json!({"count": 1.0, "ratio": -1.5, "active": "true", "born": "2011-05-13T04:42:35Z"}),
            json!({"count": "1", "born": "13 May 2011"}),
        ];
        check(
            &resources,
            vec![
                (cmp("count", Eq, num("1")), vec![0, 2]),
                (cmp("count", Eq, num("1.0")), vec![0, 2]),
                (cmp("count", Gt, num("1")), vec![1]),
                (cmp("count", Ge, num("1.5")), vec![1]),
                (cmp("count", Ne, num("1")), vec![1, 3]),
                (cmp("ratio", Lt, num("0.5")), vec![2]),
                (cmp("ratio", Le, num("0.5")), vec![0, 2]),
                (cmp("ratio", Eq, num("2.0")), vec![1]),
                (cmp("active", Eq, CompValue::Bool(true)), vec![0]),
                (cmp("active", Eq, text("FALSE")), vec![1]),
                (cmp("active", Ne, CompValue::Bool(true)), vec![1, 2, 3]),
                // The same instant, written in two offsets, is equal.
                (cmp("born", Eq, text("2011-05-13T04:42:34Z")), vec![0, 1]),
                (cmp("born", Gt, text("2011-05-13T04:42:34Z")), vec![2]),
                (cmp("born", Ge, text("2011-05-13T05:42:34+01:00")), vec![0, 1, 2]),
                (cmp("born", Lt, text("2011-05-13T04:42:34.5Z")), vec![0, 1]),
                (cmp("born", Ne, text("2011-05-13T04:42:34Z")), vec![2, 3]),
            ],
        );
    }

    #[test]
    fn presence_treats_null_empty_and_hollow_values_as_absent() {
        let resources = [
            json!({}),
            json!({"title": null, "tags": [], "name": {}, "emails": [{}]}),
            json!({"title": "", "tags": [""], "name": {"givenName": ""}, "emails": [{"value": null}]}),
            json!({"title": "x", "tags": ["", "a"], "name": {"givenName": "B"}, "emails": [{"primary": false}]}),
            json!({"active": false, "count": 0}),
        ];
        check(
            &resources,
            vec![
                (Filter::Present(path("title")), vec![3]),
                (Filter::Present(path("tags")), vec![3]),
                (Filter::Present(path("name")), vec![3]),
                (Filter::Present(path("name.givenName")), vec![3]),
                (Filter::Present(path("emails")), vec![3]),
                (Filter::Present(path("emails.value")), vec![]),
                (Filter::Present(path("emails.primary")), vec![3]),
                (Filter::Present(path("active")), vec![4]),
                (Filter::Present(path("count")), vec![4]),
                (cmp("title", CompareOp::Eq, CompValue::Null), vec![0, 1, 2, 4]),
                (cmp("title", CompareOp::Ne, CompValue::Null), vec![3]),
            ],
        );
    }

    #[test]
    fn multi_valued_attributes_match_when_any_value_does_and_ne_when_none_equals() {
        use CompareOp::*;
        let resources = [
            json!({"emails": [{"value": "a@x.com", "type": "work"}, {"value": "b@y.org", "type": "home", "primary": true}]}),
            json!({"emails": [{"value": "c@x.com", "type": "home"}], "tags": ["red", "Blue"]}),
            json!({"tags": ["green"]}),
            json!({"emails": [null, {"value": "A@X.COM"}]}),
        ];
        check(
            &resources,
            vec![
                (cmp("emails", Co, text("x.com")), vec![0, 1, 3]),
                (cmp("emails.value", Ew, text(".org")), vec![0]),
                (cmp("emails.type", Eq, text("work")), vec![0]),
                (cmp("emails.value", Ne, text("a@x.com")), vec![1, 2]),
                (cmp("emails.type", Ne, text("home")), vec![2, 3]),
                (cmp("tags", Eq, text("blue")), vec![1]),
                (cmp("tags", Ne, text("blue")), vec![0, 2, 3]),
                (cmp("tags", Gt, text("h")), vec![1]),
                (
                    value_path(
                        "emails",
                        Filter::And(
                            Box::new(cmp("type", Eq, text("work"))),
                            Box::new(cmp("value", Co, text("@x.com"))),
                        ),
                    ),
                    vec![0],
                ),
                // Each element is tested on its own: no element is both home and at x.com's a@.
                (
                    value_path(
                        "emails",
                        Filter::And(Box::new(cmp("type", Eq, text("home"))), Box::new(cmp("value", Sw, text("a@")))),
                    ),
                    vec![],
                ),
                (value_path("emails", cmp("primary", Eq, CompValue::Bool(true))), vec![0]),
                (value_path("emails", cmp("type", Ne, text("work"))), vec![0, 1, 3]),
                (value_path("emails", Filter::Not(Box::new(Filter::Present(path("type"))))), vec![3]),
                (value_path("tags", cmp("value", Sw, text("GR"))), vec![2]),
                (filtered_cmp("emails", cmp("type", Eq, text("home")), "value", Co, text("x.com")), vec![1]),
                (filtered_cmp("emails", cmp("type", Eq, text("home")), "value", Ne, text("c@x.com")), vec![0, 2, 3]),
                (filtered_cmp("emails", cmp("type", Eq, text("home")), "primary", Eq, CompValue::Bool(true)), vec![0]),
            ],
        );
    }

    #[test]
    fn single_valued_complex_and_extension_attributes() {
        use CompareOp::*;
        let resources = [
            json!({"name": {"givenName": "Barbara", "familyName": "Jensen"},
                   EXT_URN: {"department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}}),
            json!({"name": {"givenName": "Ann"}, EXT_URN: {"department": "Sales"}}),
            // Keys in another case still resolve (fallback lookup).
            json!({"NAME": {"GIVENNAME": "barbara"}, "urn:example:scim:schemas:extension:ACME:1.0:Widget": {"Department": "sales"}}),
            json!({"department": "Sales"}),
        ];
        let department = format!("{EXT_URN}:department");
        let manager = format!("{EXT_URN}:manager");
        check(
            &resources,
            vec![
                (cmp("name.givenName", Eq, text("barbara")), vec![0, 2]),
                (value_path("name", cmp("givenName", Sw, text("A"))), vec![1]),
                (cmp(&department, Eq, text("sales")), vec![1, 2]),
                (cmp(&department, Ne, text("sales")), vec![0, 3]),
                (cmp(&manager, Eq, text("26118915-6090-4610-87E4-49D8CA9F808D")), vec![0]),
                (Filter::Present(path(&manager)), vec![0]),
                (
                    Filter::Or(
                        Box::new(cmp(&department, Sw, text("tour"))),
                        Box::new(Filter::Not(Box::new(Filter::Present(path("name"))))),
                    ),
                    vec![0, 3],
                ),
            ],
        );
    }

    fn op_strategy() -> impl Strategy<Value = CompareOp> {
        let keywords = ["eq", "co", "sw", "ew", "gt", "ge", "lt", "le"];
        prop::sample::select(keywords.iter().filter_map(|k| CompareOp::from_keyword(k)).collect::<Vec<_>>())
    }

    proptest! {
        /// The allocation-free ASCII path is exactly "lower-case both with `to_lowercase`, then
        /// compare", including literals with non-ASCII characters.
        #[test]
        fn ascii_folding_matches_to_lowercase(found in "[a-zA-Z0-9 .@]{0,12}", literal in "[a-zA-Z0-9 .@\u{212A}é]{0,5}", op in op_strategy()) {
            let literal = literal.to_lowercase();
            prop_assert_eq!(
                compare_ascii_folded(&found, op, &literal),
                compare_text(&found.to_lowercase(), op, &literal)
            );
        }
    }
}
