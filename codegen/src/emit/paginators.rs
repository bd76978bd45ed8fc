//! Paginators of a version's list actions ([`crate::ir::paging`] decides which): a `static` `Paging` per
//! action (the wire names the runtime walks by) and, in their own `impl` blocks beside the clients,
//! `<method>_pages` (a `Stream` of responses) and `<method>_items` (a `Stream` of the list's elements) on
//! the async `Client`, and the same names returning iterators on `blocking::Client`. All walking is
//! `sdk_core::paginate`'s; a method is one constructor call.
//!
//! Decisions: separate `impl` blocks, so the clients' own emitters know nothing of paging; the blocking
//! methods reach the async client through `core().as_async()` (its field is private to its module);
//! deprecated actions' paginators are deprecated too, and call no deprecated method themselves.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{deprecation, unraw};
use crate::ir::paging::{Paging, Style};
use crate::ir::{Action, Ty, Version};
use crate::naming::ident;

/// The statics and both clients' paginator methods; nothing when no action pages.
pub fn paginators(v: &Version) -> TokenStream {
    let paged: Vec<(&Action, &Paging)> = v
        .actions
        .iter()
        .filter_map(|a| a.paging.as_ref().map(|p| (a, p)))
        .collect();
    if paged.is_empty() {
        return quote!();
    }
    let statics = paged.iter().map(|(a, p)| paging_static(a, p));
    let methods = paged.iter().map(|(a, p)| async_methods(a, p));
    let blocking = paged.iter().map(|(a, p)| blocking_methods(a, p));
    quote! {
        #(#statics)*
        impl Client {
            #(#methods)*
        }
        #[cfg(feature = "blocking")]
        impl blocking::Client {
            #(#blocking)*
        }
    }
}

fn static_ident(a: &Action) -> proc_macro2::Ident {
    format_ident!("{}_PAGING", a.static_name)
}

fn opt_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(n) => quote!(::std::option::Option::Some(#n)),
        None => quote!(::std::option::Option::None),
    }
}

