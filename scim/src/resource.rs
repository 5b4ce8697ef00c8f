//! The JSON representation of a resource, and checking what a client sends for one.
//!
//! A resource is a `serde_json::Value` object in canonical form (see the crate's contract):
//! keys spelled as the schema spells them; `schemas`, `id`, `externalId`, `meta` and the core
//! attributes at the top level; extension attributes inside an object keyed by the extension's
//! URN; absent attributes missing, never `null`. Keys are in a fixed order — `schemas`, `id`,
//! `externalId`, `meta`, core attributes in schema order, extensions in resource-type order —
//! so equal resources serialise to equal bytes.
//!
//! [`validate_request`] turns a POST or PUT body into that form. The rules, and why:
//!
//! - The body must be a JSON object, and `schemas` must be present (RFC 7643 section 3:
//!   "REQUIRED") and list the core schema. URNs are compared case-insensitively. A URN that is
//!   not one of the resource type's schemas is ignored when nothing in the body is keyed by it
//!   (Entra ID lists `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`
//!   in every group it creates); data keyed by an unknown URN is still rejected (below), so
//!   nothing the client sent is dropped. The output's `schemas` lists
//!   exactly the core schema and the extensions the resource carries, in resource-type order,
//!   whatever the client listed (an extension listed but not sent is dropped; one sent but not
//!   listed is added — Okta has been seen to omit it).
//! - Attribute names are matched case-insensitively (RFC 7643 section 2.1) and renamed to the
//!   schema's spelling. Extension attributes may come in the extension object (keyed by its URN,
//!   in any case) or as URN-qualified top-level keys
//!   (`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "x"`, RFC 7644
//!   section 3.10); both end up in the extension object. Core attributes may likewise be
//!   qualified with the core URN. The same attribute given twice (in two spellings or two
//!   places) is `400 invalidSyntax`.
//! - **Unknown attributes are rejected** by default: `400 invalidSyntax` naming the attribute,
//!   with a did-you-mean and what to do about it ([`UNKNOWN_ATTRIBUTE_HINT`]); a project may
//!   choose [`UnknownAttributes::Ignore`] instead ([`validate_request_with`]). RFC 7644 section 3.3 lets a service provider ignore what it does not
//!   support, but silently dropping data a client believes it stored turns a mapping mistake
//!   into an invisible provisioning failure. Entra ID and Okta send only what their attribute
//!   mappings contain, so a rejection points at a mapping to fix.
//! - `readOnly` attributes and sub-attributes (`id`, `meta`, `groups` on User, the enterprise
//!   `manager.displayName`) are ignored on input (RFC 7643 section 2.2: "any values provided
//!   SHALL be ignored"), whatever their value.
//! - Every other value goes through [`crate::value::coerce`]; values that come out `null`
//!   (unassigned) are dropped.
//! - Required attributes must be present (RFC 7643 section 2.2 `required`): `userName` for a
//!   User, `displayName` for a Group, required sub-attributes of each present complex value,
//!   and required extensions; otherwise `400 invalidValue` naming what is missing.
//!   `readOnly` attributes are the service provider's to set and are not checked.
//! - `writeOnly` attributes (`password`) are accepted and kept; [`crate::projection`] never
//!   returns them.
//!
//! [`check_replace`] adds the PUT rule for `immutable` attributes, and
//! [`assign_server_fields`] sets `id` and `meta`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::schema::{Attribute, AttributeType, Mutability, ResourceSchema, Schema, builtin, suggestion};
use crate::value::{coerce_at, in_schema_order};

/// The resource metadata of RFC 7643 section 3.1 (`meta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The resource type's name, e.g. `User`.
    pub resource_type: String,
    /// When the resource was created, as an RFC 3339 timestamp.
    pub created: String,
    /// When it last changed, as an RFC 3339 timestamp.
    pub last_modified: String,
    /// Its URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Its version, as an entity tag (`W/"3"`), RFC 7644 section 3.14.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Meta {
    /// Metadata with RFC 3339 timestamps.
    pub fn new(
        resource_type: impl Into<String>,
        created: time::OffsetDateTime,
        last_modified: time::OffsetDateTime,
    ) -> ScimResult<Self> {
        Ok(Meta {
            resource_type: resource_type.into(),
            created: rfc3339(created)?,
            last_modified: rfc3339(last_modified)?,
            location: None,
            version: None,
        })
    }

    /// Read the `meta` of a stored resource.
    pub fn of(resource: &Value) -> Option<Meta> {
        serde_json::from_value(resource.get("meta")?.clone()).ok()
    }
}

