//! [`FilterSupport`]: which attributes of a typed resource may be filtered on, with which
//! operators, and the check that rejects any other filter before it reaches a store.
//!
//! # The table
//!
//! Each mapped field may add one [`FilterableAttribute`] (its flag decides; see
//! [`FilterFlag`]). With [`FilterFlag::Default`], the attributes Entra ID and Okta match and
//! query on are filterable with `eq`: `id`, `externalId`, User `userName`, User `emails.value`
//! (also in a selector form such as `emails[type eq "work"].value`), enterprise
//! `manager.value`, Group `displayName`, Group `members.value`. Everything else needs a flag.
//! A field mapping a whole complex attribute that has a `value` sub-attribute (`manager`,
//! `members`, `emails`) makes `attr.value` filterable (the attribute's significant value, RFC
//! 7643 section 2.4).
//!
//! # The check
//!
//! `and`, `or` and `not` combine supported tests freely. A comparison or `pr` on a plain path
//! (`userName`, `emails.value`) is supported when every mapped field where that value can be
//! found supports the operator: for `emails.value eq "x"` with only `emails[type eq
//! "work"].value` mapped, the work address is the only email a resource has, so the filter is
//! supported exactly when that field is filterable with `eq`; with a home address mapped too,
//! both must be.
//!
//! A value filter (`emails[type eq "work" and value eq "x"]`, or the path form
//! `emails[type eq "work"].value eq "x"`, which is the same test on one element) is supported
//! when either
//! - it is a conjunction (`and` only) containing every `eq` term of some mapped selector
//!   (`type eq "work"`, compared like the data: case-insensitively unless `caseExact`), and
//!   each other term is supported on a filterable field with that same selector
//!   (`emails[type eq "work"].value` with `eq`); the selector terms themselves hold by
//!   construction for that field's element; or
//! - every term on its own is supported on the plain path (`emails.type`, `emails.value`), as
//!   above; or
//! - it is a conjunction whose terms other than `type eq "..."` (at least one) are all
//!   supported on the plain path, and a mapped field holds the elements' `type` (a field
//!   mapping all of `emails`, or `emails.type`): the type terms only narrow which element must
//!   satisfy the others, so they never widen the result. This is how Entra ID matches on the
//!   work email (`emails[type eq "work"].value eq "x"`) against a server mapping all of
//!   `emails`; stores index `emails.type` for it ([`FilterSupport::index_paths`]).
//!
//! So with only `emails.value` mapped (a field of its own), `emails[type eq "work"].value eq
//! "x"` is rejected: the mapped resource has no `type` to test. Unsupported filters are `400
//! invalidFilter` naming the attribute and operator and listing what is supported.

use serde_json::Value;

use super::accessor::{FieldAccessor, Selector};
use super::descriptor::FilterFlag;
use crate::error::{ScimError, ScimResult};
use crate::filter::CompareOp;
use crate::filter::resolve::{Number, Operand, ResolvedFilter, ResolvedPath};
use crate::schema::builtin::{ENTERPRISE_USER_URN, GROUP_URN, USER_URN};
use crate::schema::{AttrOwner, AttributeType, ResolvedAttr, ResourceSchema};

/// One filterable attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterableAttribute {
    /// The canonical path: `userName`, `emails[type eq "work"].value`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub path: String,
    /// The extension URN, for extension attributes.
    pub extension: Option<String>,
    /// The top-level attribute, spelled as the schema spells it.
    pub attribute: String,
    /// The sub-attribute compared, if any.
    pub sub_attribute: Option<String>,
    /// The element selector, for `emails[type eq "work"].value`.
    pub selector: Option<Selector>,
    /// The type of the compared value.
    pub kind: AttributeType,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// The comparison operators allowed.
    pub operators: Vec<CompareOp>,
    /// Whether `pr` is allowed.
    pub presence: bool,
    /// The index of the field it belongs to.
    pub field: usize,
}

impl FilterableAttribute {
    fn supports(&self, test: Test) -> bool {
        match test {
            Test::Compare(op) => self.operators.contains(&op),
            Test::Present => self.presence,
        }
    }

