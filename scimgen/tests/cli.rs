//! The scimgen command line, run as a user runs it: every subcommand, its successes and its
//! failures (which must be actionable messages with a non-zero exit, never a panic).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use scimgen::table::{Row, parse_tables};

fn scimgen() -> Command {
    Command::cargo_bin("scimgen").expect("the scimgen binary is built")
}

fn seed(prefix: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    let dir = if dir.is_dir() { dir } else { PathBuf::from("/work/shared/seeds") };
    std::fs::read_dir(&dir)
        .expect("the seed directory exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
        .unwrap_or_else(|| panic!("seed {prefix} in {}", dir.display()))
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// `scimgen new <tmp>/<name> <args>`, asserting success; returns the project directory.
fn new_project(tmp: &tempfile::TempDir, name: &str, args: &[&str]) -> PathBuf {
    let dir = tmp.path().join(name);
    scimgen().arg("new").arg(&dir).args(args).assert().success().stdout(contains(format!("created {}", dir.display())));
    dir
}

fn failure_is_actionable(assert: assert_cmd::assert::Assert) -> String {
    let output = assert.failure().get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Os {"), "{stderr}");
    stderr
}

#[test]
fn help_explains_every_subcommand_and_flag() {
    scimgen().arg("--help").assert().success().stdout(
        contains("new").and(contains("generate")).and(contains("import")).and(contains("table")).and(contains("check")),
    );
    scimgen().args(["new", "--help"]).assert().success().stdout(
        contains("--extension <FILE>")
            .and(contains("--no-groups"))
            .and(contains("--no-enterprise"))
            .and(contains("--from-table <FILE>"))
            .and(contains("--backend <BACKEND>"))
            .and(contains("--database <DATABASE>"))
            .and(contains("Repeatable")),
    );
    scimgen().args(["generate", "--help"]).assert().success().stdout(contains("--check").and(contains("stale")));
    scimgen().args(["import", "--help"]).assert().success().stdout(contains("Supported for filtering"));
    scimgen().args(["table", "--help"]).assert().success().stdout(contains("Required"));
    scimgen().args(["check", "--help"]).assert().success().stdout(contains("path"));
    // No subcommand: the help, and a failure status.
    scimgen().assert().failure().stderr(contains("Usage"));
}

/// A new project starts `cargo fmt --check` clean (its `rustfmt.toml`, and the typed backend's
/// mapping-dependent lines formatted by `scimgen new`), typed or not: `rustfmt --check` from
/// `src/main.rs` covers every module, the generated ones too.
#[test]
fn a_new_project_is_rustfmt_clean() {
    let tmp = tempfile::tempdir().unwrap();
    // The full Entra mapping: typed emails and addresses, an extension, long variant names.
    let seed_table = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/alvao/mapping.md");
    for (name, args) in [
        ("builtin-scim", vec![]),
        ("typed-scim", vec!["--backend", "typed"]),
        ("typed-table-scim", vec!["--backend", "typed", "--from-table", seed_table.to_str().unwrap()]),
        ("typed-postgres-scim", vec!["--backend", "typed", "--database", "postgres"]),
    ] {
        let dir = new_project(&tmp, name, &args);
        assert!(read(dir.join("rustfmt.toml")).contains("max_width = 120"));
        let checked = std::process::Command::new("rustfmt")
            .args(["--check", "--edition", "2024", "src/main.rs"])
            .current_dir(&dir)
            .output()
            .expect("rustfmt runs");
        assert!(checked.status.success(), "{name}: {}", String::from_utf8_lossy(&checked.stdout));
    }
}

#[test]
fn new_with_a_typed_backend_scaffolds_the_users_table_and_its_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "typed-scim", &["--backend", "typed"]);
    let main = read(dir.join("src/main.rs"));
    assert!(main.contains("mod users;") && main.contains(".backend::<generated::User, _>(users)"), "{main}");
    assert!(main.contains(".resource::<generated::Group>(store.clone())"), "groups stay in the built-in store: {main}");
    let cargo = read(dir.join("Cargo.toml"));
    assert!(cargo.contains("sqlx = ") && cargo.contains("\"testkit\"]"), "{cargo}");
    let users = read(dir.join("src/users.rs"));
    assert!(users.contains("\"user_name\" TEXT NOT NULL COLLATE NOCASE,"), "{users}");
    assert!(users.contains("\"user_name_key\" TEXT NOT NULL, -- userName lower-cased"), "{users}");
    assert!(users.contains("UNIQUE (tenant, \"user_name_key\")"), "{users}");
    assert!(users.contains(".bind(user.user_name.to_lowercase())"), "{users}");
    let backend = read(dir.join("src/backend.rs"));
    assert!(backend.contains("impl Backend<User> for Users"), "{backend}");
    // rustfmt lays the arms out: compared without whitespace.
    let compact: String = backend.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        compact.contains("UserUserNameTest::Eq(value)=>{sql::compare(sql,Place::Folded(\"user_name_key\"),Op::Eq,"),
        "{backend}"
    );
    // The statements are the runtime's `SqlTable`'s: the scaffold has no SQL helpers of its own.
    assert!(backend.contains("TABLE.list(&self.0, tenant, query, condition, sort_column)"), "{backend}");
    assert!(!dir.join("src/sql.rs").exists() && !main.contains("mod sql;"), "{main}");
    assert!(backend.contains("StoreContract::for_type::<User>(sample)"), "{backend}");
    assert!(read(dir.join("README.md")).contains("`users` table"));

    // Users only: the built-in store just lends its pool.
    let dir = new_project(&tmp, "users-only", &["--backend", "typed", "--no-groups"]);
    let main = read(dir.join("src/main.rs"));
    assert!(!main.contains("Group") && !main.contains("Arc::new(store)"), "{main}");

    // The built-in store (the default) has none of it.
    let dir = new_project(&tmp, "builtin", &[]);
    assert!(!dir.join("src/users.rs").exists() && !dir.join("src/sql.rs").exists());
    assert!(read(dir.join("src/backend.rs")).contains("launch.open_store().await"));
}

