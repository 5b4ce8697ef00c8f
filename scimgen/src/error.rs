//! Errors the CLI reports: what went wrong, where, and what to do about it. Every failure ends
//! up here and is printed by `main` as `error: ...` with a non-zero exit, never as a panic or a
//! bare `Os { code: 2 }`.

use std::fmt;
use std::path::Path;

/// One actionable failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// What went wrong, including where (file, JSON or TOML path).
    pub what: String,
    /// Further problems of the same run (e.g. every problem in a schema file), one per line.
    pub details: Vec<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(what: impl Into<String>) -> Self {
        CliError { what: what.into(), details: Vec::new(), hint: None }
    }

    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(details);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O failure on `path`, phrased for humans (`No such file or directory`, not `Os { code: 2 }`).
    pub fn io(action: &str, path: &Path, error: &std::io::Error) -> Self {
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            std::io::ErrorKind::AlreadyExists => "it already exists".to_owned(),
            std::io::ErrorKind::IsADirectory => "it is a directory, not a file".to_owned(),
            std::io::ErrorKind::NotADirectory => "it is a file, not a directory".to_owned(),
            _ => error.to_string(),
        };
        CliError::new(format!("cannot {action} {}: {reason}", path.display()))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        for detail in &self.details {
            write!(f, "\n  {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

pub type CliResult<T> = Result<T, CliError>;

/// Read a file as text, with an actionable error.
pub fn read_text(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|e| CliError::io("read", path, &e))
}

/// Write a file, creating its directory, with an actionable error.
pub fn write_text(path: &Path, text: &str) -> CliResult<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| CliError::io("create directory", parent, &e))?;
    }
    std::fs::write(path, text).map_err(|e| CliError::io("write", path, &e))
}
