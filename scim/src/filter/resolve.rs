//! Resolution of a parsed [`Filter`] against a [`ResourceSchema`]: every attribute path is
//! looked up in the schema and every comparison literal is checked against the attribute's type
//! and converted once, so that evaluating the filter (here in memory, see [`super::eval`], or
//! compiled to SQL) needs no schema lookups and no parsing per resource.
//!
//! # What resolution decides
//!
//! Names are matched case-insensitively (RFC 7644 section 3.4.2.2: "Attribute names and
//! attribute operators used in filters are case insensitive"). Unknown attributes are rejected
//! with `400 invalidFilter` (the schema's `invalidPath` detail, prefixed `filter: `).
//!
//! Literal types, by the attribute's type (the leaf attribute, after the rules below):
//!
//! | attribute type        | accepted literals                                  | operators                 |
//! |-----------------------|----------------------------------------------------|---------------------------|
//! | `string`, `reference` | string                                             | all                       |
//! | `binary`              | string (base64, compared exactly)                  | `eq`, `ne`                |
//! | `boolean`             | `true`/`false`, or the strings `"true"`/`"false"` in any case (Entra ID and Okta send these) | `eq`, `ne` |
//! | `integer`, `decimal`  | number (integer or decimal, compared numerically)  | `eq` `ne` `gt` `ge` `lt` `le` |
//! | `dateTime`            | string holding an RFC 3339 timestamp               | `eq` `ne` `gt` `ge` `lt` `le` |
//!
//! - Ordering operators on `boolean` and `binary` are rejected because RFC 7644 section 3.4.2.2
//!   says they "SHALL cause a failed response (HTTP status code 400) with scimType of
//!   invalidFilter".
//! - `co`, `sw` and `ew` are defined by the RFC in terms of substrings of the attribute value,
//!   so they are accepted for `string` and `reference` only. On `binary` a substring of the
//!   base64 text says nothing about the bytes, and booleans, numbers and timestamps have no
//!   substrings, so those are rejected rather than silently matching text forms.
//! - `null` is a literal only for `eq` and `ne`: `x eq null` resolves to `not (x pr)` and
//!   `x ne null` to `x pr` (an absent attribute is how SCIM represents null, RFC 7643 section
//!   2.5). `null` with any other operator is rejected.
//! - A comparison on a complex attribute without a sub-attribute compares its `value`
//!   sub-attribute when it has one: RFC 7644 section 3.4.2.2 gives `emails co "example.com"` as
//!   an example, meaning `emails.value co "example.com"` (the "significant value" of a
//!   multi-valued attribute, RFC 7643 section 2.4). A complex attribute without `value` (`name`)
//!   cannot be compared directly. `pr` on a complex attribute tests the attribute itself.
//! - String literals are lower-cased once here when the attribute is not `caseExact` (binary
//!   is always exact: RFC 7643 section 2.3.6 says binary values are case exact). dateTime
//!   literals are parsed here; a literal that is not RFC 3339 is rejected.
//!
//! # Value filters
//!
//! `attr[filter]` (and `attr[filter].sub op value`) is accepted when `attr` is a top-level
//! attribute that is multi-valued or complex. A single-valued complex attribute is treated as a
//! list of its one value, so `name[givenName eq "Barbara"]` means `name.givenName eq
//! "Barbara"`. Inside the brackets, paths are plain sub-attribute names of `attr` (no URN, no
//! dots, no nested brackets). For a multi-valued attribute without sub-attributes (a list of
//! strings such as `schemas`), the element itself is addressed as `value`, following the
//! convention that `value` is a multi-valued attribute's significant value (RFC 7643 section
//! 2.4): `schemas[value eq "urn:..."]`.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use crate::error::{ScimError, ScimResult, ScimType};
use crate::schema::{Attribute, AttributeType, ResolvedAttr, ResourceSchema};

