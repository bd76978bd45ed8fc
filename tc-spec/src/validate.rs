//! The one parameter validator: an action's input checked against its API description before anything is
//! done with it. The emulator runs it on every request it serves (`tc-emulator/src/catalog.rs`), the
//! command-line tool `tcli` on every command line before anything is sent (`tc-cli`), so both accept and
//! refuse exactly the same inputs with the same codes and messages.
//!
//! [`Schema::compile`] turns one API version's objects into an index-based tree once; checks then never
//! look a type up by name.
//!
//! # Decisions
//!
//! - The first problem found is reported, as Tencent Cloud does: a [`Violation`] with the API's error
//!   code (`UnknownParameter`, `MissingParameter`, `InvalidParameterValue`, `InvalidParameter`) and a
//!   message naming the parameter by its dotted path (`Filters.0.Name`).
//! - An unknown parameter's message names the closest known members ("Did you mean ..."), found by edit
//!   distance, at most three.
//! - A member that is `null` counts as absent (the SDKs send `null` for unset members of some types).
//! - Integers must be integers in range (`1.0` for an Integer is out of range, a float is a type error);
//!   members marked disabled in the spec are unknown.
//! - [`Schema::query_to_json`] (form and query parameters `A.0.B=x`) converts scalar text by the spec's
//!   types; what does not convert stays text so that [`Schema::validate`] reports it with the usual code.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::{ApiSpec, Primitive, TypeRef};

/// Deepest flattened parameter key accepted (`Filters.0.Values.0` is 4): API 3.0 inputs nest a few levels;
/// JSON bodies are bounded by serde_json's own limit of 128.
pub const MAX_PARAM_DEPTH: usize = 32;

/// A refused input: Tencent Cloud's error code and a message naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub message: String,
}

impl Violation {
    fn new(code: &'static str, message: impl Into<String>) -> Violation {
        Violation {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// One API version's input types, compiled for checking.
#[derive(Debug, Clone)]
pub struct Schema {
    objects: Vec<ObjSchema>,
    actions: HashMap<String, Input>,
    names: HashMap<String, usize>,
}

/// An action's input object in a [`Schema`] (cheap handle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input(usize);

#[derive(Debug, Clone)]
struct ObjSchema {
    members: Vec<MemberSchema>,
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone)]
struct MemberSchema {
    name: String,
    required: bool,
    ty: Ty,
    /// Disabled members are not part of the API for requests, but answers may carry them.
    disabled: bool,
}

/// A member's type as the validator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Prim(Primitive),
    /// An object, by index in the schema.
    Obj(usize),
    List(Box<Ty>),
}

impl ObjSchema {
    fn enabled(&self) -> impl Iterator<Item = &MemberSchema> {
        self.members.iter().filter(|m| !m.disabled)
    }
}

fn ty_of(t: &TypeRef, ids: &BTreeMap<&str, usize>) -> Ty {
    match t {
        TypeRef::Primitive(p) => Ty::Prim(*p),
        TypeRef::Object(o) => Ty::Obj(ids[o.as_str()]),
        TypeRef::List(inner) => Ty::List(Box::new(ty_of(inner, ids))),
    }
}

impl Schema {
    /// Compiles every object of `api` (a checked spec: every member type resolves).
    pub fn compile(api: &ApiSpec) -> Schema {
        let ids: BTreeMap<&str, usize> = api.objects.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let objects = api
            .objects
            .values()
            .map(|o| {
                let members: Vec<MemberSchema> = o
                    .members
                    .iter()
                    .map(|m| MemberSchema {
                        name: m.name.clone(),
                        required: m.required,
                        ty: ty_of(&api.member_type(m), &ids),
                        disabled: m.disabled,
                    })
                    .collect();
                let index = members
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !m.disabled)
                    .map(|(i, m)| (m.name.clone(), i))
                    .collect();
                ObjSchema { members, index }
            })
            .collect();
        let actions = api
            .actions
            .iter()
            .filter_map(|(name, a)| Some((name.clone(), Input(*ids.get(a.input.as_str())?))))
            .collect();
        let names = ids.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        Schema {
            objects,
            actions,
            names,
        }
    }

    /// The index of the object called `name` (an action's output, say), for
    /// [`object_members`](Self::object_members).
    pub fn object_by_name(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }

    /// The input object of `action`, if the version has that action.
    pub fn input(&self, action: &str) -> Option<Input> {
        self.actions.get(action).copied()
    }

    /// Does the input object have a top-level member `name`?
    pub fn has_member(&self, input: Input, name: &str) -> bool {
        self.objects[input.0].index.contains_key(name)
    }

    /// The wire names of the input's top-level members, in spec order.
    pub fn members(&self, input: Input) -> impl Iterator<Item = &str> {
        self.objects[input.0].enabled().map(|m| m.name.as_str())
    }

