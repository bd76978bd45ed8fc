//! Everything the server needs from the specs, precomputed at start: products → versions → actions with a
//! compiled input schema and a pre-serialized example answer. Nothing is parsed per request.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tc_spec::validate::{Input, Schema, Violation};
use tc_spec::ProductVersion;

use crate::response::{ApiError, Template};

#[derive(Debug)]
pub(crate) struct Catalog {
    products: HashMap<String, HashMap<String, Arc<VersionEntry>>>,
}

#[derive(Debug)]
pub(crate) struct VersionEntry {
    pub product: String,
    /// Dated version (`2021-01-11`).
    pub version: String,
    /// The shared validator's compiled input types (`tc_spec::validate`).
    schema: Schema,
    pub actions: HashMap<String, ActionEntry>,
}

#[derive(Debug)]
pub(crate) struct ActionEntry {
    pub name: String,
    pub skip_sign: bool,
    input: Input,
    /// The first example's answer; `None` when the spec has no usable example.
    pub example: Option<Template>,
    /// The events of the first example that shows a stream (`crate::stream`); empty when none does.
    pub stream_events: Vec<bytes::Bytes>,
}

impl Catalog {
    pub fn from_versions(all: &[ProductVersion]) -> Catalog {
        let mut products: HashMap<String, HashMap<String, Arc<VersionEntry>>> = HashMap::new();
        for pv in all {
            let entry = VersionEntry::compile(pv);
            products
                .entry(pv.product.clone())
                .or_default()
                .insert(entry.version.clone(), Arc::new(entry));
        }
        Catalog { products }
    }

    pub fn has_product(&self, product: &str) -> bool {
        self.products.contains_key(product)
    }

    pub fn version(&self, product: &str, version: &str) -> Option<&Arc<VersionEntry>> {
        self.products.get(product)?.get(version)
    }

    /// The products whose `version` has `action`, sorted (how a legacy request to a bare host is routed).
    pub fn products_serving(&self, version: &str, action: &str) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .products
            .iter()
            .filter(|(_, vs)| vs.get(version).is_some_and(|e| e.actions.contains_key(action)))
            .map(|(p, _)| p.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// `(product, version)` pairs served, sorted.
    pub fn served(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .products
            .iter()
            .flat_map(|(p, vs)| vs.keys().map(move |v| (p.clone(), v.clone())))
            .collect();
        v.sort();
        v
    }
}

impl VersionEntry {
    fn compile(pv: &ProductVersion) -> VersionEntry {
        let api = &pv.api;
        let schema = Schema::compile(api);
        let actions = api
            .actions
            .iter()
            .map(|(name, a)| {
                let example = pv
                    .examples
                    .actions
                    .get(name)
                    .and_then(|ex| ex.iter().find_map(|e| Template::from_example(&e.output)));
                let stream_events = pv
                    .examples
                    .actions
                    .get(name)
                    .and_then(|ex| {
                        ex.iter()
                            .map(|e| crate::stream::example_events(&e.output))
                            .find(|events| !events.is_empty())
                    })
                    .unwrap_or_default();
                (
                    name.clone(),
                    ActionEntry {
                        name: name.clone(),
                        skip_sign: a.skip_sign,
                        input: schema.input(name).expect("a checked spec's action input is an object"),
                        example,
                        stream_events,
                    },
                )
            })
            .collect();
        VersionEntry {
            product: pv.product.clone(),
            version: api.metadata.api_version.clone(),
            schema,
            actions,
        }
    }

    /// Does the action's input object have a top-level member `name`?
    pub fn input_has_member(&self, action: &ActionEntry, name: &str) -> bool {
        self.schema.has_member(action.input, name)
    }

    /// Check a JSON request body against the action's input object (`tc_spec::validate`, shared with
    /// the command-line tool).
    pub fn validate(&self, action: &ActionEntry, body: &Value) -> Result<(), ApiError> {
        self.schema.validate(action.input, body).map_err(api_error)
    }

    /// The wire names of `action`'s input members.
    pub fn input_members<'a>(&'a self, action: &ActionEntry) -> impl Iterator<Item = &'a str> {
        self.schema.members(action.input)
    }

    /// Turn GET query parameters (`A=1&B.0=x&C.D=y`) into the JSON the action takes
    /// ([`Schema::query_to_json`]).
    pub fn query_to_json(&self, action: &ActionEntry, pairs: &[(String, String)]) -> Result<Value, ApiError> {
        self.schema.query_to_json(action.input, pairs).map_err(api_error)
    }
}

fn api_error(v: Violation) -> ApiError {
    ApiError::new(v.code, v.message)
}

/// Decode `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// One product version compiled into the emulator: the texts of its spec files (listed in the generated
/// `bundled_specs.rs`, loaded by `specs.rs`).
pub(crate) struct Bundled {
    pub product: &'static str,
    /// The version directory (`v20210111`).
    pub module: &'static str,
    pub api: &'static str,
    pub examples: &'static str,
    pub error_codes: Option<&'static str>,
}

impl Bundled {
    pub fn parse(&self) -> Result<ProductVersion, tc_spec::SpecError> {
        let dir = Path::new("tc-emulator/specs").join(self.product).join(self.module);
        let texts = tc_spec::SpecTexts {
            api: self.api,
            examples: self.examples,
            error_codes: self.error_codes,
        };
        ProductVersion::from_texts(&dir, self.product, self.module, &texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("A=1&B.0=%2B86+x&C"),
            vec![
                ("A".into(), "1".into()),
                ("B.0".into(), "+86 x".into()),
                ("C".into(), "".into())
            ]
        );
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("a%41"), "aA");
    }
}
