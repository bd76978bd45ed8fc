//! Region failover: a circuit breaker that sends requests to a backup endpoint while the primary one fails.
//!
//! Modeled on the official SDKs' `RegionBreakerProfile`, off by default. Per client (shared by clones):
//!
//! * **closed** — requests go to the primary endpoint; outcomes are counted in a window of
//!   [`RegionBreakerProfile::window`]. When the window holds at least [`max_fail_num`] failures and they
//!   are at least [`max_fail_percent`] % of its requests, the breaker opens.
//! * **open** — requests go to the backup endpoint (`<product>.ap-guangzhou.tencentcloudapi.com`, or
//!   [`RegionBreakerProfile::backup_endpoint`]) for [`RegionBreakerProfile::open_timeout`].
//! * **half-open** — then one request at a time probes the primary (the others keep using the backup); a
//!   probe that succeeds closes the breaker, one that fails opens it again.
//!
//! A failure is an answer that says the region is unhealthy: a transport error (connect, timeout, reset), an
//! HTTP 5xx status, an undecodable body or an `InternalError*` code. Any other answer — success, throttling,
//! a business error — shows the region is up. Requests that never left the client (invalid parameters,
//! missing credential) count for nothing, and neither do requests sent to the backup.
//!
//! The breaker only chooses the endpoint: the caller always gets the result of the request it made,
//! including the backup's error when the backup fails too.
//!
//! [`max_fail_num`]: RegionBreakerProfile::max_fail_num
//! [`max_fail_percent`]: RegionBreakerProfile::max_fail_percent

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;

/// Settings of the region breaker (`ClientProfile::region_breaker`, `None` = off, the default).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegionBreakerProfile {
    /// Backup endpoint, in the same forms as `HttpProfile::endpoint`. Default `None`:
    /// `<product>.ap-guangzhou.tencentcloudapi.com` with the profile's scheme.
    pub backup_endpoint: Option<String>,
    /// Failures in a window needed to open. Default 5.
    pub max_fail_num: u32,
    /// Share of failed requests in the window needed to open, in percent (0..=100). Default 75.
    pub max_fail_percent: u8,
    /// Length of the counting window. Default 5 minutes.
    pub window: Duration,
    /// How long the breaker stays open before probing the primary again. Default 60 s.
    pub open_timeout: Duration,
}

/// The backup region used when [`RegionBreakerProfile::backup_endpoint`] is not set.
pub const DEFAULT_BACKUP_REGION: &str = "ap-guangzhou";

impl Default for RegionBreakerProfile {
    fn default() -> Self {
        RegionBreakerProfile {
            backup_endpoint: None,
            max_fail_num: 5,
            max_fail_percent: 75,
            window: Duration::from_secs(300),
            open_timeout: Duration::from_secs(60),
        }
    }
}

impl RegionBreakerProfile {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`RegionBreakerProfile::backup_endpoint`].
    pub fn backup_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.backup_endpoint = Some(endpoint.into());
        self
    }

    /// Sets [`RegionBreakerProfile::max_fail_num`].
    pub fn max_fail_num(mut self, n: u32) -> Self {
        self.max_fail_num = n;
        self
    }

    /// Sets [`RegionBreakerProfile::max_fail_percent`] (clamped to 100).
    pub fn max_fail_percent(mut self, percent: u8) -> Self {
        self.max_fail_percent = percent.min(100);
        self
    }

    /// Sets [`RegionBreakerProfile::window`].
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets [`RegionBreakerProfile::open_timeout`].
    pub fn open_timeout(mut self, timeout: Duration) -> Self {
        self.open_timeout = timeout;
        self
    }
}

/// Where one attempt goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// The primary endpoint, breaker closed (or no breaker).
    Primary,
    /// The primary endpoint as the half-open probe.
    Probe,
    /// The backup endpoint, breaker open.
    Backup,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Primary => "primary",
            Route::Probe => "probe",
            Route::Backup => "backup",
        }
    }
}

/// How an attempt's result counts for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    /// Never reached the network.
    Ignored,
}

impl Outcome {
    pub fn of<T>(result: &Result<T, Error>) -> Outcome {
        let Err(e) = result else {
            return Outcome::Success;
        };
        let unhealthy = e.is_transport()
            || e.is_decode()
            || (e.is_status() && e.status().is_some_and(|s| s >= 500))
            || e.code().is_some_and(|c| c.starts_with("InternalError"));
        if e.is_invalid_request() || e.is_credential() {
            Outcome::Ignored
        } else if unhealthy {
            Outcome::Failure
        } else {
            Outcome::Success
        }
    }
}

#[derive(Debug)]
enum State {
    Closed {
        window_start: Instant,
        requests: u32,
        failures: u32,
    },
    Open {
        since: Instant,
    },
    HalfOpen {
        /// When the probe in flight was sent; `None` when no probe is in flight.
        probe_since: Option<Instant>,
    },
}

/// The breaker of one client.
#[derive(Debug)]
pub(crate) struct Breaker {
    profile: RegionBreakerProfile,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(profile: RegionBreakerProfile) -> Breaker {
        Breaker {
            profile,
            state: Mutex::new(State::Closed {
                window_start: Instant::now(),
                requests: 0,
                failures: 0,
            }),
        }
    }

