//! Filtering users by the groups that list them: `groups.value eq "<group id>"` over the
//! computed `groups` of RFC 7643 section 4.1.2 (see [`super::StoreQuery::memberships`]).
//!
//! A user's `groups` comes from the groups' member lists (SQLite keeps a copy in the user's row
//! for reads, derived from them). So a filter on it is answered from those lists, by a store
//! holding both the users and the groups ([`super::Store::answers_membership_filters`]), and
//! only in the forms that can be answered exactly from them:
//!
//! | filter | matches the users |
//! |---|---|
//! | `groups.value eq "g"` (or `groups eq "g"`) | that group `g` lists as direct members |
//! | `groups.value ne "g"` | that `g` does not list (`not (groups.value eq "g")`) |
//! | `groups pr`, `groups.value pr` | that some group lists |
//! | `groups[value eq "g" or value eq "h"]` | that some group listing them passes the bracketed test, made of `value` with `eq`, `ne`, `pr`, and `and`, `or`, `not` |
//!
//! Group ids compare as the schema says: `groups.value` is `caseExact` false in the core User
//! schema, so `"ABC"` finds group `abc`, with Unicode lower case as the evaluator folds (a SQL
//! store folds in Rust the ids SQL's `lower` would not, see [`sql_lower_is_exact`]).
//! Everything else on `groups` (`display`, `type`, `$ref`, other operators, the path form
//! `groups[...].value`) is `400 invalidFilter` naming these forms: the server checks with
//! [`check`] before a store sees the filter.

use crate::error::{ScimError, ScimResult};
use crate::filter::{CompareOp, PathScope, ResolvedFilter, ResolvedPath};
use crate::schema::{AttrOwner, ResolvedAttr};
use crate::store::ResourceKind;

/// The forms a filter on `groups` may take, for error details.
pub(crate) const SUPPORTED: &str = "groups.value (eq, ne, pr), groups pr, and groups[...] testing `value` with eq, ne, \
                                    pr joined by and, or, not";

/// `400 invalidFilter`: a store was asked to filter users on the members of `groups`, which it
/// does not keep.
pub(crate) fn kept_elsewhere(groups: &ResourceKind) -> ScimError {
    ScimError::invalid_filter(format!(
        "filter: `groups` cannot be filtered on: the members of {} are not kept in this store",
        groups.name()
    ))
}

/// Whether `attr` is the core `groups` or one of its sub-attributes.
pub(crate) fn is_computed_groups(attr: &ResolvedAttr<'_>) -> bool {
    attr.owner == AttrOwner::Core && attr.attribute.name == "groups"
}

/// Whether `filter` tests `groups` anywhere.
pub(crate) fn names_groups(filter: &ResolvedFilter<'_>) -> bool {
    match filter {
        ResolvedFilter::Compare { path, .. } | ResolvedFilter::Present(path) => is_computed_groups(&path.attr),
        ResolvedFilter::ValuePath { path, .. } => is_computed_groups(&path.attr),
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => names_groups(a) || names_groups(b),
        ResolvedFilter::Not(inner) => names_groups(inner),
    }
}

/// What a term of a filter on `groups` asks of one member list: whether the user is listed by
/// some group ([`Term::Member`], with a test on the group's id), for the SQL compiler and the
/// check.
#[derive(Debug)]
// The tests are read by the SQL compiler only; without a SQL store, only the form is checked.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) enum Term<'f, 's> {
    /// Some group lists the user and passes the test (`None`: any group).
    Member(Option<&'f ResolvedFilter<'s>>),
    /// `not (some group lists the user and passes the test)`: `groups.value ne "g"`.
    NotMember(&'f ResolvedFilter<'s>),
}

/// The reading of a filter leaf on `groups` (a comparison, `pr` or value filter whose path
/// [`is_computed_groups`]), or `400 invalidFilter` for a form that is not supported.
pub(crate) fn term<'f, 's>(leaf: &'f ResolvedFilter<'s>) -> ScimResult<Term<'f, 's>> {
    match leaf {
        ResolvedFilter::Compare { path, op, .. } if plain_value(path) && matches!(op, CompareOp::Eq) => {
            Ok(Term::Member(Some(leaf)))
        }
        ResolvedFilter::Compare { path, op: CompareOp::Ne, .. } if plain_value(path) => Ok(Term::NotMember(leaf)),
        ResolvedFilter::Present(path)
            if path.scope == PathScope::Resource
                && path.element_filter.is_none()
                && path.attr.sub_attribute.is_none_or(|sub| sub.name == "value") =>
        {
            Ok(Term::Member(None))
        }
        ResolvedFilter::ValuePath { path, filter } if path.attr.sub_attribute.is_none() => {
            check_element(filter)?;
            Ok(Term::Member(Some(filter)))
        }
        _ => Err(unsupported(leaf)),
    }
}

