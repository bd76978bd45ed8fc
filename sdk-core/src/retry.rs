//! Retries: which failures are retried, when, and the attempt loop around sending.
//!
//! # The rule
//!
//! A call is made of attempts. After a failed attempt the client retries (up to
//! [`RetryPolicy::max_attempts`] attempts in all, within [`RetryPolicy::deadline`]) only when re-sending
//! cannot execute the action twice:
//!
//! | failure | retried for |
//! |---|---|
//! | connect error: refused, DNS, TLS handshake, proxy, connect timeout (`Error::is_connect`) — the request was never written | every action |
//! | `RequestLimitExceeded` / `RequestLimitExceeded.*`, HTTP 429 — the service rejected it unexecuted | every action |
//! | `AuthFailure.SignatureExpire` — rejected unexecuted; corrects the clock and re-signs ([`crate::clock`]), once, outside `max_attempts` | every action |
//! | timeout after connecting, reset or cut-off response after sending, HTTP 5xx, `InternalError*` | retry-safe actions only |
//! | anything else: other service errors, 4xx, undecodable bodies, invalid request, credential | never |
//!
//! An action is retry-safe when [`ActionInfo::retry_safe`](crate::ActionInfo::retry_safe) says so: the
//! generator sets it for reads (`Describe*`, `Pull*`, `Get*`, `List*`, `Query*`, `Search*`, `*Statistics`)
//! and for actions taking a `ClientToken` (the request body is serialized once, so every attempt carries the
//! same token and the service de-duplicates). `SendSms`, `SendMultiGlobalSms`, `Add*`, `Modify*`,
//! `Delete*` are not: a message is never sent twice because a response got lost. A caller who accepts that
//! risk opts in with [`RetryPolicy::retry_unsafe`] on a client derived for those calls:
//! `client.with_retry_policy(client.profile().retry_policy.clone().retry_unsafe(true))`.
//!
//! Only a connect-phase error proves the request was not sent; reqwest cannot tell a reset before the
//! first byte from one after, so every other transport error counts as "may have reached the service".
//!
//! # Timing
//!
//! Each attempt is bounded by `HttpProfile::req_timeout` (and its connect phase by
//! `HttpProfile::connect_timeout`), the whole call by [`RetryPolicy::deadline`]. The delay before retry `n`
//! (1, 2, ...) is drawn uniformly from `0..=min(max_backoff, initial_backoff * 2^(n-1))` ("full jitter");
//! a retry whose delay would end past the deadline is not made. Every retry is logged (`tracing` INFO,
//! target `sdk_core::retry`) with its reason, the error and the delay.

use std::time::Duration;

use crate::error::Error;
use crate::token::random_u64;

/// Default [`RetryPolicy::max_attempts`]: the first attempt and two retries.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default [`RetryPolicy::initial_backoff`].
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(200);
/// Default [`RetryPolicy::max_backoff`].
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Default [`RetryPolicy::deadline`]: two full attempts at the default 60 s request timeout.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// When and how often a call is retried (`ClientProfile::retry_policy`). See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry). Default [`DEFAULT_MAX_ATTEMPTS`].
    pub max_attempts: u32,
    /// Upper bound of the first retry's delay. Default [`DEFAULT_INITIAL_BACKOFF`].
    pub initial_backoff: Duration,
    /// Cap on any retry's delay bound. Default [`DEFAULT_MAX_BACKOFF`].
    pub max_backoff: Duration,
    /// Time allowed for the whole call: every attempt and every delay. Default [`DEFAULT_DEADLINE`].
    pub deadline: Duration,
    /// Treat every action as retry-safe, so timeouts, resets, 5xx and `InternalError` are retried even for
    /// `SendSms`: may execute the action twice. Default false.
    pub retry_unsafe: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            deadline: DEFAULT_DEADLINE,
            retry_unsafe: false,
        }
    }
}

impl RetryPolicy {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// One attempt, no retry (the clock-skew correction still applies: it is not a retry of an executed
    /// request).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets [`RetryPolicy::max_attempts`] (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets [`RetryPolicy::initial_backoff`].
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets [`RetryPolicy::max_backoff`].
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Sets [`RetryPolicy::deadline`].
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Sets [`RetryPolicy::retry_unsafe`].
    pub fn retry_unsafe(mut self, yes: bool) -> Self {
        self.retry_unsafe = yes;
        self
    }

