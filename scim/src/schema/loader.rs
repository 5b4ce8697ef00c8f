//! Loading and validating user schema files (vendor extensions): every problem is reported
//! with the file, the JSON path and what is wrong.
