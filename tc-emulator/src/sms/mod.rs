//! Stateful SMS (`sms` 2021-01-11): apps, signs, templates, sends and delivery reports.
//!
//! The parts: `send.rs` (SendSms and the delivery reports), `review.rs` (a generic store
//! for things under review: signs and templates, and their actions), `history.rs` (the compact send
//! history), `numbers.rs`, `text.rs` (placeholders, rendering, fees), `params.rs` (reading the input).
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

mod history;
mod numbers;
mod params;
mod review;
mod send;
mod text;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::product::StatefulProduct;
use crate::response::ApiError;
use history::{Attempt, History};
use review::ReviewStore;

pub use text::{fee_of, placeholders};

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
    signs: ReviewStore<Sign>,
    templates: ReviewStore<Template>,
    next_serial: u64,
    history: History,
    /// [`Sms::fail_after_send`]: the code, and how many more sends answer it.
    fail_after_send: Option<(String, u64)>,
}

impl State {
    fn seeded() -> State {
        let sign = Sign {
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
        };
        let template = Template {
            id: SEED_TEMPLATE_ID,
            name: SEED_TEMPLATE_NAME.into(),
            content: SEED_TEMPLATE_CONTENT.into(),
            international: 0,
            sms_type: 0,
            status: ReviewStatus::Approved,
            review_reply: String::new(),
            create_time: SEED_CREATE_TIME,
            remark: String::new(),
        };
        State {
            apps: [SEED_SDK_APP_ID.to_owned()].into_iter().collect(),
            signs: ReviewStore::seeded(SEED_SIGN_ID, sign),
            templates: ReviewStore::seeded(SEED_TEMPLATE_ID, template),
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
        let Some(digits) = numbers::e164_digits(number) else {
            return 0;
        };
        self.lock().history.count_of(digits)
    }

    /// Delivered messages per E.164 number (`+8618501234444`) within the kept history: a test's proof that
    /// no number was sent twice is every value being 1.
    pub fn send_counts(&self) -> HashMap<String, usize> {
        self.lock()
            .history
            .counts()
            .map(|(digits, n)| (format!("+{digits}"), n))
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
        self.lock().signs.review(id, status, reply)
    }

    pub fn approve_sign(&self, id: u64) -> Result<(), UnknownId> {
        self.review_sign(id, ReviewStatus::Approved, "")
    }

    pub fn reject_sign(&self, id: u64, reply: &str) -> Result<(), UnknownId> {
        self.review_sign(id, ReviewStatus::Rejected, reply)
    }

    /// Set a template's review status (and the reviewer's reply).
    pub fn review_template(&self, id: u64, status: ReviewStatus, reply: &str) -> Result<(), UnknownId> {
        self.lock().templates.review(id, status, reply)
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
    use super::history::INCORRECT_NUMBER;
    use super::numbers::{classify, Number};
    use super::text::render;
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
            st.history.request_bytes() <= SEND_HISTORY_MAX_REQUEST_BYTES,
            "{}",
            st.history.request_bytes()
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
