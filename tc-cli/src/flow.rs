//! One action from the command line, end to end: resolve, build and check the request, then one of: the
//! skeleton, a dry run, a stream, a waiter loop, every page (`--all`), or one call; then print.
//!
//! `--waiter` is the loop tccli has (call, evaluate the JMESPath `expr` on the answer, stop when it equals
//! `to`, else sleep `interval` seconds until `timeout`), kept here because tccli's `expr` is JMESPath (the
//! `--filter` engine), which `sdk_core::waiter::JsonWaiter`'s dotted paths do not cover. Progress lines go
//! to standard error so standard output stays the answer.
//!
//! `--all` detects the paging style from the spec with the generator's paging member names
//! (`tc_rules::paging`: next token, offset/limit, page number/size; one top-level list) and walks the pages
//! with `sdk_core::paginate::Pages` (the SDK's stop rules: cycles, page limit); the answer is the first page
//! with the list holding every page's items.

use std::io::Write;
use std::time::{Duration, Instant};

use sdk_core::paginate::{Pages, Paging, Style};
use sdk_core::{ActionInfo, BodyMode, CommonClient};
use serde_json::Value;
use tc_rules::paging::{PAGES, SIZES, TOKENS, TOTALS};
use tc_spec::validate::{close_matches, did_you_mean, Schema, Ty};
use tc_spec::Primitive;

use crate::argv::Argv;
use crate::call::{self, Target};
use crate::config::{profile_name, Profile};
use crate::error::{Class, CliError};
use crate::output::{self, Shape};
use crate::specs::{self, Loaded};

/// The product's spec (at the version in force) and the action's exact name.
pub fn resolve(product: &str, action: &str, a: &Argv) -> Result<(Loaded, String), CliError> {
    let profile = Profile::load(&profile_name(a.globals.profile.as_deref()))?;
    let version = a
        .globals
        .version
        .as_deref()
        .or_else(|| profile.product(product, "version"));
    let l = specs::load(product, version)?;
    if !l.pv.api.actions.contains_key(action) {
        let close = close_matches(action, l.pv.api.actions.keys().map(String::as_str));
        return Err(CliError::usage(format!(
            "unknown action `{action}` of {product} {}.{} (`tcli {product} help` lists them)",
            l.version(),
            did_you_mean(&close)
        )));
    }
    Ok((l, action.to_owned()))
}

/// `tcli <product> <Action> ...`.
pub fn action(product: &str, action: &str, a: &Argv, out: &mut dyn Write) -> Result<(), CliError> {
    let (l, action) = resolve(product, action, a)?;
    let g = &a.globals;
    if g.help {
        let param = a.params.first().map(|p| p.name.as_str());
        return write(out, &crate::help::action(&l, &action, param)?);
    }
    if g.skeleton {
        return write(out, &crate::help::skeleton(&l.schema, &action)?);
    }
    let input = l
        .schema
        .input(&action)
        .ok_or_else(|| CliError::internal("action without input"))?;
    let body = crate::params::build(&l.schema, input, &a.params, g)?;
    let profile = Profile::load(&profile_name(g.profile.as_deref()))?;
    let target = Target {
        service: &l.pv.api.metadata.service_short_name,
        version: l.version(),
        action: &action,
        skip_sign: l.pv.api.actions[&action].skip_sign,
    };
    let client = call::client(g, &profile, product, &target)?;
    let format = g.output.clone().or_else(|| profile.sys("output").map(str::to_owned));
    let format = format.unwrap_or_else(|| "json".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("runtime: {e}")))?;
    let printer = Printer {
        shape: Shape {
            schema: &l.schema,
            object: l.schema.object_by_name(&l.pv.api.actions[&action].output),
        },
        format: &format,
        filter: g.filter.as_deref(),
    };
    runtime.block_on(async {
        if g.dry_run {
            return dry_run(&client, &target, &body, g.secret_id.as_deref(), out).await;
        }
        if l.pv.streaming.contains(&action) && body.get("Stream") == Some(&Value::Bool(true)) {
            return call::stream(&client, &target, &body, out).await;
        }
        let answer = if let Some(w) = &g.waiter {
            wait(&client, &target, &body, &Waiter::parse(w)?, &printer).await?
        } else if g.all {
            all_pages(&client, &l.schema, &target, &body, &l.pv.api.actions[&action].output).await?
        } else {
            call::call(&client, &target, &body).await?
        };
        write(out, &printer.render(&answer)?)
    })
}

struct Printer<'a> {
    shape: Shape<'a>,
    format: &'a str,
    filter: Option<&'a str>,
}

impl Printer<'_> {
    fn render(&self, answer: &Value) -> Result<String, CliError> {
        output::render(answer, self.shape, self.format, self.filter)
    }
}

fn write(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::internal(format!("cannot write the answer: {e}")))
}

async fn dry_run(
    client: &CommonClient,
    t: &Target<'_>,
    body: &Value,
    secret_id: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let capture = call::Capture::default();
    let dry = client.with_transport(capture.clone());
    call::call(&dry, t, body).await?;
    let req = capture.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    let req = req.ok_or_else(|| CliError::internal("dry run: no request was built"))?;
    write(out, &call::describe(&req, secret_id))
}

/// `--waiter '{"expr": "...", "to": ..., "timeout": 180, "interval": 5}'` (seconds).
struct Waiter {
    expr: jmespath::Expression<'static>,
    to: Value,
    timeout: Duration,
    interval: Duration,
}