/// A filter resolved against a schema: the same tree as [`Filter`], with every path resolved
/// and every literal converted to the attribute's type.
///
/// Build it with [`resolve_filter`] (paths relative to a resource) or [`resolve_value_filter`]
/// (paths relative to one element of a multi-valued attribute); test it with
/// [`ResolvedFilter::matches`] (see [`super::eval`] for the exact semantics).
#[derive(Debug, Clone)]
pub enum ResolvedFilter<'s> {
    /// `path op value`, with the literal converted. `eq null` and `ne null` never appear here:
    /// they resolve to `Not(Present)` and `Present`.
    Compare {
        /// The attribute compared (for `emails co "x"`, the resolved `emails.value`).
        path: ResolvedPath<'s>,
        /// The operator.
        op: CompareOp,
        /// The literal, converted.
        value: Operand,
    },
    /// `path pr`.
    Present(ResolvedPath<'s>),
    /// `a and b`.
    And(Box<ResolvedFilter<'s>>, Box<ResolvedFilter<'s>>),
    /// `a or b`.
    Or(Box<ResolvedFilter<'s>>, Box<ResolvedFilter<'s>>),
    /// `not (a)`.
    Not(Box<ResolvedFilter<'s>>),
    /// `path[filter]`: some element of the attribute matches `filter` (whose paths have
    /// [`PathScope::Element`]).
    ValuePath {
        /// The attribute whose elements are tested (never has a sub-attribute).
        path: ResolvedPath<'s>,
        /// The filter each element is tested against.
        filter: Box<ResolvedFilter<'s>>,
    },
}

/// Where a resolved path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathScope {
    /// At the resource: the attribute is a top-level key (or a key of its extension object).
    Resource,
    /// At one element of `attr.attribute` (inside a value filter). The path reaches
    /// `attr.sub_attribute` of that element, or the element itself when there is none (a
    /// multi-valued attribute without sub-attributes, addressed as `value`).
    Element,
}

/// An attribute path resolved for a filter.
#[derive(Debug, Clone)]
pub struct ResolvedPath<'s> {
    /// The attribute and sub-attribute, as resolved against the resource schema. Inside a value
    /// filter, `attr.attribute` is the bracketed attribute and `attr.sub_attribute` the one
    /// named inside the brackets.
    pub attr: ResolvedAttr<'s>,
    /// Where the path starts.
    pub scope: PathScope,
    /// For `emails[type eq "work"].value`: only elements of `attr.attribute` matching this
    /// filter are considered. Always `None` for [`PathScope::Element`].
    pub element_filter: Option<Box<ResolvedFilter<'s>>>,
}

impl<'s> ResolvedPath<'s> {
    /// The attribute whose values the path reaches.
    pub fn leaf(&self) -> &'s Attribute {
        self.attr.leaf()
    }
}

/// A comparison literal converted to the type of the attribute it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A `string`, `reference` or `binary` literal. When `case_exact` is false the text is
    /// already lower-cased (with [`str::to_lowercase`]).
    String {
        /// The text, lower-cased unless `case_exact`.
        text: String,
        /// Whether the attribute compares case-sensitively.
        case_exact: bool,
    },
    /// A `boolean` literal.
    Boolean(bool),
    /// An `integer` or `decimal` literal.
    Number(Number),
    /// A `dateTime` literal, compared as an instant.
    DateTime(OffsetDateTime),
}

/// A numeric literal: integers stay exact, anything else is an `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number that fits an `i64`.
    Integer(i64),
    /// Any other number.
    Decimal(f64),
}

impl Number {
    /// The number of a JSON number: exact when it is an `i64`, else as `f64`.
    pub fn from_json(number: &serde_json::Number) -> Option<Number> {
        match number.as_i64() {
            Some(integer) => Some(Number::Integer(integer)),
            None => number.as_f64().map(Number::Decimal),
        }
    }