    /// The type of the input's top-level member `name`.
    pub fn member_ty(&self, input: Input, name: &str) -> Option<&Ty> {
        let obj = &self.objects[input.0];
        obj.index.get(name).map(|&i| &obj.members[i].ty)
    }

    /// The type reached by a dotted path (`Filters.0.Name`) from the input, when the path exists.
    pub fn path_ty(&self, input: Input, path: &str) -> Option<&Ty> {
        let mut segs = path.split('.');
        let mut ty = self.member_ty(input, segs.next()?)?;
        for seg in segs {
            ty = match ty {
                Ty::Obj(i) => {
                    let obj = &self.objects[*i];
                    obj.index.get(seg).map(|&m| &obj.members[m].ty)
                }
                Ty::List(inner) if seg.parse::<u64>().is_ok() => Some(inner.as_ref()),
                _ => None,
            }?;
        }
        Some(ty)
    }

    /// The members of object `idx` (of a [`Ty::Obj`]): name, required, type.
    pub fn object_members(&self, idx: usize) -> impl Iterator<Item = (&str, bool, &Ty)> {
        self.objects[idx]
            .enabled()
            .map(|m| (m.name.as_str(), m.required, &m.ty))
    }

    /// Every member of object `idx`, disabled ones included (answers may carry them), in spec order.
    pub fn answer_members(&self, idx: usize) -> impl Iterator<Item = (&str, &Ty)> {
        self.objects[idx].members.iter().map(|m| (m.name.as_str(), &m.ty))
    }

    /// The input's object index (for [`object_members`](Self::object_members)).
    pub fn input_object(&self, input: Input) -> usize {
        input.0
    }

    /// Closest names among the input's top-level members (at most three).
    pub fn close_members(&self, input: Input, name: &str) -> Vec<&str> {
        close_matches(name, self.members(input))
    }

    /// Checks a JSON request body against the action's input object.
    pub fn validate(&self, input: Input, body: &Value) -> Result<(), Violation> {
        if !body.is_object() {
            return Err(Violation::new(
                "InvalidParameterValue",
                "The request body must be a JSON object.",
            ));
        }
        self.check(&Ty::Obj(input.0), body, "")
    }

    fn check(&self, ty: &Ty, v: &Value, path: &str) -> Result<(), Violation> {
        match ty {
            Ty::Prim(p) => check_primitive(*p, v, path),
            Ty::List(inner) => {
                let Value::Array(items) = v else {
                    return Err(mismatch(path, "array", v));
                };
                for (i, item) in items.iter().enumerate() {
                    self.check(inner, item, &format!("{path}.{i}"))?;
                }
                Ok(())
            }
            Ty::Obj(idx) => self.check_object(*idx, v, path),
        }
    }

    fn check_object(&self, idx: usize, v: &Value, path: &str) -> Result<(), Violation> {
        let Value::Object(map) = v else {
            return Err(mismatch(path, "object", v));
        };
        let obj = &self.objects[idx];
        let join = |name: &str| {
            if path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        };
        for key in map.keys() {
            if !obj.index.contains_key(key) {
                let close = close_matches(key, obj.enabled().map(|m| m.name.as_str()));
                return Err(Violation::new(
                    "UnknownParameter",
                    format!(
                        "The parameter `{}` is not recognized.{}",
                        join(key),
                        did_you_mean(&close)
                    ),
                ));
            }
        }
        for m in obj.enabled() {
            match map.get(&m.name) {
                None | Some(Value::Null) if m.required => {
                    return Err(Violation::new(
                        "MissingParameter",
                        format!("The request is missing a required parameter `{}`.", join(&m.name)),
                    ));
                }
                None | Some(Value::Null) => {}
                Some(child) => self.check(&m.ty, child, &join(&m.name))?,
            }
        }
        Ok(())
    }

