//! Typed filters and sorts: what `#[derive(ScimResource)]` generates beside a resource so that a
//! typed backend ([`crate::typed::backend`]) never sees the runtime's [`ResolvedFilter`].
//!
//! For a type `Account` whose filter support table makes `userName` filterable with `eq`, the
//! derive emits
//!
//! - `AccountFilter`: one variant per filterable attribute (`AccountFilter::UserName`), each
//!   carrying a generated test enum with one variant per allowed operator and the literal in its
//!   Rust type (`AccountUserNameTest::Eq(String)`), plus `And`, `Or` and `Not`. A backend that
//!   matches it exhaustively stops compiling, naming the new variant, when one more attribute
//!   becomes filterable. Each variant's docs say how to compare (for `caseExact` false: the
//!   literal is already lower-cased and the comparison is case-insensitive).
//! - `AccountSort`: one variant per sortable attribute (a filterable, single, top-level simple
//!   attribute such as `userName` or `externalId`).
//! - `impl Queryable for Account`, the glue the runtime calls: [`Queryable::filter_leaf`] for each
//!   comparison ([`typed_filter`] walks `and`/`or`/`not`) and [`Queryable::sort`].
//!
//! A field mapped through a selector (`emails[type eq "work"].value`, filterable) gets a variant
//! too (`AccountFilter::EmailsWorkValue`): it stands for a value filter of exactly the selector's
//! terms and one test, in either form (`emails[type eq "work"].value eq "x"` or
//! `emails[type eq "work" and value eq "x"]`), which tests the field's element.
//!
//! A filter, or part of one, that has no typed form (any other value filter, an attribute mapped
//! by more than one field) makes [`typed_filter`] return `None`; the runtime then evaluates the
//! filter in memory (see [`crate::typed::backend`]), so nothing is ever silently widened.

use std::fmt::Debug;

use super::ScimResource;
use crate::filter::CompareOp;
use crate::filter::resolve::{Number, Operand, PathScope, ResolvedFilter};
use crate::schema::ResolvedAttr;

/// The date-time type of typed `dateTime` literals.
pub use time::OffsetDateTime;

/// A filter operator, as the generated `filter_leaf` matches it: the comparison operators of RFC
/// 7644 section 3.4.2.2 and `pr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
    /// `pr` (present): no literal.
    Pr,
}

impl From<CompareOp> for FilterOp {
    fn from(op: CompareOp) -> Self {
        match op {
            CompareOp::Eq => FilterOp::Eq,
            CompareOp::Ne => FilterOp::Ne,
            CompareOp::Co => FilterOp::Co,
            CompareOp::Sw => FilterOp::Sw,
            CompareOp::Ew => FilterOp::Ew,
            CompareOp::Gt => FilterOp::Gt,
            CompareOp::Ge => FilterOp::Ge,
            CompareOp::Lt => FilterOp::Lt,
            CompareOp::Le => FilterOp::Le,
        }
    }
}

/// One comparison of a filter on a filterable attribute, handed to the generated
/// [`Queryable::filter_leaf`].
#[derive(Debug, Clone, Copy)]
pub struct FilterLeaf<'f> {
    /// The index of the attribute in [`crate::typed::FilterSupport::attributes`].
    pub attribute: usize,
    /// The operator.
    pub op: FilterOp,
    literal: Option<&'f Operand>,
}

impl FilterLeaf<'_> {
    /// A string, reference or binary literal (already lower-cased when the attribute is not
    /// `caseExact`).
    pub fn text(&self) -> Option<String> {
        match self.literal? {
            Operand::String { text, .. } => Some(text.clone()),
            _ => None,
        }
    }

    /// A boolean literal.
    pub fn boolean(&self) -> Option<bool> {
        match self.literal? {
            Operand::Boolean(value) => Some(*value),
            _ => None,
        }
    }

    /// An integer literal (a fractional literal has no integer form: `None`).
    pub fn integer(&self) -> Option<i64> {
        match self.literal? {
            Operand::Number(Number::Integer(value)) => Some(*value),
            _ => None,
        }
    }

    /// A decimal literal.
    pub fn decimal(&self) -> Option<f64> {
        match self.literal? {
            Operand::Number(Number::Decimal(value)) => Some(*value),
            // An integer literal on a decimal attribute: as the evaluator compares it.
            #[allow(clippy::cast_precision_loss)]
            Operand::Number(Number::Integer(value)) => Some(*value as f64),
            _ => None,
        }
    }

    /// A dateTime literal.
    pub fn date_time(&self) -> Option<OffsetDateTime> {
        match self.literal? {
            Operand::DateTime(value) => Some(*value),
            _ => None,
        }
    }
}

