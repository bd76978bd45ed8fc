//! Intermediate model → Rust tokens (`quote`) → text (`prettyplease`).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use tc_spec::Status;

use crate::ir::{Action, Object, Role, Ty, Version};
use crate::naming::ident;
use crate::Error;

/// Lints the generated code may trip; allowed at the top of every generated module.
fn allows() -> TokenStream {
    quote! {
        #![allow(
            clippy::too_many_arguments,
            clippy::large_enum_variant,
            clippy::new_without_default,
            clippy::upper_case_acronyms,
            clippy::doc_lazy_continuation,
            clippy::tabs_in_doc_comments,
            rustdoc::bare_urls,
            rustdoc::broken_intra_doc_links,
            rustdoc::invalid_html_tags,
            rustdoc::invalid_rust_codeblocks
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
fn inner_doc_attrs(doc: &str) -> TokenStream {
    let lines = doc
        .lines()
        .map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
    quote! { #( #![doc = #lines] )* }
}

fn ty_tokens(t: &Ty) -> TokenStream {
    match t {
        Ty::String => quote!(::std::string::String),
        Ty::I64 => quote!(i64),
        Ty::U64 => quote!(u64),
        Ty::F64 => quote!(f64),
        Ty::Bool => quote!(bool),
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

/// A number or boolean, or (nested) lists of them: decoded with `sdk_core::de::lenient*`.
fn numeric(t: &Ty) -> bool {
    match t {
        Ty::I64 | Ty::U64 | Ty::F64 | Ty::Bool => true,
        Ty::List(inner) => numeric(inner),
        Ty::String | Ty::Object(_) => false,
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

/// `Debug` that prints each member as the derive would, except those the redaction policy hides, which go
/// through `sdk_core::redact` (`***`, or phone numbers masked to their last 4 characters).
fn redacted_debug(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let type_name = &o.rust;
    let fields = o.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let shown = f.rust.trim_start_matches("r#");
        match f.redact {
            None => quote!(.field(#shown, &self.#fname)),
            Some(crate::redaction::Redaction::Phone) => {
                quote!(.field(#shown, &::sdk_core::redact::Phone(&self.#fname)))
            }
            Some(_) => quote!(.field(#shown, &::sdk_core::redact::Secret(&self.#fname))),
        }
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#type_name) #(#fields)* .finish()
            }
        }
    }
}

fn object_tokens(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let doc = doc_attrs(&o.doc);
    // Objects with members the redaction policy hides get a written `Debug` (see `redacted_debug`).
    let redacted = o.fields.iter().any(|f| f.redact.is_some());
    let debug = (!redacted).then(|| quote!(Debug,));
    let derive = if o.lenient {
        quote!(#[derive(#debug Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)])
    } else {
        quote!(#[derive(#debug Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)])
    };
    let debug_impl = redacted.then(|| redacted_debug(o));
    let fields = o.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        let wire = &f.wire;
        let fdoc = doc_attrs(&f.doc);
        let mut ty = ty_tokens(&f.ty);
        if f.boxed {
            ty = quote!(::std::boxed::Box<#ty>);
        }
        // Numbers and booleans decoded from responses also accept strings holding them (`sdk_core::de`).
        let loose = o.lenient && numeric(&f.ty);
        let serde = match (f.plain, o.role, o.lenient) {
            (true, _, true) if loose => {
                quote!(#[serde(rename = #wire, default, deserialize_with = "::sdk_core::de::lenient")])
            }
            (true, _, true) => {
                quote!(#[serde(rename = #wire, default, deserialize_with = "::sdk_core::de::null_as_default")])
            }
            (false, Role::Request, _) if loose => {
                quote!(#[serde(rename = #wire, skip_serializing_if = "::std::option::Option::is_none", default, deserialize_with = "::sdk_core::de::lenient_opt")])
            }
            (false, Role::Response, _) if loose => {
                quote!(#[serde(rename = #wire, default, deserialize_with = "::sdk_core::de::lenient_opt", skip_serializing_if = "::std::option::Option::is_none")])
            }
            (true, _, false) => quote!(#[serde(rename = #wire)]),
            (false, Role::Request, _) => {
                quote!(#[serde(rename = #wire, skip_serializing_if = "::std::option::Option::is_none", default)])
            }
            (false, Role::Response, _) => {
                quote!(#[serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none")])
            }
        };
        let ty = if f.plain {
            ty
        } else {
            quote!(::std::option::Option<#ty>)
        };
        quote! { #fdoc #serde pub #fname: #ty, }
    });
    let struct_tokens = quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #name { #(#fields)* }
        #debug_impl
    };
    if o.role == Role::Response {
        return struct_tokens;
    }

    // Requests: `new(required...)` and one setter per optional member.
    let arg = |f: &crate::ir::Field| -> (TokenStream, TokenStream) {
        let fname = ident(&f.rust);
        let (aty, mut value) = match &f.ty {
            Ty::String => (
                quote!(impl ::std::convert::Into<::std::string::String>),
                quote!(#fname.into()),
            ),
            t => (ty_tokens(t), quote!(#fname)),
        };
        if f.boxed {
            value = quote!(::std::boxed::Box::new(#value));
        }
        (quote!(#fname: #aty), value)
    };
    let required: Vec<_> = o.fields.iter().filter(|f| f.plain).collect();
    let params = required.iter().map(|f| arg(f).0);
    let inits = o.fields.iter().map(|f| {
        let fname = ident(&f.rust);
        if f.plain {
            match (&f.ty, f.boxed) {
                (Ty::String, _) | (_, true) => {
                    let v = arg(f).1;
                    quote!(#fname: #v)
                }
                _ => quote!(#fname),
            }
        } else {
            quote!(#fname: ::std::option::Option::None)
        }
    });
    let setters = o.fields.iter().filter(|f| !f.plain).map(|f| {
        let fname = ident(&f.rust);
        let (param, value) = arg(f);
        let sdoc = format!(" Sets `{}`.", f.wire);
        quote! {
            #[doc = #sdoc]
            pub fn #fname(mut self, #param) -> Self {
                self.#fname = ::std::option::Option::Some(#value);
                self
            }
        }
    });
    let new_doc = if required.is_empty() {
        " A request with every member unset.".to_string()
    } else {
        let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
        format!(
            " A request with its required members ({}); set optional ones with the setters.",
            names.join(", ")
        )
    };
    quote! {
        #struct_tokens
        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// `models.rs` of a version.
pub fn models(v: &Version) -> Result<String, Error> {
    let allows = allows();
    let doc = inner_doc_attrs(&format!(
        "Request, response and data types of API version {} (`{}`).\n\nRequest types are built with `new(required...)` \
         plus chainable setters for optional members; response types decode leniently (missing, null and unknown \
         fields never fail).",
        v.api_version, v.module
    ));
    let items = v.objects.iter().map(object_tokens);
    render(&v.source, "models.rs", quote! { #doc #allows #(#items)* })
}

/// `errors.rs` of a version.
pub fn errors(v: &Version) -> Result<String, Error> {
    let allows = allows();
    let doc = inner_doc_attrs(&format!(
        "Error codes of API version {} (`{}`).",
        v.api_version, v.module
    ));
    let variants = v.errors.iter().map(|e| {
        let var = ident(&e.variant);
        let d = doc_attrs(&format!("`{}`: {}", e.code, crate::docs::to_rustdoc(&e.description)));
        quote! { #d #var, }
    });
    let as_str = v.errors.iter().map(|e| {
        let var = ident(&e.variant);
        let code = &e.code;
        quote! { Self::#var => #code, }
    });
    let descr = v.errors.iter().map(|e| {
        let var = ident(&e.variant);
        let d = &e.description;
        quote! { Self::#var => #d, }
    });
    let parse = v.errors.iter().map(|e| {
        let var = ident(&e.variant);
        let code = &e.code;
        quote! { #code => Self::#var, }
    });
    let descr_body = if v.errors.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote! {
            ::std::option::Option::Some(match self {
                #(#descr)*
                Self::Other(_) => return ::std::option::Option::None,
            })
        }
    };
    let tokens = quote! {
        #doc
        #allows
        /// An error code of this API version; codes it does not know are kept in [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code this version does not list.
            Other(::std::string::String),
        }
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
                #descr_body
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
        impl ::std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    render(&v.source, "errors.rs", tokens)
}

/// What one action contributes to `mod.rs`.
struct ActionTokens {
    /// Its `ActionInfo` static.
    info: TokenStream,
    /// The async method of `Client`.
    method: TokenStream,
    /// The method of `blocking::Client`.
    blocking: TokenStream,
    /// For `ClientToken` actions, the function that fills an unset token (shared by both methods).
    token_fn: TokenStream,
    /// Its row in the example round-trip table.
    arm: TokenStream,
}

fn action_tokens(a: &Action) -> ActionTokens {
    let stat = format_ident!("{}", a.static_name);
    let method = ident(&a.method);
    let wire = &a.wire;
    let skip = a.skip_sign;
    let retry = a.retry_safe;
    let input = ident(&a.input);
    let output = ident(&a.output);
    let info = quote! {
        static #stat: ::sdk_core::ActionInfo = ::sdk_core::ActionInfo { name: #wire, skip_sign: #skip, retry_safe: #retry };
    };
    let doc = doc_attrs(&a.doc);
    let deprecated = match a.status {
        Status::Online => quote!(),
        Status::Deprecated => quote!(#[deprecated(note = "the API marks this action deprecated")]),
        Status::Offline => {
            quote!(#[deprecated(note = "offline: the service no longer serves it")])
        }
    };
    // The request as sent: as given, or through the token filler (`Cow`, derefs to the request).
    let (token_fn, request, super_request) = match &a.client_token {
        None => (quote!(), quote!(request), quote!(request)),
        Some(token) => {
            let filler = format_ident!("{}_with_token", a.method.trim_start_matches("r#"));
            let field = ident(&token.field);
            let (is_set, fill) = if token.required {
                (
                    quote!(!request.#field.is_empty()),
                    quote!(::sdk_core::idempotency_token()),
                )
            } else {
                (
                    quote!(request.#field.as_deref().is_some_and(|t| !t.is_empty())),
                    quote!(::std::option::Option::Some(::sdk_core::idempotency_token())),
                )
            };
            let fdoc = format!(
                " The request [`Client::{}`] sends: with a fresh `ClientToken` if it has none (or an empty one), \
                 chosen once per call so every retry attempt carries the same token.",
                a.method.trim_start_matches("r#")
            );
            let token_fn = quote! {
                #[doc = #fdoc]
                fn #filler(request: &models::#input) -> ::std::borrow::Cow<'_, models::#input> {
                    if #is_set {
                        return ::std::borrow::Cow::Borrowed(request);
                    }
                    let mut request = ::std::clone::Clone::clone(request);
                    request.#field = #fill;
                    ::std::borrow::Cow::Owned(request)
                }
            };
            (token_fn, quote!(&*#filler(request)), quote!(&*super::#filler(request)))
        }
    };
    let method_tokens = quote! {
        #doc
        #deprecated
        pub async fn #method(&self, request: &models::#input) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
            self.inner.call(&#stat, #request).await
        }
    };
    let bdoc = format!(
        " Blocking form of [`super::Client::{}`].",
        a.method.trim_start_matches("r#")
    );
    let blocking = quote! {
        #[doc = #bdoc]
        #deprecated
        pub fn #method(&self, request: &models::#input) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
            self.inner.call(&super::#stat, #super_request)
        }
    };
    let arm = quote! {
        (#wire, __check::<models::#input, models::#output>, __show::<models::#input, models::#output>),
    };
    ActionTokens {
        info,
        method: method_tokens,
        blocking,
        token_fn,
        arm,
    }
}

/// `mod.rs` of a version: service/action statics, the client, the example round-trip hook.
pub fn module(v: &Version) -> Result<String, Error> {
    let allows = allows();
    let title = v
        .product_title
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let mut doc = format!(
        "`{}`{title} API version {} (`{}`): [`Client`] with one async method per action, request/response types \
         in [`models`], error codes in [`ErrorCode`]. With the cargo feature `blocking`, `blocking::Client` has the \
         same methods without `.await`.",
        v.product, v.api_version, v.module
    );
    if v.service != v.product {
        doc.push_str(&format!(
            "\n\nThe service is signed and addressed as `{}` (`{}.tencentcloudapi.com`).",
            v.service, v.service
        ));
    }
    doc.push_str("\n\nActions:\n");
    for a in &v.actions {
        doc.push_str(&format!(
            "\n- [`Client::{}`] — `{}`",
            a.method.trim_start_matches("r#"),
            a.wire
        ));
    }
    let doc = inner_doc_attrs(&doc);
    let service = &v.service;
    let version = &v.api_version;
    let actions: Vec<ActionTokens> = v.actions.iter().map(action_tokens).collect();
    let infos = actions.iter().map(|a| &a.info);
    let methods = actions.iter().map(|a| &a.method);
    let blocking_methods = actions.iter().map(|a| &a.blocking);
    let token_fns = actions.iter().map(|a| &a.token_fn);
    let arms = actions.iter().map(|a| &a.arm);
    let tokens = quote! {
        #doc
        #allows
        pub mod errors;
        pub mod models;
        pub use self::errors::ErrorCode;
        pub use self::models::*;

        /// The product and API version this module calls.
        pub static SERVICE: ::sdk_core::ServiceInfo = ::sdk_core::ServiceInfo { product: #service, version: #version };
        #(#infos)*

        /// Client of this API version: a thin typed layer over [`sdk_core::Client`] (cheap to clone, shares connections).
        #[derive(Clone)]
        pub struct Client {
            inner: ::sdk_core::Client,
        }
        impl ::std::fmt::Debug for Client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct("Client")
                    .field("product", &SERVICE.product)
                    .field("version", &SERVICE.version)
                    .finish_non_exhaustive()
            }
        }
        impl Client {
            /// A client for `region` (`ap-guangzhou`) with the default profile.
            pub fn new(
                credential: impl ::sdk_core::ProvideCredential + 'static,
                region: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                Self::with_profile(credential, region, ::std::default::Default::default())
            }
            /// A client for `region` with an explicit profile (endpoint, timeouts, language...).
            pub fn with_profile(
                credential: impl ::sdk_core::ProvideCredential + 'static,
                region: impl ::std::convert::Into<::std::string::String>,
                profile: ::sdk_core::ClientProfile,
            ) -> Self {
                Self { inner: ::sdk_core::Client::new(&SERVICE, credential, region, profile) }
            }
            /// A client configured from the `TENCENTCLOUD_*` environment variables.
            pub fn from_env() -> ::std::result::Result<Self, ::sdk_core::Error> {
                ::sdk_core::Client::from_env(&SERVICE).map(Self::from_core)
            }
            /// Wrap a runtime client; it should have been made for [`SERVICE`].
            pub fn from_core(inner: ::sdk_core::Client) -> Self {
                Self { inner }
            }
            /// The runtime client underneath.
            pub fn core(&self) -> &::sdk_core::Client {
                &self.inner
            }
            #(#methods)*
        }
        #(#token_fns)*

        #[cfg(feature = "blocking")]
        pub mod blocking {
            //! The same client for programs without an async runtime (cargo feature `blocking`): [`Client`]
            //! has the methods of [`super::Client`], same names, requests and responses, without `.await`.
            //! Calls run on the runtime's background thread while this thread waits (see
            //! [`sdk_core::blocking`]); usable from any thread.
            use super::models;

            /// Blocking client of this API version: [`super::Client`] without `.await` (cheap to clone,
            /// shares connections).
            #[derive(Clone)]
            pub struct Client {
                inner: ::sdk_core::blocking::Client,
            }
            impl ::std::fmt::Debug for Client {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct("blocking::Client")
                        .field("product", &super::SERVICE.product)
                        .field("version", &super::SERVICE.version)
                        .finish_non_exhaustive()
                }
            }
            impl Client {
                /// See [`super::Client::new`].
                pub fn new(
                    credential: impl ::sdk_core::ProvideCredential + 'static,
                    region: impl ::std::convert::Into<::std::string::String>,
                ) -> Self {
                    Self::from_async(super::Client::new(credential, region))
                }
                /// See [`super::Client::with_profile`].
                pub fn with_profile(
                    credential: impl ::sdk_core::ProvideCredential + 'static,
                    region: impl ::std::convert::Into<::std::string::String>,
                    profile: ::sdk_core::ClientProfile,
                ) -> Self {
                    Self::from_async(super::Client::with_profile(credential, region, profile))
                }
                /// See [`super::Client::from_env`].
                pub fn from_env() -> ::std::result::Result<Self, ::sdk_core::Error> {
                    super::Client::from_env().map(Self::from_async)
                }
                /// Wrap an async client (sharing its connections and settings, e.g. a custom retry policy).
                pub fn from_async(client: super::Client) -> Self {
                    Self { inner: ::sdk_core::blocking::Client::from_async(client.inner) }
                }
                /// The runtime's blocking client underneath.
                pub fn core(&self) -> &::sdk_core::blocking::Client {
                    &self.inner
                }
                #(#blocking_methods)*
            }
        }

        /// Test hook: decode an example request body into the action's request type, re-encode it and compare
        /// JSON values (skipped when `request_json` is empty: examples written as GET query strings have no
        /// body), then decode the example's `Response` object into the response type. Decoding goes through
        /// `serde_json::from_str` and encoding through `serde_json::to_vec`, as the client does. Behind the
        /// hidden `__examples` feature: it instantiates every action's types, which users should not pay for.
        #[cfg(feature = "__examples")]
        #[doc(hidden)]
        pub fn __roundtrip_example(action: &str, request_json: &str, response_json: &str) -> ::std::result::Result<(), ::std::string::String> {
            match __EXAMPLE_HOOKS.binary_search_by(|(name, _, _)| (*name).cmp(action)) {
                ::std::result::Result::Ok(i) => (__EXAMPLE_HOOKS[i].1)(request_json, response_json),
                ::std::result::Result::Err(_) => ::std::result::Result::Err(::std::format!("unknown action {action:?}")),
            }
        }

        /// Test hook: `Debug` of the example request (when `request_json` is not empty) and response decoded
        /// into the action's types, so tests can check what `Debug` reveals of every type (the redaction
        /// policy). Behind the hidden `__examples` feature.
        #[cfg(feature = "__examples")]
        #[doc(hidden)]
        pub fn __debug_example(action: &str, request_json: &str, response_json: &str) -> ::std::result::Result<::std::string::String, ::std::string::String> {
            match __EXAMPLE_HOOKS.binary_search_by(|(name, _, _)| (*name).cmp(action)) {
                ::std::result::Result::Ok(i) => (__EXAMPLE_HOOKS[i].2)(request_json, response_json),
                ::std::result::Result::Err(_) => ::std::result::Result::Err(::std::format!("unknown action {action:?}")),
            }
        }

        #[cfg(feature = "__examples")]
        type __Check = fn(&str, &str) -> ::std::result::Result<(), ::std::string::String>;
        #[cfg(feature = "__examples")]
        type __Show = fn(&str, &str) -> ::std::result::Result<::std::string::String, ::std::string::String>;
        // Sorted by action name (a table, not a `match`: rustc is slow on very large string matches).
        #[cfg(feature = "__examples")]
        static __EXAMPLE_HOOKS: &[(&str, __Check, __Show)] = &[
            #(#arms)*
        ];

        #[cfg(feature = "__examples")]
        fn __show<Req, Resp>(request_json: &str, response_json: &str) -> ::std::result::Result<::std::string::String, ::std::string::String>
        where
            Req: ::std::fmt::Debug + ::serde::de::DeserializeOwned,
            Resp: ::std::fmt::Debug + ::serde::de::DeserializeOwned,
        {
            let mut shown = ::std::string::String::new();
            if !request_json.is_empty() {
                let request: Req = ::serde_json::from_str(request_json).map_err(|e| ::std::format!("request does not decode: {e}"))?;
                shown.push_str(&::std::format!("{request:?}\n{request:#?}\n"));
            }
            let envelope: ::std::collections::BTreeMap<::std::string::String, ::std::boxed::Box<::serde_json::value::RawValue>> =
                ::serde_json::from_str(response_json).map_err(|e| ::std::format!("response is not JSON: {e}"))?;
            let inner = envelope.get("Response").ok_or_else(|| ::std::string::String::from("response has no `Response` object"))?;
            let response: Resp = ::serde_json::from_str(inner.get()).map_err(|e| ::std::format!("response does not decode: {e}"))?;
            shown.push_str(&::std::format!("{response:?}\n{response:#?}"));
            ::std::result::Result::Ok(shown)
        }

        #[cfg(feature = "__examples")]
        fn __check<Req, Resp>(request_json: &str, response_json: &str) -> ::std::result::Result<(), ::std::string::String>
        where
            Req: ::serde::Serialize + ::serde::de::DeserializeOwned,
            Resp: ::serde::de::DeserializeOwned,
        {
            if !request_json.is_empty() {
                let original: ::serde_json::Value = ::serde_json::from_str(request_json)
                    .map_err(|e| ::std::format!("request is not JSON: {e}"))?;
                let request: Req = ::serde_json::from_str(request_json)
                    .map_err(|e| ::std::format!("request does not decode: {e}"))?;
                let bytes = ::serde_json::to_vec(&request).map_err(|e| ::std::format!("request does not encode: {e}"))?;
                let again: ::serde_json::Value = ::serde_json::from_slice(&bytes).map_err(|e| ::std::format!("request does not encode: {e}"))?;
                if again != original {
                    return ::std::result::Result::Err(::std::format!("request re-encodes differently:\n  example: {original}\n  encoded: {again}"));
                }
            }
            let envelope: ::std::collections::BTreeMap<::std::string::String, ::std::boxed::Box<::serde_json::value::RawValue>> =
                ::serde_json::from_str(response_json).map_err(|e| ::std::format!("response is not JSON: {e}"))?;
            let inner = envelope.get("Response").ok_or_else(|| ::std::string::String::from("response has no `Response` object"))?;
            ::serde_json::from_str::<Resp>(inner.get()).map_err(|e| ::std::format!("response does not decode: {e}"))?;
            ::std::result::Result::Ok(())
        }
    };
    render(&v.source, "mod.rs", tokens)
}

/// `src/lib.rs` of a product crate. Kept simple enough that rustfmt leaves it as it is.
pub fn lib_rs(product: &str, versions: &[Version], source: &str, custom: bool) -> Result<String, Error> {
    let title = versions
        .iter()
        .rev()
        .find_map(|v| v.product_title.clone())
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let newest = versions.last().map(|v| v.module.as_str()).unwrap_or("");
    let mut doc = format!(
        "Tencent Cloud `{product}`{title} API, generated from the API descriptions by `cargo xtask gen`.\n\n\
         Each API version is a module behind a cargo feature of the same name; `default` enables the newest \
         (`{newest}`). The cargo feature `blocking` adds `blocking::Client` to each: the same methods for programs \
         without an async runtime.\n\n| module | API version | actions |\n|---|---|---|"
    );
    for v in versions {
        doc.push_str(&format!(
            "\n| [`{m}`] | {} | {} |",
            v.api_version,
            v.actions.len(),
            m = v.module
        ));
    }
    let doc = inner_doc_attrs(&doc);
    let mods = versions.iter().map(|v| {
        let m = format_ident!("{}", v.module);
        let feature = Literal::string(&v.module);
        quote! {
            #[cfg(feature = #feature)]
            #[rustfmt::skip]
            pub mod #m;
        }
    });
    // Hand-written additions (see `crate::CUSTOM_MODULE`): re-exported at the root so they read as the crate's.
    let custom = custom.then(|| {
        quote! {
            mod custom;
            pub use custom::*;
        }
    });
    let tokens = quote! {
        #doc
        pub use sdk_core::Client as CoreClient;
        pub use sdk_core::{ClientProfile, Credential, Error, HttpProfile, ProvideCredential};
        // Everything else needed to configure a client, so one dependency suffices (short lines, which
        // rustfmt and prettyplease lay out alike).
        pub use sdk_core::{HttpMethod, Language, Scheme, SignMethod};
        pub use sdk_core::{RegionBreakerProfile, RetryPolicy};
        #(#mods)*
        #custom
    };
    render(source, "lib.rs", tokens)
}
