//! [`ResourceDescriptor`]: a typed resource's resource type, restricted schemas, precompiled
//! field paths, filter support and discovery documents, built once from a [`DescriptorSpec`].

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::accessor::{FieldAccessor, KeyOrders, KeyRanks, Selector, Target, rank};
use super::filter_support::{FilterSupport, MappedPlace};
use crate::error::{ScimError, ScimResult};
use crate::filter::parse_path;
use crate::filter::resolve::resolve_value_filter;
use crate::schema::builtin;
use crate::schema::{
    AttrOwner, Attribute, AttributeType, RESOURCE_TYPE_URN, ResolvedAttr, ResourceSchema, ResourceType, SCHEMA_URN,
    Schema,
};

/// Everything the derive (or the generator) knows about a typed resource, as constants.
#[derive(Debug, Clone, Copy)]
pub struct DescriptorSpec {
    /// The ResourceType JSON (RFC 7643 section 6): `name`, `endpoint`, `schema`,
    /// `schemaExtensions`.
    pub resource_type_json: &'static str,
    /// Each schema's JSON (RFC 7643 section 7), already restricted to the mapped attributes.
    pub schemas_json: &'static [&'static str],
    /// The mapped fields, in struct field order; [`ResourceDescriptor::field`] indexes them.
    pub fields: &'static [FieldSpec],
}

/// One mapped struct field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The Rust field's name, for error messages.
    pub rust_name: &'static str,
    /// The SCIM path as written (see [`super::accessor`] for the forms).
    pub path: &'static str,
    /// Whether and how the attribute is filterable.
    pub filter: FilterFlag,
}

/// A field's filter flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFlag {
    /// The built-in defaults decide (see [`super::filter_support`]).
    Default,
    /// Filterable with `eq`.
    Eq,
    /// Filterable with these operators (`eq`, `ne`, `co`, `sw`, `ew`, `gt`, `ge`, `lt`, `le`,
    /// and `pr` for presence).
    Ops(&'static [&'static str]),
    /// Not filterable, whatever the defaults say.
    None,
}

/// A typed resource's runtime description, consulted on every request.
#[derive(Debug)]
pub struct ResourceDescriptor {
    schema: ResourceSchema,
    fields: Vec<FieldAccessor>,
    filter_support: FilterSupport,
    schema_documents: Vec<Value>,
    resource_type_document: Value,
    /// How many top-level keys `to_scim` can write (`schemas` included): the capacity of
    /// [`Self::new_object`].
    top_level_keys: usize,
}

fn spec_error(what: &str, error: impl std::fmt::Display) -> ScimError {
    ScimError::internal(format!("{what}: {error}"))
}

impl ResourceDescriptor {
    /// Parse the resource type and schemas, bind them, and compile every field's path.
    ///
    /// Fails (with a detail naming the field and path) when a path does not parse or resolve,
    /// a selector is not a conjunction of `eq` comparisons, two fields map the same path, or a
    /// filter flag names an operator the attribute's type cannot support.
    /// Every error's detail starts with `typed resource: `.
    pub fn build(spec: &DescriptorSpec) -> ScimResult<ResourceDescriptor> {
        Self::build_unprefixed(spec).map_err(|error| error.context("typed resource"))
    }

    fn build_unprefixed(spec: &DescriptorSpec) -> ScimResult<ResourceDescriptor> {
        let resource_type: ResourceType =
            serde_json::from_str(spec.resource_type_json).map_err(|e| spec_error("the resource type JSON", e))?;
        let schemas = spec
            .schemas_json
            .iter()
            .map(|json| serde_json::from_str::<Schema>(json).map(Arc::new).map_err(|e| spec_error("a schema JSON", e)))
            .collect::<ScimResult<Vec<_>>>()?;
        let schema = ResourceSchema::new(resource_type, &schemas)?;

        let orders = ContainerOrders::new(&schema);
        let mut fields: Vec<FieldAccessor> = Vec::with_capacity(spec.fields.len());
        let mut places = Vec::with_capacity(spec.fields.len());
        for (index, field) in spec.fields.iter().enumerate() {
            let context = format!("field `{}` (path `{}`)", field.rust_name, field.path);
            let (accessor, place) = compile_field(&schema, &orders, field, index).map_err(|e| e.context(&context))?;
            if let Some(other) = fields.iter().find(|f| f.path == accessor.path) {
                return Err(spec_error(&context, format!("field `{}` maps the same path", other.rust_name)));
            }
            fields.push(accessor);
            places.push(place);
        }
        let filter_support = FilterSupport::new(&schema, &fields, places)?;
        let mut top_level: Vec<&str> = fields.iter().map(FieldAccessor::top_level_key).collect();
        top_level.sort_unstable();
        top_level.dedup();
        Ok(ResourceDescriptor {
            top_level_keys: top_level.len() + 1,
            schema_documents: schema_documents(
                &schema,
                fields.iter().any(|f| f.path().eq_ignore_ascii_case("externalId")),
            ),
            resource_type_document: resource_type_document(&schema.resource_type),
            schema,
            fields,
            filter_support,
        })
    }

