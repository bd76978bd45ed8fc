//! The HTTP side: accept loop, per-request pipeline (faults → auth → routing → validation → answer), admin
//! paths under `/_emulator/`.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::auth::{CredentialStore, LegacyParams, LegacyRequest, Scheme, SignedRequest, LEGACY_COMMON_PARAMS};
use crate::catalog::{parse_query, percent_decode, Catalog, VersionEntry};
use crate::clock::Clock;
use crate::faults::{FaultKind, Faults};
use crate::product::Products;
use crate::response::{success_body, ApiError, RequestIds};
use crate::stream::{SseBody, StreamCounters, StreamFault, StreamOptions};

/// One request the emulator received, for tests to inspect (`emulator.requests()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query as received.
    pub uri: String,
    /// Product served (`sms`), empty when it could not be told.
    pub product: String,
    /// `X-TC-Action`, or the `Action` parameter of a legacy-signed request (empty when missing).
    pub action: String,
    /// `X-TC-Version`, or the `Version` parameter of a legacy-signed request (empty when missing).
    pub version: String,
    /// Every header except `Authorization` and `X-TC-Token`, names lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8). In legacy-signed requests the values of `Signature` and `Token` are replaced
    /// with `***` here and in `uri`, as `Authorization` and `X-TC-Token` are left out of `headers`.
    pub body: String,
    /// How it was signed: `TC3-HMAC-SHA256`, `HmacSHA1`, `HmacSHA256`, `SKIP`, or empty when it could not be
    /// told (whether the signature was valid is in `code`).
    pub sign_method: String,
    /// TC3: the `SignedHeaders` of its `Authorization`; empty otherwise.
    pub signed_headers: String,
    /// Whether it carried a session token (`X-TC-Token`, or the legacy `Token` parameter); never its value.
    pub token: bool,
    /// `Ok`, the error code answered, or for faults `Fault.Reset`, `Fault.BadGateway`,
    /// `Fault.TruncatedBody`, `Fault.NonJsonBody`.
    pub code: String,
    pub request_id: String,
}

impl RecordedRequest {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) struct Shared {
    pub catalog: Catalog,
    pub creds: CredentialStore,
    pub clock: Clock,
    pub faults: Faults,
    /// Stateful products (SMS by default), by product and version.
    pub products: Products,
    /// Answer every verified request with what the verifier saw ([`crate::EmulatorBuilder::echo`]).
    pub echo: bool,
    pub ids: RequestIds,
    pub log: Mutex<VecDeque<RecordedRequest>>,
    pub log_capacity: usize,
    pub limits: crate::Limits,
    pub admin_token: String,
    /// Streaming answers (`crate::stream`).
    pub stream: StreamOptions,
    pub stream_counters: Arc<StreamCounters>,
    /// TCP connections accepted since start (never reset: a client's connection reuse is what it measures).
    pub connections_accepted: AtomicU64,
    /// The SMS status-report push, when configured (`crate::callback`).
    pub status_push: Option<Arc<crate::callback::Pusher>>,
}

impl Shared {
    pub fn record(&self, r: RecordedRequest) {
        if self.log_capacity == 0 {
            return;
        }
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= self.log_capacity {
            log.pop_front();
        }
        log.push_back(r);
    }

    pub fn callback_stats(&self) -> crate::CallbackStats {
        self.status_push.as_ref().map(|p| p.stats()).unwrap_or_default()
    }

    pub fn reset(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.products.reset();
    }
}

/// Accept connections until the task is aborted; aborting also drops every connection (the JoinSet).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((s, _)) => {
                        shared.connections_accepted.fetch_add(1, Ordering::Relaxed);
                        s
                    }
                    Err(_) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let reset = Arc::new(AtomicBool::new(false));
                let io = TokioIo::new(ResettableStream { inner: stream, reset: reset.clone() });
                let shared = shared.clone();
                let header_timeout = shared.limits.request_read_timeout;
                conns.spawn(async move {
                    let svc = hyper::service::service_fn(move |req| handle(shared.clone(), reset.clone(), req));
                    // Slow or half-sent headers close the connection instead of holding it open.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(header_timeout)
                        .serve_connection(io, svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// A TCP stream that closes with RST instead of FIN when `reset` was set (connection-reset fault).
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Response body: whole, or cut short (sends the first part, then fails so hyper closes the connection).
pub(crate) enum EmuBody {
    Full(Option<Bytes>),
    /// `pause` lets hyper flush the head and the part before the error closes the connection.
    Truncated {
        part: Option<Bytes>,
        declared: u64,
        pause: Pin<Box<tokio::time::Sleep>>,
        failed: bool,
    },
    /// A streaming answer, made as it is read.
    Sse(Box<SseBody>),
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Truncated {
                part, pause, failed, ..
            } => {
                if let Some(p) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                if !*failed {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *failed = true;
                    return Poll::Ready(Some(Err("emulated truncated body".into())));
                }
                Poll::Ready(None)
            }
            EmuBody::Sse(body) => body
                .poll_chunk(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data).map_err(BoxError::from))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            EmuBody::Full(b) => b.is_none(),
            EmuBody::Truncated { part, failed, .. } => part.is_none() && *failed,
            EmuBody::Sse(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            EmuBody::Truncated { declared, .. } => SizeHint::with_exact(*declared),
            EmuBody::Sse(_) => SizeHint::default(),
        }
    }
}

#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("emulated connection reset")
    }
}

