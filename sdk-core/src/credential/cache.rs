//! The cache shared by the providers of temporary credentials (CVM role, STS, OIDC).
//!
//! Rules:
//! - a cached credential is *fresh* until `expires_at - margin`; fresh ones are returned without I/O;
//! - a *stale* one (within the margin, not yet expired) is still usable: exactly one caller refreshes
//!   while every concurrent caller keeps using the cached one without waiting;
//! - with nothing usable (first call, or expired), callers queue on one lock; the first one fetches and
//!   all who waited share the outcome of that fetch (one request, however many callers);
//! - a failed refresh while the cached credential is still valid logs a `tracing::warn!` and keeps using
//!   it; once expired, a failure is an error with the cause;
//! - **a floor on refreshes**: a credential fetched less than [`MIN_REFRESH_INTERVAL`] ago is used whatever
//!   its `ExpiredTime` says (in the past, or inside the margin: a short `DurationSeconds`, a fast local
//!   clock), so no expiry value can make every call fetch again;
//! - **a shared backoff while the source fails**: after a failed attempt the next one is allowed only after
//!   a backoff (1 s doubling to 60 s, each cut to a random ½–1 of itself), shared by all callers; meanwhile
//!   callers get the cached credential while it is valid, or at once the error of the last attempt (nothing
//!   is sent). An attempt is one request (STS fetches run without the client's retry policy): a failing
//!   source sees at most 3 requests in the first 2 s, however many callers (issue 26, finding 11).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Credential, Unavailable};
use crate::error::Error;

/// Default time before expiry at which a temporary credential is refreshed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// A freshly fetched credential is not fetched again for this long, whatever its expiry says.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// First wait after a failed fetch; it doubles with each consecutive failure up to [`MAX_FAILURE_BACKOFF`].
pub const FIRST_FAILURE_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait between attempts while the source keeps failing.
pub const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(60);

/// The wait after `failures` consecutive failures: exponential, capped, with jitter in [½, 1] of it so
/// many processes failing together do not retry in step.
fn failure_backoff(failures: u32) -> Duration {
    let exp = FIRST_FAILURE_BACKOFF.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let full = exp.min(MAX_FAILURE_BACKOFF);
    // The same random source as retry jitter and tokens (crate::token).
    let jitter = (crate::token::random_u64() % 1000) as f64 / 2000.0; // 0 ..= 0.4995
    full.mul_f64(0.5 + jitter)
}

/// A fetched temporary credential and when it expires.
pub(crate) struct Expiring {
    pub(crate) credential: Credential,
    pub(crate) expires_at: SystemTime,
}

