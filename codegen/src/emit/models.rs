//! `models.rs` of a version: one struct per spec object, with its serde attributes; request structs get
//! their constructor and setters from [`super::request_builder`], structs with hidden members their `Debug`
//! from [`super::redacted_debug`].
//!
//! Serde decisions: fields are renamed to their wire names; unset optionals are not serialized; every field
//! of a lenient struct decodes missing or null as the default, and its numbers and booleans also accept
//! strings holding them (`sdk_core::de::lenient*`), as some services send them.

use proc_macro2::TokenStream;
use quote::quote;

use super::{allows, doc_attrs, inner_doc_attrs, redacted_debug, render, request_builder, ty_tokens};
use crate::ir::{Field, Object, Role, Ty, Version};
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
    let fields = o.fields.iter().map(|f| field_tokens(o, f));
    let debug_impl = has_redacted(o).then(|| redacted_debug::debug_impl(o));
    let builder = (o.role == Role::Request).then(|| request_builder::builder(o));
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #name { #(#fields)* }
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
        quote!(#[derive(#debug Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)])
    } else {
        quote!(#[derive(#debug Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)])
    }
}

fn field_tokens(o: &Object, f: &Field) -> TokenStream {
    let name = ident(&f.rust);
    let doc = doc_attrs(&f.doc);
    let serde = serde_attr(o, f);
    let mut ty = value_type(f);
    if !f.plain {
        ty = quote!(::std::option::Option<#ty>);
    }
    quote! { #doc #serde pub #name: #ty, }
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

fn serde_attr(o: &Object, f: &Field) -> TokenStream {
    let wire = &f.wire;
    // Numbers and booleans decoded from responses also accept strings holding them (`sdk_core::de`).
    let loose = o.lenient && numeric(&f.ty);
    match (f.plain, o.role, o.lenient) {
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
    }
}

/// A number or boolean, or (nested) lists of them: decoded with `sdk_core::de::lenient*`.
fn numeric(t: &Ty) -> bool {
    match t {
        Ty::I64 | Ty::U64 | Ty::F64 | Ty::Bool => true,
        Ty::List(inner) => numeric(inner),
        Ty::String | Ty::Binary | Ty::Object(_) => false,
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
                "/// Input.\n#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]\n#[non_exhaustive]\npub struct GoRequest {",
                "    /// Who.\n    #[serde(rename = \"Name\")]\n    pub name: ::std::string::String,",
                "    #[serde(\n        rename = \"Limit\",\n        skip_serializing_if = \"::std::option::Option::is_none\",\n        default\n    )]\n    pub limit: ::std::option::Option<i64>,",
                "pub tree: ::std::option::Option<Node>,",
                "impl GoRequest {",
            ],
        );
        let response = pretty(object_tokens(&v.objects[1]));
        assert_has(
            &response,
            &[
                "#[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]",
                "deserialize_with = \"::sdk_core::de::lenient\"\n    )]\n    pub count: u64,",
                "deserialize_with = \"::sdk_core::de::lenient_opt\",",
                "pub flags: ::std::option::Option<::std::vec::Vec<bool>>,",
                "deserialize_with = \"::sdk_core::de::null_as_default\"\n    )]\n    pub request_id: ::std::string::String,",
            ],
        );
        assert!(!response.contains("impl GoResponse"), "responses have no builder");
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
