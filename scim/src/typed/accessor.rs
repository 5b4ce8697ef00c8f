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
    pub(super) column: String,
    /// The extension object holding the attribute (its URN), or `None` for top-level attributes.
    pub(super) container: Option<String>,
    pub(super) target: Target,
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
        self.terms.iter().all(|term| element.get(&term.sub_attribute).is_some_and(|found| term.equals(found)))
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
                wanted.eq_ignore_ascii_case(found) || wanted.to_lowercase() == found.to_lowercase()
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

    /// The storage column name for SQL stores.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// Write the field's value into the representation being built; `None` leaves it absent.
    pub fn put(&self, object: &mut Map<String, Value>, value: Option<Value>) {
        let Some(value) = value else { return };
        let container = match &self.container {
            None => object,
            Some(urn) => {
                if let Target::WholeExtension = self.target {
                    object.insert(urn.clone(), value);
                    return;
                }
                object_at(object, urn)
            }
        };
        match &self.target {
            Target::WholeExtension => {}
            Target::Attribute { name } => {
                container.insert(name.clone(), value);
            }
            Target::Sub { name, sub } => {
                object_at(container, name).insert(sub.clone(), value);
            }
            Target::EverySub { name, sub } => {
                let values = match value {
                    Value::Array(values) => values,
                    single => vec![single],
                };
                let elements = array_at(container, name);
                elements.extend(values.into_iter().map(|v| {
                    let mut element = Map::with_capacity(1);
                    element.insert(sub.clone(), v);
                    Value::Object(element)
                }));
            }
            Target::Selected { name, selector, sub } => {
                let elements = array_at(container, name);
                let index = match elements.iter().position(|e| selector.matches(e)) {
                    Some(index) => index,
                    None => {
                        let element: Map<String, Value> =
                            selector.terms.iter().map(|t| (t.sub_attribute.clone(), t.value.clone())).collect();
                        elements.push(Value::Object(element));
                        elements.len() - 1
                    }
                };
                let Some(Value::Object(element)) = elements.get_mut(index) else { return };
                match (sub, value) {
                    (Some(sub), value) => {
                        element.insert(sub.clone(), value);
                    }
                    (None, Value::Object(members)) => element.extend(members),
                    // A whole element that is not an object cannot hold the selector; it
                    // replaces the element (and so will not be found by the selector again).
                    (None, other) => {
                        if let Some(slot) = elements.get_mut(index) {
                            *slot = other;
                        }
                    }
                }
            }
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

    /// The value the path reaches in `resource`, if any.
    fn find<'v>(&self, resource: &'v Value) -> Found<'v> {
        let container = match &self.container {
            None => Some(resource),
            Some(urn) => resource.get(urn),
        };
        let Some(container) = container else {
            return match self.target {
                Target::EverySub { .. } => Found::Collected(Vec::new()),
                _ => Found::Borrowed(None),
            };
        };
        Found::Borrowed(match &self.target {
            Target::WholeExtension => Some(container),
            Target::Attribute { name } => container.get(name),
            Target::Sub { name, sub } => container.get(name).and_then(|v| v.get(sub)),
            Target::EverySub { name, sub } => {
                let elements = container.get(name).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                return Found::Collected(elements.iter().filter_map(|e| e.get(sub)).cloned().collect());
            }
            Target::Selected { name, selector, sub } => {
                let element = container
                    .get(name)
                    .and_then(Value::as_array)
                    .and_then(|elements| elements.iter().find(|e| selector.matches(e)));
                match sub {
                    None => element,
                    Some(sub) => element.and_then(|e| e.get(sub)),
                }
            }
        })
    }
}

enum Found<'v> {
    Borrowed(Option<&'v Value>),
    Collected(Vec<Value>),
}

/// The object at `key`, created (or replacing a non-object) when needed.
fn object_at<'m>(object: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    if !object.get(key).is_some_and(Value::is_object) {
        object.insert(key.to_owned(), Value::Object(Map::new()));
    }
    match object.get_mut(key) {
        Some(Value::Object(map)) => map,
        _ => unreachable!("an object was just inserted at this key"),
    }
}

/// The array at `key`, created (or replacing a non-array) when needed.
fn array_at<'m>(object: &'m mut Map<String, Value>, key: &str) -> &'m mut Vec<Value> {
    if !object.get(key).is_some_and(Value::is_array) {
        object.insert(key.to_owned(), Value::Array(Vec::new()));
    }
    match object.get_mut(key) {
        Some(Value::Array(values)) => values,
        _ => unreachable!("an array was just inserted at this key"),
    }
}