fn rfc3339(at: time::OffsetDateTime) -> ScimResult<String> {
    at.format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| ScimError::internal(format!("cannot format timestamp: {e}")))
}

/// Which request a body comes with. Both follow the same rules (RFC 7644 sections 3.3 and
/// 3.5.1); the mode only changes how errors describe the request. PUT's extra rule for
/// `immutable` attributes needs the stored resource: see [`check_replace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestMode {
    /// POST: a new resource.
    Create,
    /// PUT: a whole replacement.
    Replace,
}

/// What to do with an attribute the resource type's schemas do not define (a project's
/// choice: `unknownAttributes` in `scimgen.toml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnknownAttributes {
    /// `400 invalidSyntax` naming the attribute and how to fix it (the default: nothing the
    /// client sent is silently dropped).
    #[default]
    Reject,
    /// Drop the attribute and go on; the caller logs a warning and records what was dropped
    /// in the audit event.
    Ignore,
}

/// What an IdP administrator (who reads only the error's detail, in Entra ID's provisioning
/// log or Okta's task list) can do about an unknown attribute.
pub const UNKNOWN_ATTRIBUTE_HINT: &str = "this SCIM server's schema does not have it: add the attribute to the \
     project's schema file (and to `attributes` in scimgen.toml), run `scimgen generate` and deploy the server \
     again; or remove the attribute from the provisioning app's attribute mappings; or set \
     `unknownAttributes = \"ignore\"` under [server] in scimgen.toml to drop such attributes";

/// Unknown attributes met while checking a request, under a policy.
#[derive(Debug, Default)]
pub struct UnknownAttributeLog {
    policy: UnknownAttributes,
    /// The attributes dropped under [`UnknownAttributes::Ignore`], as the client named them.
    pub ignored: Vec<String>,
}

impl UnknownAttributeLog {
    /// A log under `policy`.
    pub fn new(policy: UnknownAttributes) -> Self {
        UnknownAttributeLog { policy, ignored: Vec::new() }
    }

    /// `name` is unknown: `Ok` (noted) when ignoring, else `error` with the hint appended.
    pub fn unknown(&mut self, name: &str, error: ScimError) -> ScimResult<()> {
        match self.policy {
            UnknownAttributes::Ignore => {
                self.ignored.push(name.to_owned());
                Ok(())
            }
            UnknownAttributes::Reject => Err(with_unknown_hint(error)),
        }
    }
}

/// `error`'s detail followed by [`UNKNOWN_ATTRIBUTE_HINT`].
pub fn with_unknown_hint(mut error: ScimError) -> ScimError {
    error.detail = format!("{}; {UNKNOWN_ATTRIBUTE_HINT}", error.detail);
    error
}

/// Check a POST or PUT body against `schema` and return the canonical resource (without `id`
/// and `meta`, which the client may not set). The rules are in the module docs; an unknown
/// attribute is rejected.
pub fn validate_request(schema: &ResourceSchema, body: Value, mode: RequestMode) -> ScimResult<Value> {
    validate_request_with(schema, body, mode, &mut UnknownAttributeLog::new(UnknownAttributes::Reject))
}

