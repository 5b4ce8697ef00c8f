//! [`Diagnostics`]: the derive's problems, each at its span; shared by the input's typed view
//! (`ast`) and the checks (`check`), below both.

use proc_macro2::{Span, TokenStream};

/// Problems found so far, each with its span.
#[derive(Debug, Default)]
pub struct Diagnostics {
    errors: Vec<syn::Error>,
    /// darling renders its own `compile_error!`s; they are kept as tokens.
    rendered: TokenStream,
}

impl Diagnostics {
    pub fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    pub fn push_darling(&mut self, error: darling::Error) {
        self.rendered.extend(error.write_errors());
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.rendered.is_empty()
    }

    /// The `compile_error!` invocations for every problem.
    pub fn to_compile_errors(&self) -> TokenStream {
        let mut out: TokenStream = self.errors.iter().map(syn::Error::to_compile_error).collect();
        out.extend(self.rendered.clone());
        out
    }
}
