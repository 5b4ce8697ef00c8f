//! The systems the golden tests and benchmarks generate. The seed systems come straight from the
//! examples' `scimgen.toml` (its `[system]` table is a `SystemDefinition`), so there is one
//! source for each; `schemas/systems/` keeps only the systems no example serves.

use std::path::{Path, PathBuf};

use scim_codegen::SystemDefinition;

/// A system: its definition, the directory its schema files are relative to, and that directory
/// as seen from this crate (where the golden files are compiled).
#[derive(Debug)]
pub struct System {
    pub definition: SystemDefinition,
    pub dir: PathBuf,
    pub schema_dir: String,
}

fn workspace_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

/// The `[system]` of `examples/{example}/scimgen.toml`.
pub fn example(example: &str) -> System {
    let relative = format!("examples/{example}");
    let dir = workspace_path(&relative);
    let path = dir.join("scimgen.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let config: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let system = config.get("system").cloned().unwrap_or_else(|| panic!("{}: no [system]", path.display()));
    let definition = system.try_into().unwrap_or_else(|e| panic!("{}: [system]: {e}", path.display()));
    System { definition, dir, schema_dir: format!("../{relative}") }
}

/// `schemas/systems/{file}`, a system no example serves.
pub fn definition_file(file: &str) -> System {
    let dir = workspace_path("schemas/systems");
    let definition = SystemDefinition::load(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
    System { definition, dir, schema_dir: "../schemas/systems".into() }
}
