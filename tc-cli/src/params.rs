//! From typed parameters to the request's JSON, as tccli builds it, then checked by the shared validator
//! (`tc_spec::validate`) before anything is sent.
//!
//! - Plain form (`--Limit 10 --PhoneNumberSet '["+86..."]'`): a top-level parameter of a scalar type is read
//!   by that type (Integer: a whole number, Float: a number, Boolean: `true/t/1/false/f/0` in any case,
//!   String: as is); any other (list, object) is JSON.
//! - `--cli-unfold-argument` (`--Filters.0.Name x --Filters.0.Values a b`): dotted paths down to scalars or
//!   lists of scalars; a list of scalars takes every value that follows; list indexes start at 0 with no
//!   gaps.
//! - `--cli-input-json '{...}'` or `file://path`: the whole request as one JSON object; other parameters are
//!   then an error, as in tccli.

use serde_json::{Map, Value};
use tc_spec::validate::{close_matches, did_you_mean, Input, Schema, Ty};
use tc_spec::Primitive;

use crate::argv::{Globals, Param};
use crate::error::CliError;

/// Largest `file://` request read (a request body is far smaller).
const MAX_INPUT_FILE: u64 = 16 << 20;

/// The request of `input` built from the command line and validated.
pub fn build(schema: &Schema, input: Input, params: &[Param], g: &Globals) -> Result<Value, CliError> {
    let body = if let Some(src) = &g.cli_input_json {
        if let Some(p) = params.first() {
            return Err(CliError::usage(format!(
                "--{} cannot be combined with --cli-input-json (it holds the whole request)",
                p.name
            )));
        }
        input_json(src)?
    } else if g.unfold {
        unfolded(schema, input, params)?
    } else {
        plain(schema, input, params)?
    };
    schema.validate(input, &body)?;
    Ok(body)
}

fn plain(schema: &Schema, input: Input, params: &[Param]) -> Result<Value, CliError> {
    let mut body = Map::new();
    for p in params {
        let Some(ty) = schema.member_ty(input, &p.name) else {
            return Err(unknown(schema, input, &p.name));
        };
        let [raw] = p.values.as_slice() else {
            return Err(CliError::usage(format!(
                "parameter --{} takes one value, got {} (a list is JSON: '[\"a\",\"b\"]')",
                p.name,
                p.values.len()
            )));
        };
        let v = match ty {
            Ty::Prim(prim) => scalar(*prim, raw, &p.name)?,
            _ => serde_json::from_str(raw)
                .map_err(|e| CliError::usage(format!("parameter --{}: invalid JSON ({e}): {raw}", p.name)))?,
        };
        if body.insert(p.name.clone(), v).is_some() {
            return Err(CliError::usage(format!("parameter --{} is given twice", p.name)));
        }
    }
    Ok(Value::Object(body))
}

fn unknown(schema: &Schema, input: Input, name: &str) -> CliError {
    let top = name.split('.').next().unwrap_or(name);
    let close = close_matches(top, schema.members(input));
    CliError::usage(format!(
        "[UnknownParameter] The parameter `{name}` is not recognized.{}",
        did_you_mean(&close)
    ))
}

/// A scalar read by its spec type, as tccli's argument types read it.
pub fn scalar(p: Primitive, raw: &str, name: &str) -> Result<Value, CliError> {
    let bad = |what: &str| CliError::usage(format!("parameter --{name}: invalid {what} value: {raw:?}"));
    Ok(match p {
        Primitive::Int64 | Primitive::UInt64 => {
            let t = raw.trim();
            let t = t.strip_prefix('+').unwrap_or(t);
            match t.parse::<i64>() {
                Ok(i) => Value::from(i),
                Err(_) => Value::from(t.parse::<u64>().map_err(|_| bad("integer"))?),
            }
        }
        Primitive::Float => {
            let f: f64 = raw.trim().parse().map_err(|_| bad("float"))?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| bad("float"))?
        }
        Primitive::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" => Value::Bool(true),
            "false" | "f" | "0" => Value::Bool(false),
            _ => return Err(bad("Boolean (true/false, t/f, 1/0)")),
        },
        _ => Value::String(raw.to_owned()),
    })
}

