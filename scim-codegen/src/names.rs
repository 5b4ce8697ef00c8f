//! Rust names for SCIM names, sanitised with heck.
//!
//! Rules (documented for users of generated code):
//! - fields are snake_case (`userName` -> `user_name`, `x509Certificates` -> `x509_certificates`);
//! - `$ref` becomes `reference` and `type` becomes `kind` (as in `scim::schema::Attribute`);
//!   any other Rust keyword becomes a raw identifier (`r#match`);
//! - structs are UpperCamelCase; a complex attribute's struct is named after its owner and the
//!   singular of the attribute (`User` + `emails` -> `UserEmail`, `EnterpriseUser` + `manager` ->
//!   `EnterpriseUserManager`), so two resource types never clash.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Span;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// The snake_case field name for a SCIM attribute name.
pub fn field_name(scim_name: &str) -> String {
    let trimmed = scim_name.trim_start_matches('$');
    let snake = match trimmed {
        "ref" => "reference".to_owned(),
        "type" => "kind".to_owned(),
        other => other.to_snake_case(),
    };
    if snake.is_empty() { "value_".to_owned() } else { snake }
}

/// An identifier for a field name, raw when it is a keyword (`self` and friends cannot be raw,
/// so they get a trailing underscore).
pub fn ident(name: &str) -> syn::Ident {
    if matches!(name, "self" | "Self" | "super" | "crate") {
        syn::Ident::new(&format!("{name}_"), Span::call_site())
    } else if KEYWORDS.contains(&name) {
        syn::Ident::new_raw(name, Span::call_site())
    } else {
        syn::Ident::new(name, Span::call_site())
    }
}

/// The UpperCamelCase struct name for a SCIM name.
pub fn type_name(scim_name: &str) -> String {
    scim_name.trim_start_matches('$').to_upper_camel_case()
}

/// The singular of an English plural as SCIM names use them (`addresses`, `phoneNumbers`,
/// `entitlements`); names that do not look plural are kept.
pub fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies") {
        format!("{stem}y")
    } else if name.ends_with("sses") || name.ends_with("shes") || name.ends_with("ches") || name.ends_with("xes") {
        name[..name.len() - 2].to_owned()
    } else if name.ends_with('s') && !name.ends_with("ss") && name.len() > 1 {
        name[..name.len() - 1].to_owned()
    } else {
        name.to_owned()
    }
}

/// The struct name for an extension schema: its `name` (`EnterpriseUser`), else the URN's
/// segments after `extension:` without the version (`enterprise:2.0:User` -> `EnterpriseUser`).
pub fn extension_type_name(schema_name: Option<&str>, urn: &str) -> String {
    if let Some(name) = schema_name.filter(|n| !n.trim().is_empty()) {
        return type_name(name);
    }
    let tail = urn.rsplit_once(":extension:").map_or(urn, |(_, tail)| tail);
    let words: Vec<&str> = tail.split(':').filter(|s| !s.chars().next().is_some_and(|c| c.is_ascii_digit())).collect();
    type_name(&words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_the_documented_rules() {
        let cases = [
            ("userName", "user_name"),
            ("$ref", "reference"),
            ("type", "kind"),
            ("x509Certificates", "x509_certificates"),
            ("externalId", "external_id"),
            ("displayName", "display_name"),
        ];
        for (scim, rust) in cases {
            assert_eq!(field_name(scim), rust, "{scim}");
        }
        assert_eq!(ident("match").to_string(), "r#match");
        assert_eq!(ident("self").to_string(), "self_");
        assert_eq!(ident("user_name").to_string(), "user_name");
    }

    #[test]
    fn singulars_of_scim_plurals() {
        let cases = [
            ("emails", "emails", "email"),
            ("addresses", "addresses", "address"),
            ("phoneNumbers", "phoneNumbers", "phoneNumber"),
            ("entitlements", "entitlements", "entitlement"),
            ("x509Certificates", "x509Certificates", "x509Certificate"),
            ("name", "name", "name"),
            ("access", "access", "access"),
            ("policies", "policies", "policy"),
        ];
        for (label, plural, expected) in cases {
            assert_eq!(singular(plural), expected, "{label}");
        }
    }

    #[test]
    fn extension_struct_names() {
        assert_eq!(extension_type_name(Some("EnterpriseUser"), "urn:x"), "EnterpriseUser");
        assert_eq!(
            extension_type_name(None, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            "EnterpriseUser"
        );
        assert_eq!(
            extension_type_name(Some(" "), "urn:ietf:params:scim:schemas:extension:real-links:2.0:User"),
            "RealLinksUser"
        );
    }
}
