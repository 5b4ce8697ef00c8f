//! The typed filter and sort of a resource (`AccountFilter`, `AccountSort`, the per-attribute
//! test enums) and its `impl scim::typed::Queryable`, generated from the filter support table
//! the runtime builds from the same descriptor (see `scim::typed::query`). Kept apart from
//! [`crate::expand`] so the two change independently.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use scim::filter::CompareOp;
use scim::schema::AttributeType;
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, FilterableAttribute, ResourceDescriptor};

use crate::ast::{FilterChoice, Resource};
use crate::check::Checked;

/// Leak a string for the `'static` spec the runtime's descriptor is built from: the derive runs
/// once per type in a short-lived compiler process, so this is a few hundred bytes per type.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

/// The runtime descriptor of a checked resource, built at expansion time exactly as the
/// generated `descriptor()` builds it at run time; `None` if it fails (the runtime reports it).
pub fn descriptor(resource: &Resource, checked: &Checked) -> Option<ResourceDescriptor> {
    let fields: Vec<FieldSpec> = checked
        .fields
        .iter()
        .zip(&resource.fields)
        .filter_map(|(mapped, field)| {
            let mapped = mapped.as_ref()?;
            let filter = match &mapped.filter {
                FilterChoice::Default => FilterFlag::Default,
                FilterChoice::Eq => FilterFlag::Eq,
                FilterChoice::Ops(ops) => {
                    FilterFlag::Ops(Box::leak(ops.iter().map(|op| leak(op)).collect::<Vec<_>>().into_boxed_slice()))
                }
                FilterChoice::None => FilterFlag::None,
            };
            Some(FieldSpec { rust_name: leak(&field.ident.to_string()), path: leak(&mapped.path), filter })
        })
        .collect();
    let spec = DescriptorSpec {
        resource_type_json: leak(&checked.resource_type_json),
        schemas_json: Box::leak(checked.schemas_json.iter().map(|s| leak(s)).collect::<Vec<_>>().into_boxed_slice()),
        fields: Box::leak(fields.into_boxed_slice()),
    };
    ResourceDescriptor::build(&spec).ok()
}

/// One operator of a test enum: its variant, `FilterOp` and, for comparisons, the literal.
pub fn operators(attribute: &FilterableAttribute) -> Vec<(&'static str, bool)> {
    let mut out: Vec<(&'static str, bool)> = attribute
        .operators
        .iter()
        .map(|op| {
            let name = match op {
                CompareOp::Eq => "Eq",
                CompareOp::Ne => "Ne",
                CompareOp::Co => "Co",
                CompareOp::Sw => "Sw",
                CompareOp::Ew => "Ew",
                CompareOp::Gt => "Gt",
                CompareOp::Ge => "Ge",
                CompareOp::Lt => "Lt",
                CompareOp::Le => "Le",
            };
            (name, true)
        })
        .collect();
    if attribute.presence {
        out.push(("Pr", false));
    }
    out
}

/// The Rust type of a literal and the `FilterLeaf` accessor that reads it.
fn literal(kind: AttributeType) -> (TokenStream, TokenStream) {
    match kind {
        AttributeType::Boolean => (quote!(bool), quote!(boolean)),
        AttributeType::Integer => (quote!(i64), quote!(integer)),
        AttributeType::Decimal => (quote!(f64), quote!(decimal)),
        AttributeType::DateTime => (quote!(::scim::typed::query::OffsetDateTime), quote!(date_time)),
        _ => (quote!(::std::string::String), quote!(text)),
    }
}

/// What a test variant's docs say about comparing (and, for a selector, which element).
fn comparison_doc(attribute: &FilterableAttribute) -> String {
    let compare = compare_doc(attribute);
    match &attribute.selector {
        Some(selector) => format!(
            "{compare} Stands for a value filter of exactly `[{}]` and this one test, in the path or the bracket \
             form: it tests the element the field maps.",
            selector.to_filter_text()
        ),
        None => compare,
    }
}

fn compare_doc(attribute: &FilterableAttribute) -> String {
    let kind = attribute.kind.as_str();
    match attribute.kind {
        AttributeType::String | AttributeType::Reference if !attribute.case_exact => format!(
            "`{}` ({kind}, caseExact false): the literal is already lower-cased (`str::to_lowercase`); compare \
             case-insensitively.",
            attribute.path
        ),
        AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
            format!("`{}` ({kind}, caseExact): compare exactly.", attribute.path)
        }
        _ => format!("`{}` ({kind}).", attribute.path),
    }
}

/// The names of one typed filter variant: `UserName` and its test enum `AccountUserNameTest`,
/// for the filterable attribute `index` of the filter support table.
pub struct VariantName {
    pub index: usize,
    pub variant: String,
    pub test: String,
}

/// The typed filter variants of type `ident`, in table order: what [`expand_query`] emits and
/// what `scimgen new --backend typed` scaffolds a backend against (so both use these names).
/// A selector path's values name its element: `emails[type eq "work"].value` is `EmailsWorkValue`.
pub fn variant_names(ident: &str, support: &scim::typed::FilterSupport) -> Vec<VariantName> {
    let mut names: Vec<VariantName> = Vec::new();
    for (index, attribute) in support.attributes().iter().enumerate() {
        let mut variant = attribute.attribute.to_upper_camel_case();
        for term in attribute.selector.iter().flat_map(|selector| &selector.terms) {
            let value = term.value.as_str().map_or_else(|| term.value.to_string(), str::to_owned);
            variant.push_str(&value.to_upper_camel_case());
        }
        if let Some(sub) = &attribute.sub_attribute {
            variant.push_str(&sub.to_upper_camel_case());
        }
        if names.iter().any(|n| n.variant == variant) {
            variant.push_str(&index.to_string());
        }
        let test = format!("{ident}{variant}Test");
        names.push(VariantName { index, variant, test });
    }
    names
}

