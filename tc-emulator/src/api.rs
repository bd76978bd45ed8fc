//! One API request from its read body to its HTTP answer: the head ([`crate::head`]), the fault decision
//! ([`crate::faults`]), the pipeline ([`crate::pipeline`]), the request log entry, and the answer as JSON, a
//! stream of events, or the fault's broken answer.
//!
//! A fault that comes before the action answers instead of the pipeline (the request is still
//! authenticated, without effects, so that the log keeps only a summary of a stranger's request). A fault `after` the action runs the pipeline first (its effects
//! happen: an SMS is sent), drops its answer, then answers with the fault. A truncated body is the
//! pipeline's answer cut in half. Faults in the middle of a stream change the answer only if it streams.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Response, StatusCode};

use crate::faults::FaultKind;
use crate::head::RequestHead;
use crate::pipeline::{process, would_authenticate, ApiRequest, Processed};
use crate::request_log::RecordedRequest;
use crate::response::ApiError;
use crate::state::{date_header, respond, Shared};
use crate::stream::{SseBody, StreamFault};
use crate::transport::{BoxError, EmuBody, ResetConnection};

/// Answer an API request (anything not under `/_emulator/`).
pub(crate) async fn answer(
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    parts: Parts,
    body: Bytes,
    request_id: String,
) -> Result<Response<EmuBody>, BoxError> {
    let head = RequestHead::parse(&parts, &body);
    let decision = shared.faults.decide(&head.action);
    if !decision.delay.is_zero() {
        crate::latency::wait(decision.delay).await;
    }
    let req = ApiRequest {
        parts: &parts,
        body: &body,
        head: &head,
        request_id: &request_id,
    };
    match decision.terminal {
        Some(kind) if kind.is_stream_fault() => Ok(normal(&shared, &req, reset, stream_fault(kind))),
        None => Ok(normal(&shared, &req, reset, None)),
        Some(FaultKind::TruncatedBody) => Ok(truncated(&shared, &req)),
        Some(kind) => {
            // After the action: run it (its effects happen) and keep what the log needs, drop its answer.
            let acted = decision.after_action.then(|| process(&shared, &req));
            fault(&shared, &req, kind, acted, reset)
        }
    }
}

/// The pipeline's answer: JSON, or a stream of events when the request asked for one and the action has them.
fn normal(
    shared: &Shared,
    req: &ApiRequest<'_>,
    reset: Arc<AtomicBool>,
    stream_fault: Option<StreamFault>,
) -> Response<EmuBody> {
    let Processed {
        product,
        authenticated,
        result,
    } = process(shared, req);
    let (code, bytes) = match result {
        Ok(b) => ("Ok".to_owned(), b),
        Err(e) => {
            let b = e.to_body(req.request_id);
            (e.code, b)
        }
    };
    record(shared, req, &product, || authenticated, &code);
    if code == "Ok" && crate::stream::wants_stream(req.body) {
        if let Some(events) = stream_events(shared, &product, req.head, &bytes) {
            return stream(shared, req, events, stream_fault, reset);
        }
    }
    respond(shared, StatusCode::OK, "application/json", bytes)
}

fn stream(
    shared: &Shared,
    req: &ApiRequest<'_>,
    events: Vec<Bytes>,
    stream_fault: Option<StreamFault>,
    reset: Arc<AtomicBool>,
) -> Response<EmuBody> {
    let id_header = HeaderValue::from_str(req.request_id).ok();
    let sse = SseBody::new(
        events,
        shared.stream,
        stream_fault,
        req.request_id.to_owned(),
        reset,
        shared.stream_counters.clone(),
    );
    let mut r = Response::new(EmuBody::Sse(Box::new(sse)));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(hyper::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // As the service names a stream's RequestId.
    if let Some(id) = id_header {
        h.insert("x-tc-requestid", id);
    }
    date_header(shared, h);
    r
}

/// The pipeline's answer cut in half: the head declares the whole length, the connection closes early.
fn truncated(shared: &Shared, req: &ApiRequest<'_>) -> Response<EmuBody> {
    let processed = process(shared, req);
    let (product, authenticated) = (processed.product.as_str(), processed.authenticated);
    record(shared, req, product, || authenticated, "Fault.TruncatedBody");
    let full = match processed.result {
        Ok(b) => b,
        Err(e) => e.to_body(req.request_id),
    };
    let half = Bytes::copy_from_slice(&full[..full.len() / 2]);
    let mut r = Response::new(EmuBody::Truncated {
        part: Some(half),
        declared: full.len() as u64,
        pause: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
        failed: false,
    });
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(full.len()));
    date_header(shared, r.headers_mut());
    r
}

