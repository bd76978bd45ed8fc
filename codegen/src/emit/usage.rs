//! The example in each action method's docs, built from the action's first example request in
//! `examples.json` ([`crate::ir::examples`]): the request built the way a user builds it (`new` with the
//! required members — by name when [`super::request_builder`] says so — and a setter per optional member
//! the example sets), then the call. Compiled by the crate's doctests, not run (it needs credentials).
//!
//! Example values are taken as the spec's types ask: a number written as a string becomes a number, a value
//! that does not fit (or a required member the example leaves out) becomes the type's empty value, so the
//! example always compiles. Nested objects deeper than [`MAX_DEPTH`] are left at their defaults. An action
//! without a usable example request (none, or only a GET query string) gets one with its required members'
//! empty values, so every method has an example.

use std::fmt::Write as _;

use serde_json::Value;

use crate::ir::{Action, BinaryBody, Field, Object, Ty, Version};

/// Longest example string value shown whole, in characters.
pub const MAX_EXAMPLE_TEXT: usize = 80;

/// How deep nested objects are spelled out.
pub const MAX_DEPTH: usize = 3;

/// Where the top-level request's setters and required fields start a line (replaced after building).
const SETTER: &str = "\u{1}";
const FIELD: &str = "\u{2}";

/// The `# Example` section of `a`'s method docs: from the API's example request, or with the required
/// members' empty values when the API has none.
pub fn example_doc(v: &Version, a: &Action) -> String {
    let empty = Value::Object(Default::default());
    let (example, source) = match &a.example {
        Some(example) => (example, "From the API's own example"),
        None => (&empty, "The API has no example request; with placeholder values"),
    };
    let Some(input) = object(v, &a.input) else {
        return String::new();
    };
    let krate = format!("sdk_{}", v.product.replace('-', "_"));
    let path = format!("{krate}::{}", v.module);
    let built = build(v, input, example, 0, &path);
    let flat = built.replace(SETTER, ".").replace(FIELD, " ");
    let statement = formatted(&format!("let request = {flat};")).unwrap_or_else(|| {
        let request = built.replace(SETTER, "\n    .").replace(FIELD, "\n");
        format!("let request = {request};")
    });
    let mut doc = format!("\n\n# Example\n\n{source} (compiled, not run):\n\n```no_run\n");
    let _ = writeln!(
        doc,
        "# async fn example(client: &{path}::Client) -> Result<(), {krate}::Error> {{"
    );
    let _ = writeln!(doc, "{statement}");
    let body = match a.binary_body {
        // The uploaded bytes are the method's second argument.
        Some(BinaryBody::OctetStream { .. }) => ", b\"...\".to_vec()",
        _ => "",
    };
    let _ = writeln!(doc, "let response = client.{}(&request{body}).await?;", a.method);
    doc.push_str("# let _ = response;\n# Ok(())\n# }\n```");
    doc
}

/// `statement` laid out as rustfmt would (prettyplease, 100 columns), so no example is one long line;
/// `None` if it does not parse (the caller keeps its own layout).
fn formatted(statement: &str) -> Option<String> {
    let file: syn::File = syn::parse_str(&format!("fn f() {{ {statement} }}")).ok()?;
    let text = prettyplease::unparse(&file);
    let body = text.strip_prefix("fn f() {\n")?.trim_end().strip_suffix('}')?;
    let lines: Vec<&str> = body.lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect();
    Some(lines.join("\n").trim_end().to_string())
}

/// An example string value, cut to [`MAX_EXAMPLE_TEXT`] characters (`…` marks the cut) so a long text (a
/// chat transcript, a JSON schema) does not become a line of thousands of characters in the docs.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(MAX_EXAMPLE_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn object<'a>(v: &'a Version, rust_name: &str) -> Option<&'a Object> {
    v.objects.iter().find(|o| o.rust == rust_name)
}

/// `path::Type::new(..)` and its setters for `value` (a JSON object).
fn build(v: &Version, o: &Object, value: &Value, depth: usize, path: &str) -> String {
    let ty = format!("{path}::{}", o.rust);
    if depth > MAX_DEPTH {
        return format!("{ty}::default()");
    }
    let member = |f: &Field| value.get(&f.wire).filter(|v| !v.is_null());
    let required: Vec<&Field> = o.fields.iter().filter(|f| f.plain).collect();
    let top = depth == 0;
    let mut out = if let Some(required_name) = &o.required_name {
        let fields: Vec<String> = required
            .iter()
            .map(|f| format!("{}: {}", f.rust, expr(v, &f.ty, member(f), true, depth, path)))
            .collect();
        match top {
            true => format!(
                "{ty}::new({path}::{} {{{FIELD}    {},{FIELD}}})",
                required_name,
                fields.join(&format!(",{FIELD}    "))
            ),
            false => format!("{ty}::new({path}::{} {{ {} }})", required_name, fields.join(", ")),
        }
    } else {
        let args: Vec<String> = required
            .iter()
            .map(|f| expr(v, &f.ty, member(f), false, depth, path))
            .collect();
        format!("{ty}::new({})", args.join(", "))
    };
    for f in o.fields.iter().filter(|f| !f.plain) {
        if let Some(given) = member(f) {
            let dot = if top { SETTER } else { "." };
            let _ = write!(
                out,
                "{dot}{}({})",
                f.rust,
                expr(v, &f.ty, Some(given), false, depth, path)
            );
        }
    }
    out
}