impl std::error::Error for ResetConnection {}

fn respond(shared: &Shared, status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<EmuBody> {
    let mut r = Response::new(EmuBody::Full(Some(Bytes::from(body))));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    date_header(shared, h);
    r
}

fn date_header(shared: &Shared, h: &mut HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(shared.clock.now())) {
        h.insert(DATE, v);
    }
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
}

async fn handle(
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    req: Request<Incoming>,
) -> Result<Response<EmuBody>, BoxError> {
    let (parts, body) = req.into_parts();
    let request_id = shared.ids.next();
    let body = match read_body(&shared, &parts.headers, body).await {
        Ok(body) => body,
        Err(e) => {
            // Answered without reading further; the connection is not reused (the rest of a body may follow).
            let mut r = respond(&shared, StatusCode::OK, "application/json", e.to_body(&request_id));
            r.headers_mut()
                .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            return Ok(r);
        }
    };
    if parts.uri.path().starts_with("/_emulator/") {
        if let Err(refused) = admin_allowed(&shared, &parts) {
            return Ok(refused);
        }
        return Ok(admin(&shared, &parts.method, parts.uri.path(), &body));
    }
    // Legacy signatures only when there is no Authorization header: the TC3 path pays one header lookup.
    let mut legacy = legacy_params(&parts, &body);
    let (action, version) = match &legacy {
        None => (
            header_str(&parts.headers, "x-tc-action").to_owned(),
            header_str(&parts.headers, "x-tc-version").to_owned(),
        ),
        Some(l) => (
            l.get("Action").unwrap_or_default().to_owned(),
            l.get("Version").unwrap_or_default().to_owned(),
        ),
    };
    let (uri, logged_body) = match &legacy {
        None => (None, None),
        Some(_) if parts.method == Method::GET => (
            Some(format!(
                "{}?{}",
                parts.uri.path(),
                redact(parts.uri.query().unwrap_or_default())
            )),
            None,
        ),
        Some(_) => (None, Some(redact(&String::from_utf8_lossy(&body)))),
    };
    let signing = Signing::of(&parts.headers, legacy.as_ref());
    let decision = shared.faults.decide(&action);
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let record = |product: &str, code: &str| RecordedRequest {
        method: parts.method.to_string(),
        uri: uri.unwrap_or_else(|| parts.uri.to_string()),
        product: product.to_owned(),
        action: action.clone(),
        version,
        headers: parts
            .headers
            .iter()
            .filter(|(k, _)| *k != hyper::header::AUTHORIZATION && k.as_str() != "x-tc-token")
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: logged_body.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned()),
        sign_method: signing.method.clone(),
        signed_headers: signing.signed_headers.clone(),
        token: signing.token,
        code: code.to_owned(),
        request_id: request_id.clone(),
    };
    // Faults in the middle of a stream change the answer only if it streams.
    let (terminal, stream_fault) = match decision.terminal {
        Some(kind) if kind.is_stream_fault() => (None, stream_fault(kind)),
        other => (other, None),
    };
    // A fault after the action: run it (its effects happen), drop its answer, then answer with the fault.
    let mut acted = String::new();
    if decision.after_action && !matches!(terminal, None | Some(FaultKind::TruncatedBody)) {
        acted = process(&shared, &parts, &body, &request_id, legacy.take()).0;
    }
    let record = |product: &str, code: &str| record(if acted.is_empty() { product } else { &acted }, code);
    match terminal {
        None => {}
        Some(FaultKind::Latency(_)) => unreachable!("latency is never terminal"),
        Some(FaultKind::StreamReset(_) | FaultKind::StreamStall(_) | FaultKind::StreamError { .. }) => {
            unreachable!("stream faults were taken out above")
        }
        Some(FaultKind::ConnectionReset) => {
            shared.record(record("", "Fault.Reset"));
            reset.store(true, Ordering::Relaxed);
            return Err(Box::new(ResetConnection));
        }
        Some(FaultKind::BadGateway) => {
            shared.record(record("", "Fault.BadGateway"));
            let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
            return Ok(respond(
                &shared,
                StatusCode::BAD_GATEWAY,
                "text/html",
                html.as_bytes().to_vec(),
            ));
        }
        Some(FaultKind::NonJsonBody) => {
            shared.record(record("", "Fault.NonJsonBody"));
            let text = b"upstream answered something that is not JSON (emulated fault)\n".to_vec();
            return Ok(respond(&shared, StatusCode::OK, "text/plain; charset=utf-8", text));
        }
        Some(FaultKind::ErrorCode { code, message }) => {
            shared.record(record("", &code));
            let message = message.unwrap_or_else(|| default_fault_message(&code));
            let body = ApiError::new(code, message).to_body(&request_id);
            return Ok(respond(&shared, StatusCode::OK, "application/json", body));
        }
        Some(FaultKind::TruncatedBody) => {
            let (product, result) = process(&shared, &parts, &body, &request_id, legacy);
            shared.record(record(&product, "Fault.TruncatedBody"));
            let full = match result {
                Ok(b) => b,
                Err(e) => e.to_body(&request_id),
            };
            let half = Bytes::from(full[..full.len() / 2].to_vec());
            let mut r = Response::new(EmuBody::Truncated {
                part: Some(half),
                declared: full.len() as u64,
                pause: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
                failed: false,
            });
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(full.len()));
            date_header(&shared, r.headers_mut());
            return Ok(r);
        }
    }
    let (product, result) = process(&shared, &parts, &body, &request_id, legacy);
    let (code, bytes) = match result {
        Ok(b) => ("Ok".to_owned(), b),
        Err(e) => {
            let b = e.to_body(&request_id);
            (e.code, b)
        }
    };
    shared.record(record(&product, &code));
    if code == "Ok" && crate::stream::wants_stream(&body) {
        if let Some(events) = stream_events(&shared, &product, &parts.headers, &bytes) {
            let id_header = HeaderValue::from_str(&request_id).ok();
            let sse = SseBody::new(
                events,
                shared.stream,
                stream_fault,
                request_id,
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
            date_header(&shared, h);
            return Ok(r);
        }
    }
    Ok(respond(&shared, StatusCode::OK, "application/json", bytes))
}