    /// `userName (eq, sw)`.
    fn describe(&self) -> String {
        let mut operators: Vec<&str> = self.operators.iter().map(|op| op.as_str()).collect();
        if self.presence {
            operators.push("pr");
        }
        format!("{} ({})", self.path, operators.join(", "))
    }
}

/// Where one field's values live: what a plain-path filter must check is filterable.
#[derive(Debug, Clone)]
pub(super) struct MappedPlace {
    field: usize,
    extension: Option<String>,
    /// `None` for a whole extension object.
    attribute: Option<Leaf>,
    flag: FilterFlag,
}

#[derive(Debug, Clone)]
struct Leaf {
    owner: OwnerKind,
    name: String,
    sub: Option<String>,
    selector: Option<Selector>,
    kind: AttributeType,
    case_exact: bool,
    /// For a field mapping a whole complex attribute: its `value` sub-attribute, if any.
    value_sub: Option<(String, AttributeType, bool)>,
    /// Whether the attribute is complex with sub-attributes.
    complex: bool,
    /// Whether the attribute is multi-valued with a `type` sub-attribute (`emails`,
    /// `addresses`): its elements can be told apart by type.
    typed_elements: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OwnerKind {
    Common,
    Core,
    Extension,
}

impl MappedPlace {
    pub(super) fn whole_extension(field: usize, urn: String, flag: FilterFlag) -> Self {
        MappedPlace { field, extension: Some(urn), attribute: None, flag }
    }

    pub(super) fn attribute(
        field: usize,
        attr: &ResolvedAttr<'_>,
        selector: Option<Selector>,
        flag: FilterFlag,
    ) -> Self {
        let leaf = attr.leaf();
        let value_sub = match attr.sub_attribute {
            None => attr.attribute.sub_attribute("value").map(|v| (v.name.clone(), v.kind, v.case_exact)),
            Some(_) => None,
        };
        MappedPlace {
            field,
            extension: attr.extension_urn().map(str::to_owned),
            attribute: Some(Leaf {
                owner: match attr.owner {
                    AttrOwner::Common => OwnerKind::Common,
                    AttrOwner::Core => OwnerKind::Core,
                    AttrOwner::Extension(_) => OwnerKind::Extension,
                },
                name: attr.attribute.name.clone(),
                sub: attr.sub_attribute.map(|s| s.name.clone()),
                selector,
                kind: leaf.kind,
                case_exact: leaf.case_exact,
                value_sub,
                complex: leaf.kind == AttributeType::Complex,
                typed_elements: attr.attribute.multi_valued && attr.attribute.sub_attribute("type").is_some(),
            }),
            flag,
        }
    }

    /// Whether this place holds values of `extension` / `attribute` / `sub` (a field mapping
    /// the whole attribute or a whole selected element holds every sub-attribute).
    fn holds(&self, extension: Option<&str>, attribute: &str, sub: Option<&str>) -> bool {
        let same_extension = match (&self.extension, extension) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        if !same_extension {
            return false;
        }
        let Some(leaf) = &self.attribute else {
            // A whole extension object holds all of its attributes.
            return extension.is_some();
        };
        leaf.name.eq_ignore_ascii_case(attribute)
            && match (&leaf.sub, sub) {
                (None, _) | (_, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            }
    }
}

/// Per filterable attribute: its canonical path, type, case sensitivity and operators.
#[derive(Debug, Clone)]
pub struct FilterSupport {
    resource: String,
    /// Each field's canonical path, by field index (for error details).
    field_paths: Vec<String>,
    attributes: Vec<FilterableAttribute>,
    places: Vec<MappedPlace>,
    /// The places that may hold an attribute, by its lower-cased name: those mapping it and the
    /// whole-extension ones, in place order (every filter of every list asks, so it is not a
    /// search of all the places).
    candidates: std::collections::HashMap<String, Vec<usize>>,
    /// The whole-extension places, the candidates for a name no place maps.
    whole_extensions: Vec<usize>,
}

/// What a filter leaf asks of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Compare(CompareOp),
    Present,
}

impl From<super::query::FilterOp> for Test {
    fn from(op: super::query::FilterOp) -> Self {
        use super::query::FilterOp;
        match op {
            FilterOp::Pr => Test::Present,
            FilterOp::Eq => Test::Compare(CompareOp::Eq),
            FilterOp::Ne => Test::Compare(CompareOp::Ne),
            FilterOp::Co => Test::Compare(CompareOp::Co),
            FilterOp::Sw => Test::Compare(CompareOp::Sw),
            FilterOp::Ew => Test::Compare(CompareOp::Ew),
            FilterOp::Gt => Test::Compare(CompareOp::Gt),
            FilterOp::Ge => Test::Compare(CompareOp::Ge),
            FilterOp::Lt => Test::Compare(CompareOp::Lt),
            FilterOp::Le => Test::Compare(CompareOp::Le),
        }
    }
}

impl From<Test> for super::query::FilterOp {
    fn from(test: Test) -> Self {
        match test {
            Test::Present => super::query::FilterOp::Pr,
            Test::Compare(op) => op.into(),
        }
    }
}

impl Test {
    fn as_str(self) -> &'static str {
        match self {
            Test::Compare(op) => op.as_str(),
            Test::Present => "pr",
        }
    }
}