    /// Numeric order: exact between integers, as `f64` otherwise.
    pub fn compare(self, other: Number) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Number::Integer(a), Number::Integer(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            // Precision loss above 2^53 is the documented behaviour of integer/decimal mixes.
            #[allow(clippy::cast_precision_loss)]
            Number::Integer(integer) => integer as f64,
            Number::Decimal(decimal) => decimal,
        }
    }
}

/// Resolve a filter whose paths are relative to a resource of `schema`.
///
/// Errors are `400 invalidFilter` with a detail naming the attribute (see the module docs for
/// what is rejected).
pub fn resolve_filter<'s>(filter: &Filter, schema: &'s ResourceSchema) -> ScimResult<ResolvedFilter<'s>> {
    Resolver::Resource(schema).filter(filter)
}

/// Resolve a value filter (the part in brackets of `emails[type eq "work"]`) whose paths are
/// relative to one element of `parent`, a top-level attribute that is multi-valued or complex.
///
/// Errors are `400 invalidFilter`.
pub fn resolve_value_filter<'s>(filter: &Filter, parent: ResolvedAttr<'s>) -> ScimResult<ResolvedFilter<'s>> {
    check_value_filter_parent(parent)?;
    Resolver::Element(parent).filter(filter)
}

/// What paths are resolved against.
#[derive(Clone, Copy)]
enum Resolver<'s> {
    Resource(&'s ResourceSchema),
    Element(ResolvedAttr<'s>),
}

impl<'s> Resolver<'s> {
    fn filter(self, filter: &Filter) -> ScimResult<ResolvedFilter<'s>> {
        Ok(match filter {
            Filter::Compare { path, op, value } => {
                let mut path = self.path(path)?;
                if *value == CompValue::Null {
                    return null_comparison(path, *op);
                }
                apply_value_rule(&mut path)?;
                let value = operand(&path, *op, value)?;
                ResolvedFilter::Compare { path, op: *op, value }
            }
            Filter::Present(path) => ResolvedFilter::Present(self.path(path)?),
            Filter::And(a, b) => ResolvedFilter::And(Box::new(self.filter(a)?), Box::new(self.filter(b)?)),
            Filter::Or(a, b) => ResolvedFilter::Or(Box::new(self.filter(a)?), Box::new(self.filter(b)?)),
            Filter::Not(inner) => ResolvedFilter::Not(Box::new(self.filter(inner)?)),
            Filter::ValuePath { path, filter } => {
                let Resolver::Resource(schema) = self else {
                    return Err(nested_value_filter(path));
                };
                if path.filter.is_some() {
                    return Err(nested_value_filter(path));
                }
                let attr = resolve_attr(schema, path)?;
                if let Some(sub) = attr.sub_attribute {
                    return Err(ScimError::invalid_filter(format!(
                        "filter: a value filter `[...]` applies to an attribute, not to the sub-attribute `{}.{}`",
                        attr.attribute.name, sub.name
                    )));
                }
                let inner = resolve_value_filter(filter, attr)?;
                ResolvedFilter::ValuePath {
                    path: ResolvedPath { attr, scope: PathScope::Resource, element_filter: None },
                    filter: Box::new(inner),
                }
            }
        })
    }

    /// Resolve one path of a comparison or `pr`, with its value filter if it has one.
    fn path(self, path: &AttrPath) -> ScimResult<ResolvedPath<'s>> {
        match self {
            Resolver::Resource(schema) => {
                let attr = resolve_attr(schema, path)?;
                let element_filter = match &path.filter {
                    None => None,
                    Some(filter) => {
                        let parent = ResolvedAttr { sub_attribute: None, ..attr };
                        Some(Box::new(resolve_value_filter(filter, parent)?))
                    }
                };
                Ok(ResolvedPath { attr, scope: PathScope::Resource, element_filter })
            }
            Resolver::Element(parent) => {
                if path.filter.is_some() {
                    return Err(nested_value_filter(path));
                }
                if path.urn.is_some() || path.sub_attr.is_some() {
                    return Err(ScimError::invalid_filter(format!(
                        "filter: inside `{}[...]`, name a sub-attribute of `{}` alone (like `{}`), not `{}`",
                        parent.attribute.name,
                        parent.attribute.name,
                        parent.attribute.sub_attributes.first().map_or("value", |a| a.name.as_str()),
                        written(path)
                    )));
                }
                let sub_attribute = if parent.attribute.sub_attributes.is_empty() {
                    // A list of simple values: the element itself is its `value`.
                    if !path.name.eq_ignore_ascii_case("value") {
                        return Err(ScimError::invalid_filter(format!(
                            "filter: `{}` has no sub-attributes; inside `{}[...]` the element itself is `value`, not `{}`",
                            parent.attribute.name, parent.attribute.name, path.name
                        )));
                    }
                    None
                } else {
                    Some(parent.attribute.sub_attribute(&path.name).ok_or_else(|| {
                        ScimError::invalid_filter(format!(
                            "filter: `{}` is not a sub-attribute of `{}`; it has {}{}",
                            path.name,
                            parent.attribute.name,
                            sub_attribute_names(parent.attribute),
                            crate::schema::suggestion(
                                &path.name,
                                parent.attribute.sub_attributes.iter().map(|a| a.name.as_str())
                            )
                        ))
                    })?)
                };
                Ok(ResolvedPath {
                    attr: ResolvedAttr { sub_attribute, ..parent },
                    scope: PathScope::Element,
                    element_filter: None,
                })
            }
        }
    }
}

