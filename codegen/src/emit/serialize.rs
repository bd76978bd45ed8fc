//! `Serialize` of every generated struct, written out instead of derived: a one-line
//! `Serialize::serialize` plus `sdk_core::ser::{Encode, Fields}`, one line per member.
//!
//! Why not `#[derive(Serialize)]`: in the largest product crates the derive's per-struct generic function
//! was about a quarter of a debug build's peak memory (issue 16, figures in BENCHMARKS.md); the generic part
//! now lives once in `sdk_core::ser`, which also holds the encoding rules (wire names, unset optionals left
//! out).
//!
//! `encode` and `fields` are `#[inline]`: a crate compiles them only where a type is serialized (every
//! request, in the client's call path), not for each of its thousands of response and data types; without
//! it sdk-csip's debug build peaked 140 MB higher (BENCHMARKS.md).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::Object;
use crate::naming::ident;

/// `impl Serialize`, `impl sdk_core::ser::Encode` and `impl sdk_core::ser::Fields` of one struct.
pub fn serialize_impl(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let type_name = &o.rust;
    let members = o.fields.iter().map(|f| {
        let field = ident(&f.rust);
        let wire = &f.wire;
        quote!(out.member(#wire, &self.#field);)
    });
    // `out` is unused in a struct without members.
    let out = if o.fields.is_empty() { quote!(_out) } else { quote!(out) };
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                ::sdk_core::ser::serialize(self, s)
            }
        }
        impl ::sdk_core::ser::Encode for #name {
            #[inline]
            fn encode(&self) -> ::sdk_core::ser::Value<'_> {
                ::sdk_core::ser::Value::Struct(#type_name, self)
            }
        }
        impl ::sdk_core::ser::Fields for #name {
            #[inline]
            fn fields(&self, #out: &mut dyn ::sdk_core::ser::Sink) {
                #(#members)*
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn one_line_per_member_under_its_wire_name() {
        let v = ir(
            json!({
                "GoRequest": {"members": [
                    {"name": "Name", "type": "string", "member": "string", "required": true},
                    {"name": "Type", "type": "int", "member": "int64"},
                ]},
                "GoResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let code = pretty(serialize_impl(&v.objects[0]));
        assert_has(
            &code,
            &[
                "::sdk_core::ser::serialize(self, s)",
                "::sdk_core::ser::Value::Struct(\"GoRequest\", self)",
                "out.member(\"Name\", &self.name);",
                "out.member(\"Type\", &self.r#type);",
            ],
        );
    }
}