/// [`validate_request`] with unknown top-level and extension attributes handled as `unknown`'s
/// policy says (unknown sub-attributes of a known attribute are always rejected).
pub fn validate_request_with(
    schema: &ResourceSchema,
    body: Value,
    mode: RequestMode,
    unknown: &mut UnknownAttributeLog,
) -> ScimResult<Value> {
    let what = match mode {
        RequestMode::Create => "a new",
        RequestMode::Replace => "a replacement",
    };
    let Value::Object(body) = body else {
        return Err(ScimError::invalid_syntax(format!("the body of {what} {} must be a JSON object", schema.name())));
    };
    let mut core = Map::new();
    let mut extensions: Vec<Map<String, Value>> = vec![Map::new(); schema.extensions.len()];
    let mut schemas_seen = false;
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas_member(schema, &value)?;
            schemas_seen = true;
        } else if let Some(index) = extension_index(schema, &key) {
            let extension = &schema.extensions[index].schema;
            match value {
                Value::Null => {}
                Value::Object(members) => {
                    for (name, value) in members {
                        if is_redundant_schemas_member(extension, &name, &value) {
                            continue;
                        }
                        put_attribute(&mut extensions[index], extension, Some(&extension.id), &name, value, unknown)?;
                    }
                }
                other => {
                    return Err(ScimError::invalid_syntax(format!(
                        "the extension `{}` must be a JSON object, found {}",
                        extension.id,
                        crate::value::describe(&other)
                    )));
                }
            }
        } else if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            let (urn, name) = key.rsplit_once(':').unwrap_or((&key, ""));
            if schema.core.id.eq_ignore_ascii_case(&key) {
                return Err(ScimError::invalid_syntax(format!(
                    "core attributes of {} belong at the top level, not in an object keyed `{key}`",
                    schema.name()
                )));
            } else if schema.core.id.eq_ignore_ascii_case(urn) {
                put_core_attribute(&mut core, schema, name, value, unknown)?;
            } else if let Some(index) = extension_index(schema, urn) {
                let extension = &schema.extensions[index].schema;
                put_attribute(&mut extensions[index], extension, Some(&extension.id), name, value, unknown)?;
            } else {
                let error = ScimError::invalid_syntax(format!(
                    "`{key}` is neither an attribute nor an extension of {}; its schemas are {}",
                    schema.name(),
                    schema.schema_urns().collect::<Vec<_>>().join(", ")
                ));
                unknown.unknown(&key, error)?;
            }
        } else {
            put_core_attribute(&mut core, schema, &key, value, unknown)?;
        }
    }
    if !schemas_seen {
        return Err(ScimError::invalid_syntax(format!(
            "`schemas` is required (RFC 7643 section 3) and must list {}",
            schema.core.id
        )));
    }
    let mut resource = Map::new();
    let top_level = builtin::common_attributes().iter().chain(&schema.core.attributes);
    resource.extend(in_schema_order(core, top_level.map(|a| a.name.as_str())));
    for (extension, members) in schema.extensions.iter().zip(extensions) {
        if !members.is_empty() {
            resource.insert(
                extension.schema.id.clone(),
                Value::Object(in_schema_order(members, extension.schema.attributes.iter().map(|a| a.name.as_str()))),
            );
        }
    }
    let mut resource = Value::Object(resource);
    set_schemas(&mut resource, schema);
    check_required(schema, &resource)?;
    Ok(resource)
}

/// Whether `name: value`, found inside the object of `extension`, is a `schemas` member naming
/// exactly that extension (`"schemas": ["urn:...:enterprise:2.0:User"]`). It is not an attribute
/// of the extension, but it says only what the object's key already says, so it is dropped
/// rather than rejected: clients built on scim2-models serialise an extension object this way
/// (its PATCH values, e.g. `{"op": "add", "path": "urn:...:enterprise:2.0:User", "value":
/// {"schemas": [...], "department": "x"}}`). A `schemas` member naming anything else is still
/// an unknown attribute.
pub(crate) fn is_redundant_schemas_member(extension: &Schema, name: &str, value: &Value) -> bool {
    name.eq_ignore_ascii_case("schemas")
        && matches!(value.as_array().map(Vec::as_slice), Some([Value::String(urn)]) if urn.eq_ignore_ascii_case(&extension.id))
}

fn extension_index(schema: &ResourceSchema, urn: &str) -> Option<usize> {
    schema.extensions.iter().position(|e| e.schema.id.eq_ignore_ascii_case(urn))
}

/// `schemas` must be an array of strings naming the core schema. Other entries that are not
/// schemas of the resource type are ignored (see the module docs: Entra ID sends one); the
/// output's `schemas` is rebuilt from what the resource carries anyway.
fn check_schemas_member(schema: &ResourceSchema, value: &Value) -> ScimResult<()> {
    let Some(urns) = value.as_array() else {
        return Err(ScimError::invalid_syntax(format!(
            "`schemas` must be an array of schema URNs, found {}",
            crate::value::describe(value)
        )));
    };
    let mut has_core = false;
    let mut foreign = Vec::new();
    for urn in urns {
        let Some(urn) = urn.as_str() else {
            return Err(ScimError::invalid_syntax(format!(
                "`schemas` must contain only URN strings, found {}",
                crate::value::describe(urn)
            )));
        };
        if schema.schema(urn).is_none() {
            foreign.push(urn);
        }
        has_core |= schema.core.id.eq_ignore_ascii_case(urn);
    }
    if !has_core {
        let mut detail = format!("`schemas` must contain the core schema {}", schema.core.id);
        if let Some(urn) = foreign.first() {
            detail.push_str(&format!(
                "; `{urn}` is not a schema of {} (its schemas are {}){}",
                schema.name(),
                schema.schema_urns().collect::<Vec<_>>().join(", "),
                suggestion(urn, schema.schema_urns())
            ));
        }
        return Err(ScimError::invalid_syntax(detail));
    }
    Ok(())
}