    /// The resource type bound to its schemas, restricted to the mapped attributes (unmapped
    /// attributes are not supported, so they are not advertised).
    pub fn resource_schema(&self) -> &ResourceSchema {
        &self.schema
    }

    /// Which attributes may be filtered on, with which operators.
    pub fn filter_support(&self) -> &FilterSupport {
        &self.filter_support
    }

    /// The precompiled path of field `index` (struct field order).
    ///
    /// # Panics
    ///
    /// When `index` is not a field index; generated code only passes indexes it declared.
    pub fn field(&self, index: usize) -> &FieldAccessor {
        &self.fields[index]
    }

    /// Every field's accessor, in struct field order.
    pub fn fields(&self) -> &[FieldAccessor] {
        &self.fields
    }

    /// The empty object `to_scim` fills with [`FieldAccessor::put`].
    pub fn new_object(&self) -> Map<String, Value> {
        let mut object = Map::with_capacity(self.top_level_keys);
        // `finish` fills it in; being first already, nothing has to move then.
        object.insert("schemas".to_owned(), Value::Null);
        object
    }

    /// Complete a representation: set `schemas` to the core schema and the extensions that have
    /// a non-empty object (in resource-type order) as the first key, and drop empty extension
    /// objects. [`FieldAccessor::put`] has already placed every key in canonical order
    /// (`schemas`, `id`, `externalId`, core attributes in schema order, extensions in
    /// resource-type order, `meta`; sub-attributes in schema order), so equal resources
    /// serialise to equal bytes whatever the struct's field order. Inside a value produced by a
    /// serde type (`impl_scim_value_via_serde!`), members keep the type's field order.
    pub fn finish(&self, mut object: Map<String, Value>) -> Value {
        let mut schemas = Vec::with_capacity(1 + self.schema.extensions.len());
        schemas.push(Value::String(self.schema.core.id.clone()));
        for extension in &self.schema.extensions {
            let urn = extension.schema.id.as_str();
            let found = object.iter().find_map(|(key, value)| (key == urn).then_some(value));
            let empty = match found {
                None => continue,
                Some(Value::Object(members)) => members.is_empty(),
                Some(value) => value.is_null(),
            };
            if empty {
                object.shift_remove(urn);
            } else {
                schemas.push(Value::String(urn.to_owned()));
            }
        }
        match object.iter_mut().next() {
            Some((key, slot)) if key == "schemas" => *slot = Value::Array(schemas),
            _ => {
                object.shift_insert(0, "schemas".to_owned(), Value::Array(schemas));
            }
        }
        Value::Object(object)
    }

    /// What `GET /Schemas` serves for this resource: each schema (core first) as RFC 7643
    /// section 7 represents it, with `schemas` and `meta` (`resourceType` `Schema`, `location`
    /// `/Schemas/{urn}`, relative: the server prefixes its base URL).
    pub fn schema_documents(&self) -> Vec<Value> {
        self.schema_documents.clone()
    }

    /// What `GET /ResourceTypes` serves for this resource (RFC 7643 section 6), with `meta`
    /// (`resourceType` `ResourceType`, `location` `/ResourceTypes/{name}`, relative).
    pub fn resource_type_document(&self) -> Value {
        self.resource_type_document.clone()
    }
}

/// Parse and resolve one field's path.
fn compile_field(
    schema: &ResourceSchema,
    orders: &ContainerOrders,
    field: &FieldSpec,
    index: usize,
) -> ScimResult<(FieldAccessor, MappedPlace)> {
    if let Some(extension) = schema.extension(field.path) {
        let urn = extension.schema.id.clone();
        let accessor = FieldAccessor {
            rust_name: field.rust_name,
            path: urn.clone(),
            container: Some(urn.clone()),
            target: Target::WholeExtension,
            orders: KeyOrders {
                ranks: KeyRanks { top: rank(&orders.top, &urn), ..KeyRanks::default() },
                top: orders.top.clone(),
                ..KeyOrders::default()
            },
        };
        let place = MappedPlace::whole_extension(index, urn, field.filter);
        return Ok((accessor, place));
    }
    let parsed = parse_path(field.path)?;
    let attr = schema.resolve(&parsed)?;
    let attribute = attr.attribute;
    if attribute.is_named("schemas") && attr.owner == AttrOwner::Common {
        return Err(ScimError::invalid_path("`schemas` is written by the runtime and cannot be mapped"));
    }
    let name = attribute.name.clone();
    let sub = attr.sub_attribute.map(|s| s.name.clone());
    let selector = match &parsed.filter {
        None => None,
        Some(filter) => {
            if !attribute.multi_valued || attribute.kind != AttributeType::Complex {
                return Err(ScimError::invalid_path(format!(
                    "`{name}[...]` selects elements, so `{name}` must be a multi-valued complex attribute"
                )));
            }
            // Checks names and literal types, with the same rules as a filter.
            resolve_value_filter(filter, ResolvedAttr { sub_attribute: None, ..attr })?;
            Some(Selector::from_filter(filter, attribute)?)
        }
    };
    let path = canonical_path(&attr, selector.as_ref());
    let target = match (selector.clone(), sub.clone()) {
        (Some(selector), sub) => Target::Selected { name, selector, sub },
        (None, Some(sub)) if attribute.multi_valued => Target::EverySub { name, sub },
        (None, Some(sub)) => Target::Sub { name, sub },
        (None, None) => Target::Attribute { name },
    };
    let place = MappedPlace::attribute(index, &attr, selector, field.filter);
    let container = attr.extension_urn().map(str::to_owned);
    let top = orders.top.clone();
    let container_order = orders.container(container.as_deref());
    let element: Arc<[String]> = attribute.sub_attributes.iter().map(|s| s.name.clone()).collect();
    let ranks = KeyRanks {
        top: container.as_deref().map_or(0, |urn| rank(&top, urn)),
        container: rank(&container_order, &attribute.name),
        element: attr.sub_attribute.map_or(element.len(), |sub| rank(&element, &sub.name)),
    };
    let orders = KeyOrders { top, container: container_order, element, ranks };
    Ok((FieldAccessor { rust_name: field.rust_name, path, container, target, orders }, place))
}

