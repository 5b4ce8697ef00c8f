//! Filters and attribute paths (RFC 7644 section 3.4.2.2): syntax trees, the lexer and
//! recursive-descent parser (shared by filters and PATCH paths), printing, resolution against a
//! schema, and the in-memory evaluator.

pub mod ast;
mod display;
pub mod eval;
mod lexer;
mod parser;
pub mod resolve;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use parser::{parse_attr_path, parse_filter, parse_path};
pub use resolve::{Number, Operand, PathScope, ResolvedFilter, ResolvedPath, resolve_filter, resolve_value_filter};
