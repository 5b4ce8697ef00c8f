//! `#[derive(ScimResource)]`. Not built yet: see the "Generator engine and
//! #[derive(ScimResource)]" issue. This crate exports nothing until then.
