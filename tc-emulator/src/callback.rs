//! SMS status reports pushed to a callback URL, as Tencent SMS's "Sending Status Notification" does.
//!
//! Configured with [`StatusCallback`] ([`crate::EmulatorBuilder::status_callback`], `--status-callback URL`).
//! After each `SendSms` that accepted numbers (`Code` `Ok`, also when [`crate::Sms::fail_after_send`] then
//! answers an error: the messages went out), the emulator POSTs one JSON array to the URL:
//!
//! ```json
//! [{"user_receive_time":"2026-12-07 10:00:00","nationcode":"86","mobile":"13800000000",
//!   "report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"<SerialNo>"}]
//! ```
//!
//! one element per accepted number, the same outcome `PullSmsSendStatus` and
//! `PullSmsSendStatusByPhoneNumber` report for that `SerialNo` (`user_receive_time` is the send time, UTC+8,
//! as the console shows it). The receiver is expected to answer `{"result":0,"errmsg":"OK"}`; the emulator
//! reads the status line and nothing else of it.
//!
//! # Faults (seeded, repeatable)
//!
//! Each report is decided on its own, in send order, by a generator seeded with [`StatusCallback::seed`]:
//! with probability `loss` it is never pushed ([`CallbackStats::lost`]), with probability `duplicates` it is
//! pushed a second time in a POST of its own right after the first ([`CallbackStats::duplicated`]). `delay`
//! defers every POST by that much after its send.
//!
//! # Never in the way of a request
//!
//! A request only puts its reports on a bounded queue ([`StatusCallback::queue_capacity`] POSTs, each at
//! most 200 reports, the `SendSms` limit) and goes on; one task POSTs them in order, each POST within
//! [`POST_TIMEOUT`]. A full queue (a slow or dead receiver) drops the new POST and counts its reports in
//! [`CallbackStats::dropped`]; a POST that fails (refused, timed out, no HTTP answer) is counted in
//! [`CallbackStats::failed`] and not retried. Memory is bounded by the queue, whatever the receiver does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long one POST may take, connection included, before it counts as failed.
pub const POST_TIMEOUT: Duration = Duration::from_secs(5);
/// Default of [`StatusCallback::queue_capacity`].
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// Default of [`StatusCallback::seed`].
pub const DEFAULT_SEED: u64 = 0x5EED;
/// Longest accepted [`StatusCallback::delay`] (a longer one would only hold the queue).
pub const MAX_DELAY: Duration = Duration::from_secs(3600);

/// Where and how to push SMS status reports (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCallback {
    url: String,
    delay: Duration,
    loss: f64,
    duplicates: f64,
    seed: u64,
    queue_capacity: usize,
}

impl StatusCallback {
    /// Push to `url`: `http://HOST:PORT/PATH` (plain HTTP; checked when the emulator starts).
    pub fn new(url: impl Into<String>) -> StatusCallback {
        StatusCallback {
            url: url.into(),
            delay: Duration::ZERO,
            loss: 0.0,
            duplicates: 0.0,
            seed: DEFAULT_SEED,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }

    /// Defer each POST by this much after its send (default none, at most [`MAX_DELAY`]).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Share of reports never pushed, `0.0..=1.0` (default 0).
    pub fn loss(mut self, share: f64) -> Self {
        self.loss = share;
        self
    }

    /// Share of reports pushed twice, `0.0..=1.0` (default 0).
    pub fn duplicates(mut self, share: f64) -> Self {
        self.duplicates = share;
        self
    }

    /// Seed of the loss and duplicate decisions (default [`DEFAULT_SEED`]): the same seed and sends give the
    /// same reports.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// POSTs waiting at most (default [`DEFAULT_QUEUE_CAPACITY`], at least 1); past it new ones are dropped.
    pub fn queue_capacity(mut self, posts: usize) -> Self {
        self.queue_capacity = posts;
        self
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The checks made at start: a plain-HTTP URL, shares within `0..=1`, a bounded delay.
    pub(crate) fn checked(&self) -> Result<Target, String> {
        for (name, share) in [("loss", self.loss), ("duplicates", self.duplicates)] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("status callback {name} must be within 0..=1, not {share}"));
            }
        }
        if self.delay > MAX_DELAY {
            return Err(format!("status callback delay is over {} s", MAX_DELAY.as_secs()));
        }
        if self.queue_capacity == 0 {
            return Err("status callback queue capacity must be at least 1".into());
        }
        Target::parse(&self.url)
    }
}

