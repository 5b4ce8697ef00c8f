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
/// relative to one element of `parent.attribute`, a top-level attribute that is multi-valued or
/// complex. A sub-attribute in `parent` is ignored, so the resolution of a whole PATCH path
/// `emails[type eq "work"].value` can be passed as it is.
///
/// Errors are `400 invalidFilter`.
pub fn resolve_value_filter<'s>(filter: &Filter, parent: ResolvedAttr<'s>) -> ScimResult<ResolvedFilter<'s>> {
    let parent = ResolvedAttr { sub_attribute: None, ..parent };
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
                    Some(filter) => Some(Box::new(resolve_value_filter(filter, attr)?)),
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

#[cfg(test)]
pub(crate) mod tests {
    //! Resolution against a small hand-built schema that has one attribute of every kind, so
    //! these tests do not depend on the built-in schema files.

    use std::sync::{Arc, LazyLock};

    use super::*;
    use crate::schema::{AttrOwner, ResourceType, Schema, SchemaExtension};

    pub(crate) const WIDGET_URN: &str = "urn:example:scim:schemas:core:1.0:Widget";
    pub(crate) const EXT_URN: &str = "urn:example:scim:schemas:extension:acme:1.0:Widget";

    fn attr(name: &str, kind: AttributeType) -> Attribute {
        Attribute::new(name, kind)
    }

    fn complex(name: &str, multi_valued: bool, subs: Vec<Attribute>) -> Attribute {
        Attribute { multi_valued, sub_attributes: subs, ..attr(name, AttributeType::Complex) }
    }

    /// A resource type with one attribute of every type and shape.
    pub(crate) static WIDGET: LazyLock<ResourceSchema> = LazyLock::new(|| {
        let core = Schema {
            id: WIDGET_URN.into(),
            name: Some("Widget".into()),
            description: None,
            attributes: vec![
                attr("title", AttributeType::String),
                Attribute { case_exact: true, ..attr("code", AttributeType::String) },
                attr("active", AttributeType::Boolean),
                attr("count", AttributeType::Integer),
                attr("ratio", AttributeType::Decimal),
                attr("born", AttributeType::DateTime),
                attr("blob", AttributeType::Binary),
                attr("home", AttributeType::Reference),
                Attribute { multi_valued: true, ..attr("tags", AttributeType::String) },
                complex(
                    "emails",
                    true,
                    vec![
                        attr("value", AttributeType::String),
                        attr("type", AttributeType::String),
                        attr("primary", AttributeType::Boolean),
                    ],
                ),
                complex(
                    "name",
                    false,
                    vec![attr("givenName", AttributeType::String), attr("familyName", AttributeType::String)],
                ),
            ],
        };
        let extension = Schema {
            id: EXT_URN.into(),
            name: Some("AcmeWidget".into()),
            description: None,
            attributes: vec![
                attr("department", AttributeType::String),
                complex(
                    "manager",
                    false,
                    vec![attr("value", AttributeType::String), attr("displayName", AttributeType::String)],
                ),
            ],
        };
        let resource_type = ResourceType {
            id: Some("Widget".into()),
            name: "Widget".into(),
            endpoint: "/Widgets".into(),
            description: None,
            schema: WIDGET_URN.into(),
            schema_extensions: vec![SchemaExtension { schema: EXT_URN.into(), required: false }],
        };
        #[allow(clippy::unwrap_used)]
        ResourceSchema::new(resource_type, &[Arc::new(core), Arc::new(extension)]).unwrap()
    });

    /// A path without brackets, split like the parser does: URN at the last `:`, then `.`.
    pub(crate) fn path(text: &str) -> AttrPath {
        let (urn, rest) = match text.rfind(':') {
            Some(at) if text.starts_with("urn:") => (Some(text[..at].to_owned()), &text[at + 1..]),
            _ => (None, text),
        };
        let (name, sub_attr) = match rest.split_once('.') {
            Some((name, sub)) => (name.to_owned(), Some(sub.to_owned())),
            None => (rest.to_owned(), None),
        };
        AttrPath { urn, name, filter: None, sub_attr }
    }

