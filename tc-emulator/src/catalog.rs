//! Everything the server needs from the specs, precomputed at start: products → versions → actions with a
//! compiled input schema and a pre-serialized example answer. Nothing is parsed per request.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tc_spec::{Primitive, ProductVersion, TypeRef};

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
    objects: Vec<ObjSchema>,
    pub actions: HashMap<String, ActionEntry>,
}

#[derive(Debug)]
pub(crate) struct ActionEntry {
    pub name: String,
    pub skip_sign: bool,
    input: usize,
    /// The first example's answer; `None` when the spec has no usable example.
    pub example: Option<Template>,
    /// The events of the first example that shows a stream (`crate::stream`); empty when none does.
    pub stream_events: Vec<bytes::Bytes>,
}

#[derive(Debug)]
struct ObjSchema {
    members: Vec<MemberSchema>,
    index: HashMap<String, usize>,
}

#[derive(Debug)]
struct MemberSchema {
    name: String,
    required: bool,
    ty: Ty,
}

#[derive(Debug, Clone)]
enum Ty {
    Prim(Primitive),
    Obj(usize),
    List(Box<Ty>),
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

fn ty_of(t: &TypeRef, ids: &BTreeMap<&str, usize>) -> Ty {
    match t {
        TypeRef::Primitive(p) => Ty::Prim(*p),
        TypeRef::Object(o) => Ty::Obj(ids[o.as_str()]),
        TypeRef::List(inner) => Ty::List(Box::new(ty_of(inner, ids))),
    }
}

impl VersionEntry {
    fn compile(pv: &ProductVersion) -> VersionEntry {
        let api = &pv.api;
        let ids: BTreeMap<&str, usize> = api.objects.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let objects = api
            .objects
            .values()
            .map(|o| {
                let members: Vec<MemberSchema> = o
                    .members
                    .iter()
                    .filter(|m| !m.disabled)
                    .map(|m| MemberSchema {
                        name: m.name.clone(),
                        required: m.required,
                        ty: ty_of(&api.member_type(m), &ids),
                    })
                    .collect();
                let index = members.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
                ObjSchema { members, index }
            })
            .collect();
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
                        input: ids[a.input.as_str()],
                        example,
                        stream_events,
                    },
                )
            })
            .collect();
        VersionEntry {
            product: pv.product.clone(),
            version: api.metadata.api_version.clone(),
            objects,
            actions,
        }
    }

    /// Does the action's input object have a top-level member `name`?
    pub fn input_has_member(&self, action: &ActionEntry, name: &str) -> bool {
        self.objects[action.input].index.contains_key(name)
    }

    /// Check a JSON request body against the action's input object.
    pub fn validate(&self, action: &ActionEntry, body: &Value) -> Result<(), ApiError> {
        if !body.is_object() {
            return Err(ApiError::new(
                "InvalidParameterValue",
                "The request body must be a JSON object.",
            ));
        }
        self.check(&Ty::Obj(action.input), body, "")
    }

    fn check(&self, ty: &Ty, v: &Value, path: &str) -> Result<(), ApiError> {
        let mismatch = |expected: &str| {
            Err(ApiError::new(
                "InvalidParameterValue",
                format!(
                    "The value type of parameter `{path}` is incorrect: expected {expected}, got {}.",
                    json_kind(v)
                ),
            ))
        };
        match ty {
            Ty::Prim(p) => match p {
                Primitive::String
                | Primitive::DateTime
                | Primitive::Date
                | Primitive::DateTimeIso
                | Primitive::Binary => {
                    if !v.is_string() {
                        return mismatch("string");
                    }
                }
                Primitive::Bool => {
                    if !v.is_boolean() {
                        return mismatch("boolean");
                    }
                }
                Primitive::Float => {
                    if !v.is_number() {
                        return mismatch("number");
                    }
                }
                Primitive::Int64 => match v {
                    Value::Number(n) if n.is_i64() || n.is_u64() => {
                        if n.as_i64().is_none() {
                            return Err(out_of_range(path, v, "int64"));
                        }
                    }
                    Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                        return Err(out_of_range(path, v, "int64"))
                    }
                    _ => return mismatch("integer"),
                },
                Primitive::UInt64 => match v {
                    Value::Number(n) if n.is_u64() => {}
                    Value::Number(n) if n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                        return Err(out_of_range(path, v, "uint64"))
                    }
                    _ => return mismatch("unsigned integer"),
                },
            },
            Ty::List(inner) => {
                let Value::Array(items) = v else {
                    return mismatch("array");
                };
                for (i, item) in items.iter().enumerate() {
                    self.check(inner, item, &format!("{path}.{i}"))?;
                }
            }
            Ty::Obj(idx) => {
                let Value::Object(map) = v else {
                    return mismatch("object");
                };
                let obj = &self.objects[*idx];
                let join = |name: &str| {
                    if path.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{path}.{name}")
                    }
                };
                for key in map.keys() {
                    if !obj.index.contains_key(key) {
                        return Err(ApiError::new(
                            "UnknownParameter",
                            format!("The parameter `{}` is not recognized.", join(key)),
                        ));
                    }
                }
                for m in &obj.members {
                    match map.get(&m.name) {
                        None | Some(Value::Null) => {
                            if m.required {
                                return Err(ApiError::new(
                                    "MissingParameter",
                                    format!("The request is missing a required parameter `{}`.", join(&m.name)),
                                ));
                            }
                        }
                        Some(child) => self.check(&m.ty, child, &join(&m.name))?,
                    }
                }
            }
        }
        Ok(())
    }

    /// The wire names of `action`'s input members.
    pub fn input_members<'a>(&'a self, action: &ActionEntry) -> impl Iterator<Item = &'a str> {
        self.objects[action.input].members.iter().map(|m| m.name.as_str())
    }

    /// Turn GET query parameters (`A=1&B.0=x&C.D=y`) into the JSON the action takes, converting scalar
    /// text by the spec's types. Whatever does not convert stays text, so [`validate`](Self::validate)
    /// reports it with the usual codes.
    pub fn query_to_json(&self, action: &ActionEntry, pairs: &[(String, String)]) -> Result<Value, ApiError> {
        let mut root = Node::Branch(BTreeMap::new());
        for (k, v) in pairs {
            // Each segment is a level of the tree built here and walked recursively below: bounded first,
            // so a key of thousands of dotted segments is a clear error, not a stack overflow.
            if k.split('.').nth(MAX_PARAM_DEPTH).is_some() {
                let shown: String = k.chars().take(64).collect();
                return Err(ApiError::new(
                    "InvalidParameter",
                    format!("The parameter `{shown}…` nests deeper than {MAX_PARAM_DEPTH} levels."),
                ));
            }
            let mut node = &mut root;
            for seg in k.split('.') {
                if !matches!(node, Node::Branch(_)) {
                    *node = Node::Branch(BTreeMap::new());
                }
                let Node::Branch(map) = node else { unreachable!() };
                node = map.entry(seg.to_owned()).or_insert(Node::Leaf(String::new()));
            }
            *node = Node::Leaf(v.clone());
        }
        Ok(self.coerce(Some(&Ty::Obj(action.input)), &root))
    }

    fn coerce(&self, ty: Option<&Ty>, node: &Node) -> Value {
        match (ty, node) {
            (Some(Ty::Obj(idx)), Node::Branch(map)) => {
                let obj = &self.objects[*idx];
                Value::Object(
                    map.iter()
                        .map(|(k, n)| {
                            let t = obj.index.get(k).map(|&i| &obj.members[i].ty);
                            (k.clone(), self.coerce(t, n))
                        })
                        .collect(),
                )
            }
            (Some(Ty::List(inner)), Node::Branch(map)) => {
                let mut items: Vec<(u64, &Node)> = Vec::new();
                for (k, n) in map {
                    match k.parse::<u64>() {
                        Ok(i) => items.push((i, n)),
                        Err(_) => return self.coerce(None, node),
                    }
                }
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, n)| self.coerce(Some(inner), n)).collect())
            }
            (Some(Ty::Prim(p)), Node::Leaf(s)) => coerce_scalar(*p, s),
            (_, Node::Leaf(s)) => Value::String(s.clone()),
            (_, Node::Branch(map)) => {
                Value::Object(map.iter().map(|(k, n)| (k.clone(), self.coerce(None, n))).collect())
            }
        }
    }
}

/// Deepest flattened parameter key accepted (`Filters.0.Values.0` is 4): API 3.0 inputs nest a few levels;
/// JSON bodies are bounded by serde_json's own limit of 128.
pub const MAX_PARAM_DEPTH: usize = 32;

enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

fn coerce_scalar(p: Primitive, s: &str) -> Value {
    let parsed = match p {
        Primitive::Int64 => s.parse::<i64>().ok().map(Value::from),
        Primitive::UInt64 => s
            .parse::<u64>()
            .ok()
            .map(Value::from)
            .or_else(|| s.parse::<i64>().ok().map(Value::from)),
        Primitive::Float => s
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)),
        Primitive::Bool => match s {
            "true" | "True" | "TRUE" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(s.to_owned()))
}

fn out_of_range(path: &str, v: &Value, ty: &str) -> ApiError {
    ApiError::new(
        "InvalidParameterValue",
        format!("The value of parameter `{path}` is out of range for {ty}: {v}."),
    )
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
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
