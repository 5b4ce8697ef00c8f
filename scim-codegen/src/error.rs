//! [`GenerateError`]: what is wrong with a system definition, each problem located; shared by
//! the definition's loader (`system`) and the generator (`generate`), below both.

use std::fmt;

/// Everything wrong with a definition (never empty), each problem located, so a caller (`scimgen
/// check`) can point into its own file without resolving the paths again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateError {
    pub problems: Vec<GenerateProblem>,
}

/// One problem: in which file, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateProblem {
    /// The schema file the problem is in, as the definition names it; `None`: the definition.
    pub file: Option<String>,
    /// The JSON path of the offending value: into the definition (`resourceTypes[0].attributes[2]`,
    /// `resourceTypes[1].filter."emails.value"`), or into the schema file (`$.attributes[3].type`).
    pub path: String,
    /// The resource type the problem belongs to, when it belongs to one.
    pub resource_type: Option<String>,
    /// What is wrong, and where possible what would be right.
    pub message: String,
}

impl GenerateError {
    /// A problem of the definition as a whole (at `$`), such as one that cannot be read.
    pub fn new(problem: impl Into<String>) -> Self {
        GenerateError {
            problems: vec![GenerateProblem {
                file: None,
                path: "$".into(),
                resource_type: None,
                message: problem.into(),
            }],
        }
    }
}

impl fmt::Display for GenerateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        f.write_str(&self.path)?;
        if let Some(resource_type) = &self.resource_type {
            write!(f, " (resource type {resource_type})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GenerateError {}
