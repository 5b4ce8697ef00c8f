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
//!   PostgreSQL's `COLLATE "C"`).
//! - **Numbers**: compared numerically; integers exactly, anything involving a decimal as
//!   `f64`. `1` equals `1.0`.
//! - **dateTime**: the stored string is parsed as RFC 3339 and compared as an instant, so
//!   `2011-05-13T04:42:34Z` equals `2011-05-13T06:42:34+02:00` and `...34.000Z`.
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

/// The member `key` of an object: the exact spelling first, then ASCII-case-insensitively.
fn lookup<'v>(object: &'v Value, key: &str) -> Option<&'v Value> {
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
