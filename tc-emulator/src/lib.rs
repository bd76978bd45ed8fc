#![doc = include_str!("../README.md")]
//!
//! # What it does
//!
//! * Every product/version of the specs is served — by default the ones compiled in (this repository's
//!   `api-specs/`, kept in `tc-emulator/specs/` by `cargo xtask gen`, about 350 KB), or those under
//!   [`EmulatorBuilder::spec_root`]. The product comes from the `Host` (`sms.tencentcloudapi.com`) or, for
//!   `127.0.0.1:PORT`, from the credential scope of the `Authorization` header; the version from
//!   `X-TC-Version`, the action from `X-TC-Action`.
//! * Requests are checked like the real service: TC3-HMAC-SHA256 signature (own implementation, see
//!   [`auth`]), timestamp within [`MAX_CLOCK_SKEW_SECS`], token, action, and the body against the spec
//!   (missing, unknown and mistyped parameters, recursively). Errors use the real wire shape and codes.
//! * The legacy `HmacSHA1`/`HmacSHA256` signatures too (POST form body or GET query, no `Authorization`
//!   header, `Signature` among the parameters): common parameters (`Action`, `Version`, `Timestamp`,
//!   `Nonce`, `SecretId`, `Token`, ...) are parameters, the rest is the action's input in flattened form
//!   (`PhoneNumberSet.0=..`), typed by the spec and validated and handled like any other request. For
//!   `127.0.0.1:PORT` the product is the only one whose `Version` has the `Action`.
//! * Valid requests get the action's first example answer with a fresh `RequestId`, except the actions of
//!   stateful products: plug-ins registered by product and version ([`product`]); SMS 2021-01-11 is one
//!   ([`sms`]), registered by default. The server itself names no product. [`PagedLists`] ([`paged`]) is a
//!   ready-made one for any list action that pages (offset, page number or next token): a list of
//!   configurable length, `POST /_emulator/<product>/paged` (`{"length": n, "repeat_token": true}`).
//! * Echo mode ([`EmulatorBuilder::echo`], `--echo`): every verified request, of any action, is answered
//!   with what the verifier saw — the repository's one independent TC3 and legacy verifier for testing
//!   clients and signers.
//! * Faults on demand: see [`faults`].
//! * SMS status reports pushed to a callback URL after each send, with seeded delay, loss and duplicates
//!   ([`EmulatorBuilder::status_callback`], `--status-callback URL`): see [`callback`].
//! * `/_emulator/...` admin paths (unsigned): `GET health`, `POST reset`, `GET requests`, `GET sms/sent`,
//!   `GET sms/signs`, `GET sms/templates`, `POST sms/{signs|templates}/{id}/{approve|reject}` (optional body
//!   `{"ReviewReply": ".."}`), `GET faults`, `POST faults` (body `{"Fault": "<the --fault syntax>"}`),
//!   `DELETE faults`, `POST clock` (`{"OffsetSeconds": n}`), `GET stats` (`{"ConnectionsAccepted": n}`); `/_emulator/<product>/...` go to that product's
//!   plug-in. All but `GET health` need the header
//!   [`ADMIN_TOKEN_HEADER`] with [`Emulator::admin_token`] (random per start, printed by the binary), and
//!   POST/DELETE need `Content-Type: application/json`, so a web page in the developer's browser cannot
//!   drive or read a loopback emulator.
//! * Limits (see [`Limits`]): bodies over 10 MB (`RequestSizeLimitExceeded`, refused from `Content-Length`
//!   before reading), headers or bodies slower than 10 s (connection closed), parameter keys nested deeper
//!   than 32 levels (`InvalidParameter`); timestamps are compared without overflow; signatures in constant
//!   time.

mod admin;
mod api;
pub mod auth;
mod body;
mod bundled_specs;
pub mod callback;
mod catalog;
pub mod clock;
pub mod echo;
pub mod faults;
mod head;
mod latency;
pub mod paged;
#[cfg(test)]
mod parser_props;
mod pipeline;
pub mod product;
pub mod request_log;
mod response;
mod secrets;
mod server;
pub mod sms;
mod specs;
mod state;
pub mod stream;
mod transport;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

