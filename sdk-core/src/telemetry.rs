//! The SDK's own tracing and metrics, both [`Interceptor`]s.
//!
//! # Tracing
//!
//! Every call is one span, `tencentcloud_call` (DEBUG level), and each attempt one child span,
//! `attempt`, with the field names of OpenTelemetry's semantic conventions for RPC
//! (`tracing-opentelemetry` maps them as they are):
//!
//! | span | field | value |
//! |---|---|---|
//! | call | `rpc.system` | `tencentcloud` |
//! | call | `rpc.service` / `rpc.method` | product (`sms`) / action (`SendSms`) |
//! | call | `rpc.tencentcloud.version` | API version (`2021-01-11`) |
//! | call | `cloud.region`, `server.address`, `server.port` | region, endpoint host and port (when given) |
//! | call | `rpc.tencentcloud.request_id`, `error.type`, `otel.status_code` | the final answer's RequestId; on failure the error's code or kind ([`error_label`]) and `ERROR` |
//! | call | `rpc.tencentcloud.attempts` | attempts made |
//! | attempt | `rpc.tencentcloud.attempt` | 1, 2, ... |
//! | attempt | `http.response.status_code`, `rpc.tencentcloud.request_id`, `error.type` | that attempt's |
//! | attempt | `rpc.tencentcloud.retry_reason` | why it is retried ([`Reason::label`]), when it is |
//!
//! Nothing else is recorded: no parameter, no header value, no message (which may quote input), so no
//! secret and no personal data can reach a span. The call path opens both spans (they must wrap the
//! futures); this module's [`TracingInterceptor`] records every field after that, through the hooks.
//!
//! # Metrics (cargo feature `metrics`)
//!
//! Recorded through the [`metrics`](https://docs.rs/metrics) facade, so any of its exporters
//! (Prometheus, StatsD, OpenTelemetry...) collects them; with no recorder installed each is one relaxed
//! atomic load. Chosen over OpenTelemetry's metrics API because it is one small dependency-free crate with
//! a stable API, costs nothing without an exporter, and leaves the exporter to the application (the
//! OpenTelemetry bridge is one of them); `opentelemetry`'s SDK would add a large, fast-moving tree to
//! every user of this crate.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `tencentcloud_calls_total` | counter | product, action, region, outcome (`success`, `error`, `cancelled`) |
//! | `tencentcloud_call_duration_seconds` | histogram | product, action, region, outcome |
//! | `tencentcloud_calls_in_flight` | gauge | product, action, region |
//! | `tencentcloud_errors_total` | counter | product, action, region, code ([`error_label`]: a service code or an error kind) |
//! | `tencentcloud_retries_total` | counter | product, action, region, reason ([`Reason::label`]) |
//! | `tencentcloud_throttled_total` | counter | product, action, region (every throttled attempt) |
//!
//! Labels are names from the API description and fixed words: never a parameter value, so no personal
//! data, and a bounded number of series.

use crate::error::Error;
use crate::interceptor::{error_label, AttemptView, CallOutcome, CallView, Interceptor};
use crate::retry::Decision;
#[cfg(doc)]
use crate::retry::Reason;

/// Records the OpenTelemetry fields of the call and attempt spans (see the [module docs](self)).
/// Installed first in every client.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingInterceptor;

/// Whether any subscriber may want the SDK's DEBUG spans: one atomic load (the global maximum level), so
/// without a subscriber the hooks return before looking the current span up.
fn spans_wanted() -> bool {
    tracing::level_enabled!(tracing::Level::DEBUG)
}

impl Interceptor for TracingInterceptor {
    fn after_response(&self, _call: &CallView<'_>, attempt: &AttemptView<'_>) {
        if !spans_wanted() {
            return;
        }
        let span = tracing::Span::current();
        if span.is_disabled() {
            return;
        }
        span.record("http.response.status_code", attempt.status());
        span.record("rpc.tencentcloud.request_id", attempt.request_id());
        if let Some(e) = attempt.error() {
            span.record("error.type", &*error_label(e));
        }
    }

    fn on_retry_decision(&self, _call: &CallView<'_>, _error: &Error, decision: &Decision) {
        let reason = match decision {
            Decision::Retry { reason, .. } => reason.label(),
            Decision::Resign { .. } => crate::retry::Reason::ClockSkew.label(),
            _ => return,
        };
        tracing::Span::current().record("rpc.tencentcloud.retry_reason", reason);
    }

