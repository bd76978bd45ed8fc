//! The cache shared by the providers of temporary credentials (CVM role, STS, OIDC).
//!
//! Rules:
//! - a cached credential is *fresh* until `expires_at - margin`; fresh ones are returned without I/O;
//! - a *stale* one (within the margin, not yet expired) is still usable: exactly one caller refreshes
//!   while every concurrent caller keeps using the cached one without waiting;
//! - with nothing usable (first call, or expired), callers queue on one lock; the first one fetches and
//!   all who waited share the outcome of that fetch (one request, however many callers);
//! - a failed refresh while the cached credential is still valid logs a `tracing::warn!` and keeps using
//!   it, retrying at most every [`RETRY_AFTER_FAILURE`]; once expired, a failure is an error with the cause;
//! - a credential the service just issued is used by the call(s) that fetched it even if the local clock
//!   says it has already expired (clock skew); later calls refresh.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Credential, Unavailable};
use crate::Error;

/// Default time before expiry at which a temporary credential is refreshed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// After a failed refresh, a still-valid cached credential is used without retrying for this long.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

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
    at: Instant,
    not_configured: bool,
    message: String,
}

#[derive(Default)]
struct State {
    current: Option<Arc<Expiring>>,
    /// Incremented by every fetch attempt, so queued callers can tell that one happened while they waited.
    generation: u64,
    /// Outcome of the last attempt when it failed.
    last_failure: Option<Failure>,
}

pub(crate) struct Cache {
    /// Provider name for messages, e.g. `CVM role`.
    name: &'static str,
    margin: Duration,
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
            state: Mutex::default(),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn set_margin(&mut self, margin: Duration) {
        self.margin = margin;
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
        let (current, generation, failed_recently) = {
            let s = self.lock();
            let recent = s
                .last_failure
                .as_ref()
                .is_some_and(|f| f.at.elapsed() < RETRY_AFTER_FAILURE);
            (s.current.clone(), s.generation, recent)
        };
        if let Some(c) = &current {
            if now + self.margin < c.expires_at {
                return Ok(c.credential.clone());
            }
            if now < c.expires_at {
                // Stale but valid: never make a caller wait for the refresh.
                if failed_recently {
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
                        let error = Error::credential(f.message.clone());
                        return Err(if f.not_configured {
                            Unavailable::not_configured_error(error)
                        } else {
                            Unavailable::broken(error)
                        });
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
                    secret_id = %super::id_hint(new.credential.secret_id()),
                    expires_at_unix = unix(new.expires_at),
                    "fetched temporary credential"
                );
                let credential = new.credential.clone();
                s.current = Some(Arc::new(new));
                s.last_failure = None;
                Ok(credential)
            }
            Err(failure) => {
                let message = super::message_of(&failure.error);
                s.last_failure = Some(Failure {
                    at: Instant::now(),
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