/// `--database postgres`: the same typed scaffold on a PgPool, in PostgreSQL's types, through the
/// runtime's PostgreSQL dialect; the built-in store needs no such choice (its server takes
/// `--database postgres://...` at run time), so there it is refused, saying so.
#[test]
fn new_with_a_typed_backend_on_postgres_scaffolds_a_pg_pool_and_postgres_types() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "typed-pg-scim", &["--backend", "typed", "--database", "postgres"]);
    let cargo = read(dir.join("Cargo.toml"));
    assert!(
        cargo.contains(r#"features = ["postgres", "runtime-tokio"]"#) && !cargo.contains("sqlite-bundled"),
        "{cargo}"
    );
    let main = read(dir.join("src/main.rs"));
    assert!(main.contains("scim::store::PostgresStore::connect_with(launch.database(), launch.database_options())"));
    assert!(!main.contains("SqliteStore"), "{main}");
    let users = read(dir.join("src/users.rs"));
    for line in [
        "id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,",
        "version       BIGINT NOT NULL DEFAULT 1,",
        "\"user_name\" TEXT NOT NULL COLLATE \"C\",",
        "\"user_name_key\" TEXT NOT NULL COLLATE \"C\", -- userName lower-cased",
        "\"active\" BOOLEAN,",
        "UNIQUE (tenant, \"user_name_key\")",
        "pub fn from_row(row: &PgRow)",
        "pub fn bind<'q>(user: &'q User, query: SqlQuery<'q, Postgres>) -> SqlQuery<'q, Postgres>",
    ] {
        assert!(users.contains(line), "{line}: {users}");
    }
    assert!(!users.contains("NOCASE") && !users.contains("AUTOINCREMENT"), "{users}");
    let backend = read(dir.join("src/backend.rs"));
    for line in [
        "pub struct Users(pub PgPool);",
        "fn condition(sql: &mut QueryBuilder<Postgres>, filter: &UserFilter)",
        "TABLE.prepare_all(&self.0, &[USERS_TABLE, USERS_BY_TENANT], &[]).await",
        "std::env::var(\"DATABASE_URL\")",
    ] {
        assert!(backend.contains(line), "{line}: {backend}");
    }
    assert!(!backend.contains("Sqlite") && !backend.contains("EXPLAIN QUERY PLAN"), "{backend}");

    let output =
        scimgen().args(["new"]).arg(tmp.path().join("builtin-pg")).args(["--database", "postgres"]).output().unwrap();
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && errors.contains("--backend typed") && errors.contains("postgres://"),
        "{errors}"
    );
}

