//! The request log behind `Emulator::requests` and `GET /_emulator/requests`: bounded by entries and by
//! bytes, holding no secret.
//!
//! Anyone who can reach the port can add entries, signed or not (a web page can POST `text/plain` to a
//! loopback emulator without a preflight), so the log must not grow with what strangers send: a request
//! that failed authentication is kept as a summary whose body is only its size, and the whole log is
//! bounded by [`DEFAULT_REQUEST_LOG_MAX_BYTES`] as well as by its entry count, oldest dropped first.
//! Secrets are masked before an entry is kept (one name rule, in `secrets.rs`).

use std::collections::VecDeque;

use serde::Serialize;

/// Default bound of the request log's size ([`crate::EmulatorBuilder::request_log_max_bytes`]).
pub const DEFAULT_REQUEST_LOG_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Longest `uri` kept for a request that failed authentication.
const UNAUTHENTICATED_URI_CHARS: usize = 1024;

/// One request the emulator received, for tests to inspect (`emulator.requests()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query as received.
    pub uri: String,
    /// Product served (`sms`), empty when it could not be told.
    pub product: String,
    /// `X-TC-Action`, or the `Action` parameter of a legacy-signed request (empty when missing).
    pub action: String,
    /// `X-TC-Version`, or the `Version` parameter of a legacy-signed request (empty when missing).
    pub version: String,
    /// Every header except `Authorization`, `X-TC-Token` and others with secret names, names lowercase, in
    /// arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8), with the values of secret members and parameters (`Signature`, `Token`,
    /// `WebIdentityToken`, `Password`, ...) replaced by `***` here and in `uri`. A request that failed
    /// authentication keeps only a summary (`<N bytes not kept: ...>`).
    pub body: String,
    /// How it was signed: `TC3-HMAC-SHA256`, `HmacSHA1`, `HmacSHA256`, `SKIP`, or empty when it could not be
    /// told (whether the signature was valid is in `code`).
    pub sign_method: String,
    /// TC3: the `SignedHeaders` of its `Authorization`; empty otherwise.
    pub signed_headers: String,
    /// Whether it carried a session token (`X-TC-Token`, or the legacy `Token` parameter); never its value.
    pub token: bool,
    /// `Ok`, the error code answered, or for faults `Fault.Reset`, `Fault.BadGateway`,
    /// `Fault.TruncatedBody`, `Fault.NonJsonBody`.
    pub code: String,
    pub request_id: String,
}

impl RecordedRequest {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl RecordedRequest {
    /// Heap bytes held, about (what the log's byte bound counts).
    pub fn heap_bytes(&self) -> usize {
        let strings = [
            &self.method,
            &self.uri,
            &self.product,
            &self.action,
            &self.version,
            &self.body,
            &self.sign_method,
            &self.signed_headers,
            &self.code,
            &self.request_id,
        ];
        strings.iter().map(|s| s.len()).sum::<usize>()
            + self.headers.iter().map(|(k, v)| k.len() + v.len() + 48).sum::<usize>()
            + std::mem::size_of::<RecordedRequest>()
    }

    /// The summary kept of a request that failed authentication: its body only by size, a short `uri`.
    pub(crate) fn summarized(mut self, body_len: usize) -> RecordedRequest {
        self.body = format!("<{body_len} bytes not kept: the request failed authentication>");
        if self.uri.len() > UNAUTHENTICATED_URI_CHARS {
            let cut: String = self.uri.chars().take(UNAUTHENTICATED_URI_CHARS).collect();
            self.uri = format!("{cut}...");
        }
        self
    }
}

/// The entries, oldest first, within both bounds.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl RequestLog {
    pub fn new(max_entries: usize, max_bytes: usize) -> RequestLog {
        RequestLog {
            entries: VecDeque::new(),
            bytes: 0,
            max_entries,
            max_bytes,
        }
    }

    /// Whether anything is kept at all (a log of 0 entries or 0 bytes keeps nothing).
    pub fn keeps(&self) -> bool {
        self.max_entries > 0 && self.max_bytes > 0
    }

    pub fn push(&mut self, entry: RecordedRequest) {
        if !self.keeps() {
            return;
        }
        self.bytes += entry.heap_bytes();
        self.entries.push_back(entry);
        while self.entries.len() > self.max_entries || (self.bytes > self.max_bytes && self.entries.len() > 1) {
            self.pop_oldest();
        }
        if self.bytes > self.max_bytes {
            // One entry alone over the bound (a body near the size limit with a small bound): not kept.
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        if let Some(old) = self.entries.pop_front() {
            self.bytes -= old.heap_bytes();
        }
    }

    pub fn entries(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
