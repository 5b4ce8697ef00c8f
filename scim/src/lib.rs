//! The scimgen runtime: everything a SCIM 2.0 service provider needs that does not depend on
//! HTTP or storage.
//!
//! - [`schema`]: the RFC 7643 schema model, the built-in schemas, loading vendor extensions,
//!   and [`schema::ResourceSchema`], against which paths and filters resolve.
//! - [`filter`]: the filter and path grammar of RFC 7644 section 3.4.2.2, and an evaluator.
//! - [`patch`]: the PATCH engine of RFC 7644 section 3.5.2, with Entra ID and Okta quirks.
//! - [`value`]: checking and coercing one attribute value against its definition.
//! - [`resource`]: the JSON representation of a resource and request-side validation.
//! - [`query`]: list query parameters and SearchRequest.
//! - [`projection`]: `attributes` / `excludedAttributes` with `returned` honoured.
//! - [`plain`]: serving a stored document's text without re-serialising it.
//! - [`message`]: ListResponse and the other RFC 7644 messages.
//! - [`server`] (feature `server`, on by default): the axum HTTP layer; `server::launch` (feature
//!   `launch`) starts a server made by `scimgen new` from its command line.
//! - [`typed`]: Rust structs mapped onto SCIM resources (what `#[derive(ScimResource)]` expands to).
//! - [`store`]: the [`store::Store`] trait, an in-memory store and the SQLite store.
//! - [`error`]: [`ScimError`], the RFC 7644 section 3.12 error.
//! - `testkit` (feature `testkit`): the store contract, to run against your own backend.

pub mod cursor;
pub mod error;
pub mod filter;
pub mod message;
pub mod patch;
pub mod plain;
pub mod projection;
pub mod query;
pub mod resource;
pub mod schema;
#[cfg(feature = "server")]
pub mod server;
pub mod store;
pub mod syntax;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod typed;
pub mod value;
pub mod version;

pub use error::{ScimError, ScimResult, ScimType};
