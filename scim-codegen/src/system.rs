//! The system definition: which resource types a SCIM service provider serves, from which
//! schemas, with which attributes and filters. It is the generator's input; the scimgen CLI
//! wraps it in `scimgen.toml` (the seed systems' one definition is each example's), and
//! `schemas/systems/*.json` hold the test systems no example serves.
//!
//! ```json
//! {
//!   "name": "ALVAO",
//!   "schemaFiles": ["schemas/alvao-user.json"],
//!   "resourceTypes": [{
//!     "name": "User", "endpoint": "/Users",
//!     "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
//!     "extensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}],
//!     "attributes": ["userName", "name.givenName", "emails[type eq \"work\"].value",
//!                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
//!     "filter": {"userName": ["eq"]}
//!   }]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use scim::schema::{ResourceType, SchemaExtension};
use serde::{Deserialize, Serialize};

use crate::error::GenerateError;

/// A whole system: schema files and resource types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemDefinition {
    /// The system's name, for humans (e.g. `ALVAO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the definition comes from, for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Schema files (vendor extensions) beyond the built-in ones, relative to the definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_files: Vec<String>,
    /// The resource types served.
    pub resource_types: Vec<ResourceTypeDefinition>,
}

/// One resource type of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceTypeDefinition {
    /// The resource type's name, e.g. `User`; also the generated struct's name.
    pub name: String,
    /// The endpoint, e.g. `/Users`.
    pub endpoint: String,
    /// The core schema URN.
    pub schema: String,
    /// The extension schemas, with whether each is required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<SchemaExtension>,
    /// The supported attribute paths (`userName`, `name.givenName`,
    /// `emails[type eq "work"].value`, `urn:...:User:department`, or a whole extension URN).
    /// Omitted: every attribute of the core schema and of each extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<String>>,
    /// The filterable paths and their operators. Omitted: the runtime's built-in defaults.
    /// Given: exactly these are filterable (and `id`, by the defaults); every other field gets
    /// `no_filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<BTreeMap<String, Vec<String>>>,
}

impl ResourceTypeDefinition {
    /// The RFC 7643 resource type this definition describes (its `id` is its name).
    pub fn resource_type(&self) -> ResourceType {
        ResourceType {
            id: Some(self.name.clone()),
            name: self.name.clone(),
            endpoint: self.endpoint.clone(),
            description: None,
            schema: self.schema.clone(),
            schema_extensions: self.extensions.clone(),
        }
    }
}

impl SystemDefinition {
    /// Read a definition from a JSON file.
    pub fn load(path: &Path) -> Result<SystemDefinition, GenerateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| GenerateError::new(format!("cannot read system definition {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| GenerateError::new(format!("system definition {} is invalid: {e}", path.display())))
    }
}