/// The events of a streaming answer: the action's stream example, else the answer's `Response` object.
fn stream_events(shared: &Shared, product: &str, headers: &HeaderMap, answer: &[u8]) -> Option<Vec<Bytes>> {
    let action = shared
        .catalog
        .version(product, header_str(headers, "x-tc-version"))
        .and_then(|v| v.actions.get(header_str(headers, "x-tc-action")));
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

/// The body, within [`crate::Limits`]: a declared length over the limit is refused before reading, a chunked
/// body is cut off at the limit, and a body that trickles in slower than the read timeout is abandoned.
async fn read_body(shared: &Shared, headers: &HeaderMap, body: Incoming) -> Result<Bytes, ApiError> {
    let limit = shared.limits.max_body_bytes;
    let too_large = || {
        ApiError::new(
            "RequestSizeLimitExceeded",
            format!("The request body exceeds the size limit of {limit} bytes."),
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let limited = http_body_util::Limited::new(body, limit);
    match tokio::time::timeout(shared.limits.request_read_timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(_)) => Err(ApiError::new("InvalidParameter", "The request body could not be read.")),
        Err(_) => Err(ApiError::new(
            "RequestTimeout",
            "The request body was not received within the read timeout.",
        )),
    }
}

/// `/_emulator/*` is for the emulator's user, not for any web page their browser visits: every path but
/// `GET health` needs the admin token, and requests that change state need a JSON content type (a cross-site
/// form or `text/plain` POST cannot set either without a CORS preflight, which the emulator never grants).
#[allow(clippy::result_large_err)]
fn admin_allowed(shared: &Shared, parts: &hyper::http::request::Parts) -> Result<(), Response<EmuBody>> {
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
        return Err(json(
            shared,
            StatusCode::FORBIDDEN,
            &serde_json::json!({"error": error}),
        ));
    }
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
    if parts.method != Method::GET && !is_json {
        let error = "admin requests that change state need Content-Type: application/json";
        return Err(json(
            shared,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &serde_json::json!({"error": error}),
        ));
    }
    Ok(())
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

/// The parameters of a legacy-signed request (`HmacSHA1`/`HmacSHA256`), or `None` for every other request.
///
/// Legacy only without an `Authorization` header, with `Signature` or `SecretId` among the parameters: the
/// query of a GET, the form body of a POST (`application/x-www-form-urlencoded`, or no Content-Type).
fn legacy_params(parts: &hyper::http::request::Parts, body: &[u8]) -> Option<LegacyParams> {
    if parts.headers.contains_key(hyper::header::AUTHORIZATION) {
        return None;
    }
    let pairs = if parts.method == Method::GET {
        parse_query(parts.uri.query().unwrap_or_default())
    } else if parts.method == Method::POST {
        let content_type = header_str(&parts.headers, CONTENT_TYPE.as_str());
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !(media_type.is_empty() || media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
            return None;
        }
        parse_query(&String::from_utf8_lossy(body))
    } else {
        return None;
    };
    LegacyParams::is_legacy(&pairs).then_some(LegacyParams { pairs })
}

/// How a request was signed, as the request log shows it (no secret: no signature, no token).
struct Signing {
    method: String,
    signed_headers: String,
    token: bool,
}

impl Signing {
    fn of(headers: &HeaderMap, legacy: Option<&LegacyParams>) -> Signing {
        if let Some(l) = legacy {
            return Signing {
                method: l.get("SignatureMethod").unwrap_or("HmacSHA1").to_owned(),
                signed_headers: String::new(),
                token: l.get("Token").is_some(),
            };
        }
        let auth = header_str(headers, hyper::header::AUTHORIZATION.as_str()).trim();
        let (method, signed_headers) = match auth.split_once(' ') {
            _ if auth == "SKIP" => ("SKIP", ""),
            Some(("TC3-HMAC-SHA256", rest)) => {
                let signed = rest
                    .split(',')
                    .filter_map(|part| part.trim().strip_prefix("SignedHeaders="))
                    .next()
                    .unwrap_or_default();
                ("TC3-HMAC-SHA256", signed)
            }
            _ => ("", ""),
        };
        Signing {
            method: method.to_owned(),
            signed_headers: signed_headers.to_owned(),
            token: headers.contains_key("x-tc-token"),
        }
    }
}

/// `k=v&...` with the values of `Signature` and `Token` replaced by `***` (for the request log).
fn redact(form: &str) -> String {
    form.split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            match percent_decode(key).as_str() {
                "Signature" | "Token" => format!("{key}=***"),
                _ => pair.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The action's own parameters of a legacy request: all but the common ones. `Region` and `Language` are
/// common parameters unless the action's input declares a member of that name, which then gets the value
/// too (the flattened form cannot tell the two apart).
fn legacy_action_params(
    params: &LegacyParams,
    version: &VersionEntry,
    action: &crate::catalog::ActionEntry,
) -> Vec<(String, String)> {
    params
        .pairs
        .iter()
        .filter(|(k, _)| {
            !LEGACY_COMMON_PARAMS.contains(&k.as_str())
                || (matches!(k.as_str(), "Region" | "Language") && version.input_has_member(action, k))
        })
        .cloned()
        .collect()
}

/// The API pipeline. Returns the product (for the log) and the answer body or the error.
fn process(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    request_id: &str,
    legacy: Option<LegacyParams>,
) -> (String, Result<Vec<u8>, ApiError>) {
    let mut product = String::new();
    let result = pipeline(shared, parts, body, request_id, legacy, &mut product);
    (product, result)
}

/// Tencent Cloud's public regions (the `Region` values of the API 3.0 documentation's region list).
const KNOWN_REGIONS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-beijing-fsi",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-taipei",
    "ap-tokyo",
    "eu-frankfurt",
    "eu-moscow",
    "na-ashburn",
    "na-siliconvalley",
    "na-toronto",
    "sa-saopaulo",
];

fn pipeline(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    request_id: &str,
    legacy: Option<LegacyParams>,
    product: &mut String,
) -> Result<Vec<u8>, ApiError> {
    let headers = &parts.headers;
    let scheme = match legacy {
        Some(params) => Scheme::Legacy(params),
        None => Scheme::detect(headers)?,
    };
    // Product: the Host's first label when it names a served product, else the credential scope's service
    // (TC3), the only product serving Action + Version (legacy, resolved below), the only product (SKIP).
    let host = header_str(headers, HOST.as_str());
    let host_label = host.split(['.', ':']).next().unwrap_or_default();
    let host_product = shared.catalog.has_product(host_label).then(|| host_label.to_owned());
    *product = match (&scheme, host_product) {
        (Scheme::Tc3(a), Some(p)) if a.service != p => {
            let message = format!(
                "The credential scope service `{}` does not match the product `{p}` of the Host.",
                a.service
            );
            *product = p;
            return Err(ApiError::new("AuthFailure.SignatureFailure", message));
        }
        (_, Some(p)) => p,
        (Scheme::Tc3(a), None) => a.service.clone(),
        (Scheme::Legacy(_), None) => String::new(),
        (Scheme::Skip, None) if shared.echo => String::new(),
        (Scheme::Skip, None) => match shared.catalog.served().as_slice() {
            [(p, _), rest @ ..] if rest.iter().all(|(q, _)| q == p) => p.clone(),
            _ => {
                return Err(ApiError::new(
                    "InvalidAction",
                    "Unsigned request: send Host `<product>.tencentcloudapi.com` to name the product.",
                ))
            }
        },
    };
    let query = parts.uri.query().unwrap_or_default();
    let now = shared.clock.unix();
    match &scheme {
        Scheme::Tc3(auth) => {
            let signed = SignedRequest {
                method: parts.method.as_str(),
                query,
                headers,
                body,
            };
            shared.creds.verify_tc3(auth, &signed, now)?;
        }
        Scheme::Legacy(params) => {
            let signed = LegacyRequest {
                method: parts.method.as_str(),
                host,
                path: parts.uri.path(),
                params,
            };
            shared.creds.verify_legacy(&signed, now)?;
        }
        Scheme::Skip => {}
    }
    let region = match &scheme {
        Scheme::Legacy(p) => p.get("Region").unwrap_or_default(),
        _ => header_str(headers, "x-tc-region"),
    };
    if !region.is_empty() && !KNOWN_REGIONS.contains(&region) {
        // As the service answers a misspelt region (`ap-guangzhuo`); a request without one (the SDK never
        // sends such, other clients may) is served.
        let shown: String = region.chars().take(64).collect();
        return Err(ApiError::new(
            "UnsupportedRegion",
            format!("The region `{shown}` is not supported."),
        ));
    }
    let (action_name, version_name, action_from, version_from) = match &scheme {
        Scheme::Legacy(p) => (
            p.get("Action").unwrap_or_default(),
            p.get("Version").unwrap_or_default(),
            "`Action`",
            "`Version`",
        ),
        _ => (
            header_str(headers, "x-tc-action"),
            header_str(headers, "x-tc-version"),
            "`Action` (X-TC-Action)",
            "`Version` (X-TC-Version)",
        ),
    };
    if action_name.is_empty() {
        return Err(ApiError::new(
            "MissingParameter",
            format!("The request is missing a required parameter {action_from}."),
        ));
    }
    if version_name.is_empty() {
        return Err(ApiError::new(
            "MissingParameter",
            format!("The request is missing a required parameter {version_from}."),
        ));
    }
    if shared.echo {
        return crate::echo::answer(&scheme, parts, body, request_id);
    }
    if product.is_empty() {
        // A legacy request to a bare host (127.0.0.1:PORT) names no product: the one serving the action.
        match shared.catalog.products_serving(version_name, action_name).as_slice() {
            [p] => *product = (*p).to_owned(),
            [] => {
                return Err(ApiError::new(
                    "InvalidAction",
                    format!("The action `{action_name}` of version `{version_name}` is not found in any product."),
                ))
            }
            several => {
                return Err(ApiError::new(
                    "InvalidAction",
                    format!(
                        "The action `{action_name}` of version `{version_name}` exists in several products ({}): \
                         send Host `<product>.tencentcloudapi.com` to name one.",
                        several.join(", ")
                    ),
                ))
            }
        }
    }
    let product = product.as_str();
    let Some(version) = shared.catalog.version(product, version_name) else {
        return Err(ApiError::new(
            "InvalidAction",
            format!("The requested version `{version_name}` of product `{product}` is not supported."),
        ));
    };
    let Some(action) = version.actions.get(action_name) else {
        return Err(ApiError::new(
            "InvalidAction",
            format!("The action `{action_name}` is not found in `{product}` version `{version_name}`."),
        ));
    };
    if matches!(scheme, Scheme::Skip) && !action.skip_sign {
        return Err(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            format!("`Authorization: SKIP` is only accepted by actions that are called unsigned; `{action_name}` must be signed."),
        ));
    }
    let upload = crate::body::upload(headers, body)?;
    let input: Value = if let Scheme::Legacy(params) = &scheme {
        version.query_to_json(action, &legacy_action_params(params, version, action))?
    } else if let Some(crate::body::Upload::Multipart(map)) = upload {
        Value::Object(map)
    } else if upload.is_some() {
        let pairs = crate::body::octet_stream_pairs(headers, version.input_members(action));
        version.query_to_json(action, &pairs)?
    } else if parts.method == Method::GET {
        version.query_to_json(action, &parse_query(query))?
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                "FailedOperation.JsonParseFail",
                format!("The request body is not valid JSON: {e}."),
            )
        })?
    };
    version.validate(action, &input)?;
    if let Some(stateful) = shared.products.get(&version.product, &version.version) {
        if let Some(r) = stateful.handle(&action.name, &input, now) {
            return r.map(|fields| success_body(fields, request_id));
        }
    }
    Ok(match &action.example {
        Some(t) => t.render(request_id),
        None => success_body(Default::default(), request_id),
    })
}

