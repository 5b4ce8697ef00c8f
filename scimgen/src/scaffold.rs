//! `scimgen new <dir>`: a Cargo project serving SCIM from the first `cargo run`.

use std::path::{Path, PathBuf};

use scim::schema::{SchemaExtension, loader};
use scim_codegen::SystemDefinition;
use serde_json::json;

use crate::config::{CONFIG_FILE, DEFAULT_OUTPUT, Project, ProjectConfig, ProjectSection, render_config};
use crate::error::{CliError, CliResult, read_text, write_text};
use crate::mapping::{self, ImportOptions, ImportReport};
use crate::{generate, table, templates, typed};

/// What `new` was asked for.
#[derive(Debug, Clone, Default)]
pub struct NewOptions {
    pub dir: PathBuf,
    pub extensions: Vec<PathBuf>,
    pub no_groups: bool,
    pub no_enterprise: bool,
    pub from_table: Option<PathBuf>,
    /// Depend on the runtime crates in this scimgen checkout (by path) rather than by version.
    pub runtime_path: Option<PathBuf>,
    /// Depend on the runtime crates by version even when run from a checkout.
    pub crates_io: bool,
    /// Where users are stored.
    pub backend: BackendKind,
    /// The database of a typed backend's `users` table (the built-in store takes either at
    /// run time, from `--database`).
    pub database: typed::Database,
}

/// Where a new project stores its users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackendKind {
    /// The runtime's built-in store (`scim::store::SqliteStore`): every resource type as a
    /// document, nothing to write.
    #[default]
    Builtin,
    /// A typed backend over a `users` table the project owns (sqlx, SQLite), the other
    /// resource types in the built-in store.
    Typed,
}

/// What `new` did, for the report.
#[derive(Debug)]
pub struct NewReport {
    pub name: String,
    pub import: Option<ImportReport>,
    pub files: Vec<PathBuf>,
    /// Why the developer's files could not be formatted (no `rustfmt`), if they were not.
    pub unformatted: Option<String>,
}

/// The scimgen checkout this binary was built from, if it is still there (then new projects
/// depend on its runtime by path and build offline).
pub fn checkout_runtime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SCIMGEN_RUNTIME_PATH") {
        return Some(PathBuf::from(path));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    (workspace.join("scim/Cargo.toml").is_file() && workspace.join("scim-derive/Cargo.toml").is_file())
        .then(|| workspace.to_path_buf())
}