/// What a mapped selector says about a value filter.
enum SelectorCheck {
    /// The filter does not contain the selector's terms.
    NotApplicable,
    /// Every other term is supported on fields with the selector.
    Supported,
    /// A term is not.
    Unsupported(ScimError),
}

/// One term of a value filter, relative to an element.
struct ElementTerm<'f> {
    sub: Option<&'f str>,
    test: Test,
    operand: Option<&'f Operand>,
}

impl FilterSupport {
    pub(super) fn new(
        schema: &ResourceSchema,
        fields: &[FieldAccessor],
        places: Vec<MappedPlace>,
    ) -> ScimResult<FilterSupport> {
        let mut attributes = Vec::new();
        for place in &places {
            let Some(field) = fields.get(place.field) else { continue };
            if let Some(attribute) = filterable(schema, place, field)
                .map_err(|e| e.context(format!("field `{}` (path `{}`)", field.rust_name(), field.path())))?
            {
                attributes.push(attribute);
            }
        }
        let field_paths = fields.iter().map(|f| f.path().to_owned()).collect();
        let whole_extensions: Vec<usize> =
            places.iter().enumerate().filter(|(_, p)| p.attribute.is_none()).map(|(index, _)| index).collect();
        let mut candidates: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for (index, place) in places.iter().enumerate() {
            if let Some(leaf) = &place.attribute {
                candidates
                    .entry(leaf.name.to_ascii_lowercase())
                    .or_insert_with(|| whole_extensions.clone())
                    .push(index);
            }
        }
        for indices in candidates.values_mut() {
            indices.sort_unstable();
        }
        Ok(FilterSupport {
            resource: schema.name().to_owned(),
            field_paths,
            attributes,
            places,
            candidates,
            whole_extensions,
        })
    }

