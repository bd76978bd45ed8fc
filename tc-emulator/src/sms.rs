//! Stateful SMS (`sms` 2021-01-11): apps, signs, templates, sends and delivery reports.
//!
//! The seed ([`SEED_SDK_APP_ID`], [`SEED_SIGN_NAME`] = id [`SEED_SIGN_ID`], template [`SEED_TEMPLATE_ID`]
//! with [`SEED_TEMPLATE_CONTENT`]) matches the spec's examples, so example requests work as they are.
//!
//! # SendSms rules and the codes they answer (all from `api-specs/sms/v20210111/errorcodes.json`)
//!
//! Checked in this order; the first failing rule answers the whole request:
//!
//! | rule | code |
//! |---|---|
//! | `SmsSdkAppId` is a known app | `UnauthorizedOperation.SmsSdkAppIdVerifyFail` |
//! | `PhoneNumberSet` not empty | `MissingParameter.EmptyPhoneNumberSet` |
//! | at most 200 numbers | `LimitExceeded.PhoneNumberCountLimit` |
//! | not both mainland (`+86`, `0086`, `86`+11 digits, bare 11 digits) and international numbers | `UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber` |
//! | mainland numbers need a `SignName` | `FailedOperation.SignatureIncorrectOrUnapproved` |
//! | the sign exists (same name, same International flag as the numbers) and is approved | `FailedOperation.SignatureIncorrectOrUnapproved` |
//! | the template exists and is approved | `FailedOperation.TemplateIncorrectOrUnapproved` |
//! | mainland template only to mainland numbers | `UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone` |
//! | international template only to international numbers | `UnsupportedOperation.GlobalTemplateToChineseMainlandPhone` |
//! | `TemplateParamSet` has one value per distinct `{n}` placeholder | `FailedOperation.TemplateParamSetNotMatchApprovedTemplate` |
//!
//! Then each number gets its own `SendStatus`: a number that is not E.164-shaped (or a `+86` number that is
//! not 11 digits starting with 1) gets `Code = InvalidParameterValue.IncorrectPhoneNumber`, `Fee = 0` and no
//! serial number; the others `Code = Ok`, a serial number, and `Fee` from the rendered text
//! (`【sign】` + template with parameters): ≤ 70 characters is 1, longer is `ceil(len / 67)`. The same rule is
//! used for international messages (the real service counts GSM-7/UCS-2 segments there).
//!
//! A failure *after* the send, which the server's faults cannot make (theirs come before the request is
//! handled, except a truncated body): [`Sms::fail_after_send`] makes the next N accepted `SendSms` requests
//! record their messages as usual and then answer an error code (`InternalError`, ...), as a service whose
//! back end failed after handing the messages on.
//!
//! Other actions: `AddSmsSign`/`AddSmsTemplate` create entries under review (ids from 1111 up);
//! `ModifySms*` on an unknown id answer `FailedOperation.MissingSignatureToModify` /
//! `FailedOperation.MissingTemplateToModify`, on an approved one `InvalidParameterValue.SignAlreadyPassedCheck`
//! / `FailedOperation.TemplateAlreadyPassedCheck`, and put the entry back under review; `DeleteSms*` on an
//! unknown id answer `FailedOperation.SignIdNotExist` / `FailedOperation.TemplateIdNotExist`. A review
//! decision is made with [`Sms::approve_sign`] and friends (or `POST /_emulator/sms/...`).
//!
//! # The send history: compact, bounded
//!
//! Every per-number attempt of an accepted `SendSms` is kept for [`Sms::sent`], [`Sms::attempts`],
//! [`Sms::send_count`], the `Pull*` actions and `SendStatusStatistics`, so a test can hold a campaign of
//! 100,000 numbers and prove that none was sent twice. What one request shares (app, sign, template,
//! parameters, text, fee, `SessionContext`, time) is stored once per request; each number keeps only its
//! E.164 digits as a `u64`, its spelling when that was not E.164, its serial number and a pulled flag:
//! about 170 bytes per number with its index entry, measured as resident memory over 100,000 numbers in
//! 500 requests (16 MB; 900 bytes per number when each kept a full [`SentSms`]). Bounds: at most [`SEND_HISTORY_CAPACITY`] attempts and about
//! [`SEND_HISTORY_MAX_REQUEST_BYTES`] of per-request data (plus the newest request); past either, the oldest
//! attempts are dropped first. `PullSmsSendStatusByPhoneNumber` finds a number's attempts through an index
//! (number → its attempts, oldest first) instead of scanning the history.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Map, Value};

use hyper::{Method, StatusCode};

use crate::callback::StatusReport;
use crate::product::StatefulProduct;
use crate::response::ApiError;

/// The seeded application (`SmsSdkAppId`).
pub const SEED_SDK_APP_ID: &str = "1400006666";
/// The seeded, approved mainland sign's id.
pub const SEED_SIGN_ID: u64 = 1110;
/// The seeded, approved mainland sign's name.
pub const SEED_SIGN_NAME: &str = "腾讯云";
/// The seeded, approved mainland template's id.
pub const SEED_TEMPLATE_ID: u64 = 1110;
/// The seeded template's name.
pub const SEED_TEMPLATE_NAME: &str = "验证码";
/// The seeded template's text: two parameters.
pub const SEED_TEMPLATE_CONTENT: &str = "您的验证码是{1}，请于{2}分钟内填写。";
/// Seconds since the epoch used as the seed entries' `CreateTime`.
pub const SEED_CREATE_TIME: u64 = 1_617_379_200;
/// At most this many send attempts are kept (oldest dropped first) for `sent()`, Pull* and statistics.
pub const SEND_HISTORY_CAPACITY: usize = 100_000;
/// Per-request data (parameters, text, sign, `SessionContext`) kept for the history, in bytes: past it the
/// oldest attempts are dropped even below [`SEND_HISTORY_CAPACITY`], so large parameters cannot grow it.
pub const SEND_HISTORY_MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// Review state of a sign or template; `status_code()` is the API's `StatusCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReviewStatus {
    Approved,
    UnderReview,
    Rejected,
}

