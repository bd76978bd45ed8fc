//! The call, as named stages. [`crate::Client`] is the public face; this module is the one request path
//! behind it (and behind `CommonClient`, the blocking clients and the STS credential providers).
//!
//! | stage | what | where |
//! |---|---|---|
//! | resolve endpoint | product/version/region checked, endpoint and backup endpoint resolved (once, at build) | [`endpoint::Endpoints::resolve`] |
//! | credentials | the static credential, or the provider's (cached, refreshed) | [`attempt::credential`] |
//! | sign | every input of the request → one signed [`crate::HttpRequest`] | [`attempt::sign`] → [`crate::wire`] |
//! | send | the transport, the body limit | [`attempt::send`] → [`crate::transport`] |
//! | decode envelope | status + body → `Response` object or one [`Error`] | [`envelope::parse_response`] |
//! | classify | retry or not ([`crate::retry`]), clock skew, region breaker; the attempt loop | [`classify::run`] |
//! | open stream (streaming answers, instead of decode envelope) | event stream, or a JSON answer decoded as above | [`stream::attempt`] |
//!
//! [`execute`] runs the attempt loop ([`classify::run`]) around [`attempt::run`] (endpoint →
//! credentials → sign → send → decode) in one `tracing` span. [`open_stream`] runs the same loop around
//! [`stream::attempt`], so retries happen only until the stream's headers are in; the events are read
//! later by [`crate::stream::EventStream`], outside the loop. A streaming answer or a paginator is a new
//! consumer of these stages (a different last stage, or a loop over [`execute`]), not a copy of them.

pub(crate) mod attempt;
pub(crate) mod classify;
pub(crate) mod endpoint;
pub(crate) mod envelope;
pub(crate) mod stream;

use std::borrow::Cow;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tracing::Instrument;

use crate::body::BodyMode;
use crate::breaker::Breaker;
use crate::clock::ClockSkew;
use crate::error::Error;
use crate::identity::{Credential, ProvideCredential};
use crate::interceptor::{CallOutcome, CallView, Interceptors};
use crate::profile::ClientProfile;
use crate::service::{ActionInfo, REQUEST_CLIENT};
use crate::stream::RawEventStream;
use crate::telemetry;
use crate::transport::{HttpTransport, Transport};
use crate::wire::ClientHeaders;
use classify::{Attempted, Plan};
use endpoint::{Endpoints, SetupError};
pub use envelope::RawResponse;

/// Everything a client knows before its first call. Built once; a `Client` is an `Arc` of it.
#[derive(Clone)]
pub(crate) struct Config {
    /// `ServiceInfo::product`, or a runtime string for `CommonClient`.
    pub product: Cow<'static, str>,
    /// `ServiceInfo::version`, or a runtime string for `CommonClient`.
    pub version: Cow<'static, str>,
    /// Fixed timestamp/nonce/RequestClient for byte-for-byte tests; `None` in normal use.
    pub pinned: Option<Pinned>,
    pub credential: Arc<dyn ProvideCredential>,
    /// The credential itself when the provider is a plain [`Credential`]: every call borrows it instead of
    /// cloning its strings through `provide_credential`.
    pub static_credential: Option<Credential>,
    pub region: String,
    pub profile: ClientProfile,
    /// Configuration problems are reported by the first call, since `Client::new` is infallible.
    pub endpoints: Endpoints,
    pub transport: Result<Arc<dyn Transport>, SetupError>,
    /// The transport is the default one, which bounds each attempt itself (no second timer needed).
    pub default_transport: bool,
    /// The request timeout the transport applies by itself (`req_timeout` of the profile it was built
    /// from, which a client made from a shared `SdkConfig` may have overridden): any other bound is set
    /// per request.
    pub transport_timeout: Duration,
    /// Hooks at every stage, the SDK's own tracing (and metrics) first.
    pub interceptors: Interceptors,
    /// Header values that are the same for every call.
    pub headers: ClientHeaders,
    /// Clock offset learned from `AuthFailure.SignatureExpire`, shared by all clones.
    pub clock: Arc<ClockSkew>,
    /// Region breaker, when `ClientProfile::region_breaker` is set.
    pub breaker: Option<Arc<Breaker>>,
}

/// Inputs normally taken from the clock, the random generator and [`REQUEST_CLIENT`].
#[derive(Debug, Clone)]
pub(crate) struct Pinned {
    pub timestamp: i64,
    pub nonce: u64,
    pub request_client: String,
}

