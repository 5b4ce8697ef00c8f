//! A filter on an extension attribute: the generator gives it a field of its own, after the
//! extension's field, whose `only` leaves it out; the derive accepts the pair (see
//! `scim/tests/typed_extension_field.rs` for the runtime side, and scimgen's e2e test for a
//! server filtering on it).

use std::path::Path;

use scim_codegen::{GenerateOptions, SystemDefinition, derive_scim_resource_in, generate};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn generated(attributes: Option<Vec<&str>>) -> String {
    let mut resource_type = serde_json::json!({
        "name": "User", "endpoint": "/Users", "schema": USER,
        "extensions": [{"schema": ENTERPRISE, "required": false}],
        "filter": {"userName": ["eq"], format!("{ENTERPRISE}:department"): ["eq"]}
    });
    if let Some(attributes) = attributes {
        resource_type["attributes"] = serde_json::json!(attributes);
    }
    let definition: SystemDefinition =
        serde_json::from_value(serde_json::json!({"resourceTypes": [resource_type]})).unwrap();
    generate(&definition, Path::new("."), &GenerateOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_split(source: &str) {
    let extension_field = source.find(&format!("path = \"{ENTERPRISE}\",")).expect("the extension field");
    let own_field = source.find(&format!("path = \"{ENTERPRISE}:department\",")).expect("department's own field");
    assert!(extension_field < own_field, "the extension's field comes first:\n{source}");
    let only = source[extension_field..own_field].lines().find(|l| l.trim_start().starts_with("only = ")).unwrap_or("");
    assert!(!only.is_empty() && !only.contains("department"), "`only` leaves department out:\n{source}");
    assert!(
        source[own_field..].starts_with(&format!("path = \"{ENTERPRISE}:department\",\n        filter = \"eq\"")),
        "{source}"
    );
    assert!(source.contains("pub department: Option<String>"), "{source}");
    // The derive accepts the generated struct: no compile_error! in its expansion.
    let file: syn::File = syn::parse_str(source).unwrap();
    for item in file.items {
        if let syn::Item::Struct(item) = item
            && item.attrs.iter().any(|a| a.path().is_ident("scim"))
        {
            let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
            let expansion = derive_scim_resource_in(quote::quote!(#item), manifest_dir).to_string();
            assert!(!expansion.contains("compile_error"), "{expansion}");
        }
    }
}

#[test]
fn a_whole_extension_with_a_filtered_attribute() {
    assert_split(&generated(None));
}

#[test]
fn listed_extension_attributes_with_a_filtered_one() {
    assert_split(&generated(Some(vec![
        "userName",
        &format!("{ENTERPRISE}:department"),
        &format!("{ENTERPRISE}:employeeNumber"),
    ])));
}
