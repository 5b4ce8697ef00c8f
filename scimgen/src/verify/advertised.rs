//! What a server says it serves (`/ResourceTypes` and `/Schemas`), and the pruning that makes
//! a profile's request fit it: a server that maps part of the User schema is sent that part.
//!
//! Attribute names are compared ignoring case (RFC 7643 section 2.1). `id`, `meta` and
//! `schemas` are always kept; `externalId` when the core schema lists it or a probe showed the
//! server keeps it ([`ResourceType::keeps_external_id`]): many servers leave the common
//! attributes out of `/Schemas`, while a server that rejects unknown attributes would fail
//! every create for an attribute Entra can be told not to send.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// One resource type as advertised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceType {
    pub name: String,
    /// `/Users`.
    pub endpoint: String,
    pub core_urn: String,
    pub extension_urns: Vec<String>,
    /// A create carrying `externalId` returned it, though the core schema does not list it.
    pub keeps_external_id: bool,
    /// Lower-cased schema URN -> lower-cased attribute name -> its lower-cased sub-attributes.
    attributes: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// Every resource type of the server, and its `/ServiceProviderConfig` features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Advertised {
    pub resource_types: Vec<ResourceType>,
    /// `patch`, `filter`, `sort`, `etag`, `bulk`, `changePassword` -> supported.
    pub features: BTreeMap<String, bool>,
}