#[test]
fn new_scaffolds_the_full_core_with_enterprise_and_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "acme-scim", &[]);
    let cargo = read(dir.join("Cargo.toml"));
    assert!(cargo.contains("name = \"acme-scim\""), "{cargo}");
    // Built from this checkout: the runtime by path, and its lock file for offline builds.
    assert!(cargo.contains("scim = { path = ") && cargo.contains("scim-derive = { path = "), "{cargo}");
    assert!(dir.join("Cargo.lock").is_file());
    let config = read(dir.join("scimgen.toml"));
    assert!(config.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), "{config}");
    assert!(config.contains("name = \"Group\""), "{config}");
    let generated = read(dir.join("src/generated/mod.rs"));
    assert!(generated.starts_with("// generated by scimgen; do not edit"), "{generated}");
    assert!(generated.contains(".resource::<User>") && generated.contains(".resource::<Group>"), "{generated}");
    let resources = read(dir.join("src/generated/resources.rs"));
    assert!(resources.starts_with("// generated by scimgen; do not edit"));
    assert!(resources.contains("pub struct User") && resources.contains("pub struct Group"));
    assert!(resources.contains("EnterpriseUser"), "the enterprise extension is generated");
    // The options (--listen, --database, --token, ...) are the runtime's `ServeArgs` (its tests
    // cover them), named after the project; the runtime's `launch` feature provides them.
    let main = read(dir.join("src/main.rs"));
    assert!(main.contains("#[command(name = \"acme-scim\", version, about)]"), "{main}");
    assert!(main.contains("serve: ServeArgs,") && main.contains(".prepare(\"acme-scim\")"), "{main}");
    assert!(cargo.contains("features = [\"launch\"] }"), "{cargo}");
    assert!(read(dir.join("src/backend.rs")).contains("launch.open_store().await"));
    scimgen().args(["generate", "--check", "--project"]).arg(&dir).assert().success();
    scimgen().args(["check", "--project"]).arg(&dir).assert().success().stdout(contains("valid"));
}

#[test]
fn new_depends_on_the_runtime_by_version_outside_a_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "published", &["--crates-io"]);
    let cargo = read(dir.join("Cargo.toml"));
    let version = env!("CARGO_PKG_VERSION");
    assert!(cargo.contains(&format!("scim = {{ version = \"{version}\", features = [\"launch\"] }}")), "{cargo}");
    assert!(cargo.contains(&format!("scim-derive = \"{version}\"")), "{cargo}");
    assert!(!cargo.contains("path ="), "{cargo}");
    assert!(cargo.contains("[profile.release]\nlto = \"fat\"\ncodegen-units = 1\n"), "{cargo}");
    assert!(!dir.join("Cargo.lock").exists(), "no lock file from a checkout");

    let runtime = tmp.path().join("checkout");
    let dir = new_project(&tmp, "pinned", &["--runtime-path", runtime.to_str().unwrap()]);
    let cargo = read(dir.join("Cargo.toml"));
    let expected = format!("scim = {{ path = \"{}\", features = [\"launch\"] }}", runtime.join("scim").display());
    assert!(cargo.contains(&expected), "{cargo}");
}

