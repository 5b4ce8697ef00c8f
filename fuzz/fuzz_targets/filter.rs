//! `?filter=`: any text either parses, prints and re-parses to the same tree, and resolves
//! against each schema (or is rejected with a 4xx), and a resolved filter evaluates against
//! stored resources without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::filter::{parse_filter, parse_filter_with_limits, resolve_filter};
use scimgen_fuzz::{GENEROUS, RESOURCES, SCHEMAS, client_error_or};

fuzz_target!(|input: &str| {
    let Some(filter) = client_error_or(parse_filter(input), &input) else { return };
    let printed = filter.to_string();
    assert_eq!(parse_filter_with_limits(&printed, &GENEROUS).as_ref(), Ok(&filter), "{input:?} printed as {printed:?}");
    for schema in SCHEMAS.iter() {
        if let Some(resolved) = client_error_or(resolve_filter(&filter, schema), &input) {
            for resource in RESOURCES.iter() {
                resolved.matches(resource);
            }
        }
    }
});