pub use auth::{Credential, MAX_CLOCK_SKEW_SECS};
pub use callback::{CallbackStats, StatusCallback};
pub use faults::{Fault, FaultHits, FaultKind, Selector};
pub use paged::{PageStyle, PagedAction, PagedLists};
pub use product::{Answer, StatefulProduct};
pub use request_log::{RecordedRequest, DEFAULT_REQUEST_LOG_MAX_BYTES};
pub use response::ApiError;
pub use sms::{
    ReviewStatus, SentSms, Sign, Sms, Template, UnknownId, SEED_SDK_APP_ID, SEED_SIGN_ID, SEED_SIGN_NAME,
    SEED_TEMPLATE_CONTENT, SEED_TEMPLATE_ID, SEED_TEMPLATE_NAME,
};
pub use stream::{StreamOptions, StreamStats};

/// The SecretId the emulator accepts unless told otherwise.
pub const DEFAULT_SECRET_ID: &str = "AKIDEMULATOR00000000000000000000";
/// The SecretKey paired with [`DEFAULT_SECRET_ID`].
pub const DEFAULT_SECRET_KEY: &str = "emulator-secret-key";
/// How many requests `requests()` keeps by default (oldest dropped first).
pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 10_000;

/// This repository's `api-specs/` (fixed at compile time; it exists only in a checkout of the repository,
/// not in the published crate, which serves its compiled-in copy by default).
pub fn default_spec_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api-specs")
}

/// 128 random bits from the operating system, hex.
fn new_admin_token() -> Result<String, StartError> {
    let mut bytes = [0u8; 16];
    // Without OS randomness the token would be guessable: refuse to start instead.
    getrandom::fill(&mut bytes).map_err(|e| StartError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("no random source for the admin token: {0}")]
    Random(String),
    #[error("loading specs: {0}")]
    Spec(#[from] tc_spec::SpecError),
    #[error("{0}")]
    Callback(String),
    #[error("binding {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Configuration; [`EmulatorBuilder::start`] runs it.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    credentials: Vec<Credential>,
    default_credential: bool,
    faults: Vec<Fault>,
    clock_offset: i64,
    /// `None`: the specs compiled in.
    spec_root: Option<PathBuf>,
    addr: SocketAddr,
    log_capacity: usize,
    log_max_bytes: usize,
    sms_apps: Vec<String>,
    limits: Limits,
    products: product::Products,
    echo: bool,
    stream: StreamOptions,
    status_callback: Option<StatusCallback>,
}

/// How much one request may make the emulator hold or wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body read, in bytes ([`DEFAULT_MAX_BODY_BYTES`]). A larger `Content-Length` is refused
    /// before any of the body is read; a chunked body is cut off at the limit.
    pub max_body_bytes: usize,
    /// How long a client may take to send its request headers, and then its body
    /// ([`DEFAULT_REQUEST_READ_TIMEOUT`]); the connection is closed after that.
    pub request_read_timeout: Duration,
}

/// The real service's limit for a POST body (API 3.0 documents 10 MB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Default of [`Limits::request_read_timeout`].
pub const DEFAULT_REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The header that carries [`Emulator::admin_token`] on `/_emulator/*` requests.
pub const ADMIN_TOKEN_HEADER: &str = "x-emulator-admin-token";

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_read_timeout: DEFAULT_REQUEST_READ_TIMEOUT,
        }
    }
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            credentials: Vec::new(),
            default_credential: true,
            faults: Vec::new(),
            clock_offset: 0,
            spec_root: None,
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            log_capacity: DEFAULT_REQUEST_LOG_CAPACITY,
            log_max_bytes: DEFAULT_REQUEST_LOG_MAX_BYTES,
            sms_apps: Vec::new(),
            limits: Limits::default(),
            products: product::Products::default(),
            echo: false,
            stream: StreamOptions::default(),
            status_callback: None,
        }
    }
}

impl EmulatorBuilder {
    /// Accept another key pair (the default pair stays accepted unless [`without_default_credential`]).
    ///
    /// [`without_default_credential`]: EmulatorBuilder::without_default_credential
    pub fn credential(mut self, secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.credentials.push(Credential::new(secret_id, secret_key));
        self
    }

