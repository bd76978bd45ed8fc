//! Echo mode ([`crate::EmulatorBuilder::echo`]): a verified request is answered with what the verifier saw,
//! so that a client or signer can be tested against this independent implementation without an API
//! description of the action. Everything before the answer is the normal pipeline: the signature (TC3 or
//! legacy), the timestamp, the session token, the region; a request that fails any of them gets the usual
//! error. The answer's `Response` holds:
//!
//! | field | value |
//! |---|---|
//! | `Mode` | `TC3-HMAC-SHA256`, `HmacSHA1`, `HmacSHA256` or `SKIP` |
//! | `SignedHeaders` | TC3: the signed header names as the `Authorization` lists them; otherwise absent |
//! | `Token` | whether a session token came (it matched the credential's, or the request was refused) |
//! | `Method`, `Path`, `Host`, `ContentType` | as received |
//! | `Action`, `Version`, `Region`, `Language` | the `X-TC-*` headers, or the legacy parameters |
//! | `Params` | TC3 POST: the JSON body; multipart: one member per part (files as base64); octet-stream: `{"Body": {"Length", "Sha256"}}`; otherwise every query or form pair as `{"name": "value"}` with flattened names kept (`PhoneNumberSet.0`) and legacy common parameters included, but never `Signature` or `Token`; members with secret names (`WebIdentityToken`, `Password`, ...) as `***` |
//! | `Headers` | every header but `Authorization`, `X-TC-Token` and others with secret names, names lower-case |
//!
//! Secrets never come back: no signature, no token, no key, no password (one name rule, in `secrets.rs`).

use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Method;
use serde_json::{json, Map, Value};

use crate::auth::Scheme;
use crate::catalog::parse_query;
use crate::response::{success_body, ApiError};

/// The echo answer for a verified request.
pub(crate) fn answer(
    scheme: &Scheme,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    request_id: &str,
) -> Result<Vec<u8>, ApiError> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let mut fields = Map::new();
    let (mode, common): (&str, Option<&crate::auth::LegacyParams>) = match scheme {
        Scheme::Tc3(auth) => {
            fields.insert("SignedHeaders".into(), auth.signed_headers.join(";").into());
            ("TC3-HMAC-SHA256", None)
        }
        Scheme::Legacy(params) => (params.get("SignatureMethod").unwrap_or("HmacSHA1"), Some(params)),
        Scheme::Skip => ("SKIP", None),
    };
    let common_value = |legacy: &str, tc3: &str| match common {
        Some(p) => p.get(legacy).map(str::to_owned),
        None => header(tc3).map(str::to_owned),
    };
    let token = match common {
        Some(p) => p.get("Token").is_some(),
        None => parts.headers.contains_key("x-tc-token"),
    };
    fields.insert("Mode".into(), mode.into());
    fields.insert("Token".into(), token.into());
    fields.insert("Method".into(), parts.method.as_str().into());
    fields.insert("Path".into(), parts.uri.path().into());
    fields.insert("Host".into(), header(HOST.as_str()).into());
    fields.insert("ContentType".into(), header(CONTENT_TYPE.as_str()).into());
    for (field, legacy, tc3) in [
        ("Action", "Action", "x-tc-action"),
        ("Version", "Version", "x-tc-version"),
        ("Region", "Region", "x-tc-region"),
        ("Language", "Language", "x-tc-language"),
    ] {
        fields.insert(field.into(), common_value(legacy, tc3).into());
    }
    fields.insert("Params".into(), params(scheme, parts, body)?);
    fields.insert("Headers".into(), headers(parts));
    Ok(success_body(fields, request_id))
}

fn params(scheme: &Scheme, parts: &hyper::http::request::Parts, body: &[u8]) -> Result<Value, ApiError> {
    let mut params = given_params(scheme, parts, body)?;
    crate::secrets::redact_json(&mut params);
    Ok(params)
}

fn given_params(scheme: &Scheme, parts: &hyper::http::request::Parts, body: &[u8]) -> Result<Value, ApiError> {
    if let Some(upload) = crate::body::upload(&parts.headers, body)? {
        return Ok(upload.echo_params());
    }
    let pairs = match scheme {
        Scheme::Legacy(p) => p.pairs.clone(),
        _ if parts.method == Method::GET => parse_query(parts.uri.query().unwrap_or_default()),
        _ if body.iter().all(u8::is_ascii_whitespace) => return Ok(json!({})),
        _ => {
            return serde_json::from_slice(body).map_err(|e| {
                ApiError::new(
                    "FailedOperation.JsonParseFail",
                    format!("The request body is not valid JSON: {e}."),
                )
            })
        }
    };
    let map: Map<String, Value> = pairs
        .into_iter()
        .filter(|(k, _)| !crate::secrets::is_secret_name(k))
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Ok(Value::Object(map))
}

fn headers(parts: &hyper::http::request::Parts) -> Value {
    let map: Map<String, Value> = parts
        .headers
        .iter()
        .filter(|(k, _)| !crate::secrets::is_secret_name(k.as_str()))
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    Value::Object(map)
}
