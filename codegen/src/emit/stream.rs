//! Stream methods of streaming actions ([`crate::ir::stream`]): `<method>_stream` on the async `Client`,
//! returning `sdk_core::EventStream<Response>`, and on `blocking::Client`, returning
//! `sdk_core::blocking::EventIter<Response>`. Each is a one-liner over `sdk_core::Client::call_stream`
//! (generic only at the serialize/deserialize edge, like `call`). When the input has a boolean `Stream`
//! member, the request goes through a private `<method>_streaming` function that sets it to `true` (a copy
//! only when it was not), so calling the stream method is enough to ask for a stream.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{client_token, deprecation, unraw};
use crate::ir::{Action, Streaming, Version};
use crate::naming::ident;

/// The async client's stream methods.
pub fn async_methods(v: &Version) -> TokenStream {
    let methods = streaming(v).map(|(a, s)| {
        let doc = format!(
            " Streaming form of [`Self::{}`]{}: yields each event of the answer, decoded as [`models::{}`], \
             as it arrives. See [`sdk_core::stream`] for timeouts, errors and retries (only before the first \
             event).",
            unraw(&a.method),
            flag_doc(s),
            a.output
        );
        let (name, input, output) = names(a, s);
        let deprecated = deprecation(a.status);
        let body = call(a, s, quote!(), quote!(self.inner.call_stream), quote!(.await));
        quote! {
            #[doc = #doc]
            #deprecated
            pub async fn #name(&self, request: &models::#input)
                -> ::std::result::Result<::sdk_core::EventStream<models::#output>, ::sdk_core::Error> {
                #body
            }
        }
    });
    quote! { #(#methods)* }
}

/// The blocking client's stream methods (inside its module: statics and fillers are `super::`).
pub fn blocking_methods(v: &Version) -> TokenStream {
    let methods = streaming(v).map(|(a, s)| {
        let doc = format!(
            " Blocking form of [`super::Client::{}`]: the events as an iterator.",
            s.method
        );
        let (name, input, output) = names(a, s);
        let deprecated = deprecation(a.status);
        let body = call(a, s, quote!(super::), quote!(self.inner.call_stream), quote!());
        quote! {
            #[doc = #doc]
            #deprecated
            pub fn #name(&self, request: &models::#input)
                -> ::std::result::Result<::sdk_core::blocking::EventIter<models::#output>, ::sdk_core::Error> {
                #body
            }
        }
    });
    quote! { #(#methods)* }
}

/// The `<method>_streaming` functions, at module level beside the `ClientToken` fillers.
pub fn fillers(v: &Version) -> TokenStream {
    let fillers = streaming(v).filter_map(|(a, s)| {
        let (field, plain) = s.flag.as_ref()?;
        let name = filler_name(a);
        let input = ident(&a.input);
        let field = ident(field);
        let yes = if *plain {
            quote!(true)
        } else {
            quote!(::std::option::Option::Some(true))
        };
        let doc = format!(
            " The request [`Client::{}`] sends: with `Stream` set to `true`.",
            s.method
        );
        Some(quote! {
            #[doc = #doc]
            fn #name(request: &models::#input) -> ::std::borrow::Cow<'_, models::#input> {
                if request.#field == #yes {
                    return ::std::borrow::Cow::Borrowed(request);
                }
                let mut request = ::std::clone::Clone::clone(request);
                request.#field = #yes;
                ::std::borrow::Cow::Owned(request)
            }
        })
    });
    quote! { #(#fillers)* }
}

fn streaming(v: &Version) -> impl Iterator<Item = (&Action, &Streaming)> {
    v.actions.iter().filter_map(|a| a.streaming.as_ref().map(|s| (a, s)))
}

/// The method's name, and the names of its request and response types.
fn names(a: &Action, s: &Streaming) -> (proc_macro2::Ident, proc_macro2::Ident, proc_macro2::Ident) {
    (ident(&s.method), ident(&a.input), ident(&a.output))
}

fn flag_doc(s: &Streaming) -> &'static str {
    if s.flag.is_some() {
        " with `Stream` set to `true`"
    } else {
        ""
    }
}

fn filler_name(a: &Action) -> proc_macro2::Ident {
    format_ident!("{}_streaming", unraw(&a.method))
}

/// The call: the request (with `Stream` set, then its `ClientToken` filled, where they apply) to `call_stream`.
fn call(a: &Action, s: &Streaming, path: TokenStream, call: TokenStream, wait: TokenStream) -> TokenStream {
    let info = format_ident!("{}", a.static_name);
    let sent = client_token::sent_request(a, path.clone());
    match &s.flag {
        None => quote! { #call(&#path #info, #sent) #wait },
        Some(_) => {
            let filler = filler_name(a);
            quote! {
                let streaming = #path #filler(request);
                let request = &*streaming;
                #call(&#path #info, #sent) #wait
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ir;
    use crate::testing::{assert_has, pretty, spec};

    fn chat() -> Version {
        let mut pv = spec(
            json!({
                "ChatRequest": {"members": [
                    {"name": "Model", "type": "string", "member": "string", "required": true},
                    {"name": "Stream", "type": "bool", "member": "bool"},
                ]},
                "ChatResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
                "ListRequest": {"members": []},
            }),
            json!({
                "Chat": {"input": "ChatRequest", "output": "ChatResponse"},
                "List": {"input": "ListRequest", "output": "ChatResponse"},
                "Other": {"input": "ListRequest", "output": "ChatResponse"},
            }),
        );
        pv.streaming = ["Chat", "List"].iter().map(|s| s.to_string()).collect();
        ir::build(&pv, "specs").unwrap()
    }

    #[test]
    fn async_stream_methods_are_one_call() {
        let text = pretty(async_methods(&chat()));
        assert_has(
            &text,
            &[
                "/// Streaming form of [`Self::chat`] with `Stream` set to `true`: yields each event",
                "pub async fn chat_stream(\n    &self,\n    request: &models::ChatRequest,\n) -> ::std::result::Result<\n    ::sdk_core::EventStream<models::ChatResponse>,\n    ::sdk_core::Error,\n> {",
                "let streaming = chat_streaming(request);\n    let request = &*streaming;\n    self.inner.call_stream(&CHAT, request).await",
                "pub async fn list_stream(",
                "self.inner.call_stream(&LIST, request).await",
            ],
        );
        assert!(!text.contains("other_stream"), "only listed actions stream");
    }

    #[test]
    fn blocking_stream_methods_return_iterators() {
        let text = pretty(blocking_methods(&chat()));
        assert_has(
            &text,
            &[
                "/// Blocking form of [`super::Client::chat_stream`]: the events as an iterator.",
                "::sdk_core::blocking::EventIter<models::ChatResponse>",
                "let streaming = super::chat_streaming(request);",
                "self.inner.call_stream(&super::CHAT, request)\n}",
            ],
        );
        assert!(!text.contains(".await"));
    }

    #[test]
    fn the_filler_sets_stream_only_when_unset() {
        let text = pretty(fillers(&chat()));
        assert_has(
            &text,
            &[
                "fn chat_streaming(request: &models::ChatRequest) -> ::std::borrow::Cow<'_, models::ChatRequest> {",
                "if request.stream == ::std::option::Option::Some(true) {",
                "request.stream = ::std::option::Option::Some(true);",
            ],
        );
        assert!(!text.contains("list_streaming"), "no Stream member, no filler");
    }
}
