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
