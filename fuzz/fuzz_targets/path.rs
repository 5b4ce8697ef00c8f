//! PATCH paths and `attributes=` paths: any text either parses, prints and re-parses to the
//! same path, and resolves against each schema (its value filter against the attribute), or is
//! rejected with a 4xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::filter::{parse_attr_path, parse_path, parse_path_with_limits, resolve_value_filter};
use scimgen_fuzz::{GENEROUS, SCHEMAS, client_error_or};

fuzz_target!(|input: &str| {
    if let Some(path) = client_error_or(parse_attr_path(input), &input) {
        assert_eq!(path.filter, None, "{input:?}: an attribute path has no value filter");
        assert_eq!(parse_attr_path(&path.to_string()).as_ref(), Ok(&path), "{input:?} printed as {path}");
    }
    let Some(path) = client_error_or(parse_path(input), &input) else { return };
    let printed = path.to_string();
    assert_eq!(parse_path_with_limits(&printed, &GENEROUS).as_ref(), Ok(&path), "{input:?} printed as {printed:?}");
    for schema in SCHEMAS.iter() {
        let Some(resolved) = client_error_or(schema.resolve(&path), &input) else { continue };
        if let Some(filter) = &path.filter {
            client_error_or(resolve_value_filter(filter, resolved), &input);
        }
    }
});