#[test]
fn new_without_groups_or_enterprise() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "rfpio", &["--no-groups", "--no-enterprise"]);
    let config = read(dir.join("scimgen.toml"));
    assert!(!config.contains("name = \"Group\"") && !config.contains("enterprise:2.0:User\""), "{config}");
    let generated = read(dir.join("src/generated/mod.rs"));
    assert!(generated.contains(".resource::<User>") && !generated.contains("Group"), "{generated}");
    scimgen()
        .args(["table", "--project"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(contains("|userName|String|&check;|&check;|").and(contains("Group").not()));
}

const ACME_EXTENSION: &str = r#"{
  "id": "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
  "name": "AcmeUser",
  "description": "Acme's user attributes.",
  "attributes": [
    {"name": "badge", "type": "string", "multiValued": false, "required": false, "caseExact": false,
     "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
  ]
}"#;

#[test]
fn new_with_a_vendor_extension_copies_and_serves_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("acme-user.json");
    std::fs::write(&file, ACME_EXTENSION).unwrap();
    let dir = new_project(&tmp, "acme", &["--extension", file.to_str().unwrap()]);
    assert_eq!(read(dir.join("schemas/acme-user.json")), ACME_EXTENSION);
    let config = read(dir.join("scimgen.toml"));
    assert!(config.contains("schemaFiles = [\"schemas/acme-user.json\"]"), "{config}");
    assert!(config.contains("urn:ietf:params:scim:schemas:extension:acme:2.0:User"), "{config}");
    assert!(read(dir.join("src/generated/resources.rs")).contains("pub badge: Option<String>"));
    assert!(read(dir.join("src/generated/mod.rs")).contains("include_str!(\"../../schemas/acme-user.json\")"));
    scimgen()
        .args(["table", "--project"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(contains("|urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge|String|||"));
}

#[test]
fn new_fails_actionably() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep.txt"), "mine").unwrap();
    let stderr = failure_is_actionable(scimgen().arg("new").arg(&taken).assert());
    assert!(stderr.contains("already exists and is not empty") && stderr.contains("hint:"), "{stderr}");
    assert_eq!(read(taken.join("keep.txt")), "mine");

    let stderr = failure_is_actionable(scimgen().arg("new").arg(tmp.path().join("9 lives")).assert());
    assert!(stderr.contains("not a valid package name"), "{stderr}");

    let missing = tmp.path().join("nowhere.json");
    let stderr =
        failure_is_actionable(scimgen().arg("new").arg(tmp.path().join("x")).arg("--extension").arg(&missing).assert());
    assert!(stderr.contains("nowhere.json") && stderr.contains("does not exist"), "{stderr}");
    assert!(!tmp.path().join("x").exists(), "nothing is written when the command fails");

    let stderr = failure_is_actionable(
        scimgen().arg("new").arg(tmp.path().join("w")).arg("--extension").arg(tmp.path()).assert(),
    );
    assert!(stderr.contains("is a directory, not a file"), "{stderr}");
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, "").unwrap();
    let stderr = failure_is_actionable(scimgen().arg("new").arg(&file).assert());
    assert!(stderr.contains("is a file, not a directory"), "{stderr}");

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"id": "urn:acme:User", "attributes": [{"name": "x", "type": "strin"}]}"#).unwrap();
    let stderr =
        failure_is_actionable(scimgen().arg("new").arg(tmp.path().join("y")).arg("--extension").arg(&bad).assert());
    assert!(stderr.contains("$.attributes[0].type"), "the JSON path is named: {stderr}");

    let stderr = failure_is_actionable(
        scimgen().arg("new").arg(tmp.path().join("z")).arg("--from-table").arg(seed("002")).assert(),
    );
    assert!(stderr.contains("no attribute-mapping table") && stderr.contains("image"), "{stderr}");
}

#[test]
fn generate_rewrites_only_the_generated_module() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "svc", &[]);
    let marker = "// my own code: regeneration must keep this line\n";
    for file in ["src/main.rs", "src/backend.rs"] {
        let path = dir.join(file);
        std::fs::write(&path, format!("{}{marker}", read(&path))).unwrap();
    }
    // Drop Groups: the generated module is now stale.
    let config = read(dir.join("scimgen.toml"));
    let user_only = config.split("[[system.resourceTypes]]\nname = \"Group\"").next().unwrap().to_owned();
    std::fs::write(dir.join("scimgen.toml"), &user_only).unwrap();
    let output = scimgen().args(["generate", "--check", "--project"]).arg(&dir).assert().failure().get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stale") && stderr.contains("src/generated/mod.rs"), "{stderr}");
    assert!(stderr.contains("- ") && stderr.contains("Group"), "the summary shows changed lines: {stderr}");
    assert!(read(dir.join("src/generated/mod.rs")).contains("Group"), "--check writes nothing");

    scimgen().args(["generate", "--project"]).arg(&dir).assert().success().stdout(contains("wrote"));
    assert!(!read(dir.join("src/generated/mod.rs")).contains("Group"));
    for file in ["src/main.rs", "src/backend.rs"] {
        assert!(read(dir.join(file)).ends_with(marker), "{file} was not touched");
    }
    scimgen().args(["generate", "--check", "--project"]).arg(&dir).assert().success();
    scimgen().args(["generate", "--project"]).arg(&dir).assert().success().stdout(contains("already up to date"));
}