    /// The places holding values of `extension` / `name` / `sub`, in place order.
    fn holding<'s>(
        &'s self,
        extension: Option<&'s str>,
        name: &'s str,
        sub: Option<&'s str>,
    ) -> impl Iterator<Item = &'s MappedPlace> + 's {
        let indices = self.candidates.get(&name.to_ascii_lowercase()).unwrap_or(&self.whole_extensions);
        indices.iter().map(|&index| &self.places[index]).filter(move |p| p.holds(extension, name, sub))
    }

    /// The filterable attributes, in field order.
    pub fn attributes(&self) -> &[FilterableAttribute] {
        &self.attributes
    }

    /// The filterable attribute with this canonical path (compared case-insensitively).
    pub fn attribute(&self, path: &str) -> Option<&FilterableAttribute> {
        self.attributes.iter().find(|a| a.path.eq_ignore_ascii_case(path))
    }

    /// The index (in [`Self::attributes`]) of the one filterable attribute a comparison or `pr`
    /// on the plain path `attr` tests, for the typed filter: `None` when no attribute supports
    /// the operator there, or when more than one mapped field holds the value (the comparison
    /// then spans fields and has no single typed variant).
    pub fn leaf_attribute(&self, attr: &ResolvedAttr<'_>, op: super::query::FilterOp) -> Option<usize> {
        let test = Test::from(op);
        let extension = attr.extension_urn();
        let name = attr.attribute.name.as_str();
        let sub = attr.sub_attribute.map(|s| s.name.as_str());
        let mut places = self.holding(extension, name, sub);
        let place = places.next()?;
        if places.next().is_some() {
            return None;
        }
        self.attributes.iter().position(|a| {
            a.field == place.field
                && a.selector.is_none()
                && same_attribute(a, extension, name)
                && same_sub(a.sub_attribute.as_deref(), sub)
                && a.supports(test)
        })
    }

    /// The filterable attribute with a selector (`emails[type eq "work"].value`) that a value
    /// filter on `parent` tests, for the typed filter: its index (in [`Self::attributes`]) and
    /// the one test's operator and literal. The filter (with `tail`, the comparison of the path
    /// form `emails[type eq "work"].value eq "x"`) must be a conjunction of exactly that
    /// selector's terms and one more test the attribute supports; anything else (`or`, `not`,
    /// another term, a second test) has no single typed variant: `None`.
    pub fn selected_leaf<'f>(
        &self,
        parent: &ResolvedAttr<'_>,
        filter: &'f ResolvedFilter<'_>,
        tail: Option<(Option<&'f str>, super::query::FilterOp, Option<&'f Operand>)>,
    ) -> Option<(usize, super::query::FilterOp, Option<&'f Operand>)> {
        let mut terms = Vec::new();
        if !element_terms(filter, &mut terms) {
            return None;
        }
        if let Some((sub, op, operand)) = tail {
            terms.push(ElementTerm { sub, test: Test::from(op), operand });
        }
        let (extension, name) = (parent.extension_urn(), parent.attribute.name.as_str());
        self.attributes.iter().enumerate().find_map(|(index, attribute)| {
            let selector = attribute.selector.as_ref().filter(|_| same_attribute(attribute, extension, name))?;
            let (selecting, tested): (Vec<&ElementTerm<'f>>, Vec<&ElementTerm<'f>>) =
                terms.iter().partition(|term| is_selector_term(selector, term));
            let [test] = tested.as_slice() else { return None };
            let covers_selector = selector.terms.iter().all(|s| {
                selecting.iter().any(|term| term.sub.is_some_and(|sub| sub.eq_ignore_ascii_case(&s.sub_attribute)))
            });
            let supported = same_sub(attribute.sub_attribute.as_deref(), test.sub) && attribute.supports(test.test);
            (covers_selector && supported).then(|| (index, test.test.into(), test.operand))
        })
    }

    /// The index (in [`Self::attributes`]) of the sortable attribute `attr` names: a filterable,
    /// top-level attribute without selector or sub-attribute, held by one field only.
    pub fn sort_attribute(&self, attr: &ResolvedAttr<'_>) -> Option<usize> {
        let index = self
            .leaf_attribute(attr, super::query::FilterOp::Eq)
            .or_else(|| self.leaf_attribute(attr, super::query::FilterOp::Pr))?;
        self.is_sortable(index).then_some(index)
    }

    /// Whether the attribute with this index is sortable (see [`Self::sort_attribute`]).
    pub fn is_sortable(&self, index: usize) -> bool {
        self.attributes
            .get(index)
            .is_some_and(|a| a.selector.is_none() && a.sub_attribute.is_none() && a.kind != AttributeType::Complex)
    }

    /// Reject (`400 invalidFilter`) a filter that tests an attribute or uses an operator the
    /// table does not support; see the module docs for the exact rule.
    pub fn check(&self, filter: &ResolvedFilter<'_>) -> ScimResult<()> {
        match filter {
            ResolvedFilter::Compare { path, op, .. } => self.check_path(path, Test::Compare(*op)),
            ResolvedFilter::Present(path) => self.check_path(path, Test::Present),
            ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
                self.check(a)?;
                self.check(b)
            }
            ResolvedFilter::Not(inner) => self.check(inner),
            ResolvedFilter::ValuePath { path, filter } => self.check_value_filter(&path.attr, filter, None),
        }
    }

    fn check_path(&self, path: &ResolvedPath<'_>, test: Test) -> ScimResult<()> {
        match &path.element_filter {
            None => self.check_plain(&path.attr, path.attr.sub_attribute.map(|s| s.name.as_str()), test),
            Some(element_filter) => {
                let tail = ElementTerm { sub: path.attr.sub_attribute.map(|s| s.name.as_str()), test, operand: None };
                self.check_value_filter(&path.attr, element_filter, Some(tail))
            }
        }
    }

    /// A test on a plain path: every place holding the value must support it.
    fn check_plain(&self, attr: &ResolvedAttr<'_>, sub: Option<&str>, test: Test) -> ScimResult<()> {
        let extension = attr.extension_urn();
        let name = attr.attribute.name.as_str();
        // Only errors show the path.
        let shown = || plain_path(extension, name, sub);
        let supported_at = |place: &MappedPlace| {
            self.attributes.iter().any(|a| a.field == place.field && sub_matches(a, sub, test) && a.supports(test))
        };
        // A field of its own for an extension attribute means the whole-extension field leaves
        // it out (the derive only accepts both with `only` excluding it), so only that one counts.
        // One pass over the places (every filter of every list comes here): the first place
        // without support among the specific ones and among all.
        let (mut held, mut specific) = (false, false);
        let (mut uncovered_specific, mut uncovered_any) = (None, None);
        for place in self.holding(extension, name, sub) {
            held = true;
            let uncovered = !supported_at(place);
            if place.attribute.is_some() {
                specific = true;
                if uncovered && uncovered_specific.is_none() {
                    uncovered_specific = Some(place);
                }
            }
            if uncovered && uncovered_any.is_none() {
                uncovered_any = Some(place);
            }
        }
        if !held {
            return Err(self.unsupported(format!("`{}` is not filterable", shown())));
        }
        let Some(uncovered) = (if specific { uncovered_specific } else { uncovered_any }) else {
            return Ok(());
        };
        let shown = shown();
        let related: Vec<&FilterableAttribute> = self
            .attributes
            .iter()
            .filter(|a| same_attribute(a, extension, name) && sub_matches(a, sub, test))
            .collect();
        let what = if related.is_empty() {
            format!("`{shown}` is not filterable")
        } else if related.iter().any(|a| a.supports(test)) {
            let uncovered = self.field_paths.get(uncovered.field).map_or("", String::as_str);
            format!(
                "`{shown} {op}` would have to search every mapped `{shown}`, and `{uncovered}` is not filterable with \
                 `{op}`; filter on the mapped form instead",
                op = test.as_str()
            )
        } else {
            let offered: Vec<String> = related.iter().map(|a| a.describe()).collect();
            format!("operator `{}` is not supported on `{shown}` (supported: {})", test.as_str(), offered.join(", "))
        };
        Err(self.unsupported(what))
    }

    /// A value filter on `parent` (with the path form's comparison as `tail`).
    fn check_value_filter(
        &self,
        parent: &ResolvedAttr<'_>,
        filter: &ResolvedFilter<'_>,
        tail: Option<ElementTerm<'_>>,
    ) -> ScimResult<()> {
        let extension = parent.extension_urn();
        let name = parent.attribute.name.as_str();
        let mut terms = Vec::new();
        let conjunctive = element_terms(filter, &mut terms);
        if let Some(tail) = tail {
            terms.push(tail);
        }
        // A selector whose terms the filter contains decides, when there is one; its error is
        // also the most precise to report.
        let mut selector_error = None;
        if conjunctive {
            let selectors = self
                .attributes
                .iter()
                .filter(|a| same_attribute(a, extension, name))
                .filter_map(|a| a.selector.as_ref());
            for selector in selectors {
                match self.selected_supports(extension, name, selector, &terms) {
                    SelectorCheck::NotApplicable => {}
                    SelectorCheck::Supported => return Ok(()),
                    SelectorCheck::Unsupported(error) => {
                        selector_error.get_or_insert(error);
                    }
                }
            }
        }
        // `type eq "..."` terms narrow a conjunction that tests something else.
        let narrowed_by_type =
            conjunctive && terms.iter().any(|term| !is_type_eq(term)) && self.type_narrowable(extension, name);
        for term in terms.iter().filter(|term| !(narrowed_by_type && is_type_eq(term))) {
            if let Err(error) = self.check_plain(parent, term.sub, term.test) {
                return Err(selector_error.unwrap_or(error));
            }
        }
        Ok(())
    }

    /// Whether value filters on `extension`/`name` may be narrowed by `type eq "..."`: a mapped
    /// field holds the elements' `type`, and the attribute has a filterable value outside any
    /// selector (so its side table is indexed, and [`Self::index_paths`] adds `type` to it).
    fn type_narrowable(&self, extension: Option<&str>, name: &str) -> bool {
        let holds_type = self.places.iter().any(|place| {
            place.attribute.as_ref().is_some_and(|leaf| leaf.typed_elements)
                && place.holds(extension, name, Some("type"))
        });
        holds_type && self.attributes.iter().any(|a| a.selector.is_none() && same_attribute(a, extension, name))
    }

    /// The paths a store must index to answer every supported filter: each filterable
    /// attribute's path, plus `attr.type` where value filters on `attr` may be narrowed by type
    /// (see the module docs).
    pub fn index_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.attributes.iter().map(|a| a.path.clone()).collect();
        for attribute in &self.attributes {
            let extension = attribute.extension.as_deref();
            let type_path = plain_path(extension, &attribute.attribute, Some("type"));
            if self.type_narrowable(extension, &attribute.attribute)
                && !paths.iter().any(|p| p.eq_ignore_ascii_case(&type_path))
            {
                paths.push(type_path);
            }
        }
        paths
    }

    /// Whether `terms` contain every term of `selector` and the others are supported on fields
    /// with that same selector.
    fn selected_supports(
        &self,
        extension: Option<&str>,
        name: &str,
        selector: &Selector,
        terms: &[ElementTerm<'_>],
    ) -> SelectorCheck {
        let is_selector_term = |term: &ElementTerm<'_>| is_selector_term(selector, term);
        let covers_selector = selector.terms.iter().all(|s| {
            terms.iter().any(|term| {
                is_selector_term(term) && term.sub.is_some_and(|sub| sub.eq_ignore_ascii_case(&s.sub_attribute))
            })
        });
        if !covers_selector {
            return SelectorCheck::NotApplicable;
        }
        for term in terms.iter().filter(|term| !is_selector_term(term)) {
            let related: Vec<&FilterableAttribute> = self
                .attributes
                .iter()
                .filter(|a| {
                    same_attribute(a, extension, name)
                        && a.selector.as_ref() == Some(selector)
                        && sub_matches(a, term.sub, term.test)
                })
                .collect();
            if related.iter().any(|a| a.supports(term.test)) {
                continue;
            }
            let mut shown = plain_path(extension, name, None);
            shown.push_str(&format!("[{}]", selector.to_filter_text()));
            if let Some(sub) = term.sub {
                shown.push('.');
                shown.push_str(sub);
            }
            let what = if related.is_empty() {
                format!("`{shown}` is not filterable")
            } else {
                let offered: Vec<String> = related.iter().map(|a| a.describe()).collect();
                format!(
                    "operator `{}` is not supported on `{shown}` (supported: {})",
                    term.test.as_str(),
                    offered.join(", ")
                )
            };
            return SelectorCheck::Unsupported(self.unsupported(what));
        }
        SelectorCheck::Supported
    }

    /// `400 invalidFilter`: what is wrong, then everything that is supported.
    fn unsupported(&self, what: String) -> ScimError {
        let supported = if self.attributes.is_empty() {
            format!("{} supports no filters", self.resource)
        } else {
            format!(
                "{} can be filtered on {}",
                self.resource,
                self.attributes.iter().map(FilterableAttribute::describe).collect::<Vec<_>>().join(", ")
            )
        };
        ScimError::invalid_filter(format!("filter: {what}; {supported}"))
    }
}