    pub(crate) fn cmp(p: &str, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path: path(p), op, value }
    }

    pub(crate) fn text(s: &str) -> CompValue {
        CompValue::String(s.to_owned())
    }

    pub(crate) fn num(json: &str) -> CompValue {
        #[allow(clippy::unwrap_used)]
        CompValue::Number(serde_json::from_str(json).unwrap())
    }

    pub(crate) fn value_path(p: &str, filter: Filter) -> Filter {
        Filter::ValuePath { path: path(p), filter: Box::new(filter) }
    }

    /// `attr[filter].sub op value`.
    pub(crate) fn filtered_cmp(p: &str, filter: Filter, sub: &str, op: CompareOp, value: CompValue) -> Filter {
        let mut path = path(p);
        path.filter = Some(Box::new(filter));
        path.sub_attr = Some(sub.to_owned());
        Filter::Compare { path, op, value }
    }

    fn resolve(filter: &Filter) -> ScimResult<ResolvedFilter<'static>> {
        resolve_filter(filter, &WIDGET)
    }

    /// The operand of a resolved comparison, panicking (in a test) on anything else.
    fn operand_of(filter: &Filter) -> Operand {
        match resolve(filter) {
            Ok(ResolvedFilter::Compare { value, .. }) => value,
            other => panic!("{filter:?} resolved to {other:?}"),
        }
    }

    #[test]
    fn literals_are_converted_to_the_attribute_type() {
        use CompareOp::*;
        let cases = [
            (cmp("title", Eq, text("Ab É")), Operand::String { text: "ab é".into(), case_exact: false }),
            (cmp("code", Eq, text("Ab É")), Operand::String { text: "Ab É".into(), case_exact: true }),
            // Binary is case exact whatever the schema says (RFC 7643 section 2.3.6).
            (cmp("blob", Eq, text("QUJD")), Operand::String { text: "QUJD".into(), case_exact: true }),
            (cmp("home", Sw, text("HTTPS://x")), Operand::String { text: "https://x".into(), case_exact: false }),
            (cmp("active", Eq, CompValue::Bool(false)), Operand::Boolean(false)),
            // Entra ID and Okta send booleans as strings.
            (cmp("active", Eq, text("True")), Operand::Boolean(true)),
            (cmp("active", Ne, text("FALSE")), Operand::Boolean(false)),
            (cmp("count", Gt, num("5")), Operand::Number(Number::Integer(5))),
            (cmp("count", Gt, num("5.5")), Operand::Number(Number::Decimal(5.5))),
            (cmp("ratio", Le, num("2")), Operand::Number(Number::Integer(2))),
            (
                cmp("born", Gt, text("2011-05-13T04:42:34+02:00")),
                Operand::DateTime(time::macros::datetime!(2011-05-13 02:42:34 UTC)),
            ),
            (cmp("tags", Eq, text("RED")), Operand::String { text: "red".into(), case_exact: false }),
        ];
        for (filter, expected) in cases {
            assert_eq!(operand_of(&filter), expected, "{filter:?}");
        }
    }

    #[test]
    fn paths_resolve_case_insensitively_to_the_schema_attribute() {
        let resolved = resolve(&cmp("NAME.GIVENNAME", CompareOp::Eq, text("x"))).unwrap();
        let ResolvedFilter::Compare { path, .. } = resolved else { panic!("{resolved:?}") };
        assert_eq!(path.attr.canonical(), "name.givenName");
        assert_eq!(path.scope, PathScope::Resource);

        let resolved = resolve(&cmp(&format!("{EXT_URN}:manager.displayName"), CompareOp::Eq, text("x"))).unwrap();
        let ResolvedFilter::Compare { path, .. } = resolved else { panic!("{resolved:?}") };
        assert_eq!(path.attr.extension_urn(), Some(EXT_URN));
        assert_eq!(path.leaf().name, "displayName");
    }

    #[test]
    fn a_complex_attribute_with_a_value_compares_its_value() {
        for p in ["emails", &format!("{EXT_URN}:manager")] {
            let resolved = resolve(&cmp(p, CompareOp::Co, text("x"))).unwrap();
            let ResolvedFilter::Compare { path, .. } = resolved else { panic!("{resolved:?}") };
            assert_eq!(path.leaf().name, "value", "{p}");
        }
        // `pr` tests the attribute itself.
        let resolved = resolve(&Filter::Present(path("emails"))).unwrap();
        let ResolvedFilter::Present(path) = resolved else { panic!("{resolved:?}") };
        assert!(path.attr.sub_attribute.is_none());
    }

    #[test]
    fn null_literals_become_presence_tests() {
        let resolved = resolve(&cmp("title", CompareOp::Eq, CompValue::Null)).unwrap();
        assert!(
            matches!(&resolved, ResolvedFilter::Not(inner) if matches!(**inner, ResolvedFilter::Present(_))),
            "{resolved:?}"
        );
        let resolved = resolve(&cmp("title", CompareOp::Ne, CompValue::Null)).unwrap();
        assert!(matches!(resolved, ResolvedFilter::Present(_)), "{resolved:?}");
    }

    #[test]
    fn value_filters_resolve_relative_to_one_element() {
        let filter = value_path("emails", cmp("TYPE", CompareOp::Eq, text("Work")));
        let resolved = resolve(&filter).unwrap();
        let ResolvedFilter::ValuePath { path, filter } = resolved else { panic!("{resolved:?}") };
        assert_eq!(path.attr.canonical(), "emails");
        let ResolvedFilter::Compare { path, value, .. } = *filter else { panic!("{filter:?}") };
        assert_eq!(path.scope, PathScope::Element);
        assert_eq!(path.attr.canonical(), "emails.type");
        assert_eq!(value, Operand::String { text: "work".into(), case_exact: false });

        // A list of strings: the element itself is `value`.
        let resolved = resolve(&value_path("tags", cmp("value", CompareOp::Eq, text("x")))).unwrap();
        let ResolvedFilter::ValuePath { filter, .. } = resolved else { panic!("{resolved:?}") };
        let ResolvedFilter::Compare { path, .. } = *filter else { panic!("{filter:?}") };
        assert!(path.attr.sub_attribute.is_none());
        assert_eq!(path.scope, PathScope::Element);

        // A single-valued complex attribute is a list of its one value.
        assert!(resolve(&value_path("name", cmp("givenName", CompareOp::Eq, text("x")))).is_ok());

        // `emails[type eq "work"].value eq "x"` carries the element filter on the path.
        let filter =
            filtered_cmp("emails", cmp("type", CompareOp::Eq, text("work")), "value", CompareOp::Eq, text("x"));
        let resolved = resolve(&filter).unwrap();
        let ResolvedFilter::Compare { path, .. } = resolved else { panic!("{resolved:?}") };
        assert_eq!(path.attr.canonical(), "emails.value");
        assert!(path.element_filter.is_some());
    }

    #[test]
    fn resolve_value_filter_takes_a_resolved_parent() {
        let emails = WIDGET.resolve(&path("emails")).unwrap();
        let resolved = resolve_value_filter(&cmp("primary", CompareOp::Eq, CompValue::Bool(true)), emails).unwrap();
        assert!(matches!(resolved, ResolvedFilter::Compare { value: Operand::Boolean(true), .. }));
        assert_eq!(emails.owner, AttrOwner::Core);

        // The whole PATCH path `emails[type eq "work"].value` may be passed: `.value` is ignored.
        let emails_value = WIDGET.resolve(&path("emails.value")).unwrap();
        let resolved = resolve_value_filter(&cmp("type", CompareOp::Eq, text("work")), emails_value).unwrap();
        assert!(resolved.matches(&serde_json::json!({"type": "Work", "value": "x"})));
        let ResolvedFilter::Compare { path: type_path, .. } = resolved else { panic!("{resolved:?}") };
        assert_eq!(type_path.attr.canonical(), "emails.type");
        assert_eq!(type_path.scope, PathScope::Element);

        let title = WIDGET.resolve(&path("title")).unwrap();
        let error = resolve_value_filter(&cmp("value", CompareOp::Eq, text("x")), title).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter));
        assert!(error.detail.contains("`title`"), "{}", error.detail);
    }

    /// Every rejection is `400 invalidFilter` with a detail that starts `filter: ` and names the
    /// attribute (and says why).
    #[test]
    fn type_and_shape_errors_are_invalid_filter_naming_the_attribute() {
        use CompareOp::*;
        let ext_department = format!("{EXT_URN}:department");
        let cases: Vec<(Filter, &[&str])> = vec![
            (cmp("nickName", Eq, text("x")), &["`nickName`", "not an attribute"]),
            (cmp("name.middle", Eq, text("x")), &["`middle`", "`name`"]),
            (cmp("title.sub", Eq, text("x")), &["`title`", "no sub-attributes"]),
            (cmp("urn:example:nope:Widget:title", Eq, text("x")), &["urn:example:nope", "not a schema"]),
            (cmp("department", Eq, text("x")), &["`department`", "not an attribute"]),
            (cmp("active", Eq, text("yes")), &["`active`", "boolean", "\"yes\""]),
            (cmp("active", Eq, num("1")), &["`active`", "boolean"]),
            (cmp("active", Gt, CompValue::Bool(true)), &["`gt`", "`active`", "boolean"]),
            (cmp("blob", Lt, text("QUJD")), &["`lt`", "`blob`", "binary"]),
            (cmp("active", Co, text("true")), &["`co`", "`active`"]),
            (cmp("count", Sw, num("1")), &["`sw`", "`count`", "integer"]),
            (cmp("ratio", Ew, num("1")), &["`ew`", "`ratio`", "decimal"]),
            (cmp("born", Co, text("2011")), &["`co`", "`born`", "dateTime"]),
            (cmp("blob", Co, text("QU")), &["`co`", "`blob`", "binary"]),
            (cmp("count", Eq, text("5")), &["`count`", "integer", "\"5\""]),
            (cmp("born", Gt, text("yesterday")), &["`born`", "yesterday", "RFC 3339"]),
            (cmp("born", Gt, num("5")), &["`born`", "dateTime"]),
            (cmp("title", Eq, num("5")), &["`title`", "string", "5"]),
            (cmp("title", Eq, CompValue::Bool(true)), &["`title`", "string", "true"]),
            (cmp(&ext_department, Eq, num("5")), &[EXT_URN, "department"]),
            (cmp("name", Eq, text("x")), &["`name`", "givenName"]),
            (cmp("title", Gt, CompValue::Null), &["`title gt null`"]),
            (cmp("emails.value", Co, CompValue::Null), &["`emails.value co null`"]),
            (value_path("title", cmp("value", Eq, text("x"))), &["`title`", "single-valued"]),
            (value_path("emails", cmp("kind", Eq, text("x"))), &["`kind`", "`emails`", "value, type, primary"]),
            (value_path("emails", cmp("emails.type", Eq, text("x"))), &["`emails.type`", "`emails[...]`"]),
            (value_path("tags", cmp("name", Eq, text("x"))), &["`tags`", "`value`", "`name`"]),
            (value_path("emails.value", cmp("type", Eq, text("x"))), &["`emails.value`", "sub-attribute"]),
            (value_path("emails", cmp("primary", Gt, CompValue::Bool(true))), &["`gt`", "`emails.primary`"]),
            (value_path("emails", cmp("nope", Eq, text("x"))), &["`nope`", "`emails`"]),
            (
                value_path("emails", value_path("type", cmp("value", Eq, text("x")))),
                &["cannot be nested", "`type[...]`"],
            ),
            (
                Filter::And(
                    Box::new(cmp("title", Eq, text("ok"))),
                    Box::new(Filter::Not(Box::new(cmp("count", Co, num("1"))))),
                ),
                &["`co`", "`count`"],
            ),
        ];
        for (filter, needles) in cases {
            let error = match resolve(&filter) {
                Err(error) => error,
                Ok(resolved) => panic!("{filter:?} resolved to {resolved:?}"),
            };
            assert_eq!(error.status, 400, "{filter:?}");
            assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{filter:?}: {}", error.detail);
            assert!(error.detail.starts_with("filter: "), "{}", error.detail);
            for needle in needles {
                assert!(error.detail.contains(needle), "{filter:?}: `{}` lacks `{needle}`", error.detail);
            }
        }
    }

    #[test]
    fn numbers_compare_exactly_as_integers_and_numerically_across_kinds() {
        use std::cmp::Ordering::*;
        let cases = [
            (Number::Integer(1), Number::Decimal(1.0), Equal),
            (Number::Integer(i64::MAX), Number::Integer(i64::MAX - 1), Greater),
            (Number::Decimal(1.5), Number::Integer(2), Less),
            (Number::Decimal(-0.0), Number::Decimal(0.0), Equal),
        ];
        for (a, b, expected) in cases {
            assert_eq!(a.compare(b), Some(expected), "{a:?} vs {b:?}");
        }
        let big: serde_json::Number = serde_json::from_str("18446744073709551615").unwrap();
        assert!(matches!(Number::from_json(&big), Some(Number::Decimal(_))));
    }
}
