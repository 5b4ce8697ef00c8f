//! The vendor table importer (`scimgen new --from-table`, `scimgen import`): any Markdown is
//! parsed into tables; a parsed table rendered back parses to the same table; importing either
//! fails with an error or yields a config that renders and re-parses, and schema files that
//! load.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scim::schema::loader::parse_schema;
use scim_codegen::SystemDefinition;
use scimgen::config::{ProjectConfig, ProjectSection, parse_config, render_config};
use scimgen::mapping::{ImportOptions, import_tables};
use scimgen::table::{parse_tables, render_markdown, system_name};

fuzz_target!(|input: &str| {
    let tables = parse_tables(input);
    for table in &tables {
        let rendered = render_markdown("Attribute mapping", table);
        let reparsed = parse_tables(&rendered);
        assert_eq!(reparsed.len(), 1, "{input:?} rendered as {rendered:?}");
        assert_eq!(reparsed[0].rows, table.rows, "{input:?} rendered as {rendered:?}");
    }
    let mut config = ProjectConfig {
        project: ProjectSection { name: "fuzz-scim".to_owned(), output: "src/generated".to_owned() },
        system: SystemDefinition {
            name: Some("fuzz-scim".to_owned()),
            description: None,
            schema_files: Vec::new(),
            resource_types: Vec::new(),
        },
        server: Default::default(),
        table: Default::default(),
    };
    let root = Path::new("/nonexistent/scimgen-fuzz");
    for default_groups in [false, true] {
        let options = ImportOptions { default_groups };
        let Ok((_report, writes)) =
            import_tables(&mut config.clone(), root, &tables, "fuzz.md", system_name(input), options)
        else {
            continue;
        };
        for (path, text) in &writes {
            if let Err(errors) = parse_schema(&path.display().to_string(), text) {
                panic!("the importer wrote {} that does not load: {errors:?}\n{text}", path.display());
            }
        }
    }
    if import_tables(&mut config, root, &tables, "fuzz.md", system_name(input), ImportOptions { default_groups: true })
        .is_ok()
    {
        let rendered = render_config(&config).expect("an imported config renders");
        match parse_config(Path::new("scimgen.toml"), &rendered) {
            Ok(reparsed) => assert_eq!(reparsed, config, "{rendered}"),
            Err(error) => panic!("an imported config renders to text that does not parse: {error:?}\n{rendered}"),
        }
    }
});
