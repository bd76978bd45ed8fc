//! The static description of the version and its actions that the runtime needs: `pub static SERVICE:
//! ServiceInfo` (signing service and dated version) and one private `ActionInfo` static per action (wire
//! name, `skip_sign`, `retry_safe`, body mode), which both clients pass to `sdk_core`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Action, BinaryBody, Version};

/// `SERVICE` and the `ActionInfo` statics of a version.
pub fn statics(v: &Version) -> TokenStream {
    let service = &v.service;
    let version = &v.api_version;
    let actions = v.actions.iter().map(action_static);
    quote! {
        /// The product and API version this module calls.
        pub static SERVICE: ::sdk_core::ServiceInfo = ::sdk_core::ServiceInfo { product: #service, version: #version };
        #(#actions)*
    }
}

fn action_static(a: &Action) -> TokenStream {
    let name = format_ident!("{}", a.static_name);
    let wire = &a.wire;
    let skip = a.skip_sign;
    let retry = a.retry_safe;
    let body = body_mode(a);
    quote! {
        static #name: ::sdk_core::ActionInfo = ::sdk_core::ActionInfo { name: #wire, skip_sign: #skip, retry_safe: #retry, body: #body };
    }
}

/// The action's `sdk_core::BodyMode`.
fn body_mode(a: &Action) -> TokenStream {
    match &a.binary_body {
        None => quote!(::sdk_core::BodyMode::Json),
        Some(BinaryBody::Multipart { binary_params }) => {
            quote!(::sdk_core::BodyMode::Multipart { binary_params: &[#(#binary_params),*] })
        }
        Some(BinaryBody::OctetStream { header_prefix }) => {
            quote!(::sdk_core::BodyMode::OctetStream { header_prefix: #header_prefix })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn one_static_per_action_with_its_flags() {
        let v = ir(
            json!({"R": {"members": []}}),
            json!({
                "DescribeThings": {"input": "R", "output": "R"},
                "Unsigned": {"input": "R", "output": "R", "skip_sign": true},
            }),
        );
        let text = pretty(statics(&v));
        assert_has(
            &text,
            &[
                "pub static SERVICE: ::sdk_core::ServiceInfo = ::sdk_core::ServiceInfo {\n    product: \"demo\",\n    version: \"2020-01-01\",\n};",
                "static DESCRIBE_THINGS: ::sdk_core::ActionInfo = ::sdk_core::ActionInfo {\n    name: \"DescribeThings\",\n    skip_sign: false,\n    retry_safe: true,\n    body: ::sdk_core::BodyMode::Json,\n};",
                "static UNSIGNED: ::sdk_core::ActionInfo = ::sdk_core::ActionInfo {\n    name: \"Unsigned\",\n    skip_sign: true,\n    retry_safe: false,\n    body: ::sdk_core::BodyMode::Json,\n};",
            ],
        );
    }
}
