//! `errors.rs` of a version: the `ErrorCode` enum, one variant per code of the version (its own and the
//! common ones, see [`crate::ir::error_codes`]) and `Other(String)` for codes it does not know, with
//! `as_str`, `description`, `parse`, `of(&Error)` and `Display` (the wire code).

use proc_macro2::TokenStream;
use quote::quote;

use super::{allows, doc_attrs, inner_doc_attrs, render};
use crate::ir::Version;
use crate::naming::ident;
use crate::Error;

/// `errors.rs` of a version.
pub fn errors(v: &Version) -> Result<String, Error> {
    let allows = allows();
    let doc = inner_doc_attrs(&format!(
        "Error codes of API version {} (`{}`).",
        v.api_version, v.module
    ));
    let declaration = enum_declaration(v);
    let methods = methods(v);
    let tokens = quote! {
        #doc
        #allows
        #declaration
        #methods
        impl ::std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    render(&v.source, "errors.rs", tokens)
}

fn enum_declaration(v: &Version) -> TokenStream {
    let variants = v.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let doc = doc_attrs(&format!("`{}`: {}", e.code, crate::docs::to_rustdoc(&e.description)));
        quote! { #doc #variant, }
    });
    quote! {
        /// An error code of this API version; codes it does not know are kept in [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code this version does not list.
            Other(::std::string::String),
        }
    }
}

fn methods(v: &Version) -> TokenStream {
    let as_str = v.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote! { Self::#variant => #code, }
    });
    let parse = v.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote! { #code => Self::#variant, }
    });
    let description = description_body(v);
    quote! {
        impl ErrorCode {
            /// The wire code (`FailedOperation.ContainSensitiveWord`).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    Self::Other(code) => code.as_str(),
                }
            }
            /// What the code means, as the API documentation says; `None` for [`ErrorCode::Other`].
            pub fn description(&self) -> ::std::option::Option<&'static str> {
                #description
            }
            /// The variant for a wire code; unknown codes become [`ErrorCode::Other`].
            pub fn parse(code: &str) -> Self {
                match code {
                    #(#parse)*
                    other => Self::Other(::std::string::ToString::to_string(other)),
                }
            }
            /// The code of a service error (`None` for transport, decoding and other local errors).
            pub fn of(err: &::sdk_core::Error) -> ::std::option::Option<Self> {
                err.code().map(Self::parse)
            }
        }
    }
}

/// The body of `description`: a `match` over the variants (just `None` when there are none, as
/// `match self { Other(_) => return None }` would not type-check as `Some(...)`).
fn description_body(v: &Version) -> TokenStream {
    if v.errors.is_empty() {
        return quote!(::std::option::Option::None);
    }
    let arms = v.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let description = &e.description;
        quote! { Self::#variant => #description, }
    });
    quote! {
        ::std::option::Option::Some(match self {
            #(#arms)*
            Self::Other(_) => return ::std::option::Option::None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, spec_with};

    #[test]
    fn every_code_has_a_variant_in_each_method() {
        let pv = spec_with(
            json!({}),
            json!({}),
            vec![("FailedOperation.SignNotFound", "The sign <b>is</b> missing.")],
        );
        let v = crate::ir::build(&pv, "specs").unwrap();
        let text = errors(&v).unwrap();
        assert_has(
            &text,
            &[
                "//! Error codes of API version 2020-01-01 (`v20200101`).",
                "    /// `FailedOperation.SignNotFound`: The sign **is** missing.\n    FailedOperationSignNotFound,",
                "Self::FailedOperationSignNotFound => \"FailedOperation.SignNotFound\",",
                "Self::FailedOperationSignNotFound => \"The sign <b>is</b> missing.\",",
                "\"FailedOperation.SignNotFound\" => Self::FailedOperationSignNotFound,",
                "Self::InternalError => \"InternalError\",",
                "    Other(::std::string::String),\n}",
                "impl ::std::fmt::Display for ErrorCode {",
            ],
        );
    }

    #[test]
    fn without_codes_description_is_none() {
        let mut v = crate::testing::ir(json!({}), json!({}));
        v.errors.clear();
        let text = errors(&v).unwrap();
        assert!(
            text.contains("-> ::std::option::Option<&'static str> {\n        ::std::option::Option::None\n    }"),
            "{text}"
        );
        assert!(!text.contains("Some(match self"), "{text}");
    }
}
