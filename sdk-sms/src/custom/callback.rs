//! Typed parsers of the two HTTP callbacks Tencent SMS makes to a URL set in the console: the status
//! report ("SMS Sending Status Notification", document 382/43547) and the reply (an SMS a recipient sent
//! back), and the answers the service expects.
//!
//! ```text
//! status report: [{"user_receive_time":"2026-12-07 10:00:00","nationcode":"86","mobile":"13800000000",
//!                  "report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"<SerialNo>"}]
//! reply:         [{"extend":"","mobile":"13800000000","nationcode":"86","sign":"腾讯云","text":"TD","time":1765072800}]
//! answer:        {"result":0,"errmsg":"OK"}   (anything else: result non-zero and errmsg saying why)
//! ```
//!
//! Decisions:
//! - A body is one JSON array of reports (a single object is accepted too, as some of Tencent's samples
//!   show it). At most [`MAX_BODY_BYTES`] bytes and [`MAX_ITEMS`] items; each field at most
//!   [`MAX_FIELD_CHARS`] characters. Anything else is a [`CallbackError`] that says where (item, field)
//!   and never quotes the body (it holds phone numbers and message text).
//! - Unknown fields are ignored (the service may add some); missing ones are errors. `mobile` and
//!   `nationcode` must be digits; `sid` must be non-empty; `report_status` is `SUCCESS` or `FAIL`.
//! - Personal data: `Debug` shows a number's last four digits and hides reply text
//!   (see docs/security.md).

use std::fmt;

use serde::Deserialize;

/// Largest body parsed: a status report is about 250 bytes, and the service batches at most a few
/// hundred per request.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Most reports in one body.
pub const MAX_ITEMS: usize = 4096;
/// Longest field (in characters).
pub const MAX_FIELD_CHARS: usize = 512;
/// What the receiver answers when it took the body.
pub const ACK_OK: &str = r#"{"result":0,"errmsg":"OK"}"#;

/// Whether the message reached the handset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStatus {
    /// `SUCCESS`: delivered.
    Success,
    /// `FAIL`: not delivered (`errmsg` says why).
    Fail,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Success => "SUCCESS",
            ReportStatus::Fail => "FAIL",
        }
    }
}

/// One status report.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// `YYYY-MM-DD HH:MM:SS`, Beijing time (UTC+8), as the service sends it.
    pub user_receive_time: String,
    pub nationcode: String,
    pub mobile: String,
    pub report_status: ReportStatus,
    /// The carrier's code (`DELIVRD`, ...).
    pub errmsg: String,
    pub description: String,
    /// The SerialNo `SendSms` returned for this number.
    pub sid: String,
}

impl StatusReport {
    /// The number in E.164 (`+8613800000000`).
    pub fn e164(&self) -> String {
        format!("+{}{}", self.nationcode, self.mobile)
    }

    /// `user_receive_time` as Unix seconds, if it is a valid time.
    pub fn received_at(&self) -> Option<i64> {
        beijing_to_unix(&self.user_receive_time)
    }
}

impl fmt::Debug for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatusReport")
            .field("user_receive_time", &self.user_receive_time)
            .field("nationcode", &self.nationcode)
            .field("mobile", &sdk_core::redact::Phone(&self.mobile))
            .field("report_status", &self.report_status)
            .field("errmsg", &self.errmsg)
            .field("description", &self.description)
            .field("sid", &self.sid)
            .finish()
    }
}

/// One reply SMS from a recipient.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// The extension number the reply was sent to (may be empty).
    pub extend: String,
    pub mobile: String,
    pub nationcode: String,
    pub sign: String,
    /// What the recipient wrote (personal data).
    pub text: String,
    /// Unix seconds.
    pub time: i64,
}

impl Reply {
    /// The number in E.164.
    pub fn e164(&self) -> String {
        format!("+{}{}", self.nationcode, self.mobile)
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("extend", &self.extend)
            .field("mobile", &sdk_core::redact::Phone(&self.mobile))
            .field("nationcode", &self.nationcode)
            .field("sign", &self.sign)
            .field("text", &sdk_core::redact::Secret(&self.text))
            .field("time", &self.time)
            .finish()
    }
}

/// A callback body that is not what the service sends. The message names the item and field, never a
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackError {
    message: String,
}

impl CallbackError {
    fn new(message: impl Into<String>) -> CallbackError {
        CallbackError {
            message: message.into(),
        }
    }

    fn field(item: usize, field: &str, what: &str) -> CallbackError {
        CallbackError::new(format!("item {item}: `{field}` {what}"))
    }

    /// The answer for the service: `{"result":1,"errmsg":"<this error>"}`.
    pub fn answer(&self) -> String {
        serde_json::json!({ "result": 1, "errmsg": self.message }).to_string()
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "callback body: {}", self.message)
    }
}

impl std::error::Error for CallbackError {}

#[derive(Deserialize)]
struct RawReport {
    user_receive_time: String,
    nationcode: String,
    mobile: String,
    report_status: String,
    errmsg: String,
    description: String,
    sid: String,
}

#[derive(Deserialize)]
struct RawReply {
    extend: String,
    mobile: String,
    nationcode: String,
    sign: String,
    text: String,
    time: i64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

/// Parses a status-report body.
pub fn parse_status_reports(body: &[u8]) -> Result<Vec<StatusReport>, CallbackError> {
    decode::<RawReport>(body)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| report(i, r))
        .collect()
}

