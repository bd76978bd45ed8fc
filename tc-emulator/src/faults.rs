//! Faults injected on demand: latency, error codes, connection resets, 502 pages, truncated and non-JSON bodies.
//!
//! Each [`Fault`] says what happens, to which requests (optionally one action) and how often: always, the
//! first N matching requests, or a share `p` of them. Shares are deterministic and evenly spread: the k-th
//! matching request (k = 1, 2, ...) is hit when `floor(k*p) > floor((k-1)*p)`, so `share(0.5)` hits every
//! second request and `share(0.25)` every fourth. Every rule counts the requests it hit.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// What a fault does to a request it hits.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Wait this long before answering (adds to other faults; the request is then served normally). Kept to a
    /// fraction of a millisecond, not rounded up to tokio's millisecond ticks (see `latency.rs`).
    Latency(Duration),
    /// Answer HTTP 200 with `{"Response":{"Error":{"Code":code,..}}}`.
    ErrorCode { code: String, message: Option<String> },
    /// Read the request, then close the TCP connection with a reset (SO_LINGER 0) and no answer.
    ConnectionReset,
    /// Answer `502 Bad Gateway` with an HTML page, as a load balancer does.
    BadGateway,
    /// Answer 200 declaring the full `Content-Length` of the real answer, send half of it, then close.
    TruncatedBody,
    /// Answer 200 with a `text/plain` body that is not JSON.
    NonJsonBody,
    /// A streaming answer: this many events, then a TCP reset (see `stream.rs`).
    StreamReset(u64),
    /// A streaming answer: this many events, then silence until the client gives up.
    StreamStall(u64),
    /// A streaming answer: this many events, then an error event (`InternalError`, or the fault's message).
    StreamError { after: u64, message: Option<String> },
}

impl FaultKind {
    /// Faults that only change a streaming answer (other requests they hit are served normally).
    pub fn is_stream_fault(&self) -> bool {
        matches!(
            self,
            FaultKind::StreamReset(_) | FaultKind::StreamStall(_) | FaultKind::StreamError { .. }
        )
    }
}

/// How often a fault hits the requests it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Selector {
    Always,
    /// The first N matching requests.
    First(u64),
    /// A share in `0.0..=1.0`, spread evenly and deterministically.
    Share(f64),
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub selector: Selector,
    /// Only requests to this action (`SendSms`); all actions when `None`.
    pub action: Option<String>,
    /// Run the action first (its effects happen: an SMS is sent), then answer with the fault instead of its
    /// answer: the request reached the service and the client cannot tell. For `reset`, `502`, `error` and
    /// `non-json` (a truncated body always comes after the action).
    pub after_action: bool,
}

impl Fault {
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            selector: Selector::Always,
            action: None,
            after_action: false,
        }
    }
    pub fn latency(delay: Duration) -> Fault {
        Fault::new(FaultKind::Latency(delay))
    }
    /// An error answer with this code (`RequestLimitExceeded`, `InternalError`, ...).
    pub fn error_code(code: impl Into<String>) -> Fault {
        Fault::new(FaultKind::ErrorCode {
            code: code.into(),
            message: None,
        })
    }
    pub fn connection_reset() -> Fault {
        Fault::new(FaultKind::ConnectionReset)
    }
    pub fn bad_gateway() -> Fault {
        Fault::new(FaultKind::BadGateway)
    }
    pub fn truncated_body() -> Fault {
        Fault::new(FaultKind::TruncatedBody)
    }
    pub fn non_json_body() -> Fault {
        Fault::new(FaultKind::NonJsonBody)
    }
    /// A streaming answer reset after `events` events.
    pub fn stream_reset(events: u64) -> Fault {
        Fault::new(FaultKind::StreamReset(events))
    }
    /// A streaming answer that goes silent after `events` events.
    pub fn stream_stall(events: u64) -> Fault {
        Fault::new(FaultKind::StreamStall(events))
    }
    /// A streaming answer with an error event after `events` events.
    pub fn stream_error(events: u64) -> Fault {
        Fault::new(FaultKind::StreamError {
            after: events,
            message: None,
        })
    }
    /// Replace the default message of an [`error_code`](Fault::error_code) or
    /// [`stream_error`](Fault::stream_error) fault.
    pub fn message(mut self, msg: impl Into<String>) -> Fault {
        if let FaultKind::ErrorCode { message, .. } | FaultKind::StreamError { message, .. } = &mut self.kind {
            *message = Some(msg.into());
        }
        self
    }
    /// Hit only the first `n` matching requests.
    pub fn first(mut self, n: u64) -> Fault {
        self.selector = Selector::First(n);
        self
    }
    /// Hit a share (clamped to 0..=1) of matching requests, evenly spread.
    pub fn share(mut self, p: f64) -> Fault {
        self.selector = Selector::Share(if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        self
    }
    /// Only requests to this action.
    pub fn action(mut self, action: impl Into<String>) -> Fault {
        self.action = Some(action.into());
        self
    }
    /// Run the action before answering with the fault ([`Fault::after_action`]).
    pub fn after_action(mut self) -> Fault {
        self.after_action = true;
        self
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FaultKind::Latency(d) => write!(f, "latency={}ms", d.as_millis())?,
            FaultKind::ErrorCode { code, .. } => write!(f, "error={code}")?,
            FaultKind::ConnectionReset => f.write_str("reset")?,
            FaultKind::BadGateway => f.write_str("502")?,
            FaultKind::TruncatedBody => f.write_str("truncate")?,
            FaultKind::NonJsonBody => f.write_str("non-json")?,
            FaultKind::StreamReset(n) => write!(f, "stream-reset={n}")?,
            FaultKind::StreamStall(n) => write!(f, "stream-stall={n}")?,
            FaultKind::StreamError { after, .. } => write!(f, "stream-error={after}")?,
        }
        match self.selector {
            Selector::Always => {}
            Selector::First(n) => write!(f, ",first={n}")?,
            Selector::Share(p) => write!(f, ",share={p}")?,
        }
        if let Some(a) = &self.action {
            write!(f, ",action={a}")?;
        }
        if self.after_action {
            f.write_str(",after")?;
        }
        Ok(())
    }
}