/// A package name from the directory name: what cargo accepts.
fn package_name(dir: &Path) -> CliResult<String> {
    let absolute = std::path::absolute(dir).map_err(|e| CliError::io("resolve", dir, &e))?;
    let name = absolute.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(CliError::new(format!(
            "cannot name a package after the directory {}: `{name}` is not a valid package name",
            dir.display()
        ))
        .hint("use a directory name of letters, digits, `-` and `_`, starting with a letter (e.g. `acme-scim`)"));
    }
    Ok(name.to_owned())
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Create the project: check the directory, make the system (defaults or the table, then
/// vendor extensions), render the project's files, check them, write them, generate.
pub fn new_project(options: &NewOptions) -> CliResult<NewReport> {
    let dir = &options.dir;
    let name = package_name(dir)?;
    ensure_empty(dir)?;
    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    let (mut config, import) = system_config(options, &name, &mut writes)?;
    for file in &options.extensions {
        add_extension(dir, file, &mut config, &mut writes)?;
    }
    let runtime = if options.crates_io { None } else { options.runtime_path.clone().or_else(checkout_runtime) };
    let backend_data = match options.backend {
        BackendKind::Builtin if options.database != typed::Database::Sqlite => {
            return Err(CliError::new("--database postgres chooses the database of --backend typed's `users` table")
                .hint(
                    "the built-in store needs no choice here: its server takes `--database postgres://...` at run time",
                ));
        }
        BackendKind::Builtin => None,
        BackendKind::Typed => Some(typed::check_served(&config)?),
    };
    let mut data = template_data(&name, &config, runtime.as_deref(), backend_data.as_ref())?;
    if backend_data.is_some() {
        for (key, value) in typed::database_data(options.database) {
            data[key] = value;
        }
    }
    writes.extend(project_files(dir, &data, &config, runtime.as_deref())?);
    check_schema_files(&writes)?;
    let mut files = write_all(dir, &writes)?;
    let mut unformatted = None;
    if options.backend == BackendKind::Typed {
        let written = typed::write_backend(dir, &config, &data)?;
        unformatted = format_sources(dir, &written).err();
        files.extend(written);
    }
    let project = Project { root: dir.clone(), config };
    match generate::write_generated(&project) {
        Ok(generated) => files.extend(generated),
        Err(error) => {
            return Err(CliError::new(format!(
                "created {} but could not generate its module: {}",
                dir.display(),
                error.what
            ))
            .with_details(error.details)
            .hint("fix scimgen.toml or schemas/ in the new project, then run `scimgen generate` there"));
        }
    }
    Ok(NewReport { name, import, files, unformatted })
}

/// Format `files` (relative to `dir`) with `rustfmt` under the project's `rustfmt.toml`, so
/// that the project starts `cargo fmt --check` clean: their lines depend on the mapping (a
/// filter's match arms), which a template cannot lay out. The other files are written in that
/// style already. `Err` (the files stay as written, and compile) when `rustfmt` cannot run.
fn format_sources(dir: &Path, files: &[PathBuf]) -> Result<(), String> {
    let output = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(files)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("rustfmt failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// The project directory must not exist yet, or be empty.
fn ensure_empty(dir: &Path) -> CliResult<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(|e| CliError::io("read", dir, &e))?.next().is_none();
        if !empty {
            return Err(CliError::new(format!("{} already exists and is not empty", dir.display()))
                .hint("choose a new directory; to change an existing project edit its scimgen.toml and run `scimgen generate`"));
        }
    }
    Ok(())
}

/// The system: the full core by default, or what the table says (whose schema files join
/// `writes`); without groups when asked.
fn system_config(
    options: &NewOptions,
    name: &str,
    writes: &mut Vec<(PathBuf, String)>,
) -> CliResult<(ProjectConfig, Option<ImportReport>)> {
    let mut config = ProjectConfig {
        project: ProjectSection { name: name.to_owned(), output: DEFAULT_OUTPUT.to_owned() },
        system: SystemDefinition {
            name: Some(name.to_owned()),
            description: None,
            schema_files: Vec::new(),
            resource_types: Vec::new(),
        },
        server: Default::default(),
        table: Default::default(),
    };
    let mut import = None;
    if let Some(table_file) = &options.from_table {
        let text = read_text(table_file)?;
        let tables = table::parse_tables(&text);
        if tables.is_empty() {
            return Err(no_table_error(table_file));
        }
        let source = table_file.display().to_string();
        let (report, files) = mapping::import_tables(
            &mut config,
            &options.dir,
            &tables,
            &source,
            table::system_name(&text),
            ImportOptions { default_groups: !options.no_groups },
        )?;
        if options.no_enterprise
            && config
                .system
                .resource_types
                .iter()
                .any(|r| r.extensions.iter().any(|e| e.schema == mapping::ENTERPRISE_URN))
        {
            return Err(CliError::new(format!(
                "{source} maps enterprise extension attributes, but --no-enterprise was given"
            ))
            .hint("drop --no-enterprise, or remove the enterprise rows from the table"));
        }
        writes.extend(files);
        import = Some(report);
    } else {
        config.system.resource_types.push(mapping::user_definition(!options.no_enterprise));
        config.system.resource_types.push(mapping::group_definition());
    }
    if options.no_groups {
        config.system.resource_types.retain(|r| r.name != "Group");
        config.table.remove("Group");
    }
    Ok((config, import))
}

/// A vendor extension file: copied into schemas/, served whole on the resource type it names.
fn add_extension(
    dir: &Path,
    file: &Path,
    config: &mut ProjectConfig,
    writes: &mut Vec<(PathBuf, String)>,
) -> CliResult<()> {
    if !file.is_file() {
        let kind = if file.is_dir() { std::io::ErrorKind::IsADirectory } else { std::io::ErrorKind::NotFound };
        return Err(CliError::io("read", file, &std::io::Error::from(kind))
            .hint("give --extension the path of a schema JSON file (RFC 7643 section 7)"));
    }
    let schema = loader::load_schema_file(file).map_err(|errors| {
        CliError::new(format!("the extension schema {} has problems", file.display()))
            .with_details(errors.problems.iter().map(|p| format!("{}: {}", p.path, p.message)))
            .hint("fix the file (RFC 7643 section 7 schema JSON), then run `scimgen new` again")
    })?;
    let target_name = match schema.id.rsplit(':').next() {
        Some(last) if last.eq_ignore_ascii_case("Group") => "Group",
        Some(last) if last.eq_ignore_ascii_case("User") => "User",
        _ => {
            return Err(CliError::new(format!(
                "{}: cannot tell which resource type `{}` extends",
                file.display(),
                schema.id
            ))
            .hint("end the schema id with `:User` or `:Group` (e.g. urn:acme:scim:schemas:extension:acme:2.0:User)"));
        }
    };
    let Some(definition) = config.system.resource_types.iter_mut().find(|r| r.name == target_name) else {
        return Err(CliError::new(format!(
            "{} extends {target_name}, which this project does not serve",
            file.display()
        ))
        .hint("drop --no-groups, or extend User"));
    };
    definition.extensions.push(SchemaExtension { schema: schema.id.clone(), required: false });
    if let Some(attributes) = &mut definition.attributes {
        attributes.push(schema.id.clone());
    }
    let base = file.file_name().and_then(|n| n.to_str()).unwrap_or("extension.json");
    let relative = format!("schemas/{base}");
    if config.system.schema_files.contains(&relative) {
        return Err(CliError::new(format!("two extension files are called {base}")).hint("rename one of them"));
    }
    writes.push((dir.join(&relative), read_text(file)?));
    config.system.schema_files.push(relative);
    Ok(())
}

/// What the templates are rendered with: the package, its dependencies on the runtime (by
/// path from a checkout, else by version), and for a typed backend what `main.rs` serves.
fn template_data(
    name: &str,
    config: &ProjectConfig,
    runtime: Option<&Path>,
    typed: Option<&typed::Served>,
) -> CliResult<serde_json::Value> {
    let groups = config.system.resource_types.iter().any(|r| r.name == "Group");
    let version = env!("CARGO_PKG_VERSION");
    let scim = |features: &str| -> CliResult<String> {
        Ok(match runtime {
            Some(root) => {
                let root = std::path::absolute(root).map_err(|e| CliError::io("resolve", root, &e))?;
                format!("{{ path = {}, features = [{features}] }}", toml_string(&root.join("scim").to_string_lossy()))
            }
            None => format!("{{ version = {}, features = [{features}] }}", toml_string(version)),
        })
    };
    let derive_dependency = match runtime {
        Some(root) => {
            let root = std::path::absolute(root).map_err(|e| CliError::io("resolve", root, &e))?;
            format!("{{ path = {} }}", toml_string(&root.join("scim-derive").to_string_lossy()))
        }
        None => toml_string(version),
    };
    let mut data = json!({
        "name": name,
        "groups": groups,
        "runtime_path": runtime.is_some(),
        "scim_dependency": scim("\"launch\"")?,
        "scim_derive_dependency": derive_dependency,
        "typed": typed.is_some(),
    });
    if let Some(served) = typed {
        data["scim_test_dependency"] = json!(scim("\"launch\", \"testkit\"")?);
        data["type"] = json!(served.type_name);
        data["builtin_types"] = json!(served.builtin_types);
    }
    Ok(data)
}

/// The project's own files (beside schemas from the table and extensions): manifest, main,
/// backend, README, .gitignore, scimgen.toml, and the checkout's lock file.
fn project_files(
    dir: &Path,
    data: &serde_json::Value,
    config: &ProjectConfig,
    runtime: Option<&Path>,
) -> CliResult<Vec<(PathBuf, String)>> {
    let mut writes = vec![
        (dir.join("Cargo.toml"), templates::render("Cargo.toml", data)?),
        (dir.join("src/main.rs"), templates::render("main.rs", data)?),
    ];
    if data["typed"] != true {
        writes.push((dir.join("src/backend.rs"), templates::render("backend.rs", data)?));
    }
    writes.push((dir.join("README.md"), templates::render("README.md", data)?));
    writes.push((dir.join(".gitignore"), templates::render("gitignore", data)?));
    writes.push((dir.join("rustfmt.toml"), templates::render("rustfmt.toml", data)?));
    writes.push((dir.join(CONFIG_FILE), render_config(config)?));
    if let Some(root) = runtime {
        // The checkout's lock file pins the versions it was built and tested with, so the new
        // project resolves offline and shares compiled dependencies with the checkout.
        let lock = root.join("Cargo.lock");
        if lock.is_file() {
            writes.push((dir.join("Cargo.lock"), read_text(&lock)?));
        }
    }
    Ok(writes)
}

/// The schema files made from the table must parse before anything is written.
fn check_schema_files(writes: &[(PathBuf, String)]) -> CliResult<()> {
    for (path, text) in writes {
        if path.extension().is_some_and(|e| e == "json") {
            loader::parse_schema(&path.display().to_string(), text).map_err(|errors| {
                CliError::new("internal error: a schema file made from the table is invalid")
                    .with_details(errors.problems.iter().map(|p| p.to_string()))
            })?;
        }
    }
    Ok(())
}

/// Write the files (and an empty schemas/); their paths relative to `dir`.
fn write_all(dir: &Path, writes: &[(PathBuf, String)]) -> CliResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for (path, text) in writes {
        write_text(path, text)?;
        files.push(path.strip_prefix(dir).unwrap_or(path).to_path_buf());
    }
    std::fs::create_dir_all(dir.join("schemas"))
        .map_err(|e| CliError::io("create directory", &dir.join("schemas"), &e))?;
    Ok(files)
}

/// The error for a document without an attribute-mapping table.
pub fn no_table_error(file: &Path) -> CliError {
    CliError::new(format!("no attribute-mapping table found in {}", file.display())).hint(
        "the table needs a header row `|Attribute|Type|Supported for filtering|Required by ...|` (the last two \
         columns are optional) or its plain-text form `Attribute Type Supported for filtering ...`; if the \
         tutorial shows the table only as an image, type it in that form",
    )
}