/// Parses a reply body.
pub fn parse_replies(body: &[u8]) -> Result<Vec<Reply>, CallbackError> {
    decode::<RawReply>(body)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| reply(i, r))
        .collect()
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, CallbackError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(CallbackError::new(format!("longer than {MAX_BODY_BYTES} bytes")));
    }
    // Counting items before decoding them keeps memory to the body's size whatever it holds.
    if top_level_items(body) > MAX_ITEMS {
        return Err(CallbackError::new(format!("more than {MAX_ITEMS} items")));
    }
    let parsed: OneOrMany<T> = serde_json::from_slice(body).map_err(|e| {
        // serde's own message may quote a value: say only what kind of error and where.
        CallbackError::new(format!(
            "not a report body ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    Ok(match parsed {
        OneOrMany::Many(items) => items,
        OneOrMany::One(item) => vec![item],
    })
}

/// Commas at nesting depth 1 outside strings, plus one: an upper bound of a top-level array's length.
fn top_level_items(body: &[u8]) -> usize {
    let (mut depth, mut in_string, mut escaped, mut commas) = (0usize, false, false, 0usize);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => commas += 1,
            _ => {}
        }
    }
    commas + 1
}

fn checked(item: usize, field: &str, value: String) -> Result<String, CallbackError> {
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(CallbackError::field(
            item,
            field,
            &format!("longer than {MAX_FIELD_CHARS} characters"),
        ));
    }
    Ok(value)
}

fn digits(item: usize, field: &str, value: String, max: usize) -> Result<String, CallbackError> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CallbackError::field(item, field, &format!("is not 1 to {max} digits")));
    }
    Ok(value)
}

fn report(i: usize, r: RawReport) -> Result<StatusReport, CallbackError> {
    let report_status = match r.report_status.as_str() {
        "SUCCESS" => ReportStatus::Success,
        "FAIL" => ReportStatus::Fail,
        _ => return Err(CallbackError::field(i, "report_status", "is neither SUCCESS nor FAIL")),
    };
    let sid = checked(i, "sid", r.sid)?;
    if sid.is_empty() {
        return Err(CallbackError::field(i, "sid", "is empty"));
    }
    Ok(StatusReport {
        user_receive_time: checked(i, "user_receive_time", r.user_receive_time)?,
        nationcode: digits(i, "nationcode", r.nationcode, 4)?,
        mobile: digits(i, "mobile", r.mobile, 20)?,
        report_status,
        errmsg: checked(i, "errmsg", r.errmsg)?,
        description: checked(i, "description", r.description)?,
        sid,
    })
}

fn reply(i: usize, r: RawReply) -> Result<Reply, CallbackError> {
    Ok(Reply {
        extend: checked(i, "extend", r.extend)?,
        mobile: digits(i, "mobile", r.mobile, 20)?,
        nationcode: digits(i, "nationcode", r.nationcode, 4)?,
        sign: checked(i, "sign", r.sign)?,
        text: checked(i, "text", r.text)?,
        time: r.time,
    })
}

/// `YYYY-MM-DD HH:MM:SS` in UTC+8 → Unix seconds.
fn beijing_to_unix(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + sec - 8 * 3600)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"[{"user_receive_time":"2026-12-07 10:00:00","nationcode":"86","mobile":"13800001234",
        "report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功","sid":"2433:1","extra":1}]"#;

    #[test]
    fn a_documented_report_parses_with_its_time_and_number() {
        let r = &parse_status_reports(REPORT.as_bytes()).unwrap()[0];
        assert_eq!((r.e164().as_str(), r.sid.as_str()), ("+8613800001234", "2433:1"));
        assert_eq!(r.report_status, ReportStatus::Success);
        // 2026-12-07 02:00:00 UTC
        assert_eq!(r.received_at(), Some(1_796_608_800));
        let shown = format!("{r:?}");
        assert!(!shown.contains("13800001234") && shown.contains("1234"), "{shown}");
    }

    #[test]
    fn a_reply_object_or_array_parses_and_hides_its_text() {
        let one = r#"{"extend":"","mobile":"13800001234","nationcode":"86","sign":"s","text":"my code 834211","time":1765072800}"#;
        for body in [one.to_owned(), format!("[{one}]")] {
            let r = &parse_replies(body.as_bytes()).unwrap()[0];
            assert_eq!((r.time, r.e164().as_str()), (1_765_072_800, "+8613800001234"));
            assert!(!format!("{r:?}").contains("834211"));
        }
    }

    #[test]
    fn bad_bodies_name_item_and_field_never_the_value() {
        let bad_status = REPORT.replace("SUCCESS", "MAYBE");
        let e = parse_status_reports(bad_status.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("item 0: `report_status`"), "{e}");
        let bad_mobile = REPORT.replace("13800001234", "1380000123x");
        let e = parse_status_reports(bad_mobile.as_bytes()).unwrap_err();
        assert!(
            e.to_string().contains("`mobile`") && !e.to_string().contains("1380000123"),
            "{e}"
        );
        let e = parse_status_reports(br#"[{"mobile":"13800001234"}]"#).unwrap_err();
        assert!(!e.to_string().contains("13800001234"), "{e}");
        let answer: serde_json::Value = serde_json::from_str(&e.answer()).unwrap();
        assert_eq!(answer["result"], 1);
        assert!(answer["errmsg"].as_str().unwrap().contains("not a report body"));
    }

    #[test]
    fn too_many_items_are_refused_before_decoding() {
        let body = format!("[{}]", vec!["{}"; MAX_ITEMS + 1].join(","));
        let e = parse_status_reports(body.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
    }

    #[test]
    fn times_outside_the_format_are_none() {
        for s in [
            "2026-12-07 10:00",
            "2026-13-07 10:00:00",
            "2026-12-07T10:00:00",
            "２026-12-07 10:00:00",
        ] {
            assert_eq!(beijing_to_unix(s), None, "{s}");
        }
        assert_eq!(beijing_to_unix("1970-01-01 08:00:00"), Some(0));
    }
}
