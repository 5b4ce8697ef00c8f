//! `#[scim(...)]` attribute parsing with darling: the raw options as written, with spans, before
//! anything is checked against a schema.

use darling::util::{Flag, SpannedValue};
use darling::{FromDeriveInput, FromField, FromMeta};

/// The struct-level `#[scim(...)]` options.
#[derive(Debug, FromDeriveInput)]
#[darling(attributes(scim), supports(struct_named))]
pub struct ResourceOpts {
    pub ident: syn::Ident,
    pub generics: syn::Generics,
    pub data: darling::ast::Data<darling::util::Ignored, FieldOpts>,
    /// The resource type name, e.g. `User`.
    pub resource: Option<SpannedValue<String>>,
    /// The core schema URN; defaults to the built-in one for `User` and `Group`.
    pub schema: Option<SpannedValue<String>>,
    /// Optional extension schema URNs (repeatable).
    #[darling(multiple)]
    pub extension: Vec<SpannedValue<String>>,
    /// Extension schema URNs every resource must carry (repeatable).
    #[darling(multiple)]
    pub required_extension: Vec<SpannedValue<String>>,
    /// Schema files relative to `CARGO_MANIFEST_DIR` (repeatable).
    #[darling(multiple)]
    pub schema_file: Vec<SpannedValue<String>>,
    /// The endpoint; defaults to `/{resource}s`.
    pub endpoint: Option<SpannedValue<String>>,
}

/// The field-level `#[scim(...)]` options.
#[derive(Debug, FromField)]
#[darling(attributes(scim))]
pub struct FieldOpts {
    pub ident: Option<syn::Ident>,
    pub ty: syn::Type,
    /// Shorthand for `path = "id"`.
    pub id: Flag,
    /// The SCIM path; defaults to the field name in lowerCamelCase.
    pub path: Option<SpannedValue<String>>,
    /// `filter` (eq) or `filter = "eq sw co"`.
    pub filter: Option<SpannedValue<FilterArg>>,
    /// Not filterable, whatever the built-in defaults say.
    pub no_filter: Flag,
    /// For a whole complex attribute or extension: the sub-paths actually supported,
    /// whitespace-separated (`only = "givenName familyName"`). Others are not advertised.
    pub only: Option<SpannedValue<String>>,
    /// Not mapped: left at `Default::default()` when read from SCIM, never written.
    pub skip: Flag,
    /// The value a plain field takes when its optional attribute is absent
    /// (`#[scim(path = "active", default = true)]`).
    pub default: Option<DefaultValue>,
}

/// The expression of `default = ...`, exactly as written. (darling's own `syn::Expr` reading
/// would parse a string literal's contents as code; here `"x"` stays the string.)
#[derive(Debug, Clone)]
pub struct DefaultValue(pub syn::Expr);

impl FromMeta for DefaultValue {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        Ok(DefaultValue(expr.clone()))
    }
}

/// The value of `filter`: the bare word means `eq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterArg {
    /// `filter`
    Eq,
    /// `filter = "eq sw co"`: the operator keywords as written.
    Ops(Vec<String>),
}

impl FromMeta for FilterArg {
    fn from_word() -> darling::Result<Self> {
        Ok(FilterArg::Eq)
    }

    fn from_string(value: &str) -> darling::Result<Self> {
        let ops: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
        if ops.is_empty() {
            return Err(darling::Error::custom(
                "`filter = \"\"` names no operator; write `filter` for eq, `filter = \"eq sw\"`, or `no_filter`",
            ));
        }
        Ok(FilterArg::Ops(ops))
    }
}