    /// The delay bound before retry `n` (1-based): `min(max_backoff, initial_backoff * 2^(n-1))`.
    pub fn backoff_bound(&self, n: u32) -> Duration {
        let factor = 1u32 << n.saturating_sub(1).min(20);
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Why an attempt is retried (logged, given to interceptors, the `retry.reason` of spans and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Connect error: the request was never written.
    NotSent,
    /// [`Error::is_throttling`]: rejected unexecuted.
    Throttled,
    /// A timeout after connecting (retry-safe actions only).
    Timeout,
    /// Reset or cut-off response after sending (retry-safe actions only).
    Transport,
    /// HTTP 5xx without a service error (retry-safe actions only).
    Status(u16),
    /// `InternalError*` (retry-safe actions only).
    InternalError,
    /// `AuthFailure.SignatureExpire`: the clock is corrected and the request re-signed.
    ClockSkew,
}

impl Reason {
    /// A short fixed label (`snake_case`), for metrics and span fields.
    pub fn label(self) -> &'static str {
        match self {
            Reason::NotSent => "not_sent",
            Reason::Throttled => "throttled",
            Reason::Timeout => "timeout",
            Reason::Transport => "transport",
            Reason::Status(_) => "http_5xx",
            Reason::InternalError => "internal_error",
            Reason::ClockSkew => "clock_skew",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NotSent => f.write_str("connect failed, request not sent"),
            Reason::Throttled => f.write_str("throttled"),
            Reason::Timeout => f.write_str("timeout"),
            Reason::Transport => f.write_str("connection failed after sending"),
            Reason::Status(s) => write!(f, "HTTP {s}"),
            Reason::InternalError => f.write_str("internal error"),
            Reason::ClockSkew => f.write_str("clock skew"),
        }
    }
}

/// Whether `e` may be retried, for an action that is (`retry_safe`) or is not safe to re-send.
pub(crate) fn classify(e: &Error, retry_safe: bool) -> Option<Reason> {
    // Never reached the service, or rejected before execution: safe for every action.
    if e.is_connect() {
        return Some(Reason::NotSent);
    }
    if e.is_throttling() {
        return Some(Reason::Throttled);
    }
    if !retry_safe {
        return None;
    }
    if e.is_timeout() {
        Some(Reason::Timeout)
    } else if e.is_transport() {
        Some(Reason::Transport)
    } else if e.is_status() && e.status().is_some_and(|s| s >= 500) {
        e.status().map(Reason::Status)
    } else if e.code().is_some_and(|c| c.starts_with("InternalError")) {
        Some(Reason::InternalError)
    } else {
        None
    }
}

/// What the attempt loop does after a failed attempt: the answer of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Stop and return the error, for this reason.
    Return(Stop),
    /// The service's clock is `server_time` (Unix seconds): learn the offset, re-sign, send again now.
    Resign {
        /// Server time read from the response's `Date` header or the error message.
        server_time: i64,
    },
    /// Send again after `delay`.
    Retry {
        /// The full-jitter delay drawn for this retry.
        delay: Duration,
        /// Why.
        reason: Reason,
    },
}

/// Why the loop stops with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// Not a failure a retry can cure.
    NotRetryable,
    /// Would be retried if the action were safe to repeat: the error says the outcome is unknown
    /// ([`Error::may_have_reached_service`]).
    NotRetrySafe,
    /// [`RetryPolicy::max_attempts`] reached.
    AttemptsExhausted,
    /// The delay would end past [`RetryPolicy::deadline`].
    DeadlineNear,
}

impl Stop {
    /// A short fixed label (`snake_case`).
    pub fn label(self) -> &'static str {
        match self {
            Stop::NotRetryable => "not_retryable",
            Stop::NotRetrySafe => "not_retry_safe",
            Stop::AttemptsExhausted => "attempts_exhausted",
            Stop::DeadlineNear => "deadline",
        }
    }
}

/// The state of one call's attempts, as [`decide`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    /// Retries made so far (clock corrections not counted).
    pub retries: u32,
    /// The clock was corrected once already in this call.
    pub clock_corrected: bool,
}

/// The limits [`decide`] applies: the policy and what is known of the call.
#[derive(Debug, Clone, Copy)]
pub struct Budget<'a> {
    /// The client's policy.
    pub policy: &'a RetryPolicy,
    /// The action may be re-sent after it reached the service (`ActionInfo::retry_safe` or
    /// [`RetryPolicy::retry_unsafe`]).
    pub retry_safe: bool,
    /// A clock correction can help (false when the timestamp is pinned, in golden tests).
    pub may_correct_clock: bool,
}

