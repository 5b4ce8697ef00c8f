//! The restricted schemas a resource advertises: only the attributes its fields map, and of a
//! complex attribute mapped through sub-attribute paths, only those sub-attributes (plus the ones
//! a value filter selects on, so `emails[type eq "work"].value` keeps `type`).

use std::collections::{BTreeMap, BTreeSet};

use scim::filter::ast::Filter;
use scim::schema::{AttrOwner, ResolvedAttr, Schema};

use crate::selection::Selection;

/// The mapped part of every schema, keyed by lower-cased schema URN (`""` for the core schema).
#[derive(Debug, Default)]
pub struct Restriction {
    attributes: BTreeMap<(String, String), Selection>,
    whole_schemas: BTreeSet<String>,
}

impl Restriction {
    /// Keep `resolved` (and the sub-attributes `value_filter` compares).
    pub fn select(&mut self, resolved: &ResolvedAttr<'_>, value_filter: Option<&Filter>) {
        let schema = match resolved.owner {
            AttrOwner::Common => return,
            AttrOwner::Core => String::new(),
            AttrOwner::Extension(schema) => schema.id.to_ascii_lowercase(),
        };
        let key = (schema, resolved.attribute.name.to_ascii_lowercase());
        let mut subs = BTreeSet::new();
        if let Some(filter) = value_filter {
            filter_names(filter, &mut subs);
        }
        let selection = match resolved.sub_attribute {
            None if value_filter.is_none() => Selection::Whole,
            None => {
                // `emails[type eq "work"]`: one whole element.
                Selection::Whole
            }
            Some(sub) => {
                subs.insert(sub.name.to_ascii_lowercase());
                Selection::Subs(subs)
            }
        };
        self.attributes.entry(key).or_insert_with(|| selection.clone()).merge(selection);
    }

    /// Keep every attribute of an extension (mapped as a whole object).
    pub fn select_schema(&mut self, schema: &Schema) {
        self.whole_schemas.insert(schema.id.to_ascii_lowercase());
    }

    /// `schema` cut down to what is selected; `is_core` says which key it is under.
    pub fn apply(&self, schema: &Schema, is_core: bool) -> Schema {
        let schema_key = if is_core { String::new() } else { schema.id.to_ascii_lowercase() };
        if self.whole_schemas.contains(&schema_key) {
            return schema.clone();
        }
        let attributes = schema
            .attributes
            .iter()
            .filter_map(|attribute| {
                match self.attributes.get(&(schema_key.clone(), attribute.name.to_ascii_lowercase()))? {
                    Selection::Whole => Some(attribute.clone()),
                    Selection::Subs(subs) => {
                        let mut restricted = attribute.clone();
                        restricted.sub_attributes.retain(|s| subs.contains(&s.name.to_ascii_lowercase()));
                        Some(restricted)
                    }
                }
            })
            .collect();
        Schema { attributes, ..schema.clone() }
    }
}

/// The attribute names a value filter compares (they are relative to one element).
fn filter_names(filter: &Filter, out: &mut BTreeSet<String>) {
    let paths = filter.nodes().filter_map(|node| match node {
        Filter::ValuePath { path, .. } => Some(path),
        node => node.tested_path(),
    });
    out.extend(paths.map(|path| path.name.to_ascii_lowercase()));
}
