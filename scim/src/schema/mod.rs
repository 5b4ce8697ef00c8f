//! Schemas: the RFC 7643 model, the built-in definitions, loading user files, and a resource
//! type bound to its schemas ([`ResourceSchema`]) against which paths and filters resolve.

pub mod builtin;
pub mod loader;
mod model;

use std::sync::Arc;

pub use model::*;

use crate::error::{ScimError, ScimResult};
use crate::syntax::AttrPath;

/// A resource type together with its core schema and extension schemas: everything needed to
/// resolve a path, validate a body or evaluate a filter for one kind of resource.
#[derive(Debug, Clone)]
pub struct ResourceSchema {
    /// The resource type, as `/ResourceTypes` serves it.
    pub resource_type: ResourceType,
    /// The core schema (`resource_type.schema`).
    pub core: Arc<Schema>,
    /// The extension schemas, in the order of `resource_type.schema_extensions`.
    pub extensions: Vec<Extension>,
}

/// An extension schema of a resource type.
#[derive(Debug, Clone)]
pub struct Extension {
    /// The schema.
    pub schema: Arc<Schema>,
    /// Whether every resource must carry it.
    pub required: bool,
}

/// Which schema an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOwner<'s> {
    /// The common attributes of every resource (`id`, `externalId`, `meta`, `schemas`), RFC
    /// 7643 section 3.1. They live at the top level of the JSON representation.
    Common,
    /// The core schema; its attributes live at the top level of the JSON representation.
    Core,
    /// An extension schema; its attributes live in the object keyed by its URN.
    Extension(&'s Schema),
}

/// A path resolved against a [`ResourceSchema`]: the attribute (and sub-attribute) it names,
/// with their canonical spelling and characteristics.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr<'s> {
    /// The schema the attribute belongs to.
    pub owner: AttrOwner<'s>,
    /// The top-level attribute.
    pub attribute: &'s Attribute,
    /// The sub-attribute, for `name.givenName` or `emails.value`.
    pub sub_attribute: Option<&'s Attribute>,
}

impl<'s> ResolvedAttr<'s> {
    /// The attribute whose value the path finally reaches (the sub-attribute if there is one).
    pub fn leaf(&self) -> &'s Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }

    /// The key of the extension object holding the attribute, or `None` for top-level ones.
    pub fn extension_urn(&self) -> Option<&'s str> {
        match self.owner {
            AttrOwner::Extension(schema) => Some(schema.id.as_str()),
            _ => None,
        }
    }

    /// Whether the values reached may be several: the attribute or its parent is multi-valued.
    pub fn is_multi_valued(&self) -> bool {
        self.attribute.multi_valued || self.sub_attribute.is_some_and(|s| s.multi_valued)
    }

    /// The canonical, fully qualified form: `name.givenName`, or
    /// `urn:...:enterprise:2.0:User:manager.value` for extension attributes.
    pub fn canonical(&self) -> String {
        self.canonical_with_filter(None)
    }

    /// The canonical form with a value filter in brackets after the attribute, for paths such
    /// as `emails[type eq "work"].value`; `filter` is the filter's text.
    pub fn canonical_with_filter(&self, filter: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(urn) = self.extension_urn() {
            out.push_str(urn);
            out.push(':');
        }
        out.push_str(&self.attribute.name);
        if let Some(filter) = filter {
            out.push('[');
            out.push_str(filter);
            out.push(']');
        }
        if let Some(sub) = self.sub_attribute {
            out.push('.');
            out.push_str(&sub.name);
        }
        out
    }
}

