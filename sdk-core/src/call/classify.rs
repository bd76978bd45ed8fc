//! Classify, the stage after every attempt, and the attempt loop. What to do after a failed attempt is
//! decided by one pure function, [`crate::retry::decide`] (return, re-sign after a clock correction, or
//! retry after a delay with a reason); this loop only carries it out: per-attempt timers, logs, the region
//! breaker ([`crate::breaker`]) and the clock offset ([`crate::clock`]). See [`crate::retry`] for the rule
//! and the timing.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;

use super::envelope::RawResponse;
use crate::breaker::{Breaker, Outcome, Route};
use crate::clock::ClockSkew;
use crate::error::Error;
use crate::interceptor::{AttemptView, CallView, Interceptors};
use crate::retry::{decide, Attempts, Budget, Decision, Reason, RetryPolicy, Stop};
use crate::telemetry::attempt_span;
use crate::token::random_u64;

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
    /// Told of every attempt's outcome and every retry decision.
    pub interceptors: &'a Interceptors,
    pub view: &'a CallView<'a>,
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

/// Runs attempts until one succeeds or [`decide`] says stop. `attempt` sends once along a route, within
/// the given bound (enforced here unless [`Plan::bounded_by_transport`]).
pub(crate) async fn run<T, F, Fut>(plan: Plan<'_>, mut attempt: F) -> Result<T, Error>
where
    T: Answer,
    F: FnMut(Route, Duration) -> Fut,
    Fut: Future<Output = Attempted<T>>,
{
    let started = Instant::now();
    let deadline = started + plan.policy.deadline;
    let budget = Budget {
        policy: plan.policy,
        retry_safe: plan.retry_safe || plan.policy.retry_unsafe,
        may_correct_clock: !plan.pinned_clock,
    };
    let mut attempts = Attempts::default();
    loop {
        let n = plan.view.next_attempt();
        let route = plan.breaker.map_or(Route::Primary, Breaker::route);
        let t0 = if n == 1 { started } else { Instant::now() };
        let span = attempt_span(n, route.as_str());
        let out = bounded(&plan, &mut attempt, route, deadline.saturating_duration_since(t0))
            .instrument(span.clone())
            .await;
        if let Some(b) = plan.breaker {
            b.record(route, Outcome::of(&out.result));
        }
        let err = match out.result {
            Ok(r) => {
                // The call's outcome is logged once, by the caller; the attempt's span gets its fields.
                span.in_scope(|| tell(&plan, &AttemptView::new(n, r.status().into(), r.request_id(), None, t0)));
                return Ok(r);
            }
            Err(e) => e,
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let decision = decide(&err, out.server_time, attempts, budget, remaining, random_u64());
        span.in_scope(|| {
            log_failure(&err, t0);
            tell(
                &plan,
                &AttemptView::new(n, err.status(), err.request_id(), Some(&err), t0),
            );
            plan.interceptors
                .each(|i| i.on_retry_decision(plan.view, &err, &decision));
        });
        match decision {
            Decision::Return(Stop::NotRetrySafe) => return Err(err.not_resent()),
            Decision::Return(_) => return Err(err),
            Decision::Resign { server_time } => {
                attempts.clock_corrected = true;
                let offset = plan.clock.observe(server_time);
                log_retry(n, Reason::ClockSkew, Duration::ZERO, &err, Some(offset));
            }
            Decision::Retry { delay, reason } => {
                attempts.retries += 1;
                log_retry(n, reason, delay, &err, None);
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// One attempt within `min(req_timeout, remaining)`; a timeout cut short by the call's deadline says so.
async fn bounded<T, F, Fut>(plan: &Plan<'_>, attempt: &mut F, route: Route, remaining: Duration) -> Attempted<T>
where
    F: FnMut(Route, Duration) -> Fut,
    Fut: Future<Output = Attempted<T>>,
{
    let bound = plan.attempt_timeout.min(remaining);
    let by_deadline = bound < plan.attempt_timeout;
    let deadline_exceeded = || Error::timeout(format!("deadline of {:?} for the call exceeded", plan.policy.deadline));
    if plan.bounded_by_transport {
        let mut out = attempt(route, bound).await;
        if by_deadline && matches!(&out.result, Err(e) if e.is_timeout() && !e.is_connect()) {
            out.result = Err(deadline_exceeded());
        }
        return out;
    }
    match tokio::time::timeout(bound, attempt(route, bound)).await {
        Ok(out) => out,
        Err(_) => Attempted {
            result: Err(if by_deadline {
                deadline_exceeded()
            } else {
                Error::timeout(format!("no complete response within {bound:?}"))
            }),
            server_time: None,
        },
    }
}

/// The interceptors' `after_response`.
fn tell(plan: &Plan<'_>, attempt: &AttemptView<'_>) {
    plan.interceptors.each(|i| i.after_response(plan.view, attempt));
}

fn log_failure(err: &Error, t0: Instant) {
    tracing::debug!(
        status = err.status(),
        request_id = err.request_id(),
        code = err.code(),
        latency_ms = t0.elapsed().as_millis() as u64,
        error = %err,
        "attempt failed"
    )
}

/// Every retry at INFO, target `sdk_core::retry`, with its reason and delay.
fn log_retry(n: u32, reason: Reason, delay: Duration, err: &Error, clock_offset: Option<i64>) {
    match clock_offset {
        Some(offset) => tracing::info!(
            target: "sdk_core::retry",
            attempt = n,
            reason = %reason,
            offset_secs = offset,
            delay_ms = 0u64,
            "retrying: local clock is {offset} s off the server's; re-signing"
        ),
        None => tracing::info!(
            target: "sdk_core::retry",
            attempt = n,
            reason = %reason,
            delay_ms = delay.as_millis() as u64,
            error = %err,
            "retrying"
        ),
    }
}
