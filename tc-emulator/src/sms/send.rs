//! Sending and what is reported about it: `SendSms` (its rules, in the order of the table in the module
//! docs of [`super`], one function per rule group), and the delivery reports of the send history:
//! `PullSmsSendStatus`, `PullSmsSendStatusByPhoneNumber`, `SendStatusStatistics`, and the status reports
//! pushed to a callback URL ([`crate::callback`]).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::history::{Attempt, SendRequest, INCORRECT_NUMBER};
use super::numbers::{classify, e164_digits, Number};
use super::params::{limit_of, obj, str_of, strs_of, u64_of};
use super::text::{fee_of, placeholders, render};
use super::{ReviewStatus, Sms, State, Template};
use crate::callback::StatusReport;
use crate::response::ApiError;

/// At most this many numbers per `SendSms`.
const MAX_NUMBERS: usize = 200;

/// The numbers of one request, classified.
struct Numbers<'a> {
    raw: Vec<&'a str>,
    parsed: Vec<Number>,
    mainland: bool,
    international: bool,
}

impl Sms {
    pub(super) fn send_sms(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
        let mut st = self.lock();
        Self::check_app(&st, body)?;
        let numbers = check_numbers(strs_of(body, "PhoneNumberSet"))?;
        let sign_name = body.get("SignName").and_then(Value::as_str).filter(|s| !s.is_empty());
        let sign = approved_sign(&st, sign_name, numbers.international)?;
        let template = approved_template(&st, str_of(body, "TemplateId"))?;
        check_template_scope(&template, &numbers)?;
        let params: Vec<String> = strs_of(body, "TemplateParamSet")
            .into_iter()
            .map(str::to_owned)
            .collect();
        let text = compose(&template, sign.as_deref(), &params)?;
        let request = Arc::new(SendRequest {
            app_id: str_of(body, "SmsSdkAppId").into(),
            sign_name: sign.map(String::into_boxed_str),
            template_id: template.id,
            params: params.into_boxed_slice(),
            fee: fee_of(&text),
            text: text.into_boxed_str(),
            session_context: str_of(body, "SessionContext").into(),
            time: now,
        });
        let (statuses, reports) = record(&mut st, &request, numbers);
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

    pub(super) fn check_app(st: &State, body: &Value) -> Result<(), ApiError> {
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
}

/// Not empty, at most [`MAX_NUMBERS`], not mainland and international mixed.
fn check_numbers(raw: Vec<&str>) -> Result<Numbers<'_>, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::new(
            "MissingParameter.EmptyPhoneNumberSet",
            "PhoneNumberSet is empty.",
        ));
    }
    if raw.len() > MAX_NUMBERS {
        return Err(ApiError::new(
            "LimitExceeded.PhoneNumberCountLimit",
            format!(
                "PhoneNumberSet has {} numbers; at most {MAX_NUMBERS} are allowed.",
                raw.len()
            ),
        ));
    }
    let parsed: Vec<Number> = raw.iter().map(|n| classify(n)).collect();
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
    Ok(Numbers {
        raw,
        parsed,
        mainland,
        international,
    })
}

/// The sign's name when it exists for these numbers (same International flag) and is approved; mainland
/// numbers need one.
fn approved_sign(st: &State, name: Option<&str>, international: bool) -> Result<Option<String>, ApiError> {
    let refused = |message: String| Err(ApiError::new("FailedOperation.SignatureIncorrectOrUnapproved", message));
    let Some(name) = name else {
        return if international {
            Ok(None)
        } else {
            refused("SignName is required for Chinese mainland SMS.".into())
        };
    };
    let intl_flag = u64::from(international);
    let found = st
        .signs
        .values()
        .filter(|s| s.name == name && s.international == intl_flag)
        .max_by_key(|s| s.status == ReviewStatus::Approved);
    match found {
        Some(s) if s.status == ReviewStatus::Approved => Ok(Some(s.name.clone())),
        Some(_) => refused(format!("The sign `{name}` is not approved.")),
        None => refused(format!("The sign `{name}` does not exist.")),
    }
}

fn approved_template(st: &State, id_text: &str) -> Result<Template, ApiError> {
    let refused = |message: String| Err(ApiError::new("FailedOperation.TemplateIncorrectOrUnapproved", message));
    match id_text.parse::<u64>().ok().and_then(|id| st.templates.get(id)) {
        Some(t) if t.status == ReviewStatus::Approved => Ok(t.clone()),
        Some(_) => refused(format!("The template `{id_text}` is not approved.")),
        None => refused(format!("The template `{id_text}` does not exist.")),
    }
}

/// Mainland templates only to mainland numbers, international ones only to international numbers.
fn check_template_scope(template: &Template, numbers: &Numbers<'_>) -> Result<(), ApiError> {
    if template.international == 0 && numbers.international {
        return Err(ApiError::new(
            "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
            "A Chinese mainland template cannot be sent to international numbers.",
        ));
    }
    if template.international == 1 && numbers.mainland {
        return Err(ApiError::new(
            "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
            "An international template cannot be sent to Chinese mainland numbers.",
        ));
    }
    Ok(())
}

/// `【sign】` + the template with one parameter per distinct placeholder.
fn compose(template: &Template, sign: Option<&str>, params: &[String]) -> Result<String, ApiError> {
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
    let rendered = render(&template.content, &slots, params);
    Ok(match sign {
        Some(s) => format!("【{s}】{rendered}"),
        None => rendered,
    })
}

/// Each number's attempt into the history: its `SendStatus`, and for each accepted number a status report.
fn record(st: &mut State, request: &Arc<SendRequest>, numbers: Numbers<'_>) -> (Vec<Value>, Vec<StatusReport>) {
    let mut statuses = Vec::with_capacity(numbers.raw.len());
    let mut reports = Vec::new();
    for (raw, number) in numbers.raw.iter().zip(numbers.parsed) {
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
            reports.push(StatusReport::delivered(request.time, &cc, &mobile, attempt.serial_no()));
        }
        st.history.push(attempt);
    }
    (statuses, reports)
}

/// The delivery reports of the history.
impl Sms {
    pub(super) fn pull_status(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
        let limit = limit_of(body)?;
        let app = str_of(body, "SmsSdkAppId");
        let mut st = self.lock();
        Self::check_app(&st, body)?;
        let mut out = Vec::new();
        for attempt in st.history.iter_mut() {
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

    pub(super) fn pull_status_by_number(&self, body: &Value, now: i64) -> Result<Map<String, Value>, ApiError> {
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

    pub(super) fn statistics(&self, body: &Value) -> Result<Map<String, Value>, ApiError> {
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
            if &*a.request.app_id == app && time >= begin && time < end.saturating_add(3600) {
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

/// One `PullSmsSendStatus` entry; the pushed [`StatusReport`] of the same attempt says the same.
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