const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// A fault's answer instead of the pipeline's (`acted`: what the pipeline did, for an `after` fault).
fn fault(
    shared: &Shared,
    req: &ApiRequest<'_>,
    kind: FaultKind,
    acted: Option<Processed>,
    reset: Arc<AtomicBool>,
) -> Result<Response<EmuBody>, BoxError> {
    let log = |code: &str| match &acted {
        Some(p) => record(shared, req, &p.product, || p.authenticated, code),
        None => record(shared, req, "", || would_authenticate(shared, req), code),
    };
    match kind {
        FaultKind::ConnectionReset => {
            log("Fault.Reset");
            reset.store(true, Ordering::Relaxed);
            Err(Box::new(ResetConnection))
        }
        FaultKind::BadGateway => {
            log("Fault.BadGateway");
            let page = BAD_GATEWAY_PAGE.as_bytes().to_vec();
            Ok(respond(shared, StatusCode::BAD_GATEWAY, "text/html", page))
        }
        FaultKind::NonJsonBody => {
            log("Fault.NonJsonBody");
            let text = b"upstream answered something that is not JSON (emulated fault)\n".to_vec();
            Ok(respond(shared, StatusCode::OK, "text/plain; charset=utf-8", text))
        }
        FaultKind::ErrorCode { code, message } => {
            log(&code);
            let message = message.unwrap_or_else(|| default_fault_message(&code));
            let body = ApiError::new(code, message).to_body(req.request_id);
            Ok(respond(shared, StatusCode::OK, "application/json", body))
        }
        // Latency is never terminal; stream faults and truncation were answered by the caller.
        FaultKind::Latency(_)
        | FaultKind::TruncatedBody
        | FaultKind::StreamReset(_)
        | FaultKind::StreamStall(_)
        | FaultKind::StreamError { .. } => Ok(normal(shared, req, reset, None)),
    }
}

/// Log the request: whole (secrets masked) when it passed authentication, as a summary otherwise.
/// `authenticated` is asked only when the log keeps anything.
fn record(shared: &Shared, req: &ApiRequest<'_>, product: &str, authenticated: impl FnOnce() -> bool, code: &str) {
    shared.record(|| {
        let authenticated = authenticated();
        let entry = RecordedRequest {
            method: req.parts.method.to_string(),
            uri: logged_uri(&req.parts.uri),
            product: product.to_owned(),
            action: req.head.action.clone(),
            version: req.head.version.clone(),
            headers: logged_headers(&req.parts.headers),
            body: if authenticated {
                crate::secrets::redact_body(req.body)
            } else {
                String::new()
            },
            sign_method: req.head.signing.method.clone(),
            signed_headers: req.head.signing.signed_headers.clone(),
            token: req.head.signing.token,
            code: code.to_owned(),
            request_id: req.request_id.to_owned(),
        };
        if authenticated {
            entry
        } else {
            entry.summarized(req.body.len())
        }
    });
}

/// The path and query as the log keeps them: secret query values masked.
fn logged_uri(uri: &hyper::Uri) -> String {
    match uri.query() {
        Some(q) => format!("{}?{}", uri.path(), crate::secrets::redact_form(q)),
        None => uri.to_string(),
    }
}

/// The headers as the log keeps them: none with a secret name.
fn logged_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !crate::secrets::is_secret_name(k.as_str()))
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The events of a streaming answer: the action's stream example, else the answer's `Response` object.
fn stream_events(shared: &Shared, product: &str, head: &RequestHead, answer: &[u8]) -> Option<Vec<Bytes>> {
    let action = shared
        .catalog
        .version(product, &head.version)
        .and_then(|v| v.actions.get(head.action.as_str()));
    match action {
        Some(a) if !a.stream_events.is_empty() => Some(a.stream_events.clone()),
        _ => crate::stream::answer_event(answer).map(|event| vec![event]),
    }
}

fn stream_fault(kind: FaultKind) -> Option<StreamFault> {
    match kind {
        FaultKind::StreamReset(after) => Some(StreamFault::Reset { after }),
        FaultKind::StreamStall(after) => Some(StreamFault::Stall { after }),
        FaultKind::StreamError { after, message } => Some(StreamFault::ErrorEvent {
            after,
            code: "InternalError".to_owned(),
            message: message.unwrap_or_else(|| default_fault_message("InternalError")),
        }),
        _ => None,
    }
}

fn default_fault_message(code: &str) -> String {
    match code {
        "RequestLimitExceeded" => {
            "Your current request times exceeds the frequency limit. Please reduce the frequency of calls.".into()
        }
        "InternalError" => {
            "An internal error has occurred. Retry your request, but if the problem persists, contact us.".into()
        }
        "ResourceUnavailable" | "ServiceUnavailable" => "The service is temporarily unavailable.".into(),
        _ => format!("Emulated fault: {code}."),
    }
}
