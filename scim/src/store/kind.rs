//! [`ResourceKind`]: a resource type as a store sees it: its schema and the attributes it must
//! be able to filter and sort on (and so index). How a SQL store lays them out (tables, columns)
//! is the SQL stores' own business: `store::sql::SqlPlan`.
//!
//! A kind is built once at start-up from plain data (a [`ResourceSchema`] and the canonical
//! paths of its filterable attributes, e.g. from the generated filter support table) and
//! handed to [`Store::register`](super::Store::register).

use serde_json::Value;

use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, Filter, parse_path};
use crate::schema::{AttrOwner, Attribute, AttributeType, ResolvedAttr, ResourceSchema, Uniqueness};

/// Where the values of an indexed attribute live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexedShape {
    /// One value per resource: a promoted column of the resource table (`userName`,
    /// `name.givenName`, `urn:...:User:manager.value`, `meta.lastModified`).
    Single,
    /// A single-valued complex attribute itself (`name`, `manager`): only presence is indexed
    /// (the column holds 1 when the value is present, 0 when it is a hollow object, NULL when
    /// absent), for `name pr` and value filters `name[...]`.
    SingleComplex,
    /// A value of each element of a multi-valued attribute (`emails.value`, or the element
    /// itself for a list of strings such as `schemas`): a column of the attribute's side table.
    Element,
    /// A multi-valued attribute itself (`emails`): its side table, for `emails pr` and
    /// `emails[...]`.
    Multi,
}

/// One attribute a store indexes, with everything needed to extract and compare its values.
#[derive(Debug, Clone)]
pub struct IndexedAttr {
    /// The canonical path, e.g. `emails.value`, `urn:...:enterprise:2.0:User:employeeNumber`.
    pub path: String,
    /// The extension URN holding the attribute, for extension attributes.
    pub urn: Option<String>,
    /// The top-level attribute's name, in schema spelling.
    pub attribute: String,
    /// The sub-attribute's name, in schema spelling.
    pub sub_attribute: Option<String>,
    /// The type of the values compared (the leaf attribute's type).
    pub kind: AttributeType,
    /// Whether strings compare case-sensitively (always true for `binary`, RFC 7643 2.3.6).
    pub case_exact: bool,
    /// Where the values live.
    pub shape: IndexedShape,
    /// Whether values must be unique per tenant (`uniqueness` `server` or `global`, or made
    /// unique by the server's configuration: see [`ResourceKind::with_unique`]).
    pub unique: bool,
    /// Whether a database may also hold [`IndexedAttr::unique`] with a unique index: true for
    /// the schema's own uniqueness (`userName`), false for uniqueness the server adds by
    /// configuration (a group's `displayName`), which stores check in their write transaction
    /// only, so that a database already holding duplicates from before still opens.
    pub unique_index: bool,
}

impl IndexedAttr {
    /// The value this attribute has in one JSON node: a resource for [`IndexedShape::Single`]
    /// and [`IndexedShape::SingleComplex`], one element for [`IndexedShape::Element`].
    /// Only a value of the attribute's own type counts (a resource that passed validation has
    /// no other).
    pub fn scalar(&self, node: &Value) -> Option<Scalar> {
        let value = match self.shape {
            IndexedShape::Single | IndexedShape::SingleComplex => {
                let container = match &self.urn {
                    Some(urn) => lookup(node, urn)?,
                    None => node,
                };
                let top = lookup(container, &self.attribute)?;
                match &self.sub_attribute {
                    Some(sub) => lookup(top, sub)?,
                    None => top,
                }
            }
            IndexedShape::Element => match &self.sub_attribute {
                Some(sub) => lookup(node, sub)?,
                None => node,
            },
            IndexedShape::Multi => return None,
        };
        if self.shape == IndexedShape::SingleComplex {
            return match value {
                Value::Object(_) => Some(Scalar::Int(i64::from(crate::filter::eval::is_present(value)))),
                _ => None,
            };
        }
        Scalar::of(self.kind, value)
    }
}

/// A typed value as stored in an index column.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Text: strings, references, binary, and dateTimes (normalised, see [`normalise_instant`]).
    Text(String),
    /// Integers and booleans (0/1).
    Int(i64),
    /// Decimals.
    Real(f64),
}

