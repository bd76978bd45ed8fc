//! Printing an answer as tccli does: the `Response` object projected onto the action's response type
//! (members the spec does not list are dropped, the others keep the spec's order and absent ones are
//! `null`, as tccli's round trip through the SDK's models does), then `--filter`
//! (JMESPath), then `--output`:
//!
//! - `json` (default): Python's `json.dumps(indent=4, ensure_ascii=False)` byte for byte (floats as Python
//!   writes them: `1.0`, `1e-05`, `1e+16`), so scripts that parse or diff tccli's output keep working;
//! - `text`: one line per scalar, `Path.To.Member<TAB>value`, lists by index: greppable and readable
//!   for nested answers;
//! - `table`: scalars as a Name/Value table, each list of objects as a table of its own (a row per item,
//!   a column per member), widths counting East Asian characters as two columns.
//!
//! After `--filter` the order is JMESPath's (object keys sorted).

use serde_json::Value;
use tc_spec::validate::{Schema, Ty};

use crate::error::CliError;

/// How members are ordered and which are kept.
#[derive(Clone, Copy)]
pub struct Shape<'a> {
    pub schema: &'a Schema,
    /// The response object's index (`Schema::object_by_name`); `None`: print as is.
    pub object: Option<usize>,
}

/// The answer as printed for `format`, after `filter`; ends with a newline.
pub fn render(answer: &Value, shape: Shape<'_>, format: &str, filter: Option<&str>) -> Result<String, CliError> {
    let projected = match shape.object {
        Some(idx) => project(answer, shape.schema, &Ty::Obj(idx)),
        None => Ordered::from(answer),
    };
    let shown = match filter {
        Some(expr) => Ordered::from(&apply_filter(expr, &projected.to_value())?),
        None => projected,
    };
    let mut out = String::new();
    match format {
        "json" => {
            json(&shown, 0, &mut out);
            out.push('\n');
        }
        "text" => text(&shown, "", &mut out),
        "table" => table(&shown, &mut out),
        other => {
            return Err(CliError::usage(format!(
                "unknown output format `{other}`: json, text or table"
            )))
        }
    }
    Ok(out)
}

/// JSON with object members in a chosen order.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    Scalar(Value),
    List(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl From<&Value> for Ordered {
    fn from(v: &Value) -> Ordered {
        match v {
            Value::Array(items) => Ordered::List(items.iter().map(Ordered::from).collect()),
            Value::Object(map) => Ordered::Object(map.iter().map(|(k, v)| (k.clone(), Ordered::from(v))).collect()),
            other => Ordered::Scalar(other.clone()),
        }
    }
}

impl Ordered {
    pub fn to_value(&self) -> Value {
        match self {
            Ordered::Scalar(v) => v.clone(),
            Ordered::List(items) => Value::Array(items.iter().map(Ordered::to_value).collect()),
            Ordered::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()),
        }
    }
}

/// What tccli prints: the answer read into the SDK's response model and written back, so every object
/// has exactly the members its type lists (disabled ones too), in spec order, `null` when absent.
fn project(v: &Value, schema: &Schema, ty: &Ty) -> Ordered {
    match (ty, v) {
        (Ty::Obj(idx), Value::Object(map)) => Ordered::Object(
            schema
                .answer_members(*idx)
                .map(|(name, mty)| {
                    let child = map
                        .get(name)
                        .map_or(Ordered::Scalar(Value::Null), |c| project(c, schema, mty));
                    (name.to_owned(), child)
                })
                .collect(),
        ),
        (Ty::List(inner), Value::Array(items)) => {
            Ordered::List(items.iter().map(|i| project(i, schema, inner)).collect())
        }
        _ => Ordered::from(v),
    }
}

fn apply_filter(expr: &str, v: &Value) -> Result<Value, CliError> {
    let compiled =
        jmespath::compile(expr).map_err(|e| CliError::usage(format!("--filter: not a JMESPath expression: {e}")))?;
    let data = jmespath::Variable::from_serializable(v).map_err(|e| CliError::internal(format!("--filter: {e}")))?;
    let found = compiled
        .search(data)
        .map_err(|e| CliError::usage(format!("--filter: {e}")))?;
    serde_json::to_value(&*found).map_err(|e| CliError::internal(format!("--filter: {e}")))
}

fn json(v: &Ordered, depth: usize, out: &mut String) {
    let pad = |out: &mut String, d: usize| out.extend(std::iter::repeat_n(' ', 4 * d));
    match v {
        Ordered::Scalar(s) => scalar_json(s, out),
        Ordered::List(items) if items.is_empty() => out.push_str("[]"),
        Ordered::Object(m) if m.is_empty() => out.push_str("{}"),
        Ordered::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, depth + 1);
                json(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, depth);
            out.push(']');
        }
        Ordered::Object(m) => {
            out.push_str("{\n");
            for (i, (k, item)) in m.iter().enumerate() {
                pad(out, depth + 1);
                scalar_json(&Value::String(k.clone()), out);
                out.push_str(": ");
                json(item, depth + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            pad(out, depth);
            out.push('}');
        }
    }
}

