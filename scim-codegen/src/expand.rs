//! The `impl ScimResource` tokens: exactly the shape agreed in the typed contract. The logic is
//! in `scim::typed`; this only states the descriptor and moves each field through it.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;

use crate::ast::{FilterChoice, Leaf, Resource};
use crate::check::{Checked, MappedField};

/// The implementation for a resource that passed every check.
pub fn expand(resource: &Resource, checked: &Checked) -> TokenStream {
    let ident = &resource.ident;
    let name = ident.to_string();
    let resource_type_json = &checked.resource_type_json;
    let schemas_json = &checked.schemas_json;
    let specs = checked.fields.iter().zip(&resource.fields).filter_map(|(mapped, field)| {
        let mapped = mapped.as_ref()?;
        Some(field_spec(&field.ident.to_string(), mapped))
    });
    let tracked = &checked.tracked_files;
    let expect = format!(
        "the SCIM descriptor of `{name}` was checked when #[derive(ScimResource)] expanded; building it cannot fail"
    );

    let mut puts = Vec::new();
    let mut takes = Vec::new();
    let mut index = 0usize;
    for (mapped, field) in checked.fields.iter().zip(&resource.fields) {
        let field_ident = &field.ident;
        if mapped.is_some() {
            puts.push(quote! {
                descriptor.field(#index).put(&mut object, ::scim::typed::ScimValue::to_scim_value(&self.#field_ident));
            });
            takes.push(match &field.default {
                Some(default) => {
                    let ty = &field.ty;
                    let value = default_value(default, &field.rust.leaf);
                    // Spanned at the expression, so a default of the wrong type is reported there.
                    quote_spanned! {default.span()=>
                        #field_ident: descriptor.field(#index).take_or_else(resource, || -> #ty { #value })?
                    }
                }
                None => quote! { #field_ident: descriptor.field(#index).take(resource)? },
            });
            index += 1;
        } else {
            takes.push(quote! { #field_ident: ::core::default::Default::default() });
        }
    }
    let id_body = match checked.id_field.and_then(|i| mapped_ident(resource, checked, i)) {
        Some(id) => quote! {
            match ::scim::typed::ScimValue::to_scim_value(&self.#id) {
                ::core::option::Option::Some(::scim::typed::JsonValue::String(id)) => ::core::option::Option::Some(id),
                _ => ::core::option::Option::None,
            }
        },
        None => quote! { ::core::option::Option::None },
    };

    quote! {
        impl ::scim::typed::ScimResource for #ident {
            fn descriptor() -> &'static ::scim::typed::ResourceDescriptor {
                #( const _: &[u8] = ::core::include_bytes!(#tracked); )*
                static SPEC: ::scim::typed::DescriptorSpec = ::scim::typed::DescriptorSpec {
                    resource_type_json: #resource_type_json,
                    schemas_json: &[#(#schemas_json),*],
                    fields: &[#(#specs),*],
                };
                static DESCRIPTOR: ::std::sync::LazyLock<::scim::typed::ResourceDescriptor> =
                    ::std::sync::LazyLock::new(|| {
                        ::scim::typed::ResourceDescriptor::build(&SPEC).expect(#expect)
                    });
                &DESCRIPTOR
            }

            fn id(&self) -> ::core::option::Option<::std::string::String> {
                #id_body
            }

            fn to_scim(&self) -> ::scim::typed::JsonValue {
                let descriptor = <Self as ::scim::typed::ScimResource>::descriptor();
                let mut object = descriptor.new_object();
                #(#puts)*
                descriptor.finish(object)
            }

            fn from_scim(resource: &::scim::typed::JsonValue) -> ::scim::ScimResult<Self> {
                let descriptor = <Self as ::scim::typed::ScimResource>::descriptor();
                ::core::result::Result::Ok(Self { #(#takes),* })
            }
        }
    }
}

/// A `default = ...` expression as the field's value: on a `String` field a string literal
/// becomes a `String` (so `default = ""` works); anything else must already have the field's
/// type, so a mismatch is a plain "expected `bool`, found `&str`" at the expression.
fn default_value(default: &syn::Expr, leaf: &Leaf) -> TokenStream {
    match default {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }) if *leaf == Leaf::String => {
            quote_spanned!(default.span()=> ::std::string::String::from(#default))
        }
        _ => quote!(#default),
    }
}

/// The ident of the `index`th mapped field.
fn mapped_ident<'r>(resource: &'r Resource, checked: &Checked, index: usize) -> Option<&'r syn::Ident> {
    checked.fields.iter().zip(&resource.fields).filter(|(m, _)| m.is_some()).nth(index).map(|(_, f)| &f.ident)
}

fn field_spec(rust_name: &str, mapped: &MappedField) -> TokenStream {
    let path = &mapped.path;
    let filter = match &mapped.filter {
        FilterChoice::Default => quote!(::scim::typed::FilterFlag::Default),
        FilterChoice::Eq => quote!(::scim::typed::FilterFlag::Eq),
        FilterChoice::Ops(ops) => quote!(::scim::typed::FilterFlag::Ops(&[#(#ops),*])),
        FilterChoice::None => quote!(::scim::typed::FilterFlag::None),
    };
    quote! {
        ::scim::typed::FieldSpec { rust_name: #rust_name, path: #path, filter: #filter }
    }
}

/// What is emitted next to the errors when a check fails: an implementation whose bodies never
/// run, so code using the type does not add a cascade of "trait not implemented" errors.
pub fn stub(ident: &syn::Ident) -> TokenStream {
    let message = format!("#[derive(ScimResource)] on `{ident}` reported errors");
    quote! {
        impl ::scim::typed::ScimResource for #ident {
            fn descriptor() -> &'static ::scim::typed::ResourceDescriptor { ::core::unreachable!(#message) }
            fn id(&self) -> ::core::option::Option<::std::string::String> { ::core::unreachable!(#message) }
            fn to_scim(&self) -> ::scim::typed::JsonValue { ::core::unreachable!(#message) }
            fn from_scim(_: &::scim::typed::JsonValue) -> ::scim::ScimResult<Self> { ::core::unreachable!(#message) }
        }
    }
}
