//! The wait of a latency fault, to a fraction of a millisecond.
//!
//! tokio's timer rounds every deadline up to its next millisecond tick and parks its driver in whole
//! milliseconds, so `tokio::time::sleep(20 ms)` answered after 21.6 ms on average here (2,000 requests at
//! concurrency 1): a configured 20 ms latency was 8 % slower than said, and every benchmark that takes
//! `concurrency / latency` as its bound measured the emulator's timer as well as the client.
//!
//! One process-wide thread keeps the pending deadlines in a heap and waits on a condition variable (a futex
//! with a nanosecond timeout) until the earliest one, then wakes its task. A wait that is dropped before its
//! deadline stays in the heap until then: the heap holds at most the requests in flight, each for at most
//! its fault's delay. Should the thread fail to start, waits fall back to tokio's timer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Waits `delay` from now.
pub(crate) async fn wait(delay: Duration) {
    let deadline = Instant::now() + delay;
    match timer() {
        Some(timer) => {
            Wait {
                timer,
                deadline,
                entry: None,
            }
            .await
        }
        None => tokio::time::sleep_until(deadline.into()).await,
    }
}

/// The timer thread's shared state; `None` when the thread could not be started.
fn timer() -> Option<&'static Timer> {
    static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
    *TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::default());
        std::thread::Builder::new()
            .name("tc-emulator-latency".into())
            .spawn(move || timer.run())
            .ok()
            .map(|_| timer)
    })
}

#[derive(Default)]
struct Timer {
    due: Mutex<BinaryHeap<Reverse<Due>>>,
    changed: Condvar,
}

/// One pending deadline; ordered by deadline, then by registration.
struct Due {
    deadline: Instant,
    seq: u64,
    entry: Arc<Entry>,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// What a wait and the thread share: whether the deadline passed, and whom to wake.
#[derive(Default)]
struct Entry {
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Entry {
    fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        if let Some(waker) = lock(&self.waker).take() {
            waker.wake();
        }
    }
}

/// Wakes the waits whose deadline is `now` or earlier; how long until the next one.
fn fire_due(due: &mut BinaryHeap<Reverse<Due>>, now: Instant) -> Option<Duration> {
    while due.peek().is_some_and(|d| d.0.deadline <= now) {
        let Reverse(d) = due.pop().expect("peeked");
        d.entry.fire();
    }
    due.peek().map(|d| d.0.deadline - now)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Timer {
    fn run(&self) {
        let mut due = lock(&self.due);
        loop {
            due = match fire_due(&mut due, Instant::now()) {
                Some(left) => {
                    self.changed
                        .wait_timeout(due, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.changed.wait(due).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }

    fn add(&self, deadline: Instant, entry: Arc<Entry>) {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let mut due = lock(&self.due);
        let earliest = due.peek().is_none_or(|d| deadline < d.0.deadline);
        due.push(Reverse(Due { deadline, seq, entry }));
        drop(due);
        if earliest {
            self.changed.notify_one();
        }
    }
}

struct Wait {
    timer: &'static Timer,
    deadline: Instant,
    entry: Option<Arc<Entry>>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        match &self.entry {
            Some(entry) => {
                *lock(&entry.waker) = Some(cx.waker().clone());
                // Fired between the check above and storing the waker: nobody would wake us.
                if entry.fired.load(Ordering::Acquire) {
                    return Poll::Ready(());
                }
            }
            None => {
                let entry = Arc::new(Entry {
                    fired: AtomicBool::new(false),
                    waker: Mutex::new(Some(cx.waker().clone())),
                });
                self.entry = Some(entry.clone());
                self.timer.add(self.deadline, entry);
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_waits_are_fired_and_the_next_deadline_is_waited_for() {
        let start = Instant::now();
        let mut due = BinaryHeap::new();
        let entries: Vec<Arc<Entry>> = (0..3).map(|_| Arc::default()).collect();
        for (seq, (ms, entry)) in [30u64, 10, 20].into_iter().zip(&entries).enumerate() {
            let deadline = start + Duration::from_millis(ms);
            due.push(Reverse(Due {
                deadline,
                seq: seq as u64,
                entry: entry.clone(),
            }));
        }
        let fired = |entries: &[Arc<Entry>]| {
            entries
                .iter()
                .map(|e| e.fired.load(Ordering::Acquire))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fire_due(&mut due, start + Duration::from_millis(15)),
            Some(Duration::from_millis(5))
        );
        assert_eq!(fired(&entries), [false, true, false]);
        assert_eq!(fire_due(&mut due, start + Duration::from_millis(30)), None);
        assert_eq!(fired(&entries), [true, true, true]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_waits_all_end_and_none_early() {
        let waits = (1..=30u64).rev().map(|ms| {
            tokio::spawn(async move {
                let asked = Duration::from_millis(ms * 3);
                let from = Instant::now();
                wait(asked).await;
                (asked, from.elapsed())
            })
        });
        for wait in waits.collect::<Vec<_>>() {
            let (asked, took) = wait.await.expect("wait task");
            assert!(took >= asked, "a {asked:?} wait ended after {took:?}");
        }
    }

    #[tokio::test]
    async fn a_dropped_wait_leaves_the_timer_working() {
        let dropped = tokio::time::timeout(Duration::from_millis(1), wait(Duration::from_millis(200))).await;
        assert!(dropped.is_err(), "a 200 ms wait ended within 1 ms");
        let from = Instant::now();
        wait(Duration::from_millis(5)).await;
        assert!(from.elapsed() >= Duration::from_millis(5));
    }
}