impl Config {
    /// Resolves and validates everything that does not change between calls. Never fails: problems are
    /// kept and reported by every call.
    pub(crate) fn new(
        product: Cow<'static, str>,
        version: Cow<'static, str>,
        credential: Arc<dyn ProvideCredential>,
        static_credential: Option<Credential>,
        region: String,
        profile: ClientProfile,
    ) -> Config {
        let transport = HttpTransport::new(&profile.http_profile)
            .map(|t| Arc::new(t) as Arc<dyn Transport>)
            .map_err(|e| SetupError::from_error(&e));
        Config::with_parts(
            product,
            version,
            credential,
            static_credential,
            region,
            profile,
            transport,
        )
    }

    /// [`Config::new`] over a transport built already (shared by the clients of one `SdkConfig`).
    pub(crate) fn with_parts(
        product: Cow<'static, str>,
        version: Cow<'static, str>,
        credential: Arc<dyn ProvideCredential>,
        static_credential: Option<Credential>,
        region: String,
        profile: ClientProfile,
        transport: Result<Arc<dyn Transport>, SetupError>,
    ) -> Config {
        let http = &profile.http_profile;
        let endpoints = Endpoints::resolve(&product, &version, &region, http, profile.region_breaker.as_ref());
        let host = endpoints.primary.as_ref().ok().map(|e| e.host.as_str());
        let headers = ClientHeaders::new(host, &version, &region, REQUEST_CLIENT);
        let breaker = profile
            .region_breaker
            .as_ref()
            .map(|b| Arc::new(Breaker::new(b.clone())));
        let transport_timeout = http.req_timeout;
        Config {
            product,
            version,
            pinned: None,
            credential,
            static_credential,
            region,
            profile,
            endpoints,
            transport,
            default_transport: true,
            transport_timeout,
            interceptors: default_interceptors(),
            headers,
            clock: Arc::default(),
            breaker,
        }
    }

    /// The same configuration sending through `transport`.
    pub(crate) fn with_transport(&self, transport: Arc<dyn Transport>) -> Config {
        Config {
            transport: Ok(transport),
            default_transport: false,
            ..self.clone()
        }
    }
}

/// What one call is: the action and how to treat it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub action: &'a str,
    pub skip_sign: bool,
    pub retry_safe: bool,
    /// Headers sent and signed on top of `ClientProfile::signed_headers` (`CommonClient`).
    pub headers: &'a [(String, String)],
    /// How the body is encoded ([`crate::body`]).
    pub body: BodyMode,
    /// [`BodyMode::OctetStream`]: the parameters (a JSON object), sent as headers; the payload is the body.
    pub params: &'a [u8],
}

impl Call<'_> {
    /// A generated action.
    pub(crate) fn of(action: &ActionInfo) -> Call<'static> {
        Call {
            action: action.name,
            skip_sign: action.skip_sign,
            retry_safe: action.retry_safe,
            headers: &[],
            body: action.body,
            params: &[],
        }
    }
}

/// The interceptors every client starts with: the SDK's tracing, and its metrics with feature `metrics`.
pub(crate) fn default_interceptors() -> Interceptors {
    let tracing = Interceptors::default().with(Arc::new(telemetry::TracingInterceptor));
    #[cfg(feature = "metrics")]
    let tracing = tracing.with(Arc::new(telemetry::MetricsInterceptor::default()));
    tracing
}

/// The call: attempts (see [`crate::retry`]) of [`attempt::run`] in the loop of [`classify::run`], in one span.
pub(crate) async fn execute(config: &Config, call: Call<'_>, payload: Vec<u8>) -> Result<RawResponse, Error> {
    // Shared by every attempt without a copy.
    execute_bytes(config, call, Bytes::from(payload)).await
}

/// [`execute`] with the payload already shared (an octet-stream body the caller gave as `Bytes`).
pub(crate) async fn execute_bytes(config: &Config, call: Call<'_>, payload: Bytes) -> Result<RawResponse, Error> {
    let view = call_view(config, call);
    let span = telemetry::call_span(&view);
    async {
        let mut ended = CallEnd::start(config, &view);
        let started = Instant::now();
        let result = classify::run(plan(config, call, &view), |route, bound| {
            let payload = payload.clone();
            // Only a bound other than the transport's own `req_timeout` (the call's deadline is near, or
            // the client overrides the timeout) needs a per-request timeout.
            let timeout = (bound != config.transport_timeout).then_some(bound);
            let view = &view;
            async move {
                let mut server_time = None;
                let result = attempt::run(config, call, view, payload, route, timeout, &mut server_time).await;
                Attempted { result, server_time }
            }
        })
        .await;
        log_outcome(&result, started);
        ended.finish(result.as_ref().map(|r| r.request_id()));
        result
    }
    .instrument(span)
    .await
}

