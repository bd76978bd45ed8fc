//! `Cargo.toml` of a product crate: a feature per version (`default` the newest), `blocking`, the hidden
//! `__examples`, the dependencies generated code needs, and the lines the crate's hand-written additions
//! ask for in [`CUSTOM_MANIFEST`] (tables `[features]`, `[dependencies]`, `[dev-dependencies]`; any other
//! table, or a line outside a table, is an error naming the file and line).

use std::path::PathBuf;

use super::header;
use crate::ir::Version;
use crate::{Custom, Error, CUSTOM_MANIFEST};

/// `Cargo.toml` of a product crate (`versions` sorted by module, the newest last).
pub fn cargo_toml(product: &str, versions: &[Version], source: &str, custom: Option<&Custom>) -> Result<String, Error> {
    let [custom_features, custom_deps, custom_dev_deps] = match custom {
        Some(c) => custom_tables(product, &c.manifest)?,
        None => Default::default(),
    };
    let features = features(versions, &custom_features);
    let title = versions.iter().rev().find_map(|v| v.product_title.as_deref());
    let name = match title {
        Some(t) => format!("{} ({t})", product.to_uppercase()),
        None => product.to_uppercase(),
    };
    // Published as `tencentcloud-api-<product>` (`cargo xtask dist` renames), so docs.rs has it there.
    let registry = crate::naming::registry_name(&format!("sdk-{product}"));
    Ok(format!(
        r#"{header}
[package]
name = "sdk-{product}"
description = "Tencent Cloud {name} API 3.0: typed async and blocking clients, generated from Tencent's API descriptions"
version.workspace = true
edition.workspace = true
license.workspace = true
rust-version.workspace = true
documentation = "https://docs.rs/{registry}"
readme = "README.md"
keywords = ["tencentcloud", "tencent-cloud", "{product}", "sdk", "api"]
categories = ["api-bindings", "web-programming::http-client"]

[package.metadata.docs.rs]
# Every API version module and the blocking clients (the hidden example hook is part of all features but
# documented nowhere).
all-features = true

[features]
{features}
[dependencies]
sdk-core.workspace = true
serde.workspace = true
# Only for the hidden example round-trip hook; sdk-core depends on it already.
serde_json.workspace = true
{custom_deps}
[dev-dependencies]
tokio = {{ workspace = true, features = ["rt-multi-thread", "macros"] }}
serde_json.workspace = true
tc-emulator.workspace = true
# Resilience tests: arbitrary response bodies through every action's decoding.
proptest.workspace = true
{custom_dev_deps}"#,
        header = header(source, "#"),
    ))
}

/// The `[features]` lines: `default` (the newest version), one per version, `blocking`, `__examples`, then
/// the hand-written ones.
fn features(versions: &[Version], custom: &str) -> String {
    let newest = versions.last().map(|v| format!("\"{}\"", v.module)).unwrap_or_default();
    let mut features = format!("default = [{newest}]\n");
    for v in versions {
        features.push_str(&format!("{} = []\n", v.module));
    }
    features.push_str(
        "# `blocking::Client` in every version module: the same methods for programs without an async runtime.\n\
         blocking = [\"sdk-core/blocking\"]\n",
    );
    features.push_str(
        "# Not part of the API: the hidden `__roundtrip_example` hook that tests decode the spec's examples with.\n\
         __examples = []\n",
    );
    features.push_str(custom);
    features
}

/// The tables a [`CUSTOM_MANIFEST`] may add lines to, in the order the generated manifest has them.
const CUSTOM_TABLES: [&str; 3] = ["features", "dependencies", "dev-dependencies"];

/// Split a [`CUSTOM_MANIFEST`] into the lines it adds to each of [`CUSTOM_TABLES`].
fn custom_tables(product: &str, text: &str) -> Result<[String; 3], Error> {
    let mut tables: [String; 3] = Default::default();
    let mut current: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            current = CUSTOM_TABLES.iter().position(|t| *t == name.trim());
            if current.is_none() {
                return Err(custom_manifest_error(
                    product,
                    n,
                    format!("table [{name}] cannot be extended"),
                ));
            }
        } else if let Some(i) = current {
            tables[i].push_str(line);
            tables[i].push('\n');
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return Err(custom_manifest_error(product, n, "a line outside any table".into()));
        }
    }
    Ok(tables)
}

fn custom_manifest_error(product: &str, line: usize, message: String) -> Error {
    Error::Unsupported {
        file: PathBuf::from(format!("sdk-{product}/{CUSTOM_MANIFEST}")),
        path: format!("line {}", line + 1),
        message: format!("{message}; only {} are allowed", CUSTOM_TABLES.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::ir;

    fn versions() -> Vec<Version> {
        let old = ir(json!({}), json!({}));
        let mut new = old.clone();
        new.module = "v20210101".into();
        vec![old, new]
    }

    fn custom(manifest: &str) -> Custom {
        Custom {
            manifest: manifest.into(),
        }
    }

    #[test]
    fn features_per_version_and_the_newest_by_default() {
        let text = cargo_toml("demo", &versions(), "specs/demo", None).unwrap();
        assert!(text.starts_with(
            "# @generated by `cargo xtask gen` from specs/demo — do not edit.\n[package]\nname = \"sdk-demo\"\n"
        ));
        assert!(
            text.contains("[features]\ndefault = [\"v20210101\"]\nv20200101 = []\nv20210101 = []\n"),
            "{text}"
        );
        assert!(text.contains("\nblocking = [\"sdk-core/blocking\"]\n") && text.contains("\n__examples = []\n"));
    }

    #[test]
    fn publishable_metadata() {
        let text = cargo_toml("demo", &versions(), "specs/demo", None).unwrap();
        for line in [
            "documentation = \"https://docs.rs/tencentcloud-api-demo\"\n",
            "readme = \"README.md\"\n",
            "keywords = [\"tencentcloud\", \"tencent-cloud\", \"demo\", \"sdk\", \"api\"]\n",
            "[package.metadata.docs.rs]\n",
            "all-features = true\n",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("repository") && !text.contains("homepage"), "{text}");
    }

    #[test]
    fn hand_written_lines_go_to_their_tables() {
        let manifest = "# for bulk sends\n[dependencies]\nfutures = \"0.3\"\n\n[features]\nbulk = []\n[dev-dependencies]\nrand = \"0.8\"\n";
        let text = cargo_toml("demo", &versions(), "specs/demo", Some(&custom(manifest))).unwrap();
        assert!(
            text.contains("__examples = []\nbulk = []\n\n[dependencies]\n"),
            "{text}"
        );
        assert!(
            text.contains("serde_json.workspace = true\nfutures = \"0.3\"\n\n\n[dev-dependencies]\n"),
            "{text}"
        );
        assert!(text.ends_with("proptest.workspace = true\nrand = \"0.8\"\n"), "{text}");
    }

    #[test]
    fn other_tables_and_stray_lines_are_errors_naming_file_and_line() {
        let err = |m: &str| {
            cargo_toml("demo", &versions(), "s", Some(&custom(m)))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("[dependencies]\nx = 1\n[package]\n"),
            "sdk-demo/src/custom/manifest.toml: line 3: unsupported: table [package] cannot be extended; only \
             features, dependencies, dev-dependencies are allowed"
        );
        assert!(err("# fine\nx = 1\n")
            .starts_with("sdk-demo/src/custom/manifest.toml: line 2: unsupported: a line outside any table"));
    }
}
