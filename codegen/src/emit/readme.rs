//! `README.md` of a product crate, which is also its crate root documentation (`lib.rs` includes it, so the
//! README's code is compiled as doctests): what the crate is, in English and Chinese, its API versions
//! and features, how to depend on it, and an example. The example is the crate's hand-written one when it
//! has [`crate::CUSTOM_README`] (SMS sends a message to the emulator), else a call of the newest version's
//! first `Describe*` action that needs no parameters (compiled, not run: it needs credentials).

use std::fmt::Write as _;

use super::header;
use crate::ir::{Action, Version};

/// `README.md` of a product crate (`versions` sorted by module, the newest last).
pub fn readme_md(product: &str, versions: &[Version], source: &str, example: Option<&str>) -> String {
    let krate = format!("sdk-{product}");
    let title = versions.iter().rev().find_map(|v| v.product_title.clone());
    let name = match &title {
        Some(t) => format!("{} ({t})", product.to_uppercase()),
        None => product.to_uppercase(),
    };
    let mut md = format!(
        "{}\n\n# {krate}\n\n",
        header(source, "<!--").replace(" — do not edit.", " — do not edit. -->")
    );
    let _ = writeln!(
        md,
        "Tencent Cloud **{name}** API 3.0 for Rust, generated from Tencent's API descriptions: a typed request \
         and response for every action, async and blocking clients, on the runtime `sdk-core` (credentials from \
         every official source, TC3 signing, safe retries, one error type with Code/Message/RequestId).\n"
    );
    let _ = writeln!(
        md,
        "腾讯云 {} API 3.0 的 Rust SDK，由腾讯云官方 API 描述生成：每个接口都有类型化的请求与响应，提供异步与同步客户端。\n",
        title.as_deref().unwrap_or(product)
    );
    md.push_str(&versions_table(versions));
    md.push_str(&install(&krate));
    match example {
        Some(text) => md.push_str(text.trim_end()),
        None => md.push_str(&generic_example(&krate, versions)),
    }
    md.push('\n');
    md
}

fn versions_table(versions: &[Version]) -> String {
    let mut t = String::from("| module (cargo feature) | API version | actions |\n|---|---|---|\n");
    for (i, v) in versions.iter().enumerate() {
        let default = if i + 1 == versions.len() { " (default)" } else { "" };
        let _ = writeln!(
            t,
            "| `{}`{default} | {} | {} |",
            v.module,
            v.api_version,
            v.actions.len()
        );
    }
    t.push_str(
        "\nThe cargo feature `blocking` adds `blocking::Client` to every version: the same methods for programs \
         without an async runtime.\n\n",
    );
    t
}

fn install(krate: &str) -> String {
    format!(
        "## Use\n\n```toml\n[dependencies]\n{krate} = \"{}\"\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n```\n\n",
        env!("CARGO_PKG_VERSION").rsplit_once('.').map_or(env!("CARGO_PKG_VERSION"), |(major_minor, _)| major_minor)
    )
}

/// The newest version's first `Describe*` action whose request has no required member, if any.
fn parameterless_describe(v: &Version) -> Option<(&Action, &str)> {
    v.actions
        .iter()
        .filter(|a| a.wire.starts_with("Describe"))
        .find_map(|a| {
            let input = v.objects.iter().find(|o| o.wire == a.input)?;
            input
                .fields
                .iter()
                .all(|f| !f.plain)
                .then_some((a, input.rust.as_str()))
        })
}

fn generic_example(krate: &str, versions: &[Version]) -> String {
    let Some(v) = versions.last() else { return String::new() };
    let lib = krate.replace('-', "_");
    let module = &v.module;
    let (uses, call) = match parameterless_describe(v) {
        Some((action, request)) => (
            format!("use {lib}::{module}::{{Client, {request}}};"),
            format!(
                "    let response = client.{}(&{request}::new()).await?;\n    println!(\"{{response:?}}\");\n",
                action.method
            ),
        ),
        None => (format!("use {lib}::{module}::Client;"), String::new()),
    };
    format!(
        "```rust,no_run\n{uses}\n\n#[tokio::main]\nasync fn main() -> Result<(), {lib}::Error> {{\n    \
         // SecretId, SecretKey and region from TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY and\n    \
         // TENCENTCLOUD_REGION, as every official SDK reads them.\n    let client = Client::from_env()?;\n{call}    \
         Ok(())\n}}\n```\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use serde_json::json;

    fn version(actions: serde_json::Value, objects: serde_json::Value) -> Version {
        testing::ir(objects, actions)
    }

    #[test]
    fn generic_example_calls_a_parameterless_describe() {
        let v = version(
            json!({
                "DescribeThings": {"input": "DescribeThingsRequest", "output": "DescribeThingsResponse", "name": "d", "document": "d"},
                "DescribeAll": {"input": "DescribeAllRequest", "output": "DescribeAllResponse", "name": "d", "document": "d"}
            }),
            json!({
                "DescribeThingsRequest": {"members": [{"name": "Id", "type": "string", "member": "string", "required": true}]},
                "DescribeThingsResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]},
                "DescribeAllRequest": {"members": [{"name": "Limit", "type": "int", "member": "int64", "required": false}]},
                "DescribeAllResponse": {"members": [{"name": "RequestId", "type": "string", "member": "string"}]}
            }),
        );
        let md = readme_md("demo", &[v], "api-specs/demo", None);
        assert!(
            md.starts_with("<!-- @generated by `cargo xtask gen` from api-specs/demo — do not edit. -->"),
            "{md}"
        );
        assert!(md.contains("client.describe_all(&DescribeAllRequest::new())"), "{md}");
        assert!(!md.contains("describe_things"), "{md}");
        assert!(md.contains("| `v20200101` (default) | 2020-01-01 | 2 |"), "{md}");
    }

    #[test]
    fn a_hand_written_example_replaces_the_generic_one() {
        let v = version(json!({}), json!({}));
        let md = readme_md("demo", &[v], "api-specs/demo", Some("## Example\n\nhand-written\n"));
        assert!(md.ends_with("## Example\n\nhand-written\n"), "{md}");
        assert!(!md.contains("from_env"), "{md}");
    }
}
