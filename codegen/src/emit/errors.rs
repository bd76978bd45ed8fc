//! `errors.rs` of a version: the `ErrorCode` enum, one variant per code of the version (its own and the
//! common ones, see [`crate::ir::error_codes`]) and `Other(String)` for codes it does not know, with
//! `as_str`, `description`, `parse`, `of(&Error)` and `Display` (the wire code), all reading one table of the
//! codes (`CODES`).

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
        let doc = doc_attrs(&format!("`{}`: {}", e.code, e.doc));
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

/// The one table of codes: variant, wire code, description, in variant order. Every method reads it, so
/// a version's codes are listed once (not once per method: three `match`es over ~290 codes cost compile
/// time and bytes for nothing). A `static`, as `ErrorCode` owns a `String` in `Other`.
fn table(v: &Version) -> TokenStream {
    let len = proc_macro2::Literal::usize_unsuffixed(v.errors.len());
    let rows = v.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let (code, description) = (&e.code, &e.description);
        quote! { (ErrorCode::#variant, #code, #description), }
    });
    quote! {
        /// Every code of this version: the variant, its wire code and what the documentation says it means.
        static CODES: [(ErrorCode, &str, &str); #len] = [#(#rows)*];
    }
}

fn methods(v: &Version) -> TokenStream {
    let table = table(v);
    quote! {
        #table
        impl ErrorCode {
            /// The wire code (`FailedOperation.ContainSensitiveWord`).
            pub fn as_str(&self) -> &str {
                match self {
                    Self::Other(code) => code.as_str(),
                    known => known.row().map_or("", |row| row.1),
                }
            }
            /// What the code means, as the API documentation says; `None` for [`ErrorCode::Other`].
            pub fn description(&self) -> ::std::option::Option<&'static str> {
                self.row().map(|row| row.2)
            }
            /// The variant for a wire code; unknown codes become [`ErrorCode::Other`].
            pub fn parse(code: &str) -> Self {
                match CODES.iter().find(|row| row.1 == code) {
                    ::std::option::Option::Some(row) => row.0.clone(),
                    ::std::option::Option::None => Self::Other(::std::string::ToString::to_string(code)),
                }
            }
            /// The code of a service error (`None` for transport, decoding and other local errors).
            pub fn of(err: &::sdk_core::Error) -> ::std::option::Option<Self> {
                err.code().map(Self::parse)
            }
            fn row(&self) -> ::std::option::Option<&'static (ErrorCode, &'static str, &'static str)> {
                CODES.iter().find(|row| row.0 == *self)
            }
        }
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
                "(\n        ErrorCode::FailedOperationSignNotFound,\n        \"FailedOperation.SignNotFound\",\n        \"The sign <b>is</b> missing.\",\n    ),",
                "(ErrorCode::InternalError, \"InternalError\",",
                "    Other(::std::string::String),\n}",
                "impl ::std::fmt::Display for ErrorCode {",
            ],
        );
    }

    #[test]
    fn without_codes_the_table_is_empty() {
        let mut v = crate::testing::ir(json!({}), json!({}));
        v.errors.clear();
        let text = errors(&v).unwrap();
        assert!(
            text.contains("static CODES: [(ErrorCode, &str, &str); 0] = [];"),
            "{text}"
        );
    }
}