/// A streaming call: the attempt loop of [`execute`] around [`stream::attempt`], ending when the stream's
/// headers (or a complete non-stream answer) are in. Each attempt is bounded by `req_timeout` until then.
pub(crate) async fn open_stream(config: &Config, call: Call<'_>, payload: Vec<u8>) -> Result<RawEventStream, Error> {
    let payload = Bytes::from(payload);
    let view = call_view(config, call);
    let span = telemetry::call_span(&view);
    async {
        let mut ended = CallEnd::start(config, &view);
        // The default transport does not bound a stream's attempt itself: the loop's timer does.
        let plan = Plan {
            bounded_by_transport: false,
            ..plan(config, call, &view)
        };
        let opened = classify::run(plan, |route, bound| {
            let payload = payload.clone();
            let view = &view;
            async move {
                let mut server_time = None;
                let result = stream::attempt(config, call, view, payload, route, Some(bound), &mut server_time).await;
                Attempted { result, server_time }
            }
        })
        .await;
        ended.finish(opened.as_ref().map(|o| o.request_id.as_deref()));
        Ok(RawEventStream::new(opened?, &config.profile.http_profile))
    }
    .instrument(span)
    .await
}

/// What hooks see of this call.
fn call_view<'a>(config: &'a Config, call: Call<'a>) -> CallView<'a> {
    CallView {
        product: &config.product,
        version: &config.version,
        action: call.action,
        region: &config.region,
        host: config.endpoints.primary.as_ref().ok().map(|e| e.host.as_str()),
        started: Instant::now(),
        attempt: AtomicU32::new(0),
        #[cfg(feature = "metrics")]
        metrics: std::sync::OnceLock::new(),
    }
}

/// Runs `on_call_start` now, and `on_final_error` / `on_call_end` when the call ends, or
/// `on_call_end(Cancelled)` when its future is dropped first.
struct CallEnd<'a> {
    config: &'a Config,
    view: &'a CallView<'a>,
    done: bool,
}

impl<'a> CallEnd<'a> {
    fn start(config: &'a Config, view: &'a CallView<'a>) -> CallEnd<'a> {
        config.interceptors.each(|i| i.on_call_start(view));
        CallEnd {
            config,
            view,
            done: false,
        }
    }

    fn finish(&mut self, result: Result<Option<&str>, &Error>) {
        self.done = true;
        let outcome = match result {
            Ok(request_id) => CallOutcome::Success { request_id },
            Err(e) => {
                self.config.interceptors.each(|i| i.on_final_error(self.view, e));
                CallOutcome::Error(e)
            }
        };
        self.config.interceptors.each(|i| i.on_call_end(self.view, &outcome));
    }
}

impl Drop for CallEnd<'_> {
    fn drop(&mut self) {
        if !self.done {
            let view = self.view;
            self.config
                .interceptors
                .each(|i| i.on_call_end(view, &CallOutcome::Cancelled));
        }
    }
}

/// What the attempt loop needs to know of this client and call.
fn plan<'a>(config: &'a Config, call: Call<'_>, view: &'a CallView<'a>) -> Plan<'a> {
    Plan {
        interceptors: &config.interceptors,
        view,
        policy: &config.profile.retry_policy,
        retry_safe: call.retry_safe,
        attempt_timeout: config.profile.http_profile.req_timeout,
        // With the default transport and no credential to fetch, the attempt is only reqwest's exchange,
        // which reqwest bounds itself: no second timer per attempt.
        bounded_by_transport: config.default_transport && (call.skip_sign || config.static_credential.is_some()),
        breaker: config.breaker.as_deref(),
        clock: &config.clock,
        pinned_clock: config.pinned.is_some(),
    }
}

/// Field values (and so the clock reading) are only evaluated when a subscriber wants the event.
fn log_outcome(result: &Result<RawResponse, Error>, started: Instant) {
    match result {
        Ok(r) => tracing::debug!(
            status = r.status(),
            request_id = r.request_id(),
            latency_ms = started.elapsed().as_millis() as u64,
            "response"
        ),
        Err(e) => tracing::debug!(
            status = e.status(),
            request_id = e.request_id(),
            latency_ms = started.elapsed().as_millis() as u64,
            error = %e,
            "request failed"
        ),
    }
}
