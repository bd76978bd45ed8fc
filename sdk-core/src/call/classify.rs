//! Classify, the stage after every attempt, and the attempt loop: whether a failed attempt is retried (the
//! rule is [`crate::retry::classify`]), after which delay, on which route ([`crate::breaker`]), and whether
//! a `SignatureExpire` corrects the clock and re-signs ([`crate::clock`]). See [`crate::retry`] for the
//! rule and the timing.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;

use super::envelope::RawResponse;
use crate::breaker::{Breaker, Outcome, Route};
use crate::clock::{self, ClockSkew};
use crate::error::Error;
use crate::retry::{classify, jitter, RetryPolicy};

/// What one attempt produced: the result, and the server time when a response carried one.
pub(crate) struct Attempted<T = RawResponse> {
    pub result: Result<T, Error>,
    pub server_time: Option<i64>,
}

/// What the loop logs of a successful attempt: a complete answer, or the start of a streaming one.
pub(crate) trait Answer {
    fn status(&self) -> u16;
    fn request_id(&self) -> Option<&str>;
}

impl Answer for RawResponse {
    fn status(&self) -> u16 {
        RawResponse::status(self)
    }
    fn request_id(&self) -> Option<&str> {
        RawResponse::request_id(self)
    }
}

/// Everything the loop needs besides the attempt itself.
pub(crate) struct Plan<'a> {
    pub policy: &'a RetryPolicy,
    pub retry_safe: bool,
    /// `HttpProfile::req_timeout`: bound of one attempt.
    pub attempt_timeout: Duration,
    /// The attempt enforces the bound it is given itself (the default transport, with nothing else to
    /// await): no timer around it here.
    pub bounded_by_transport: bool,
    pub breaker: Option<&'a Breaker>,
    pub clock: &'a ClockSkew,
    /// The timestamp is pinned (golden tests): a clock correction cannot help.
    pub pinned_clock: bool,
}

/// Runs attempts until one succeeds or the rule says stop. `attempt` sends once along a route, within the
/// given bound (enforced here unless [`Plan::bounded_by_transport`]).
pub(crate) async fn run<T, F, Fut>(plan: Plan<'_>, mut attempt: F) -> Result<T, Error>
where
    T: Answer,
    F: FnMut(Route, Duration) -> Fut,
    Fut: Future<Output = Attempted<T>>,
{
    let started = Instant::now();
    let deadline = started + plan.policy.deadline;
    let retry_safe = plan.retry_safe || plan.policy.retry_unsafe;
    let max_attempts = plan.policy.max_attempts.max(1);
    let mut retries = 0u32;
    let mut clock_corrected = false;
    let mut n = 0u32;
    loop {
        n += 1;
        let route = plan.breaker.map_or(Route::Primary, Breaker::route);
        let t0 = if n == 1 { started } else { Instant::now() };
        let remaining = deadline.saturating_duration_since(t0);
        let bound = plan.attempt_timeout.min(remaining);
        let span = tracing::debug_span!("attempt", attempt = n, endpoint = route.as_str());
        let deadline_exceeded = || format!("deadline of {:?} for the call exceeded", plan.policy.deadline);
        let out = if plan.bounded_by_transport {
            let mut out = attempt(route, bound).instrument(span.clone()).await;
            if bound < plan.attempt_timeout {
                if let Err(e) = &out.result {
                    if e.is_timeout() && !e.is_connect() {
                        out.result = Err(Error::timeout(deadline_exceeded()));
                    }
                }
            }
            out
        } else {
            match tokio::time::timeout(bound, attempt(route, bound))
                .instrument(span.clone())
                .await
            {
                Ok(out) => out,
                Err(_) => Attempted {
                    result: Err(Error::timeout(if bound < plan.attempt_timeout {
                        deadline_exceeded()
                    } else {
                        format!("no complete response within {bound:?}")
                    })),
                    server_time: None,
                },
            }
        };
        if let Some(b) = plan.breaker {
            b.record(route, Outcome::of(&out.result));
        }
        let err = match out.result {
            Ok(r) => {
                span.in_scope(|| {
                    tracing::debug!(
                        status = r.status(),
                        request_id = r.request_id(),
                        latency_ms = t0.elapsed().as_millis() as u64,
                        "response"
                    )
                });
                return Ok(r);
            }
            Err(e) => e,
        };
        span.in_scope(|| {
            tracing::debug!(
                status = err.status(),
                request_id = err.request_id(),
                code = err.code(),
                latency_ms = t0.elapsed().as_millis() as u64,
                error = %err,
                "attempt failed"
            )
        });

        if err.code() == Some(clock::SIGNATURE_EXPIRE) && !clock_corrected && !plan.pinned_clock {
            if let Some(server) = out.server_time.or_else(|| clock::server_time(None, err.message())) {
                clock_corrected = true;
                let offset = plan.clock.observe(server);
                if Instant::now() < deadline {
                    tracing::info!(
                        target: "sdk_core::retry",
                        attempt = n,
                        reason = %"clock skew",
                        offset_secs = offset,
                        delay_ms = 0u64,
                        "retrying: local clock is {offset} s off the server's; re-signing"
                    );
                    continue;
                }
            }
        }

        let Some(reason) = classify(&err, retry_safe) else {
            // Would have been retried if the action were safe to repeat: say the outcome is unknown.
            if !retry_safe && classify(&err, true).is_some() {
                return Err(err.not_resent());
            }
            return Err(err);
        };
        if retries + 1 >= max_attempts {
            return Err(err);
        }
        retries += 1;
        let delay = jitter(plan.policy.backoff_bound(retries));
        if Instant::now() + delay >= deadline {
            return Err(err);
        }
        tracing::info!(
            target: "sdk_core::retry",
            attempt = n,
            reason = %reason,
            delay_ms = delay.as_millis() as u64,
            error = %err,
            "retrying"
        );
        tokio::time::sleep(delay).await;
    }
}