/// Collect the terms of a value filter; returns whether it is a pure conjunction.
fn element_terms<'f>(filter: &'f ResolvedFilter<'_>, terms: &mut Vec<ElementTerm<'f>>) -> bool {
    match filter {
        ResolvedFilter::Compare { path, op, value } => {
            terms.push(ElementTerm {
                sub: path.attr.sub_attribute.map(|s| s.name.as_str()),
                test: Test::Compare(*op),
                operand: Some(value),
            });
            true
        }
        ResolvedFilter::Present(path) => {
            terms.push(ElementTerm {
                sub: path.attr.sub_attribute.map(|s| s.name.as_str()),
                test: Test::Present,
                operand: None,
            });
            true
        }
        ResolvedFilter::And(a, b) => {
            let left = element_terms(a, terms);
            element_terms(b, terms) && left
        }
        ResolvedFilter::Or(a, b) => {
            element_terms(a, terms);
            element_terms(b, terms);
            false
        }
        ResolvedFilter::Not(inner) => {
            element_terms(inner, terms);
            false
        }
        // Value filters do not nest (resolution rejects it); nothing to collect.
        ResolvedFilter::ValuePath { .. } => false,
    }
}

/// Whether `term` is one of `selector`'s `eq` comparisons.
fn is_selector_term(selector: &Selector, term: &ElementTerm<'_>) -> bool {
    selector.terms.iter().any(|s| {
        term.test == Test::Compare(CompareOp::Eq)
            && term.sub.is_some_and(|sub| sub.eq_ignore_ascii_case(&s.sub_attribute))
            && term.operand.is_some_and(|operand| operand_equals(operand, &s.value))
    })
}

