//! The async `Client` of a version: a newtype over `sdk_core::Client` (cheap to clone, shares connections)
//! with its constructors and one method per action, `self.inner.call(&ACTION, request).await`; all real work
//! is in the runtime. Deprecated and offline actions are `#[deprecated]`; `ClientToken` actions send their
//! request through [`super::client_token`].

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{client_token, deprecation, doc_attrs};
use crate::ir::{Action, BinaryBody, Version};
use crate::naming::ident;

/// The `Client` struct, its `Debug` and its methods.
pub fn client(v: &Version) -> TokenStream {
    let constructors = constructors();
    let methods = v.actions.iter().map(|a| method(v, a));
    let streams = super::stream::async_methods(v);
    quote! {
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
            #constructors
            #(#methods)*
            #streams
        }
    }
}

/// `new`, `with_profile`, `from_config`, `from_env`, `from_core` and `core` (names that actions avoid, see
/// [`crate::ir::name`]).
fn constructors() -> TokenStream {
    quote! {
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
        /// A client made from a shared configuration (`sdk_core::SdkConfig`): its credential cache,
        /// connection pool and interceptors are those of every other client made from it.
        pub fn from_config(config: &::sdk_core::SdkConfig) -> Self {
            Self { inner: ::sdk_core::Client::from_config(&SERVICE, config) }
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
    }
}

/// One action's async method, its docs ending with an example ([`super::usage`]).
fn method(v: &Version, a: &Action) -> TokenStream {
    let body_note = match &a.binary_body {
        Some(BinaryBody::OctetStream { header_prefix }) => format!(
            "\n\n`body` is sent as it is (`application/octet-stream`); the request's members travel as \
             `{header_prefix}<Name>` headers."
        ),
        Some(BinaryBody::Multipart { .. }) => {
            "\n\nSent as `multipart/form-data`, its binary members as raw bytes.".to_owned()
        }
        None => String::new(),
    };
    let doc = doc_attrs(&format!("{}{body_note}{}", a.doc, super::usage::example_doc(v, a)));
    let deprecated = deprecation(a.status);
    let name = ident(&a.method);
    let info = format_ident!("{}", a.static_name);
    let input = ident(&a.input);
    let output = ident(&a.output);
    let request = client_token::sent_request(a, quote!());
    if matches!(a.binary_body, Some(BinaryBody::OctetStream { .. })) {
        return quote! {
            #doc
            #deprecated
            pub async fn #name(&self, request: &models::#input, body: impl ::std::convert::Into<::sdk_core::Binary>) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
                self.inner.call_octet_stream(&#info, #request, body.into().0).await
            }
        };
    }
    quote! {
        #doc
        #deprecated
        pub async fn #name(&self, request: &models::#input) -> ::std::result::Result<models::#output, ::sdk_core::Error> {
            self.inner.call(&#info, #request).await
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn one_async_method_per_action() {
        let v = ir(
            json!({
                "GoRequest": {"members": [{"name": "ClientToken", "type": "string", "member": "string"}]},
                "GoResponse": {"members": []},
            }),
            json!({
                "Go": {"name": "走", "document": "Goes.", "input": "GoRequest", "output": "GoResponse"},
                "Core": {"input": "GoResponse", "output": "GoResponse", "status": "offline"},
            }),
        );
        let text = pretty(client(&v));
        assert_has(
            &text,
            &[
                "pub struct Client {\n    inner: ::sdk_core::Client,\n}",
                "pub fn core(&self) -> &::sdk_core::Client {",
                "    /// 走 (Go)\n    ///\n    /// Goes.\n    ///\n    /// # Example\n",
                "    /// let response = client.go(&request).await?;\n",
                "    /// ```\n    pub async fn go(\n        &self,\n        request: &models::GoRequest,\n    ) -> ::std::result::Result<models::GoResponse, ::sdk_core::Error> {\n        self.inner.call(&GO, &*go_with_token(request)).await\n    }",
                "#[deprecated(note = \"offline: the service no longer serves it\")]\n    pub async fn core_2(",
                "self.inner.call(&CORE, request).await",
            ],
        );
        assert!(
            !text.contains("go_with_token(request: "),
            "fillers are not part of the client"
        );
    }
}
