//! [`FieldAccessor`]: one struct field's SCIM path, parsed and resolved once, with `put` (build
//! the JSON representation) and `take` (read a field from it).
//!
//! Path forms and what they reach in the canonical representation:
//!
//! | path | reads / writes |
//! |---|---|
//! | `userName`, `id`, `meta`, `emails` | the top-level key |
//! | `name.givenName` | the member of the single-valued complex object |
//! | `emails.value` (multi-valued parent, no selector) | the array of every element's `value`; writing makes one element per value |
//! | `emails[type eq "work"].value` | `value` of the first element whose selector fields equal the selector; writing creates `{"type": "work", "value": x}` or adds to the element already matching |
//! | `emails[type eq "work"]` | the whole first matching element (writing merges the object into it) |
//! | `urn:...:enterprise:2.0:User:department` | the key inside the extension object |
//! | `urn:...:enterprise:2.0:User` (bare extension URN) | the whole extension object |
//!
//! A selector is a conjunction of `eq` comparisons on sub-attributes (`[type eq "work" and
//! primary eq true]`). String selector values compare case-insensitively unless the
//! sub-attribute is `caseExact` (clients send `"Work"` as readily as `"work"`).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::value::ScimValue;
use crate::error::{ScimError, ScimResult};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::schema::Attribute;

/// One field's precompiled SCIM path.
#[derive(Debug, Clone)]
pub struct FieldAccessor {
    pub(super) rust_name: &'static str,
    pub(super) path: String,
    /// The extension object holding the attribute (its URN), or `None` for top-level attributes.
    pub(super) container: Option<String>,
    pub(super) target: Target,
    /// Canonical key orders, so that `put` inserts every key where it belongs and `finish` has
    /// nothing to sort: the resource's top-level keys, the container's keys (the top level or
    /// the extension's attributes) and the attribute's sub-attributes.
    pub(super) orders: KeyOrders,
}

/// See [`FieldAccessor::orders`].
#[derive(Debug, Clone, Default)]
pub(super) struct KeyOrders {
    pub(super) top: Arc<[String]>,
    pub(super) container: Arc<[String]>,
    pub(super) element: Arc<[String]>,
    /// The positions of the field's own keys in those orders (computed once, so `put` does not
    /// search the orders): its extension URN in `top`, its attribute in `container`, its
    /// sub-attribute in `element`.
    pub(super) ranks: KeyRanks,
}

/// See [`KeyOrders::ranks`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct KeyRanks {
    pub(super) top: usize,
    pub(super) container: usize,
    pub(super) element: usize,
}

/// The position of `key` in `order` (keys not in it rank last).
pub(super) fn rank(order: &[String], key: &str) -> usize {
    order.iter().position(|o| o == key).unwrap_or(order.len())
}

/// What the path reaches inside its container.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// The whole extension object (the container itself).
    WholeExtension,
    /// `name`: one key.
    Attribute { name: String },
    /// `name.sub` of a single-valued complex attribute.
    Sub { name: String, sub: String },
    /// `name.sub` of a multi-valued complex attribute: the array of every element's `sub`.
    EverySub { name: String, sub: String },
    /// `name[selector].sub`, or `name[selector]` when `sub` is `None`.
    Selected { name: String, selector: Selector, sub: Option<String> },
}

/// The `[type eq "work"]` of a path: the element whose sub-attributes equal these values.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    /// The `eq` comparisons, in the order written.
    pub terms: Vec<SelectorTerm>,
}

/// One `sub eq value` of a [`Selector`].
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorTerm {
    /// The sub-attribute, spelled as the schema spells it.
    pub sub_attribute: String,
    /// The value it must equal (a string, boolean or number).
    pub value: Value,
    /// Whether string values compare case-sensitively (the sub-attribute's `caseExact`).
    pub case_exact: bool,
}

impl Selector {
    /// Build the selector of a value filter on `parent`: the filter must be `eq` comparisons
    /// on sub-attributes joined by `and`.
    pub(super) fn from_filter(filter: &Filter, parent: &Attribute) -> ScimResult<Selector> {
        let mut terms = Vec::new();
        collect_terms(filter, parent, &mut terms)?;
        Ok(Selector { terms })
    }