/// `ResourceSchema::resolve`, with its `invalidPath` errors turned into `invalidFilter`.
fn resolve_attr<'s>(schema: &'s ResourceSchema, path: &AttrPath) -> ScimResult<ResolvedAttr<'s>> {
    schema.resolve(path).map_err(|error| match error.scim_type {
        Some(ScimType::InvalidPath) => ScimError::invalid_filter(format!("filter: {}", error.detail)),
        _ => error,
    })
}

fn check_value_filter_parent(parent: ResolvedAttr<'_>) -> ScimResult<()> {
    if let Some(sub) = parent.sub_attribute {
        return Err(ScimError::invalid_filter(format!(
            "filter: a value filter `[...]` applies to an attribute, not to the sub-attribute `{}.{}`",
            parent.attribute.name, sub.name
        )));
    }
    let attribute = parent.attribute;
    if !attribute.multi_valued && attribute.kind != AttributeType::Complex {
        return Err(ScimError::invalid_filter(format!(
            "filter: `{}` is a single-valued {}; a value filter `[...]` applies only to multi-valued or complex attributes",
            parent.canonical(),
            attribute.kind.as_str()
        )));
    }
    Ok(())
}

fn nested_value_filter(path: &AttrPath) -> ScimError {
    ScimError::invalid_filter(format!("filter: value filters cannot be nested (at `{}[...]`)", path.name))
}

/// The path as the client wrote it, for error details.
fn written(path: &AttrPath) -> String {
    let mut out = String::new();
    if let Some(urn) = &path.urn {
        out.push_str(urn);
        out.push(':');
    }
    out.push_str(&path.name);
    if let Some(sub) = &path.sub_attr {
        out.push('.');
        out.push_str(sub);
    }
    out
}

fn sub_attribute_names(attribute: &Attribute) -> String {
    attribute.sub_attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// `x eq null` is `not (x pr)`; `x ne null` is `x pr`; nothing else compares with null.
fn null_comparison<'s>(path: ResolvedPath<'s>, op: CompareOp) -> ScimResult<ResolvedFilter<'s>> {
    match op {
        CompareOp::Eq => Ok(ResolvedFilter::Not(Box::new(ResolvedFilter::Present(path)))),
        CompareOp::Ne => Ok(ResolvedFilter::Present(path)),
        _ => Err(ScimError::invalid_filter(format!(
            "filter: `{} {} null` is not allowed; null compares only with `eq` and `ne`",
            path.attr.canonical(),
            op.as_str()
        ))),
    }
}

