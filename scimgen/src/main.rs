//! The scimgen command line: `new`, `generate`, `import`, `table`, `check`, `verify`.
#![allow(clippy::print_stdout)] // printing is what a CLI is for

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scimgen::config::Project;
use scimgen::error::{CliResult, read_text, write_text};
use scimgen::mapping::{self, ImportOptions, ImportReport};
use scimgen::scaffold::{self, BackendKind, NewOptions};
use scimgen::{check, generate, openapi, table, typed, verify};

/// scimgen turns SCIM 2.0 schemas and attribute-mapping tables into SCIM servers that
/// Microsoft Entra ID and Okta can provision users and groups into.
#[derive(Debug, Parser)]
#[command(name = "scimgen", version, about, long_about = None, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a SCIM server project: `scimgen new acme-scim && cd acme-scim && cargo run`.
    ///
    /// The package and its binary are named after DIR. By default the server serves the full
    /// core User (with the enterprise extension) and Group resource types.
    New {
        /// The directory to create (must not exist, or be empty); its name names the package.
        dir: PathBuf,
        /// A vendor extension schema file (RFC 7643 section 7 JSON) to serve, whole, on the
        /// resource type its id ends with (`...:User` or `...:Group`); copied into schemas/.
        /// Repeatable.
        #[arg(long = "extension", value_name = "FILE")]
        extensions: Vec<PathBuf>,
        /// Serve users only (no /Groups), for systems that do not take groups.
        #[arg(long)]
        no_groups: bool,
        /// Leave the enterprise User extension out.
        #[arg(long)]
        no_enterprise: bool,
        /// Start from an attribute-mapping table (markdown or plain text, as in the provisioning
        /// tutorials) instead of the full core schemas; see `scimgen import`.
        #[arg(long, value_name = "FILE")]
        from_table: Option<PathBuf>,
        /// Depend on the runtime crates of the scimgen checkout at DIR (by path, builds offline).
        /// Default: this binary's own checkout if it is still there, else crates.io by version.
        #[arg(long, value_name = "DIR", conflicts_with = "crates_io")]
        runtime_path: Option<PathBuf>,
        /// Depend on the runtime crates from crates.io by version (this scimgen's version), even
        /// when run from a checkout.
        #[arg(long)]
        crates_io: bool,
        /// Where users are stored: `builtin`, the runtime's SQLite store (nothing to write), or
        /// `typed`, a `users` table the project owns (a column per attribute) served as a typed
        /// backend of the generated User, with filters, sorting and paging in SQL that you edit.
        #[arg(long, value_enum, default_value_t = Backend::Builtin)]
        backend: Backend,
        /// The database of `--backend typed`'s `users` table: `sqlite`, or `postgres` (a PgPool;
        /// the server then takes `--database postgres://...` or `DATABASE_URL`).
        #[arg(long, value_enum, default_value_t = Database::Sqlite)]
        database: Database,
    },
    /// Rewrite the generated module (src/generated/) from scimgen.toml and schemas/.
    ///
    /// Only the generated module is written; src/main.rs, src/backend.rs and your other files
    /// are never touched.
    Generate {
        /// Write nothing; exit with status 1 and a summary of the differences if the generated
        /// module is stale (for CI).
        #[arg(long)]
        check: bool,
        /// The project directory (the one holding scimgen.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Take an attribute-mapping table into the project: resource types, attributes, filters.
    ///
    /// Reads `|Attribute|Type|Supported for filtering|Required by X|` tables (the last two
    /// columns optional), in markdown or the plain-text form a copied web page gives. A table
    /// replaces the resource type it maps (User, or Group when it maps group attributes);
    /// vendor extension URNs (`urn:...:2.0:User:costCenter`) become schema files in schemas/.
    /// Run `scimgen generate` afterwards.
    Import {
        /// The file holding the table(s): a tutorial page or just the table.
        table: PathBuf,
        /// Also serve Groups with Entra ID's default group mapping (displayName, externalId,
        /// members) when the file has no group table.
        #[arg(long)]
        groups: bool,
        /// The project directory (the one holding scimgen.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Print the project's attribute-mapping table (markdown), to publish for administrators.
    ///
    /// Columns: Attribute, Type, Supported for filtering, Required. `scimgen import` reads it back.
    Table {
        /// The project directory (the one holding scimgen.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Validate scimgen.toml and the schema files; every problem is reported with its file and
    /// path, and the exit status is 1 if there is any.
    Check {
        /// The project directory (the one holding scimgen.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
    },
    /// Write the OpenAPI 3.1 description of the project's server: the same document the
    /// server serves at `<base path>/openapi.json` (with the default limits), for an API
    /// gateway, a docs portal or an API fuzzer.
    Openapi {
        /// The project directory (the one holding scimgen.toml).
        #[arg(long, value_name = "DIR", default_value = ".")]
        project: PathBuf,
        /// The base path the server is started with (its `--base-path`).
        #[arg(long, value_name = "PATH", default_value = scim::server::DEFAULT_BASE_PATH)]
        base_path: String,
        /// Write the description to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a SCIM endpoint the way Entra ID or Okta will use it: `scimgen verify --profile
    /// entra https://app.example.com/scim/v2 --token TOKEN`.
    ///
    /// Reads discovery first and sends only the attributes the server advertises; prints a line
    /// per step (failures with the request, the response and what was expected) and a summary.
    /// Everything it creates is named with a unique marker and deleted at the end. Exit status 0
    /// only when no step failed.
    Verify {
        /// The base URL (the "Tenant URL" given to the IdP).
        url: String,
        /// `entra`, `okta` or `rfc` (RFC 7643/7644 in general).
        #[arg(long, default_value = "entra")]
        profile: String,
        /// The bearer token (the IdP's "Secret Token").
        #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
        token: String,
        /// A vendor's attribute-mapping table: also check every attribute in it round-trips
        /// (create, read back, update, filter where marked filterable).
        #[arg(long, value_name = "FILE")]
        table: Option<PathBuf>,
        /// Also write the report as JSON to FILE (for CI).
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Allow plain http:// to a host other than loopback (the token crosses the network in clear).
        #[arg(long)]
        insecure: bool,
    },
}

/// `--backend`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Backend {
    Builtin,
    Typed,
}

/// `new --database`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn print_import_report(report: &ImportReport) {
    for (name, rows) in &report.resource_types {
        println!("  {name}: {rows} attributes");
    }
    for file in &report.schema_files {
        println!("  wrote {file}");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
}

fn run(command: Command) -> CliResult<ExitCode> {
    match command {
        Command::New {
            dir,
            extensions,
            no_groups,
            no_enterprise,
            from_table,
            runtime_path,
            crates_io,
            backend,
            database,
        } => {
            let options = NewOptions {
                dir: dir.clone(),
                extensions,
                no_groups,
                no_enterprise,
                from_table,
                runtime_path,
                crates_io,
                backend: match backend {
                    Backend::Builtin => BackendKind::Builtin,
                    Backend::Typed => BackendKind::Typed,
                },
                database: match database {
                    Database::Sqlite => typed::Database::Sqlite,
                    Database::Postgres => typed::Database::Postgres,
                },
            };
            let report = scaffold::new_project(&options)?;
            println!("created {} (package `{}`)", dir.display(), report.name);
            if let Some(import) = &report.import {
                print_import_report(import);
            }
            if let Some(why) = &report.unformatted {
                eprintln!("note: {why}; run `cargo fmt` in the project");
            }
            let database = match database {
                Database::Sqlite => "",
                Database::Postgres => " --database postgres://USER:PASSWORD@HOST/DATABASE",
            };
            println!("run it:\n  cd {}\n  cargo run -- --token s3cret{database}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { check: true, project } => {
            let project = Project::load(&project)?;
            let staleness = generate::check_stale(&project)?;
            if staleness.stale.is_empty() {
                println!("the generated module is up to date");
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("the generated module is stale:");
            for (file, summary) in &staleness.stale {
                eprintln!("  {}: {summary}", file.display());
            }
            eprintln!("hint: run `scimgen generate` and commit the result");
            Ok(ExitCode::FAILURE)
        }
        Command::Generate { check: false, project } => {
            let project = Project::load(&project)?;
            let changed = generate::write_generated(&project)?;
            if changed.is_empty() {
                println!("the generated module was already up to date");
            }
            for file in changed {
                println!("wrote {}", file.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { table: file, groups, project } => {
            let mut project = Project::load(&project)?;
            let text = read_text(&file)?;
            let tables = table::parse_tables(&text);
            if tables.is_empty() {
                return Err(scaffold::no_table_error(&file));
            }
            let source = file.display().to_string();
            let (report, writes) = mapping::import_tables(
                &mut project.config,
                &project.root,
                &tables,
                &source,
                table::system_name(&text),
                ImportOptions { default_groups: groups },
            )?;
            for (path, text) in &writes {
                write_text(path, text)?;
            }
            project.save()?;
            println!("imported {source} into {}", project.config_path().display());
            print_import_report(&report);
            println!("next: scimgen generate");
            Ok(ExitCode::SUCCESS)
        }
        Command::Table { project } => {
            let project = Project::load(&project)?;
            let tables = mapping::describe(&project.config, &project.root)?;
            let rendered: Vec<String> =
                tables.iter().map(|(heading, table)| table::render_markdown(heading, table)).collect();
            print!("{}", rendered.join("\n"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { project } => {
            let message = check::run(&project)?;
            println!("{message}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi { project, base_path, output } => {
            let project = Project::load(&project)?;
            let text = openapi::describe_project(&project, &base_path)?;
            match output {
                Some(path) => {
                    write_text(&path, &text)?;
                    println!("wrote {}", path.display());
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { url, profile, token, table, json, insecure } => {
            let options = verify::Options { url, profile, token, table, json, insecure };
            let report = verify::run_command(&options)?;
            print!("{}", report.render());
            Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}