    /// Whether `element` has every selector value.
    pub fn matches(&self, element: &Value) -> bool {
        let Value::Object(members) = element else { return false };
        self.terms.iter().all(|term| lookup(members, &term.sub_attribute).is_some_and(|found| term.equals(found)))
    }

    /// `type eq "work" and primary eq true`: the text between the brackets.
    pub fn to_filter_text(&self) -> String {
        let terms: Vec<String> = self.terms.iter().map(|t| format!("{} eq {}", t.sub_attribute, t.value)).collect();
        terms.join(" and ")
    }
}

impl SelectorTerm {
    /// Whether `found` equals the selector value (strings ignoring case unless `case_exact`).
    pub fn equals(&self, found: &Value) -> bool {
        match (&self.value, found) {
            (Value::String(wanted), Value::String(found)) if !self.case_exact => {
                // Unicode lower-casing allocates; only text beyond ASCII needs it.
                wanted.eq_ignore_ascii_case(found)
                    || (!(wanted.is_ascii() && found.is_ascii()) && wanted.to_lowercase() == found.to_lowercase())
            }
            (wanted, found) => wanted == found,
        }
    }
}

fn collect_terms(filter: &Filter, parent: &Attribute, terms: &mut Vec<SelectorTerm>) -> ScimResult<()> {
    let not_a_selector = || {
        ScimError::invalid_path(format!(
            "`{}[...]` in a field mapping must select elements with `eq` comparisons on sub-attributes joined by \
             `and`, like `{}[type eq \"work\"]`",
            parent.name, parent.name
        ))
    };
    match filter {
        Filter::And(a, b) => {
            collect_terms(a, parent, terms)?;
            collect_terms(b, parent, terms)
        }
        Filter::Compare { path, op: CompareOp::Eq, value }
            if path.urn.is_none() && path.sub_attr.is_none() && path.filter.is_none() =>
        {
            let sub = parent.sub_attribute(&path.name).ok_or_else(not_a_selector)?;
            let value = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return Err(not_a_selector()),
            };
            terms.push(SelectorTerm { sub_attribute: sub.name.clone(), value, case_exact: sub.case_exact });
            Ok(())
        }
        _ => Err(not_a_selector()),
    }
}