/// Parses the binary's `--fault` syntax: `KIND[,share=P|,first=N][,action=NAME][,message=TEXT][,after]` where
/// KIND is `latency=MS` (or `latency=2s`), `error=CODE`, `reset`, `502`, `truncate`, `non-json`,
/// `stream-reset=N`, `stream-stall=N` or `stream-error=N` (N events of a streaming answer first), and
/// `after` runs the action before the fault answers ([`Fault::after_action`]).
impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        let mut parts = s.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (kind, arg) = match head.split_once('=') {
            Some((k, a)) => (k, Some(a)),
            None => (head, None),
        };
        let mut fault = match (kind, arg) {
            ("latency", Some(a)) => Fault::latency(parse_duration(a)?),
            ("error", Some(code)) if !code.is_empty() => Fault::error_code(code),
            ("reset", None) => Fault::connection_reset(),
            ("502" | "bad-gateway", None) => Fault::bad_gateway(),
            ("truncate" | "truncated", None) => Fault::truncated_body(),
            ("non-json" | "nonjson", None) => Fault::non_json_body(),
            ("stream-reset", Some(n)) => Fault::stream_reset(parse_count(n)?),
            ("stream-stall", Some(n)) => Fault::stream_stall(parse_count(n)?),
            ("stream-error", Some(n)) => Fault::stream_error(parse_count(n)?),
            _ => {
                return Err(format!(
                    "unknown fault `{head}`: expected latency=MS, error=CODE, reset, 502, truncate, non-json, \
                     stream-reset=N, stream-stall=N or stream-error=N"
                ))
            }
        };
        for opt in parts {
            if opt == "after" {
                fault = fault.after_action();
                continue;
            }
            let (k, v) = opt
                .split_once('=')
                .ok_or_else(|| format!("fault option `{opt}` is not key=value"))?;
            fault = match k {
                "share" => fault.share(v.parse().map_err(|_| format!("share `{v}` is not a number"))?),
                "first" => fault.first(v.parse().map_err(|_| format!("first `{v}` is not a count"))?),
                "action" => fault.action(v),
                "message" => fault.message(v),
                _ => return Err(format!("unknown fault option `{k}`")),
            };
        }
        Ok(fault)
    }
}

fn parse_count(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("`{s}` is not a count of events"))
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration (e.g. 200, 200ms, 2s)");
    if let Some(ms) = s.strip_suffix("ms") {
        ms.parse().map(Duration::from_millis).map_err(|_| bad())
    } else if let Some(secs) = s.strip_suffix('s') {
        secs.parse::<f64>()
            .ok()
            .filter(|f| *f >= 0.0 && f.is_finite())
            .map(Duration::from_secs_f64)
            .ok_or_else(bad)
    } else {
        s.parse().map(Duration::from_millis).map_err(|_| bad())
    }
}

/// How many requests a rule hit.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultHits {
    pub fault: Fault,
    /// Requests the rule matched (its action scope), hit or not.
    pub matched: u64,
    /// Requests the fault was applied to.
    pub hits: u64,
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    matched: AtomicU64,
    hits: AtomicU64,
}

impl Rule {
    fn take(&self, action: &str) -> bool {
        if self.fault.action.as_deref().is_some_and(|a| a != action) {
            return false;
        }
        let k = self.matched.fetch_add(1, Ordering::Relaxed);
        let hit = match self.fault.selector {
            Selector::Always => true,
            Selector::First(n) => k < n,
            Selector::Share(p) => ((k + 1) as f64 * p).floor() > (k as f64 * p).floor(),
        };
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }
}