/// `[server]` in scimgen.toml (issue 10 points 3 and 6) reaches the generated server through
/// the generated `configure`, which `serve` applies; a bad value names the key.
#[test]
fn server_settings_reach_the_generated_configure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "svc", &[]);
    let module = read(dir.join("src/generated/mod.rs"));
    assert!(module.contains(".unique_group_display_names(true)"), "{module}");
    assert!(module.contains(".unknown_attributes(::scim::server::UnknownAttributes::Reject)"), "{module}");
    assert!(module.contains("    configure(builder)\n"), "serve applies configure: {module}");
    let config = read(dir.join("scimgen.toml"));
    assert!(!config.contains("\n[server]"), "the defaults are not written out: {config}");

    let settings = "\n[server]\nuniqueGroupNames = false\nunknownAttributes = \"ignore\"\n";
    std::fs::write(dir.join("scimgen.toml"), format!("{config}{settings}")).unwrap();
    scimgen().args(["generate", "--project"]).arg(&dir).assert().success();
    let module = read(dir.join("src/generated/mod.rs"));
    assert!(module.contains(".unique_group_display_names(false)"), "{module}");
    assert!(module.contains(".unknown_attributes(::scim::server::UnknownAttributes::Ignore)"), "{module}");

    std::fs::write(dir.join("scimgen.toml"), format!("{config}\n[server]\nunknownAttributes = \"drop\"\n")).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["generate", "--project"]).arg(&dir).assert());
    assert!(stderr.contains("unknown variant `drop`") && stderr.contains("reject"), "{stderr}");
}

#[test]
fn project_commands_outside_a_project_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    for command in [&["generate"][..], &["generate", "--check"], &["table"], &["check"], &["import", "t.md"]] {
        let stderr = failure_is_actionable(scimgen().args(command).arg("--project").arg(tmp.path()).assert());
        assert!(stderr.contains("no scimgen.toml") && stderr.contains("scimgen new"), "{command:?}: {stderr}");
    }
}

#[test]
fn check_reports_file_path_and_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("acme-user.json");
    std::fs::write(&file, ACME_EXTENSION).unwrap();
    let dir = new_project(&tmp, "svc", &["--extension", file.to_str().unwrap()]);
    let config_path = dir.join("scimgen.toml");
    let config = read(&config_path);

    // A schema file problem: file and JSON path.
    std::fs::write(dir.join("schemas/acme-user.json"), ACME_EXTENSION.replace("\"string\"", "\"text\"")).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["check", "--project"]).arg(&dir).assert());
    assert!(stderr.contains("acme-user.json") && stderr.contains("$.attributes[0].type"), "{stderr}");
    std::fs::write(dir.join("schemas/acme-user.json"), ACME_EXTENSION).unwrap();

    // An attribute the schemas do not have: the TOML path and a suggestion.
    let typo = config.replace(
        "schema = \"urn:ietf:params:scim:schemas:core:2.0:User\"\n",
        "schema = \"urn:ietf:params:scim:schemas:core:2.0:User\"\nattributes = [\"userName\", \"emails\", \"nickNam\"]\n",
    );
    std::fs::write(&config_path, typo).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["check", "--project"]).arg(&dir).assert());
    assert!(
        stderr.contains("scimgen.toml: system.resourceTypes[0].attributes[2] (resource type User): `nickNam`"),
        "{stderr}"
    );
    assert!(stderr.contains("nickName"), "suggests the right name: {stderr}");

    // TOML that does not parse: file, line and column.
    std::fs::write(&config_path, config.replace("\n[project]\n", "\n[project\n")).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["check", "--project"]).arg(&dir).assert());
    assert!(stderr.contains("scimgen.toml:18:9: unclosed table"), "file, line and column: {stderr}");

    // A missing schema file.
    std::fs::write(&config_path, &config).unwrap();
    std::fs::remove_file(dir.join("schemas/acme-user.json")).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["check", "--project"]).arg(&dir).assert());
    assert!(stderr.contains("system.schemaFiles[0]") && stderr.contains("does not exist"), "{stderr}");
    // generate says the same kind of thing, without a panic.
    failure_is_actionable(scimgen().args(["generate", "--project"]).arg(&dir).assert());

    // An unknown key.
    std::fs::write(dir.join("schemas/acme-user.json"), ACME_EXTENSION).unwrap();
    std::fs::write(&config_path, config.replace("\n[project]\n", "\n[project]\nnmae = \"x\"\n")).unwrap();
    let stderr = failure_is_actionable(scimgen().args(["check", "--project"]).arg(&dir).assert());
    assert!(stderr.contains("nmae"), "{stderr}");
}