impl Scalar {
    /// The index value of a JSON value of attribute type `kind`; `None` for a value of another
    /// JSON type (which the evaluator never matches either).
    pub fn of(kind: AttributeType, value: &Value) -> Option<Scalar> {
        match (kind, value) {
            (AttributeType::String | AttributeType::Reference | AttributeType::Binary, Value::String(s)) => {
                Some(Scalar::Text(s.clone()))
            }
            (AttributeType::Boolean, Value::Bool(b)) => Some(Scalar::Int(i64::from(*b))),
            (AttributeType::Integer | AttributeType::Decimal, Value::Number(n)) => match n.as_i64() {
                Some(i) => Some(Scalar::Int(i)),
                None => n.as_f64().map(Scalar::Real),
            },
            (AttributeType::DateTime, Value::String(s)) => normalise_instant(s).map(Scalar::Text),
            _ => None,
        }
    }

    /// The lower-cased copy of a text value (Unicode lower case, as the evaluator folds).
    pub fn lowered(&self) -> Scalar {
        match self {
            Scalar::Text(s) => Scalar::Text(s.to_lowercase()),
            other => other.clone(),
        }
    }
}

/// An RFC 3339 timestamp as fixed-width UTC text with nanoseconds
/// (`2011-05-13T04:42:34.000000000Z`), whose byte order is the order of the instants, so
/// stored dateTimes compare and sort correctly as text. `None` when it does not parse.
pub fn normalise_instant(text: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let instant = time::OffsetDateTime::parse(text, &Rfc3339).ok()?.to_offset(time::UtcOffset::UTC);
    format_instant(instant)
}

/// See [`normalise_instant`].
pub fn format_instant(instant: time::OffsetDateTime) -> Option<String> {
    let instant = instant.to_offset(time::UtcOffset::UTC);
    let year = instant.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        u8::from(instant.month()),
        instant.day(),
        instant.hour(),
        instant.minute(),
        instant.second(),
        instant.nanosecond()
    ))
}

/// The member `key` of an object, looked up as the evaluator does.
pub(crate) use crate::filter::eval::lookup;

/// A resource type as a store sees it.
#[derive(Debug, Clone)]
pub struct ResourceKind {
    /// The resource type and its schemas.
    pub schema: ResourceSchema,
    /// Every attribute indexed for filtering and sorting (and uniqueness).
    pub indexed: Vec<IndexedAttr>,
    /// Whether the resource type has `members` (a group): they are kept apart from the document.
    pub has_members: bool,
}

impl ResourceKind {
    /// A kind for `schema`, indexing the attributes named by `filterable`: canonical paths such
    /// as `userName`, `name.givenName`, `emails.value`, `emails[type eq "work"].value` (which
    /// indexes `emails.value` and `emails.type`), `meta.lastModified`, `name` (presence only),
    /// or `urn:...:enterprise:2.0:User:manager.value`.
    ///
    /// Attributes with `uniqueness` `server` or `global` are always indexed. `id` needs no entry.
    /// Errors (500: these are start-up configuration errors) name the offending path.
    pub fn new<S: AsRef<str>>(schema: ResourceSchema, filterable: &[S]) -> ScimResult<ResourceKind> {
        Self::with_unique(schema, filterable, &[])
    }

