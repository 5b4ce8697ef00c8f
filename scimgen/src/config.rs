//! `scimgen.toml`: the project's system definition (scim-codegen's `SystemDefinition`, the model
//! of `schemas/systems/*.json`, in TOML) plus what only the CLI needs.
//!
//! ```toml
//! [project]
//! name = "acme-scim"          # the package and binary name
//! output = "src/generated"    # the generated module, rewritten by `scimgen generate`
//!
//! [system]                    # scim_codegen::SystemDefinition, field for field
//! name = "Acme"
//! schemaFiles = ["schemas/acme-user.json"]   # relative to scimgen.toml
//!
//! [[system.resourceTypes]]
//! name = "User"
//! endpoint = "/Users"
//! schema = "urn:ietf:params:scim:schemas:core:2.0:User"
//! extensions = [{ schema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", required = false }]
//! attributes = ["userName", "active"]     # omitted: every attribute of the schemas
//! filter = { userName = ["eq"] }          # omitted: the runtime's defaults
//!
//! [server]                    # omitted: the defaults below
//! uniqueGroupNames = true     # a group's displayName is unique per tenant, ignoring case
//! unknownAttributes = "reject"   # or "ignore": drop attributes outside the schema, with a warning
//!
//! [table.User]                # what `scimgen table` prints beyond the schemas
//! required = ["userName", "active"]       # the "Required by ..." column
//! types = { members = "Reference" }       # the "Type" column where the vendor's table differs
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scim_codegen::SystemDefinition;
use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult, read_text, write_text};

/// The file name of the project configuration.
pub const CONFIG_FILE: &str = "scimgen.toml";

/// The default generated-module directory.
pub const DEFAULT_OUTPUT: &str = "src/generated";

/// The whole `scimgen.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub project: ProjectSection,
    pub system: SystemDefinition,
    /// How the generated server behaves where projects differ; omitted: the defaults.
    #[serde(default, skip_serializing_if = "ServerSettings::is_default")]
    pub server: ServerSettings,
    /// Per resource type name: the table's columns the schemas do not carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub table: BTreeMap<String, TableNotes>,
}

/// `[server]`: the generated server's behaviour where projects differ. `scimgen generate`
/// writes it into the generated module's `configure`, which `serve` applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServerSettings {
    /// Whether a group's `displayName` is unique per tenant, compared case-insensitively as
    /// Entra ID compares (a duplicate is `409 uniqueness`, as Microsoft's SCIM validator
    /// expects). Default true; false allows duplicate group names.
    #[serde(default = "default_true")]
    pub unique_group_names: bool,
    /// What to do with an attribute outside the schema: `reject` (400 saying how to add it;
    /// the default) or `ignore` (drop it, with a warning in the log and the audit event).
    #[serde(default)]
    pub unknown_attributes: UnknownAttributesSetting,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings { unique_group_names: true, unknown_attributes: UnknownAttributesSetting::Reject }
    }
}

impl ServerSettings {
    fn is_default(&self) -> bool {
        *self == ServerSettings::default()
    }
}

fn default_true() -> bool {
    true
}

/// `[server] unknownAttributes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownAttributesSetting {
    /// `400 invalidSyntax` naming the attribute and how to fix it.
    #[default]
    Reject,
    /// Drop the attribute; log a warning and record it in the audit event.
    Ignore,
}

impl UnknownAttributesSetting {
    /// The `scim::server::UnknownAttributes` variant the generated code names.
    pub fn variant(self) -> &'static str {
        match self {
            UnknownAttributesSetting::Reject => "Reject",
            UnknownAttributesSetting::Ignore => "Ignore",
        }
    }
}

/// `[project]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    /// The package (and binary) name.
    pub name: String,
    /// The generated module's directory, relative to the project root.
    #[serde(default = "default_output")]
    pub output: String,
}

fn default_output() -> String {
    DEFAULT_OUTPUT.to_owned()
}

/// `[table.<ResourceType>]`: what the vendor's attribute-mapping table says that the schemas
/// do not: which attributes the vendor requires, and type names that differ from the schema's
/// (Entra ID calls `members` a Reference; the schema says complex).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableNotes {
    /// Attribute paths the vendor requires (the table's "Required by ..." column). Given, it
    /// replaces the schemas' `required` in the printed table.
    #[serde(default)]
    pub required: Vec<String>,
    /// Attribute path -> the type name the table shows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub types: BTreeMap<String, String>,
}

/// A loaded project: its root and configuration.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: ProjectConfig,
}

impl Project {
    /// Load `scimgen.toml` from `root`.
    pub fn load(root: &Path) -> CliResult<Project> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Err(CliError::new(format!("no {CONFIG_FILE} in {}", display_dir(root)))
                .hint("run this inside a project made by `scimgen new <dir>`, or pass --project <dir>"));
        }
        let text = read_text(&path)?;
        let config = parse_config(&path, &text)?;
        Ok(Project { root: root.to_path_buf(), config })
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.config.project.output)
    }

    /// Write `scimgen.toml` back.
    pub fn save(&self) -> CliResult<()> {
        write_text(&self.config_path(), &render_config(&self.config)?)
    }
}

/// `.` for an empty path, for messages.
pub fn display_dir(path: &Path) -> String {
    if path.as_os_str().is_empty() { ".".to_owned() } else { path.display().to_string() }
}

/// Parse `scimgen.toml` text; errors name the file, line and column, and the key.
pub fn parse_config(path: &Path, text: &str) -> CliResult<ProjectConfig> {
    toml::from_str(text).map_err(|error| {
        let location = error
            .span()
            .map(|span| {
                let (line, column) = line_column(text, span.start);
                format!(":{line}:{column}")
            })
            .unwrap_or_default();
        CliError::new(format!("{}{location}: {}", path.display(), error.message().trim()))
            .hint("fix the file (see the comments at its top for the fields), then run `scimgen check`")
    })
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

const CONFIG_HEADER: &str = "\
# scimgen.toml: what this SCIM server serves. Edit it (or run `scimgen import <table.md>`),
# then run `scimgen generate` to rewrite the generated module; `scimgen check` validates it.
#
# [project]        name: the package and binary; output: the generated module (never edit it).
# [system]         schemaFiles: vendor extension schemas (RFC 7643 section 7 JSON) in schemas/;
#                  the built-in User, Group and enterprise extension schemas need no file.
# [[system.resourceTypes]]  name, endpoint, schema (core URN), extensions (URN, required),
#                  attributes: the supported attribute paths (omitted: every attribute),
#                  filter: path -> operators, e.g. { userName = [\"eq\"] } (omitted: the defaults
#                  Entra ID and Okta need: id, userName, externalId, emails.value, manager.value,
#                  group displayName and members.value, with eq).
# [table.<ResourceType>]  what `scimgen table` prints beyond the schemas: required (the
#                  vendor's \"Required\" column) and types (type names where the table differs).
# [server]         uniqueGroupNames: a group's displayName is unique per tenant, ignoring case
#                  (default true); unknownAttributes: \"reject\" (default: 400 saying how to add
#                  the attribute) or \"ignore\" (dropped, with a warning in the log and audit event).

";

/// `scimgen.toml` text for `config`, with the explanatory header.
pub fn render_config(config: &ProjectConfig) -> CliResult<String> {
    let body = toml::to_string_pretty(config)
        .map_err(|e| CliError::new(format!("internal error: cannot write {CONFIG_FILE}: {e}")))?;
    Ok(format!("{CONFIG_HEADER}{body}"))
}
