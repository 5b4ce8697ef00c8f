//! The generator engine (schema JSON to Rust tokens). Not built yet: see the
//! "Generator engine and #[derive(ScimResource)]" issue. Nothing here is advertised as working.