    /// [`ResourceKind::new`], with the top-level single-valued attributes `also_unique` made
    /// unique per tenant as well (compared case-insensitively unless `caseExact`), whatever
    /// their schema `uniqueness`: the server's `unique_group_display_names` makes a group's
    /// `displayName` unique, as Entra ID expects. Stores enforce it without a unique index
    /// ([`IndexedAttr::unique_index`]).
    pub fn with_unique<S: AsRef<str>>(
        schema: ResourceSchema,
        filterable: &[S],
        also_unique: &[&str],
    ) -> ScimResult<ResourceKind> {
        let endpoint = schema.resource_type.endpoint.trim_start_matches('/');
        if endpoint.is_empty() {
            return Err(ScimError::internal(format!("resource type {} has an empty endpoint", schema.name())));
        }
        let members_attr = schema
            .core
            .attribute("members")
            .filter(|a| a.multi_valued && a.kind == AttributeType::Complex && a.sub_attribute("value").is_some());
        let mut builder = Builder { schema: &schema, indexed: Vec::new() };
        if let Some(members) = members_attr {
            // Members always carry `value` and `type` columns: GET assembles them, and filters
            // such as `members[value eq "..."]` are common.
            for sub in ["value", "type"] {
                if members.sub_attribute(sub).is_some() {
                    builder.add_path(&AttrPath::sub("members", sub))?;
                }
            }
        }
        for attribute in unique_attributes(&schema) {
            builder.add_path(&attribute)?;
        }
        for text in filterable {
            let text = text.as_ref();
            let path = parse_path(text).map_err(|e| {
                ScimError::internal(format!("filterable attribute `{text}` of {}: {}", schema.name(), e.detail))
            })?;
            builder.add_filtered_path(&path).map_err(|e| e.context(format!("filterable attribute `{text}`")))?;
        }
        for name in also_unique {
            let path = AttrPath::simple((*name).to_owned());
            builder.add_path(&path)?;
            let canonical = schema.resolve(&path).map_err(|e| ScimError::internal(e.detail))?.canonical();
            let attr = builder.indexed.iter_mut().find(|i| i.path == canonical && i.shape == IndexedShape::Single);
            match attr {
                Some(attr) => attr.unique = true,
                None => {
                    return Err(ScimError::internal(format!(
                        "`{name}` of {} cannot be made unique: only single-valued simple attributes can",
                        schema.name()
                    )));
                }
            }
        }
        let Builder { indexed, .. } = builder;
        Ok(ResourceKind { has_members: members_attr.is_some(), indexed, schema })
    }

    /// Whether the kind's resources carry the computed `groups` of RFC 7643 section 4.1.2: its
    /// core schema declares a readOnly, multi-valued, complex `groups` (User does) and it has no
    /// members itself. The groups listing them fill it (when the server serves a kind with
    /// members).
    pub fn carries_computed_groups(&self) -> bool {
        !self.has_members
            && self.schema.core.attribute("groups").is_some_and(|attribute| {
                attribute.multi_valued
                    && attribute.mutability == crate::schema::Mutability::ReadOnly
                    && attribute.kind == AttributeType::Complex
            })
    }

    /// The resource type's name, e.g. `User`.
    pub fn name(&self) -> &str {
        self.schema.name()
    }

    /// The indexed attribute a resolved path reaches, if it is indexed.
    pub fn indexed_attr(&self, attr: &ResolvedAttr<'_>) -> Option<&IndexedAttr> {
        let urn = attr.extension_urn();
        self.indexed.iter().find(|i| {
            i.urn.as_deref() == urn
                && i.attribute == attr.attribute.name
                && i.sub_attribute.as_deref() == attr.sub_attribute.map(|s| s.name.as_str())
        })
    }

    /// The indexed attributes with unique values.
    pub fn unique(&self) -> impl Iterator<Item = &IndexedAttr> {
        self.indexed.iter().filter(|i| i.unique)
    }
}

/// Top-level single-valued attributes of the core schema and extensions whose `uniqueness` is
/// `server` or `global` (`userName` for User), as paths. `id` is the key and needs none.
fn unique_attributes(schema: &ResourceSchema) -> Vec<AttrPath> {
    let is_unique =
        |a: &Attribute| a.uniqueness != Uniqueness::None && !a.multi_valued && a.kind != AttributeType::Complex;
    let mut out: Vec<AttrPath> =
        schema.core.attributes.iter().filter(|a| is_unique(a)).map(|a| AttrPath::simple(a.name.clone())).collect();
    for extension in &schema.extensions {
        for attribute in extension.schema.attributes.iter().filter(|a| is_unique(a)) {
            out.push(AttrPath {
                urn: Some(extension.schema.id.clone()),
                name: attribute.name.clone(),
                filter: None,
                sub_attr: None,
            });
        }
    }
    out
}

struct Builder<'a> {
    schema: &'a ResourceSchema,
    indexed: Vec<IndexedAttr>,
}

