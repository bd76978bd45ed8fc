//! `blocking::Client` of a version, behind the crate's `blocking` feature: a newtype over
//! `sdk_core::blocking::Client` with the async client's constructors (plus `from_async`) and one method per
//! action, same name, request and response, without `.await`. Each method is documented by a link to its
//! async twin instead of a copy of the docs (~380 bytes of source per action).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{client_token, deprecation, unraw};
use crate::ir::{Action, BinaryBody, Version};
use crate::naming::ident;

/// `#[cfg(feature = "blocking")] pub mod blocking { ... }`.
pub fn module(v: &Version) -> TokenStream {
    let client = client(v);
    quote! {
        #[cfg(feature = "blocking")]
        pub mod blocking {
            //! The same client for programs without an async runtime (cargo feature `blocking`): [`Client`]
            //! has the methods of [`super::Client`], same names, requests and responses, without `.await`.
            //! Calls run on the runtime's background thread while this thread waits (see
            //! [`sdk_core::blocking`]); usable from any thread.
            use super::models;

            #client
        }
    }
}

fn client(v: &Version) -> TokenStream {
    let constructors = constructors();
    let methods = v.actions.iter().map(method);
    let streams = super::stream::blocking_methods(v);
    quote! {
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
            #constructors
            #(#methods)*
            #streams
        }
    }
}

/// The async client's constructors, each building one and wrapping it, plus `from_async` and `core`.
fn constructors() -> TokenStream {
    quote! {
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
        /// See [`super::Client::from_config`].
        pub fn from_config(config: &::sdk_core::SdkConfig) -> Self {
            Self::from_async(super::Client::from_config(config))
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
    }
}

/// One action's blocking method.
fn method(a: &Action) -> TokenStream {
    let doc = format!(" Blocking form of [`super::Client::{}`].", unraw(&a.method));
    let deprecated = deprecation(a.status);
    let name = ident(&a.method);
    let info = format_ident!("{}", a.static_name);
    let input = ident(&a.input);
    let output = ident(&a.output);
    let request = client_token::sent_request(a, quote!(super::));
    if matches!(a.binary_body, Some(BinaryBody::OctetStream { .. })) {
        return quote! {
            #[doc = #doc]
            #deprecated
            pub fn #name(&self, request: &models::#input, body: impl ::std::convert::Into<::sdk_core::Binary>) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
                self.inner.call_octet_stream(&super::#info, #request, body.into().0)
            }
        };
    }
    quote! {
        #[doc = #doc]
        #deprecated
        pub fn #name(&self, request: &models::#input) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
            self.inner.call(&super::#info, #request)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn the_same_methods_without_await_behind_the_feature() {
        let v = ir(
            json!({
                "GoRequest": {"members": [{"name": "ClientToken", "type": "string", "member": "string"}]},
                "GoResponse": {"members": []},
            }),
            json!({
                "Go": {"input": "GoRequest", "output": "GoResponse", "status": "deprecated"},
                "type": {"input": "GoResponse", "output": "GoResponse"},
            }),
        );
        let text = pretty(module(&v));
        assert_has(
            &text,
            &[
                "#[cfg(feature = \"blocking\")]\npub mod blocking {",
                "    use super::models;",
                "        /// Blocking form of [`super::Client::go`].\n        #[deprecated(note = \"the API marks this action deprecated\")]\n        pub fn go(",
                "self.inner.call(&super::GO, &*super::go_with_token(request))",
                "/// Blocking form of [`super::Client::type`].\n        pub fn r#type(",
                "self.inner.call(&super::TYPE, request)",
                "pub fn from_async(client: super::Client) -> Self {",
            ],
        );
        assert!(!text.contains(").await"), "no method awaits: {text}");
    }
}
