//! The typed view of a `#[derive(ScimResource)]` input: the resource options and each field's
//! mapping and Rust type, as written (nothing is checked against a schema yet).

use darling::FromDeriveInput;
use heck::ToLowerCamelCase;
use proc_macro2::Span;
use syn::spanned::Spanned as _;

use crate::attr::{FieldOpts, FilterArg, ResourceOpts};
use crate::diagnostics::Diagnostics;

/// A string from the input with the span to report problems at.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A struct deriving `ScimResource`.
#[derive(Debug)]
pub struct Resource {
    pub ident: syn::Ident,
    pub name: Option<Spanned<String>>,
    pub schema: Option<Spanned<String>>,
    /// Declared extensions with their `required` flag, in declaration order.
    pub extensions: Vec<(Spanned<String>, bool)>,
    pub schema_files: Vec<Spanned<String>>,
    pub endpoint: Option<Spanned<String>>,
    pub fields: Vec<Field>,
}

/// One named field.
#[derive(Debug)]
pub struct Field {
    pub ident: syn::Ident,
    pub ty: syn::Type,
    pub rust: RustType,
    /// `None` for `#[scim(skip)]`.
    pub path: Option<FieldPath>,
    pub filter: FilterChoice,
    pub filter_span: Span,
    pub only: Option<Spanned<Vec<String>>>,
    /// `default = <expr>`: the value when the (optional) attribute is absent.
    pub default: Option<syn::Expr>,
}

/// The SCIM path a field maps, as written (or derived from the field name).
#[derive(Debug, Clone)]
pub struct FieldPath {
    pub text: String,
    pub span: Span,
    /// Written by `#[scim(id)]` or derived from the field name rather than `path = "..."`.
    pub implicit: bool,
}

/// The field's filter flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterChoice {
    /// Nothing said: the runtime's built-in defaults decide.
    Default,
    /// `filter`
    Eq,
    /// `filter = "eq sw"`, keywords lower-cased.
    Ops(Vec<String>),
    /// `no_filter`
    None,
}

/// How a field's type holds its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplicity {
    /// `T`
    One,
    /// `Option<T>`
    Optional,
    /// `Vec<T>`
    Many,
    /// `Option<Vec<T>>`
    OptionalMany,
}

/// What a field's innermost type is, as far as its name tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leaf {
    String,
    Bool,
    Integer,
    Decimal,
    DateTime,
    Reference,
    Binary,
    /// `serde_json::Value`: fits anything.
    Json,
    /// Any other type (a complex struct, a newtype, an enum): its `ScimValue` impl decides.
    Other,
}

/// A field's Rust type, classified.
#[derive(Debug, Clone)]
pub struct RustType {
    pub multiplicity: Multiplicity,
    pub leaf: Leaf,
    /// The type as the user wrote it, compactly printed, for messages.
    pub written: String,
    /// The innermost type, compactly printed.
    pub leaf_written: String,
}

impl Resource {
    /// Parse the derive input; problems go to `diagnostics`, and `None` means nothing usable.
    pub fn from_input(input: &syn::DeriveInput, diagnostics: &mut Diagnostics) -> Option<Resource> {
        let opts = match ResourceOpts::from_derive_input(input) {
            Ok(opts) => opts,
            Err(error) => {
                diagnostics.push_darling(error);
                return None;
            }
        };
        if !opts.generics.params.is_empty() {
            diagnostics.error(
                opts.generics.span(),
                format!("`{}`: #[derive(ScimResource)] does not support generic structs", opts.ident),
            );
        }
        let spanned = |v: &darling::util::SpannedValue<String>| Spanned { value: (**v).clone(), span: v.span() };
        let mut extensions: Vec<(Spanned<String>, bool)> = opts.extension.iter().map(|e| (spanned(e), false)).collect();
        extensions.extend(opts.required_extension.iter().map(|e| (spanned(e), true)));
        let fields = match opts.data {
            darling::ast::Data::Struct(fields) => fields.fields,
            darling::ast::Data::Enum(_) => Vec::new(),
        };
        let fields = fields.into_iter().filter_map(|f| Field::from_opts(f, diagnostics)).collect();
        Some(Resource {
            ident: opts.ident,
            name: opts.resource.as_ref().map(spanned),
            schema: opts.schema.as_ref().map(spanned),
            extensions,
            schema_files: opts.schema_file.iter().map(spanned).collect(),
            endpoint: opts.endpoint.as_ref().map(spanned),
            fields,
        })
    }
}