impl Waiter {
    fn parse(text: &str) -> Result<Waiter, CliError> {
        let bad = |m: &str| CliError::usage(format!("--waiter: {m}"));
        let v: Value = serde_json::from_str(text).map_err(|e| bad(&format!("must be a JSON object ({e})")))?;
        let expr = v
            .get("expr")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("`expr` must be defined"))?;
        let to = v.get("to").cloned().ok_or_else(|| bad("`to` must be defined"))?;
        let secs = |k: &str, d: f64| match v.get(k) {
            None => Ok(d),
            Some(n) => n
                .as_f64()
                .filter(|f| *f >= 0.0 && *f <= 86_400.0)
                .ok_or_else(|| bad(&format!("`{k}` must be seconds"))),
        };
        let timeout = secs("timeout", 180.0)?;
        let interval = secs("interval", 5.0)?.min(timeout);
        let expr = jmespath::compile(expr).map_err(|e| bad(&format!("`expr` is not JMESPath: {e}")))?;
        Ok(Waiter {
            expr,
            to,
            timeout: Duration::from_secs_f64(timeout),
            interval: Duration::from_secs_f64(interval),
        })
    }

    fn current(&self, answer: &Value) -> Result<Value, CliError> {
        let data = jmespath::Variable::from_serializable(answer).map_err(|e| CliError::internal(e.to_string()))?;
        let found = self
            .expr
            .search(data)
            .map_err(|e| CliError::usage(format!("--waiter: {e}")))?;
        serde_json::to_value(&*found).map_err(|e| CliError::internal(e.to_string()))
    }
}

async fn wait(
    client: &CommonClient,
    t: &Target<'_>,
    body: &Value,
    w: &Waiter,
    printer: &Printer<'_>,
) -> Result<Value, CliError> {
    let start = Instant::now();
    loop {
        let answer = call::call(client, t, body).await?;
        let projected = match printer.shape.object {
            Some(_) => serde_json::from_str(&output::render(&answer, printer.shape, "json", None)?)
                .map_err(|e| CliError::internal(e.to_string()))?,
            None => answer.clone(),
        };
        let now = w.current(&projected)?;
        if now == w.to {
            return Ok(answer);
        }
        if start.elapsed() >= w.timeout {
            return Err(CliError::new(
                Class::Waiter,
                format!("waiter timed out: `{}` is {now}, not {}", w.expr.as_str(), w.to),
            ));
        }
        eprintln!("Inquiry result is {now}.");
        tokio::time::sleep(w.interval).await;
    }
}

/// The paging of `action` (input and output members), when it pages in a style the SDK walks.
fn detect_paging(schema: &Schema, input: usize, output: usize) -> Option<Paging> {
    let find = |obj: usize, names: &[&'static str], want: fn(&Ty) -> bool| {
        names
            .iter()
            .copied()
            .find(|n| schema.object_members(obj).any(|(m, _, t)| m == *n && want(t)))
    };
    let int = |t: &Ty| matches!(t, Ty::Prim(Primitive::Int64 | Primitive::UInt64));
    let string = |t: &Ty| matches!(t, Ty::Prim(Primitive::String));
    let lists: Vec<&str> = schema
        .object_members(output)
        .filter(|(_, _, t)| matches!(t, Ty::List(_)))
        .map(|(n, _, _)| n)
        .collect();
    let [list] = lists.as_slice() else { return None };
    let list: &'static str = leak(list);
    let total = find(output, &TOTALS, |t| {
        matches!(t, Ty::Prim(Primitive::Int64 | Primitive::UInt64 | Primitive::String))
    });
    let style = if let Some(tok) = find(input, &TOKENS, string) {
        let answered = schema
            .object_members(output)
            .map(|(n, _, _)| n)
            .find(|n| *n == tok || n.strip_prefix("Next") == Some(tok))?;
        Style::Token {
            request: tok,
            response: leak(answered),
            limit: find(input, &SIZES, int),
            default_limit: None,
        }
    } else if find(input, &["Offset"], int).is_some() && find(input, &["Limit"], int).is_some() {
        Style::Offset {
            offset: "Offset",
            limit: "Limit",
            default_limit: None,
        }
    } else {
        let page = find(input, &PAGES, int)?;
        let size = find(input, &SIZES, int)?;
        Style::Page {
            page,
            size,
            first: 1,
            default_size: None,
        }
    };
    Some(Paging {
        style,
        list,
        total,
        within: None,
    })
}

/// A name made `'static` for the SDK's paging tables: a handful of short strings once per process.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

async fn all_pages(
    client: &CommonClient,
    schema: &Schema,
    t: &Target<'_>,
    body: &Value,
    output_name: &str,
) -> Result<Value, CliError> {
    let input = schema.input(t.action).map(|i| schema.input_object(i));
    let output = schema.object_by_name(output_name);
    let paging = input
        .zip(output)
        .and_then(|(i, o)| detect_paging(schema, i, o))
        .ok_or_else(|| CliError::usage(format!("--all: {} does not page in a style tcli follows", t.action)))?;
    let list = paging.list;
    let info: &'static ActionInfo = Box::leak(Box::new(ActionInfo {
        name: leak(t.action),
        skip_sign: t.skip_sign,
        retry_safe: sdk_core::retry::is_retry_safe_name(t.action),
        body: BodyMode::Json,
    }));
    let mut pages: Pages<Value> = Pages::new(client.client().clone(), info, Box::leak(Box::new(paging)), body);
    let mut merged: Option<Value> = None;
    while let Some(page) = pages.next_page().await {
        let page = page.map_err(|e| CliError::from_sdk(&e))?;
        match merged.as_mut() {
            None => merged = Some(page),
            Some(m) => {
                let items = page.get(list).and_then(Value::as_array).cloned().unwrap_or_default();
                if let Some(Value::Array(all)) = m.get_mut(list) {
                    all.extend(items);
                }
            }
        }
    }
    merged.ok_or_else(|| CliError::new(Class::Answer, "--all: no page was answered"))
}