fn unfolded(schema: &Schema, input: Input, params: &[Param]) -> Result<Value, CliError> {
    let mut root = Value::Object(Map::new());
    for p in params {
        if p.name.split('.').nth(tc_spec::validate::MAX_PARAM_DEPTH).is_some() {
            return Err(CliError::usage(format!("parameter --{} nests too deep", p.name)));
        }
        let ty = schema
            .path_ty(input, &p.name)
            .ok_or_else(|| unknown(schema, input, &p.name))?;
        let v = match (ty, p.values.as_slice()) {
            (Ty::List(inner), values) if matches!(**inner, Ty::Prim(_)) => {
                let Ty::Prim(prim) = **inner else { unreachable!() };
                let items: Result<Vec<Value>, CliError> = values.iter().map(|s| scalar(prim, s, &p.name)).collect();
                Value::Array(items?)
            }
            (Ty::Prim(prim), [raw]) => scalar(*prim, raw, &p.name)?,
            (Ty::Prim(_), values) => {
                return Err(CliError::usage(format!(
                    "parameter --{} takes one value, got {}",
                    p.name,
                    values.len()
                )))
            }
            _ => {
                return Err(CliError::usage(format!(
                    "parameter --{} is a structure: give its members (--{}.<Member> ...)",
                    p.name, p.name
                )))
            }
        };
        insert_path(&mut root, &p.name, v)?;
    }
    arrays(root, "")
}

fn insert_path(root: &mut Value, path: &str, v: Value) -> Result<(), CliError> {
    let mut node = root;
    let mut segs = path.split('.').peekable();
    while let Some(seg) = segs.next() {
        let Value::Object(map) = node else {
            return Err(CliError::usage(format!(
                "parameter --{path} conflicts with another parameter"
            )));
        };
        if segs.peek().is_none() {
            if map.insert(seg.to_owned(), v).is_some() {
                return Err(CliError::usage(format!("parameter --{path} is given twice")));
            }
            return Ok(());
        }
        node = map.entry(seg.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

/// Objects whose keys are indexes become lists; indexes must be 0, 1, ... as in tccli.
fn arrays(v: Value, path: &str) -> Result<Value, CliError> {
    let Value::Object(map) = v else { return Ok(v) };
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    if map.keys().any(|k| k.bytes().all(|b| b.is_ascii_digit())) {
        let mut items: Vec<(usize, Value)> = Vec::with_capacity(map.len());
        for (k, item) in map {
            let i = k.parse::<usize>().ok().filter(|i| *i < 1 << 20);
            let i = i.ok_or_else(|| gap(path))?;
            let item = arrays(item, &join(&k))?;
            items.push((i, item));
        }
        items.sort_by_key(|(i, _)| *i);
        if items.iter().enumerate().any(|(n, (i, _))| n != *i) {
            return Err(gap(path));
        }
        return Ok(Value::Array(items.into_iter().map(|(_, v)| v).collect()));
    }
    let mut out = Map::new();
    for (k, item) in map {
        let item = arrays(item, &join(&k))?;
        out.insert(k, item);
    }
    Ok(Value::Object(out))
}

fn gap(path: &str) -> CliError {
    CliError::usage(format!(
        "the indexes of list parameter --{path} must start from 0 and step by 1"
    ))
}

/// `--cli-input-json`: inline JSON or `file://path`, an object.
fn input_json(src: &str) -> Result<Value, CliError> {
    let text = match src.strip_prefix("file://") {
        Some(path) => read_bounded(path)?,
        None => src.to_owned(),
    };
    match serde_json::from_str(&text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(CliError::usage("--cli-input-json must be a JSON object")),
        Err(e) => Err(CliError::usage(format!("--cli-input-json: invalid JSON ({e})"))),
    }
}

fn read_bounded(path: &str) -> Result<String, CliError> {
    use std::io::Read;
    let f =
        std::fs::File::open(path).map_err(|e| CliError::usage(format!("--cli-input-json: cannot open {path}: {e}")))?;
    let mut text = String::new();
    f.take(MAX_INPUT_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::usage(format!("--cli-input-json: cannot read {path}: {e}")))?;
    if text.len() as u64 > MAX_INPUT_FILE {
        return Err(CliError::usage(format!(
            "--cli-input-json: {path} is larger than {MAX_INPUT_FILE} bytes"
        )));
    }
    Ok(text)
}
