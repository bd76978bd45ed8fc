//! The `ClientToken` fillers: for an action whose input has a string `ClientToken` member, a private
//! `<method>_with_token` function at module level that both clients send the request through. When the
//! caller left the token unset or empty it returns a copy with `sdk_core::idempotency_token()`; a request
//! that has a token is borrowed as it is (`Cow`). The runtime serializes once and re-sends the same bytes on
//! every retry attempt, so the token chosen here is the same on every attempt.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::unraw;
use crate::ir::{Action, ClientToken, Version};
use crate::naming::ident;

/// The fillers of every `ClientToken` action of a version.
pub fn fillers(v: &Version) -> TokenStream {
    let fillers = v
        .actions
        .iter()
        .filter_map(|a| a.client_token.as_ref().map(|token| filler(a, token)));
    quote! { #(#fillers)* }
}

/// The request expression a client method passes to the runtime: `request`, or for `ClientToken` actions
/// `&*<method>_with_token(request)`; `path` reaches the module the fillers are in (`super::` from
/// `blocking`).
pub fn sent_request(a: &Action, path: TokenStream) -> TokenStream {
    match &a.client_token {
        None => quote!(request),
        Some(_) => {
            let filler = filler_name(a);
            quote!(&*#path #filler(request))
        }
    }
}

fn filler_name(a: &Action) -> proc_macro2::Ident {
    format_ident!("{}_with_token", unraw(&a.method))
}

fn filler(a: &Action, token: &ClientToken) -> TokenStream {
    let name = filler_name(a);
    let input = ident(&a.input);
    let field = ident(&token.field);
    // A required token is a plain `String`; unset means empty.
    let (is_set, fresh) = if token.required {
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
    let doc = format!(
        " The request [`Client::{}`] sends: with a fresh `ClientToken` if it has none (or an empty one), \
         chosen once per call so every retry attempt carries the same token.",
        unraw(&a.method)
    );
    quote! {
        #[doc = #doc]
        fn #name(request: &models::#input) -> ::std::borrow::Cow<'_, models::#input> {
            if #is_set {
                return ::std::borrow::Cow::Borrowed(request);
            }
            let mut request = ::std::clone::Clone::clone(request);
            request.#field = #fresh;
            ::std::borrow::Cow::Owned(request)
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    fn version() -> Version {
        ir(
            json!({
                "Optional": {"members": [{"name": "ClientToken", "type": "string", "member": "string"}]},
                "Required": {"members": [{"name": "ClientToken", "type": "string", "member": "string", "required": true}]},
                "Out": {"members": []},
            }),
            json!({
                "CreateOptional": {"input": "Optional", "output": "Out"},
                "CreateRequired": {"input": "Required", "output": "Out"},
                "DescribeOut": {"input": "Out", "output": "Out"},
            }),
        )
    }

    #[test]
    fn a_filler_per_token_action_checks_set_and_empty() {
        let text = pretty(fillers(&version()));
        assert_eq!(text.matches(") -> ::std::borrow::Cow<").count(), 2, "{text}");
        assert_has(
            &text,
            &[
                "fn create_optional_with_token(\n    request: &models::Optional,\n) -> ::std::borrow::Cow<'_, models::Optional> {",
                "if request.client_token.as_deref().is_some_and(|t| !t.is_empty()) {",
                "request.client_token = ::std::option::Option::Some(::sdk_core::idempotency_token());",
                "if !request.client_token.is_empty() {",
                "request.client_token = ::sdk_core::idempotency_token();",
                "/// The request [`Client::create_required`] sends:",
            ],
        );
    }

    #[test]
    fn only_token_actions_send_through_a_filler() {
        let v = version();
        let sent = |i: usize, path: TokenStream| sent_request(&v.actions[i], path).to_string();
        assert_eq!(sent(0, quote!()), "& * create_optional_with_token (request)");
        assert_eq!(
            sent(1, quote!(super::)),
            "& * super :: create_required_with_token (request)"
        );
        assert_eq!(sent(2, quote!(super::)), "request");
    }
}
