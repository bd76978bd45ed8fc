//! Interceptors: code of yours that runs at the call path's named stages, for every call of a client.
//!
//! An [`Interceptor`] has one method per stage, each with a default that does nothing:
//!
//! | hook | when | may |
//! |---|---|---|
//! | [`on_call_start`](Interceptor::on_call_start) | once, before the first attempt | read the call |
//! | [`before_signing`](Interceptor::before_signing) | each attempt, before the request is signed | add headers that are sent **and signed** |
//! | [`before_sending`](Interceptor::before_sending) | each attempt, the signed request about to go out | read method, host, path and non-secret headers; add unsigned headers |
//! | [`after_response`](Interceptor::after_response) | each attempt, once it has an outcome (answer or error) | read status, RequestId, error code |
//! | [`on_retry_decision`](Interceptor::on_retry_decision) | each failed attempt, with what the loop does next | read the [`Decision`] |
//! | [`on_final_error`](Interceptor::on_final_error) | once, when the call fails | read the [`Error`] |
//! | [`on_call_end`](Interceptor::on_call_end) | once, success, error or the future dropped | read the outcome and duration |
//!
//! Interceptors run in the order they were added ([`crate::SdkConfigBuilder::interceptor`],
//! [`crate::Client::with_interceptor`]), the SDK's own tracing first.
//!
//! # Decisions
//! - **Views, not the request.** A hook never sees the `Authorization` or `X-TC-Token` values, the
//!   credential, the body (it holds personal data: phone numbers, message content) or a GET's query
//!   string: only what the views below expose. [`Error`]'s `Display` already follows the written policy.
//! - **Hooks are synchronous and cannot fail.** A hook that needs I/O hands the work to a task of its own;
//!   no hook can stall or abort a call. A header a hook adds that is not a valid header, or that would
//!   replace a header the SDK set, is not added, and the refusal is returned to the hook
//!   ([`SignedHeaders::insert`], [`RequestView::insert_header`]).
//! - **The SDK's tracing and metrics are interceptors too** (`crate::telemetry`): the call path only
//!   opens the spans (they must wrap the futures); every field after that is recorded through these hooks.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::http::{HeaderName, HeaderValue, HttpRequest};
use crate::profile::HttpMethod;
use crate::retry::Decision;

/// Code run at the call path's stages. See the [module docs](self).
pub trait Interceptor: Send + Sync + 'static {
    /// The call begins, before its first attempt.
    fn on_call_start(&self, _call: &CallView<'_>) {}
    /// An attempt is about to be signed: headers inserted into `headers` are sent and signed.
    fn before_signing(&self, _call: &CallView<'_>, _headers: &mut SignedHeaders) {}
    /// An attempt's signed request is about to be sent.
    fn before_sending(&self, _call: &CallView<'_>, _request: &mut RequestView<'_>) {}
    /// An attempt has its outcome.
    fn after_response(&self, _call: &CallView<'_>, _attempt: &AttemptView<'_>) {}
    /// An attempt failed, and this is what happens next.
    fn on_retry_decision(&self, _call: &CallView<'_>, _error: &Error, _decision: &Decision) {}
    /// The call failed with `error` (after every retry).
    fn on_final_error(&self, _call: &CallView<'_>, _error: &Error) {}
    /// The call ended.
    fn on_call_end(&self, _call: &CallView<'_>, _outcome: &CallOutcome<'_>) {}
}

/// The interceptors of a client, in order. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Arc<[Arc<dyn Interceptor>]>);

impl Interceptors {
    /// These interceptors, then `next`.
    pub(crate) fn with(&self, next: Arc<dyn Interceptor>) -> Interceptors {
        Interceptors(self.0.iter().cloned().chain(std::iter::once(next)).collect())
    }

    pub(crate) fn each(&self, mut f: impl FnMut(&dyn Interceptor)) {
        for i in self.0.iter() {
            f(&**i);
        }
    }
}

/// What a hook knows of the call: names, never values of the request.
#[derive(Debug)]
pub struct CallView<'a> {
    pub(crate) product: &'a str,
    pub(crate) version: &'a str,
    pub(crate) action: &'a str,
    pub(crate) region: &'a str,
    pub(crate) host: Option<&'a str>,
    pub(crate) started: Instant,
    pub(crate) attempt: AtomicU32,
    /// This call's metric handles (`telemetry`'s, type-erased so that this module does not depend on
    /// it), looked up once per call (feature `metrics`).
    #[cfg(feature = "metrics")]
    pub(crate) metrics: std::sync::OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl<'a> CallView<'a> {
    /// The product (signing service), e.g. `sms`: OpenTelemetry's `rpc.service`.
    pub fn product(&self) -> &str {
        self.product
    }
    /// The API version, e.g. `2021-01-11`.
    pub fn version(&self) -> &str {
        self.version
    }
    /// The action, e.g. `SendSms`: OpenTelemetry's `rpc.method`.
    pub fn action(&self) -> &str {
        self.action
    }
    /// The region sent as `X-TC-Region` (may be empty for actions without one).
    pub fn region(&self) -> &str {
        self.region
    }
    /// The endpoint's host, e.g. `sms.tencentcloudapi.com` (none when the endpoint is invalid).
    pub fn host(&self) -> Option<&str> {
        self.host
    }
    /// When the call started.
    pub fn started(&self) -> Instant {
        self.started
    }
    /// The attempt under way, 1 for the first (0 before it).
    pub fn attempt(&self) -> u32 {
        self.attempt.load(Ordering::Relaxed)
    }
    pub(crate) fn next_attempt(&self) -> u32 {
        self.attempt.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Headers an interceptor adds before signing: sent, and covered by the TC3 signature like
/// [`crate::ClientProfile::signed_headers`] (so the legacy sign methods refuse a call that has any).
#[derive(Debug, Default)]
pub struct SignedHeaders {
    pub(crate) added: Vec<(String, String)>,
}

impl SignedHeaders {
    /// Adds `name: value`. Refused (and not added) when the name or value is not a valid header, or the
    /// name is one the SDK sets itself (`Authorization`, `Host`, `Content-Type`, `X-TC-*`).
    pub fn insert(&mut self, name: &str, value: &str) -> Result<(), Error> {
        check_header(name, value)?;
        self.added.push((name.to_owned(), value.to_owned()));
        Ok(())
    }
}

/// The signed request as a hook may see it: method, host, path and headers without secrets.
#[derive(Debug)]
pub struct RequestView<'a> {
    pub(crate) request: &'a mut HttpRequest,
}

/// Header values hooks never read.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-tc-token"];

impl RequestView<'_> {
    /// The HTTP method.
    pub fn method(&self) -> HttpMethod {
        self.request.method
    }
    /// The URL without its query (a GET's query holds the parameters).
    pub fn url_without_query(&self) -> &str {
        let url = &self.request.url;
        url.split_once('?').map_or(url, |(base, _)| base)
    }
    /// A header's value; `None` when absent, not printable, or a secret (`Authorization`, `X-TC-Token`).
    pub fn header(&self, name: &str) -> Option<&str> {
        if SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return None;
        }
        self.request.header(name)
    }
    /// The names of the headers, lower-case, secrets included by name only.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.request.headers.keys().map(HeaderName::as_str)
    }
    /// Adds an unsigned header. Refused (and not added) like [`SignedHeaders::insert`], or when the
    /// request already has a header of that name.
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<(), Error> {
        let (name, value) = check_header(name, value)?;
        if self.request.headers.contains_key(&name) {
            return Err(Error::invalid_request(
                "interceptor header",
                format!("{name} is already set by the SDK"),
            ));
        }
        self.request.headers.insert(name, value);
        Ok(())
    }
}

/// Names an interceptor may not set: the SDK's own.
fn reserved(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["authorization", "host", "content-type", "content-length"].contains(&lower.as_str()) || lower.starts_with("x-tc-")
}

fn check_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let bad = |what: &str| Error::invalid_request("interceptor header", format!("{name:?}: {what}"));
    if reserved(name) {
        return Err(bad("is set by the SDK itself"));
    }
    let parsed_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("is not a valid header name"))?;
    let parsed_value = HeaderValue::from_str(value).map_err(|_| bad("value is not a valid header value"))?;
    Ok((parsed_name, parsed_value))
}

