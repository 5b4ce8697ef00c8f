//! The HTTP layer: an axum router serving SCIM 2.0 (RFC 7644) over the runtime.

pub mod audit;
pub mod auth;
pub mod body;
pub mod discovery;
pub mod response;
