//! Which attributes a response carries: `attributes` and `excludedAttributes` (RFC 7644
//! sections 3.4.2.5 and 3.9) with each attribute's `returned` characteristic (RFC 7643
//! section 2.2) honoured.
//!
//! Rules, and why:
//!
//! - `returned: never` attributes and sub-attributes (`password`) are never in a response.
//! - `returned: always` ones (`id`, `schemas`) are always there, whatever the two lists say.
//!   `meta` is `returned: default` in the common attribute definitions, so
//!   `attributes=userName` gives `schemas`, `id` and `userName` only.
//! - Without `attributes`, the `returned: default` attributes are returned; `returned:
//!   request` ones only when `attributes` names them.
//! - `attributes` replaces the default set (RFC 7644 section 3.9: "overriding the set of
//!   attributes that would be returned by default"). Naming a complex attribute (`name`)
//!   returns it whole; naming a sub-attribute (`name.givenName`, `emails.value`) returns the
//!   parent with only the named sub-attributes (in every element of a multi-valued one).
//!   A `returned: request` sub-attribute comes only when named itself.
//! - `excludedAttributes` removes from what would otherwise be returned, the whole attribute
//!   or the named sub-attributes. Both lists may be given; exclusion applies last.
//! - Paths may be URN-qualified (`urn:...:enterprise:2.0:User:department`, or
//!   `urn:...:core:2.0:User:userName`), and a bare schema URN names every attribute of that
//!   schema (the whole extension).
//! - Names that resolve to nothing are ignored: a client asking for an attribute this service
//!   provider does not have gets what it would get for an unassigned one (RFC 7644 section
//!   3.4.2.5 does not make it an error, and failing a whole list over one name helps nobody).
//!   `attributes=nosuch` still replaces the default set, leaving the `returned: always` ones.
//! - The result's `schemas` lists exactly the core schema and the extensions still present.

use serde_json::Value;

use crate::filter::AttrPath;
use crate::resource::set_schemas;
use crate::schema::{Attribute, ResourceSchema, Returned, builtin};
use crate::value::implied_sub_attribute;

/// The response form of `resource` (canonical form) for a request with these `attributes` and
/// `excludedAttributes` (see the module docs). The resource is filtered in place: a response
/// is built on every read, so nothing kept is copied.
pub fn project(resource: Value, schema: &ResourceSchema, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(mut members) = resource else { return resource };
    let include = Selection::new(schema, attributes);
    let exclude = Selection::new(schema, excluded);
    members.retain(|key, value| {
        if key == "schemas" {
            return true;
        }
        if let Some(extension) = schema.extensions.iter().find(|e| e.schema.id == *key) {
            let Value::Object(extension_members) = value else { return false };
            let urn = Some(extension.schema.id.as_str());
            extension_members.retain(|name, value| {
                extension
                    .schema
                    .attribute(name)
                    .is_some_and(|attribute| project_in_place(attribute, urn, value, &include, &exclude))
            });
            return !extension_members.is_empty();
        }
        builtin::common_attribute(key)
            .or_else(|| schema.core.attribute(key))
            .is_some_and(|attribute| project_in_place(attribute, None, value, &include, &exclude))
    });
    let mut out = Value::Object(members);
    set_schemas(&mut out, schema);
    out
}

/// The response form of a stored resource: `meta.location` set to `location` (when given and
/// the resource has `meta`), then [`project`]ed. What every resource response carries, and
/// what [`crate::plain::is_plain`] compares a stored text against.
pub fn response_form(
    mut resource: Value,
    schema: &ResourceSchema,
    location: Option<String>,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    if let Some(location) = location
        && let Some(meta) = resource.get_mut("meta").and_then(Value::as_object_mut)
    {
        meta.insert("location".to_owned(), Value::String(location));
    }
    project(resource, schema, attributes, excluded)
}

/// [`project_attribute`] on a value held in a map: whether it stays.
fn project_in_place(
    attribute: &Attribute,
    urn: Option<&str>,
    value: &mut Value,
    include: &Selection,
    exclude: &Selection,
) -> bool {
    match project_attribute(attribute, urn, std::mem::take(value), include, exclude) {
        Some(projected) => {
            *value = projected;
            true
        }
        None => false,
    }
}

