//! The typed plan of a generated resource type: its fields, and the variants of its typed filter
//! and sort with where each one's values are kept in a table of one row per resource. `scimgen
//! new --backend typed` scaffolds a SQL backend from it. The plan is made by the same code as the
//! derive's expansion (the generated struct is checked as the derive checks it, and the variant
//! names come from [`crate::query::variant_names`]), so the scaffolded backend names exactly what
//! compiles.

use std::path::Path;

use scim::filter::parse_path;
use scim::schema::{ResourceSchema, Uniqueness};
use scim::typed::FilterableAttribute;
use serde::Serialize;

use crate::ast::{Leaf, Multiplicity, Resource};
use crate::check;
use crate::diagnostics::Diagnostics;
use crate::error::GenerateError;
use crate::generate::{GenerateOptions, generate_tokens};
use crate::names::type_name;
use crate::query::{descriptor, operators, variant_names};
use crate::system::SystemDefinition;

/// A generated resource type as a typed backend sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedPlan {
    /// The struct: `User`.
    pub type_name: String,
    /// Its typed filter enum: `UserFilter`.
    pub filter: String,
    /// Its typed sort enum: `UserSort`.
    pub sort: String,
    /// The schema URNs it serves (core first), for a sample resource's `schemas`.
    pub schemas: Vec<String>,
    /// The mapped fields but the id, in struct order.
    pub fields: Vec<PlannedField>,
    /// One per typed filter variant.
    pub filters: Vec<PlannedFilter>,
    /// One per typed sort variant.
    pub sorts: Vec<PlannedSort>,
}

/// How a field is kept in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// A single string: `TEXT`.
    Text,
    /// A single boolean: `INTEGER` 0 or 1.
    Boolean,
    /// A single integer: `INTEGER`.
    Integer,
    /// A single decimal: `REAL`.
    Decimal,
    /// Anything else (a complex or multi-valued attribute, a whole extension, a dateTime,
    /// reference or binary): `TEXT` holding the attribute's SCIM JSON value.
    Json,
}

/// One mapped field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedField {
    /// The Rust field, which is also its column's name: `user_name`.
    pub name: String,
    /// The SCIM path it maps: `userName`.
    pub path: String,
    pub storage: Storage,
    /// Whether the field is a plain type (never absent): `NOT NULL`.
    pub required: bool,
    /// For text: whether SCIM compares it case-sensitively.
    pub case_exact: bool,
    /// Whether the attribute is unique per tenant (`uniqueness` server or global).
    pub unique: bool,
    /// What the path names (`None` for a whole extension): the extension URN, attribute,
    /// sub-attribute, SCIM type and whether it holds several values.
    pub extension: Option<String>,
    pub attribute: Option<String>,
    pub sub_attribute: Option<String>,
    pub kind: Option<String>,
    pub multi_valued: bool,
}

/// Where a filterable or sortable value is in the resource's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Place {
    /// The whole value of a native column.
    Column { column: String },
    /// The value at a JSON path (`$.givenName`) in a JSON column.
    Json { column: String, path: String },
    /// Any element of the JSON array at `array` in a JSON column, at `element` in that element
    /// (`$` for the element itself).
    Each { column: String, array: String, element: String },
}

/// One variant of the typed filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedFilter {
    /// `UserName`.
    pub variant: String,
    /// Its test enum: `UserUserNameTest`.
    pub test: String,
    /// The canonical SCIM path: `userName`, `emails.value`.
    pub path: String,
    /// The extension URN, the attribute and the sub-attribute the path names.
    pub extension: Option<String>,
    pub attribute: String,
    pub sub_attribute: Option<String>,
    /// Whether the attribute holds several values (`emails.value`).
    pub multi_valued: bool,
    /// The SCIM type of the compared value (`string`, `boolean`, `dateTime`, ...).
    pub kind: String,
    pub case_exact: bool,
    /// The test variants: `Eq`, `Sw`, ..., and `Pr` (which carries no literal).
    pub operators: Vec<String>,
    /// Where the values are; `None` when no field holds them whole (never for generated types).
    pub place: Option<Place>,
}

/// One variant of the typed sort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSort {
    pub variant: String,
    pub path: String,
    pub kind: String,
    pub case_exact: bool,
    pub place: Option<Place>,
}

