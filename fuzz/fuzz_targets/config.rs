//! `scimgen.toml`: any text either parses or is an error naming the place; a parsed config
//! renders to text that parses to the same config, and generating its module either works
//! (twice the same) or fails with an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scimgen::config::{Project, parse_config, render_config};
use scimgen::generate::generated_files;

fuzz_target!(|input: &str| {
    let path = Path::new("scimgen.toml");
    let Ok(mut config) = parse_config(path, input) else { return };
    let rendered = render_config(&config).expect("a parsed config renders");
    match parse_config(path, &rendered) {
        Ok(reparsed) => assert_eq!(reparsed, config, "{rendered}"),
        Err(error) => panic!("a parsed config renders to text that does not parse: {error:?}\n{rendered}"),
    }
    // Schema files are read from disk; the fuzzer should not pick which files those are.
    config.system.schema_files.clear();
    let project = Project { root: "/nonexistent/scimgen-fuzz".into(), config };
    if let Ok(files) = generated_files(&project) {
        assert_eq!(generated_files(&project).ok(), Some(files), "generation is not deterministic");
    }
});