    /// Accept a temporary key pair: its requests must carry `X-TC-Token: token`.
    pub fn temporary_credential(
        mut self,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        self.credentials
            .push(Credential::new(secret_id, secret_key).with_token(token));
        self
    }

    /// Do not accept [`DEFAULT_SECRET_ID`]/[`DEFAULT_SECRET_KEY`].
    pub fn without_default_credential(mut self) -> Self {
        self.default_credential = false;
        self
    }

    /// Add a fault rule (rules are checked in the order added).
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Shift the emulator's clock by `secs` (±, clamped to [`clock::MAX_CLOCK_OFFSET_SECS`]): affects
    /// `AuthFailure.SignatureExpire` and the `Date` header.
    pub fn clock_offset(mut self, secs: i64) -> Self {
        self.clock_offset = secs;
        self
    }

    /// Serve the specs under this directory (`<root>/<product>/<version>/api.json`) instead of the ones
    /// compiled in (this repository's `api-specs/`, copied into `tc-emulator/specs/` by `cargo xtask gen`).
    pub fn spec_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.spec_root = Some(root.into());
        self
    }

    /// Listen on this address (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Listen on this port of the bind address.
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Keep at most `n` requests for [`Emulator::requests`] (0 keeps none: fastest, for benchmarks).
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// Keep at most about `bytes` of requests for [`Emulator::requests`] (default
    /// [`DEFAULT_REQUEST_LOG_MAX_BYTES`]; oldest dropped first; see [`request_log`]).
    pub fn request_log_max_bytes(mut self, bytes: usize) -> Self {
        self.log_max_bytes = bytes;
        self
    }

    /// Body size and read-time limits per request (see [`Limits`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Register a stateful product (see [`product`]); it replaces a built-in one for the same product and
    /// version.
    pub fn product(mut self, product: impl StatefulProduct) -> Self {
        self.products.register(Arc::new(product));
        self
    }

    /// Echo mode: every request is verified exactly as usual (signature, timestamp, token, region), and a
    /// verified one is answered with what the verifier saw instead of the action's answer — any product,
    /// version and action, in or out of the specs (see [`echo`](mod@crate::echo) for the fields). For testing
    /// clients and signers: the one independent TC3 and legacy verifier of this repository.
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = on;
        self
    }

    /// Register another SMS application id besides [`SEED_SDK_APP_ID`].
    pub fn sms_app(mut self, app_id: impl Into<String>) -> Self {
        self.sms_apps.push(app_id.into());
        self
    }

    /// Events per streaming answer (default [`stream::DEFAULT_STREAM_EVENTS`], at most
    /// [`stream::MAX_STREAM_EVENTS`]); see [`stream`].
    pub fn stream_events(mut self, events: u64) -> Self {
        self.stream.events = events;
        self
    }

    /// Pause before each event of a streaming answer after the first (default none, at most
    /// [`stream::MAX_STREAM_DELAY`]).
    pub fn stream_delay(mut self, delay: Duration) -> Self {
        self.stream.delay = delay;
        self
    }

    /// End every complete streaming answer with `data: [DONE]` (default off); see [`stream`].
    pub fn stream_done_marker(mut self, on: bool) -> Self {
        self.stream.done_marker = on;
        self
    }

    /// After each SMS send, POST its status reports to a callback URL, as Tencent SMS does (see
    /// [`callback`](mod@crate::callback) for the format, delay, loss and duplicates).
    pub fn status_callback(mut self, callback: StatusCallback) -> Self {
        self.status_callback = Some(callback);
        self
    }

    /// Load the specs, bind, and serve on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, StartError> {
        let catalog = specs::load(self.spec_root.as_deref())?;
        let mut creds = self.credentials.clone();
        if self.default_credential {
            creds.insert(0, Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY));
        }
        let mut sms = Sms::new();
        let mut callback_task = None;
        let mut status_push = None;
        if let Some(config) = &self.status_callback {
            let (pusher, task) = callback::Pusher::start(config).map_err(StartError::Callback)?;
            let pusher = Arc::new(pusher);
            sms = sms.with_status_push(pusher.clone());
            status_push = Some(pusher);
            callback_task = Some(tokio::spawn(task));
        }
        for app in &self.sms_apps {
            sms.add_app(app.clone());
        }
        let mut products = product::Products::default();
        products.register(Arc::new(sms.clone()));
        for p in self.products.list() {
            products.register(p.clone());
        }
        let shared = Arc::new(state::Shared {
            catalog,
            creds: auth::CredentialStore::new(&creds),
            clock: clock::Clock::new(self.clock_offset),
            faults: faults::Faults::new(self.faults.clone()),
            products,
            echo: self.echo,
            ids: response::RequestIds::new(),
            log: Mutex::new(request_log::RequestLog::new(self.log_capacity, self.log_max_bytes)),
            limits: self.limits,
            admin_token: new_admin_token()?,
            stream: self.stream.bounded(),
            stream_counters: Arc::default(),
            connections_accepted: Default::default(),
            status_push,
        });
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.addr,
            source,
        })?;
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Emulator {
            shared,
            sms,
            addr,
            credentials: creds,
            task: Some(task),
            callback_task,
        })
    }
}