/// The value of one attribute in the response, or `None` if it is left out.
fn project_attribute(
    attribute: &Attribute,
    urn: Option<&str>,
    mut value: Value,
    include: &Selection,
    exclude: &Selection,
) -> Option<Value> {
    if attribute.returned == Returned::Never {
        return None;
    }
    if attribute.returned != Returned::Always {
        match include.lookup(urn, attribute) {
            Named::Whole => {}
            Named::Subs(subs) => {
                value = keep_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always || subs.iter().any(|s| *s == sub.name)
                })?;
            }
            Named::No if include.is_empty() && attribute.returned != Returned::Request => {}
            Named::No => return None,
        }
        match exclude.lookup(urn, attribute) {
            Named::Whole => return None,
            Named::Subs(subs) => {
                value = keep_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always || !subs.iter().any(|s| *s == sub.name)
                })?;
            }
            Named::No => {}
        }
    }
    keep_sub_attributes(attribute, value, |sub| match sub.returned {
        Returned::Never => false,
        Returned::Request => include.names_sub(urn, attribute, sub),
        Returned::Always | Returned::Default => true,
    })
}

/// Keep only the sub-attributes `keep` accepts, in the value or in each element; elements left
/// empty are dropped, and a value left empty is `None`.
fn keep_sub_attributes(attribute: &Attribute, mut value: Value, keep: impl Fn(&Attribute) -> bool) -> Option<Value> {
    if attribute.sub_attributes.is_empty() {
        return Some(value);
    }
    // Whether an element keeps anything (non-objects are kept as they are).
    let filter = |element: &mut Value| match element {
        Value::Object(members) => {
            members.retain(|name, _| {
                let sub = attribute.sub_attribute(name).or_else(|| implied_sub_attribute(attribute, name));
                sub.is_none_or(&keep)
            });
            !members.is_empty()
        }
        _ => true,
    };
    let kept = match &mut value {
        Value::Array(elements) => {
            elements.retain_mut(filter);
            !elements.is_empty()
        }
        single => filter(single),
    };
    kept.then_some(value)
}

/// How a selection names one attribute.
enum Named<'a> {
    /// The attribute itself (or its whole schema).
    Whole,
    /// Only these sub-attributes (canonical names).
    Subs(Vec<&'a str>),
    /// Not at all.
    No,
}

/// `attributes` or `excludedAttributes`, resolved against the schema.
struct Selection<'s> {
    /// Schemas named by a bare URN, every attribute of which is named: an extension's URN, or
    /// `None` for the core schema (whose attributes, like the common ones, are not under a URN).
    whole_schemas: Vec<Option<&'s str>>,
    /// (extension URN or `None` for core and common attributes, attribute, sub-attribute).
    paths: Vec<(Option<&'s str>, &'s str, Option<&'s str>)>,
    /// Whether the client gave the list at all: `attributes=nosuch` replaces the default set
    /// with nothing, even though `nosuch` resolves to no attribute.
    given: bool,
}

impl<'s> Selection<'s> {
    fn new(schema: &'s ResourceSchema, paths: &[AttrPath]) -> Self {
        let mut selection = Selection { whole_schemas: Vec::new(), paths: Vec::new(), given: !paths.is_empty() };
        for path in paths {
            if let (Some(urn), None) = (&path.urn, &path.sub_attr)
                && let Some(named) = schema.schema(&format!("{urn}:{}", path.name))
            {
                let is_core = std::ptr::eq(named, &*schema.core);
                selection.whole_schemas.push((!is_core).then_some(named.id.as_str()));
            } else if let Ok(resolved) = schema.resolve(path) {
                let owner = resolved.extension_urn();
                selection.paths.push((
                    owner,
                    resolved.attribute.name.as_str(),
                    resolved.sub_attribute.map(|s| s.name.as_str()),
                ));
            } else if let Some(sub) = &path.sub_attr
                && let Ok(parent) = schema.resolve(&AttrPath { sub_attr: None, ..path.clone() })
                && let Some(implied) = implied_sub_attribute(parent.attribute, sub)
            {
                selection.paths.push((
                    parent.extension_urn(),
                    parent.attribute.name.as_str(),
                    Some(implied.name.as_str()),
                ));
            }
        }
        selection
    }

    fn is_empty(&self) -> bool {
        !self.given
    }

    fn names_schema(&self, urn: Option<&str>) -> bool {
        self.whole_schemas.contains(&urn)
    }

    fn lookup(&self, urn: Option<&str>, attribute: &Attribute) -> Named<'s> {
        if self.names_schema(urn) {
            return Named::Whole;
        }
        let mut subs = Vec::new();
        for (owner, name, sub) in &self.paths {
            if *owner != urn || *name != attribute.name {
                continue;
            }
            match sub {
                None => return Named::Whole,
                Some(sub) => subs.push(*sub),
            }
        }
        if subs.is_empty() { Named::No } else { Named::Subs(subs) }
    }

    fn names_sub(&self, urn: Option<&str>, attribute: &Attribute, sub: &Attribute) -> bool {
        self.paths.iter().any(|(owner, name, named_sub)| {
            *owner == urn && *name == attribute.name && named_sub.is_some_and(|s| s == sub.name)
        })
    }
}
