//! `Deserialize` of every generated struct, written out instead of derived: a one-line
//! `Deserialize::deserialize` plus `sdk_core::de::Members`, one match arm per member, each a call that
//! writes the member in place (`sdk_core::de::*_into`), with one `?` for the whole match.
//!
//! Why not `#[derive(Deserialize)]`: the derive's per-struct code (field enum, map and sequence visitors,
//! one wrapper type per `deserialize_with` field) was most of the compile time and memory of the large
//! product crates (issue 16, figures in BENCHMARKS.md); everything shared lives once in `sdk_core::de`.
//!
//! Decoding rules, per member (the only place they are decided):
//! - lenient structs (decoded from responses) start from `Default`, so a missing member keeps its default;
//!   a plain member decodes `null` as the default, numbers and booleans also from strings and strings also
//!   from numbers and booleans (`lenient_into`), optional ones `null` → `None` (`lenient_opt_into` for
//!   scalars); objects inside are decoded by their own rules;
//! - other structs (requests) need their plain (required) members: a missing one is `missing field`;
//!   optional ones decode `null` → `None`;
//! - unknown members are skipped in both.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ir::{Field, Object, Ty};
use crate::naming::ident;

/// `impl Deserialize` and `impl sdk_core::de::Members` of one struct.
pub fn deserialize_impl(o: &Object) -> TokenStream {
    let name = ident(&o.rust);
    let type_name = &o.rust;
    let wires = o.fields.iter().map(|f| &f.wire);
    let body = if o.lenient { lenient_body(o) } else { strict_body(o) };
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                ::sdk_core::de::deserialize_members(d)
            }
        }
        impl ::sdk_core::de::Members for #name {
            const NAME: &'static str = #type_name;
            const NAMES: &'static [&'static str] = &[#(#wires),*];
            fn from_members<'de, A: ::serde::de::MapAccess<'de>>(mut map: A) -> ::std::result::Result<Self, A::Error> {
                #body
            }
        }
    }
}

/// Starts from `Default` and overwrites each member that arrives.
fn lenient_body(o: &Object) -> TokenStream {
    if o.fields.is_empty() {
        return skip_all();
    }
    let arms = o.fields.iter().enumerate().map(|(i, f)| {
        let i = Literal::usize_unsuffixed(i);
        let field = ident(&f.rust);
        let read = lenient_read(f);
        quote!(#i => #read(&mut map, &mut out.#field),)
    });
    quote! {
        let mut out = <Self as ::std::default::Default>::default();
        while let ::std::option::Option::Some(i) = ::sdk_core::de::next_member(&mut map, <Self as ::sdk_core::de::Members>::NAMES)? {
            match i {
                #(#arms)*
                _ => ::std::result::Result::Ok(()),
            }?;
        }
        ::std::result::Result::Ok(out)
    }
}

fn lenient_read(f: &Field) -> TokenStream {
    match (f.plain, scalar(&f.ty)) {
        (true, true) => quote!(::sdk_core::de::lenient_into),
        (true, false) => quote!(::sdk_core::de::null_as_default_into),
        (false, true) => quote!(::sdk_core::de::lenient_opt_into),
        (false, false) => quote!(::sdk_core::de::value_into),
    }
}

/// One local per member (`None` until it arrives); plain members are required at the end.
fn strict_body(o: &Object) -> TokenStream {
    if o.fields.is_empty() {
        return skip_all();
    }
    let local = |i: usize| quote::format_ident!("v{}", i);
    let lets = (0..o.fields.len()).map(|i| {
        let v = local(i);
        quote!(let mut #v = ::std::option::Option::None;)
    });
    let arms = o.fields.iter().enumerate().map(|(i, f)| {
        let v = local(i);
        let i = Literal::usize_unsuffixed(i);
        if f.plain {
            quote!(#i => ::sdk_core::de::some_into(&mut map, &mut #v),)
        } else {
            quote!(#i => ::sdk_core::de::value_into(&mut map, &mut #v),)
        }
    });
    let inits = o.fields.iter().enumerate().map(|(i, f)| {
        let v = local(i);
        let field = ident(&f.rust);
        let wire = &f.wire;
        if f.plain {
            quote!(#field: ::sdk_core::de::required(#v, #wire)?,)
        } else {
            quote!(#field: #v,)
        }
    });
    quote! {
        #(#lets)*
        while let ::std::option::Option::Some(i) = ::sdk_core::de::next_member(&mut map, <Self as ::sdk_core::de::Members>::NAMES)? {
            match i {
                #(#arms)*
                _ => ::std::result::Result::Ok(()),
            }?;
        }
        ::std::result::Result::Ok(Self { #(#inits)* })
    }
}

/// A struct without members: every member of the map is unknown.
fn skip_all() -> TokenStream {
    quote! {
        while ::sdk_core::de::next_member(&mut map, <Self as ::sdk_core::de::Members>::NAMES)?.is_some() {}
        ::std::result::Result::Ok(Self {})
    }
}

/// A number, boolean or string, or (nested) lists of them: decoded with `sdk_core::de::lenient*`.
pub fn scalar(t: &Ty) -> bool {
    match t {
        Ty::I64 | Ty::U64 | Ty::F64 | Ty::Bool | Ty::String => true,
        Ty::List(inner) => scalar(inner),
        Ty::Binary | Ty::Object(_) => false,
    }
}