impl FieldAccessor {
    /// The Rust field's name.
    pub fn rust_name(&self) -> &'static str {
        self.rust_name
    }

    /// The canonical SCIM path: `name.givenName`, `emails[type eq "work"].value`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The top-level key the field writes under: its extension's URN or its attribute.
    pub(super) fn top_level_key(&self) -> &str {
        match (&self.container, &self.target) {
            (Some(urn), _) => urn,
            (None, Target::Attribute { name } | Target::Sub { name, .. } | Target::EverySub { name, .. })
            | (None, Target::Selected { name, .. }) => name,
            (None, Target::WholeExtension) => "",
        }
    }

    /// Write the field's value into the representation being built; `None` leaves it absent.
    /// Keys are inserted in canonical (schema) order.
    pub fn put(&self, object: &mut Map<String, Value>, value: Option<Value>) {
        let Some(value) = value else { return };
        let orders = &self.orders;
        let container = match &self.container {
            None => object,
            Some(urn) => {
                if let Target::WholeExtension = self.target {
                    insert_at_rank(object, urn, value, &orders.top, orders.ranks.top);
                    return;
                }
                object_at(object, urn, &orders.top, orders.ranks.top, orders.container.len().min(8))
            }
        };
        match &self.target {
            Target::WholeExtension => {}
            Target::Attribute { name } => {
                insert_at_rank(container, name, value, &orders.container, orders.ranks.container)
            }
            Target::Sub { name, sub } => {
                let capacity = orders.element.len().min(8);
                let members = object_at(container, name, &orders.container, orders.ranks.container, capacity);
                insert_at_rank(members, sub, value, &orders.element, orders.ranks.element);
            }
            Target::EverySub { name, sub } => {
                let values = match value {
                    Value::Array(values) => values,
                    single => vec![single],
                };
                let elements = array_at(container, name, &orders.container, orders.ranks.container);
                elements.extend(values.into_iter().map(|v| {
                    let mut element = Map::with_capacity(1);
                    element.insert(sub.clone(), v);
                    Value::Object(element)
                }));
            }
            Target::Selected { name, selector, sub } => {
                let elements = array_at(container, name, &orders.container, orders.ranks.container);
                let element = match elements.iter().position(|e| selector.matches(e)) {
                    Some(index) => elements.get_mut(index),
                    None => {
                        let mut element = Map::with_capacity(orders.element.len().min(8));
                        let Some(sub) = sub else {
                            for term in &selector.terms {
                                insert_ordered(&mut element, &term.sub_attribute, term.value.clone(), &orders.element);
                            }
                            elements.push(Value::Object(element));
                            return self.merge_whole_element(elements.last_mut(), value);
                        };
                        // A new element: its members are written in canonical order straight
                        // away (`value` usually comes before `type`), so nothing is shifted.
                        let sub_rank = orders.ranks.element;
                        let before = |term: &&SelectorTerm| rank(&orders.element, &term.sub_attribute) < sub_rank;
                        for term in selector.terms.iter().filter(before) {
                            insert_ordered(&mut element, &term.sub_attribute, term.value.clone(), &orders.element);
                        }
                        insert_at_rank(&mut element, sub, value, &orders.element, sub_rank);
                        for term in selector.terms.iter().filter(|term| !before(term)) {
                            insert_ordered(&mut element, &term.sub_attribute, term.value.clone(), &orders.element);
                        }
                        elements.push(Value::Object(element));
                        return;
                    }
                };
                if sub.is_none() {
                    return self.merge_whole_element(element, value);
                }
                if let (Some(sub), Some(Value::Object(members))) = (sub, element) {
                    insert_at_rank(members, sub, value, &orders.element, orders.ranks.element);
                }
            }
        }
    }

    /// `name[selector]` (a whole element): merge the value's members into the element.
    fn merge_whole_element(&self, element: Option<&mut Value>, value: Value) {
        let Some(element) = element else { return };
        match (value, element) {
            (Value::Object(given), Value::Object(members)) => {
                for (key, value) in given {
                    insert_ordered(members, &key, value, &self.orders.element);
                }
            }
            // A whole element that is not an object cannot hold the selector; it replaces the
            // element (and so will not be found by the selector again).
            (other, slot) => *slot = other,
        }
    }

    /// Read the field from a canonical representation. Errors are `400 invalidValue` naming
    /// the SCIM path and the Rust field.
    pub fn take<T: ScimValue>(&self, resource: &Value) -> ScimResult<T> {
        let converted = match self.find(resource) {
            Found::Borrowed(value) => T::from_scim_value(value),
            Found::Collected(values) => {
                let values = (!values.is_empty()).then_some(Value::Array(values));
                T::from_scim_value(values.as_ref())
            }
        };
        converted.map_err(|message| {
            ScimError::invalid_value(format!("`{}` (field `{}`): {message}", self.path, self.rust_name))
        })
    }

    /// [`take`](Self::take) for a plain field on an optional attribute: an absent (or `null`)
    /// value is `default()`, the value the app stated (`#[scim(default = ...)]`); a present one
    /// is converted as by `take`, errors included.
    pub fn take_or_else<T: ScimValue>(&self, resource: &Value, default: impl FnOnce() -> T) -> ScimResult<T> {
        Ok(self.take::<Option<T>>(resource)?.unwrap_or_else(default))
    }

    /// The value the path reaches in `resource`, if any.
    fn find<'v>(&self, resource: &'v Value) -> Found<'v> {
        let container = match &self.container {
            None => Some(resource),
            Some(urn) => get(resource, urn),
        };
        if let Target::WholeExtension = self.target {
            return Found::Borrowed(container);
        }
        let Some(container) = container.and_then(Value::as_object) else {
            return match self.target {
                Target::EverySub { .. } => Found::Collected(Vec::new()),
                _ => Found::Borrowed(None),
            };
        };
        Found::Borrowed(match &self.target {
            Target::WholeExtension => None,
            Target::Attribute { name } => lookup(container, name),
            Target::Sub { name, sub } => lookup(container, name).and_then(|v| get(v, sub)),
            Target::EverySub { name, sub } => {
                let elements = lookup(container, name).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                return Found::Collected(elements.iter().filter_map(|e| get(e, sub)).cloned().collect());
            }
            Target::Selected { name, selector, sub } => {
                let element = lookup(container, name)
                    .and_then(Value::as_array)
                    .and_then(|elements| elements.iter().find(|e| selector.matches(e)));
                match sub {
                    None => element,
                    Some(sub) => element.and_then(|e| get(e, sub)),
                }
            }
        })
    }
}

