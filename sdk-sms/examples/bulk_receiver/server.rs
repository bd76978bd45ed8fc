//! The receiver's HTTP side (also used by sdk-sms's store tests): hyper's HTTP/1 server, one task per
//! connection. `POST /` (any path but `/reply`) takes a status-report body and stores its reports,
//! deduplicated by `sid`; `POST /reply` takes a reply body and only counts it (replies are not part of a
//! campaign's outcomes). A body that is not what the service sends is answered `400` with
//! `{"result":1,"errmsg":"..."}` and stored nowhere; a store that cannot be written, `500` with result 2
//! (the service sends the report again later).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sdk_sms::bulk::store::ReceiptWriter;
use sdk_sms::callback::{self, CallbackError, ACK_OK, MAX_BODY_BYTES};

/// What the receiver shares between connections.
pub struct Receiver {
    pub store: Mutex<ReceiptWriter>,
    /// Reports stored (new `sid`s).
    pub stored: AtomicU64,
    /// Bodies refused as malformed.
    pub refused: AtomicU64,
    /// Replies received.
    pub replies: AtomicU64,
}

impl Receiver {
    pub fn new(store: ReceiptWriter) -> Arc<Receiver> {
        Arc::new(Receiver {
            store: Mutex::new(store),
            stored: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            replies: AtomicU64::new(0),
        })
    }
}

/// Serves connections from `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, receiver: Arc<Receiver>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let receiver = receiver.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(receiver.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

fn refuse(receiver: &Receiver, e: &CallbackError) -> Response<Full<Bytes>> {
    receiver.refused.fetch_add(1, Ordering::Relaxed);
    answer(StatusCode::BAD_REQUEST, e.answer())
}

async fn handle(
    receiver: Arc<Receiver>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    if request.method() != Method::POST {
        let body = serde_json::json!({"result": 1, "errmsg": "POST a callback body"}).to_string();
        return Ok(answer(StatusCode::METHOD_NOT_ALLOWED, body));
    }
    let is_reply = request.uri().path() == "/reply";
    let body = match Limited::new(request.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            let body = serde_json::json!({"result": 1, "errmsg": "body unreadable or too long"}).to_string();
            receiver.refused.fetch_add(1, Ordering::Relaxed);
            return Ok(answer(StatusCode::BAD_REQUEST, body));
        }
    };
    if is_reply {
        return Ok(match callback::parse_replies(&body) {
            Ok(replies) => {
                receiver.replies.fetch_add(replies.len() as u64, Ordering::Relaxed);
                answer(StatusCode::OK, ACK_OK.into())
            }
            Err(e) => refuse(&receiver, &e),
        });
    }
    let reports = match callback::parse_status_reports(&body) {
        Ok(reports) => reports,
        Err(e) => return Ok(refuse(&receiver, &e)),
    };
    let writer = receiver.clone();
    let stored = tokio::task::spawn_blocking(move || {
        let mut store = writer.store.lock().unwrap_or_else(|p| p.into_inner());
        store.record(&reports)
    })
    .await;
    Ok(match stored {
        Ok(Ok(new)) => {
            receiver.stored.fetch_add(new as u64, Ordering::Relaxed);
            answer(StatusCode::OK, ACK_OK.into())
        }
        _ => {
            let body = serde_json::json!({"result": 2, "errmsg": "the store cannot be written now"}).to_string();
            answer(StatusCode::INTERNAL_SERVER_ERROR, body)
        }
    })
}
