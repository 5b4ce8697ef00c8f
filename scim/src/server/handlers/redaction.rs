//! What the audit log hides: the values of `returned: never` attributes.

use serde_json::Value;

use super::*;
use crate::schema::{Attribute, ResourceSchema, Returned};

/// The names of `returned: never` attributes and sub-attributes (`password`), lower-cased.
pub(super) fn secret_names(schema: &ResourceSchema) -> Vec<String> {
    fn walk(attributes: &[Attribute], out: &mut Vec<String>) {
        for attribute in attributes {
            if attribute.returned == Returned::Never {
                out.push(attribute.name.to_ascii_lowercase());
            }
            walk(&attribute.sub_attributes, out);
        }
    }
    let mut out = Vec::new();
    walk(&schema.core.attributes, &mut out);
    for extension in &schema.extensions {
        walk(&extension.schema.attributes, &mut out);
    }
    out
}

/// The PATCH operations as sent, for the audit log, with the values of secret attributes
/// replaced by `"[redacted]"`.
pub(super) fn redact_operations(entry: &ResourceEntry, body: &Value) -> Value {
    let operations = body
        .as_object()
        .and_then(|object| object.iter().find(|(key, _)| key.eq_ignore_ascii_case("operations")))
        .map(|(_, operations)| operations.clone())
        .unwrap_or(Value::Null);
    let is_secret = |name: &str| {
        let last = name.rsplit([':', '.']).next().unwrap_or(name).to_ascii_lowercase();
        entry.secret_names.contains(&last)
    };
    let mut operations = operations;
    if let Some(list) = operations.as_array_mut() {
        for operation in list.iter_mut().filter_map(Value::as_object_mut) {
            let path = operation.iter().find(|(k, _)| k.eq_ignore_ascii_case("path")).and_then(|(_, p)| p.as_str());
            let secret_path = path.is_some_and(is_secret);
            if let Some((_, value)) = operation.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
                if secret_path {
                    *value = Value::String("[redacted]".to_owned());
                } else {
                    redact_keys(value, &is_secret);
                }
            }
        }
    }
    operations
}

fn redact_keys(value: &mut Value, is_secret: &impl Fn(&str) -> bool) {
    if let Some(object) = value.as_object_mut() {
        for (key, inner) in object.iter_mut() {
            if is_secret(key) {
                *inner = Value::String("[redacted]".to_owned());
            } else {
                redact_keys(inner, is_secret);
            }
        }
    }
}
