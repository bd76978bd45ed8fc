//! `models.rs` of a version: one struct per spec object; request structs get their constructor and
//! setters from [`super::request_builder`], structs with hidden members their `Debug` from
//! [`super::redacted_debug`], every struct its `Serialize` from [`super::serialize`] and its `Deserialize`
//! from [`super::deserialize`].
//!
//! Serde decisions: neither `Serialize` nor `Deserialize` is derived (compile cost: see those modules); both
//! use the members' wire names, and the encoding and decoding rules live in `sdk_core::ser` and
//! [`super::deserialize`].

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    allows, deserialize, doc_attrs, inner_doc_attrs, redacted_debug, render, request_builder, serialize, ty_tokens,
};
use crate::ir::{Field, Object, Role, Version};
use crate::naming::ident;
use crate::Error;

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

/// The struct of one object, its `Debug` when written by hand, and a request's constructor and setters.
pub fn object_tokens(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let doc = doc_attrs(&o.doc);
    let derive = derive_attr(o);
    let fields = o.fields.iter().map(field_tokens);
    let debug_impl = has_redacted(o).then(|| redacted_debug::debug_impl(o));
    let serialize_impl = serialize::serialize_impl(o);
    let deserialize_impl = deserialize::deserialize_impl(o);
    let builder = (o.role == Role::Request).then(|| request_builder::builder(o));
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #name { #(#fields)* }
        #serialize_impl
        #deserialize_impl
        #debug_impl
        #builder
    }
}

fn has_redacted(o: &Object) -> bool {
    o.fields.iter().any(|f| f.redact.is_some())
}

/// Structs with members the redaction policy hides derive everything but `Debug`; lenient ones `Default`.
fn derive_attr(o: &Object) -> TokenStream {
    let debug = (!has_redacted(o)).then(|| quote!(Debug,));
    if o.lenient {
        quote!(#[derive(#debug Clone, Default, PartialEq)])
    } else {
        quote!(#[derive(#debug Clone, PartialEq)])
    }
}

fn field_tokens(f: &Field) -> TokenStream {
    let name = ident(&f.rust);
    let doc = doc_attrs(&f.doc);
    let mut ty = value_type(f);
    if !f.plain {
        ty = quote!(::std::option::Option<#ty>);
    }
    quote! { #doc pub #name: #ty, }
}

/// The field's type without `Option`: boxed when it closes a cycle of structs.
pub fn value_type(f: &Field) -> TokenStream {
    let ty = ty_tokens(&f.ty);
    if f.boxed {
        quote!(::std::boxed::Box<#ty>)
    } else {
        ty
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn structs_fields_and_serde_attributes() {
        let v = ir(
            json!({
                "GoRequest": {"document": "Input.", "members": [
                    {"name": "Name", "type": "string", "member": "string", "required": true, "document": "Who."},
                    {"name": "Limit", "type": "int", "member": "int64"},
                    {"name": "Tree", "type": "object", "member": "Node"},
                ]},
                "GoResponse": {"members": [
                    {"name": "Count", "type": "int", "member": "uint64", "output_required": true},
                    {"name": "Flags", "type": "list", "member": "bool"},
                    {"name": "RequestId", "type": "string", "member": "string"},
                ]},
                "Node": {"members": [{"name": "Up", "type": "object", "member": "Node"}]},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let request = pretty(object_tokens(&v.objects[0]));
        assert_has(
            &request,
            &[
                "/// Input.\n#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub struct GoRequest {",
                "    /// Who.\n    pub name: ::std::string::String,",
                "    pub limit: ::std::option::Option<i64>,",
                "impl ::serde::Serialize for GoRequest {",
                "out.member(\"Limit\", &self.limit);",
                "pub tree: ::std::option::Option<Node>,",
                "impl<'de> ::serde::Deserialize<'de> for GoRequest {",
                "const NAMES: &'static [&'static str] = &[\"Name\", \"Limit\", \"Tree\"];",
                "0 => ::sdk_core::de::some_into(&mut map, &mut v0),",
                "1 => ::sdk_core::de::value_into(&mut map, &mut v1),",
                "_ => ::std::result::Result::Ok(()),\n            }?;",
                "name: ::sdk_core::de::required(v0, \"Name\")?,",
                "impl GoRequest {",
            ],
        );
        let response = pretty(object_tokens(&v.objects[1]));
        assert_has(
            &response,
            &[
                "#[derive(Debug, Clone, Default, PartialEq)]",
                "    pub count: u64,",
                "pub flags: ::std::option::Option<::std::vec::Vec<bool>>,",
                "let mut out = <Self as ::std::default::Default>::default();",
                "0 => ::sdk_core::de::lenient_into(&mut map, &mut out.count),",
                "1 => ::sdk_core::de::lenient_opt_into(&mut map, &mut out.flags),",
                "2 => ::sdk_core::de::lenient_into(&mut map, &mut out.request_id),",
            ],
        );
        assert!(!response.contains("impl GoResponse {"), "responses have no builder");
        let node = pretty(object_tokens(&v.objects[2]));
        assert!(
            node.contains("pub up: ::std::option::Option<::std::boxed::Box<Node>>,"),
            "{node}"
        );
    }

    #[test]
    fn the_file_has_header_module_docs_and_every_struct() {
        let v = ir(json!({"A": {"members": []}, "B": {"members": []}}), json!({}));
        let text = models(&v).unwrap();
        assert!(text.starts_with("// @generated by `cargo xtask gen` from specs/demo/v20200101 — do not edit.\n"));
        assert!(text.contains("//! Request, response and data types of API version 2020-01-01 (`v20200101`)."));
        assert!(
            text.contains("pub struct A {}") && text.contains("pub struct B {}"),
            "{text}"
        );
    }
}
