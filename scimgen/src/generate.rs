//! `scimgen generate`: rewrite the generated module from `scimgen.toml` and the schema files,
//! and nothing else; `--check` compares instead of writing.

use std::path::{Component, Path, PathBuf};

use scim_codegen::{GenerateOptions, GenerateProblem};
use serde_json::json;

use crate::config::Project;
use crate::error::{CliError, CliResult, read_text, write_text};
use crate::templates;

/// The generated files: (path relative to the project root, content).
pub fn generated_files(project: &Project) -> CliResult<Vec<(PathBuf, String)>> {
    let config = &project.config;
    let output = validate_output(&config.project.output)?;
    let options = GenerateOptions { schema_dir: ".".into(), schemars: false };
    let resources = scim_codegen::generate(&config.system, &project.root, &options).map_err(|error| {
        let config_path = project.config_path();
        CliError::new(format!("{} does not describe a valid system", config_path.display()))
            .with_details(error.problems.iter().map(|problem| located(&config_path, problem)))
            .hint("fix scimgen.toml or the schema files, then run `scimgen generate` again (`scimgen check` explains)")
    })?;
    // From the output directory back up to the project root, for include_str!.
    let up = "../".repeat(output.components().count());
    let schema_files: Vec<String> = config.system.schema_files.iter().map(|f| format!("{up}{f}")).collect();
    let resource_types: Vec<String> =
        config.system.resource_types.iter().map(|r| scim_codegen::type_name(&r.name)).collect();
    let module = templates::render(
        "generated_mod.rs",
        &json!({
            "header": scim_codegen::HEADER,
            "schema_files": schema_files,
            "resource_types": resource_types,
            "unique_group_names": config.server.unique_group_names,
            "unknown_attributes": config.server.unknown_attributes.variant(),
        }),
    )?;
    Ok(vec![(output.join("mod.rs"), module), (output.join("resources.rs"), resources)])
}

/// A generator problem as the CLI prints it: the file (`scimgen.toml`, whose `[system]` is the
/// definition, or a schema file) and the path in it, from the problem's own location.
pub fn located(config_path: &Path, problem: &GenerateProblem) -> String {
    let at = match &problem.resource_type {
        Some(name) => format!(" (resource type {name})"),
        None => String::new(),
    };
    match &problem.file {
        Some(file) => format!("{file}: {}{at}: {}", problem.path, problem.message),
        None => {
            let path = problem.path.strip_prefix('$').unwrap_or(&problem.path);
            let separator = if path.is_empty() || path.starts_with('.') { "" } else { "." };
            format!("{}: system{separator}{path}{at}: {}", config_path.display(), problem.message)
        }
    }
}

/// The output directory must stay inside the project and away from the developer's files.
fn validate_output(output: &str) -> CliResult<PathBuf> {
    let path = PathBuf::from(output);
    let inside = path.components().all(|c| matches!(c, Component::Normal(_)));
    if output.is_empty() || !inside {
        return Err(CliError::new(format!(
            "scimgen.toml: project.output = {output:?} must be a relative path inside the project"
        ))
        .hint("use the default, \"src/generated\""));
    }
    if !path.starts_with("src") || path == Path::new("src") {
        return Err(CliError::new(format!(
            "scimgen.toml: project.output = {output:?} must be a directory under src/ (and not src/ itself)"
        ))
        .hint("use the default, \"src/generated\"; main.rs declares `mod generated;`"));
    }
    Ok(path)
}

/// Outcome of comparing the generated files with what is on disk.
#[derive(Debug, Default)]
pub struct Staleness {
    /// (file, summary) for each stale file.
    pub stale: Vec<(PathBuf, String)>,
}

/// Compare without writing.
pub fn check_stale(project: &Project) -> CliResult<Staleness> {
    let mut staleness = Staleness::default();
    for (relative, wanted) in generated_files(project)? {
        let path = project.root.join(&relative);
        let current = if path.is_file() { Some(read_text(&path)?) } else { None };
        match current {
            None => staleness.stale.push((relative, "missing".into())),
            Some(current) if current != wanted => {
                staleness.stale.push((relative, diff_summary(&current, &wanted)));
            }
            Some(_) => {}
        }
    }
    Ok(staleness)
}

/// `+3 -1 lines`, then the first changed lines.
fn diff_summary(current: &str, wanted: &str) -> String {
    let diff = similar::TextDiff::from_lines(current, wanted);
    let (mut added, mut removed) = (0, 0);
    let mut sample = Vec::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Insert => {
                added += 1;
                "+"
            }
            similar::ChangeTag::Delete => {
                removed += 1;
                "-"
            }
            similar::ChangeTag::Equal => continue,
        };
        if sample.len() < 6 {
            sample.push(format!("      {sign} {}", change.value().trim_end()));
        }
    }
    let mut out = format!("+{added} -{removed} lines");
    for line in sample {
        out.push('\n');
        out.push_str(&line);
    }
    out
}

/// Write the generated files; returns those that changed.
pub fn write_generated(project: &Project) -> CliResult<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for (relative, text) in generated_files(project)? {
        let path = project.root.join(&relative);
        let same = path.is_file() && read_text(&path)? == text;
        if !same {
            write_text(&path, &text)?;
            changed.push(relative);
        }
    }
    Ok(changed)
}