/// A running emulator. Stops when dropped (or on [`shutdown`](Emulator::shutdown)).
pub struct Emulator {
    shared: Arc<state::Shared>,
    /// The SMS plug-in, also registered in `shared.products`.
    sms: Sms,
    addr: SocketAddr,
    credentials: Vec<Credential>,
    task: Option<JoinHandle<()>>,
    /// Sends the status reports (when configured); stopped with the server.
    callback_task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Start with the defaults: `127.0.0.1:<ephemeral>`, default credential, repository specs.
    pub async fn start() -> Result<Emulator, StartError> {
        EmulatorBuilder::default().start().await
    }

    /// The token that `/_emulator/*` requests must carry in [`ADMIN_TOKEN_HEADER`] (random per start), so a
    /// web page the developer visits cannot drive a loopback emulator from the browser.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key pairs accepted (the default pair first when enabled).
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    /// `(product, "YYYY-MM-DD" version)` pairs served.
    pub fn served(&self) -> Vec<(String, String)> {
        self.shared.catalog.served()
    }

    /// The stateful SMS service: sent messages, signs/templates and their review.
    pub fn sms(&self) -> &Sms {
        &self.sms
    }

    /// Requests received so far (admin paths excluded), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).entries()
    }

    /// About how many bytes the request log holds (bounded by [`EmulatorBuilder::request_log_max_bytes`]).
    pub fn request_log_bytes(&self) -> usize {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner()).bytes()
    }

    /// Forget requests and SMS history; SMS apps/signs/templates back to the seed. Faults and clock stay.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Each fault rule with how many requests it matched and hit.
    pub fn fault_hits(&self) -> Vec<FaultHits> {
        self.shared.faults.hits()
    }

    /// Replace all fault rules (counters start at 0).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.shared.faults.set(faults);
    }

    /// Add a fault rule after the existing ones.
    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.set(Vec::new());
    }

    pub fn clock_offset(&self) -> i64 {
        self.shared.clock.offset()
    }

    /// Shift the clock by `secs` (clamped to ±[`clock::MAX_CLOCK_OFFSET_SECS`]).
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.clock.set_offset(secs);
    }

    /// The emulator's clock (host clock + offset), Unix seconds.
    pub fn now(&self) -> i64 {
        self.shared.clock.unix()
    }

    /// TCP connections accepted since start (admin `GET /_emulator/stats`: `"ConnectionsAccepted"`); not
    /// cleared by [`reset`](Emulator::reset). One client that reuses its connections adds 1.
    pub fn connections_accepted(&self) -> u64 {
        self.shared
            .connections_accepted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Status-report POSTs the callback receiver answered (0 without [`EmulatorBuilder::status_callback`]).
    pub fn callbacks_sent(&self) -> u64 {
        self.callback_stats().sent
    }

    /// Every count of the status-report push (all 0 without [`EmulatorBuilder::status_callback`]).
    pub fn callback_stats(&self) -> CallbackStats {
        self.shared.callback_stats()
    }

    /// Streams started, completed and cut by their client so far.
    pub fn stream_stats(&self) -> StreamStats {
        self.shared.stream_counters.stats()
    }

    /// Stop serving and close every connection.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.callback_task.take() {
            task.abort();
        }
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(task) = self.callback_task.take() {
            task.abort();
        }
    }
}