/// A Rust expression of type `ty` for `value`. `owned`: a `String` must be written `"..".into()` (a struct
/// field or a list element) rather than as a literal for an `impl Into<String>` argument.
fn expr(v: &Version, ty: &Ty, value: Option<&Value>, owned: bool, depth: usize, path: &str) -> String {
    match ty {
        Ty::String => {
            let text = match value {
                Some(Value::String(s)) => shortened(s),
                Some(other @ (Value::Number(_) | Value::Bool(_))) => other.to_string(),
                _ => String::new(),
            };
            if owned {
                format!("{text:?}.into()")
            } else {
                format!("{text:?}")
            }
        }
        // Examples show binary data as text or nothing: an empty file says "bytes go here".
        Ty::Binary if owned => "Vec::<u8>::new().into()".into(),
        Ty::Binary => "Vec::<u8>::new()".into(),
        Ty::I64 => number(value).and_then(|n| n.as_i64()).unwrap_or(0).to_string(),
        Ty::U64 => number(value).and_then(|n| n.as_u64()).unwrap_or(0).to_string(),
        Ty::F64 => format!("{:?}", number(value).and_then(|n| n.as_f64()).unwrap_or(0.0)),
        Ty::Bool => match value {
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::String(s)) => (s == "true").to_string(),
            _ => "false".into(),
        },
        Ty::List(inner) => {
            let items: Vec<String> = match value {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| expr(v, inner, Some(i), true, depth, path))
                    .collect(),
                _ => Vec::new(),
            };
            format!("vec![{}]", items.join(", "))
        }
        Ty::Object(name) => match object(v, name) {
            Some(o) => build(v, o, value.unwrap_or(&Value::Null), depth + 1, path),
            None => format!("{path}::{name}::default()"),
        },
    }
}

/// A JSON number, also when the example writes it as a string.
fn number(value: Option<&Value>) -> Option<serde_json::Number> {
    match value? {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing;

    fn version() -> Version {
        let mut v = testing::ir(
            json!({
                "GoRequest": {"members": [
                    {"name": "Phones", "type": "list", "member": "string", "required": true},
                    {"name": "AppId", "type": "string", "member": "string", "required": true},
                    {"name": "TemplateId", "type": "string", "member": "string", "required": true},
                    {"name": "Limit", "type": "int", "member": "uint64"},
                    {"name": "Filter", "type": "object", "member": "Filter"},
                    {"name": "Ratio", "type": "float", "member": "float"},
                ]},
                "Filter": {"members": [{"name": "Name", "type": "string", "member": "string", "required": true}]},
                "GoResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
            }),
            json!({"Go": {"name": "走", "document": "Goes.", "input": "GoRequest", "output": "GoResponse"}}),
        );
        v.actions[0].example = Some(json!({
            "Phones": ["+8613800000000"], "AppId": "1400006666", "Limit": "20",
            "Filter": {"Name": "a \"quoted\" name"}, "Ratio": 1,
        }));
        v
    }

    #[test]
    fn builds_the_request_as_a_user_would() {
        let v = version();
        let doc = example_doc(&v, &v.actions[0]);
        let p = "sdk_demo::v20200101";
        assert!(
            doc.contains("```no_run\n# async fn example(client: &sdk_demo::v20200101::Client)"),
            "{doc}"
        );
        assert!(
            doc.contains(&format!(
                "let request = {p}::GoRequest::new({p}::GoRequired {{\n        \
                 phones: vec![\"+8613800000000\".into()],\n        \
                 app_id: \"1400006666\".into(),\n        \
                 template_id: \"\".into(),\n    }})\n    \
                 .limit(20)\n    \
                 .filter({p}::Filter::new(\"a \\\"quoted\\\" name\"))\n    \
                 .ratio(1.0);"
            )),
            "{doc}"
        );
        assert!(doc.contains("let response = client.go(&request).await?;"), "{doc}");
        assert!(doc.lines().all(|l| l.len() <= 100), "{doc}");
    }

    #[test]
    fn without_an_example_the_required_members_get_placeholders() {
        let mut v = version();
        v.actions[0].example = None;
        let doc = example_doc(&v, &v.actions[0]);
        assert!(
            doc.contains("The API has no example request; with placeholder values"),
            "{doc}"
        );
        assert!(
            doc.contains("    phones: vec![],\n") && doc.contains("    app_id: \"\".into(),\n"),
            "{doc}"
        );
        assert!(!doc.contains(".limit("), "{doc}");
    }
}