enum Found<'v> {
    Borrowed(Option<&'v Value>),
    Collected(Vec<Value>),
}

/// Maps up to this size are searched by comparing keys rather than by hash: SipHash of a short
/// key costs more than comparing a few dozen keys, most of which differ in length.
const LINEAR_LOOKUP_MAX: usize = 32;

/// `map.get(key)`, by linear search for the small maps SCIM resources are made of.
fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= LINEAR_LOOKUP_MAX { map.iter().find_map(|(k, v)| (k == key).then_some(v)) } else { map.get(key) }
}

/// `map.get_mut(key)`, as [`lookup`].
fn lookup_mut<'m>(map: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    if map.len() <= LINEAR_LOOKUP_MAX {
        map.iter_mut().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get_mut(key)
    }
}

/// `value.get(key)` for an object value, as [`lookup`].
fn get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    value.as_object().and_then(|map| lookup(map, key))
}

/// Insert (or replace) `key` so that keys stay in `order`; keys not in `order` go last.
fn insert_ordered(map: &mut Map<String, Value>, key: &str, value: Value, order: &[String]) {
    insert_at_rank(map, key, value, order, rank(order, key));
}

/// [`insert_ordered`] for a key whose position in `order` is known: `mine`.
fn insert_at_rank(map: &mut Map<String, Value>, key: &str, value: Value, order: &[String], mine: usize) {
    // Whether `existing` comes before `key` (or is `key`). Fields are usually put in an order
    // close to the schema's, so looking backwards from `key`'s own position finds the key
    // before it in one or two comparisons.
    let at_or_before = |existing: &str| order.get(..=mine).unwrap_or(order).iter().rev().any(|o| o == existing);
    let mut index = map.len();
    for existing in map.keys().rev() {
        if at_or_before(existing) {
            break;
        }
        index -= 1;
    }
    if index == map.len() {
        // Also replaces an existing `key` in place (it would be the last key ranked `mine`).
        map.insert(key.to_owned(), value);
    } else if let Some(slot) = lookup_mut(map, key) {
        *slot = value;
    } else {
        map.shift_insert(index, key.to_owned(), value);
    }
}

/// Whether the last key of `map` is `key` holding a value `is`: consecutive fields usually
/// write into the same object (`name.givenName`, `name.familyName`), so this avoids hashing.
fn last_is(map: &Map<String, Value>, key: &str, is: fn(&Value) -> bool) -> bool {
    map.keys().next_back().is_some_and(|k| k == key) && map.values().next_back().is_some_and(is)
}

/// The object at `key`, created in order (or replacing a non-object) when needed.
fn object_at<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
    order: &[String],
    mine: usize,
    capacity: usize,
) -> &'m mut Map<String, Value> {
    if !last_is(map, key, Value::is_object) && !lookup(map, key).is_some_and(Value::is_object) {
        insert_at_rank(map, key, Value::Object(Map::with_capacity(capacity)), order, mine);
    }
    let slot = if last_is(map, key, Value::is_object) { map.values_mut().next_back() } else { lookup_mut(map, key) };
    match slot {
        Some(Value::Object(members)) => members,
        _ => unreachable!("an object was just inserted at this key"),
    }
}

/// The array at `key`, created in order (or replacing a non-array) when needed.
fn array_at<'m>(map: &'m mut Map<String, Value>, key: &str, order: &[String], mine: usize) -> &'m mut Vec<Value> {
    if !last_is(map, key, Value::is_array) && !lookup(map, key).is_some_and(Value::is_array) {
        insert_at_rank(map, key, Value::Array(Vec::with_capacity(2)), order, mine);
    }
    let slot = if last_is(map, key, Value::is_array) { map.values_mut().next_back() } else { lookup_mut(map, key) };
    match slot {
        Some(Value::Array(values)) => values,
        _ => unreachable!("an array was just inserted at this key"),
    }
}