impl Builder<'_> {
    /// A path possibly with a value filter: index the path and every sub-attribute the filter
    /// names.
    fn add_filtered_path(&mut self, path: &AttrPath) -> ScimResult<()> {
        if let Some(filter) = &path.filter {
            let mut names = Vec::new();
            filter_names(filter, &mut names);
            for name in names {
                let sub =
                    AttrPath { urn: path.urn.clone(), name: path.name.clone(), filter: None, sub_attr: Some(name) };
                self.add_path(&sub)?;
            }
        }
        let plain = AttrPath { filter: None, ..path.clone() };
        self.add_path(&plain)
    }

    fn add_path(&mut self, path: &AttrPath) -> ScimResult<()> {
        let attr = self.schema.resolve(path).map_err(|e| ScimError::internal(e.detail))?;
        let canonical = attr.canonical();
        if attr.owner == AttrOwner::Common && attr.attribute.name == "id" {
            return Ok(());
        }
        if self.indexed.iter().any(|i| i.path == canonical) {
            return Ok(());
        }
        let leaf = attr.leaf();
        if attr.sub_attribute.is_some_and(|s| s.multi_valued) {
            return Err(ScimError::internal(format!(
                "`{canonical}` is a multi-valued sub-attribute, which stores do not index"
            )));
        }
        let shape = match (attr.attribute.multi_valued, attr.sub_attribute.is_some(), leaf.kind) {
            (true, false, AttributeType::Complex) => IndexedShape::Multi,
            (true, _, _) => IndexedShape::Element,
            (false, false, AttributeType::Complex) => IndexedShape::SingleComplex,
            (false, _, _) => IndexedShape::Single,
        };
        let urn = attr.extension_urn().map(str::to_owned);
        let case_exact = leaf.case_exact || leaf.kind == AttributeType::Binary;
        let unique = attr.sub_attribute.is_none()
            && !attr.attribute.multi_valued
            && attr.attribute.uniqueness != Uniqueness::None
            && shape == IndexedShape::Single;
        self.indexed.push(IndexedAttr {
            path: canonical,
            urn,
            attribute: attr.attribute.name.clone(),
            sub_attribute: attr.sub_attribute.map(|s| s.name.clone()),
            kind: leaf.kind,
            case_exact,
            shape,
            unique,
            unique_index: unique,
        });
        Ok(())
    }
}

/// The attribute names used inside a value filter (`type` in `emails[type eq "work"]`).
fn filter_names(filter: &Filter, out: &mut Vec<String>) {
    out.extend(filter.nodes().filter_map(Filter::tested_path).map(|path| path.name.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin;

    #[test]
    fn a_kind_indexes_what_it_is_told_plus_unique_attributes() {
        let kind = ResourceKind::new(
            builtin::user_schema(),
            &[
                "emails[type eq \"work\"].value",
                "name.givenName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            ],
        )
        .unwrap();
        let paths: Vec<&str> = kind.indexed.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "userName",
                "emails.type",
                "emails.value",
                "name.givenName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
            ]
        );
        let user_name = &kind.indexed[0];
        assert!(user_name.unique);
        assert!(!user_name.case_exact);
        assert_eq!(kind.indexed[2].shape, IndexedShape::Element);
        assert!(!kind.has_members);

        let group = ResourceKind::new(builtin::group_schema(), &["displayName"]).unwrap();
        assert!(group.has_members);
        assert_eq!(group.indexed[0].path, "members.value");
    }

    #[test]
    fn bad_paths_are_configuration_errors_naming_the_path() {
        let error = ResourceKind::new(builtin::user_schema(), &["nickname.x"]).unwrap_err();
        assert_eq!(error.status, 500);
        assert!(error.detail.contains("nickname.x"), "{}", error.detail);
    }

    #[test]
    fn instants_normalise_to_sortable_utc_text() {
        assert_eq!(normalise_instant("2011-05-13T06:42:34+02:00").as_deref(), Some("2011-05-13T04:42:34.000000000Z"));
        assert_eq!(normalise_instant("2011-05-13T04:42:34.5Z").as_deref(), Some("2011-05-13T04:42:34.500000000Z"));
        assert_eq!(normalise_instant("yesterday"), None);
    }
}
