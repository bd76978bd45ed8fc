//! Test helpers: tiny specs written inline as JSON, so each pass and emitter test shows its whole input.

use std::path::PathBuf;

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
    }
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
