//! `/_emulator/...`: the unsigned control paths for the binary's users (tests can use the Rust API instead).
//!
//! They are for the emulator's user, not for any web page their browser visits: every path but `GET health`
//! needs the admin token, and requests that change state need a JSON content type (a cross-site form or
//! `text/plain` POST cannot set either without a CORS preflight, which the emulator never grants). Bodies
//! are JSON; one that is not is read as `null`, and every value is range-checked before use.

use std::sync::atomic::Ordering;

use hyper::header::CONTENT_TYPE;
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};

use crate::request_log::RecordedRequest;
use crate::state::{respond, Shared};
use crate::transport::EmuBody;

/// Answer an admin request (its body already read within the limits).
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &[u8]) -> Response<EmuBody> {
    if let Err(refused) = allowed(shared, parts) {
        return refused;
    }
    let path = parts.uri.path();
    let segs: Vec<&str> = path
        .trim_start_matches("/_emulator/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let method = &parts.method;
    let answer = match (method, segs.as_slice()) {
        (&Method::GET, ["health"]) => Some((StatusCode::OK, json!({"ok": true, "served": shared.catalog.served()}))),
        (&Method::GET, ["stats"]) => Some((StatusCode::OK, stats(shared))),
        (&Method::GET, ["requests"]) => Some((StatusCode::OK, requests(shared))),
        (&Method::POST, ["reset"]) => {
            shared.reset();
            ok()
        }
        (_, ["faults"]) => faults(shared, method, &body),
        (&Method::POST, ["clock"]) => Some(clock(shared, &body)),
        (method, [product, rest @ ..]) => shared.products.admin(method, product, rest, &body),
        _ => None,
    };
    let (status, answer) = answer.unwrap_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            json!({"error": format!("no admin path {method} {path}")}),
        )
    });
    json_answer(shared, status, &answer)
}

fn ok() -> Option<(StatusCode, Value)> {
    Some((StatusCode::OK, json!({"ok": true})))
}

/// The token, then a JSON content type for anything but GET.
#[allow(clippy::result_large_err)]
fn allowed(shared: &Shared, parts: &Parts) -> Result<(), Response<EmuBody>> {
    if parts.method == Method::GET && parts.uri.path().trim_end_matches('/') == "/_emulator/health" {
        return Ok(());
    }
    let token = parts
        .headers
        .get(crate::ADMIN_TOKEN_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !crate::auth::constant_time_eq(token, shared.admin_token.as_bytes()) {
        let error = format!(
            "admin paths need the header {} (printed at start)",
            crate::ADMIN_TOKEN_HEADER
        );
        return Err(json_answer(shared, StatusCode::FORBIDDEN, &json!({"error": error})));
    }
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
    if parts.method != Method::GET && !is_json {
        let error = "admin requests that change state need Content-Type: application/json";
        return Err(json_answer(
            shared,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &json!({"error": error}),
        ));
    }
    Ok(())
}

pub(crate) fn json_answer<T: Serialize>(shared: &Shared, status: StatusCode, v: &T) -> Response<EmuBody> {
    // Admin answers are built from JSON values and plain structs: serializing cannot fail.
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec());
    respond(shared, status, "application/json", body)
}

/// `GET stats`: counters since start.
fn stats(shared: &Shared) -> Value {
    let c = shared.callback_stats();
    json!({
        "ConnectionsAccepted": shared.connections_accepted.load(Ordering::Relaxed),
        "CallbacksSent": c.sent,
        "CallbacksFailed": c.failed,
        "CallbacksPending": c.pending,
        "CallbackReportsDropped": c.dropped,
        "CallbackReportsLost": c.lost,
        "CallbackReportsDuplicated": c.duplicated,
    })
}

/// `GET requests`: the request log, oldest first.
fn requests(shared: &Shared) -> Value {
    let log: Vec<RecordedRequest> = shared.log.lock().unwrap_or_else(|e| e.into_inner()).entries();
    serde_json::to_value(log).unwrap_or(Value::Null)
}

/// `GET faults` (each rule with its counters), `POST faults` (`{"Fault": "<the --fault syntax>"}`),
/// `DELETE faults`.
fn faults(shared: &Shared, method: &Method, body: &Value) -> Option<(StatusCode, Value)> {
    match *method {
        Method::GET => {
            let hits: Vec<Value> = shared
                .faults
                .hits()
                .iter()
                .map(|h| json!({"fault": h.fault.to_string(), "matched": h.matched, "hits": h.hits}))
                .collect();
            Some((StatusCode::OK, Value::Array(hits)))
        }
        Method::POST => {
            let spec = body.get("Fault").and_then(Value::as_str).unwrap_or_default().trim();
            match spec.parse() {
                Ok(f) => {
                    shared.faults.add(f);
                    ok()
                }
                Err(e) => Some((StatusCode::BAD_REQUEST, json!({ "error": e }))),
            }
        }
        Method::DELETE => {
            shared.faults.set(Vec::new());
            ok()
        }
        _ => None,
    }
}

/// `POST clock` (`{"OffsetSeconds": n}`, within ±[`crate::clock::MAX_CLOCK_OFFSET_SECS`]).
fn clock(shared: &Shared, body: &Value) -> (StatusCode, Value) {
    let max = crate::clock::MAX_CLOCK_OFFSET_SECS;
    match body.get("OffsetSeconds").and_then(Value::as_i64) {
        Some(s) if s.unsigned_abs() <= max.unsigned_abs() => {
            shared.clock.set_offset(s);
            (StatusCode::OK, json!({"ok": true}))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            json!({"error": format!("body must be {{\"OffsetSeconds\": <seconds within ±{max}>}}")}),
        ),
    }
}
