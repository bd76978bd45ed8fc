//! `help` at every level, and `--generate-cli-skeleton`. Descriptions are English first where the spec
//! tree has English documents (`api_en.json`), then Chinese; long documents are cut to their first
//! paragraph in lists and shown whole for one action or parameter.

use std::collections::HashSet;
use std::fmt::Write as _;

use tc_spec::validate::{Schema, Ty};
use tc_spec::Primitive;

use crate::error::CliError;
use crate::output::Ordered;
use crate::specs::{self, Loaded};

pub const USAGE: &str = "usage: tcli [options] <product> <Action> [--Param value ...]
       tcli <product> [<Action>] help        tcli configure set|get|list
       tcli completion bash|zsh|fish         tcli --version";

const OPTIONS: &str = "options:
  --region R            region (else TENCENTCLOUD_REGION, else the profile's)
  --profile P           tccli profile (~/.tccli/P.configure, P.credential)
  --secretId ID --secretKey KEY [--token T]   credential for this call
  --endpoint E          host, or URL with scheme (http://127.0.0.1:9000)
  --version V           API version of the product (2021-01-11)
  --output json|table|text   answer format (default json, as tccli)
  --filter EXPR         JMESPath applied to the answer
  --timeout S           seconds per attempt     --https-proxy URL   proxy
  --waiter JSON         {\"expr\":..,\"to\":..,\"timeout\":180,\"interval\":5}: call until expr == to
  --cli-unfold-argument   dotted parameters (--Filters.0.Name x)
  --cli-input-json J    whole request as JSON, or file://path
  --generate-cli-skeleton   print the request's JSON skeleton
  --all                 follow every page (list actions), one merged answer
  --dry-run             print the signed request (secrets masked), send nothing
exit codes: 0 ok, 1 API error, 2 usage (nothing sent), 3 configuration, 4 network, 5 bad answer,
            6 waiter timed out, 70 internal";

/// `tcli help`.
pub fn top() -> String {
    let (bytes, versions) = specs::bundle_size();
    let mut out = format!("{USAGE}\n\n{OPTIONS}\n\nproducts ({versions} API versions, {bytes} bytes compressed):\n");
    for chunk in specs::products().chunks(8) {
        let _ = writeln!(out, "  {}", chunk.join("  "));
    }
    out
}

fn first_paragraph(s: &str) -> &str {
    s.split("\n").map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

/// English, then Chinese, when they differ.
fn both(en: Option<&str>, zh: &str, whole: bool) -> String {
    let cut = |s: &str| {
        if whole {
            s.trim().to_owned()
        } else {
            first_paragraph(s).to_owned()
        }
    };
    match en.map(cut).filter(|e| !e.is_empty()) {
        Some(e) if e != cut(zh) => format!("{e}\n      {}", cut(zh)),
        Some(e) => e,
        None => cut(zh),
    }
}

/// `tcli <product> help`.
pub fn product(l: &Loaded) -> String {
    let api = &l.pv.api;
    let versions: Vec<String> = specs::versions(&l.pv.product)
        .iter()
        .map(|e| specs::dated(e.module))
        .collect();
    let mut out = format!(
        "{} ({}) API {}; versions: {}\n\nactions:\n",
        l.pv.product,
        api.metadata.service_name_cn.as_deref().unwrap_or(""),
        l.version(),
        versions.join(", ")
    );
    for (name, a) in &api.actions {
        let en =
            l.pv.english
                .as_ref()
                .and_then(|d| d.actions.get(name))
                .map(|d| d.name.as_str());
        let _ = writeln!(out, "  {name:<40} {}", both(en, &a.name, false));
    }
    out
}

/// `tcli <product> <Action> help [--Param]`.
pub fn action(l: &Loaded, action: &str, param: Option<&str>) -> Result<String, CliError> {
    let a = &l.pv.api.actions[action];
    let input = l
        .schema
        .input(action)
        .ok_or_else(|| CliError::internal("action without input"))?;
    if let Some(p) = param {
        return parameter(l, action, p);
    }
    let en = l.pv.english.as_ref().and_then(|d| d.actions.get(action));
    let mut out = format!(
        "{} {action} (API {})\n\n{}\n\nparameters:\n",
        l.pv.product,
        l.version(),
        both(en.map(|d| d.document.as_str()), &a.document, true)
    );
    for (name, required, ty) in l.schema.object_members(l.schema.input_object(input)) {
        let _ = writeln!(
            out,
            "  --{name:<32} {:<10} {}  {}",
            type_name(ty),
            if required { "required" } else { "optional" },
            member_doc(l, &a.input, name, false)
        );
    }
    if l.pv.streaming.contains(action) {
        out.push_str("\nstreams its answer when --Stream true: events are printed one per line as they arrive\n");
    }
    Ok(out)
}

fn member_doc(l: &Loaded, object: &str, member: &str, whole: bool) -> String {
    let zh =
        l.pv.api
            .objects
            .get(object)
            .and_then(|o| o.members.iter().find(|m| m.name == member));
    let en =
        l.pv.english
            .as_ref()
            .and_then(|d| d.objects.get(object))
            .and_then(|o| o.member(member));
    both(en, zh.map(|m| m.document.as_str()).unwrap_or(""), whole)
}

fn parameter(l: &Loaded, action: &str, name: &str) -> Result<String, CliError> {
    let a = &l.pv.api.actions[action];
    let input = l
        .schema
        .input(action)
        .ok_or_else(|| CliError::internal("action without input"))?;
    let ty = l.schema.member_ty(input, name).ok_or_else(|| {
        let close = tc_spec::validate::close_matches(name, l.schema.members(input));
        CliError::usage(format!(
            "{action} has no parameter `{name}`.{}",
            tc_spec::validate::did_you_mean(&close)
        ))
    })?;
    let mut out = format!(
        "--{name} ({})\n\n{}\n",
        type_name(ty),
        member_doc(l, &a.input, name, true)
    );
    if matches!(ty, Ty::Obj(_) | Ty::List(_)) {
        if let Some(skel) = skeleton_of(&l.schema, ty, &mut HashSet::new()) {
            let _ = write!(out, "\nshape:\n{}\n", crate::output::json_text(&skel));
        }
    }
    Ok(out)
}

/// tccli's type names (`Integer`, `String`, `Array`, `Object`...).
pub fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::Prim(p) => prim_name(*p).to_owned(),
        Ty::Obj(_) => "Object".to_owned(),
        Ty::List(inner) => format!("Array of {}", type_name(inner)),
    }
}

fn prim_name(p: Primitive) -> &'static str {
    match p {
        Primitive::Int64 | Primitive::UInt64 => "Integer",
        Primitive::String => "String",
        Primitive::Float => "Float",
        Primitive::Bool => "Boolean",
        Primitive::Date | Primitive::DateTime | Primitive::DateTimeIso => "Timestamp",
        Primitive::Binary => "Binary",
    }
}

/// `--generate-cli-skeleton`: the input as JSON with type names for values, in spec order, as tccli.
pub fn skeleton(schema: &Schema, action: &str) -> Result<String, CliError> {
    let input = schema
        .input(action)
        .ok_or_else(|| CliError::internal("action without input"))?;
    let skel = skeleton_of(schema, &Ty::Obj(schema.input_object(input)), &mut HashSet::new())
        .unwrap_or(Ordered::Object(Vec::new()));
    let mut out = String::new();
    render_ordered(&skel, &mut out);
    Ok(out)
}

fn render_ordered(v: &Ordered, out: &mut String) {
    out.push_str(&crate::output::json_text(v));
    out.push('\n');
}

/// A type's skeleton; a structure met again inside itself is a placeholder string.
fn skeleton_of(schema: &Schema, ty: &Ty, seen: &mut HashSet<usize>) -> Option<Ordered> {
    Some(match ty {
        Ty::Prim(p) => Ordered::Scalar(prim_name(*p).into()),
        Ty::List(inner) => Ordered::List(vec![skeleton_of(schema, inner, seen)?]),
        Ty::Obj(idx) => {
            if !seen.insert(*idx) {
                return Some(Ordered::Scalar(
                    "<recursive structure: JSON object of the same type>".into(),
                ));
            }
            let members = schema
                .object_members(*idx)
                .filter_map(|(name, _, t)| Some((name.to_owned(), skeleton_of(schema, t, seen)?)))
                .collect();
            seen.remove(idx);
            Ordered::Object(members)
        }
    })
}