/// A checked `http://authority/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let bad = |why: &str| Err(format!("status callback URL `{}`: {why}", url.escape_debug()));
        let Some(rest) = url.strip_prefix("http://") else {
            return bad("must start with http:// (the emulator pushes over plain HTTP)");
        };
        if rest.bytes().any(|b| b.is_ascii_control() || b == b' ' || b >= 0x80) {
            return bad("contains spaces, control or non-ASCII characters");
        }
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], &rest[i..]),
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if authority.is_empty() || authority.contains('@') || path.contains('#') {
            return bad("needs a host, and no user name or fragment");
        }
        let port_ok = match authority.rsplit_once(':') {
            Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0),
            None => false,
        };
        if !port_ok {
            return bad("needs an explicit port (`http://127.0.0.1:8080/path`)");
        }
        Ok(Target {
            authority: authority.to_owned(),
            path,
        })
    }
}

/// One status report, in Tencent's callback field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatusReport {
    pub user_receive_time: String,
    pub nationcode: String,
    pub mobile: String,
    pub report_status: &'static str,
    pub errmsg: &'static str,
    pub description: &'static str,
    pub sid: String,
}

impl StatusReport {
    /// A delivered message's report (the only outcome the emulator's SMS has).
    pub fn delivered(time: i64, nationcode: &str, mobile: &str, serial_no: String) -> StatusReport {
        StatusReport {
            user_receive_time: beijing_time(time),
            nationcode: nationcode.to_owned(),
            mobile: mobile.to_owned(),
            report_status: "SUCCESS",
            errmsg: "DELIVRD",
            description: "用户短信送达成功",
            sid: serial_no,
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8.
fn beijing_time(unix: i64) -> String {
    let t = unix.saturating_add(8 * 3600);
    let (y, m, d) = crate::clock::civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Counts of the status-report push since start (see [`crate::Emulator::callback_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackStats {
    /// POSTs the receiver answered (any HTTP status).
    pub sent: u64,
    /// POSTs that got no HTTP answer (refused, timed out, closed).
    pub failed: u64,
    /// POSTs queued or being sent.
    pub pending: u64,
    /// Reports dropped because the queue was full.
    pub dropped: u64,
    /// Reports not pushed on purpose ([`StatusCallback::loss`]).
    pub lost: u64,
    /// Reports pushed a second time on purpose ([`StatusCallback::duplicates`]).
    pub duplicated: u64,
}

#[derive(Debug, Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    pending: AtomicU64,
    dropped: AtomicU64,
    lost: AtomicU64,
    duplicated: AtomicU64,
}

struct Post {
    due: Instant,
    body: Bytes,
}

/// The request side: decides loss and duplicates, queues POSTs without waiting.
#[derive(Debug)]
pub(crate) struct Pusher {
    queue: mpsc::Sender<Post>,
    loss: f64,
    duplicates: f64,
    delay: Duration,
    rng: Mutex<SplitMix64>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Post {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Post").field("bytes", &self.body.len()).finish()
    }
}

impl Pusher {
    /// The pusher and its sending task (to spawn on the emulator's runtime).
    pub fn start(config: &StatusCallback) -> Result<(Pusher, impl std::future::Future<Output = ()>), String> {
        let target = config.checked()?;
        let (queue, rx) = mpsc::channel(config.queue_capacity);
        let counters = Arc::new(Counters::default());
        let pusher = Pusher {
            queue,
            loss: config.loss,
            duplicates: config.duplicates,
            delay: config.delay,
            rng: Mutex::new(SplitMix64(config.seed)),
            counters: counters.clone(),
        };
        Ok((pusher, run(rx, target, counters)))
    }

    /// Queue the reports of one send (never waits; see the module docs for what is dropped when).
    pub fn push(&self, reports: Vec<StatusReport>) {
        let (kept, twice) = self.decide(reports);
        let due = Instant::now() + self.delay;
        for batch in [kept, twice] {
            if batch.is_empty() {
                continue;
            }
            let n = batch.len() as u64;
            let body = match serde_json::to_vec(&batch) {
                Ok(b) => Bytes::from(b),
                Err(_) => continue,
            };
            self.counters.pending.fetch_add(1, Ordering::Relaxed);
            if self.queue.try_send(Post { due, body }).is_err() {
                self.counters.pending.fetch_sub(1, Ordering::Relaxed);
                self.counters.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// The reports to push once, and those to push again.
    fn decide(&self, reports: Vec<StatusReport>) -> (Vec<StatusReport>, Vec<StatusReport>) {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let (mut kept, mut twice) = (Vec::with_capacity(reports.len()), Vec::new());
        for r in reports {
            if rng.chance(self.loss) {
                self.counters.lost.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if rng.chance(self.duplicates) {
                self.counters.duplicated.fetch_add(1, Ordering::Relaxed);
                twice.push(r.clone());
            }
            kept.push(r);
        }
        (kept, twice)
    }

    pub fn stats(&self) -> CallbackStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CallbackStats {
            sent: get(&c.sent),
            failed: get(&c.failed),
            pending: get(&c.pending),
            dropped: get(&c.dropped),
            lost: get(&c.lost),
            duplicated: get(&c.duplicated),
        }
    }
}

/// The sending task: one POST at a time, in order, each when due.
async fn run(mut rx: mpsc::Receiver<Post>, target: Target, counters: Arc<Counters>) {
    while let Some(post) = rx.recv().await {
        tokio::time::sleep_until(post.due).await;
        let answered = tokio::time::timeout(POST_TIMEOUT, send(&target, post.body))
            .await
            .is_ok_and(|r| r.is_ok());
        let counter = if answered { &counters.sent } else { &counters.failed };
        counter.fetch_add(1, Ordering::Relaxed);
        counters.pending.fetch_sub(1, Ordering::Relaxed);
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One POST over a fresh connection; `Ok` once the answer's head arrived (its body is read and discarded,
/// at most 64 KB).
async fn send(target: &Target, body: Bytes) -> Result<(), BoxError> {
    let stream = tokio::net::TcpStream::connect(&target.authority).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    let conn = tokio::spawn(conn);
    let request = hyper::Request::post(target.path.as_str())
        .header(hyper::header::HOST, target.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::CONNECTION, "close")
        .body(Full::new(body))?;
    let answer = sender.send_request(request).await;
    let result = match answer {
        Ok(response) => {
            let _ = http_body_util::Limited::new(response.into_body(), 64 * 1024)
                .collect()
                .await;
            Ok(())
        }
        Err(e) => Err(e.into()),
    };
    conn.abort();
    result
}

/// Sebastiano Vigna's SplitMix64: small, seedable, good enough for fault shares.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `p` (always false for 0, always true for 1).
    fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = Target::parse("http://127.0.0.1:8080/sms/status?x=1").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:8080", "/sms/status?x=1")
        );
        assert_eq!(Target::parse("http://localhost:1").unwrap().path, "/");
        for bad in [
            "https://127.0.0.1:8080/",
            "http://127.0.0.1/",
            "http://127.0.0.1:0/",
            "http://u@127.0.0.1:80/",
            "http://127.0.0.1:80/a b",
            "http://127.0.0.1:80/\r\nX: y",
            "http://:80/",
            "ftp://x:1/",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn checks() {
        assert!(StatusCallback::new("http://a:1/").loss(1.5).checked().is_err());
        assert!(StatusCallback::new("http://a:1/")
            .duplicates(f64::NAN)
            .checked()
            .is_err());
        assert!(StatusCallback::new("http://a:1/")
            .delay(MAX_DELAY * 2)
            .checked()
            .is_err());
        assert!(StatusCallback::new("http://a:1/").queue_capacity(0).checked().is_err());
        assert!(StatusCallback::new("http://a:1/").loss(1.0).checked().is_ok());
    }

    #[test]
    fn receive_time_is_beijing_time() {
        // 2026-12-07 02:00:00 UTC
        assert_eq!(beijing_time(1_796_608_800), "2026-12-07 10:00:00");
        assert!(beijing_time(i64::MAX).len() > 10);
    }

    #[test]
    fn chance_extremes() {
        let mut r = SplitMix64(1);
        assert!((0..1000).all(|_| !r.chance(0.0)));
        assert!((0..1000).all(|_| r.chance(1.0)));
        let hits = (0..10_000).filter(|_| r.chance(0.3)).count();
        assert!((2500..3500).contains(&hits), "{hits}");
    }
}
