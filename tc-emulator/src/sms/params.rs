//! Reading the members of an SMS action's input. The body was validated against the spec before it gets
//! here: members have the right types, and a missing one reads as empty or 0.

use serde_json::{Map, Value};

use crate::response::ApiError;

pub(super) fn obj<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

// The body was validated against the spec before we get here: members have the right types.
pub(super) fn str_of<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub(super) fn strs_of<'a>(body: &'a Value, key: &str) -> Vec<&'a str> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

pub(super) fn u64_of(body: &Value, key: &str) -> u64 {
    body.get(key).and_then(Value::as_u64).unwrap_or_default()
}

pub(super) fn u64s_of(body: &Value, key: &str) -> Vec<u64> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

pub(super) fn international_of(body: &Value) -> Result<u64, ApiError> {
    match u64_of(body, "International") {
        v @ (0 | 1) => Ok(v),
        v => Err(ApiError::new(
            "InvalidParameterValue.InvalidInternational",
            format!("International must be 0 (mainland) or 1 (international), got {v}."),
        )),
    }
}

pub(super) fn sms_type_of(body: &Value) -> Result<u64, ApiError> {
    match u64_of(body, "SmsType") {
        v @ (0 | 1) => Ok(v),
        v => Err(ApiError::new(
            "InvalidParameterValue.InvalidSmsType",
            format!("SmsType must be 0 (ordinary) or 1 (marketing), got {v}."),
        )),
    }
}

pub(super) fn limit_of(body: &Value) -> Result<u64, ApiError> {
    let limit = u64_of(body, "Limit");
    if limit > 100 {
        return Err(ApiError::new(
            "InvalidParameterValue.LimitVerifyFail",
            format!("Limit must be at most 100, got {limit}."),
        ));
    }
    Ok(limit)
}

pub(super) fn page<'a, T: 'a>(
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