/// `emails[type eq "work"].value`, prefixed with the extension URN for extension attributes.
fn canonical_path(attr: &ResolvedAttr<'_>, selector: Option<&Selector>) -> String {
    attr.canonical_with_filter(selector.map(Selector::to_filter_text).as_deref())
}

/// The canonical key orders of a resource's containers.
struct ContainerOrders {
    /// `schemas`, `id`, `externalId`, core attributes, extension URNs, `meta`.
    top: Arc<[String]>,
    /// Each extension's attributes, by URN.
    extensions: Vec<(String, Arc<[String]>)>,
}

impl ContainerOrders {
    fn new(schema: &ResourceSchema) -> Self {
        let names = |attributes: &[Attribute]| attributes.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
        let mut top = vec!["schemas".to_owned(), "id".to_owned(), "externalId".to_owned()];
        top.extend(names(&schema.core.attributes));
        top.extend(schema.extensions.iter().map(|e| e.schema.id.clone()));
        top.push("meta".to_owned());
        let extensions =
            schema.extensions.iter().map(|e| (e.schema.id.clone(), names(&e.schema.attributes).into())).collect();
        ContainerOrders { top: top.into(), extensions }
    }

    fn container(&self, extension: Option<&str>) -> Arc<[String]> {
        match extension {
            None => self.top.clone(),
            Some(urn) => {
                self.extensions.iter().find(|(u, _)| u == urn).map_or_else(|| self.top.clone(), |(_, o)| o.clone())
            }
        }
    }
}

/// `/Schemas` documents: the core schema, then each extension. A mapped `externalId` is listed
/// in the core schema too: RFC 7643 makes it a common attribute of no schema, but clients that
/// discover what to send from `/Schemas` (Microsoft's SCIM validator checks every attribute it
/// maps, `externalId` included) would otherwise conclude it is not supported.
fn schema_documents(schema: &ResourceSchema, external_id_mapped: bool) -> Vec<Value> {
    let core_id = schema.core.id.clone();
    std::iter::once(&schema.core)
        .chain(schema.extensions.iter().map(|e| &e.schema))
        .map(|s| {
            let mut document = Map::new();
            document.insert("schemas".into(), json!([SCHEMA_URN]));
            if let Ok(Value::Object(members)) = serde_json::to_value(&**s) {
                document.extend(members);
            }
            if external_id_mapped
                && s.id == core_id
                && let Some(Value::Array(attributes)) = document.get_mut("attributes")
                && !attributes.iter().any(|a| a["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("externalId")))
                && let Some(external_id) = builtin::common_attribute("externalId")
                && let Ok(listed) = serde_json::to_value(external_id)
            {
                attributes.insert(0, listed);
            }
            document.insert("meta".into(), json!({"resourceType": "Schema", "location": format!("/Schemas/{}", s.id)}));
            Value::Object(document)
        })
        .collect()
}

fn resource_type_document(resource_type: &ResourceType) -> Value {
    let mut document = Map::new();
    document.insert("schemas".into(), json!([RESOURCE_TYPE_URN]));
    let with_id = ResourceType {
        id: Some(resource_type.id.clone().unwrap_or_else(|| resource_type.name.clone())),
        ..resource_type.clone()
    };
    if let Ok(Value::Object(members)) = serde_json::to_value(&with_id) {
        document.extend(members);
    }
    document.insert(
        "meta".into(),
        json!({"resourceType": "ResourceType", "location": format!("/ResourceTypes/{}", resource_type.name)}),
    );
    Value::Object(document)
}
