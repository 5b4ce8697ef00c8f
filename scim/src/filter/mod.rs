//! Filters and attribute paths (RFC 7644 section 3.4.2.2): syntax trees, the lexer and
//! recursive-descent parser (shared by filters and PATCH paths), printing, resolution against a
//! schema, and the in-memory evaluator.

pub mod ast;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
