//! Filters and attribute paths (RFC 7644 section 3.4.2.2): syntax trees, the lexer and
//! recursive-descent parser (shared by filters and PATCH paths), printing, resolution against a
//! schema, and the in-memory evaluator.

/// The syntax trees, which live below both the filter and the schema modules (a schema resolves
/// paths; the filter module resolves against schemas).
pub use crate::syntax as ast;
mod display;
pub mod eval;
mod lexer;
mod parser;
pub mod resolve;

pub use ast::{AttrPath, CompValue, CompareOp, Filter};
pub use parser::{
    FilterLimits, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS, parse_attr_path, parse_filter,
    parse_filter_with_limits, parse_path, parse_path_with_limits,
};
pub use resolve::{Number, Operand, PathScope, ResolvedFilter, ResolvedPath, resolve_filter, resolve_value_filter};