/// Put a top-level key (no URN) into the core members: a common or a core attribute.
fn put_core_attribute(
    core: &mut Map<String, Value>,
    schema: &ResourceSchema,
    name: &str,
    value: Value,
    unknown: &mut UnknownAttributeLog,
) -> ScimResult<()> {
    if let Some(attribute) = builtin::common_attribute(name) {
        return put_value(core, attribute, attribute.name.clone(), value);
    }
    if schema.core.attribute(name).is_none() {
        let candidates = builtin::common_attributes()
            .iter()
            .chain(&schema.core.attributes)
            .map(|a| a.name.as_str())
            .chain(schema.extensions.iter().map(|e| e.schema.id.as_str()));
        let error = ScimError::invalid_syntax(format!(
            "`{name}` is not an attribute of {} (schema {}){}",
            schema.name(),
            schema.core.id,
            suggestion(name, candidates)
        ));
        return unknown.unknown(name, error);
    }
    put_attribute(core, &schema.core, None, name, value, unknown)
}

/// Put `name: value` into `members`, the attributes of `owner` (an extension when `urn` is set).
fn put_attribute(
    members: &mut Map<String, Value>,
    owner: &Schema,
    urn: Option<&str>,
    name: &str,
    value: Value,
    unknown: &mut UnknownAttributeLog,
) -> ScimResult<()> {
    let Some(attribute) = owner.attribute(name) else {
        let error = ScimError::invalid_syntax(format!(
            "`{name}` is not an attribute of schema {}{}",
            owner.id,
            suggestion(name, owner.attributes.iter().map(|a| a.name.as_str()))
        ));
        let named = match urn {
            Some(urn) => format!("{urn}:{name}"),
            None => name.to_owned(),
        };
        return unknown.unknown(&named, error);
    };
    let path = match urn {
        Some(urn) => format!("{urn}:{}", attribute.name),
        None => attribute.name.clone(),
    };
    put_value(members, attribute, path, value)
}

/// Coerce and store one attribute's value, ignoring `readOnly` ones and dropping unassigned ones.
fn put_value(members: &mut Map<String, Value>, attribute: &Attribute, path: String, value: Value) -> ScimResult<()> {
    if members.contains_key(&attribute.name) {
        return Err(ScimError::invalid_syntax(format!(
            "`{path}` is given twice (attribute names are case-insensitive)"
        )));
    }
    if attribute.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let mut value = coerce_at(attribute, value, &path)?;
    strip_read_only(attribute, &mut value);
    if !value.is_null() {
        members.insert(attribute.name.clone(), value);
    }
    Ok(())
}

/// Remove `readOnly` sub-attributes from a coerced value of `attribute` (RFC 7643 section 2.2:
/// values provided for them are ignored); a complex value left empty becomes `null`.
pub fn strip_read_only(attribute: &Attribute, value: &mut Value) {
    if attribute.kind != AttributeType::Complex
        || !attribute.sub_attributes.iter().any(|s| s.mutability == Mutability::ReadOnly)
    {
        return;
    }
    let strip = |element: &mut Value| {
        if let Value::Object(members) = element {
            for sub in attribute.sub_attributes.iter().filter(|s| s.mutability == Mutability::ReadOnly) {
                members.shift_remove(&sub.name);
            }
        }
    };
    match value {
        Value::Array(elements) => {
            elements.iter_mut().for_each(strip);
            elements.retain(|e| e.as_object().is_none_or(|m| !m.is_empty()));
            if elements.is_empty() {
                *value = Value::Null;
            }
        }
        element => {
            strip(element);
            if element.as_object().is_some_and(Map::is_empty) {
                *element = Value::Null;
            }
        }
    }
}