fn json<T: Serialize>(shared: &Shared, status: StatusCode, v: &T) -> Response<EmuBody> {
    let body = serde_json::to_vec(v).expect("admin answers serialize");
    respond(shared, status, "application/json", body)
}

/// `GET /_emulator/stats`: counters since start.
fn stats(shared: &Shared) -> Value {
    let c = shared.callback_stats();
    serde_json::json!({
        "ConnectionsAccepted": shared.connections_accepted.load(Ordering::Relaxed),
        "CallbacksSent": c.sent,
        "CallbacksFailed": c.failed,
        "CallbacksPending": c.pending,
        "CallbackReportsDropped": c.dropped,
        "CallbackReportsLost": c.lost,
        "CallbackReportsDuplicated": c.duplicated,
    })
}

/// `/_emulator/...`: unsigned control paths for the binary's users (tests can use the Rust API instead).
fn admin(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Response<EmuBody> {
    use serde_json::json as j;
    let segs: Vec<&str> = path
        .trim_start_matches("/_emulator/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    let body_json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let not_found = || {
        json(
            shared,
            StatusCode::NOT_FOUND,
            &j!({"error": format!("no admin path {method} {path}")}),
        )
    };
    match (method, segs.as_slice()) {
        (&Method::GET, ["health"]) => json(
            shared,
            StatusCode::OK,
            &j!({"ok": true, "served": shared.catalog.served()}),
        ),
        (&Method::GET, ["stats"]) => json(shared, StatusCode::OK, &stats(shared)),
        (&Method::POST, ["reset"]) => {
            shared.reset();
            json(shared, StatusCode::OK, &j!({"ok": true}))
        }
        (&Method::GET, ["requests"]) => {
            let log: Vec<RecordedRequest> = shared
                .log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned()
                .collect();
            json(shared, StatusCode::OK, &log)
        }
        (&Method::GET, ["faults"]) => {
            let hits: Vec<Value> = shared
                .faults
                .hits()
                .iter()
                .map(|h| j!({"fault": h.fault.to_string(), "matched": h.matched, "hits": h.hits}))
                .collect();
            json(shared, StatusCode::OK, &hits)
        }
        (&Method::POST, ["faults"]) => match body_json
            .get("Fault")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .parse()
        {
            Ok(f) => {
                shared.faults.add(f);
                json(shared, StatusCode::OK, &j!({"ok": true}))
            }
            Err(e) => json(shared, StatusCode::BAD_REQUEST, &j!({"error": e})),
        },
        (&Method::DELETE, ["faults"]) => {
            shared.faults.set(Vec::new());
            json(shared, StatusCode::OK, &j!({"ok": true}))
        }
        (&Method::POST, ["clock"]) => match body_json.get("OffsetSeconds").and_then(Value::as_i64) {
            Some(s) => {
                shared.clock.set_offset(s);
                json(shared, StatusCode::OK, &j!({"ok": true}))
            }
            None => json(
                shared,
                StatusCode::BAD_REQUEST,
                &j!({"error": "body must be {\"OffsetSeconds\": <i64>}"}),
            ),
        },
        (method, [product, path @ ..]) => match shared.products.admin(method, product, path, &body_json) {
            Some((status, answer)) => json(shared, status, &answer),
            None => not_found(),
        },
        _ => not_found(),
    }
}