/// The rows of a seed's tables, for the columns the seed has.
fn comparable(rows: &[Row], filter: bool, required: bool) -> Vec<(String, String, Option<bool>, Option<bool>)> {
    rows.iter()
        .map(|r| (r.attribute.clone(), r.type_name.clone(), filter.then_some(r.filter), required.then_some(r.required)))
        .collect()
}

/// Import a seed's table into a fresh project and print it back: the attribute rows come out
/// as they went in.
fn round_trip(prefix: &str, expected_resources: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let seed_file = seed(prefix);
    let dir = new_project(&tmp, "svc", &["--no-groups"]);
    scimgen()
        .args(["import", "--project"])
        .arg(&dir)
        .arg(&seed_file)
        .assert()
        .success()
        .stdout(contains("next: scimgen generate"));
    scimgen().args(["generate", "--project"]).arg(&dir).assert().success();
    scimgen().args(["check", "--project"]).arg(&dir).assert().success();
    let output = scimgen().args(["table", "--project"]).arg(&dir).assert().success().get_output().stdout.clone();
    let printed = parse_tables(&String::from_utf8(output).unwrap());
    let original = parse_tables(&read(&seed_file));
    assert_eq!(printed.len(), expected_resources.len());
    for (table, resource) in original.iter().zip(expected_resources) {
        let back = printed
            .iter()
            .find(|t| t.context.contains(&format!("{resource} attributes")))
            .unwrap_or_else(|| panic!("{prefix}: no {resource} table printed"));
        // A copied web page loses the check marks (seed 001): only attribute and type survive.
        let marks = table.rows.iter().any(|r| r.filter || r.required);
        assert_eq!(
            comparable(&back.rows, marks && table.has_filter_column, marks && table.has_required_column),
            comparable(&table.rows, marks && table.has_filter_column, marks && table.has_required_column),
            "{prefix} {resource}"
        );
        assert_eq!(back.required_by, table.required_by.clone().or(back.required_by.clone()));
    }
}

#[test]
fn seed_000_real_links_markdown_round_trips() {
    round_trip("000", &["User"]);
}

#[test]
fn seed_001_real_links_plain_text_round_trips() {
    round_trip("001", &["User"]);
}

#[test]
fn seed_003_alvao_users_and_groups_round_trip() {
    round_trip("003", &["User", "Group"]);
}

#[test]
fn seed_004_golinks_one_line_plain_text_round_trips() {
    round_trip("004", &["User"]);
}

#[test]
fn import_of_real_links_writes_the_vendor_schema_and_filters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "rl", &["--from-table", seed("000").to_str().unwrap(), "--no-groups"]);
    let schema: serde_json::Value = serde_json::from_str(&read(dir.join("schemas/real-links-user.json"))).unwrap();
    assert_eq!(schema["id"], "urn:ietf:params:scim:schemas:extension:real-links:2.0:User");
    let names: Vec<&str> =
        schema["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 11);
    assert_eq!(names[0], "firstName");
    let config = read(dir.join("scimgen.toml"));
    assert!(config.contains("name = \"Real Links\""), "{config}");
    assert!(config.contains("[system.resourceTypes.filter]\nuserName = [\"eq\"]"), "{config}");
    assert!(config.contains("required = [\n    \"userName\",\n    \"active\",\n]"), "{config}");
    assert!(!config.contains("name = \"Group\""));
    // The generated struct has the vendor attributes.
    let resources = read(dir.join("src/generated/resources.rs"));
    assert!(resources.contains("pub first_name: Option<String>"), "{resources}");
}

