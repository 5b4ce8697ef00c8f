//! The scimgen runtime: everything a SCIM 2.0 service provider needs that does not depend on
//! HTTP or storage.
//!
//! - [`schema`]: the RFC 7643 schema model, the built-in schemas, loading vendor extensions,
//!   and [`schema::ResourceSchema`], against which paths and filters resolve.
//! - [`filter`]: the filter and path grammar of RFC 7644 section 3.4.2.2, and an evaluator.
//! - [`error`]: [`ScimError`], the RFC 7644 section 3.12 error.

pub mod error;
pub mod filter;
pub mod schema;

pub use error::{ScimError, ScimResult, ScimType};