    fn on_call_end(&self, call: &CallView<'_>, outcome: &CallOutcome<'_>) {
        if !spans_wanted() {
            return;
        }
        let span = tracing::Span::current();
        if span.is_disabled() {
            return;
        }
        span.record("rpc.tencentcloud.attempts", call.attempt());
        match outcome {
            CallOutcome::Success { request_id } => {
                span.record("rpc.tencentcloud.request_id", *request_id);
            }
            CallOutcome::Error(e) => {
                span.record("rpc.tencentcloud.request_id", e.request_id());
                span.record("error.type", &*error_label(e));
                span.record("otel.status_code", "ERROR");
            }
            CallOutcome::Cancelled => {
                span.record("error.type", "cancelled");
            }
        }
    }
}

/// The call span: its fields are declared here (a `tracing` span cannot gain fields later) and filled
/// by [`TracingInterceptor`].
pub(crate) fn call_span(call: &CallView<'_>) -> tracing::Span {
    let (address, port) = call.host().map_or((None, None), |h| {
        let (a, p) = split_port(h);
        (Some(a), p)
    });
    tracing::debug_span!(
        "tencentcloud_call",
        rpc.system = "tencentcloud",
        rpc.service = %call.product(),
        rpc.method = %call.action(),
        rpc.tencentcloud.version = %call.version(),
        cloud.region = %call.region(),
        server.address = address,
        server.port = port,
        rpc.tencentcloud.request_id = tracing::field::Empty,
        rpc.tencentcloud.attempts = tracing::field::Empty,
        error.type = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    )
}

/// `host[:port]` (`[v6]:port` too) as OpenTelemetry's `server.address` and `server.port`.
fn split_port(host: &str) -> (&str, Option<u16>) {
    match host.rsplit_once(':') {
        Some((address, port)) if !address.is_empty() && (!address.contains(':') || address.ends_with(']')) => {
            match port.parse() {
                Ok(port) => (address.trim_start_matches('[').trim_end_matches(']'), Some(port)),
                Err(_) => (host, None),
            }
        }
        _ => (host, None),
    }
}

/// One attempt's span, a child of the call's.
pub(crate) fn attempt_span(attempt: u32, endpoint: &'static str) -> tracing::Span {
    tracing::debug_span!(
        "attempt",
        rpc.tencentcloud.attempt = attempt,
        endpoint = endpoint,
        http.response.status_code = tracing::field::Empty,
        rpc.tencentcloud.request_id = tracing::field::Empty,
        rpc.tencentcloud.retry_reason = tracing::field::Empty,
        error.type = tracing::field::Empty,
    )
}

#[cfg(feature = "metrics")]
pub use self::metrics_impl::MetricsInterceptor;

#[cfg(feature = "metrics")]
mod metrics_impl {
    use super::*;
    use metrics::{counter, gauge, histogram, Counter, Gauge, Histogram};
    use std::collections::HashMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::sync::{Arc, RwLock};

    /// Records the metrics of the [module docs](crate::telemetry) through the `metrics` facade. Installed in every
    /// client when the `metrics` feature is on.
    ///
    /// The handles of the per-call series (calls, duration, in flight, throttled) are registered once per
    /// (product, action, region) and kept: registering through the macros on every call (building,
    /// sorting and hashing the labels, looking the series up) cost as much as signing. They are
    /// registered again when the recorder changes (one installed after the first calls, or a local one).
    /// They are looked up once per call (kept in the call's [`CallView`]), under a read lock: a mutex taken
    /// at the start and the end of every call was shared by all calls in flight. Retries and errors are
    /// rare and go through the macros.
    #[derive(Debug, Default)]
    pub struct MetricsInterceptor {
        series: RwLock<HashMap<u64, Vec<Arc<Series>>>>,
    }

    /// One (product, action, region)'s handles, and the recorder they belong to.
    struct Series {
        product: Box<str>,
        action: Box<str>,
        region: Box<str>,
        recorder: usize,
        in_flight: Gauge,
        throttled: Counter,
        /// By [`CallOutcome::label`]: success, error, cancelled.
        calls: [Counter; 3],
        duration: [Histogram; 3],
    }