fn scalar_json(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) if n.is_f64() => out.push_str(&python_float(n.as_f64().unwrap_or(0.0))),
        // serde_json escapes exactly what Python does with ensure_ascii=False (", \, control characters).
        other => out.push_str(&other.to_string()),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{f}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

fn text(v: &Ordered, path: &str, out: &mut String) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Ordered::Scalar(s) => {
            out.push_str(path);
            if !path.is_empty() {
                out.push('\t');
            }
            out.push_str(&plain(s));
            out.push('\n');
        }
        Ordered::List(items) => {
            for (i, item) in items.iter().enumerate() {
                text(item, &join(&i.to_string()), out);
            }
        }
        Ordered::Object(m) => {
            for (k, item) in m {
                text(item, &join(k), out);
            }
        }
    }
}

fn plain(s: &Value) -> String {
    match s {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => python_float(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// `table`: the scalars (and whatever is nested deeper) as a Name/Value table, then each list of objects
/// as its own table, one row per item and one column per member (nested values as `Path.Sub` columns).
fn table(v: &Ordered, out: &mut String) {
    let mut rest = Vec::new();
    let mut lists = Vec::new();
    match v {
        Ordered::Object(m) => {
            for (k, item) in m {
                match item {
                    Ordered::List(items)
                        if !items.is_empty() && items.iter().all(|i| matches!(i, Ordered::Object(_))) =>
                    {
                        lists.push((k.as_str(), items))
                    }
                    other => rest.push((k.as_str(), other)),
                }
            }
        }
        other => rest.push(("", other)),
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (k, item) in rest {
        let mut lines = String::new();
        text(item, k, &mut lines);
        rows.extend(lines.lines().map(|l| {
            let (a, b) = l.split_once('\t').unwrap_or(("", l));
            vec![a.to_owned(), b.to_owned()]
        }));
    }
    if !rows.is_empty() {
        grid(&["Name".to_owned(), "Value".to_owned()], &rows, out);
    }
    for (name, items) in lists {
        out.push_str(name);
        out.push('\n');
        let flat: Vec<Vec<(String, String)>> = items
            .iter()
            .map(|item| {
                let mut lines = String::new();
                text(item, "", &mut lines);
                lines
                    .lines()
                    .map(|l| {
                        l.split_once('\t')
                            .map(|(a, b)| (a.to_owned(), b.to_owned()))
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        let mut columns: Vec<String> = Vec::new();
        for (col, _) in flat.iter().flatten() {
            if !columns.contains(col) {
                columns.push(col.clone());
            }
        }
        let rows: Vec<Vec<String>> = flat
            .iter()
            .map(|cells| {
                columns
                    .iter()
                    .map(|c| {
                        cells
                            .iter()
                            .find(|(k, _)| k == c)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        grid(&columns, &rows, out);
    }
}

fn grid(header: &[String], rows: &[Vec<String>], out: &mut String) {
    let width = |s: &str| {
        s.chars()
            .map(|c| if (c as u32) < 0x1100 { 1 } else { 2 })
            .sum::<usize>()
    };
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(&header[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule: String = widths
        .iter()
        .map(|w| format!("+{}", "-".repeat(w + 2)))
        .collect::<String>()
        + "+\n";
    let line = |cells: &[String], out: &mut String| {
        for (c, w) in cells.iter().zip(&widths) {
            out.push_str(&format!("| {c}{} ", " ".repeat(w - width(c))));
        }
        out.push_str("|\n");
    };
    out.push_str(&rule);
    line(header, out);
    out.push_str(&rule);
    for r in rows {
        line(r, out);
    }
    out.push_str(&rule);
}

/// [`Ordered`] as Python's `json.dumps(indent=4)` writes it (no final newline).
pub fn json_text(v: &Ordered) -> String {
    let mut out = String::new();
    json(v, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_writes_them() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.5), "0.5");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(123456.789), "123456.789");
        assert_eq!(python_float(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn table_puts_lists_of_objects_in_rows() {
        let v: Value = serde_json::from_str(r#"{"Set":[{"A":"中文","B":1},{"A":"x"}],"RequestId":"r"}"#).unwrap();
        let mut out = String::new();
        table(&Ordered::from(&v), &mut out);
        assert!(out.contains("| RequestId | r     |"), "{out}");
        assert!(out.contains("| A    | B |\n"), "{out}");
        assert!(out.contains("| 中文 | 1 |\n| x    |   |\n"), "{out}");
    }

    #[test]
    fn json_layout_is_pythons() {
        let v: Value = serde_json::from_str(r#"{"b":[1,{"x":"é\n"}],"a":{},"c":[]}"#).unwrap();
        let mut out = String::new();
        json(&Ordered::from(&v), 0, &mut out);
        assert_eq!(
            out,
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        {\n            \"x\": \"é\\n\"\n        }\n    ],\n    \"c\": []\n}"
        );
    }
}
