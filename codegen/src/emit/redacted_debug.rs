//! `Debug` of structs with members the redaction policy hides ([`crate::redaction`]): it prints each member
//! as `#[derive(Debug)]` would, except hidden ones, which go through `sdk_core::redact` (`***`, or phone
//! numbers masked to their last 4 characters). Written out only for those structs; the others derive it.

use proc_macro2::TokenStream;
use quote::quote;

use super::unraw;
use crate::ir::{Field, Object, Redaction};
use crate::naming::ident;

/// `impl Debug` of a struct with hidden members.
pub fn debug_impl(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let type_name = &o.rust;
    let fields = o.fields.iter().map(debug_field);
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#type_name) #(#fields)* .finish()
            }
        }
    }
}

fn debug_field(f: &Field) -> TokenStream {
    let name = ident(&f.rust);
    // The derive prints raw identifiers without `r#`.
    let shown = unraw(&f.rust);
    match f.redact {
        None => quote!(.field(#shown, &self.#name)),
        Some(Redaction::Phone) => quote!(.field(#shown, &::sdk_core::redact::Phone(&self.#name))),
        Some(_) => quote!(.field(#shown, &::sdk_core::redact::Secret(&self.#name))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, one_action, pretty};

    #[test]
    fn hidden_members_go_through_the_runtime_markers() {
        let v = one_action(json!([
            {"name": "type", "type": "string", "member": "string"},
            {"name": "PhoneNumberSet", "type": "list", "member": "string"},
            {"name": "SecretKey", "type": "string", "member": "string"},
        ]));
        let text = pretty(debug_impl(&v.objects[0]));
        let expected = r#"f.debug_struct("GoRequest")
            .field("type", &self.r#type)
            .field("phone_number_set", &::sdk_core::redact::Phone(&self.phone_number_set))
            .field("secret_key", &::sdk_core::redact::Secret(&self.secret_key))
            .finish()"#;
        assert_has(&text, &[expected]);
        assert!(text.starts_with("impl ::std::fmt::Debug for GoRequest {"), "{text}");
    }
}