/// A complex attribute compared directly compares its `value` sub-attribute (RFC 7644 section
/// 3.4.2.2, `emails co "example.com"`); without one, it cannot be compared.
fn apply_value_rule(path: &mut ResolvedPath<'_>) -> ScimResult<()> {
    let leaf = path.leaf();
    if leaf.kind != AttributeType::Complex {
        return Ok(());
    }
    match (path.attr.sub_attribute, leaf.sub_attribute("value")) {
        (None, Some(value)) => {
            path.attr.sub_attribute = Some(value);
            Ok(())
        }
        _ => Err(ScimError::invalid_filter(format!(
            "filter: `{}` is complex and has no `value` sub-attribute; compare one of its sub-attributes ({})",
            path.attr.canonical(),
            sub_attribute_names(leaf)
        ))),
    }
}

/// Check `op` and the literal against the leaf attribute's type and convert the literal.
fn operand(path: &ResolvedPath<'_>, op: CompareOp, value: &CompValue) -> ScimResult<Operand> {
    let leaf = path.leaf();
    let kind = leaf.kind;
    let name = || path.attr.canonical();
    if op.is_ordering() && !kind.is_ordered() {
        return Err(ScimError::invalid_filter(format!(
            "filter: `{}` cannot be used on `{}`: {} values have no order (RFC 7644 section 3.4.2.2)",
            op.as_str(),
            name(),
            kind.as_str()
        )));
    }
    if op.is_substring() && !matches!(kind, AttributeType::String | AttributeType::Reference) {
        return Err(ScimError::invalid_filter(format!(
            "filter: `{}` cannot be used on `{}`: it matches substrings and `{}` is a {}, not a string",
            op.as_str(),
            name(),
            leaf.name,
            kind.as_str()
        )));
    }
    let mismatch = |expected: &str| {
        ScimError::invalid_filter(format!(
            "filter: `{}` is a {}; compare it with {expected}, not {}",
            name(),
            kind.as_str(),
            Literal(value)
        ))
    };
    match kind {
        AttributeType::String | AttributeType::Reference | AttributeType::Binary => match value {
            CompValue::String(text) => {
                let case_exact = leaf.case_exact || kind == AttributeType::Binary;
                let text = if case_exact { text.clone() } else { text.to_lowercase() };
                Ok(Operand::String { text, case_exact })
            }
            _ => Err(mismatch("a string")),
        },
        AttributeType::Boolean => match value {
            CompValue::Bool(b) => Ok(Operand::Boolean(*b)),
            CompValue::String(text) if text.eq_ignore_ascii_case("true") => Ok(Operand::Boolean(true)),
            CompValue::String(text) if text.eq_ignore_ascii_case("false") => Ok(Operand::Boolean(false)),
            _ => Err(mismatch("true or false")),
        },
        AttributeType::Integer | AttributeType::Decimal => match value {
            CompValue::Number(number) => Number::from_json(number).map(Operand::Number).ok_or_else(|| mismatch("a number")),
            _ => Err(mismatch("a number")),
        },
        AttributeType::DateTime => match value {
            CompValue::String(text) => OffsetDateTime::parse(text, &Rfc3339).map(Operand::DateTime).map_err(|_| {
                ScimError::invalid_filter(format!(
                    "filter: `{}` is a dateTime and \"{text}\" is not an RFC 3339 timestamp (like \"2011-05-13T04:42:34Z\")",
                    name()
                ))
            }),
            _ => Err(mismatch("an RFC 3339 timestamp string")),
        },
        // `apply_value_rule` has replaced or rejected every complex leaf before this point.
        AttributeType::Complex => Err(mismatch("nothing (compare a sub-attribute)")),
    }
}

/// A literal as it appears in a filter, for error details.
struct Literal<'a>(&'a CompValue);

impl fmt::Display for Literal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
        }
    }
}
