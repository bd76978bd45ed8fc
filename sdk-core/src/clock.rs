//! Clock skew: the offset between this machine's clock and the service's, learned from a rejected request.
//!
//! API 3.0 rejects a request whose `X-TC-Timestamp` is more than five minutes away from the server time with
//! `AuthFailure.SignatureExpire`. The service rejected it before executing it, so re-sending is safe for
//! every action: the client takes the server time from the response's `Date` header (or, failing that, from
//! a Unix time the error message carries, as the emulator's does), keeps `server - local` as an offset
//! shared by all clones of the client, re-signs with the corrected timestamp and retries once. Later calls
//! sign with the corrected clock from the start and need no retry.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The error code that triggers a clock correction.
pub const SIGNATURE_EXPIRE: &str = "AuthFailure.SignatureExpire";

/// Seconds to add to the local clock to get the service's clock. Shared by the clones of a client.
#[derive(Debug, Default)]
pub(crate) struct ClockSkew {
    offset_secs: AtomicI64,
}

impl ClockSkew {
    /// The corrected "now", Unix seconds.
    pub fn now_unix(&self) -> i64 {
        local_unix() + self.offset()
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Learns the offset from a server time (Unix seconds) observed now; returns the new offset.
    pub fn observe(&self, server_unix: i64) -> i64 {
        let offset = server_unix - local_unix();
        self.offset_secs.store(offset, Ordering::Relaxed);
        offset
    }
}

pub(crate) fn local_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// The server time of a response: its `Date` header (RFC 9110 HTTP-date), else a Unix time (10 digits) in
/// `message` after the words "server time", as some gateways and the emulator put it.
pub(crate) fn server_time(date_header: Option<&str>, message: Option<&str>) -> Option<i64> {
    if let Some(t) = date_header.and_then(|d| httpdate::parse_http_date(d.trim()).ok()) {
        return Some(match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        });
    }
    let message = message?;
    let lower = message.to_ascii_lowercase();
    let at = lower.find("server time")? + "server time".len();
    let digits: String = message[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    // A plausible Unix time in seconds (2001..2286); anything else is not a time.
    (digits.len() == 10).then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_time_sources() {
        assert_eq!(
            server_time(Some("Sun, 06 Nov 1994 08:49:37 GMT"), None),
            Some(784_111_777)
        );
        let msg = "Signature expired. Timestamp 1 is more than 300 seconds away from the server time 1700000000.";
        assert_eq!(server_time(None, Some(msg)), Some(1_700_000_000));
        assert_eq!(server_time(Some("garbage"), Some(msg)), Some(1_700_000_000));
        assert_eq!(server_time(None, Some("签名过期。请检查本地时间")), None);
        assert_eq!(server_time(None, Some("server time 12")), None);
        assert_eq!(server_time(None, None), None);
    }

    #[test]
    fn offset_is_learned() {
        let c = ClockSkew::default();
        assert_eq!(c.offset(), 0);
        let off = c.observe(local_unix() + 3600);
        assert!((3599..=3601).contains(&off));
        assert!((c.now_unix() - local_unix() - 3600).abs() <= 1);
    }
}