impl ResourceSchema {
    /// Bind a resource type to its schemas, looked up by URN in `schemas`. Fails when the core
    /// schema or an extension is not among them.
    pub fn new(resource_type: ResourceType, schemas: &[Arc<Schema>]) -> ScimResult<Self> {
        let find = |urn: &str| {
            schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn)).cloned().ok_or_else(|| {
                ScimError::internal(format!(
                    "resource type {} names schema {urn}, which is not loaded",
                    resource_type.name
                ))
            })
        };
        let core = find(&resource_type.schema)?;
        let extensions = resource_type
            .schema_extensions
            .iter()
            .map(|ext| Ok(Extension { schema: find(&ext.schema)?, required: ext.required }))
            .collect::<ScimResult<Vec<_>>>()?;
        Ok(ResourceSchema { resource_type, core, extensions })
    }

    /// The resource type's name, e.g. `User`.
    pub fn name(&self) -> &str {
        &self.resource_type.name
    }

    /// The extension with this URN, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// The core schema or the extension with this URN.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        if self.core.id.eq_ignore_ascii_case(urn) { Some(&self.core) } else { self.extension(urn).map(|e| &*e.schema) }
    }

    /// Every schema URN of the resource type: the core one first, then the extensions.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.core.id.as_str()).chain(self.extensions.iter().map(|e| e.schema.id.as_str()))
    }

    /// Resolve a top-level attribute name (common, then core) without a URN prefix.
    fn top_level(&self, name: &str) -> Option<(AttrOwner<'_>, &Attribute)> {
        if let Some(attribute) = builtin::common_attribute(name) {
            return Some((AttrOwner::Common, attribute));
        }
        self.core.attribute(name).map(|a| (AttrOwner::Core, a))
    }

    /// The error for an unqualified name that is neither common nor core: when an extension has
    /// it, say that extension attributes need their URN (RFC 7644 section 3.10), else suggest the
    /// closest common or core name.
    fn unknown_unqualified(&self, name: &str) -> ScimError {
        let qualified = self.extensions.iter().find_map(|e| {
            e.schema
                .attribute(name)
                .map(|a| format!("; extension attributes need their schema URN: `{}:{}`", e.schema.id, a.name))
        });
        let hint = qualified.unwrap_or_else(|| {
            let common = builtin::common_attributes().iter().map(|a| a.name.as_str());
            suggestion(name, common.chain(self.core.attributes.iter().map(|a| a.name.as_str())))
        });
        ScimError::invalid_path(format!(
            "`{name}` is not an attribute of {} (schema {}){hint}",
            self.name(),
            self.core.id
        ))
    }

    /// Resolve a parsed path (ignoring any value filter, which the caller resolves against the
    /// attribute's sub-attributes) to the attribute it names, case-insensitively.
    ///
    /// Unqualified names are looked up in the common attributes and the core schema;
    /// extension attributes must carry their schema URN, as RFC 7644 section 3.10 requires.
    /// Errors are `400 invalidPath` naming the path and what exists; callers in a filter
    /// context turn them into `invalidFilter`.
    pub fn resolve(&self, path: &AttrPath) -> ScimResult<ResolvedAttr<'_>> {
        let (owner, attribute) = match &path.urn {
            None => self.top_level(&path.name).ok_or_else(|| self.unknown_unqualified(&path.name))?,
            Some(urn) => {
                let schema = self.schema(urn).ok_or_else(|| {
                    ScimError::invalid_path(format!(
                        "`{urn}` is not a schema of {}; its schemas are {}",
                        self.name(),
                        self.schema_urns().collect::<Vec<_>>().join(", ")
                    ))
                })?;
                let owner =
                    if std::ptr::eq(schema, &*self.core) { AttrOwner::Core } else { AttrOwner::Extension(schema) };
                // A common attribute qualified with the core URN (`urn:...:User:id`) is still a
                // common attribute, not a core one.
                let (owner, attribute) = schema
                    .attribute(&path.name)
                    .map(|a| (owner, a))
                    .or_else(|| match owner {
                        AttrOwner::Core => builtin::common_attribute(&path.name).map(|a| (AttrOwner::Common, a)),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        ScimError::invalid_path(format!(
                            "`{}` is not an attribute of schema {}{}",
                            path.name,
                            schema.id,
                            suggestion(&path.name, schema.attributes.iter().map(|a| a.name.as_str()))
                        ))
                    })?;
                (owner, attribute)
            }
        };
        let sub_attribute = match &path.sub_attr {
            None => None,
            Some(sub) => Some(attribute.sub_attribute(sub).ok_or_else(|| {
                if attribute.sub_attributes.is_empty() {
                    ScimError::invalid_path(format!(
                        "`{}` has no sub-attributes, so `{}.{sub}` does not exist",
                        attribute.name, attribute.name
                    ))
                } else {
                    ScimError::invalid_path(format!(
                        "`{sub}` is not a sub-attribute of `{}`; it has {}{}",
                        attribute.name,
                        attribute.sub_attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                        suggestion(sub, attribute.sub_attributes.iter().map(|a| a.name.as_str()))
                    ))
                }
            })?),
        };
        Ok(ResolvedAttr { owner, attribute, sub_attribute })
    }
}

/// `"; did you mean `x`?"` for the closest candidate within a small edit distance, else `""`.
pub fn suggestion<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let wanted_lower = wanted.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&wanted_lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance over bytes (names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