/// Check every test on `groups` in `filter` (see [`term`]); other tests are left alone.
pub(crate) fn check(filter: &ResolvedFilter<'_>) -> ScimResult<()> {
    match filter {
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
            check(a)?;
            check(b)
        }
        ResolvedFilter::Not(inner) => check(inner),
        leaf if names_groups(leaf) => term(leaf).map(drop),
        _ => Ok(()),
    }
}

/// Whether SQL's `lower` (which folds ASCII letters only: SQLite's, and PostgreSQL's on ASCII)
/// compares stored group ids with `literal` (already lower-cased) exactly as the evaluator's
/// Unicode lower case does: when `literal` is ASCII and has no `k`, only ASCII ids can equal it
/// once lower-cased (the one non-ASCII letter whose lower case is ASCII is U+212A KELVIN SIGN,
/// `k`), and on those both agree. Other literals are matched against the ids folded in Rust
/// ([`case_folded_literals`]).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn sql_lower_is_exact(literal: &str) -> bool {
    literal.is_ascii() && !literal.contains('k')
}

/// The case-insensitive literals of `filter`'s tests on `groups` that SQL's `lower` cannot
/// compare exactly ([`sql_lower_is_exact`]): a SQL store reads the tenant's group ids and folds
/// them itself to find which ids each one names.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn case_folded_literals<'f>(filter: &'f ResolvedFilter<'_>) -> Vec<&'f str> {
    fn collect<'f>(filter: &'f ResolvedFilter<'_>, in_groups: bool, out: &mut Vec<&'f str>) {
        match filter {
            ResolvedFilter::Compare {
                path, value: crate::filter::Operand::String { text, case_exact: false }, ..
            } if (in_groups || is_computed_groups(&path.attr)) && !sql_lower_is_exact(text) => {
                out.push(text);
            }
            ResolvedFilter::ValuePath { path, filter } => collect(filter, is_computed_groups(&path.attr), out),
            ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
                collect(a, in_groups, out);
                collect(b, in_groups, out);
            }
            ResolvedFilter::Not(inner) => collect(inner, in_groups, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(filter, false, &mut out);
    out
}

/// `groups.value` itself, outside a value filter and without an element filter.
fn plain_value(path: &ResolvedPath<'_>) -> bool {
    path.scope == PathScope::Resource
        && path.element_filter.is_none()
        && path.attr.sub_attribute.is_some_and(|sub| sub.name == "value")
}

/// A value filter's test on one element: `value` with `eq`, `ne`, `pr`, joined by `and`,
/// `or`, `not`.
fn check_element(filter: &ResolvedFilter<'_>) -> ScimResult<()> {
    match filter {
        ResolvedFilter::Compare { path, op: CompareOp::Eq | CompareOp::Ne, .. } if element_value(path) => Ok(()),
        ResolvedFilter::Present(path) if element_value(path) => Ok(()),
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
            check_element(a)?;
            check_element(b)
        }
        ResolvedFilter::Not(inner) => check_element(inner),
        other => Err(unsupported(other)),
    }
}

fn element_value(path: &ResolvedPath<'_>) -> bool {
    path.scope == PathScope::Element && path.attr.sub_attribute.is_some_and(|sub| sub.name == "value")
}

/// `400 invalidFilter` for an unsupported test on `groups`, naming what is supported.
fn unsupported(leaf: &ResolvedFilter<'_>) -> ScimError {
    let what = match leaf {
        ResolvedFilter::Compare { path, op, .. } => format!("`{} {}`", path.attr.canonical(), op.as_str()),
        ResolvedFilter::Present(path) => format!("`{} pr`", path.attr.canonical()),
        ResolvedFilter::ValuePath { path, .. } => format!("this value filter on `{}`", path.attr.canonical()),
        _ => "this test".to_owned(),
    };
    ScimError::invalid_filter(format!(
        "filter: {what} is not supported on a user's groups, which are read from the groups' members; supported: \
         {SUPPORTED}"
    ))
}