/// The items of a ListResponse, or the array itself (some servers answer discovery with one).
fn items(document: &Value) -> Vec<&Value> {
    match document {
        Value::Array(items) => items.iter().collect(),
        other => other.get("Resources").and_then(Value::as_array).map(|r| r.iter().collect()).unwrap_or_default(),
    }
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

impl Advertised {
    /// Reads the three discovery documents (any may be `Null` when the server did not answer).
    pub fn from_discovery(config: &Value, resource_types: &Value, schemas: &Value) -> Advertised {
        let mut features = BTreeMap::new();
        for name in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
            let supported = config.get(name).and_then(|f| f.get("supported")).and_then(Value::as_bool);
            features.insert(name.to_owned(), supported.unwrap_or(false));
        }
        let mut by_urn: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for schema in items(schemas) {
            let attributes = by_urn.entry(text(schema, "id").to_ascii_lowercase()).or_default();
            for attribute in schema.get("attributes").and_then(Value::as_array).into_iter().flatten() {
                let subs = attribute
                    .get("subAttributes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|sub| text(sub, "name").to_ascii_lowercase())
                    .collect();
                attributes.insert(text(attribute, "name").to_ascii_lowercase(), subs);
            }
        }
        let resource_types = items(resource_types)
            .into_iter()
            .map(|resource_type| {
                let core_urn = text(resource_type, "schema");
                let extension_urns: Vec<String> = resource_type
                    .get("schemaExtensions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|extension| text(extension, "schema"))
                    .collect();
                let attributes = std::iter::once(&core_urn)
                    .chain(&extension_urns)
                    .map(|urn| {
                        let lower = urn.to_ascii_lowercase();
                        (lower.clone(), by_urn.get(&lower).cloned().unwrap_or_default())
                    })
                    .collect();
                let name = text(resource_type, "name");
                let endpoint = match text(resource_type, "endpoint") {
                    endpoint if endpoint.is_empty() => format!("/{name}s"),
                    endpoint if endpoint.starts_with('/') => endpoint,
                    endpoint => format!("/{endpoint}"),
                };
                ResourceType { name, endpoint, core_urn, extension_urns, keeps_external_id: false, attributes }
            })
            .collect();
        Advertised { resource_types, features }
    }

    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    pub fn resource_type_mut(&mut self, name: &str) -> Option<&mut ResourceType> {
        self.resource_types.iter_mut().find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// Whether the feature is advertised as supported.
    pub fn supports(&self, feature: &str) -> bool {
        self.features.get(feature).copied().unwrap_or(false)
    }
}

/// `urn:...:User:manager.value` -> (`urn:...:User`, `manager.value`); `name.givenName` -> (None, ..).
pub fn split_urn(path: &str) -> (Option<&str>, &str) {
    if !path.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        return (None, path);
    }
    // The attribute starts after the last ':' before any '[' (the URN holds dots: `2.0`;
    // attribute and sub-attribute names hold no ':').
    let end = path.find('[').unwrap_or(path.len());
    match path[..end].rfind(':') {
        Some(colon) => (Some(&path[..colon]), &path[colon + 1..]),
        None => (None, path),
    }
}

/// `emails[type eq "work"].value` -> (`emails`, Some(`value`)); `name.givenName` -> (`name`,
/// Some(`givenName`)); `members[value eq "x"]` -> (`members`, None).
pub fn attribute_and_sub(path: &str) -> (&str, Option<&str>) {
    let end = path.find(['[', '.']).unwrap_or(path.len());
    let attribute = &path[..end];
    let rest = &path[end..];
    let after_filter = match rest.strip_prefix('[') {
        Some(inner) => inner.find(']').map_or("", |close| &inner[close + 1..]),
        None => rest,
    };
    (attribute, after_filter.strip_prefix('.').filter(|sub| !sub.is_empty()))
}

impl ResourceType {
    fn schema_attributes(&self, urn: Option<&str>) -> Option<&BTreeMap<String, BTreeSet<String>>> {
        self.attributes.get(&urn.unwrap_or(&self.core_urn).to_ascii_lowercase())
    }

    /// Whether the extension URN is one of this resource type's.
    pub fn has_extension(&self, urn: &str) -> bool {
        self.extension_urns.iter().any(|u| u.eq_ignore_ascii_case(urn))
    }

    /// Whether an attribute path (as a PATCH `path` or a filter names it) is advertised.
    pub fn advertises(&self, path: &str) -> bool {
        let (urn, rest) = split_urn(path);
        let (attribute, sub) = attribute_and_sub(rest);
        if urn.is_none() && ["id", "meta", "schemas"].iter().any(|a| a.eq_ignore_ascii_case(attribute)) {
            return true;
        }
        if urn.is_none() && self.keeps_external_id && attribute.eq_ignore_ascii_case("externalId") {
            return true;
        }
        let Some(attributes) = self.schema_attributes(urn) else { return false };
        match attributes.get(&attribute.to_ascii_lowercase()) {
            None => false,
            Some(subs) => sub.is_none_or(|sub| subs.contains(&sub.to_ascii_lowercase())),
        }
    }

    /// A resource body (or a path-less PATCH value) with only what the server advertises.
    pub fn prune_resource(&self, body: &Value) -> Value {
        let Value::Object(object) = body else { return body.clone() };
        let mut kept = Map::new();
        for (key, value) in object {
            if key.eq_ignore_ascii_case("schemas") {
                let urns = value.as_array().into_iter().flatten().filter(|urn| {
                    urn.as_str().is_some_and(|u| u.eq_ignore_ascii_case(&self.core_urn) || self.has_extension(u))
                });
                kept.insert(key.clone(), Value::Array(urns.cloned().collect()));
            } else if self.has_extension(key) {
                if let Some(attributes) = self.schema_attributes(Some(key)) {
                    let pruned = prune_object(value, attributes);
                    if pruned.as_object().is_some_and(|o| !o.is_empty()) {
                        kept.insert(key.clone(), pruned);
                    }
                }
            } else if self.advertises(key) {
                let (urn, rest) = split_urn(key);
                let (attribute, sub) = attribute_and_sub(rest);
                let subs = self.schema_attributes(urn).and_then(|a| a.get(&attribute.to_ascii_lowercase()));
                let pruned = match subs {
                    Some(subs) if sub.is_none() && !subs.is_empty() => prune_value(value, subs),
                    _ => Some(value.clone()),
                };
                if let Some(pruned) = pruned {
                    kept.insert(key.clone(), pruned);
                }
            }
        }
        Value::Object(kept)
    }

    /// A PATCH body whose operations touch only advertised attributes; `None` if none is left.
    pub fn prune_patch(&self, body: &Value) -> Option<Value> {
        let mut body = body.clone();
        let operations = body.get_mut("Operations")?.as_array_mut()?;
        operations.retain_mut(|operation| match operation.get("path").and_then(Value::as_str) {
            Some(path) => self.advertises(path),
            None => match operation.get_mut("value") {
                Some(value @ Value::Object(_)) => {
                    *value = self.prune_resource(value);
                    value.as_object().is_some_and(|o| !o.is_empty())
                }
                _ => true,
            },
        });
        (!operations.is_empty()).then_some(body)
    }
}

/// An extension's object, keeping advertised attributes (and their advertised sub-attributes).
fn prune_object(value: &Value, attributes: &BTreeMap<String, BTreeSet<String>>) -> Value {
    let Value::Object(object) = value else { return value.clone() };
    let kept = object.iter().filter_map(|(key, value)| {
        let subs = attributes.get(&key.to_ascii_lowercase())?;
        let value = if subs.is_empty() { Some(value.clone()) } else { prune_value(value, subs) }?;
        Some((key.clone(), value))
    });
    Value::Object(kept.collect())
}

/// A complex value (or each element of a multi-valued one) with only the advertised
/// sub-attributes; `None` when nothing is left of an object.
fn prune_value(value: &Value, subs: &BTreeSet<String>) -> Option<Value> {
    let keep = |object: &Map<String, Value>| -> Map<String, Value> {
        object
            .iter()
            .filter(|(k, _)| subs.contains(&k.to_ascii_lowercase()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    match value {
        Value::Object(object) => Some(keep(object)).filter(|o| !o.is_empty()).map(Value::Object),
        Value::Array(elements) => Some(Value::Array(
            elements
                .iter()
                .filter_map(|element| match element {
                    Value::Object(object) => Some(keep(object)).filter(|o| !o.is_empty()).map(Value::Object),
                    other => Some(other.clone()),
                })
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// A server mapping userName, active, name.givenName, emails.value/type and the enterprise
    /// department and manager.
    fn partial_user() -> ResourceType {
        let schemas = json!({"Resources": [
            {"id": CORE, "attributes": [
                {"name": "userName"}, {"name": "active"},
                {"name": "name", "subAttributes": [{"name": "givenName"}]},
                {"name": "emails", "subAttributes": [{"name": "value"}, {"name": "type"}]}]},
            {"id": ENTERPRISE, "attributes": [
                {"name": "department"},
                {"name": "manager", "subAttributes": [{"name": "value"}]}]}]});
        let resource_types = json!({"Resources": [{"name": "User", "endpoint": "/Users", "schema": CORE,
            "schemaExtensions": [{"schema": ENTERPRISE}]}]});
        let advertised = Advertised::from_discovery(&json!({"patch": {"supported": true}}), &resource_types, &schemas);
        assert!(advertised.supports("patch"));
        assert!(!advertised.supports("bulk"));
        advertised.resource_type("user").unwrap().clone()
    }

    #[test]
    fn paths_split_into_urn_attribute_and_sub_attribute() {
        assert_eq!(split_urn(&format!("{ENTERPRISE}:manager.value")), (Some(ENTERPRISE), "manager.value"));
        assert_eq!(split_urn("name.givenName"), (None, "name.givenName"));
        assert_eq!(attribute_and_sub(r#"emails[type eq "work"].value"#), ("emails", Some("value")));
        assert_eq!(attribute_and_sub(r#"members[value eq "a.b"]"#), ("members", None));
        assert_eq!(attribute_and_sub("name.givenName"), ("name", Some("givenName")));
    }

    #[test]
    fn only_advertised_paths_are_advertised() {
        let user = partial_user();
        assert!(user.advertises("USERNAME"));
        assert!(user.advertises("name.givenName"));
        assert!(!user.advertises("name.familyName"));
        assert!(user.advertises(r#"emails[type eq "work"].value"#));
        assert!(user.advertises(&format!("{ENTERPRISE}:manager")));
        assert!(!user.advertises(&format!("{ENTERPRISE}:employeeNumber")));
        assert!(!user.advertises("externalId"), "not listed in the core schema");
        assert!(user.advertises("id"));
    }

    #[test]
    fn a_create_body_keeps_only_what_is_advertised() {
        let body = json!({
            "schemas": [CORE, ENTERPRISE, "urn:other"],
            "externalId": "e", "userName": "u", "active": true, "roles": [],
            "name": {"givenName": "g", "familyName": "f"},
            "emails": [{"value": "a@b.c", "type": "work", "primary": true}],
            ENTERPRISE: {"department": "d", "employeeNumber": "7"}
        });
        assert_eq!(
            partial_user().prune_resource(&body),
            json!({
                "schemas": [CORE, ENTERPRISE], "userName": "u", "active": true,
                "name": {"givenName": "g"}, "emails": [{"value": "a@b.c", "type": "work"}],
                ENTERPRISE: {"department": "d"}
            })
        );
    }

    #[test]
    fn patch_operations_on_unadvertised_attributes_are_dropped() {
        let user = partial_user();
        let body = json!({"Operations": [
            {"op": "Replace", "path": "name.familyName", "value": "f"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "replace", "value": {"name.givenName": "g", "displayName": "x",
                (format!("{ENTERPRISE}:department")): "d", (format!("{ENTERPRISE}:costCenter")): "c"}}]});
        assert_eq!(
            user.prune_patch(&body).unwrap(),
            json!({"Operations": [
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "replace", "value": {"name.givenName": "g", (format!("{ENTERPRISE}:department")): "d"}}]})
        );
        let nothing = json!({"Operations": [{"op": "add", "path": "nickName", "value": "n"}]});
        assert_eq!(user.prune_patch(&nothing), None);
    }
}