/// Set `schemas` to exactly the core schema and the extensions `resource` carries, in
/// resource-type order, and keep it the first key.
pub fn set_schemas(resource: &mut Value, schema: &ResourceSchema) {
    let Value::Object(members) = resource else { return };
    let urns: Vec<Value> = std::iter::once(schema.core.id.as_str())
        .chain(schema.extensions.iter().map(|e| e.schema.id.as_str()).filter(|urn| members.contains_key(*urn)))
        .map(|urn| Value::String(urn.to_owned()))
        .collect();
    members.shift_remove("schemas");
    let mut ordered = Map::with_capacity(members.len() + 1);
    ordered.insert("schemas".to_owned(), Value::Array(urns));
    ordered.extend(std::mem::take(members));
    *members = ordered;
}

/// Check that `resource` (canonical form) has every required attribute: required core
/// attributes, required extensions, required attributes of each present extension, and
/// required sub-attributes of each present complex value. `readOnly` attributes are the
/// service provider's business and are not checked. Errors are `400 invalidValue`.
///
/// [`validate_request`] calls this; PATCH calls it on the patched resource.
pub fn check_required(schema: &ResourceSchema, resource: &Value) -> ScimResult<()> {
    check_required_in(&schema.core.attributes, resource, None)?;
    for extension in &schema.extensions {
        match resource.get(&extension.schema.id) {
            Some(members) => check_required_in(&extension.schema.attributes, members, Some(&extension.schema.id))?,
            None if extension.required => {
                return Err(ScimError::invalid_value(format!(
                    "{} requires the extension {}",
                    schema.name(),
                    extension.schema.id
                )));
            }
            None => {}
        }
    }
    Ok(())
}

fn check_required_in(attributes: &[Attribute], members: &Value, urn: Option<&str>) -> ScimResult<()> {
    let qualified = |name: &str| match urn {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_owned(),
    };
    for attribute in attributes.iter().filter(|a| a.mutability != Mutability::ReadOnly) {
        let value = members.get(&attribute.name);
        if attribute.required && value.is_none_or(Value::is_null) {
            return Err(ScimError::invalid_value(format!("`{}` is required", qualified(&attribute.name))));
        }
        let Some(value) = value else { continue };
        let elements = match value {
            Value::Array(elements) => elements.as_slice(),
            single => std::slice::from_ref(single),
        };
        for sub in attribute.sub_attributes.iter().filter(|s| s.required && s.mutability != Mutability::ReadOnly) {
            if elements.iter().any(|e| e.get(&sub.name).is_none_or(Value::is_null)) {
                return Err(ScimError::invalid_value(format!(
                    "`{}` is required in every value of `{}`",
                    qualified(&format!("{}.{}", attribute.name, sub.name)),
                    qualified(&attribute.name)
                )));
            }
        }
    }
    Ok(())
}

