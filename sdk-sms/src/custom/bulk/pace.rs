//! Pacing shared by every request of a campaign: the configured rate limit, and one backoff that throttling
//! puts on the whole sender rather than on the request that saw it.
//!
//! Each request takes the next free slot before it is sent: slots are at least the rate limit's interval
//! apart and, while throttled, at least the slowdown interval of the current level apart. A throttling
//! answer raises the level by one (once per "generation": requests already in flight that were scheduled
//! before the last raise do not raise it again) and pushes the next slot out by a pause drawn from
//! `[bound / 2, bound]`, `bound = min(max_pause, base_pause * 2^(level - 1))`. Every `recover_after`
//! successes in a row lower the level by one, so the sender speeds back up step by step.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub use sdk_core::retry::jitter;

use super::ThrottlePolicy;

/// Highest slowdown level: pauses stop doubling well before this with the default policy.
const MAX_LEVEL: u32 = 16;

pub struct Pace {
    state: Mutex<State>,
    min_interval: Duration,
    policy: ThrottlePolicy,
}

struct State {
    next_slot: Instant,
    level: u32,
    max_level: u32,
    generation: u64,
    successes: u32,
}

/// The generation a request was scheduled in (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    generation: u64,
}

impl Pace {
    /// `rate_limit`: requests per second across the campaign, `None` for no limit.
    pub fn new(rate_limit: Option<f64>, policy: ThrottlePolicy) -> Pace {
        let min_interval = rate_limit
            .filter(|r| r.is_finite() && *r > 0.0)
            .map_or(Duration::ZERO, |r| Duration::from_secs_f64(1.0 / r));
        Pace {
            state: Mutex::new(State {
                next_slot: Instant::now(),
                level: 0,
                max_level: 0,
                generation: 0,
                successes: 0,
            }),
            min_interval,
            policy,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this request's slot.
    pub async fn turn(&self) -> Ticket {
        let now = Instant::now();
        let (slot, ticket) = {
            let mut st = self.lock();
            let slot = st.next_slot.max(now);
            st.next_slot = slot + self.interval(st.level);
            (
                slot,
                Ticket {
                    generation: st.generation,
                },
            )
        };
        // A slot that is due now is not slept for: tokio's timer rounds deadlines up to its next millisecond
        // tick, so sleeping until "now" held every request of an unlimited campaign up to 1-2 ms.
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
        ticket
    }

    fn interval(&self, level: u32) -> Duration {
        if level == 0 {
            return self.min_interval;
        }
        let slow = self.policy.slow_interval.saturating_mul(1 << (level - 1).min(20));
        self.min_interval.max(slow.min(self.policy.max_pause))
    }

    /// A request was throttled: slow everyone down. Returns the pause and the new level.
    pub fn throttled(&self, ticket: Ticket) -> (Duration, u32) {
        let mut st = self.lock();
        st.successes = 0;
        if ticket.generation == st.generation {
            st.generation += 1;
            st.level = (st.level + 1).min(MAX_LEVEL);
            st.max_level = st.max_level.max(st.level);
        }
        let bound = self
            .policy
            .base_pause
            .saturating_mul(1 << (st.level.max(1) - 1).min(20))
            .min(self.policy.max_pause);
        let pause = bound / 2 + jitter(bound / 2);
        st.next_slot = st.next_slot.max(Instant::now() + pause);
        (pause, st.level)
    }

    /// A request was answered without throttling.
    pub fn succeeded(&self) {
        let mut st = self.lock();
        if st.level == 0 {
            return;
        }
        st.successes += 1;
        if st.successes >= self.policy.recover_after.max(1) {
            st.successes = 0;
            st.level -= 1;
        }
    }

    /// The current slowdown level (0: full speed).
    pub fn level(&self) -> u32 {
        self.lock().level
    }

    /// The highest level reached so far.
    pub fn max_level(&self) -> u32 {
        self.lock().max_level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            base_pause: Duration::from_millis(100),
            max_pause: Duration::from_secs(1),
            slow_interval: Duration::from_millis(10),
            recover_after: 2,
        }
    }

    #[tokio::test]
    async fn one_throttle_per_generation_raises_the_level_and_successes_lower_it() {
        let pace = Pace::new(None, policy());
        let a = pace.turn().await;
        let b = pace.turn().await;
        let (pause, level) = pace.throttled(a);
        assert_eq!(level, 1);
        assert!(pause >= Duration::from_millis(50) && pause <= Duration::from_millis(100));
        // b was scheduled before the raise: the same congestion, not a new signal.
        assert_eq!(pace.throttled(b).1, 1);
        let c = pace.turn().await;
        assert_eq!(pace.throttled(c).1, 2);
        for _ in 0..4 {
            pace.succeeded();
        }
        assert_eq!((pace.level(), pace.max_level()), (0, 2));
    }

    #[tokio::test]
    async fn a_slot_that_is_due_now_is_taken_without_waiting_for_the_timer() {
        use futures_util::FutureExt;
        let pace = Pace::new(None, policy());
        for _ in 0..100 {
            // Ready on the first poll: no timer registered, not even the one for the next millisecond.
            assert!(
                pace.turn().now_or_never().is_some(),
                "an unlimited pace made a request wait"
            );
        }
    }

    #[tokio::test]
    async fn slots_are_at_least_the_rate_limits_interval_apart() {
        let pace = Pace::new(Some(100.0), policy());
        let started = Instant::now();
        for _ in 0..6 {
            pace.turn().await;
        }
        // Six slots at 10 ms spacing: the last is at least 50 ms after the first (a lower bound only).
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn intervals_grow_with_the_level_and_respect_the_rate_limit() {
        let pace = Pace::new(Some(50.0), policy());
        assert_eq!(pace.interval(0), Duration::from_millis(20));
        assert_eq!(pace.interval(1), Duration::from_millis(20));
        assert_eq!(pace.interval(3), Duration::from_millis(40));
        assert_eq!(pace.interval(12), Duration::from_secs(1));
    }
}
