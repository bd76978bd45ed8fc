//! How users build a request struct: `new(required...)` with the plain members in spec order, and one
//! chainable setter per optional member, named like the field. Request structs are `#[non_exhaustive]`, so
//! outside the crate this is the only way to build one and a forgotten required member does not compile.
//!
//! String arguments take `impl Into<String>` (`"1400006666"` or a `String`); boxed fields are boxed here,
//! so callers never write `Box::new`.

use proc_macro2::TokenStream;
use quote::quote;

use super::ty_tokens;
use crate::ir::{Field, Object, Ty};
use crate::naming::ident;

/// `impl Request { new(...), setters... }` of a request struct.
pub fn builder(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let required: Vec<&Field> = o.fields.iter().filter(|f| f.plain).collect();
    let new_doc = new_doc(&required);
    let params = required.iter().map(|f| argument(f).0);
    let inits = o.fields.iter().map(initializer);
    let setters = o.fields.iter().filter(|f| !f.plain).map(setter);
    quote! {
        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// The parameter `name: Type` that sets `f`, and the expression that turns it into the field's value.
fn argument(f: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&f.rust);
    let (ty, mut value) = match &f.ty {
        Ty::String => (
            quote!(impl ::std::convert::Into<::std::string::String>),
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
fn initializer(f: &Field) -> TokenStream {
    let name = ident(&f.rust);
    if !f.plain {
        return quote!(#name: ::std::option::Option::None);
    }
    match (&f.ty, f.boxed) {
        (Ty::String, _) | (_, true) => {
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
    quote! {
        #[doc = #doc]
        pub fn #name(mut self, #param) -> Self {
            self.#name = ::std::option::Option::Some(#value);
            self
        }
    }
}

fn new_doc(required: &[&Field]) -> String {
    if required.is_empty() {
        return " A request with every member unset.".to_string();
    }
    let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
    format!(
        " A request with its required members ({}); set optional ones with the setters.",
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