/// The retry rule of the [module docs](self) as one pure function: after the failed attempt `error`
/// (with `server_time`, the `Date` of its response if any), given the call's `attempts` so far, its
/// `budget`, the time `remaining` until the call's deadline and a `random` draw for the jitter, what to
/// do next. The attempt loop only carries the decision out (timers, logs, breaker, re-signing).
pub fn decide(
    error: &Error,
    server_time: Option<i64>,
    attempts: Attempts,
    budget: Budget<'_>,
    remaining: Duration,
    random: u64,
) -> Decision {
    if error.code() == Some(crate::clock::SIGNATURE_EXPIRE)
        && !attempts.clock_corrected
        && budget.may_correct_clock
        && !remaining.is_zero()
    {
        if let Some(server_time) = server_time.or_else(|| crate::clock::server_time(None, error.message())) {
            return Decision::Resign { server_time };
        }
    }
    let Some(reason) = classify(error, budget.retry_safe) else {
        let unsafe_only = !budget.retry_safe && classify(error, true).is_some();
        return Decision::Return(if unsafe_only {
            Stop::NotRetrySafe
        } else {
            Stop::NotRetryable
        });
    };
    if attempts.retries + 1 >= budget.policy.max_attempts.max(1) {
        return Decision::Return(Stop::AttemptsExhausted);
    }
    let delay = jitter_from(budget.policy.backoff_bound(attempts.retries + 1), random);
    if delay >= remaining {
        return Decision::Return(Stop::DeadlineNear);
    }
    Decision::Retry { delay, reason }
}

/// A uniformly random duration in `0..=bound` ("full jitter"), from the same source as tokens and nonces
/// (one random source for the crate; a system call per retry costs nothing next to the wait). Public for
/// hand-written additions that back off too (`sdk_sms::bulk`).
pub fn jitter(bound: Duration) -> Duration {
    if bound.is_zero() {
        return Duration::ZERO;
    }
    jitter_from(bound, random_u64())
}

/// [`jitter`] with the random draw given: `random` mapped into `0..=bound`.
fn jitter_from(bound: Duration, random: u64) -> Duration {
    let nanos = bound.as_nanos().min(u128::from(u64::MAX)) as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(random % nanos.saturating_add(1))
}