impl ReviewStatus {
    /// `0` approved, `1` under review, `-1` rejected, as in `DescribeSmsSignList`.
    pub fn status_code(self) -> i64 {
        match self {
            ReviewStatus::Approved => 0,
            ReviewStatus::UnderReview => 1,
            ReviewStatus::Rejected => -1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sign {
    pub id: u64,
    pub name: String,
    /// 0 mainland, 1 international.
    pub international: u64,
    pub status: ReviewStatus,
    pub review_reply: String,
    pub create_time: u64,
    pub sign_type: u64,
    pub document_type: u64,
    pub sign_purpose: u64,
    pub remark: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub id: u64,
    pub name: String,
    pub content: String,
    /// 0 mainland, 1 international.
    pub international: u64,
    pub sms_type: u64,
    pub status: ReviewStatus,
    pub review_reply: String,
    pub create_time: u64,
    pub remark: String,
}

/// One message the emulator "delivered" (or refused for a bad number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentSms {
    pub app_id: String,
    /// The number as the client sent it.
    pub requested_number: String,
    /// E.164 (`+8618501234444`), or the raw text when it is not a phone number.
    pub phone_number: String,
    pub country_code: String,
    pub subscriber_number: String,
    pub iso_code: String,
    pub sign_name: Option<String>,
    pub template_id: u64,
    pub params: Vec<String>,
    /// `【sign】` + template with parameters filled in.
    pub text: String,
    pub fee: u64,
    /// Empty when the number was refused.
    pub serial_no: String,
    pub session_context: String,
    /// `Ok` or the per-number error code.
    pub code: String,
    /// Unix seconds (emulator clock).
    pub time: i64,
}

#[derive(Debug)]
struct State {
    apps: BTreeSet<String>,
    signs: BTreeMap<u64, Sign>,
    templates: BTreeMap<u64, Template>,
    next_sign_id: u64,
    next_template_id: u64,
    next_serial: u64,
    history: History,
    /// [`Sms::fail_after_send`]: the code, and how many more sends answer it.
    fail_after_send: Option<(String, u64)>,
}

/// What every number of one accepted `SendSms` request shares: stored once per request.
#[derive(Debug)]
struct SendRequest {
    app_id: Box<str>,
    sign_name: Option<Box<str>>,
    template_id: u64,
    params: Box<[String]>,
    text: Box<str>,
    fee: u64,
    session_context: Box<str>,
    time: i64,
}

impl SendRequest {
    /// Heap bytes held, for [`SEND_HISTORY_MAX_REQUEST_BYTES`].
    fn bytes(&self) -> usize {
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
struct Attempt {
    request: Arc<SendRequest>,
    /// The number as the client sent it; `None` when that was the E.164 form (most bulk sends), which
    /// saves an allocation per number.
    requested: Option<Box<str>>,
    /// E.164 digits without `+`; `None` when the number was refused as not a phone number.
    e164: Option<u64>,
    /// Serial number (0 when refused).
    serial: u64,
    pulled: bool,
}

impl Attempt {
    fn ok(&self) -> bool {
        self.e164.is_some()
    }

    fn requested_number(&self) -> String {
        match (&self.requested, self.e164) {
            (Some(raw), _) => raw.to_string(),
            (None, Some(digits)) => format!("+{digits}"),
            (None, None) => String::new(),
        }
    }

    fn fee(&self) -> u64 {
        if self.ok() {
            self.request.fee
        } else {
            0
        }
    }

    fn serial_no(&self) -> String {
        if self.ok() {
            format!("2433:{:028}", self.serial)
        } else {
            String::new()
        }
    }

    fn to_sent(&self) -> SentSms {
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

const INCORRECT_NUMBER: &str = "InvalidParameterValue.IncorrectPhoneNumber";

/// The bounded send history with its per-number index (see the module docs).
#[derive(Debug, Default)]
struct History {
    attempts: VecDeque<Attempt>,
    /// Sequence number of `attempts[0]`; attempt `i` has sequence `first_seq + i`.
    first_seq: u64,
    /// Delivered numbers (E.164 digits) → sequence numbers of their attempts, oldest first.
    by_number: HashMap<u64, VecDeque<u64>>,
    request_bytes: usize,
}

impl History {
    fn len(&self) -> usize {
        self.attempts.len()
    }

    fn iter(&self) -> impl Iterator<Item = &Attempt> {
        self.attempts.iter()
    }

    fn push(&mut self, attempt: Attempt) {
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
    fn of_number(&self, digits: u64) -> impl Iterator<Item = &Attempt> {
        self.by_number
            .get(&digits)
            .into_iter()
            .flatten()
            .filter_map(|seq| self.attempts.get((seq - self.first_seq) as usize))
    }
}

impl State {
    fn seeded() -> State {
        let mut signs = BTreeMap::new();
        signs.insert(
            SEED_SIGN_ID,
            Sign {
                id: SEED_SIGN_ID,
                name: SEED_SIGN_NAME.into(),
                international: 0,
                status: ReviewStatus::Approved,
                review_reply: String::new(),
                create_time: SEED_CREATE_TIME,
                sign_type: 0,
                document_type: 0,
                sign_purpose: 0,
                remark: String::new(),
            },
        );
        let mut templates = BTreeMap::new();
        templates.insert(
            SEED_TEMPLATE_ID,
            Template {
                id: SEED_TEMPLATE_ID,
                name: SEED_TEMPLATE_NAME.into(),
                content: SEED_TEMPLATE_CONTENT.into(),
                international: 0,
                sms_type: 0,
                status: ReviewStatus::Approved,
                review_reply: String::new(),
                create_time: SEED_CREATE_TIME,
                remark: String::new(),
            },
        );
        State {
            apps: [SEED_SDK_APP_ID.to_owned()].into_iter().collect(),
            signs,
            templates,
            next_sign_id: SEED_SIGN_ID + 1,
            next_template_id: SEED_TEMPLATE_ID + 1,
            next_serial: 1,
            fail_after_send: None,
            history: History::default(),
        }
    }
}

/// The SMS state, shared by the server and the test-facing API (`emulator.sms()`).
#[derive(Debug, Clone)]
pub struct Sms {
    state: Arc<Mutex<State>>,
    /// Where status reports go after each send ([`crate::callback`]), when configured.
    status_push: Option<Arc<crate::callback::Pusher>>,
}

/// Error of the review API: no such sign or template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no {kind} with id {id}")]
pub struct UnknownId {
    pub kind: &'static str,
    pub id: u64,
}

impl Default for Sms {
    fn default() -> Self {
        Sms::new()
    }
}

impl Sms {
    pub(crate) fn new() -> Sms {
        Sms {
            state: Arc::new(Mutex::new(State::seeded())),
            status_push: None,
        }
    }

    /// Push each send's status reports through `pusher` ([`crate::callback`]).
    pub(crate) fn with_status_push(mut self, pusher: Arc<crate::callback::Pusher>) -> Sms {
        self.status_push = Some(pusher);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Messages delivered (`Code == "Ok"`), oldest first.
    pub fn sent(&self) -> Vec<SentSms> {
        self.lock()
            .history
            .iter()
            .filter(|a| a.ok())
            .map(Attempt::to_sent)
            .collect()
    }

    /// Every per-number attempt of accepted SendSms requests, including refused numbers.
    pub fn attempts(&self) -> Vec<SentSms> {
        self.lock().history.iter().map(Attempt::to_sent).collect()
    }

    /// How many messages were delivered to this number (any accepted spelling: `+86…`, `0086…`, bare 11
    /// digits) within the kept history; 0 for text that is not a phone number.
    pub fn send_count(&self, number: &str) -> usize {
        let Some(digits) = e164_digits(number) else {
            return 0;
        };
        self.lock().history.by_number.get(&digits).map_or(0, VecDeque::len)
    }

    /// Delivered messages per E.164 number (`+8618501234444`) within the kept history: a test's proof that
    /// no number was sent twice is every value being 1.
    pub fn send_counts(&self) -> HashMap<String, usize> {
        self.lock()
            .history
            .by_number
            .iter()
            .map(|(digits, seqs)| (format!("+{digits}"), seqs.len()))
            .collect()
    }

    /// Per-number attempts kept (at most [`SEND_HISTORY_CAPACITY`]).
    pub fn history_len(&self) -> usize {
        self.lock().history.len()
    }

    pub fn signs(&self) -> Vec<Sign> {
        self.lock().signs.values().cloned().collect()
    }

    pub fn templates(&self) -> Vec<Template> {
        self.lock().templates.values().cloned().collect()
    }

    /// The next `count` accepted `SendSms` requests record their messages, then answer the error `code`
    /// instead of their statuses: the caller cannot tell what was sent (the module docs say why).
    pub fn fail_after_send(&self, code: impl Into<String>, count: u64) {
        self.lock().fail_after_send = Some((code.into(), count));
    }

    /// Register another `SmsSdkAppId`.
    pub fn add_app(&self, app_id: impl Into<String>) {
        self.lock().apps.insert(app_id.into());
    }

    /// Set a sign's review status (and the reviewer's reply, shown as `ReviewReply`).
    pub fn review_sign(&self, id: u64, status: ReviewStatus, reply: &str) -> Result<(), UnknownId> {
        let mut st = self.lock();
        let sign = st.signs.get_mut(&id).ok_or(UnknownId { kind: "sign", id })?;
        sign.status = status;
        sign.review_reply = reply.to_owned();
        Ok(())
    }

    pub fn approve_sign(&self, id: u64) -> Result<(), UnknownId> {
        self.review_sign(id, ReviewStatus::Approved, "")
    }

    pub fn reject_sign(&self, id: u64, reply: &str) -> Result<(), UnknownId> {
        self.review_sign(id, ReviewStatus::Rejected, reply)
    }

    /// Set a template's review status (and the reviewer's reply).
    pub fn review_template(&self, id: u64, status: ReviewStatus, reply: &str) -> Result<(), UnknownId> {
        let mut st = self.lock();
        let t = st.templates.get_mut(&id).ok_or(UnknownId { kind: "template", id })?;
        t.status = status;
        t.review_reply = reply.to_owned();
        Ok(())
    }

    pub fn approve_template(&self, id: u64) -> Result<(), UnknownId> {
        self.review_template(id, ReviewStatus::Approved, "")
    }

    pub fn reject_template(&self, id: u64, reply: &str) -> Result<(), UnknownId> {
        self.review_template(id, ReviewStatus::Rejected, reply)
    }

    /// Back to the seed: apps, signs and templates as at start, no history.
    pub fn reset(&self) {
        *self.lock() = State::seeded();
    }

    /// Serve a stateful action; `None` when `action` has no state here (the caller answers the example).
    fn answer(&self, action: &str, body: &Value, now: i64) -> Option<Result<Map<String, Value>, ApiError>> {
        let r = match action {
            "SendSms" => self.send_sms(body, now),
            "AddSmsSign" => self.add_sign(body, now),
            "ModifySmsSign" => self.modify_sign(body),
            "DeleteSmsSign" => self.delete_sign(body, now),
            "DescribeSmsSignList" => self.describe_signs(body),
            "AddSmsTemplate" => self.add_template(body, now),
            "ModifySmsTemplate" => self.modify_template(body),
            "DeleteSmsTemplate" => self.delete_template(body, now),
            "DescribeSmsTemplateList" => self.describe_templates(body),
            "PullSmsSendStatus" => self.pull_status(body),
            "PullSmsSendStatusByPhoneNumber" => self.pull_status_by_number(body, now),
            "SendStatusStatistics" => self.statistics(body),
            _ => return None,
        };
        Some(r)
    }

    fn send_sms(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let app = str_of(body, "SmsSdkAppId");
        let numbers: Vec<&str> = strs_of(body, "PhoneNumberSet");
        let params: Vec<String> = strs_of(body, "TemplateParamSet")
            .into_iter()
            .map(str::to_owned)
            .collect();
        let sign_name = body.get("SignName").and_then(Value::as_str).filter(|s| !s.is_empty());
        let session = str_of(body, "SessionContext").to_owned();
        let template_text = str_of(body, "TemplateId");

        let mut st = self.lock();
        if !st.apps.contains(app) {
            return Err(ApiError::new(
                "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                format!("SmsSdkAppId `{app}` verify fail: no such application."),
            ));
        }
        if numbers.is_empty() {
            return Err(ApiError::new(
                "MissingParameter.EmptyPhoneNumberSet",
                "PhoneNumberSet is empty.",
            ));
        }
        if numbers.len() > 200 {
            return Err(ApiError::new(
                "LimitExceeded.PhoneNumberCountLimit",
                format!("PhoneNumberSet has {} numbers; at most 200 are allowed.", numbers.len()),
            ));
        }
        let parsed: Vec<Number> = numbers.iter().map(|n| classify(n)).collect();
        let mainland = parsed.iter().any(|n| matches!(n, Number::Valid { mainland: true, .. }));
        let international = parsed
            .iter()
            .any(|n| matches!(n, Number::Valid { mainland: false, .. }));
        if mainland && international {
            return Err(ApiError::new(
                "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
                "PhoneNumberSet mixes Chinese mainland and international numbers.",
            ));
        }
        let intl_flag = u64::from(international);
        let sign = match sign_name {
            None if !international => {
                return Err(ApiError::new(
                    "FailedOperation.SignatureIncorrectOrUnapproved",
                    "SignName is required for Chinese mainland SMS.",
                ))
            }
            None => None,
            Some(name) => {
                let found = st
                    .signs
                    .values()
                    .filter(|s| s.name == name && s.international == intl_flag)
                    .max_by_key(|s| s.status == ReviewStatus::Approved);
                match found {
                    Some(s) if s.status == ReviewStatus::Approved => Some(s.name.clone()),
                    Some(_) => {
                        return Err(ApiError::new(
                            "FailedOperation.SignatureIncorrectOrUnapproved",
                            format!("The sign `{name}` is not approved."),
                        ))
                    }
                    None => {
                        return Err(ApiError::new(
                            "FailedOperation.SignatureIncorrectOrUnapproved",
                            format!("The sign `{name}` does not exist."),
                        ))
                    }
                }
            }
        };
        let template = template_text.parse::<u64>().ok().and_then(|id| st.templates.get(&id));
        let template = match template {
            Some(t) if t.status == ReviewStatus::Approved => t.clone(),
            Some(_) => {
                return Err(ApiError::new(
                    "FailedOperation.TemplateIncorrectOrUnapproved",
                    format!("The template `{template_text}` is not approved."),
                ))
            }
            None => {
                return Err(ApiError::new(
                    "FailedOperation.TemplateIncorrectOrUnapproved",
                    format!("The template `{template_text}` does not exist."),
                ))
            }
        };
        if template.international == 0 && international {
            return Err(ApiError::new(
                "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
                "A Chinese mainland template cannot be sent to international numbers.",
            ));
        }
        if template.international == 1 && mainland {
            return Err(ApiError::new(
                "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
                "An international template cannot be sent to Chinese mainland numbers.",
            ));
        }
        let slots = placeholders(&template.content);
        if slots.len() != params.len() {
            return Err(ApiError::new(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                format!(
                    "TemplateParamSet has {} values but template {} has {} placeholders.",
                    params.len(),
                    template.id,
                    slots.len()
                ),
            ));
        }
        let rendered = render(&template.content, &slots, &params);
        let text = match &sign {
            Some(s) => format!("【{s}】{rendered}"),
            None => rendered,
        };
        let fee = fee_of(&text);

        let request = Arc::new(SendRequest {
            app_id: app.into(),
            sign_name: sign.map(String::into_boxed_str),
            template_id: template.id,
            params: params.into_boxed_slice(),
            text: text.into_boxed_str(),
            fee,
            session_context: session.into_boxed_str(),
            time: now,
        });
        let mut statuses = Vec::with_capacity(parsed.len());
        let mut reports = Vec::new();
        for (raw, number) in numbers.iter().zip(parsed) {
            let (e164, iso, nation) = match number {
                Number::Valid {
                    e164,
                    iso,
                    country_code,
                    subscriber,
                    ..
                } => (Some(e164), iso, Some((country_code, subscriber))),
                Number::Invalid => (None, "", None),
            };
            let digits = e164.as_deref().and_then(|e| e[1..].parse::<u64>().ok());
            let serial = if digits.is_some() {
                st.next_serial += 1;
                st.next_serial - 1
            } else {
                0
            };
            let attempt = Attempt {
                request: request.clone(),
                requested: (e164.as_deref() != Some(*raw)).then(|| (*raw).into()),
                e164: digits,
                serial,
                pulled: false,
            };
            let ok = attempt.ok();
            statuses.push(json!({
                "SerialNo": attempt.serial_no(),
                "PhoneNumber": e164.unwrap_or_else(|| (*raw).to_owned()),
                "Fee": attempt.fee(),
                "SessionContext": &*request.session_context,
                "Code": if ok { "Ok" } else { INCORRECT_NUMBER },
                "Message": if ok { "send success".to_owned() } else { format!("incorrect phone number: {raw}") },
                "IsoCode": iso,
            }));
            if let (true, Some((cc, mobile))) = (ok, nation) {
                reports.push(StatusReport::delivered(now, &cc, &mobile, attempt.serial_no()));
            }
            st.history.push(attempt);
        }
        if let (Some(push), false) = (&self.status_push, reports.is_empty()) {
            push.push(reports);
        }
        if let Some((code, left @ 1..)) = &mut st.fail_after_send {
            *left -= 1;
            return Err(ApiError::new(
                code.clone(),
                "The request failed after the messages were handed on (emulated).",
            ));
        }
        Ok(obj([("SendStatusSet", Value::Array(statuses))]))
    }

    fn add_sign(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let name = str_of(body, "SignName").to_owned();
        let international = international_of(body)?;
        let sign_type = u64_of(body, "SignType");
        let document_type = u64_of(body, "DocumentType");
        let sign_purpose = u64_of(body, "SignPurpose");
        check_sign_fields(&name, sign_purpose)?;
        let mut st = self.lock();
        if st
            .signs
            .values()
            .any(|s| s.name == name && s.international == international && s.status == ReviewStatus::UnderReview)
        {
            return Err(ApiError::new(
                "InvalidParameterValue.SignExistAndUnapproved",
                format!("A sign named `{name}` is already under review."),
            ));
        }
        let id = st.next_sign_id;
        st.next_sign_id += 1;
        st.signs.insert(
            id,
            Sign {
                id,
                name,
                international,
                status: ReviewStatus::UnderReview,
                review_reply: String::new(),
                create_time: now.max(0) as u64,
                sign_type,
                document_type,
                sign_purpose,
                remark: str_of(body, "Remark").to_owned(),
            },
        );
        Ok(obj([("AddSignStatus", json!({"SignId": id, "SignApplyId": id}))]))
    }

    fn modify_sign(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "SignId");
        let name = str_of(body, "SignName").to_owned();
        let international = international_of(body)?;
        let sign_purpose = u64_of(body, "SignPurpose");
        check_sign_fields(&name, sign_purpose)?;
        let mut st = self.lock();
        let Some(sign) = st.signs.get_mut(&id) else {
            return Err(ApiError::new(
                "FailedOperation.MissingSignatureToModify",
                format!("Sign {id} does not exist."),
            ));
        };
        if sign.status == ReviewStatus::Approved {
            return Err(ApiError::new(
                "InvalidParameterValue.SignAlreadyPassedCheck",
                format!("Sign {id} is approved and can no longer be modified."),
            ));
        }
        sign.name = name;
        sign.international = international;
        sign.sign_type = u64_of(body, "SignType");
        sign.document_type = u64_of(body, "DocumentType");
        sign.sign_purpose = sign_purpose;
        sign.remark = str_of(body, "Remark").to_owned();
        sign.status = ReviewStatus::UnderReview;
        sign.review_reply.clear();
        Ok(obj([(
            "ModifySignStatus",
            json!({"SignId": id, "SignApplyId": id.to_string()}),
        )]))
    }

    fn delete_sign(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "SignId");
        if self.lock().signs.remove(&id).is_none() {
            return Err(ApiError::new(
                "FailedOperation.SignIdNotExist",
                format!("Sign {id} does not exist."),
            ));
        }
        Ok(obj([(
            "DeleteSignStatus",
            json!({"DeleteStatus": "return successfully!", "DeleteTime": now}),
        )]))
    }

    fn describe_signs(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let ids: Vec<u64> = u64s_of(body, "SignIdSet");
        let st = self.lock();
        let items: Vec<Value> = page(
            body,
            st.signs
                .values()
                .filter(|s| s.international == international && (ids.is_empty() || ids.contains(&s.id))),
        )?
        .map(|s| {
            json!({
                "SignId": s.id,
                "International": s.international,
                "StatusCode": s.status.status_code(),
                "ReviewReply": s.review_reply,
                "SignName": s.name,
                "CreateTime": s.create_time,
            })
        })
        .collect();
        Ok(obj([("DescribeSignListStatusSet", Value::Array(items))]))
    }

    fn add_template(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let sms_type = sms_type_of(body)?;
        let content = str_of(body, "TemplateContent").to_owned();
        check_template_content(&content)?;
        let mut st = self.lock();
        let id = st.next_template_id;
        st.next_template_id += 1;
        st.templates.insert(
            id,
            Template {
                id,
                name: str_of(body, "TemplateName").to_owned(),
                content,
                international,
                sms_type,
                status: ReviewStatus::UnderReview,
                review_reply: String::new(),
                create_time: now.max(0) as u64,
                remark: str_of(body, "Remark").to_owned(),
            },
        );
        Ok(obj([("AddTemplateStatus", json!({"TemplateId": id.to_string()}))]))
    }

    fn modify_template(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "TemplateId");
        let international = international_of(body)?;
        let sms_type = sms_type_of(body)?;
        let content = str_of(body, "TemplateContent").to_owned();
        check_template_content(&content)?;
        let mut st = self.lock();
        let Some(t) = st.templates.get_mut(&id) else {
            return Err(ApiError::new(
                "FailedOperation.MissingTemplateToModify",
                format!("Template {id} does not exist."),
            ));
        };
        if t.status == ReviewStatus::Approved {
            return Err(ApiError::new(
                "FailedOperation.TemplateAlreadyPassedCheck",
                format!("Template {id} is approved and can no longer be modified."),
            ));
        }
        t.name = str_of(body, "TemplateName").to_owned();
        t.content = content;
        t.international = international;
        t.sms_type = sms_type;
        t.remark = str_of(body, "Remark").to_owned();
        t.status = ReviewStatus::UnderReview;
        t.review_reply.clear();
        Ok(obj([("ModifyTemplateStatus", json!({"TemplateId": id}))]))
    }

    fn delete_template(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let id = u64_of(body, "TemplateId");
        if self.lock().templates.remove(&id).is_none() {
            return Err(ApiError::new(
                "FailedOperation.TemplateIdNotExist",
                format!("Template {id} does not exist."),
            ));
        }
        Ok(obj([(
            "DeleteTemplateStatus",
            json!({"DeleteStatus": "return successfully!", "DeleteTime": now}),
        )]))
    }

    fn describe_templates(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let international = international_of(body)?;
        let ids: Vec<u64> = u64s_of(body, "TemplateIdSet");
        let st = self.lock();
        let items: Vec<Value> = page(
            body,
            st.templates
                .values()
                .filter(|t| t.international == international && (ids.is_empty() || ids.contains(&t.id))),
        )?
        .map(|t| {
            json!({
                "TemplateId": t.id,
                "International": t.international,
                "StatusCode": t.status.status_code(),
                "ReviewReply": t.review_reply,
                "TemplateName": t.name,
                "CreateTime": t.create_time,
                "TemplateContent": t.content,
            })
        })
        .collect();
        Ok(obj([("DescribeTemplateStatusSet", Value::Array(items))]))
    }

    fn check_app(st: &State, body: &Value) -> Result<(), ApiError> {
        let app = str_of(body, "SmsSdkAppId");
        if st.apps.contains(app) {
            Ok(())
        } else {
            Err(ApiError::new(
                "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                format!("SmsSdkAppId `{app}` verify fail: no such application."),
            ))
        }
    }

    fn pull_status(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let limit = limit_of(body)?;
        let app = str_of(body, "SmsSdkAppId");
        let mut st = self.lock();
        Self::check_app(&st, body)?;
        let mut out = Vec::new();
        for attempt in st.history.attempts.iter_mut() {
            if out.len() as u64 >= limit {
                break;
            }
            if !attempt.pulled && attempt.ok() && &*attempt.request.app_id == app {
                attempt.pulled = true;
                out.push(report(attempt));
            }
        }
        Ok(obj([("PullSmsSendStatusSet", Value::Array(out))]))
    }

    fn pull_status_by_number(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let limit = limit_of(body)?;
        let offset = u64_of(body, "Offset") as usize;
        let begin = u64_of(body, "BeginTime") as i64;
        let end = body.get("EndTime").and_then(Value::as_u64).map_or(now, |e| e as i64);
        if end < begin {
            return Err(ApiError::new(
                "InvalidParameterValue.InvalidStartTime",
                "BeginTime is after EndTime.",
            ));
        }
        let number = str_of(body, "PhoneNumber");
        let Some(digits) = e164_digits(number) else {
            return Err(ApiError::new(
                "InvalidParameterValue.IncorrectPhoneNumber",
                format!("`{number}` is not a phone number."),
            ));
        };
        let app = str_of(body, "SmsSdkAppId");
        let st = self.lock();
        Self::check_app(&st, body)?;
        let out: Vec<Value> = st
            .history
            .of_number(digits)
            .filter(|a| &*a.request.app_id == app && (begin..=end).contains(&a.request.time))
            .skip(offset)
            .take(limit as usize)
            .map(report)
            .collect();
        Ok(obj([("PullSmsSendStatusSet", Value::Array(out))]))
    }

    fn statistics(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let begin = parse_hour(body, "BeginTime", "InvalidParameterValue.BeginTimeVerifyFail")?;
        let end = parse_hour(body, "EndTime", "InvalidParameterValue.EndTimeVerifyFail")?;
        if end < begin {
            return Err(ApiError::new(
                "InvalidParameterValue.InvalidStartTime",
                "BeginTime is after EndTime.",
            ));
        }
        let app = str_of(body, "SmsSdkAppId");
        let st = self.lock();
        Self::check_app(&st, body)?;
        let (mut requests, mut success, mut fee) = (0u64, 0u64, 0u64);
        for a in st.history.iter() {
            let time = a.request.time;
            if &*a.request.app_id == app && time >= begin && time < end + 3600 {
                requests += 1;
                if a.ok() {
                    success += 1;
                    fee += a.fee();
                }
            }
        }
        Ok(obj([(
            "SendStatusStatistics",
            json!({"FeeCount": fee, "RequestCount": requests, "RequestSuccessCount": success}),
        )]))
    }
}

fn parse_hour(body: &Value, key: &str, code: &str) -> Result<i64, ApiError> {
    let s = str_of(body, key);
    crate::clock::parse_yyyymmddhh_cst(s)
        .ok_or_else(|| ApiError::new(code, format!("{key} `{s}` is not YYYYMMDDHH (UTC+8).")))
}

fn report(a: &Attempt) -> Value {
    let s = a.to_sent();
    json!({
        "UserReceiveTime": s.time,
        "CountryCode": s.country_code,
        "SubscriberNumber": s.subscriber_number,
        "PhoneNumber": s.phone_number,
        "SerialNo": s.serial_no,
        "ReportStatus": "SUCCESS",
        "Description": "DELIVRD",
        "SessionContext": s.session_context,
    })
}

fn obj<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

// The body was validated against the spec before we get here: members have the right types.
fn str_of<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn strs_of<'a>(body: &'a Value, key: &str) -> Vec<&'a str> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn u64_of(body: &Value, key: &str) -> u64 {
    body.get(key).and_then(Value::as_u64).unwrap_or_default()
}

fn u64s_of(body: &Value, key: &str) -> Vec<u64> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn international_of(body: &Value) -> Result<u64, ApiError> {
    match u64_of(body, "International") {
        v @ (0 | 1) => Ok(v),
        v => Err(ApiError::new(
            "InvalidParameterValue.InvalidInternational",
            format!("International must be 0 (mainland) or 1 (international), got {v}."),
        )),
    }
}

fn sms_type_of(body: &Value) -> Result<u64, ApiError> {
    match u64_of(body, "SmsType") {
        v @ (0 | 1) => Ok(v),
        v => Err(ApiError::new(
            "InvalidParameterValue.InvalidSmsType",
            format!("SmsType must be 0 (ordinary) or 1 (marketing), got {v}."),
        )),
    }
}

fn check_sign_fields(name: &str, purpose: u64) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len > 20 {
        return Err(ApiError::new(
            "InvalidParameterValue.SignNameLengthTooLong",
            format!("SignName has {len} characters; at most 20 are allowed."),
        ));
    }
    if purpose > 2 {
        return Err(ApiError::new(
            "InvalidParameterValue.InvalidSignPurpose",
            format!("SignPurpose must be 0, 1 or 2, got {purpose}."),
        ));
    }
    Ok(())
}

fn check_template_content(content: &str) -> Result<(), ApiError> {
    if content.trim().is_empty() {
        return Err(ApiError::new(
            "InvalidParameterValue.InvalidTemplateFormat",
            "TemplateContent is empty.",
        ));
    }
    Ok(())
}

fn limit_of(body: &Value) -> Result<u64, ApiError> {
    let limit = u64_of(body, "Limit");
    if limit > 100 {
        return Err(ApiError::new(
            "InvalidParameterValue.LimitVerifyFail",
            format!("Limit must be at most 100, got {limit}."),
        ));
    }
    Ok(limit)
}

fn page<'a, T: 'a>(
    body: &Value,
    it: impl Iterator<Item = &'a T> + 'a,
) -> Result<impl Iterator<Item = &'a T> + 'a, ApiError> {
    let offset = u64_of(body, "Offset") as usize;
    let limit = match body.get("Limit").and_then(Value::as_u64) {
        None => usize::MAX,
        Some(l) if l <= 100 => l as usize,
        Some(l) => {
            return Err(ApiError::new(
                "InvalidParameterValue.LimitVerifyFail",
                format!("Limit must be at most 100, got {l}."),
            ))
        }
    };
    Ok(it.skip(offset).take(limit))
}

/// Distinct placeholder numbers `{n}` in a template, ascending.
pub fn placeholders(content: &str) -> Vec<u32> {
    let mut found = BTreeSet::new();
    let mut rest = content;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(n) = after[..close].parse() {
                    found.insert(n);
                }
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    found.into_iter().collect()
}

/// The template with each `{n}` replaced by its parameter, in one pass over the template: a parameter is
/// copied as it is, never scanned again (a parameter holding `{2}` used to be expanded again, so 35 KB of
/// parameters grew into 100 MB of text). The result is at most the template plus each parameter per slot.
fn render(content: &str, slots: &[u32], params: &[String]) -> String {
    let value_of = |n: u32| slots.iter().position(|s| *s == n).and_then(|i| params.get(i));
    let mut out = String::with_capacity(content.len() + params.iter().map(String::len).sum::<usize>());
    let mut rest = content;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let slot = after
            .find('}')
            .filter(|&close| close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()))
            .and_then(|close| Some((close, value_of(after[..close].parse().ok()?)?)));
        match slot {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Billed messages for a text: ≤ 70 characters is one, longer ones are split in 67-character parts.
pub fn fee_of(text: &str) -> u64 {
    let len = text.chars().count() as u64;
    if len <= 70 {
        1
    } else {
        len.div_ceil(67)
    }
}

enum Number {
    Valid {
        mainland: bool,
        e164: String,
        country_code: String,
        subscriber: String,
        iso: &'static str,
    },
    Invalid,
}

const COUNTRY_CODES: &[(&str, &str)] = &[
    ("852", "HK"),
    ("853", "MO"),
    ("886", "TW"),
    ("1", "US"),
    ("7", "RU"),
    ("33", "FR"),
    ("44", "GB"),
    ("49", "DE"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("91", "IN"),
];

/// The E.164 digits (without `+`) of a valid number, as the history's key.
fn e164_digits(raw: &str) -> Option<u64> {
    match classify(raw) {
        Number::Valid { e164, .. } => e164[1..].parse().ok(),
        Number::Invalid => None,
    }
}

fn classify(raw: &str) -> Number {
    let s = raw.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mainland_rest = if let Some(r) = s.strip_prefix("+86") {
        Some(r)
    } else if let Some(r) = s.strip_prefix("0086") {
        Some(r)
    } else if s.len() == 13 && s.starts_with("86") && digits(s) {
        Some(&s[2..])
    } else if s.len() == 11 && s.starts_with('1') && digits(s) {
        Some(s)
    } else {
        None
    };
    if let Some(rest) = mainland_rest {
        if rest.len() == 11 && rest.starts_with('1') && digits(rest) {
            return Number::Valid {
                mainland: true,
                e164: format!("+86{rest}"),
                country_code: "86".into(),
                subscriber: rest.to_owned(),
                iso: "CN",
            };
        }
        return Number::Invalid;
    }
    let Some(d) = s.strip_prefix('+') else {
        return Number::Invalid;
    };
    if !digits(d) || !(8..=15).contains(&d.len()) || d.starts_with('0') {
        return Number::Invalid;
    }
    let (cc, iso) = COUNTRY_CODES
        .iter()
        .find(|(cc, _)| d.starts_with(cc))
        .map(|(cc, iso)| ((*cc).to_owned(), *iso))
        .unwrap_or_else(|| (d[..2].to_owned(), ""));
    Number::Valid {
        mainland: false,
        e164: format!("+{d}"),
        subscriber: d[cc.len()..].to_owned(),
        country_code: cc,
        iso,
    }
}

/// SMS 2021-01-11 as a plug-in of the generic server; its admin paths are `/_emulator/sms/...`.
impl StatefulProduct for Sms {
    fn product(&self) -> &str {
        "sms"
    }

    fn version(&self) -> &str {
        "2021-01-11"
    }

    fn handle(&self, action: &str, input: &Value, now: i64) -> Option<Result<Map<String, Value>, ApiError>> {
        self.answer(action, input, now)
    }

    /// `GET sent|signs|templates`, `POST signs|templates/<id>/approve|reject` (`{"ReviewReply": ".."}`).
    fn admin(&self, method: &Method, path: &[&str], body: &Value) -> Option<(StatusCode, Value)> {
        let ok = |v: Value| Some((StatusCode::OK, v));
        let to_json = |v: Result<Value, serde_json::Error>| v.unwrap_or(Value::Null);
        match (method, path) {
            (&Method::GET, ["sent"]) => ok(to_json(serde_json::to_value(self.sent()))),
            (&Method::GET, ["signs"]) => ok(to_json(serde_json::to_value(self.signs()))),
            (&Method::GET, ["templates"]) => ok(to_json(serde_json::to_value(self.templates()))),
            (&Method::POST, [kind @ ("signs" | "templates"), id, verb @ ("approve" | "reject")]) => {
                let id = id.parse::<u64>().ok()?;
                let reply = body.get("ReviewReply").and_then(Value::as_str).unwrap_or_default();
                let r = match (*kind, *verb) {
                    ("signs", "approve") => self.approve_sign(id),
                    ("signs", _) => self.reject_sign(id, reply),
                    (_, "approve") => self.approve_template(id),
                    _ => self.reject_template(id, reply),
                };
                Some(match r {
                    Ok(()) => (StatusCode::OK, json!({"ok": true})),
                    Err(e) => (StatusCode::NOT_FOUND, json!({"error": e.to_string()})),
                })
            }
            _ => None,
        }
    }

    fn reset(&self) {
        Sms::reset(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees() {
        assert_eq!(fee_of(&"字".repeat(70)), 1);
        assert_eq!(fee_of(&"字".repeat(71)), 2);
        assert_eq!(fee_of(&"字".repeat(134)), 2);
        assert_eq!(fee_of(&"字".repeat(135)), 3);
    }

    #[test]
    fn placeholders_are_distinct() {
        assert_eq!(placeholders(SEED_TEMPLATE_CONTENT), vec![1, 2]);
        assert_eq!(placeholders("{1}{1}{x}{}{3"), vec![1]);
        assert_eq!(render("a{1}b{2}{1}", &[1, 2], &["X".into(), "Y".into()]), "aXbYX");
    }

    fn send(sms: &Sms, numbers: &[String], session: &str) -> Map<String, Value> {
        let body = json!({
            "SmsSdkAppId": SEED_SDK_APP_ID, "TemplateId": "1110", "SignName": SEED_SIGN_NAME,
            "TemplateParamSet": ["1234", "5"], "PhoneNumberSet": numbers, "SessionContext": session,
        });
        sms.send_sms(&body, 1_700_000_000).unwrap()
    }

    #[test]
    fn history_is_capped_oldest_first_and_the_index_follows() {
        let sms = Sms::new();
        let numbers: Vec<String> = (0..200).map(|i| format!("+86138{i:08}")).collect();
        let rounds = SEND_HISTORY_CAPACITY / 200 + 2;
        for round in 0..rounds {
            send(&sms, &numbers, &format!("round-{round}"));
        }
        assert_eq!(sms.history_len(), SEND_HISTORY_CAPACITY);
        // Two rounds were evicted: every number keeps exactly the kept rounds, and the index agrees.
        assert_eq!(sms.send_count("+8613800000007"), rounds - 2);
        assert_eq!(sms.send_count("13800000007"), rounds - 2, "bare mainland spelling");
        let counts = sms.send_counts();
        assert_eq!(counts.len(), 200);
        assert!(counts.values().all(|&c| c == rounds - 2));
        let st = sms.lock();
        let oldest = st.history.of_number(13_800_000_007 + 8_600_000_000_000).next().unwrap();
        assert_eq!(&*oldest.request.session_context, "round-2");
    }

    #[test]
    fn pull_by_number_answers_each_send_with_its_session_context() {
        let sms = Sms::new();
        send(&sms, &["+8613800000001".into(), "bad".into()], "batch-a");
        send(&sms, &["008613800000001".into()], "batch-b");
        let body = json!({"SmsSdkAppId": SEED_SDK_APP_ID, "PhoneNumber": "+8613800000001",
            "BeginTime": 1_699_999_000u64, "EndTime": 1_700_000_100u64, "Offset": 0, "Limit": 100});
        let out = sms.pull_status_by_number(&body, 1_700_000_000).unwrap();
        let contexts: Vec<&str> = out["PullSmsSendStatusSet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["SessionContext"].as_str().unwrap())
            .collect();
        assert_eq!(contexts, ["batch-a", "batch-b"]);
        assert_eq!(sms.attempts().len(), 3);
        assert_eq!(sms.attempts()[1].code, INCORRECT_NUMBER);
        assert_eq!(sms.sent()[1].requested_number, "008613800000001");
        assert_eq!(sms.sent()[1].phone_number, "+8613800000001");
        assert_eq!(sms.sent()[1].subscriber_number, "13800000001");
    }

    #[test]
    fn fail_after_send_records_then_answers_the_code_n_times() {
        let sms = Sms::new();
        sms.fail_after_send("InternalError", 1);
        let body = json!({
            "SmsSdkAppId": SEED_SDK_APP_ID, "TemplateId": "1110", "SignName": SEED_SIGN_NAME,
            "TemplateParamSet": ["1234", "5"], "PhoneNumberSet": ["+8613800000001"],
        });
        assert_eq!(sms.send_sms(&body, 1_700_000_000).unwrap_err().code, "InternalError");
        assert_eq!(sms.send_count("+8613800000001"), 1, "recorded before the error");
        assert!(sms.send_sms(&body, 1_700_000_000).is_ok());
        assert_eq!(sms.send_count("+8613800000001"), 2);
    }

    #[test]
    fn large_parameters_are_bounded_by_bytes() {
        let sms = Sms::new();
        let big = "x".repeat(8 * 1024 * 1024);
        for i in 0..12 {
            let body = json!({
                "SmsSdkAppId": SEED_SDK_APP_ID, "TemplateId": "1110", "SignName": SEED_SIGN_NAME,
                "TemplateParamSet": [big, "5"], "PhoneNumberSet": [format!("+86138{i:08}")],
            });
            sms.send_sms(&body, 1_700_000_000).unwrap();
        }
        let st = sms.lock();
        assert!(
            st.history.request_bytes <= SEND_HISTORY_MAX_REQUEST_BYTES,
            "{}",
            st.history.request_bytes
        );
        assert!(st.history.len() < 12);
    }

    #[test]
    fn numbers() {
        for m in ["+8618501234444", "008618501234444", "8618501234444", "18501234444"] {
            assert!(
                matches!(classify(m), Number::Valid { mainland: true, ref e164, .. } if e164 == "+8618501234444"),
                "{m}"
            );
        }
        assert!(matches!(
            classify("+85261234567"),
            Number::Valid {
                mainland: false,
                iso: "HK",
                ..
            }
        ));
        for bad in ["+86123", "12345", "+0123456789", "abc", "+1-202-555"] {
            assert!(matches!(classify(bad), Number::Invalid), "{bad}");
        }
    }
}