impl Expiring {
    /// `expired_time` is the services' `ExpiredTime`, unix seconds.
    pub(crate) fn at_unix(credential: Credential, expired_time: i64) -> Expiring {
        Expiring {
            credential,
            expires_at: UNIX_EPOCH + Duration::from_secs(expired_time.max(0) as u64),
        }
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

struct Failure {
    /// No new attempt before this instant.
    retry_at: Instant,
    not_configured: bool,
    message: String,
}

impl Failure {
    fn to_unavailable(&self) -> Unavailable {
        let error = Error::credential(self.message.clone());
        if self.not_configured {
            Unavailable::not_configured_error(error)
        } else {
            Unavailable::broken(error)
        }
    }
}

#[derive(Default)]
struct State {
    current: Option<Arc<Expiring>>,
    /// Incremented by every fetch attempt, so queued callers can tell that one happened while they waited.
    generation: u64,
    /// Outcome of the last attempt when it failed.
    last_failure: Option<Failure>,
    /// Failed attempts since the last success.
    failures: u32,
    /// When `current` was fetched.
    fetched_at: Option<Instant>,
}

pub(crate) struct Cache {
    /// Provider name for messages, e.g. `CVM role`.
    name: &'static str,
    margin: Duration,
    min_refresh_interval: Duration,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expires = self.lock().current.as_ref().map(|c| unix(c.expires_at));
        f.debug_struct("Cache")
            .field("refresh_margin", &self.margin)
            .field("cached_expires_at_unix", &expires)
            .finish()
    }
}

impl Cache {
    pub(crate) fn new(name: &'static str) -> Cache {
        Cache {
            name,
            margin: DEFAULT_REFRESH_MARGIN,
            min_refresh_interval: MIN_REFRESH_INTERVAL,
            state: Mutex::default(),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn set_margin(&mut self, margin: Duration) {
        self.margin = margin;
    }

    pub(crate) fn set_min_refresh_interval(&mut self, interval: Duration) {
        self.min_refresh_interval = interval;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is always consistent between statements; a panic elsewhere must not poison credentials.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached credential, refreshed with `fetch` when needed.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Credential, Unavailable>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Expiring, Unavailable>>,
    {
        let now = SystemTime::now();
        let (current, generation, backing_off, just_fetched) = {
            let s = self.lock();
            let backing_off = s.last_failure.as_ref().is_some_and(|f| Instant::now() < f.retry_at);
            if backing_off && s.current.as_ref().is_none_or(|c| now >= c.expires_at) {
                // The source failed a moment ago and nothing valid is cached: say so without sending.
                return Err(s.last_failure.as_ref().expect("checked above").to_unavailable());
            }
            let just_fetched = s.fetched_at.is_some_and(|t| t.elapsed() < self.min_refresh_interval);
            (s.current.clone(), s.generation, backing_off, just_fetched)
        };
        if let Some(c) = &current {
            if now + self.margin < c.expires_at || (just_fetched && !backing_off) {
                // Fresh, or issued moments ago: the floor on refreshes, whatever ExpiredTime says.
                return Ok(c.credential.clone());
            }
            if now < c.expires_at {
                // Stale but valid: never make a caller wait for the refresh.
                if backing_off {
                    return Ok(c.credential.clone());
                }
                let Ok(_guard) = self.refresh.try_lock() else {
                    return Ok(c.credential.clone());
                };
                if self.lock().generation != generation {
                    // Someone refreshed between our look and the lock; take whatever is there now.
                    let s = self.lock();
                    let c = s.current.as_ref().unwrap_or(c);
                    return Ok(c.credential.clone());
                }
                return self.refresh(fetch, Some(c.clone())).await;
            }
        }
        let _guard = self.refresh.lock().await;
        {
            let s = self.lock();
            if s.generation != generation {
                // An attempt finished while we waited: share its outcome instead of sending another request.
                match &s.last_failure {
                    None => {
                        if let Some(c) = &s.current {
                            return Ok(c.credential.clone());
                        }
                    }
                    Some(f) => {
                        if let Some(c) = s.current.as_ref().filter(|c| SystemTime::now() < c.expires_at) {
                            return Ok(c.credential.clone());
                        }
                        return Err(f.to_unavailable());
                    }
                }
            }
        }
        self.refresh(fetch, current).await
    }

    /// Runs one fetch with the refresh lock held.
    async fn refresh<F, Fut>(&self, fetch: F, old: Option<Arc<Expiring>>) -> Result<Credential, Unavailable>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Expiring, Unavailable>>,
    {
        let outcome = fetch().await;
        let mut s = self.lock();
        s.generation += 1;
        match outcome {
            Ok(new) => {
                tracing::debug!(
                    provider = self.name,
                    secret_id = %crate::identity::id_hint(new.credential.secret_id()),
                    expires_at_unix = unix(new.expires_at),
                    "fetched temporary credential"
                );
                let credential = new.credential.clone();
                s.current = Some(Arc::new(new));
                s.fetched_at = Some(Instant::now());
                s.last_failure = None;
                s.failures = 0;
                Ok(credential)
            }
            Err(failure) => {
                let message = super::message_of(&failure.error);
                s.failures = s.failures.saturating_add(1);
                s.last_failure = Some(Failure {
                    retry_at: Instant::now() + failure_backoff(s.failures),
                    not_configured: failure.not_configured,
                    message: message.clone(),
                });
                let now = SystemTime::now();
                match old {
                    Some(old) if now < old.expires_at => {
                        tracing::warn!(
                            provider = self.name,
                            error = %message,
                            expires_in_s = old.expires_at.duration_since(now).map_or(0, |d| d.as_secs()),
                            "refreshing temporary credential failed; using the cached one until it expires"
                        );
                        Ok(old.credential.clone())
                    }
                    Some(old) => {
                        let text = format!(
                            "{}: the cached temporary credential expired at {} (unix) and refreshing it failed: {message}",
                            self.name,
                            unix(old.expires_at)
                        );
                        s.last_failure.as_mut().expect("set above").message = text.clone();
                        Err(Unavailable::broken(Error::credential_with_source(text, failure.error)))
                    }
                    None => Err(failure),
                }
            }
        }
    }
}