/// The plan of resource type `resource` (`User`) of `definition`, whose schema files are read
/// relative to `definition_dir`.
pub fn typed_plan(
    definition: &SystemDefinition,
    definition_dir: &Path,
    resource: &str,
) -> Result<TypedPlan, GenerateError> {
    let options = GenerateOptions::default();
    let tokens = generate_tokens(definition, definition_dir, &options)?;
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenerateError::new(format!("internal error: generated tokens do not parse: {e}")))?;
    let wanted = type_name(resource);
    let input = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Struct(item) if item.ident == wanted => Some(syn::DeriveInput::from(item)),
            _ => None,
        })
        .ok_or_else(|| GenerateError::new(format!("the system has no resource type {resource}")))?;
    let mut diagnostics = Diagnostics::default();
    let parsed = Resource::from_input(&input, &mut diagnostics)
        .and_then(|parsed| check::check(&parsed, definition_dir, &mut diagnostics).map(|c| (parsed, c)));
    let described = parsed
        .as_ref()
        .filter(|_| diagnostics.is_empty())
        .and_then(|(parsed, checked)| descriptor(parsed, checked).map(|descriptor| (parsed, checked, descriptor)));
    let Some((parsed, checked, descriptor)) = described else {
        return Err(GenerateError::new(format!("internal error: the generated {wanted} does not check")));
    };
    // The mapped fields, in the order of the descriptor's (filterable attributes point there).
    let mapped: Vec<_> = parsed.fields.iter().zip(&checked.fields).filter(|(_, m)| m.is_some()).collect();
    let id_field = checked.id_field;
    let schema = descriptor.resource_schema();
    let fields: Vec<PlannedField> = mapped
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != id_field)
        .map(|(index, (field, _))| {
            let path = descriptor.field(index).path().to_owned();
            let named = parse_path(&path).ok().and_then(|p| schema.resolve(&p).ok());
            let leaf = named.as_ref().map(|r| r.leaf());
            let single = matches!(field.rust.multiplicity, Multiplicity::One | Multiplicity::Optional);
            let storage = match &field.rust.leaf {
                Leaf::String if single => Storage::Text,
                Leaf::Bool if single => Storage::Boolean,
                Leaf::Integer if single => Storage::Integer,
                Leaf::Decimal if single => Storage::Decimal,
                _ => Storage::Json,
            };
            PlannedField {
                name: field.ident.to_string(),
                path,
                storage,
                required: field.rust.multiplicity == Multiplicity::One,
                case_exact: leaf.is_none_or(|leaf| leaf.case_exact),
                unique: leaf.is_some_and(|leaf| leaf.uniqueness != Uniqueness::None),
                extension: named.as_ref().and_then(|r| r.extension_urn()).map(str::to_owned),
                attribute: named.as_ref().map(|r| r.attribute.name.clone()),
                sub_attribute: named.as_ref().and_then(|r| r.sub_attribute).map(|sub| sub.name.clone()),
                kind: leaf.map(|leaf| leaf.kind.as_str().to_owned()),
                multi_valued: named.as_ref().is_some_and(|r| r.is_multi_valued()),
            }
        })
        .collect();
    let place_of = |attribute: &FilterableAttribute| {
        // A selector path (`emails[type eq "work"].value`) names some elements of its field only:
        // the scaffold keeps no place for it, so its backend leaves it to the runtime.
        if attribute.selector.is_some() {
            return None;
        }
        let field = mapped.get(attribute.field).map(|(f, _)| f.ident.to_string())?;
        let stored = fields.iter().find(|f| f.name == field)?;
        place(schema, attribute, stored)
    };
    let support = descriptor.filter_support();
    let mut filters = Vec::new();
    let mut sorts = Vec::new();
    for named in variant_names(&wanted, support) {
        let attribute = &support.attributes()[named.index];
        let multi_valued = multi_valued(schema, &attribute.path).unwrap_or(false);
        filters.push(PlannedFilter {
            variant: named.variant.clone(),
            test: named.test,
            path: attribute.path.clone(),
            extension: attribute.extension.clone(),
            attribute: attribute.attribute.clone(),
            sub_attribute: attribute.sub_attribute.clone(),
            multi_valued,
            kind: attribute.kind.as_str().to_owned(),
            case_exact: attribute.case_exact,
            operators: operators(attribute).into_iter().map(|(op, _)| op.to_owned()).collect(),
            place: place_of(attribute),
        });
        if support.is_sortable(named.index) {
            sorts.push(PlannedSort {
                variant: named.variant,
                path: attribute.path.clone(),
                kind: attribute.kind.as_str().to_owned(),
                case_exact: attribute.case_exact,
                place: place_of(attribute),
            });
        }
    }
    Ok(TypedPlan {
        filter: format!("{wanted}Filter"),
        sort: format!("{wanted}Sort"),
        type_name: wanted,
        schemas: schema.schema_urns().map(str::to_owned).collect(),
        fields,
        filters,
        sorts,
    })
}

/// Whether the values a path names may be several (`None`: it names no attribute).
fn multi_valued(schema: &ResourceSchema, path: &str) -> Option<bool> {
    Some(schema.resolve(&parse_path(path).ok()?).ok()?.is_multi_valued())
}

/// Where `attribute`'s values are in the row, given the field that holds them.
fn place(schema: &ResourceSchema, attribute: &FilterableAttribute, field: &PlannedField) -> Option<Place> {
    let column = field.name.clone();
    let top = match &attribute.extension {
        Some(urn) => format!("{urn}:{}", attribute.attribute),
        None => attribute.attribute.clone(),
    };
    let top_multi = multi_valued(schema, &top).unwrap_or(false);
    let sub = attribute.sub_attribute.as_deref().map(json_member).unwrap_or_else(|| "$".into());
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if attribute.extension.as_deref().is_some_and(|urn| same(urn, &field.path)) {
        // The whole extension object: the attribute is a member of it.
        let at = json_member(&attribute.attribute);
        return Some(if top_multi {
            Place::Each { column, array: at, element: sub }
        } else {
            Place::Json { column, path: format!("{at}{}", &sub[1..]) }
        });
    }
    if same(&field.path, &top) {
        // The whole attribute.
        return Some(if top_multi {
            Place::Each { column, array: "$".into(), element: sub }
        } else if attribute.sub_attribute.is_some() || field.storage == Storage::Json {
            Place::Json { column, path: sub }
        } else {
            Place::Column { column }
        });
    }
    if same(&field.path, &attribute.path) {
        // Exactly the filtered sub-attribute.
        return Some(if top_multi {
            Place::Each { column, array: "$".into(), element: "$".into() }
        } else if field.storage == Storage::Json {
            Place::Json { column, path: "$".into() }
        } else {
            Place::Column { column }
        });
    }
    None
}

/// The JSON path of member `name` (quoted: SCIM names such as `$ref` are not plain keys).
fn json_member(name: &str) -> String {
    format!("$.\"{name}\"")
}
