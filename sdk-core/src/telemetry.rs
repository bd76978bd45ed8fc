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

impl Interceptor for TracingInterceptor {
    fn after_response(&self, _call: &CallView<'_>, attempt: &AttemptView<'_>) {
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
    use metrics::{counter, gauge, histogram};

    /// Records the metrics of the [module docs](self) through the `metrics` facade. Installed in every
    /// client when the `metrics` feature is on.
    #[derive(Debug, Default, Clone, Copy)]
    pub struct MetricsInterceptor;

    fn labels(call: &CallView<'_>) -> [(&'static str, String); 3] {
        [
            ("product", call.product().to_owned()),
            ("action", call.action().to_owned()),
            ("region", call.region().to_owned()),
        ]
    }

    impl Interceptor for MetricsInterceptor {
        fn on_call_start(&self, call: &CallView<'_>) {
            gauge!("tencentcloud_calls_in_flight", &labels(call)).increment(1.0);
        }

        fn after_response(&self, call: &CallView<'_>, attempt: &AttemptView<'_>) {
            if attempt.error().is_some_and(Error::is_throttling) {
                counter!("tencentcloud_throttled_total", &labels(call)).increment(1);
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
            let [p, a, r] = labels(call);
            gauge!("tencentcloud_calls_in_flight", &[p.clone(), a.clone(), r.clone()]).decrement(1.0);
            let with_outcome = [p, a, r, ("outcome", outcome.label().to_owned())];
            counter!("tencentcloud_calls_total", &with_outcome).increment(1);
            histogram!("tencentcloud_call_duration_seconds", &with_outcome)
                .record(call.started().elapsed().as_secs_f64());
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