    /// Turns form or query parameters (`A=1&B.0=x&C.D=y`, decoded) into the JSON the action takes,
    /// converting scalar text by the spec's types. Whatever does not convert stays text, so
    /// [`validate`](Self::validate) reports it with the usual codes.
    pub fn query_to_json(&self, input: Input, pairs: &[(String, String)]) -> Result<Value, Violation> {
        let mut root = Node::Branch(BTreeMap::new());
        for (k, v) in pairs {
            // Each segment is a level of the tree built here and walked recursively below: bounded first,
            // so a key of thousands of dotted segments is a clear error, not a stack overflow.
            if k.split('.').nth(MAX_PARAM_DEPTH).is_some() {
                let shown: String = k.chars().take(64).collect();
                return Err(Violation::new(
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
        Ok(self.coerce(Some(&Ty::Obj(input.0)), &root))
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

fn check_primitive(p: Primitive, v: &Value, path: &str) -> Result<(), Violation> {
    match p {
        Primitive::String | Primitive::DateTime | Primitive::Date | Primitive::DateTimeIso | Primitive::Binary => {
            if !v.is_string() {
                return Err(mismatch(path, "string", v));
            }
        }
        Primitive::Bool => {
            if !v.is_boolean() {
                return Err(mismatch(path, "boolean", v));
            }
        }
        Primitive::Float => {
            if !v.is_number() {
                return Err(mismatch(path, "number", v));
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
            _ => return Err(mismatch(path, "integer", v)),
        },
        Primitive::UInt64 => match v {
            Value::Number(n) if n.is_u64() => {}
            Value::Number(n) if n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                return Err(out_of_range(path, v, "uint64"))
            }
            _ => return Err(mismatch(path, "unsigned integer", v)),
        },
    }
    Ok(())
}

enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// Scalar text converted by the spec's type (`"5"` → 5 for an Integer, `"true"` → true for a Boolean);
/// text that does not convert stays a string.
pub fn coerce_scalar(p: Primitive, s: &str) -> Value {
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

fn mismatch(path: &str, expected: &str, v: &Value) -> Violation {
    Violation::new(
        "InvalidParameterValue",
        format!(
            "The value type of parameter `{path}` is incorrect: expected {expected}, got {}.",
            json_kind(v)
        ),
    )
}

fn out_of_range(path: &str, v: &Value, ty: &str) -> Violation {
    Violation::new(
        "InvalidParameterValue",
        format!("The value of parameter `{path}` is out of range for {ty}: {v}."),
    )
}

/// The JSON kind of `v` as messages name it (`integer` for whole numbers, `number` otherwise).
pub fn json_kind(v: &Value) -> &'static str {
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

/// " Did you mean `A` or `B`?" for a non-empty list, else nothing.
pub fn did_you_mean(close: &[&str]) -> String {
    match close {
        [] => String::new(),
        [one] => format!(" Did you mean `{one}`?"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|s| format!("`{s}`")).collect();
            format!(" Did you mean {} or `{last}`?", init.join(", "))
        }
    }
}

/// The (at most three) `candidates` closest to `name`: case-insensitive edit distance at most a third of
/// the name's length (at least 2), or one containing the other; nearest first.
pub fn close_matches<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = name.to_ascii_lowercase();
    let limit = (lower.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let cl = c.to_ascii_lowercase();
            let d = edit_distance(&lower, &cl);
            let contains = lower.len() >= 3 && (cl.contains(&lower) || lower.contains(&cl));
            (d <= limit || contains).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Levenshtein distance over chars; names here are short (bounded by the caller's argument sizes).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sms() -> Schema {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-specs/sms/v20210111");
        Schema::compile(&crate::ProductVersion::load(&dir).unwrap().api)
    }

    #[test]
    fn accepts_and_refuses_with_codes() {
        let s = sms();
        let send = s.input("SendSms").unwrap();
        let ok = json!({"PhoneNumberSet": ["+8613800000000"], "SmsSdkAppId": "1400", "TemplateId": "1"});
        assert_eq!(s.validate(send, &ok), Ok(()));
        let missing = s.validate(send, &json!({"SmsSdkAppId": "1"})).unwrap_err();
        assert_eq!(missing.code, "MissingParameter");
        let wrong = s.validate(
            send,
            &json!({"PhoneNumberSet": "x", "SmsSdkAppId": "1", "TemplateId": "1"}),
        );
        assert_eq!(wrong.unwrap_err().code, "InvalidParameterValue");
        let unknown = s.validate(send, &json!({"SmsSdkAppid": "1"})).unwrap_err();
        assert_eq!(unknown.code, "UnknownParameter");
        assert!(
            unknown.message.contains("Did you mean `SmsSdkAppId`?"),
            "{}",
            unknown.message
        );
    }

    #[test]
    fn query_pairs_convert_by_type() {
        let s = sms();
        let input = s.input("PullSmsSendStatus").unwrap();
        let pairs = vec![
            ("Limit".to_string(), "10".to_string()),
            ("SmsSdkAppId".into(), "14".into()),
        ];
        assert_eq!(
            s.query_to_json(input, &pairs).unwrap(),
            json!({"Limit": 10, "SmsSdkAppId": "14"})
        );
        let deep = vec![("a.".repeat(40), "x".to_string())];
        assert_eq!(s.query_to_json(input, &deep).unwrap_err().code, "InvalidParameter");
    }

    #[test]
    fn paths_and_close_matches() {
        let s = sms();
        let input = s.input("SendSms").unwrap();
        assert_eq!(s.path_ty(input, "PhoneNumberSet.0"), Some(&Ty::Prim(Primitive::String)));
        assert_eq!(s.path_ty(input, "Nope"), None);
        assert_eq!(
            close_matches("templateid", ["TemplateId", "Other"].into_iter()),
            vec!["TemplateId"]
        );
        assert!(close_matches("zzzzzz", ["TemplateId"].into_iter()).is_empty());
        assert_eq!(did_you_mean(&["A", "B"]), " Did you mean `A` or `B`?");
    }
}
