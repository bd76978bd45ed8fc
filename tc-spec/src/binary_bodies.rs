//! `api-specs/binary-bodies.json`: the actions whose request body is not JSON (multipart form data or an
//! octet stream), as the official Python SDK's clients send them. `tools/binary_bodies.py` writes it; the
//! API descriptions themselves do not say it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{parse_json, SpecError};

/// The file's name under the spec root.
pub const FILE: &str = "binary-bodies.json";

/// How one action's request body is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryBody {
    /// `multipart/form-data`; the named members are raw bytes.
    Multipart { binary_params: Vec<String> },
    /// `application/octet-stream`; the parameters go in headers named `header_prefix` + member.
    OctetStream { header_prefix: String },
}

/// Every binary-body action, by product directory, version directory (`v20210408`) and action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryBodies {
    pub actions: BTreeMap<(String, String, String), BinaryBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileModel {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    tool: String,
    actions: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    product: String,
    version: String,
    action: String,
    mode: String,
    #[serde(default)]
    binary_params: Vec<String>,
    header_prefix: Option<String>,
}

impl BinaryBodies {
    /// Reads `<root>/binary-bodies.json`; no file means no binary-body action.
    pub fn load(root: &Path) -> Result<BinaryBodies, SpecError> {
        let file = root.join(FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => BinaryBodies::parse(&file, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BinaryBodies::default()),
            Err(e) => Err(SpecError::new(&file, "", e.to_string())),
        }
    }

    /// Parses the file's text; `file` names it in errors.
    pub fn parse(file: &Path, text: &str) -> Result<BinaryBodies, SpecError> {
        let model: FileModel = parse_json(file, text)?;
        let mut actions = BTreeMap::new();
        for (i, e) in model.actions.into_iter().enumerate() {
            let at = |field: &str| format!("actions[{i}].{field}");
            let body = match (e.mode.as_str(), e.header_prefix) {
                ("multipart", None) if !e.binary_params.is_empty() => BinaryBody::Multipart {
                    binary_params: e.binary_params,
                },
                ("octet-stream", Some(prefix)) if e.binary_params.is_empty() && valid_prefix(&prefix) => {
                    BinaryBody::OctetStream { header_prefix: prefix }
                }
                _ => return Err(SpecError::new(
                    file,
                    at("mode"),
                    "expected `multipart` with `binary_params`, or `octet-stream` with a `header_prefix` like `X-CLS-`",
                )),
            };
            if actions.insert((e.product, e.version, e.action), body).is_some() {
                return Err(SpecError::new(file, at("action"), "listed twice"));
            }
        }
        Ok(BinaryBodies { actions })
    }

    /// The binary body of `action` in `product`/`version` (directory names), if it has one.
    pub fn get(&self, product: &str, version: &str, action: &str) -> Option<&BinaryBody> {
        self.actions
            .get(&(product.to_owned(), version.to_owned(), action.to_owned()))
    }
}

/// A header-name prefix: `X-`, then token characters, ending in `-`.
fn valid_prefix(prefix: &str) -> bool {
    prefix.len() > 3
        && prefix.starts_with("X-")
        && prefix.ends_with('-')
        && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_modes_and_rejects_nonsense() {
        let f = Path::new("binary-bodies.json");
        let ok = r#"{"source": "s", "tool": "t", "actions": [
            {"product": "cii", "version": "v20210408", "action": "A", "mode": "multipart", "binary_params": ["File"]},
            {"product": "cls", "version": "v20201016", "action": "B", "mode": "octet-stream", "header_prefix": "X-CLS-"}]}"#;
        let b = BinaryBodies::parse(f, ok).unwrap();
        assert_eq!(
            b.get("cls", "v20201016", "B"),
            Some(&BinaryBody::OctetStream {
                header_prefix: "X-CLS-".into()
            })
        );
        assert!(b.get("cls", "v20201016", "A").is_none());
        for bad in [
            r#"{"product": "p", "version": "v1", "action": "A", "mode": "multipart"}"#,
            r#"{"product": "p", "version": "v1", "action": "A", "mode": "octet-stream", "header_prefix": "X-A\r\n"}"#,
            r#"{"product": "p", "version": "v1", "action": "A", "mode": "zip"}"#,
        ] {
            let text = format!(r#"{{"source": "s", "tool": "t", "actions": [{bad}]}}"#);
            let e = BinaryBodies::parse(f, &text).unwrap_err();
            assert_eq!(e.path, "actions[0].mode", "{bad}");
        }
    }

    #[test]
    fn the_committed_file_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-specs");
        let b = BinaryBodies::load(&root).unwrap();
        assert!(matches!(
            b.get("cii", "v20210408", "DescribeQualityScore"),
            Some(BinaryBody::Multipart { .. })
        ));
    }
}