/// `type eq "work"`: a term that only picks elements of a kind.
fn is_type_eq(term: &ElementTerm<'_>) -> bool {
    term.test == Test::Compare(CompareOp::Eq)
        && term.sub.is_some_and(|sub| sub.eq_ignore_ascii_case("type"))
        && matches!(term.operand, Some(Operand::String { .. }))
}

fn same_attribute(a: &FilterableAttribute, extension: Option<&str>, name: &str) -> bool {
    let same_extension = match (&a.extension, extension) {
        (None, None) => true,
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    };
    same_extension && a.attribute.eq_ignore_ascii_case(name)
}

fn same_sub(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (None, None) => true,
        _ => false,
    }
}

/// Whether entry `a` is about sub-attribute `sub` (`pr` on a whole attribute accepts any).
fn sub_matches(a: &FilterableAttribute, sub: Option<&str>, test: Test) -> bool {
    match (&a.sub_attribute, sub) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (None, None) => true,
        (Some(_), None) => test == Test::Present,
        (None, Some(_)) => false,
    }
}

fn operand_equals(operand: &Operand, value: &Value) -> bool {
    match (operand, value) {
        (Operand::String { text, case_exact: true }, Value::String(v)) => text == v,
        (Operand::String { text, case_exact: false }, Value::String(v)) => *text == v.to_lowercase(),
        (Operand::Boolean(b), Value::Bool(v)) => b == v,
        (Operand::Number(n), Value::Number(v)) => {
            Number::from_json(v).and_then(|v| v.compare(*n)) == Some(std::cmp::Ordering::Equal)
        }
        _ => false,
    }
}

