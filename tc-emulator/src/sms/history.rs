//! The send history: compact and bounded (see "The send history" in the module docs of [`super`]).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::numbers::{classify, Number};
use super::{SentSms, SEND_HISTORY_CAPACITY, SEND_HISTORY_MAX_REQUEST_BYTES};

/// What every number of one accepted `SendSms` request shares: stored once per request.
#[derive(Debug)]
pub(super) struct SendRequest {
    pub app_id: Box<str>,
    pub sign_name: Option<Box<str>>,
    pub template_id: u64,
    pub params: Box<[String]>,
    pub text: Box<str>,
    pub fee: u64,
    pub session_context: Box<str>,
    pub time: i64,
}

impl SendRequest {
    /// Heap bytes held, for [`SEND_HISTORY_MAX_REQUEST_BYTES`].
    pub fn bytes(&self) -> usize {
        self.app_id.len()
            + self.sign_name.as_ref().map_or(0, |s| s.len())
            + self
                .params
                .iter()
                .map(|p| p.len() + std::mem::size_of::<String>())
                .sum::<usize>()
            + self.text.len()
            + self.session_context.len()
            + std::mem::size_of::<SendRequest>()
    }
}

/// One number of one request: compact, the rest is in the shared [`SendRequest`].
#[derive(Debug)]
pub(super) struct Attempt {
    pub request: Arc<SendRequest>,
    /// The number as the client sent it; `None` when that was the E.164 form (most bulk sends), which
    /// saves an allocation per number.
    pub requested: Option<Box<str>>,
    /// E.164 digits without `+`; `None` when the number was refused as not a phone number.
    pub e164: Option<u64>,
    /// Serial number (0 when refused).
    pub serial: u64,
    pub pulled: bool,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        self.e164.is_some()
    }

    pub fn requested_number(&self) -> String {
        match (&self.requested, self.e164) {
            (Some(raw), _) => raw.to_string(),
            (None, Some(digits)) => format!("+{digits}"),
            (None, None) => String::new(),
        }
    }

    pub fn fee(&self) -> u64 {
        if self.ok() {
            self.request.fee
        } else {
            0
        }
    }

    pub fn serial_no(&self) -> String {
        if self.ok() {
            format!("2433:{:028}", self.serial)
        } else {
            String::new()
        }
    }

    pub fn to_sent(&self) -> SentSms {
        let r = &self.request;
        let (phone_number, country_code, subscriber_number, iso_code) = match self.e164 {
            Some(digits) => match classify(&format!("+{digits}")) {
                Number::Valid {
                    e164,
                    country_code,
                    subscriber,
                    iso,
                    ..
                } => (e164, country_code, subscriber, iso.to_owned()),
                Number::Invalid => (format!("+{digits}"), String::new(), String::new(), String::new()),
            },
            None => (self.requested_number(), String::new(), String::new(), String::new()),
        };
        SentSms {
            app_id: r.app_id.to_string(),
            requested_number: self.requested_number(),
            phone_number,
            country_code,
            subscriber_number,
            iso_code,
            sign_name: r.sign_name.as_deref().map(str::to_owned),
            template_id: r.template_id,
            params: r.params.to_vec(),
            text: r.text.to_string(),
            fee: self.fee(),
            serial_no: self.serial_no(),
            session_context: r.session_context.to_string(),
            code: if self.ok() { "Ok" } else { INCORRECT_NUMBER }.to_owned(),
            time: r.time,
        }
    }
}

pub(super) const INCORRECT_NUMBER: &str = "InvalidParameterValue.IncorrectPhoneNumber";

/// The bounded send history with its per-number index (see the module docs).
#[derive(Debug, Default)]
pub(super) struct History {
    attempts: VecDeque<Attempt>,
    /// Sequence number of `attempts[0]`; attempt `i` has sequence `first_seq + i`.
    first_seq: u64,
    /// Delivered numbers (E.164 digits) → sequence numbers of their attempts, oldest first.
    by_number: HashMap<u64, VecDeque<u64>>,
    request_bytes: usize,
}

impl History {
    pub fn len(&self) -> usize {
        self.attempts.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Attempt> {
        self.attempts.iter()
    }

    /// Delivered attempts to this number (E.164 digits).
    pub fn count_of(&self, digits: u64) -> usize {
        self.by_number.get(&digits).map_or(0, VecDeque::len)
    }

    /// Delivered attempts per number (E.164 digits).
    pub fn counts(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.by_number.iter().map(|(digits, seqs)| (*digits, seqs.len()))
    }

    /// Per-request bytes held (bounded by [`SEND_HISTORY_MAX_REQUEST_BYTES`]).
    #[cfg(test)]
    pub fn request_bytes(&self) -> usize {
        self.request_bytes
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Attempt> {
        self.attempts.iter_mut()
    }

    pub fn push(&mut self, attempt: Attempt) {
        // The request's first attempt counts its shared data once.
        let is_first = self
            .attempts
            .back()
            .is_none_or(|last| !Arc::ptr_eq(&last.request, &attempt.request));
        if is_first {
            self.request_bytes += attempt.request.bytes();
        }
        if let Some(digits) = attempt.e164 {
            let seq = self.first_seq + self.attempts.len() as u64;
            self.by_number.entry(digits).or_default().push_back(seq);
        }
        self.attempts.push_back(attempt);
        while self.attempts.len() > SEND_HISTORY_CAPACITY
            || (self.request_bytes > SEND_HISTORY_MAX_REQUEST_BYTES && self.attempts.len() > 1)
        {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        let Some(old) = self.attempts.pop_front() else {
            return;
        };
        self.first_seq += 1;
        if let Some(digits) = old.e164 {
            if let Some(seqs) = self.by_number.get_mut(&digits) {
                seqs.pop_front();
                if seqs.is_empty() {
                    self.by_number.remove(&digits);
                }
            }
        }
        // The last attempt of its request: the shared data goes too.
        if Arc::strong_count(&old.request) == 1 {
            self.request_bytes = self.request_bytes.saturating_sub(old.request.bytes());
        }
    }

    /// Delivered attempts to this number (E.164 digits), oldest first.
    pub fn of_number(&self, digits: u64) -> impl Iterator<Item = &Attempt> {
        self.by_number
            .get(&digits)
            .into_iter()
            .flatten()
            .filter_map(|seq| self.attempts.get((seq - self.first_seq) as usize))
    }
}
