//! The HTTP side: the accept loop, and per request the body read within the limits, then either the admin
//! paths ([`crate::admin`]) or an API request ([`crate::api`], which runs [`crate::pipeline`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE};
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::auth::CredentialStore;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::product::Products;
use crate::request_log::{RecordedRequest, RequestLog};
use crate::response::{ApiError, RequestIds};
use crate::stream::{StreamCounters, StreamOptions};
use crate::transport::{BoxError, EmuBody, ResettableStream};

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
    pub log: Mutex<RequestLog>,
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
    /// Keep the entry `make` builds, unless the log keeps nothing (then it is not built at all).
    pub fn record(&self, make: impl FnOnce() -> RecordedRequest) {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.keeps() {
            log.push(make());
        }
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

pub(crate) fn respond(
    shared: &Shared,
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response<EmuBody> {
    let mut r = Response::new(EmuBody::Full(Some(Bytes::from(body))));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    date_header(shared, h);
    r
}

pub(crate) fn date_header(shared: &Shared, h: &mut HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(shared.clock.now())) {
        h.insert(DATE, v);
    }
}

/// One request: its body within the limits, then the admin paths or the API.
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
        return Ok(crate::admin::handle(&shared, &parts, &body));
    }
    crate::api::answer(shared, reset, parts, body, request_id).await
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
