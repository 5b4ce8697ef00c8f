//! Recursive-descent parser for filters and paths. (Placeholder until the parser lands.)

use super::ast::{AttrPath, Filter};
use crate::error::{ScimError, ScimResult};

/// Parse a filter (`filter=` query parameter or SearchRequest `filter`). Errors are `400 invalidFilter`.
pub fn parse_filter(_input: &str) -> ScimResult<Filter> {
    Err(ScimError::not_implemented("filter parsing is not built yet"))
}

/// Parse a PATCH `path` (may carry a value filter and a sub-attribute). Errors are `400 invalidPath`.
pub fn parse_path(_input: &str) -> ScimResult<AttrPath> {
    Err(ScimError::not_implemented("path parsing is not built yet"))
}

/// Parse a plain attribute path with no value filter (`sortBy`, `attributes`). Errors are `400 invalidPath`.
pub fn parse_attr_path(_input: &str) -> ScimResult<AttrPath> {
    Err(ScimError::not_implemented("path parsing is not built yet"))
}