#[test]
fn reimport_adds_a_vendor_attribute_and_keeps_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("mapping.md");
    let mut text = "|Attribute|Type|Supported for filtering|Required by Acme|\n|---|---|---|---|\n|userName|String|&check;|&check;|\n|urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge|String|||\n".to_owned();
    std::fs::write(&table, &text).unwrap();
    let dir = new_project(&tmp, "acme", &["--from-table", table.to_str().unwrap()]);
    text.push_str("|urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter|Integer|&check;||\n");
    std::fs::write(&table, &text).unwrap();
    scimgen()
        .args(["import", "--project"])
        .arg(&dir)
        .arg(&table)
        .assert()
        .success()
        .stdout(contains("schemas/acme-user.json"));
    scimgen().args(["generate", "--check", "--project"]).arg(&dir).assert().failure().stderr(contains("stale"));
    scimgen().args(["generate", "--project"]).arg(&dir).assert().success();
    let schema = read(dir.join("schemas/acme-user.json"));
    assert!(
        schema.contains("\"badge\"") && schema.contains("\"costCenter\"") && schema.contains("\"integer\""),
        "{schema}"
    );
    let resources = read(dir.join("src/generated/resources.rs"));
    assert!(resources.contains("cost_center: Option<i64>"), "{resources}");
    scimgen()
        .args(["table", "--project"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(contains("|urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter|Integer|&check;||"));
    // The Group resource type (Entra ID's default group mapping) is still there.
    assert!(read(dir.join("scimgen.toml")).contains("name = \"Group\""));
}

#[test]
fn import_rejects_bad_rows_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(&tmp, "svc", &[]);
    let before = read(dir.join("scimgen.toml"));
    let table = tmp.path().join("bad.md");
    std::fs::write(&table, "|Attribute|Type|\n|---|---|\n|userName|Strng|\n|nickNam|String|\n").unwrap();
    let stderr = failure_is_actionable(scimgen().args(["import", "--project"]).arg(&dir).arg(&table).assert());
    assert!(stderr.contains("row 1") && stderr.contains("unknown type `Strng`"), "{stderr}");
    std::fs::write(&table, "|Attribute|Type|\n|---|---|\n|userName|String|\n|nickNam|String|\n").unwrap();
    let stderr = failure_is_actionable(scimgen().args(["import", "--project"]).arg(&dir).arg(&table).assert());
    assert!(stderr.contains("`nickNam`") && stderr.contains("nickName"), "{stderr}");
    assert_eq!(read(dir.join("scimgen.toml")), before, "a failed import changes nothing");
    let stderr = failure_is_actionable(
        scimgen().args(["import", "--project"]).arg(&dir).arg(tmp.path().join("missing.md")).assert(),
    );
    assert!(stderr.contains("missing.md") && stderr.contains("does not exist"), "{stderr}");
}

/// Issue 10 point 2: a table that lists only users gets Entra ID's default group mapping with
/// the runtime's group filter defaults (displayName and externalId, and members.value), not a
/// filter table of displayName alone, which made `GET /Groups?filter=externalId eq "..."` a 400.
#[test]
fn a_users_only_table_keeps_the_group_filter_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let table = seed("004");
    let dir = new_project(&tmp, "users-only", &["--from-table", table.to_str().unwrap()]);
    let config: toml::Table = read(dir.join("scimgen.toml")).parse().unwrap();
    let resource_types = config["system"]["resourceTypes"].as_array().unwrap();
    let group = resource_types.iter().find(|r| r["name"].as_str() == Some("Group")).expect("a Group resource type");
    assert!(group.get("filter").is_none(), "no filter table: the runtime's defaults apply: {group}");
    let printed = scimgen().arg("table").arg("--project").arg(&dir).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let printed = String::from_utf8(printed.stdout).unwrap();
    let groups = printed.split("Group attributes").nth(1).expect("a Group table");
    for row in ["|displayName|String|&check;|", "|externalId|String|&check;|", "|members|Reference|&check;|"] {
        assert!(groups.contains(row), "{row} in\n{groups}");
    }
}

/// `scimgen openapi` describes the example's resource types from its scimgen.toml: the mapped
/// attributes, the base path given, and the generated server's settings (group PATCH answers 204).
#[test]
fn openapi_describes_the_projects_server() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rfpio");
    let output = scimgen()
        .args(["openapi", "--base-path", "/rfpserver/scim/v2", "--project"])
        .arg(&root)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let document: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "/rfpserver/scim/v2");
    // RFPIO serves users only.
    assert!(document["paths"]["/Users/{id}"]["patch"].is_object());
    assert!(document["paths"].get("/Groups").is_none());
    let user = &document["components"]["schemas"]["UserRequest"];
    assert!(user["required"].as_array().unwrap().contains(&serde_json::json!("userName")), "{user}");

    scimgen()
        .args(["openapi", "--project", "/nonexistent-scimgen-project"])
        .assert()
        .failure()
        .stderr(contains("error:"));
}