    impl std::fmt::Debug for Series {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Series")
                .field("action", &self.action)
                .finish_non_exhaustive()
        }
    }

    const OUTCOMES: [&str; 3] = ["success", "error", "cancelled"];

    /// The address of the recorder in use: a new one means new handles.
    fn recorder_id() -> usize {
        metrics::with_recorder(|r| r as *const dyn metrics::Recorder as *const () as usize)
    }

    fn labels(call: &CallView<'_>) -> [(&'static str, String); 3] {
        [
            ("product", call.product().to_owned()),
            ("action", call.action().to_owned()),
            ("region", call.region().to_owned()),
        ]
    }

    impl Series {
        fn register(call: &CallView<'_>, recorder: usize) -> Series {
            let base = labels(call);
            let with_outcome = |o: &str| {
                let mut l = base.to_vec();
                l.push(("outcome", o.to_owned()));
                l
            };
            Series {
                product: call.product().into(),
                action: call.action().into(),
                region: call.region().into(),
                recorder,
                in_flight: gauge!("tencentcloud_calls_in_flight", &base),
                throttled: counter!("tencentcloud_throttled_total", &base),
                calls: OUTCOMES.map(|o| counter!("tencentcloud_calls_total", &with_outcome(o))),
                duration: OUTCOMES.map(|o| histogram!("tencentcloud_call_duration_seconds", &with_outcome(o))),
            }
        }

        fn is_for(&self, call: &CallView<'_>, recorder: usize) -> bool {
            self.recorder == recorder
                && *self.action == *call.action()
                && *self.product == *call.product()
                && *self.region == *call.region()
        }
    }

    impl MetricsInterceptor {
        /// The handles of `call`'s series, registered on first use.
        fn series<'v>(&self, call: &'v CallView<'_>) -> Option<&'v Series> {
            call.metrics.get_or_init(|| self.lookup(call)).downcast_ref()
        }

        fn lookup(&self, call: &CallView<'_>) -> Arc<dyn std::any::Any + Send + Sync> {
            let mut h = DefaultHasher::new();
            (call.product(), call.action(), call.region()).hash(&mut h);
            let key = h.finish();
            let recorder = recorder_id();
            let found = self
                .series
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .and_then(|bucket| bucket.iter().find(|s| s.is_for(call, recorder)).cloned());
            if let Some(s) = found {
                return s;
            }
            let mut map = self.series.write().unwrap_or_else(|p| p.into_inner());
            let bucket = map.entry(key).or_default();
            if let Some(s) = bucket.iter().find(|s| s.is_for(call, recorder)) {
                return s.clone();
            }
            bucket.retain(|s| s.recorder == recorder);
            let s = Arc::new(Series::register(call, recorder));
            bucket.push(s.clone());
            s
        }
    }

    impl Interceptor for MetricsInterceptor {
        fn on_call_start(&self, call: &CallView<'_>) {
            if let Some(series) = self.series(call) {
                series.in_flight.increment(1.0);
            }
        }

        fn after_response(&self, call: &CallView<'_>, attempt: &AttemptView<'_>) {
            if attempt.error().is_some_and(Error::is_throttling) {
                if let Some(series) = self.series(call) {
                    series.throttled.increment(1);
                }
            }
        }

        fn on_retry_decision(&self, call: &CallView<'_>, _error: &Error, decision: &Decision) {
            let reason = match decision {
                Decision::Retry { reason, .. } => reason.label(),
                Decision::Resign { .. } => crate::retry::Reason::ClockSkew.label(),
                _ => return,
            };
            let [p, a, r] = labels(call);
            counter!("tencentcloud_retries_total", &[p, a, r, ("reason", reason.to_owned())]).increment(1);
        }

        fn on_final_error(&self, call: &CallView<'_>, error: &Error) {
            let [p, a, r] = labels(call);
            let code = ("code", error_label(error).into_owned());
            counter!("tencentcloud_errors_total", &[p, a, r, code]).increment(1);
        }

        fn on_call_end(&self, call: &CallView<'_>, outcome: &CallOutcome<'_>) {
            let Some(series) = self.series(call) else {
                return;
            };
            series.in_flight.decrement(1.0);
            let i = match outcome {
                CallOutcome::Success { .. } => 0,
                CallOutcome::Error(_) => 1,
                CallOutcome::Cancelled => 2,
            };
            series.calls[i].increment(1);
            series.duration[i].record(call.started().elapsed().as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn server_address_and_port() {
        use super::split_port;
        assert_eq!(split_port("sms.tencentcloudapi.com"), ("sms.tencentcloudapi.com", None));
        assert_eq!(split_port("127.0.0.1:8080"), ("127.0.0.1", Some(8080)));
        assert_eq!(split_port("[::1]:443"), ("::1", Some(443)));
        assert_eq!(split_port("::1"), ("::1", None));
        assert_eq!(split_port("host:notaport"), ("host:notaport", None));
    }
}
