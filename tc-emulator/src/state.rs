//! What every connection shares: the catalog, credentials, clock, faults, products, request log and
//! counters, and the two answer helpers every stage uses.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE, DATE};
use hyper::{HeaderMap, Response, StatusCode};

use crate::auth::CredentialStore;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::product::Products;
use crate::request_log::{RecordedRequest, RequestLog};
use crate::response::RequestIds;
use crate::stream::{StreamCounters, StreamOptions};
use crate::transport::EmuBody;

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