/// The PUT rule for `immutable` attributes (RFC 7644 section 3.5.1: "If one or more values are
/// already set for the attribute, the input value(s) MUST match"): for each immutable attribute
/// with a value in `existing`, a value given in `new` (both canonical) must be equal, else
/// `400 mutability`. Strings that are not `caseExact` compare case-insensitively; multi-valued
/// values compare as sets.
///
/// Immutable sub-attributes are checked inside single-valued complex attributes only: the
/// elements of a multi-valued attribute have no identity across a replacement, so an element
/// with a different immutable `value` is a different element, not a change.
///
/// An immutable attribute that `new` omits is not an error: RFC 7644 section 3.5.1 lets the
/// service provider treat omitted attributes as not asserted, and the caller should keep the
/// existing value ([`keep_immutable`] does).
pub fn check_replace(schema: &ResourceSchema, existing: &Value, new: &Value) -> ScimResult<()> {
    for (attributes, urn) in attribute_groups(schema) {
        let (old_members, new_members) = match urn {
            Some(urn) => (existing.get(urn), new.get(urn)),
            None => (Some(existing), Some(new)),
        };
        let (Some(old_members), Some(new_members)) = (old_members, new_members) else { continue };
        for attribute in attributes {
            let (Some(old), Some(given)) = (old_members.get(&attribute.name), new_members.get(&attribute.name)) else {
                continue;
            };
            let qualified = match urn {
                Some(urn) => format!("{urn}:{}", attribute.name),
                None => attribute.name.clone(),
            };
            if attribute.mutability == Mutability::Immutable && !same_value(attribute, old, given) {
                return Err(ScimError::mutability(format!(
                    "`{qualified}` is immutable and already set; a replacement must give the same value"
                )));
            }
            if attribute.kind == AttributeType::Complex && !attribute.multi_valued {
                for sub in attribute.sub_attributes.iter().filter(|s| s.mutability == Mutability::Immutable) {
                    if let (Some(old), Some(given)) = (old.get(&sub.name), given.get(&sub.name))
                        && !same_value(sub, old, given)
                    {
                        return Err(ScimError::mutability(format!(
                            "`{qualified}.{}` is immutable and already set; a replacement must give the same value",
                            sub.name
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Copy into `new` the value of every immutable attribute (and immutable sub-attribute of a
/// single-valued complex attribute) that `existing` has and `new` omits: a PUT that leaves an
/// immutable attribute out does not clear it (see [`check_replace`]).
pub fn keep_immutable(schema: &ResourceSchema, existing: &Value, new: &mut Value) {
    for (attributes, urn) in attribute_groups(schema) {
        let old_members = match urn {
            Some(urn) => existing.get(urn),
            None => Some(existing),
        };
        let Some(Value::Object(old_members)) = old_members else { continue };
        let Value::Object(new_root) = new else { return };
        for attribute in attributes {
            let Some(old) = old_members.get(&attribute.name) else { continue };
            let new_members = match urn {
                Some(urn) => match new_root.entry(urn.to_owned()).or_insert_with(|| Value::Object(Map::new())) {
                    Value::Object(members) => members,
                    _ => continue,
                },
                None => &mut *new_root,
            };
            if attribute.mutability == Mutability::Immutable {
                new_members.entry(attribute.name.clone()).or_insert_with(|| old.clone());
            } else if attribute.kind == AttributeType::Complex
                && !attribute.multi_valued
                && let Some(Value::Object(given)) = new_members.get_mut(&attribute.name)
            {
                for sub in attribute.sub_attributes.iter().filter(|s| s.mutability == Mutability::Immutable) {
                    if let Some(old_sub) = old.get(&sub.name) {
                        given.entry(sub.name.clone()).or_insert_with(|| old_sub.clone());
                    }
                }
            }
        }
        // An extension object created above but given nothing stays out of the resource.
        if let Some(urn) = urn
            && new_root.get(urn).and_then(Value::as_object).is_some_and(Map::is_empty)
        {
            new_root.shift_remove(urn);
        }
    }
}

/// The core attributes (with `None`) and each extension's attributes (with its URN).
fn attribute_groups(schema: &ResourceSchema) -> impl Iterator<Item = (&[Attribute], Option<&str>)> {
    std::iter::once((schema.core.attributes.as_slice(), None))
        .chain(schema.extensions.iter().map(|e| (e.schema.attributes.as_slice(), Some(e.schema.id.as_str()))))
}

/// Whether two canonical values of `attribute` are the same value.
fn same_value(attribute: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(a), Value::Array(b)) if attribute.multi_valued => {
            let single = |x: &Value, y: &Value| same_single(attribute, x, y);
            a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| single(x, y)))
        }
        _ => same_single(attribute, a, b),
    }
}

fn same_single(attribute: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) if !attribute.case_exact => a.eq_ignore_ascii_case(b),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(key, x)| {
                    b.get(key).is_some_and(|y| match attribute.sub_attribute(key) {
                        Some(sub) => same_value(sub, x, y),
                        None => x == y,
                    })
                })
        }
        _ => a == b,
    }
}

/// Set the service provider's fields on a canonical resource: `id` and `meta` (with
/// `meta.resourceType` and the rest from `meta`), placed after `schemas` as RFC 7643's examples
/// show (`schemas`, `id`, `externalId`, `meta`, then the attributes).
pub fn assign_server_fields(resource: &mut Value, id: &str, meta: &Meta) -> ScimResult<()> {
    let Value::Object(members) = resource else {
        return Err(ScimError::internal("a resource must be a JSON object"));
    };
    let meta = serde_json::to_value(meta).map_err(|e| ScimError::internal(format!("cannot serialise meta: {e}")))?;
    members.insert("id".to_owned(), Value::String(id.to_owned()));
    members.insert("meta".to_owned(), meta);
    let mut ordered = Map::with_capacity(members.len());
    for key in ["schemas", "id", "externalId", "meta"] {
        if let Some(value) = members.shift_remove(key) {
            ordered.insert(key.to_owned(), value);
        }
    }
    ordered.extend(std::mem::take(members));
    *members = ordered;
    Ok(())
}
