//! The sort key of a resource (RFC 7644 section 3.4.2.3), shared by every store so that they
//! order alike.

use std::cmp::Ordering;

use serde_json::Value;

use super::kind::{Scalar, lookup};
use crate::error::{ScimError, ScimResult};
use crate::schema::{AttributeType, ResolvedAttr};

/// What `sortBy` really sorts by: a complex attribute without a sub-attribute sorts by its
/// `value` sub-attribute (its "significant value", RFC 7643 section 2.4); a complex attribute
/// without one cannot be sorted by (`400 invalidValue`).
pub fn sort_target(attr: ResolvedAttr<'_>) -> ScimResult<ResolvedAttr<'_>> {
    if attr.sub_attribute.is_some() || attr.attribute.kind != AttributeType::Complex {
        return Ok(attr);
    }
    match attr.attribute.sub_attribute("value") {
        Some(value) => Ok(ResolvedAttr { sub_attribute: Some(value), ..attr }),
        None => Err(ScimError::invalid_value(format!(
            "cannot sort by `{}`: it is complex and has no `value` sub-attribute",
            attr.canonical()
        ))),
    }
}

/// Whether the sort attribute compares strings case-sensitively.
pub(crate) fn sort_case_exact(attr: &ResolvedAttr<'_>) -> bool {
    let leaf = attr.leaf();
    leaf.case_exact || leaf.kind == AttributeType::Binary
}

/// The value `record` sorts by on `attr` (already passed through [`sort_target`]): for a
/// multi-valued attribute the primary element's, else the first element's; strings
/// lower-cased unless `caseExact`; `None` when there is no value of the attribute's type.
pub fn sort_key(attr: &ResolvedAttr<'_>, record: &Value) -> Option<Scalar> {
    let container = match attr.extension_urn() {
        Some(urn) => lookup(record, urn)?,
        None => record,
    };
    let mut value = lookup(container, &attr.attribute.name)?;
    if attr.attribute.multi_valued {
        let elements = value.as_array()?;
        let is_primary = |e: &&Value| lookup(e, "primary").and_then(Value::as_bool) == Some(true);
        let non_null = || elements.iter().filter(|e| !e.is_null());
        value = non_null().find(is_primary).or_else(|| non_null().next())?;
    }
    if let Some(sub) = attr.sub_attribute {
        value = lookup(value, &sub.name)?;
    }
    let key = Scalar::of(attr.leaf().kind, value)?;
    Some(if sort_case_exact(attr) { key } else { key.lowered() })
}

/// Order two sort keys: missing values after present ones (callers reverse the whole order
/// for descending), numbers numerically, texts by code point.
pub fn compare_keys(a: Option<&Scalar>, b: Option<&Scalar>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => compare_scalars(a, b),
    }
}

fn compare_scalars(a: &Scalar, b: &Scalar) -> Ordering {
    #[allow(clippy::cast_precision_loss)]
    let real = |s: &Scalar| match s {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Real(r) => Some(*r),
        Scalar::Text(_) => None,
    };
    match (a, b) {
        (Scalar::Text(a), Scalar::Text(b)) => a.cmp(b),
        (Scalar::Int(a), Scalar::Int(b)) => a.cmp(b),
        // SQLite orders numbers before text; a column never mixes them anyway.
        (Scalar::Text(_), _) => Ordering::Greater,
        (_, Scalar::Text(_)) => Ordering::Less,
        _ => real(a).partial_cmp(&real(b)).unwrap_or(Ordering::Equal),
    }
}