/// One attempt's outcome.
#[derive(Debug)]
pub struct AttemptView<'a> {
    pub(crate) attempt: u32,
    pub(crate) status: Option<u16>,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) error: Option<&'a Error>,
    pub(crate) elapsed: Duration,
}

impl<'a> AttemptView<'a> {
    pub(crate) fn new(
        attempt: u32,
        status: Option<u16>,
        request_id: Option<&'a str>,
        error: Option<&'a Error>,
        t0: Instant,
    ) -> AttemptView<'a> {
        AttemptView {
            attempt,
            status,
            request_id,
            error,
            elapsed: t0.elapsed(),
        }
    }
    /// 1 for the first attempt.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// The HTTP status, when a response came.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// `RequestId`, when the response carried one.
    pub fn request_id(&self) -> Option<&'a str> {
        self.request_id
    }
    /// The attempt's error, `None` on success.
    pub fn error(&self) -> Option<&'a Error> {
        self.error
    }
    /// The time the attempt took.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum CallOutcome<'a> {
    /// An answer (a complete response, or a stream's headers).
    Success {
        /// Its `RequestId`.
        request_id: Option<&'a str>,
    },
    /// The call failed with this error.
    Error(&'a Error),
    /// The caller dropped the call's future before it ended.
    Cancelled,
}

impl CallOutcome<'_> {
    /// `success`, `error` or `cancelled`: the `outcome` label of the SDK's metrics.
    pub fn label(&self) -> &'static str {
        match self {
            CallOutcome::Success { .. } => "success",
            CallOutcome::Error(_) => "error",
            CallOutcome::Cancelled => "cancelled",
        }
    }
}

/// A short, bounded label for an error: its service code (`RequestLimitExceeded`, from the API's finite
/// list), else its kind (`timeout`, `connect`, `transport`, `http_503`, `decode`, `invalid_request`,
/// `credential`). Never a message (messages may quote input).
pub fn error_label(error: &Error) -> Cow<'_, str> {
    if let Some(code) = error.code() {
        return Cow::Borrowed(code);
    }
    Cow::Borrowed(if error.is_connect() {
        "connect"
    } else if error.is_timeout() {
        "timeout"
    } else if error.is_transport() {
        "transport"
    } else if let (true, Some(status)) = (error.is_status(), error.status()) {
        return Cow::Owned(format!("http_{status}"));
    } else if error.is_decode() {
        "decode"
    } else if error.is_invalid_request() {
        "invalid_request"
    } else if error.is_credential() {
        "credential"
    } else {
        "other"
    })
}