fn plain_path(extension: Option<&str>, name: &str, sub: Option<&str>) -> String {
    let mut out = extension.map(|urn| format!("{urn}:")).unwrap_or_default();
    out.push_str(name);
    if let Some(sub) = sub {
        out.push('.');
        out.push_str(sub);
    }
    out
}

/// The filterable attribute a field adds, if its flag (or the defaults) make it filterable.
fn filterable(
    schema: &ResourceSchema,
    place: &MappedPlace,
    field: &FieldAccessor,
) -> ScimResult<Option<FilterableAttribute>> {
    let Some(leaf) = &place.attribute else {
        return match place.flag {
            FilterFlag::Default | FilterFlag::None => Ok(None),
            _ => Err(ScimError::internal(
                "a whole extension object cannot be filtered on; flag the fields of its attributes instead",
            )),
        };
    };
    // A whole complex attribute is compared through its `value` sub-attribute.
    let (sub, kind, case_exact) = match (&leaf.sub, &leaf.value_sub) {
        (Some(sub), _) => (Some(sub.clone()), leaf.kind, leaf.case_exact),
        (None, Some((value, kind, case_exact))) if leaf.complex => (Some(value.clone()), *kind, *case_exact),
        (None, _) => (None, leaf.kind, leaf.case_exact),
    };
    let (operators, presence) = match place.flag {
        FilterFlag::None => return Ok(None),
        FilterFlag::Default => {
            if !is_default_filterable(schema, place.extension.as_deref(), leaf, sub.as_deref()) {
                return Ok(None);
            }
            (vec![CompareOp::Eq], false)
        }
        FilterFlag::Eq => (vec![CompareOp::Eq], false),
        FilterFlag::Ops(words) => operators(words)?,
    };
    if kind == AttributeType::Complex {
        return Err(ScimError::internal(format!(
            "`{}` is complex without a `value` sub-attribute and cannot be compared; flag fields of its \
             sub-attributes instead",
            leaf.name
        )));
    }
    for op in &operators {
        check_operator(*op, kind)?;
    }
    let path = match (&leaf.sub, &sub) {
        (None, Some(value)) => format!("{}.{value}", field.path()),
        _ => field.path().to_owned(),
    };
    Ok(Some(FilterableAttribute {
        path,
        extension: place.extension.clone(),
        attribute: leaf.name.clone(),
        sub_attribute: sub,
        selector: leaf.selector.clone(),
        kind,
        case_exact,
        operators,
        presence,
        field: place.field,
    }))
}

