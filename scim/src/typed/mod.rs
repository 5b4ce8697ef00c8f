//! Typed resources: Rust structs mapped onto SCIM attributes (issue 3).
//!
//! `#[derive(ScimResource)]` (crate `scim-derive`) and the `scimgen` generator expand to an
//! implementation of [`ScimResource`] that is deliberately thin: a [`DescriptorSpec`] of
//! constants (the resource type, the schemas restricted to the mapped attributes, and one
//! [`FieldSpec`] per field), and `to_scim`/`from_scim` bodies that call
//! [`FieldAccessor::put`] and [`FieldAccessor::take`] once per field. Everything with logic
//! lives here, tested once:
//!
//! - [`ResourceDescriptor`]: built once per type from the spec; paths are parsed and resolved
//!   at build time, so `put`/`take` do no parsing or schema lookups per request.
//! - [`FieldAccessor`]: the path forms a field may map, including selector paths such as
//!   `emails[type eq "work"].value` (see [`accessor`]).
//! - [`ScimValue`]: Rust value <-> SCIM JSON value conversions (see [`value`]).
//! - [`FilterSupport`]: which filters a typed resource (and so its store) supports (see
//!   [`filter_support`]).
//! - [`Queryable`]: the generated typed filter and sort enums (see [`query`]), which a typed
//!   backend (`backend::Backend`, feature `server`) matches.

pub mod accessor;
#[cfg(feature = "server")]
pub mod backend;
mod descriptor;
pub mod filter_support;
pub mod query;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod sql;
pub mod value;

#[doc(hidden)]
pub use serde_json::Value as JsonValue;

pub use accessor::{FieldAccessor, Selector, SelectorTerm};
pub use descriptor::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor};
pub use filter_support::{FilterSupport, FilterableAttribute};
pub use query::{FilterLeaf, FilterOp, Queryable};
pub use value::{Binary, MultiValue, Reference, ScimValue, as_scim_value};
#[doc(hidden)]
pub use value::{serde_from_scim_value, serde_to_scim_value};

use crate::error::ScimResult;

/// A Rust type served as a SCIM resource. Implemented by `#[derive(ScimResource)]` and by the
/// generator; see the module docs.
pub trait ScimResource: Sized + Send + Sync + 'static {
    /// The type's descriptor, built once (a `LazyLock` in generated code) and consulted per
    /// request.
    fn descriptor() -> &'static ResourceDescriptor;
    /// The resource's id, if it has one yet.
    fn id(&self) -> Option<String>;
    /// The canonical SCIM JSON representation.
    fn to_scim(&self) -> serde_json::Value;
    /// From a canonical, validated representation. Errors are `400 invalidValue` naming the
    /// SCIM path and the Rust field.
    fn from_scim(resource: &serde_json::Value) -> ScimResult<Self>;
}