/// The one retry-safe rule (read-only action names, or an input with a `ClientToken`), written once in the
/// dependency-free `tc-rules` crate that the generator uses too: [`is_retry_safe`] for generated actions,
/// [`is_retry_safe_name`] for actions named at run time.
pub use tc_rules::{is_retry_safe, is_retry_safe_name};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let connect = Error::connect("refused");
        let throttled = Error::service("RequestLimitExceeded.UinLimitExceeded", "m", None, 200);
        let internal = Error::service("InternalError", "m", None, 200);
        let timeout = Error::timeout("t");
        let reset = Error::transport("reset");
        let bad_gateway = Error::status_error(502, b"<html>");
        let too_many = Error::status_error(429, b"");
        let business = Error::service("FailedOperation.X", "m", None, 200);
        let decode = Error::decode("not JSON", Some(200), b"x");
        for safe in [false, true] {
            assert_eq!(classify(&connect, safe), Some(Reason::NotSent));
            assert_eq!(classify(&throttled, safe), Some(Reason::Throttled));
            assert_eq!(classify(&too_many, safe), Some(Reason::Throttled));
            assert_eq!(classify(&business, safe), None);
            assert_eq!(classify(&decode, safe), None);
            assert_eq!(classify(&Error::invalid_request("p", "m"), safe), None);
        }
        assert_eq!(classify(&internal, false), None);
        assert_eq!(classify(&timeout, false), None);
        assert_eq!(classify(&reset, false), None);
        assert_eq!(classify(&bad_gateway, false), None);
        assert_eq!(classify(&internal, true), Some(Reason::InternalError));
        assert_eq!(classify(&timeout, true), Some(Reason::Timeout));
        assert_eq!(classify(&reset, true), Some(Reason::Transport));
        assert_eq!(classify(&bad_gateway, true), Some(Reason::Status(502)));
    }

    /// The decision table: one row per (error, attempts, budget, remaining time) case.
    #[test]
    fn decision_table() {
        use Decision::{Resign, Retry, Return};
        let policy = RetryPolicy::new().initial_backoff(Duration::from_millis(100));
        let (safe, unsafe_) = (true, false);
        let expired = || {
            Error::service(
                crate::clock::SIGNATURE_EXPIRE,
                "signature expired; server time 1700000000",
                None,
                200,
            )
        };
        let expired_no_time = Error::service(crate::clock::SIGNATURE_EXPIRE, "expired", None, 200);
        let throttled = || Error::service("RequestLimitExceeded", "m", None, 200);
        let ms = Duration::from_millis;
        let done = |retries| Attempts {
            retries,
            clock_corrected: false,
        };
        let corrected = Attempts {
            retries: 0,
            clock_corrected: true,
        };
        let long = Duration::from_secs(60);
        // (error, server time from Date, attempts, retry-safe, may correct clock, remaining, random, expected)
        type Row = (Error, Option<i64>, Attempts, bool, bool, Duration, u64, Decision);
        #[rustfmt::skip]
        let table: Vec<Row> = vec![
            (Error::connect("refused"), None, done(0), unsafe_, true, long, 50_000_000, Retry { delay: ms(50), reason: Reason::NotSent }),
            (throttled(), None, done(0), unsafe_, true, long, 7, Retry { delay: Duration::from_nanos(7), reason: Reason::Throttled }),
            (Error::status_error(429, b""), None, done(1), unsafe_, true, long, 0, Retry { delay: Duration::ZERO, reason: Reason::Throttled }),
            // The second retry's bound is 200 ms: a draw of 250 ms wraps into it.
            (throttled(), None, done(1), unsafe_, true, long, 250_000_000, Retry { delay: ms(250) - ms(200) - Duration::from_nanos(1), reason: Reason::Throttled }),
            (throttled(), None, done(2), unsafe_, true, long, 0, Return(Stop::AttemptsExhausted)),
            (throttled(), None, done(0), unsafe_, true, ms(10), 50_000_000, Return(Stop::DeadlineNear)),
            (Error::timeout("t"), None, done(0), unsafe_, true, long, 0, Return(Stop::NotRetrySafe)),
            (Error::timeout("t"), None, done(0), safe, true, long, 0, Retry { delay: Duration::ZERO, reason: Reason::Timeout }),
            (Error::transport("reset"), None, done(0), safe, true, long, 0, Retry { delay: Duration::ZERO, reason: Reason::Transport }),
            (Error::status_error(503, b""), None, done(0), safe, true, long, 0, Retry { delay: Duration::ZERO, reason: Reason::Status(503) }),
            (Error::status_error(503, b""), None, done(0), unsafe_, true, long, 0, Return(Stop::NotRetrySafe)),
            (Error::service("InternalError", "m", None, 200), None, done(0), safe, true, long, 0, Retry { delay: Duration::ZERO, reason: Reason::InternalError }),
            (Error::service("FailedOperation.X", "m", None, 200), None, done(0), safe, true, long, 0, Return(Stop::NotRetryable)),
            (Error::invalid_request("p", "m"), None, done(0), safe, true, long, 0, Return(Stop::NotRetryable)),
            (expired(), None, done(0), unsafe_, true, long, 0, Resign { server_time: 1_700_000_000 }),
            (expired(), Some(42), done(2), unsafe_, true, long, 0, Resign { server_time: 42 }),
            (expired(), None, corrected, unsafe_, true, long, 0, Return(Stop::NotRetryable)),
            (expired(), None, done(0), unsafe_, false, long, 0, Return(Stop::NotRetryable)),
            (expired(), None, done(0), unsafe_, true, Duration::ZERO, 0, Return(Stop::NotRetryable)),
            (expired_no_time, None, done(0), safe, true, long, 0, Return(Stop::NotRetryable)),
        ];
        for (i, (error, server_time, attempts, retry_safe, may_correct_clock, remaining, random, expected)) in
            table.into_iter().enumerate()
        {
            let budget = Budget {
                policy: &policy,
                retry_safe,
                may_correct_clock,
            };
            let got = decide(&error, server_time, attempts, budget, remaining, random);
            assert_eq!(got, expected, "row {i}: {error}");
        }
    }

    #[test]
    fn throttling_predicate() {
        assert!(Error::service("RequestLimitExceeded.UinLimitExceeded", "m", None, 200).is_throttling());
        assert!(Error::status_error(429, b"slow down").is_throttling());
        assert!(!Error::status_error(503, b"").is_throttling());
        assert!(!Error::service("LimitExceeded", "m", None, 200).is_throttling());
        assert!(!Error::timeout("t").is_throttling());
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let p = RetryPolicy::new();
        assert_eq!(p.backoff_bound(1), Duration::from_millis(200));
        assert_eq!(p.backoff_bound(2), Duration::from_millis(400));
        assert_eq!(p.backoff_bound(10), Duration::from_secs(5));
        assert_eq!(p.backoff_bound(u32::MAX), Duration::from_secs(5));
        let mut distinct = std::collections::HashSet::new();
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(100));
            assert!(d <= Duration::from_millis(100));
            distinct.insert(d);
        }
        assert!(distinct.len() > 50);
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
        assert_eq!(RetryPolicy::none().max_attempts, 1);
    }

    #[test]
    fn names() {
        assert!(is_retry_safe_name("DescribeSmsSignList"));
        assert!(is_retry_safe_name("SendStatusStatistics"));
        assert!(!is_retry_safe_name("SendSms"));
        assert!(!is_retry_safe_name("AddSmsSign"));
    }
}