    /// Chooses the endpoint of the next attempt.
    pub fn route(&self) -> Route {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *state {
            State::Closed { .. } => Route::Primary,
            State::Open { since } => {
                if now.duration_since(*since) < self.profile.open_timeout {
                    return Route::Backup;
                }
                tracing::info!(target: "sdk_core::breaker", "region breaker half-open: probing the primary endpoint");
                *state = State::HalfOpen { probe_since: Some(now) };
                Route::Probe
            }
            State::HalfOpen { probe_since } => match probe_since {
                // A probe whose future was dropped never reports: after `open_timeout` allow another one.
                Some(t) if now.duration_since(*t) < self.profile.open_timeout => Route::Backup,
                _ => {
                    *probe_since = Some(now);
                    Route::Probe
                }
            },
        }
    }

    /// Records the outcome of an attempt sent along `route`.
    pub fn record(&self, route: Route, outcome: Outcome) {
        if outcome == Outcome::Ignored || route == Route::Backup {
            if route == Route::Probe {
                // The probe did not reach the network: let the next request probe.
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                if let State::HalfOpen { probe_since } = &mut *state {
                    *probe_since = None;
                }
            }
            return;
        }
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match (&mut *state, route) {
            (State::HalfOpen { .. }, Route::Probe) => {
                if outcome == Outcome::Success {
                    tracing::info!(target: "sdk_core::breaker", "region breaker closed: the primary endpoint answered the probe");
                    *state = State::Closed {
                        window_start: now,
                        requests: 0,
                        failures: 0,
                    };
                } else {
                    tracing::warn!(target: "sdk_core::breaker", "region breaker open again: the probe of the primary endpoint failed");
                    *state = State::Open { since: now };
                }
            }
            (
                State::Closed {
                    window_start,
                    requests,
                    failures,
                },
                Route::Primary,
            ) => {
                if now.duration_since(*window_start) >= self.profile.window {
                    *window_start = now;
                    *requests = 0;
                    *failures = 0;
                }
                *requests += 1;
                if outcome == Outcome::Failure {
                    *failures += 1;
                }
                let percent = u64::from(*failures) * 100 / u64::from((*requests).max(1));
                if *failures >= self.profile.max_fail_num.max(1) && percent >= u64::from(self.profile.max_fail_percent)
                {
                    tracing::warn!(
                        target: "sdk_core::breaker",
                        failures = *failures,
                        requests = *requests,
                        open_ms = self.profile.open_timeout.as_millis() as u64,
                        "region breaker open: sending requests to the backup endpoint"
                    );
                    *state = State::Open { since: now };
                }
            }
            // Late results of attempts routed before a state change: ignore.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail() -> Result<(), Error> {
        Err(Error::connect("refused"))
    }

    #[test]
    fn outcomes() {
        assert_eq!(Outcome::of(&Ok::<(), Error>(())), Outcome::Success);
        assert_eq!(Outcome::of(&fail()), Outcome::Failure);
        assert_eq!(
            Outcome::of(&Err::<(), _>(Error::status_error(502, b"<html>"))),
            Outcome::Failure
        );
        assert_eq!(
            Outcome::of(&Err::<(), _>(Error::status_error(404, b"<html>"))),
            Outcome::Success
        );
        assert_eq!(
            Outcome::of(&Err::<(), _>(Error::service("InternalError.X", "m", None, 200))),
            Outcome::Failure
        );
        assert_eq!(
            Outcome::of(&Err::<(), _>(Error::service("RequestLimitExceeded", "m", None, 200))),
            Outcome::Success
        );
        assert_eq!(
            Outcome::of(&Err::<(), _>(Error::invalid_request("p", "m"))),
            Outcome::Ignored
        );
    }

    #[test]
    fn opens_probes_and_closes() {
        let b = Breaker::new(
            RegionBreakerProfile::new()
                .max_fail_num(2)
                .max_fail_percent(50)
                .open_timeout(Duration::from_millis(30)),
        );
        assert_eq!(b.route(), Route::Primary);
        b.record(Route::Primary, Outcome::Success);
        b.record(Route::Primary, Outcome::Failure);
        assert_eq!(b.route(), Route::Primary);
        b.record(Route::Primary, Outcome::Failure);
        // 2 failures of 3 requests (66 % >= 50 %): open.
        assert_eq!(b.route(), Route::Backup);
        b.record(Route::Backup, Outcome::Failure);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.route(), Route::Probe);
        assert_eq!(b.route(), Route::Backup, "one probe at a time");
        b.record(Route::Probe, Outcome::Failure);
        assert_eq!(b.route(), Route::Backup);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(b.route(), Route::Probe);
        b.record(Route::Probe, Outcome::Success);
        assert_eq!(b.route(), Route::Primary);
    }

    #[test]
    fn rate_below_threshold_stays_closed() {
        let b = Breaker::new(RegionBreakerProfile::new().max_fail_num(2));
        for _ in 0..10 {
            b.record(Route::Primary, Outcome::Success);
        }
        b.record(Route::Primary, Outcome::Failure);
        b.record(Route::Primary, Outcome::Failure);
        assert_eq!(b.route(), Route::Primary);
    }
}
