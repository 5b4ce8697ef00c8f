//! `#[derive(ScimResource)]`: maps a struct onto a SCIM resource type, checked against the
//! schemas at compile time. A thin shim; the work is in `scim_codegen` (so the CLI shares it).
//!
//! ```ignore
//! #[derive(scim_derive::ScimResource)]
//! #[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
//! struct Account {
//!     #[scim(id)]
//!     id: String,
//!     #[scim(path = "userName", filter)]
//!     login: String,
//!     #[scim(path = "emails[type eq \"work\"].value", filter = "eq sw")]
//!     email: Option<String>,
//!     #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
//!     department: Option<String>,
//! }
//! ```
//!
//! Struct options: `resource` (required), `schema` (defaults to the built-in URN for `User` and
//! `Group`), `extension` / `required_extension` (repeatable), `schema_file` (repeatable, relative
//! to `CARGO_MANIFEST_DIR`), `endpoint` (defaults to `/{resource}s`).
//! Field options: `id`, `path` (defaults to the field name in lowerCamelCase), `filter`,
//! `filter = "eq sw co"`, `no_filter`, `only` (for a whole complex attribute or
//! extension: the supported sub-paths), `skip`, and `default = <expr>`: a plain field (`enabled:
//! bool`) on an optional attribute takes this value when the attribute is absent
//! (`#[scim(path = "active", default = true)]`; on a `String` field a string literal will do).
//! Without it, an optional attribute needs an `Option<T>` (or `Vec<T>`) field.
//! The generated code names only `::scim` (and `core`/`std`), so `scim`, `scim-derive` and, for
//! complex attributes, `serde` are all an app depends on.

use proc_macro::TokenStream;

/// See the crate documentation.
#[proc_macro_derive(ScimResource, attributes(scim))]
pub fn derive_scim_resource(input: TokenStream) -> TokenStream {
    scim_codegen::derive_scim_resource(input.into()).into()
}