/// What to do with one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub delay: Duration,
    /// The first non-latency fault that hit.
    pub terminal: Option<FaultKind>,
    /// That fault answers after the action ran ([`Fault::after_action`]).
    pub after_action: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    any: AtomicBool,
    rules: RwLock<Arc<Vec<Rule>>>,
}

impl Faults {
    pub fn new(faults: Vec<Fault>) -> Faults {
        let f = Faults::default();
        f.set(faults);
        f
    }

    pub fn set(&self, faults: Vec<Fault>) {
        let any = !faults.is_empty();
        let rules = faults
            .into_iter()
            .map(|fault| Rule {
                fault,
                matched: AtomicU64::new(0),
                hits: AtomicU64::new(0),
            })
            .collect();
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rules);
        self.any.store(any, Ordering::Release);
    }

    pub fn add(&self, fault: Fault) {
        let mut all: Vec<Fault> = self.hits().into_iter().map(|h| h.fault).collect();
        all.push(fault);
        // Keep the counters of existing rules.
        let old = self.rules.read().unwrap_or_else(|e| e.into_inner()).clone();
        self.set(all);
        let new = self.rules.read().unwrap_or_else(|e| e.into_inner()).clone();
        for (o, n) in old.iter().zip(new.iter()) {
            n.matched.store(o.matched.load(Ordering::Relaxed), Ordering::Relaxed);
            n.hits.store(o.hits.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    pub fn hits(&self) -> Vec<FaultHits> {
        let rules = self.rules.read().unwrap_or_else(|e| e.into_inner()).clone();
        rules
            .iter()
            .map(|r| FaultHits {
                fault: r.fault.clone(),
                matched: r.matched.load(Ordering::Relaxed),
                hits: r.hits.load(Ordering::Relaxed),
            })
            .collect()
    }

    pub fn decide(&self, action: &str) -> Decision {
        let mut d = Decision::default();
        if !self.any.load(Ordering::Acquire) {
            return d;
        }
        let rules = self.rules.read().unwrap_or_else(|e| e.into_inner()).clone();
        for r in rules.iter() {
            if let FaultKind::Latency(delay) = r.fault.kind {
                if r.take(action) {
                    d.delay += delay;
                }
            } else if d.terminal.is_none() && r.take(action) {
                d.terminal = Some(r.fault.kind.clone());
                d.after_action = r.fault.after_action;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let f: Fault = "error=RequestLimitExceeded,share=0.5,action=SendSms".parse().unwrap();
        assert_eq!(
            f,
            Fault::error_code("RequestLimitExceeded").share(0.5).action("SendSms")
        );
        assert_eq!(f.to_string(), "error=RequestLimitExceeded,share=0.5,action=SendSms");
        let f: Fault = "reset,first=2,action=SendSms,after".parse().unwrap();
        assert_eq!(f, Fault::connection_reset().first(2).action("SendSms").after_action());
        assert_eq!(f.to_string(), "reset,first=2,action=SendSms,after");
        assert_eq!(
            "latency=2s".parse::<Fault>().unwrap(),
            Fault::latency(Duration::from_secs(2))
        );
        assert_eq!(
            "reset,first=3".parse::<Fault>().unwrap(),
            Fault::connection_reset().first(3)
        );
        assert!("explode".parse::<Fault>().is_err());
        let f: Fault = "stream-error=3,message=gone,first=1".parse().unwrap();
        assert_eq!(f, Fault::stream_error(3).message("gone").first(1));
        assert_eq!(f.to_string(), "stream-error=3,first=1");
        assert_eq!("stream-reset=2".parse::<Fault>().unwrap(), Fault::stream_reset(2));
        assert_eq!("stream-stall=0".parse::<Fault>().unwrap(), Fault::stream_stall(0));
        assert!("stream-reset=x".parse::<Fault>().is_err());
    }

    #[test]
    fn shares_are_even_and_deterministic() {
        let faults = Faults::new(vec![Fault::non_json_body().share(0.25)]);
        let hits: Vec<bool> = (0..8).map(|_| faults.decide("A").terminal.is_some()).collect();
        assert_eq!(hits, [false, false, false, true, false, false, false, true]);
        let faults = Faults::new(vec![Fault::bad_gateway().first(2).action("B")]);
        assert!(faults.decide("A").terminal.is_none());
        assert!(faults.decide("B").terminal.is_some());
        assert!(faults.decide("B").terminal.is_some());
        assert!(faults.decide("B").terminal.is_none());
        assert_eq!(faults.hits()[0].hits, 2);
        assert_eq!(faults.hits()[0].matched, 3);
    }
}
