//! Unknown attributes in PATCH operations, under the project's [`UnknownAttributes`] policy:
//! an operation whose path names an attribute the resource type does not have, or a path-less
//! value carrying one, is refused with [`crate::resource::UNKNOWN_ATTRIBUTE_HINT`] (so the
//! admin reading Entra ID's provisioning log learns what to do), or, when ignoring, dropped
//! from the request. Entra ID sends an attribute newly mapped to existing users as PATCH, so
//! this is where a new mapping first shows.
//!
//! Only top-level and extension attributes are judged here; a bad sub-attribute of a known
//! attribute is left to the PATCH engine's own `invalidPath`.

use serde_json::Value;

use crate::error::{ScimError, ScimResult};
use crate::filter::{AttrPath, parse_path};
use crate::patch::PatchOperation;
use crate::resource::{UnknownAttributeLog, is_redundant_schemas_member};
use crate::schema::ResourceSchema;

/// Refuse or drop (as `log`'s policy says) the operations and path-less value members that
/// name attributes `schema` does not define. Dropped names are noted in `log`.
pub(super) fn screen_patch(
    schema: &ResourceSchema,
    operations: &mut Vec<PatchOperation>,
    log: &mut UnknownAttributeLog,
) -> ScimResult<()> {
    let mut kept = Vec::with_capacity(operations.len());
    for mut operation in operations.drain(..) {
        match &operation.path {
            Some(path) => {
                if let Some(error) = unknown_path(schema, path) {
                    log.unknown(&path_text(path), error)?;
                    continue;
                }
            }
            None => {
                if let Some(Value::Object(members)) = &mut operation.value {
                    screen_members(schema, members, log)?;
                    if members.is_empty() {
                        continue;
                    }
                }
            }
        }
        kept.push(operation);
    }
    *operations = kept;
    Ok(())
}

/// The attribute a path names, as the client wrote it (`urn:...:name` or `name`).
fn path_text(path: &AttrPath) -> String {
    match &path.urn {
        Some(urn) => format!("{urn}:{}", path.name),
        None => path.name.clone(),
    }
}

/// The error for a path whose top-level attribute `schema` lacks; `None` when it has it (or
/// the path names an extension itself).
fn unknown_path(schema: &ResourceSchema, path: &AttrPath) -> Option<ScimError> {
    if schema.schema(&path_text(path)).is_some() {
        return None;
    }
    let top = AttrPath { filter: None, sub_attr: None, ..path.clone() };
    let error = schema.resolve(&top).err()?;
    // Only an unknown name or schema is an unknown attribute; anything else the engine reports.
    Some(error)
}

/// Screen the members of a path-less PATCH value: attribute names, URN-qualified names and
/// extension objects.
fn screen_members(
    schema: &ResourceSchema,
    members: &mut serde_json::Map<String, Value>,
    log: &mut UnknownAttributeLog,
) -> ScimResult<()> {
    let keys: Vec<String> = members.keys().cloned().collect();
    for key in keys {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = schema.schema(&key).filter(|s| !std::ptr::eq(*s, &*schema.core)) {
            if let Some(Value::Object(inner)) = members.get_mut(&key) {
                let names: Vec<String> = inner.keys().cloned().collect();
                for name in names {
                    let value = &inner[&name];
                    if extension.attribute(&name).is_some() || is_redundant_schemas_member(extension, &name, value) {
                        continue;
                    }
                    let error =
                        ScimError::invalid_path(format!("`{name}` is not an attribute of schema {}", extension.id));
                    log.unknown(&format!("{}:{name}", extension.id), error)?;
                    inner.shift_remove(&name);
                }
            }
            continue;
        }
        // `name`, `name.givenName`, `urn:...:User:department`: parsed as PATCH paths are; a
        // key that does not parse is the engine's to report.
        let Ok(path) = parse_path(&key) else { continue };
        if let Some(error) = unknown_path(schema, &path) {
            log.unknown(&key, error)?;
            members.shift_remove(&key);
        }
    }
    Ok(())
}