fn operators(words: &[&str]) -> ScimResult<(Vec<CompareOp>, bool)> {
    let mut operators = Vec::new();
    let mut presence = false;
    for word in words {
        if word.eq_ignore_ascii_case("pr") {
            presence = true;
        } else {
            let op = CompareOp::from_keyword(word).ok_or_else(|| {
                ScimError::internal(format!(
                    "`{word}` is not a filter operator; use eq, ne, co, sw, ew, gt, ge, lt, le or pr"
                ))
            })?;
            if !operators.contains(&op) {
                operators.push(op);
            }
        }
    }
    Ok((operators, presence))
}

/// Whether a filter flag may offer `op` on an attribute of type `kind`: the same operator rules
/// as filter resolution (RFC 7644 section 3.4.2.2). Also used by `scim-codegen`'s compile-time
/// checks.
pub fn check_operator(op: CompareOp, kind: AttributeType) -> ScimResult<()> {
    if op.is_ordering() && !kind.is_ordered() {
        return Err(ScimError::internal(format!(
            "`{}` cannot be used on a {}: it has no order",
            op.as_str(),
            kind.as_str()
        )));
    }
    if op.is_substring() && !matches!(kind, AttributeType::String | AttributeType::Reference) {
        return Err(ScimError::internal(format!(
            "`{}` cannot be used on a {}: it matches substrings of strings",
            op.as_str(),
            kind.as_str()
        )));
    }
    Ok(())
}

/// The attributes Entra ID and Okta match or query on (see the module docs).
fn is_default_filterable(schema: &ResourceSchema, extension: Option<&str>, leaf: &Leaf, sub: Option<&str>) -> bool {
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let name = leaf.name.as_str();
    let sub_is = |wanted: &str| sub.is_some_and(|s| is(s, wanted));
    match leaf.owner {
        OwnerKind::Common => sub.is_none() && (is(name, "id") || is(name, "externalId")),
        OwnerKind::Core if is(&schema.core.id, USER_URN) => {
            (is(name, "userName") && sub.is_none()) || (is(name, "emails") && sub_is("value"))
        }
        OwnerKind::Core if is(&schema.core.id, GROUP_URN) => {
            (is(name, "displayName") && sub.is_none()) || (is(name, "members") && sub_is("value"))
        }
        OwnerKind::Core => false,
        OwnerKind::Extension => {
            extension.is_some_and(|urn| is(urn, ENTERPRISE_USER_URN)) && is(name, "manager") && sub_is("value")
        }
    }
}
