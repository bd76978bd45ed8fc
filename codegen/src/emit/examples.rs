//! The hidden example hooks of a version, behind the crate's `__examples` feature (they instantiate every
//! action's types, which users should not pay for): `__roundtrip_example` decodes an example request into
//! the action's request type, re-encodes it and compares JSON values, then decodes the example response;
//! `__debug_example` returns the `Debug` text of both, so tests can check what the redaction policy hides
//! over every example. Both look the action up in one table sorted by wire name (a table, not a `match`:
//! rustc is slow on very large string matches).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Action, Version};
use crate::naming::ident;

/// The hooks, their table and the two generic functions the table points at.
pub fn hooks(v: &Version) -> TokenStream {
    let entry_points = entry_points();
    let table = table(v);
    let show = show_fn();
    let check = check_fn();
    quote! {
        #entry_points
        #table
        #show
        #check
    }
}

/// `__roundtrip_example` and `__debug_example`: look the action up, call its row.
fn entry_points() -> TokenStream {
    quote! {
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
    }
}

/// The function types and the table: one row per action, sorted by action name (as `v.actions` is, so
/// the hooks can search it).
fn table(v: &Version) -> TokenStream {
    let rows = v.actions.iter().map(row);
    quote! {
        #[cfg(feature = "__examples")]
        type __Check = fn(&str, &str) -> ::std::result::Result<(), ::std::string::String>;
        #[cfg(feature = "__examples")]
        type __Show = fn(&str, &str) -> ::std::result::Result<::std::string::String, ::std::string::String>;
        #[cfg(feature = "__examples")]
        static __EXAMPLE_HOOKS: &[(&str, __Check, __Show)] = &[
            #(#rows)*
        ];
    }
}

fn row(a: &Action) -> TokenStream {
    let wire = &a.wire;
    let input = ident(&a.input);
    let output = ident(&a.output);
    quote! {
        (#wire, __check::<models::#input, models::#output>, __show::<models::#input, models::#output>),
    }
}

/// `__show`: the `Debug` text (compact and pretty) of the decoded request and response.
fn show_fn() -> TokenStream {
    quote! {
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
    }
}

/// `__check`: the round trip of one example through the action's types.
fn check_fn() -> TokenStream {
    quote! {
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
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn a_sorted_row_per_action_and_every_item_behind_the_feature() {
        let v = ir(
            json!({"BRequest": {"members": []}, "Out": {"members": []}}),
            json!({
                "Zeta": {"input": "Out", "output": "Out"},
                "Alpha": {"input": "BRequest", "output": "Out"},
            }),
        );
        let text = pretty(hooks(&v));
        let rows = "static __EXAMPLE_HOOKS: &[(&str, __Check, __Show)] = &[\n    (\"Alpha\", __check::<models::BRequest, models::Out>, __show::<models::BRequest, models::Out>),\n    (\"Zeta\", __check::<models::Out, models::Out>, __show::<models::Out, models::Out>),\n];";
        assert_has(&text, &[rows]);
        for item in [
            "pub fn __roundtrip_example(",
            "pub fn __debug_example(",
            "type __Check",
            "type __Show",
            "static __EXAMPLE_HOOKS",
            "fn __show<",
            "fn __check<",
        ] {
            let at = text.find(item).unwrap_or_else(|| panic!("{item} missing"));
            let before = &text[..at];
            let gate = before
                .rfind("#[cfg(feature = \"__examples\")]")
                .expect("a gate before it");
            assert!(!before[gate..].contains("\n}\n"), "{item} is not behind the feature");
        }
    }
}
