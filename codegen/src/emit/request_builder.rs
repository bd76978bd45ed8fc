//! How users build a request struct: `new(required...)` with the plain members in spec order, and one
//! chainable setter per optional member, named like the field. Request structs are `#[non_exhaustive]`, so
//! outside the crate this is the only way to build one and a forgotten required member does not compile.
//!
//! String arguments take `impl Into<String>` (`"1400006666"` or a `String`); boxed fields are boxed here,
//! so callers never write `Box::new`.
//!
//! When two required members have the same type (`SendSms`: `SmsSdkAppId` and `TemplateId`, both strings;
//! `AddSmsTemplate`: two `u64` flags), positional arguments could be swapped and still compile. Then `new`
//! takes them by name instead, in a generated `<Name>Required` struct with public fields
//! (`SendSmsRequest::new(SendSmsRequired { phone_number_set, sms_sdk_app_id, template_id })`): still checked
//! at compile time (a missing field does not compile), and every value is next to its name.

use proc_macro2::TokenStream;
use quote::quote;

use super::ty_tokens;
use crate::ir::{Field, Object, Ty};
use crate::naming::{ident, unraw};

/// `impl Request { new(...), setters... }` of a request struct, and its `<Name>Required` struct when
/// positional arguments could be swapped.
pub fn builder(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let required: Vec<&Field> = o.fields.iter().filter(|f| f.plain).collect();
    let named = o.required_name.is_some();
    let inits = o.fields.iter().map(|f| initializer(f, named));
    let setters = o.fields.iter().filter(|f| !f.plain).map(setter);
    let (required_struct, new, bind) = if named {
        named_new(o, &required)
    } else {
        let new_doc = new_doc(o, &required, "");
        let params = required.iter().map(|f| argument(f).0);
        (
            quote!(),
            quote! { #[doc = #new_doc] pub fn new(#(#params),*) -> Self },
            quote!(),
        )
    };
    quote! {
        #required_struct
        impl #name {
            #new {
                #bind
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// The `<Name>Required` struct, the signature of a `new` that takes it, and the statement that binds its
/// fields by name (so the struct expression in `new`'s body is the same as for positional arguments).
fn named_new(o: &Object, required: &[&Field]) -> (TokenStream, TokenStream, TokenStream) {
    let required_name = o.required_name.as_deref().unwrap_or_default();
    let ident_required = ident(required_name);
    let struct_doc = format!(
        " The required members of [`{}`], given by name: two of them have the same type, so positional \
         arguments could be swapped without a compile error.",
        o.rust
    );
    // Each field points at the request's field of the same name rather than copying its docs.
    let fields = required.iter().map(|f| {
        let name = ident(&f.rust);
        let ty = ty_tokens(&f.ty);
        // A raw name (`r#type`) is linked by its plain name: rustdoc reads `#` in a link as a fragment.
        let doc = if f.rust.starts_with("r#") {
            format!(" [`{0}::{1}`]({0}::{2}).", o.rust, f.rust, unraw(&f.rust))
        } else {
            format!(" [`{}::{}`].", o.rust, f.rust)
        };
        quote! { #[doc = #doc] pub #name: #ty }
    });
    let names = required.iter().map(|f| ident(&f.rust));
    let new_doc = new_doc(o, required, &format!(", given by name in [`{required_name}`]"));
    let strukt = quote! {
        #[doc = #struct_doc]
        #[derive(Clone, PartialEq)]
        pub struct #ident_required { #(#fields),* }
    };
    let new = quote! {
        #[doc = #new_doc]
        pub fn new(required: #ident_required) -> Self
    };
    let bind = quote! { let #ident_required { #(#names),* } = required; };
    (strukt, new, bind)
}

/// The parameter `name: Type` that sets `f`, and the expression that turns it into the field's value.
fn argument(f: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&f.rust);
    let (ty, mut value) = match &f.ty {
        Ty::String => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(#name.into()),
        ),
        Ty::Binary => (
            quote!(impl ::std::convert::Into<::sdk_core::Binary>),
            quote!(#name.into()),
        ),
        t => (ty_tokens(t), quote!(#name)),
    };
    if f.boxed {
        value = quote!(::std::boxed::Box::new(#value));
    }
    (quote!(#name: #ty), value)
}

/// The field in `new`'s struct expression: the argument (shorthand when it needs no conversion) or `None`.
/// `named`: the value comes from a `<Name>Required` field, already of the field's type.
fn initializer(f: &Field, named: bool) -> TokenStream {
    let name = ident(&f.rust);
    if !f.plain {
        return quote!(#name: ::std::option::Option::None);
    }
    match (&f.ty, f.boxed) {
        (_, true) if named => quote!(#name: ::std::boxed::Box::new(#name)),
        (Ty::String | Ty::Binary, _) | (_, true) if !named => {
            let value = argument(f).1;
            quote!(#name: #value)
        }
        _ => quote!(#name),
    }
}

fn setter(f: &Field) -> TokenStream {
    let name = ident(&f.rust);
    let (param, value) = argument(f);
    let doc = format!(" Sets `{}`.", f.wire);
    let deprecated = f
        .disabled
        .then(|| quote!(#[deprecated(note = "the API marks this member disabled: the service may ignore it")]));
    quote! {
        #[doc = #doc]
        #deprecated
        pub fn #name(mut self, #param) -> Self {
            self.#name = ::std::option::Option::Some(#value);
            self
        }
    }
}

/// `new`'s doc: "A request ..." for an action's request, "A `Filter` ..." for an object inside one.
fn new_doc(o: &Object, required: &[&Field], how: &str) -> String {
    let what = match o.rust.ends_with("Request") {
        true => "request".to_owned(),
        false => format!("`{}`", o.rust),
    };
    if required.is_empty() {
        return format!(" A {what} with every member unset.");
    }
    let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
    format!(
        " A {what} with its required members ({}){how}; set optional ones with the setters.",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, one_action, pretty};

    #[test]
    fn new_takes_required_members_in_spec_order_and_setters_the_rest() {
        let v = one_action(json!([
            {"name": "Phones", "type": "list", "member": "string", "required": true},
            {"name": "Sign", "type": "string", "member": "string"},
            {"name": "AppId", "type": "string", "member": "string", "required": true},
            {"name": "Count", "type": "int", "member": "int64", "required": true},
            {"name": "new", "type": "bool", "member": "bool"},
        ]));
        let text = pretty(builder(&v.objects[0]));
        assert_has(
            &text,
            &[
                "/// A request with its required members (`Phones`, `AppId`, `Count`); set optional ones with the setters.",
                "pub fn new(\n        phones: ::std::vec::Vec<::std::string::String>,\n        app_id: impl ::std::convert::Into<::std::string::String>,\n        count: i64,\n    ) -> Self {",
                "Self {\n            phones,\n            sign: ::std::option::Option::None,\n            app_id: app_id.into(),\n            count,\n            new_2: ::std::option::Option::None,\n        }",
                "/// Sets `Sign`.\n    pub fn sign(mut self, sign: impl ::std::convert::Into<::std::string::String>) -> Self {\n        self.sign = ::std::option::Option::Some(sign.into());",
                "pub fn new_2(mut self, new_2: bool) -> Self {",
            ],
        );
        assert!(!text.contains("pub fn phones("), "required members have no setter");
    }

    #[test]
    fn two_required_members_of_one_type_are_given_by_name() {
        let v = one_action(json!([
            {"name": "AppId", "type": "string", "member": "string", "required": true},
            {"name": "Count", "type": "int", "member": "int64", "required": true},
            {"name": "TemplateId", "type": "string", "member": "string", "required": true},
            {"name": "Sign", "type": "string", "member": "string"},
        ]));
        let text = pretty(builder(&v.objects[0]));
        assert_has(
            &text,
            &[
                "pub struct GoRequired {",
                "pub app_id: ::std::string::String,",
                "pub count: i64,",
                "pub template_id: ::std::string::String,",
                "pub fn new(required: GoRequired) -> Self {",
                "let GoRequired { app_id, count, template_id } = required;",
                "Self {\n            app_id,\n            count,\n            template_id,\n            sign: ::std::option::Option::None,\n        }",
            ],
        );
        // Different types stay positional.
        let v = one_action(json!([
            {"name": "AppId", "type": "string", "member": "string", "required": true},
            {"name": "Count", "type": "int", "member": "int64", "required": true},
        ]));
        let text = pretty(builder(&v.objects[0]));
        assert!(text.contains("pub fn new(") && !text.contains("Required"), "{text}");
    }

    #[test]
    fn an_object_inside_a_request_is_named_in_its_new_doc() {
        let v = crate::testing::ir(
            json!({
                "GoRequest": {"members": [{"name": "F", "type": "object", "member": "Filter", "required": true}]},
                "Filter": {"members": [{"name": "Name", "type": "string", "member": "string", "required": true}]},
                "GoResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let filter = v.objects.iter().find(|o| o.rust == "Filter").unwrap();
        let text = pretty(builder(filter));
        assert!(
            text.contains("/// A `Filter` with its required members (`Name`)"),
            "{text}"
        );
    }

    #[test]
    fn disabled_members_are_optional_with_a_deprecated_setter() {
        let v = one_action(json!([
            {"name": "Old", "type": "string", "member": "string", "required": true, "disabled": true},
            {"name": "New", "type": "string", "member": "string", "required": true},
        ]));
        let text = pretty(builder(&v.objects[0]));
        assert_has(
            &text,
            &[
                "pub fn new(new_2: impl ::std::convert::Into<::std::string::String>) -> Self {",
                "#[deprecated(note = \"the API marks this member disabled: the service may ignore it\")]\n    pub fn old(",
            ],
        );
    }

    #[test]
    fn boxed_members_are_boxed_by_the_builder() {
        let v = one_action(json!([
            {"name": "Parent", "type": "object", "member": "GoRequest", "required": true},
            {"name": "Sibling", "type": "object", "member": "GoRequest"},
        ]));
        let text = pretty(builder(&v.objects[0]));
        assert!(text.contains("pub fn new(parent: GoRequest) -> Self {"), "{text}");
        assert!(text.contains("parent: ::std::boxed::Box::new(parent),"), "{text}");
        assert!(
            text.contains("::std::option::Option::Some(::std::boxed::Box::new(sibling))"),
            "{text}"
        );
    }

    #[test]
    fn a_request_without_required_members_says_so() {
        let v = one_action(json!([]));
        assert!(pretty(builder(&v.objects[0]))
            .contains("/// A request with every member unset.\n    pub fn new() -> Self {"));
    }
}
