//! The scimgen generator engine: from SCIM schemas to Rust.
//!
//! Two entry points share one code path:
//! - [`derive_scim_resource`] implements `#[derive(ScimResource)]` (the `scim-derive` crate is a
//!   shim over it): it checks a struct's `#[scim(...)]` mapping against the schemas at compile
//!   time and emits an `impl scim::typed::ScimResource`.
//! - [`generate`] turns a [`SystemDefinition`] (schema files plus resource types) into Rust
//!   source whose resource structs carry `#[derive(ScimResource)]`, so generated and hand-written
//!   resources are checked and expanded the same way.
//!
//! Structure (after serde_derive and thiserror): `attr` parses attributes with darling,
//! `ast` is the typed view of the input, `check` validates it against the schemas
//! accumulating errors at their spans, `restrict` cuts the schemas down to what is mapped, and
//! `expand` quotes the implementation (or a stub, when there were errors, so one mistake gives
//! one message); `query` adds the typed filter and sort enums a typed backend matches; `plan`
//! describes a generated type's fields and filter variants for `scimgen new --backend typed`.

// The modules are private: the public API is what the derive and the CLI call (below), so the
// internals can change without breaking either.
mod ast;
mod attr;
mod check;
mod diagnostics;
mod error;
mod expand;
mod generate;
mod names;
mod plan;
mod query;
mod restrict;
mod selection;
mod system;

use std::path::Path;

use proc_macro2::TokenStream;

pub use error::{GenerateError, GenerateProblem};
pub use generate::{GenerateOptions, HEADER, generate};
pub use names::type_name;
pub use plan::{Place, PlannedField, PlannedFilter, PlannedSort, Storage, TypedPlan, typed_plan};
pub use system::{ResourceTypeDefinition, SystemDefinition};

/// The runtime descriptor of each resource type [`generate`] makes for `definition` (its
/// schema files read relative to `definition_dir`), checked exactly as `#[derive(ScimResource)]`
/// checks the generated structs: what a generated server serves, without compiling it (for
/// `scimgen openapi`). The descriptors' texts are leaked (the runtime keeps `'static` specs),
/// so this is for one-shot tools, not a loop.
pub fn descriptors(
    definition: &SystemDefinition,
    definition_dir: &Path,
) -> Result<Vec<scim::typed::ResourceDescriptor>, GenerateError> {
    let options = GenerateOptions::default();
    let tokens = generate::generate_tokens(definition, definition_dir, &options)?;
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenerateError::new(format!("internal error: generated tokens do not parse: {e}")))?;
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let mut descriptors = Vec::new();
    for item in file.items {
        let syn::Item::Struct(item) = item else { continue };
        let derives_resource = item.attrs.iter().any(|attribute| {
            attribute.path().is_ident("derive") && quote::quote!(#attribute).to_string().contains("ScimResource")
        });
        if !derives_resource {
            continue;
        }
        let input = syn::DeriveInput::from(item);
        let mut diagnostics = diagnostics::Diagnostics::default();
        let resource = ast::Resource::from_input(&input, &mut diagnostics);
        let checked = resource.as_ref().and_then(|r| check::check(r, definition_dir, &mut diagnostics));
        let (Some(checked), true) = (checked, diagnostics.is_empty()) else {
            return Err(GenerateError::new(format!("the generated resource `{}` does not check", input.ident)));
        };
        let fields: Vec<scim::typed::FieldSpec> = checked
            .fields
            .iter()
            .zip(&input_fields(&input))
            .filter_map(|(mapped, name)| {
                let mapped = mapped.as_ref()?;
                let filter = match &mapped.filter {
                    ast::FilterChoice::Default => scim::typed::FilterFlag::Default,
                    ast::FilterChoice::Eq => scim::typed::FilterFlag::Eq,
                    ast::FilterChoice::Ops(ops) => scim::typed::FilterFlag::Ops(Box::leak(
                        ops.iter().map(|op| leak(op.clone())).collect::<Vec<_>>().into_boxed_slice(),
                    )),
                    ast::FilterChoice::None => scim::typed::FilterFlag::None,
                };
                Some(scim::typed::FieldSpec { rust_name: leak(name.clone()), path: leak(mapped.path.clone()), filter })
            })
            .collect();
        let schemas: Vec<&'static str> = checked.schemas_json.iter().map(|s| leak(s.clone())).collect();
        let spec: &'static scim::typed::DescriptorSpec = Box::leak(Box::new(scim::typed::DescriptorSpec {
            resource_type_json: leak(checked.resource_type_json.clone()),
            schemas_json: Box::leak(schemas.into_boxed_slice()),
            fields: Box::leak(fields.into_boxed_slice()),
        }));
        let descriptor = scim::typed::ResourceDescriptor::build(spec)
            .map_err(|error| GenerateError::new(format!("`{}`: {}", input.ident, error.detail)))?;
        descriptors.push(descriptor);
    }
    Ok(descriptors)
}

/// The names of a struct's fields, in order.
fn input_fields(input: &syn::DeriveInput) -> Vec<String> {
    match &input.data {
        syn::Data::Struct(data) => {
            data.fields.iter().map(|f| f.ident.as_ref().map(ToString::to_string).unwrap_or_default()).collect()
        }
        _ => Vec::new(),
    }
}

/// `#[derive(ScimResource)]`: schema files are found relative to `CARGO_MANIFEST_DIR`.
pub fn derive_scim_resource(input: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    derive_scim_resource_in(input, Path::new(&manifest_dir))
}

/// [`derive_scim_resource`] with an explicit directory for `schema_file` paths.
pub fn derive_scim_resource_in(input: TokenStream, manifest_dir: &Path) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut diagnostics = diagnostics::Diagnostics::default();
    let checked = ast::Resource::from_input(&input, &mut diagnostics)
        .and_then(|resource| check::check(&resource, manifest_dir, &mut diagnostics).map(|c| (resource, c)));
    match checked {
        Some((resource, checked)) if diagnostics.is_empty() => {
            let mut out = expand::expand(&resource, &checked);
            out.extend(query::expand_query(&input.vis, &resource, &checked));
            out
        }
        _ => {
            let mut out = diagnostics.to_compile_errors();
            out.extend(expand::stub(&input.ident));
            out.extend(query::stub(&input.ident));
            out
        }
    }
}
