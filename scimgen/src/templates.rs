//! The scaffolded project's files, from the handlebars templates in `templates/` (embedded, so
//! an installed scimgen works anywhere). No HTML escaping (the output is Rust and TOML), and
//! strict mode: a variable the template uses but the data lacks is an error, not an empty string.

use handlebars::Handlebars;
use serde::Serialize;

use crate::error::{CliError, CliResult};

/// (template name, text).
const TEMPLATES: [(&str, &str); 9] = [
    ("Cargo.toml", include_str!("../../templates/Cargo.toml.hbs")),
    ("main.rs", include_str!("../../templates/main.rs.hbs")),
    ("backend.rs", include_str!("../../templates/backend.rs.hbs")),
    ("generated_mod.rs", include_str!("../../templates/generated_mod.rs.hbs")),
    ("README.md", include_str!("../../templates/README.md.hbs")),
    ("gitignore", include_str!("../../templates/gitignore.hbs")),
    ("rustfmt.toml", include_str!("../../templates/rustfmt.toml.hbs")),
    // `scimgen new --backend typed` (see `crate::typed`).
    ("typed/backend.rs", include_str!("../../templates/typed/backend.rs.hbs")),
    ("typed/users.rs", include_str!("../../templates/typed/users.rs.hbs")),
];

fn registry() -> CliResult<Handlebars<'static>> {
    let mut handlebars = Handlebars::new();
    handlebars.register_escape_fn(handlebars::no_escape);
    handlebars.set_strict_mode(true);
    for (name, text) in TEMPLATES {
        handlebars
            .register_template_string(name, text)
            .map_err(|e| CliError::new(format!("internal error: template {name} does not parse: {e}")))?;
    }
    Ok(handlebars)
}

/// Render the template `name` with `data`.
pub fn render(name: &str, data: &impl Serialize) -> CliResult<String> {
    registry()?
        .render(name, data)
        .map_err(|e| CliError::new(format!("internal error: template {name} cannot be rendered: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        assert!(registry().is_ok());
    }

    #[test]
    fn a_missing_variable_is_an_error_not_an_empty_string() {
        let error = render("backend.rs", &serde_json::json!({})).map(|_| ()).err();
        // backend.rs uses no variables, so it renders; the README needs `name`.
        assert!(error.is_none());
        let error = render("README.md", &serde_json::json!({"groups": true})).unwrap_err();
        assert!(error.what.contains("README.md"), "{error}");
    }

    #[test]
    fn nothing_is_html_escaped() {
        let text = render("README.md", &serde_json::json!({"name": "a<b>&\"c\"", "groups": false})).unwrap();
        assert!(text.starts_with("# a<b>&\"c\"\n"), "{text}");
    }
}