/// The typed filter and sort of a resource type; implemented by `#[derive(ScimResource)]` (see
/// the module docs).
pub trait Queryable: ScimResource {
    /// The generated filter enum (`AccountFilter`).
    type Filter: Clone + Debug + PartialEq + Send + Sync + 'static;
    /// The generated sort enum (`AccountSort`).
    type Sort: Copy + Debug + PartialEq + Eq + Send + Sync + 'static;

    /// The typed form of one comparison, `None` when the operator or literal has none.
    fn filter_leaf(leaf: FilterLeaf<'_>) -> Option<Self::Filter>;
    /// `a and b`.
    fn filter_and(a: Self::Filter, b: Self::Filter) -> Self::Filter;
    /// `a or b`.
    fn filter_or(a: Self::Filter, b: Self::Filter) -> Self::Filter;
    /// `not (a)`.
    fn filter_not(a: Self::Filter) -> Self::Filter;
    /// The sort of the attribute with this index in
    /// [`crate::typed::FilterSupport::attributes`], if it is sortable.
    fn sort(attribute: usize) -> Option<Self::Sort>;
}

/// The typed form of a resolved filter (checked by the type's filter support), or `None` when
/// some part of it has none (see the module docs).
pub fn typed_filter<T: Queryable>(filter: &ResolvedFilter<'_>) -> Option<T::Filter> {
    let support = T::descriptor().filter_support();
    match filter {
        ResolvedFilter::And(a, b) => Some(T::filter_and(typed_filter::<T>(a)?, typed_filter::<T>(b)?)),
        ResolvedFilter::Or(a, b) => Some(T::filter_or(typed_filter::<T>(a)?, typed_filter::<T>(b)?)),
        ResolvedFilter::Not(inner) => Some(T::filter_not(typed_filter::<T>(inner)?)),
        ResolvedFilter::Compare { path, op, value } => {
            if path.scope != PathScope::Resource {
                return None;
            }
            let op = FilterOp::from(*op);
            let (attribute, op, literal) = match &path.element_filter {
                None => (support.leaf_attribute(&path.attr, op)?, op, Some(value)),
                // `emails[type eq "work"].value eq "x"`: the comparison of a selected element.
                Some(element_filter) => {
                    let sub = path.attr.sub_attribute.map(|s| s.name.as_str());
                    support.selected_leaf(&path.attr, element_filter, Some((sub, op, Some(value))))?
                }
            };
            T::filter_leaf(FilterLeaf { attribute, op, literal })
        }
        ResolvedFilter::Present(path) => {
            if path.scope != PathScope::Resource {
                return None;
            }
            let (attribute, op, literal) = match &path.element_filter {
                None => (support.leaf_attribute(&path.attr, FilterOp::Pr)?, FilterOp::Pr, None),
                Some(element_filter) => {
                    let sub = path.attr.sub_attribute.map(|s| s.name.as_str());
                    support.selected_leaf(&path.attr, element_filter, Some((sub, FilterOp::Pr, None)))?
                }
            };
            T::filter_leaf(FilterLeaf { attribute, op, literal })
        }
        // `emails[type eq "work" and value eq "x"]`: the same test in the bracket form.
        ResolvedFilter::ValuePath { path, filter } => {
            if path.scope != PathScope::Resource {
                return None;
            }
            let (attribute, op, literal) = support.selected_leaf(&path.attr, filter, None)?;
            T::filter_leaf(FilterLeaf { attribute, op, literal })
        }
    }
}

/// The typed sort for a `sortBy` attribute, or `None` when it is not one of the sortable
/// attributes.
pub fn typed_sort<T: Queryable>(attr: &ResolvedAttr<'_>) -> Option<T::Sort> {
    let index = T::descriptor().filter_support().sort_attribute(attr)?;
    T::sort(index)
}
