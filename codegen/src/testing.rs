//! Test helpers: tiny specs written inline as JSON, so each pass and emitter test shows its whole input.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use serde_json::{json, Value};
use tc_spec::{ApiSpec, Examples, ProductVersion};

use crate::ir::{self, Version};

/// Product `demo`, version `v20200101` (`2020-01-01`, signed as `demo`), with these `objects` and `actions`
/// (the `api.json` maps). Not checked by `tc_spec`, so broken specs reach the generator's own checks.
pub fn spec(objects: Value, actions: Value) -> ProductVersion {
    spec_with(objects, actions, Vec::new())
}

/// [`spec`] with an `errorcodes.json`: `(code, description)` pairs.
pub fn spec_with(objects: Value, actions: Value, codes: Vec<(&str, &str)>) -> ProductVersion {
    let api = json!({
        "version": "1.0",
        "metadata": {"apiVersion": "2020-01-01", "serviceShortName": "demo", "serviceNameCN": "演示"},
        "objects": objects,
        "actions": actions,
    });
    let api: ApiSpec = serde_json::from_value(api).expect("test spec has the api.json shape");
    ProductVersion {
        product: "demo".into(),
        module: "v20200101".into(),
        dir: PathBuf::from("specs/demo/v20200101"),
        api,
        examples: Examples {
            actions: Default::default(),
            version: String::new(),
        },
        error_codes: codes
            .into_iter()
            .map(|(code, description)| tc_spec::ErrorCode {
                code: code.into(),
                description: description.into(),
            })
            .collect(),
        english: None,
        streaming: Default::default(),
    }
}

/// [`spec`] with an `api_en.json` whose `objects` and `actions` maps are these (read by the real parser, so
/// only names and documents count).
pub fn spec_with_english(
    objects: Value,
    actions: Value,
    english_objects: Value,
    english_actions: Value,
) -> ProductVersion {
    let english = json!({
        "version": "1.0",
        "metadata": {"apiVersion": "2020-01-01", "serviceShortName": "demo"},
        "objects": english_objects,
        "actions": english_actions,
    });
    spec(objects, actions)
        .with_english(&english.to_string())
        .expect("test api_en.json has the shape")
}

/// The intermediate model of [`spec`] (all passes).
pub fn ir(objects: Value, actions: Value) -> Version {
    ir::build(&spec(objects, actions), "specs").expect("test spec builds")
}

/// One action `Go` (`GoRequest` → `GoResponse`) whose request has these members; the response has a
/// `RequestId`.
pub fn one_action(request_members: Value) -> Version {
    ir(
        json!({
            "GoRequest": {"members": request_members},
            "GoResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
        }),
        json!({"Go": {"name": "走", "document": "Goes.", "input": "GoRequest", "output": "GoResponse"}}),
    )
}

/// Items as prettyplease prints them, to assert on text rather than on token spacing.
pub fn pretty(tokens: TokenStream) -> String {
    prettyplease::unparse(&syn::parse2(tokens).expect("emitted tokens are items"))
}

/// Code without layout: whitespace dropped and trailing commas (before a closing bracket or at the end)
/// removed, so a
/// needle written in any layout matches what prettyplease printed (which breaks lines by width).
pub fn compact(code: &str) -> String {
    let mut out: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    for close in [")", "]", "}", ">"] {
        out = out.replace(&format!(",{close}"), close);
    }
    if out.ends_with(',') {
        out.pop();
    }
    out
}

/// Assert that `text` has every needle, compared with [`compact`]; on failure show the text.
#[track_caller]
pub fn assert_has(text: &str, needles: &[&str]) {
    let haystack = compact(text);
    for needle in needles {
        assert!(haystack.contains(&compact(needle)), "{needle:?} not in\n{text}");
    }
}