impl Field {
    fn from_opts(opts: FieldOpts, diagnostics: &mut Diagnostics) -> Option<Field> {
        let ident = opts.ident?;
        let rust = RustType::classify(&opts.ty);
        if let Some(default) = &opts.default
            && opts.skip.is_present()
        {
            diagnostics.error(
                syn::spanned::Spanned::span(&default.0),
                format!(
                    "field `{ident}`: `default` is the value of an absent optional attribute; a `skip` field maps none \
                     (it reads as `Default::default()`)"
                ),
            );
        }
        if opts.skip.is_present() && (opts.path.is_some() || opts.id.is_present()) {
            diagnostics
                .error(opts.skip.span(), format!("field `{ident}`: `skip` cannot be combined with `path` or `id`"));
        }
        if opts.id.is_present()
            && let Some(path) = &opts.path
            && !path.eq_ignore_ascii_case("id")
        {
            diagnostics.error(
                path.span(),
                format!("field `{ident}`: #[scim(id)] maps `id`, so `path = \"{}\"` contradicts it", **path),
            );
        }
        let path = if opts.skip.is_present() {
            None
        } else if let Some(path) = &opts.path {
            Some(FieldPath { text: (**path).clone(), span: path.span(), implicit: false })
        } else if opts.id.is_present() {
            Some(FieldPath { text: "id".into(), span: opts.id.span(), implicit: true })
        } else {
            let name = ident.to_string();
            let name = name.strip_prefix("r#").unwrap_or(&name);
            Some(FieldPath { text: name.to_lower_camel_case(), span: ident.span(), implicit: true })
        };
        let (filter, filter_span) = match (&opts.filter, opts.no_filter.is_present()) {
            (Some(filter), true) => {
                diagnostics
                    .error(filter.span(), format!("field `{ident}`: `filter` and `no_filter` contradict each other"));
                (FilterChoice::None, filter.span())
            }
            (Some(filter), false) => {
                let choice = match &**filter {
                    FilterArg::Eq => FilterChoice::Eq,
                    FilterArg::Ops(ops) => FilterChoice::Ops(ops.iter().map(|o| o.to_ascii_lowercase()).collect()),
                };
                (choice, filter.span())
            }
            (None, true) => (FilterChoice::None, opts.no_filter.span()),
            (None, false) => (FilterChoice::Default, ident.span()),
        };
        let only = opts
            .only
            .as_ref()
            .map(|only| Spanned { value: only.split_whitespace().map(str::to_owned).collect(), span: only.span() });
        Some(Field { ident, ty: opts.ty, rust, path, filter, filter_span, only, default: opts.default.map(|d| d.0) })
    }

    /// Where to report a problem with the field's mapping: the path literal, else the field.
    pub fn span(&self) -> Span {
        self.path.as_ref().map_or(self.ident.span(), |p| p.span)
    }
}

impl RustType {
    /// Classify a type by the names in it: `Option<…>`, `Vec<…>`, and the innermost type's last
    /// path segment. Type aliases are not seen through; they classify as [`Leaf::Other`].
    pub fn classify(ty: &syn::Type) -> RustType {
        let written = compact(ty);
        let (multiplicity, leaf_ty) = match generic_argument(ty, "Option") {
            Some(inner) => match generic_argument(inner, "Vec") {
                Some(inner) => (Multiplicity::OptionalMany, inner),
                None => (Multiplicity::Optional, inner),
            },
            None => match generic_argument(ty, "Vec") {
                Some(inner) => (Multiplicity::Many, inner),
                None => (Multiplicity::One, ty),
            },
        };
        let leaf = match last_segment(leaf_ty).map(|s| s.ident.to_string()).as_deref() {
            Some("String" | "str") => Leaf::String,
            Some("bool") => Leaf::Bool,
            Some("i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize") => {
                Leaf::Integer
            }
            Some("f32" | "f64") => Leaf::Decimal,
            Some("OffsetDateTime" | "UtcDateTime") => Leaf::DateTime,
            Some("Reference") => Leaf::Reference,
            Some("Binary") => Leaf::Binary,
            Some("Value") => Leaf::Json,
            _ => Leaf::Other,
        };
        RustType { multiplicity, leaf, written, leaf_written: compact(leaf_ty) }
    }

    /// Whether the type holds a list.
    pub fn is_many(&self) -> bool {
        matches!(self.multiplicity, Multiplicity::Many | Multiplicity::OptionalMany)
    }

    /// Whether an absent value has a representation (`None`, an empty `Vec`). A plain type,
    /// `bool` included, reads an absent value as "required value missing".
    pub fn tolerates_absence(&self) -> bool {
        self.multiplicity != Multiplicity::One
    }
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        syn::Type::Reference(reference) => last_segment(&reference.elem),
        syn::Type::Group(group) => last_segment(&group.elem),
        syn::Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// `T` when `ty` is `wrapper<T>` (by the last path segment, so `std::option::Option<T>` too).
fn generic_argument<'t>(ty: &'t syn::Type, wrapper: &str) -> Option<&'t syn::Type> {
    let segment = last_segment(ty)?;
    if segment.ident != wrapper {
        return None;
    }
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(syn::GenericArgument::Type(inner)) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

/// A type printed without the token stream's spaces: `Option<Vec<String>>`.
pub fn compact(ty: &syn::Type) -> String {
    let text = quote::ToTokens::to_token_stream(ty).to_string();
    let mut out = String::with_capacity(text.len());
    for word in text.split(' ') {
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        if word == "," {
            out.push_str(", ");
        } else {
            if out.ends_with(is_word) && word.starts_with(is_word) {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}
