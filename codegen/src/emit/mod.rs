//! Intermediate model → Rust tokens (`quote`) → text (`prettyplease`): one emitter per artifact.
//!
//! | file written | emitter (`emit/<name>.rs`) | what it holds |
//! |---|---|---|
//! | `src/<module>/models.rs` | [`models`](mod@models) | one struct per spec object |
//! | | [`request_builder`] | `new(required...)` and setters of request structs |
//! | | [`redacted_debug`] | `Debug` of structs with members the redaction policy hides |
//! | | [`deserialize`] | `Deserialize` of every struct, over `sdk_core::de` |
//! | `src/<module>/errors.rs` | [`errors`](mod@errors) | the `ErrorCode` enum |
//! | `src/<module>/mod.rs` | [`version_module`] | module docs and declarations, composed from: |
//! | | [`action_info`] | `SERVICE` and one `ActionInfo` static per action |
//! | | [`client`] | the async `Client` with one method per action |
//! | | [`client_token`] | the `ClientToken` fillers both clients send through |
//! | | [`blocking`] | `blocking::Client` (cargo feature `blocking`) |
//! | | [`stream`] | `<method>_stream` methods of streaming actions (both clients) and their `Stream` fillers |
//! | | [`paginators`] | `<action>_pages`/`<action>_items` of list actions, on both clients |
//! | | [`examples`] | the hidden example hooks (cargo feature `__examples`) |
//! | `src/lib.rs` | [`crate_root`] | version modules behind features, re-exports |
//! | `Cargo.toml` | [`manifest`] | features per version, dependencies, hand-written additions |
//!
//! Decisions: an emitter of a part of a file returns a [`TokenStream`] of items and the emitter of the
//! file composes them and renders once ([`render`]), so a new artifact (a paginator, a stream method) is a
//! new file here plus one line in the file's emitter. What several emitters write alike (docs, types,
//! deprecation) is in this module. Generated code names std items by full path (`::std::option::Option`),
//! so spec objects called `Option` or `String` cannot shadow them.

use crate::ir::{Status, Ty};
use crate::naming::ident;
pub use crate::naming::unraw;
use crate::Error;
use proc_macro2::TokenStream;
use quote::quote;

pub mod action_info;
pub mod blocking;
pub mod client;
pub mod client_token;
pub mod crate_root;
pub mod deserialize;
pub mod errors;
pub mod examples;
pub mod manifest;
pub mod models;
pub mod paginators;
pub mod readme;
pub mod redacted_debug;
pub mod request_builder;
pub mod serialize;
pub mod stream;
pub mod usage;
pub mod version_module;

pub use crate_root::lib_rs;
pub use errors::errors;
pub use manifest::cargo_toml;
pub use models::models;
pub use readme::readme_md;
pub use version_module::module;

/// Lints the generated code may trip; allowed at the top of every generated module. No rustdoc lint is
/// allowed: `docs::to_rustdoc` turns the specs' HTML into markdown, escapes what would be read as tags or
/// broken links, and links bare URLs, so `cargo doc` with `-D warnings` holds for generated docs.
pub fn allows() -> TokenStream {
    quote! {
        #![allow(
            clippy::too_many_arguments,
            clippy::large_enum_variant,
            clippy::new_without_default,
            clippy::upper_case_acronyms,
            clippy::doc_lazy_continuation,
            clippy::tabs_in_doc_comments
        )]
    }
}

/// `#[doc = " line"]` per line (outer), so prettyplease prints `///` comments.
pub fn doc_attrs(doc: &str) -> TokenStream {
    if doc.trim().is_empty() {
        return quote!();
    }
    let lines = doc
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = " line"]` per line (inner).
pub fn inner_doc_attrs(doc: &str) -> TokenStream {
    let lines = doc
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #![doc = #lines] )* }
}

/// A field's Rust type (generated structs by name).
pub fn ty_tokens(t: &Ty) -> TokenStream {
    match t {
        Ty::String => quote!(::std::string::String),
        Ty::I64 => quote!(i64),
        Ty::U64 => quote!(u64),
        Ty::F64 => quote!(f64),
        Ty::Bool => quote!(bool),
        Ty::Binary => quote!(::sdk_core::Binary),
        Ty::Object(name) => {
            let id = ident(name);
            quote!(#id)
        }
        Ty::List(inner) => {
            let inner = ty_tokens(inner);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

/// Render a token stream as a formatted file with the generated header.
pub fn render(header_source: &str, file_label: &str, tokens: TokenStream) -> Result<String, Error> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Internal {
        file: file_label.to_string(),
        message: format!("generated tokens do not parse: {e}"),
    })?;
    Ok(format!(
        "{}\n{}",
        header(header_source, "//"),
        prettyplease::unparse(&file)
    ))
}

/// The header every generated file starts with.
pub fn header(source: &str, comment: &str) -> String {
    format!("{comment} {} {source} — do not edit.", crate::HEADER_MARK)
}

/// `#[deprecated]` for actions the spec marks deprecated or offline (on both clients' methods).
pub fn deprecation(status: Status) -> TokenStream {
    match status {
        Status::Online => quote!(),
        Status::Deprecated => quote!(#[deprecated(note = "the API marks this action deprecated")]),
        Status::Offline => quote!(#[deprecated(note = "offline: the service no longer serves it")]),
    }
}
