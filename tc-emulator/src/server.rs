//! The HTTP side: the accept loop, and per request the body read within the limits, then either the admin
//! paths (`admin.rs`) or an API request (`api.rs`, which runs the stages of `pipeline.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH};
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::response::ApiError;
use crate::state::{respond, Shared};
use crate::transport::{BoxError, EmuBody, ResettableStream};

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