/// The filter and sort enums and `impl Queryable` for a resource that passed every check.
pub fn expand_query(vis: &syn::Visibility, resource: &Resource, checked: &Checked) -> TokenStream {
    let Some(descriptor) = descriptor(resource, checked) else { return TokenStream::new() };
    let ident = &resource.ident;
    let filter_ident = format_ident!("{}Filter", ident);
    let sort_ident = format_ident!("{}Sort", ident);
    let support = descriptor.filter_support();

    let mut variants = Vec::new();
    let mut tests = Vec::new();
    let mut leaf_arms = Vec::new();
    let mut sort_variants = Vec::new();
    let mut sort_arms = Vec::new();
    for named in variant_names(&ident.to_string(), support) {
        let (index, attribute) = (named.index, &support.attributes()[named.index]);
        let variant = format_ident!("{}", named.variant);
        let test = format_ident!("{}", named.test);
        let doc = comparison_doc(attribute);
        let (literal_type, accessor) = literal(attribute.kind);
        let mut test_variants = Vec::new();
        for (op, has_literal) in operators(attribute) {
            let op_ident = format_ident!("{}", op);
            if has_literal {
                let op_doc = format!("`{} {} value`.", attribute.path, op.to_ascii_lowercase());
                test_variants.push(quote! { #[doc = #op_doc] #op_ident(#literal_type) });
                leaf_arms.push(quote! {
                    (#index, ::scim::typed::FilterOp::#op_ident) => #filter_ident::#variant(#test::#op_ident(leaf.#accessor()?))
                });
            } else {
                let op_doc = format!("`{} pr`: has a value.", attribute.path);
                test_variants.push(quote! { #[doc = #op_doc] Pr });
                leaf_arms.push(quote! {
                    (#index, ::scim::typed::FilterOp::Pr) => #filter_ident::#variant(#test::Pr)
                });
            }
        }
        let test_doc = format!("The tests of {doc}");
        tests.push(quote! {
            #[doc = #test_doc]
            #[derive(Debug, Clone, PartialEq)]
            #vis enum #test { #(#test_variants),* }
        });
        variants.push(quote! { #[doc = #doc] #variant(#test) });
        if support.is_sortable(index) {
            let sort_doc = format!("`{}`.", attribute.path);
            sort_variants.push(quote! { #[doc = #sort_doc] #variant });
            sort_arms.push(quote! { #index => #sort_ident::#variant });
        }
    }
    let filter_doc = format!(
        "A filter on `{ident}`, one variant per filterable attribute (generated by `#[derive(ScimResource)]`; see \
         `scim::typed::query`)."
    );
    let sort_doc = format!("The attributes `{ident}` lists can be sorted by in a typed backend.");
    quote! {
        #[doc = #filter_doc]
        #[derive(Debug, Clone, PartialEq)]
        #vis enum #filter_ident {
            #(#variants,)*
            /// Both hold.
            And(::std::boxed::Box<#filter_ident>, ::std::boxed::Box<#filter_ident>),
            /// Either holds.
            Or(::std::boxed::Box<#filter_ident>, ::std::boxed::Box<#filter_ident>),
            /// It does not hold.
            Not(::std::boxed::Box<#filter_ident>),
        }
        #(#tests)*
        #[doc = #sort_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #vis enum #sort_ident { #(#sort_variants),* }

        impl ::scim::typed::Queryable for #ident {
            type Filter = #filter_ident;
            type Sort = #sort_ident;

            #[allow(unreachable_code, unused_variables)]
            fn filter_leaf(leaf: ::scim::typed::FilterLeaf<'_>) -> ::core::option::Option<#filter_ident> {
                ::core::option::Option::Some(match (leaf.attribute, leaf.op) {
                    #(#leaf_arms,)*
                    _ => return ::core::option::Option::None,
                })
            }

            fn filter_and(a: #filter_ident, b: #filter_ident) -> #filter_ident {
                #filter_ident::And(::std::boxed::Box::new(a), ::std::boxed::Box::new(b))
            }

            fn filter_or(a: #filter_ident, b: #filter_ident) -> #filter_ident {
                #filter_ident::Or(::std::boxed::Box::new(a), ::std::boxed::Box::new(b))
            }

            fn filter_not(a: #filter_ident) -> #filter_ident {
                #filter_ident::Not(::std::boxed::Box::new(a))
            }

            #[allow(unreachable_code)]
            fn sort(attribute: usize) -> ::core::option::Option<#sort_ident> {
                ::core::option::Option::Some(match attribute {
                    #(#sort_arms,)*
                    _ => return ::core::option::Option::None,
                })
            }
        }
    }
}

/// Beside [`crate::expand::stub`] when a check failed: an implementation whose bodies never run,
/// so code using the type as a typed backend's resource does not add a cascade of errors.
pub fn stub(ident: &syn::Ident) -> TokenStream {
    let message = format!("#[derive(ScimResource)] on `{ident}` reported errors");
    quote! {
        impl ::scim::typed::Queryable for #ident {
            type Filter = ();
            type Sort = ();
            fn filter_leaf(_: ::scim::typed::FilterLeaf<'_>) -> ::core::option::Option<()> { ::core::unreachable!(#message) }
            fn filter_and(_: (), _: ()) {}
            fn filter_or(_: (), _: ()) {}
            fn filter_not(_: ()) {}
            fn sort(_: usize) -> ::core::option::Option<()> { ::core::unreachable!(#message) }
        }
    }
}
