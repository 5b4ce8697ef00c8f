//! Schema files (RFC 7643 section 7 JSON, `schemas/*.json`): any text either loads or is
//! reported as problems; a loaded schema written out loads to the same schema, and binds to a
//! resource type as an extension (or is refused with a 4xx).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::schema::{ResourceSchema, SchemaExtension, builtin, loader::parse_schema};
use scimgen_fuzz::client_error_or;

fuzz_target!(|input: &str| {
    let Ok(schema) = parse_schema("fuzz.json", input) else { return };
    let written = serde_json::to_string(&schema).expect("a loaded schema serialises");
    match parse_schema("fuzz.json", &written) {
        Ok(reloaded) => assert_eq!(reloaded, schema, "{written}"),
        Err(errors) => panic!("a loaded schema written out does not load: {errors:?}\n{written}"),
    }
    let mut resource_type = builtin::user_resource_type(false);
    resource_type.schema_extensions.push(SchemaExtension { schema: schema.id.clone(), required: false });
    let schemas = [builtin::core_user(), std::sync::Arc::new(schema)];
    if let Some(bound) = client_error_or(ResourceSchema::new(resource_type, &schemas), &input) {
        for attribute in &schemas[1].attributes {
            let path = format!("{}:{}", schemas[1].id, attribute.name);
            if let Ok(path) = scim::filter::parse_path(&path) {
                client_error_or(bound.resolve(&path), &path);
            }
        }
    }
});