fn opt_str(v: Option<&str>) -> TokenStream {
    match v {
        Some(s) => quote!(::std::option::Option::Some(#s)),
        None => quote!(::std::option::Option::None),
    }
}

/// `static <ACTION>_PAGING: ::sdk_core::paginate::Paging = ...;`
fn paging_static(a: &Action, p: &Paging) -> TokenStream {
    let name = static_ident(a);
    let style = match &p.style {
        Style::Offset {
            offset,
            limit,
            default_limit,
        } => {
            let default_limit = opt_u64(*default_limit);
            quote!(::sdk_core::paginate::Style::Offset { offset: #offset, limit: #limit, default_limit: #default_limit })
        }
        Style::Page {
            page,
            size,
            first,
            default_size,
        } => {
            let default_size = opt_u64(*default_size);
            quote!(::sdk_core::paginate::Style::Page { page: #page, size: #size, first: #first, default_size: #default_size })
        }
        Style::Token {
            request,
            response,
            limit,
            default_limit,
        } => {
            let limit = opt_str(limit.as_deref());
            let default_limit = opt_u64(*default_limit);
            quote!(::sdk_core::paginate::Style::Token {
                request: #request, response: #response, limit: #limit, default_limit: #default_limit
            })
        }
    };
    let list = &p.list_wire;
    let total = opt_str(p.total.as_deref());
    let within = opt_str(p.within.as_ref().map(|w| w.wire.as_str()));
    let doc = format!(" How `{}` pages ({}).", a.wire, p.style.kind());
    quote! {
        #[doc = #doc]
        static #name: ::sdk_core::paginate::Paging = ::sdk_core::paginate::Paging {
            style: #style,
            list: #list,
            total: #total,
            within: #within,
        };
    }
}

/// The list's element type, objects through `models::`.
fn item_tokens(t: &Ty) -> TokenStream {
    match t {
        Ty::Object(name) => {
            let id = ident(name);
            quote!(models::#id)
        }
        Ty::List(inner) => {
            let inner = item_tokens(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        other => super::ty_tokens(other),
    }
}

/// What the generated methods share: names and types.
struct Parts {
    pages: proc_macro2::Ident,
    items: proc_macro2::Ident,
    info: proc_macro2::Ident,
    paging: proc_macro2::Ident,
    input: TokenStream,
    output: TokenStream,
    item: TokenStream,
    /// `|page: Resp| page.list` (with `unwrap_or_default()` for an optional list).
    extract: TokenStream,
    deprecated: TokenStream,
}

fn parts(a: &Action, p: &Paging) -> Parts {
    let method = unraw(&a.method);
    let input = ident(&a.input);
    let output = ident(&a.output);
    let extract = extract(p, &output);
    Parts {
        pages: format_ident!("{method}_pages"),
        items: format_ident!("{method}_items"),
        info: format_ident!("{}", a.static_name),
        paging: static_ident(a),
        input: quote!(models::#input),
        output: quote!(models::#output),
        item: item_tokens(&p.item),
        extract,
        deprecated: deprecation(a.status),
    }
}

/// `|page: Resp| <the list>`, through the holding object when there is one; a missing list or holder is
/// an empty page.
fn extract(p: &Paging, output: &proc_macro2::Ident) -> TokenStream {
    let list = ident(&p.list_field);
    let body = match &p.within {
        None if p.list_plain => quote!(page.#list),
        None => quote!(page.#list.unwrap_or_default()),
        Some(w) => {
            let holder = ident(&w.field);
            match (w.plain, p.list_plain) {
                (true, true) => quote!(page.#holder.#list),
                (true, false) => quote!(page.#holder.#list.unwrap_or_default()),
                (false, true) => quote!(page.#holder.map(|holder| holder.#list).unwrap_or_default()),
                (false, false) => quote!(page.#holder.and_then(|holder| holder.#list).unwrap_or_default()),
            }
        }
    };
    quote!(|page: models::#output| #body)
}

/// What the docs say about the walk.
fn walk_doc(a: &Action, p: &Paging) -> String {
    let how = match &p.style {
        Style::Offset {
            offset,
            limit,
            default_limit,
        } => format!(
            "`{offset}` advances by the items received; `{limit}`, if unset, is {}",
            default_limit.map_or("left to the service".to_string(), |n| n.to_string())
        ),
        Style::Page {
            page,
            size,
            first,
            default_size,
        } => format!(
            "`{page}` counts from {first} (or from the request's); `{size}`, if unset, is {}",
            default_size.map_or("left to the service".to_string(), |n| n.to_string())
        ),
        Style::Token {
            request,
            response,
            limit,
            default_limit,
        } => {
            let size = match (limit, default_limit) {
                (Some(l), Some(n)) => format!("; `{l}`, if unset, is {n}"),
                _ => String::new(),
            };
            format!("`{request}` is sent with each page's `{response}`{size}")
        }
    };
    let end = match (&p.style, &p.total) {
        (Style::Token { .. }, _) | (_, None) => String::new(),
        (_, Some(total)) => format!(" or when `{total}` is reached"),
    };
    format!(
        " pages of [`Client::{}`]: {how}; the walk ends on an empty page{end}. One request per page, when the \
         next is asked for; see [`sdk_core::paginate`] for the stop rules.",
        unraw(&a.method)
    )
}

fn async_methods(a: &Action, p: &Paging) -> TokenStream {
    let Parts {
        pages,
        items,
        info,
        paging,
        input,
        output,
        item,
        extract,
        deprecated,
    } = parts(a, p);
    let pages_doc = format!(" The{}", walk_doc(a, p));
    let list = match &p.within {
        Some(w) => format!("{}.{}", w.wire, p.list_wire),
        None => p.list_wire.clone(),
    };
    let items_doc = format!(
        " The items of `{list}`, over all pages of [`Client::{}`].",
        unraw(&a.method)
    );
    quote! {
        #[doc = #pages_doc]
        #deprecated
        pub fn #pages(&self, request: &#input) -> ::sdk_core::paginate::Pages<#output> {
            ::sdk_core::paginate::Pages::new(self.inner.clone(), &#info, &#paging, request)
        }
        #[doc = #items_doc]
        #deprecated
        pub fn #items(&self, request: &#input) -> ::sdk_core::paginate::Items<#output, #item> {
            ::sdk_core::paginate::Pages::new(self.inner.clone(), &#info, &#paging, request).items(#extract)
        }
    }
}

fn blocking_methods(a: &Action, p: &Paging) -> TokenStream {
    let Parts {
        pages,
        items,
        info,
        paging,
        input,
        output,
        item,
        extract,
        deprecated,
    } = parts(a, p);
    let pages_doc = format!(" Blocking form of [`Client::{pages}`]: an iterator of pages.");
    let items_doc = format!(" Blocking form of [`Client::{items}`]: an iterator of items.");
    let walk = quote! {
        ::sdk_core::blocking::Pages::from_async(::sdk_core::paginate::Pages::new(
            self.core().as_async().clone(), &#info, &#paging, request,
        ))
    };
    quote! {
        #[doc = #pages_doc]
        #deprecated
        pub fn #pages(&self, request: &#input) -> ::sdk_core::blocking::Pages<#output> {
            #walk
        }
        #[doc = #items_doc]
        #deprecated
        pub fn #items(&self, request: &#input) -> ::sdk_core::blocking::Items<#output, #item> {
            #walk.items(#extract)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_has, ir, pretty};

    #[test]
    fn one_static_and_two_methods_per_client_for_each_paged_action() {
        let v = ir(
            json!({
                "ListReq": {"members": [
                    {"name": "Offset", "type": "int", "member": "uint64"},
                    {"name": "Limit", "type": "int", "member": "uint64", "document": "最多100"},
                ]},
                "ListResp": {"members": [
                    {"name": "TotalCount", "type": "int", "member": "uint64"},
                    {"name": "ThingSet", "type": "list", "member": "Thing", "output_required": true},
                ]},
                "ScanReq": {"members": [{"name": "Cursor", "type": "string", "member": "string"}]},
                "ScanResp": {"members": [
                    {"name": "NextCursor", "type": "string", "member": "string"},
                    {"name": "Names", "type": "list", "member": "string"},
                ]},
                "Thing": {"members": [{"name": "Id", "type": "string", "member": "string"}]},
            }),
            json!({
                "ListThings": {"input": "ListReq", "output": "ListResp"},
                "ScanNames": {"input": "ScanReq", "output": "ScanResp", "status": "deprecated"},
                "GetThing": {"input": "ScanReq", "output": "Thing"},
            }),
        );
        let text = pretty(paginators(&v));
        assert_has(
            &text,
            &[
                "static LIST_THINGS_PAGING: ::sdk_core::paginate::Paging = ::sdk_core::paginate::Paging {
                    style: ::sdk_core::paginate::Style::Offset { offset: \"Offset\", limit: \"Limit\",
                        default_limit: ::std::option::Option::Some(100u64) },
                    list: \"ThingSet\", total: ::std::option::Option::Some(\"TotalCount\"),
                    within: ::std::option::Option::None };",
                "style: ::sdk_core::paginate::Style::Token { request: \"Cursor\", response: \"NextCursor\",
                    limit: ::std::option::Option::None, default_limit: ::std::option::Option::None },
                    list: \"Names\", total: ::std::option::Option::None",
                "impl Client {",
                "pub fn list_things_pages(&self, request: &models::ListReq) -> ::sdk_core::paginate::Pages<models::ListResp> {
                    ::sdk_core::paginate::Pages::new(self.inner.clone(), &LIST_THINGS, &LIST_THINGS_PAGING, request)",
                "pub fn list_things_items(&self, request: &models::ListReq)
                    -> ::sdk_core::paginate::Items<models::ListResp, models::Thing>",
                ".items(|page: models::ListResp| page.thing_set)",
                ".items(|page: models::ScanResp| page.names.unwrap_or_default())",
                "#[deprecated(note = \"the API marks this action deprecated\")]
                    pub fn scan_names_pages(",
                "#[cfg(feature = \"blocking\")] impl blocking::Client {",
                "pub fn list_things_pages(&self, request: &models::ListReq) -> ::sdk_core::blocking::Pages<models::ListResp> {
                    ::sdk_core::blocking::Pages::from_async(::sdk_core::paginate::Pages::new(
                        self.core().as_async().clone(), &LIST_THINGS, &LIST_THINGS_PAGING, request))",
                "-> ::sdk_core::blocking::Items<models::ScanResp, ::std::string::String>",
                "/// The pages of [`Client::list_things`]: `Offset` advances by the items received; `Limit`, if unset, is 100; the walk ends on an empty page or when `TotalCount` is reached.",
            ],
        );
        assert!(!text.contains("get_thing"), "GetThing returns no list");
    }

    #[test]
    fn a_list_inside_an_object_is_reached_through_it() {
        let v = ir(
            json!({
                "Req": {"members": [{"name": "Offset", "type": "int", "member": "uint64"}, {"name": "Limit", "type": "int", "member": "uint64"}]},
                "Resp": {"members": [{"name": "Data", "type": "object", "member": "Page"}]},
                "Page": {"members": [
                    {"name": "TotalCount", "type": "int", "member": "uint64"},
                    {"name": "List", "type": "list", "member": "string"},
                ]},
            }),
            json!({"ListThings": {"input": "Req", "output": "Resp"}}),
        );
        let text = pretty(paginators(&v));
        assert_has(
            &text,
            &[
                "list: \"List\", total: ::std::option::Option::Some(\"TotalCount\"), within: ::std::option::Option::Some(\"Data\")",
                ".items(|page: models::Resp| { page.data.and_then(|holder| holder.list).unwrap_or_default() })",
                "/// The items of `Data.List`, over all pages",
            ],
        );
    }

    #[test]
    fn nothing_without_paged_actions() {
        let v = crate::testing::one_action(json!([]));
        assert!(paginators(&v).is_empty());
    }
}
