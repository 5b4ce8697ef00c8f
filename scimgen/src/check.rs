//! `scimgen check`: validate `scimgen.toml` and the schema files, reporting every problem with
//! its file and JSON/TOML path.

use std::path::Path;

use scim::schema::loader;

use crate::config::{CONFIG_FILE, Project, parse_config};
use crate::error::{CliError, CliResult, read_text};
use crate::generate;
use crate::mapping;

/// Every problem of the project at `root` (empty: all is well). Errors only when there is no
/// project to check.
pub fn check_project(root: &Path) -> CliResult<Vec<String>> {
    let path = root.join(CONFIG_FILE);
    let project = Project::load(root);
    let project = match project {
        Ok(project) => project,
        // A config that does not parse is a problem to report, not a failure to check.
        Err(error) if path.is_file() => return Ok(vec![error.what]),
        Err(error) => return Err(error),
    };
    let _ = parse_config(&path, &read_text(&path)?)?;
    let config = &project.config;
    let mut problems = Vec::new();
    let config_name = path.display().to_string();

    let mut schemas_ok = true;
    for (index, file) in config.system.schema_files.iter().enumerate() {
        let file_path = root.join(file);
        if !file_path.is_file() {
            problems.push(format!(
                "{config_name}: system.schemaFiles[{index}]: {file} does not exist (paths are relative to {CONFIG_FILE})"
            ));
            schemas_ok = false;
            continue;
        }
        if let Err(errors) = loader::load_schema_file(&file_path) {
            problems.extend(errors.problems.iter().map(|p| p.to_string()));
            schemas_ok = false;
        }
    }
    if !schemas_ok {
        return Ok(problems);
    }
    // What the generator (and so the derive) rejects, each problem already located in
    // scimgen.toml or a schema file.
    if let Err(error) = generate::generated_files(&project) {
        if error.details.is_empty() {
            problems.push(error.what);
        }
        problems.extend(error.details);
    }
    let schemas = mapping::load_schemas(&config.system, root)?;
    for (name, notes) in &config.table {
        let Some(definition) = config.system.resource_types.iter().find(|r| &r.name == name) else {
            problems.push(format!("{config_name}: table.{name}: there is no resource type {name}"));
            continue;
        };
        let Ok(schema) = mapping::resource_schema(definition, &schemas) else { continue };
        for text in notes.required.iter().chain(notes.types.keys()) {
            let resolved = scim::filter::parse_path(text).and_then(|p| schema.resolve(&p));
            if let Err(error) = resolved {
                problems.push(format!("{config_name}: table.{name}: `{text}`: {}", error.detail));
            }
        }
        for (text, type_name) in &notes.types {
            if crate::table::type_name(type_name).is_none() {
                problems.push(format!(
                    "{config_name}: table.{name}.types.{text:?}: unknown type `{type_name}`; use one of {}",
                    crate::table::TYPE_NAMES.join(", ")
                ));
            }
        }
    }
    Ok(problems)
}

/// `check` as the CLI reports it.
pub fn run(root: &Path) -> CliResult<String> {
    let problems = check_project(root)?;
    if problems.is_empty() {
        Ok(format!("{} and its schema files are valid", root.join(CONFIG_FILE).display()))
    } else {
        let count = if problems.len() == 1 { "1 problem".to_owned() } else { format!("{} problems", problems.len()) };
        Err(CliError::new(format!("{count} found"))
            .with_details(problems)
            .hint("fix them and run `scimgen check` again"))
    }
}
