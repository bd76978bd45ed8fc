//! The request as it goes on the wire: [`build`] turns every input of one call — including the clock
//! reading, the nonce and the `RequestClient` string — into a complete, signed [`HttpRequest`].
//!
//! Pure (no clock, no randomness, no I/O), so the client and the golden tests against the official Python
//! SDK (`tests/golden.rs`) run the same code. Modes, as the official SDKs put them on the wire:
//!
//! | sign method | method | parameters | signature |
//! |---|---|---|---|
//! | TC3-HMAC-SHA256 | POST | JSON body, `Content-Type: application/json` | `Authorization` header |
//! | TC3-HMAC-SHA256 | GET | flattened query ([`crate::query`]), `application/x-www-form-urlencoded`, payload hash of `""` | `Authorization` header |
//! | HmacSHA1 / HmacSHA256 | POST | flattened + common parameters as a urlencoded form body | `Signature` parameter |
//! | HmacSHA1 / HmacSHA256 | GET | the same parameters in the query | `Signature` parameter |
//! | `skip_sign` action (any) | POST / GET | as TC3 | `Authorization: SKIP`, no credential |
//! | multipart action ([`Body::Multipart`]) | POST | `multipart/form-data` body ([`crate::body::multipart`]) | TC3 whatever the sign method, as the Python SDK does |
//! | octet-stream action ([`Body::OctetStream`]) | POST | unsigned `<prefix><Name>` headers, the caller's bytes as `application/octet-stream` | TC3 only |
//!
//! TC3 requests carry the common parameters as `X-TC-*` headers; legacy requests only `Content-Type` and
//! `Host` (the common parameters are form/query parameters, added in the order the Python SDK adds them).
//! Header names come from [`crate::http::header`]; values that are the same for every call of a client are
//! made once (`ClientHeaders`) and shared, values made per call (timestamp, `Authorization`) are moved
//! into the request without a copy.

use std::borrow::Cow;
use std::cell::RefCell;

use bytes::Bytes;

use crate::body;
use crate::error::Error;
use crate::http::{header, HeaderMap, HeaderName, HeaderValue, HttpMethod, HttpRequest};
use crate::identity::Credential;
use crate::profile::{Language, SignMethod};
use crate::query::Params;
use crate::sign::{self, legacy, Payload, SignParams, FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, UNSIGNED_PAYLOAD};
use crate::token::random_u64;

/// Every input of one request.
#[derive(Clone, Copy)]
pub struct RequestParts<'a> {
    /// GET or POST.
    pub method: HttpMethod,
    /// TC3 or a legacy method (ignored when `credential` is `None`).
    pub sign_method: SignMethod,
    /// Base URL, `scheme://host[:port]/`.
    pub url: &'a str,
    /// `host[:port]` as sent in `Host` and signed.
    pub host: &'a str,
    /// Product, e.g. `sms` (TC3 credential scope).
    pub service: &'a str,
    /// API version, e.g. `2021-01-11`.
    pub version: &'a str,
    /// Action name; its first letter is upper-cased as the official SDKs do.
    pub action: &'a str,
    /// Region; empty for none.
    pub region: &'a str,
    /// `X-TC-Language` / `Language`.
    pub language: Option<Language>,
    /// `X-TC-RequestClient` / `RequestClient`, normally [`crate::REQUEST_CLIENT`].
    pub request_client: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
    /// Legacy `Nonce` (unused by TC3).
    pub nonce: u64,
    /// TC3: sign `UNSIGNED-PAYLOAD` and send `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
    pub unsigned_payload: bool,
    /// Extra headers sent and covered by the TC3 signature.
    pub signed_headers: &'a [(String, String)],
    /// `None` for `skip_sign` actions: `Authorization: SKIP`.
    pub credential: Option<&'a Credential>,
    /// How the body is encoded; the payload is the JSON parameters except for [`Body::OctetStream`].
    pub body: Body<'a>,
}

/// How one request's body is encoded (the action's [`crate::BodyMode`] with this attempt's inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// The JSON parameters (a TC3 POST body, or flattened into a query or form).
    Json,
    /// `multipart/form-data` of the JSON parameters with `boundary`; `binary_params` sent as raw bytes.
    Multipart {
        binary_params: &'a [&'a str],
        boundary: &'a str,
    },
    /// The payload is the body itself; `params` (a JSON object) go in headers named `header_prefix` + name.
    OctetStream { header_prefix: &'a str, params: &'a [u8] },
}

impl std::fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("sign_method", &self.sign_method)
            .field("url", &self.url)
            .field("service", &self.service)
            .field("version", &self.version)
            .field("action", &self.action)
            .field("region", &self.region)
            .field("timestamp", &self.timestamp)
            .field("signed", &self.credential.is_some())
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// Builds the complete, signed request. `payload` is the request parameters as a JSON object: the body of
/// a TC3 POST as is, flattened into query/form parameters otherwise.
pub fn build(p: &RequestParts<'_>, payload: Vec<u8>) -> Result<HttpRequest, Error> {
    prepare(p, Bytes::from(payload), &ClientHeaders::default())
}

/// Header values that are the same for every call of one client (`Host`, version, region, language,
/// `RequestClient`), made once when the client is built and shared by every request (a reference count,
/// no copy). A request whose value differs (the backup endpoint's `Host`, pinned test inputs) makes its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientHeaders {
    host: Option<HeaderValue>,
    version: Option<HeaderValue>,
    region: Option<HeaderValue>,
    request_client: Option<HeaderValue>,
}

impl ClientHeaders {
    pub(crate) fn new(host: Option<&str>, version: &str, region: &str, request_client: &str) -> ClientHeaders {
        let value = |v: &str| HeaderValue::from_str(v).ok();
        ClientHeaders {
            host: host.and_then(value),
            version: value(version),
            region: value(region),
            request_client: value(request_client),
        }
    }
}

/// `cached` when it holds exactly `value`, else `value` made into a header value.
fn shared_or_new(cached: &Option<HeaderValue>, name: &HeaderName, value: &str) -> Result<HeaderValue, Error> {
    match cached {
        Some(v) if v.as_bytes() == value.as_bytes() => Ok(v.clone()),
        // Do not echo the value: it may be a token.
        _ => HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_request(name.as_str().to_owned(), "not a valid HTTP header value")),
    }
}

thread_local! {
    /// The `X-TC-Action` and `X-TC-Timestamp` values this thread sent last. A new header value costs two
    /// allocations (its bytes, then their shared form when reqwest clones the header map); consecutive
    /// calls of one action in one second share one instead. Compared by content, so a hit is exactly the
    /// value that would have been built.
    static LAST_ACTION: RefCell<Option<HeaderValue>> = const { RefCell::new(None) };
    static LAST_TIMESTAMP: RefCell<Option<(i64, HeaderValue)>> = const { RefCell::new(None) };
}

/// The `X-TC-Action` value for `action`, the last one's when it is the same.
fn last_action_value(action: &str) -> Result<HeaderValue, Error> {
    let hit = LAST_ACTION.with(|last| match &*last.borrow() {
        Some(value) if value.as_bytes() == action.as_bytes() => Some(value.clone()),
        _ => None,
    });
    if let Some(value) = hit {
        return Ok(value);
    }
    let value = shared_or_new(&None, &header::X_TC_ACTION, action)?;
    LAST_ACTION.with(|last| *last.borrow_mut() = Some(value.clone()));
    Ok(value)
}

/// The `X-TC-Timestamp` value for `timestamp`, the last one's when it is the same second.
fn last_timestamp_value(timestamp: i64) -> Result<HeaderValue, Error> {
    let hit = LAST_TIMESTAMP.with(|last| match &*last.borrow() {
        Some((second, value)) if *second == timestamp => Some(value.clone()),
        _ => None,
    });
    if let Some(value) = hit {
        return Ok(value);
    }
    let value = owned_value(&header::X_TC_TIMESTAMP, exact_string(timestamp))?;
    LAST_TIMESTAMP.with(|last| *last.borrow_mut() = Some((timestamp, value.clone())));
    Ok(value)
}

/// An owned value (the `Authorization`, the timestamp) becomes the header value without a copy.
fn owned_value(name: &HeaderName, value: String) -> Result<HeaderValue, Error> {
    HeaderValue::from_maybe_shared(Bytes::from(value))
        .map_err(|_| Error::invalid_request(name.as_str().to_owned(), "not a valid HTTP header value"))
}

/// [`build`] with a client's shared header values: what the client sends.
pub(crate) fn prepare(p: &RequestParts<'_>, payload: Bytes, shared: &ClientHeaders) -> Result<HttpRequest, Error> {
    check_signed_headers(p.signed_headers)?;
    let action = capitalize(p.action);
    if p.body != Body::Json {
        return binary_request(p, &action, payload, shared);
    }
    match (p.credential, p.sign_method) {
        (Some(credential), SignMethod::HmacSha1) => {
            legacy_request(p, &action, credential, legacy::Algorithm::HmacSha1, &payload, shared)
        }
        (Some(credential), SignMethod::HmacSha256) => {
            legacy_request(p, &action, credential, legacy::Algorithm::HmacSha256, &payload, shared)
        }
        (credential, _) => tc3_request(p, &action, credential, payload, shared),
    }
}

/// A legacy `Nonce`: random in `1..=i64::MAX` like the Python SDK's `random.randint(1, sys.maxsize)`,
/// from the operating system's CSPRNG (`token::random_u64`), so a nonce cannot be predicted.
pub fn random_nonce() -> u64 {
    (random_u64() % (i64::MAX as u64)) + 1
}

fn flatten(payload: &[u8]) -> Result<Params, Error> {
    Params::from_json(payload).map_err(|e| {
        Error::invalid_request(
            "request",
            format!("cannot flatten the request into form/query parameters: {e}"),
        )
    })
}

/// A multipart or octet-stream request: POST and TC3 only, as the official SDKs send them (a multipart
/// request overrides a legacy sign method, an octet-stream one refuses it).
fn binary_request(
    p: &RequestParts<'_>,
    action: &str,
    payload: Bytes,
    shared: &ClientHeaders,
) -> Result<HttpRequest, Error> {
    if p.method != HttpMethod::Post {
        return Err(Error::invalid_request(
            "HttpProfile.req_method",
            format!("{action} uploads a body and is sent by POST only"),
        ));
    }
    let encoded = match p.body {
        Body::Multipart {
            binary_params,
            boundary,
        } => Encoded {
            content_type: format!("{MULTIPART_CONTENT_TYPE}; boundary={boundary}").into(),
            query: String::new(),
            body: Bytes::from(body::multipart(&payload, binary_params, boundary)?),
            unsigned_headers: Vec::new(),
        },
        Body::OctetStream { header_prefix, params } => {
            if p.credential.is_some() && p.sign_method != SignMethod::Tc3HmacSha256 {
                return Err(Error::invalid_request(
                    "ClientProfile.sign_method",
                    format!("{action} sends application/octet-stream, which only TC3-HMAC-SHA256 signs"),
                ));
            }
            Encoded {
                content_type: OCTET_STREAM_CONTENT_TYPE.into(),
                query: String::new(),
                body: payload,
                unsigned_headers: body::octet_stream_headers(params, header_prefix)?,
            }
        }
        Body::Json => Encoded::json(p.method, payload)?,
    };
    tc3_encoded(p, action, p.credential, encoded, shared)
}

/// `Content-Type` of [`Body::Multipart`], before `; boundary=`.
pub const MULTIPART_CONTENT_TYPE: &str = "multipart/form-data";
/// `Content-Type` of [`Body::OctetStream`].
pub const OCTET_STREAM_CONTENT_TYPE: &str = "application/octet-stream";

/// A TC3 request's body as sent, and what goes with it.
struct Encoded {
    content_type: Cow<'static, str>,
    query: String,
    body: Bytes,
    /// Sent, not signed (octet-stream parameters).
    unsigned_headers: Vec<(HeaderName, HeaderValue)>,
}

impl Encoded {
    fn json(method: HttpMethod, payload: Bytes) -> Result<Encoded, Error> {
        let (content_type, query, body) = match method {
            HttpMethod::Get => (FORM_CONTENT_TYPE, flatten(&payload)?.urlencode(), Bytes::new()),
            HttpMethod::Post => (JSON_CONTENT_TYPE, String::new(), payload),
        };
        Ok(Encoded {
            content_type: content_type.into(),
            query,
            body,
            unsigned_headers: Vec::new(),
        })
    }
}

fn tc3_request(
    p: &RequestParts<'_>,
    action: &str,
    credential: Option<&Credential>,
    payload: Bytes,
    shared: &ClientHeaders,
) -> Result<HttpRequest, Error> {
    tc3_encoded(p, action, credential, Encoded::json(p.method, payload)?, shared)
}

fn tc3_encoded(
    p: &RequestParts<'_>,
    action: &str,
    credential: Option<&Credential>,
    encoded: Encoded,
    shared: &ClientHeaders,
) -> Result<HttpRequest, Error> {
    let Encoded {
        content_type,
        query,
        body,
        unsigned_headers,
    } = encoded;
    let content_type_value = match &content_type {
        Cow::Borrowed(s) => HeaderValue::from_static(s),
        Cow::Owned(s) => owned_value(&header::CONTENT_TYPE, s.clone())?,
    };
    let mut headers = tc3_signed_headers(p, action, content_type_value, shared, unsigned_headers.len())?;
    match credential {
        None => {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static("SKIP"));
        }
        Some(credential) => append_tc3_authorization(&mut headers, p, credential, &query, &content_type, &body)?,
    }
    append_unsigned_headers(&mut headers, unsigned_headers)?;
    Ok(HttpRequest::new(p.method, with_query(p.url, query), headers, body))
}

/// The headers a TC3 request signs (Content-Type, Host, the `X-TC-*` headers and the profile's signed
/// headers), in the order they are sent; room is kept for `unsigned` more.
fn tc3_signed_headers(
    p: &RequestParts<'_>,
    action: &str,
    content_type_value: HeaderValue,
    shared: &ClientHeaders,
    unsigned: usize,
) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::with_capacity(11 + p.signed_headers.len() + unsigned);
    headers.append(header::CONTENT_TYPE, content_type_value);
    headers.append(header::HOST, shared_or_new(&shared.host, &header::HOST, p.host)?);
    headers.append(header::X_TC_ACTION, last_action_value(action)?);
    let version = shared_or_new(&shared.version, &header::X_TC_VERSION, p.version)?;
    headers.append(header::X_TC_VERSION, version);
    headers.append(header::X_TC_TIMESTAMP, last_timestamp_value(p.timestamp)?);
    if !p.region.is_empty() {
        headers.append(
            header::X_TC_REGION,
            shared_or_new(&shared.region, &header::X_TC_REGION, p.region)?,
        );
    }
    if let Some(language) = p.language {
        headers.append(header::X_TC_LANGUAGE, HeaderValue::from_static(language.as_str()));
    }
    let client = shared_or_new(&shared.request_client, &header::X_TC_REQUEST_CLIENT, p.request_client)?;
    headers.append(header::X_TC_REQUEST_CLIENT, client);
    if p.unsigned_payload {
        headers.append(header::X_TC_CONTENT_SHA256, HeaderValue::from_static(UNSIGNED_PAYLOAD));
    }
    for (name, value) in p.signed_headers {
        // Both checked by `check_signed_headers`.
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid_request("ClientProfile.signed_headers", "not a valid header name"))?;
        headers.append(name.clone(), shared_or_new(&None, &name, value.trim())?);
    }
    Ok(headers)
}

/// The TC3 `Authorization` header over the request, and the credential's token when it has one.
fn append_tc3_authorization(
    headers: &mut HeaderMap,
    p: &RequestParts<'_>,
    credential: &Credential,
    query: &str,
    content_type: &str,
    body: &Bytes,
) -> Result<(), Error> {
    // Only the header value: the intermediate strings `sign::sign` keeps are not needed here.
    let authorization = sign::authorization(&SignParams {
        method: p.method.as_str(),
        host: p.host,
        path: "/",
        query,
        content_type,
        payload: if p.unsigned_payload {
            Payload::Unsigned
        } else {
            Payload::Bytes(body)
        },
        timestamp: p.timestamp,
        service: p.service,
        secret_id: credential.secret_id(),
        secret_key: credential.secret_key(),
        extra_headers: p.signed_headers,
    });
    headers.append(
        header::AUTHORIZATION,
        owned_value(&header::AUTHORIZATION, authorization)?,
    );
    if let Some(token) = credential.token() {
        headers.append(header::X_TC_TOKEN, shared_or_new(&None, &header::X_TC_TOKEN, token)?);
    }
    Ok(())
}

/// Headers sent unsigned (octet-stream parameters); one the SDK sets itself is refused.
fn append_unsigned_headers(headers: &mut HeaderMap, unsigned: Vec<(HeaderName, HeaderValue)>) -> Result<(), Error> {
    for (name, value) in unsigned {
        if headers.contains_key(&name) {
            return Err(Error::invalid_request(
                name.as_str().to_owned(),
                "is a header the SDK sets itself",
            ));
        }
        headers.append(name, value);
    }
    Ok(())
}

fn legacy_request(
    p: &RequestParts<'_>,
    action: &str,
    credential: &Credential,
    algorithm: legacy::Algorithm,
    payload: &[u8],
    shared: &ClientHeaders,
) -> Result<HttpRequest, Error> {
    if !p.signed_headers.is_empty() {
        return Err(Error::invalid_request(
            "ClientProfile.signed_headers",
            format!(
                "{} cannot sign headers; use TC3-HMAC-SHA256 or no signed headers",
                algorithm.as_str()
            ),
        ));
    }
    // The order of `AbstractClient._build_req_with_old_signature` in the Python SDK.
    let mut params = flatten(payload)?;
    params.set("Action", action);
    params.set("RequestClient", p.request_client);
    params.set("Nonce", p.nonce.to_string());
    params.set("Timestamp", p.timestamp.to_string());
    params.set("Version", p.version);
    if !p.region.is_empty() {
        params.set("Region", p.region);
    }
    if let Some(token) = credential.token() {
        params.set("Token", token);
    }
    if !credential.secret_id().is_empty() {
        params.set("SecretId", credential.secret_id());
    }
    params.set("SignatureMethod", algorithm.as_str());
    if let Some(language) = p.language {
        params.set("Language", language.as_str());
    }
    let to_sign = legacy::string_to_sign(p.method.as_str(), p.host, "/", params.pairs());
    params.set("Signature", legacy::sign(credential.secret_key(), &to_sign, algorithm));
    let encoded = params.urlencode();
    let (url, body) = match p.method {
        HttpMethod::Get => (with_query(p.url, encoded), Bytes::new()),
        HttpMethod::Post => (p.url.to_owned(), Bytes::from(encoded)),
    };
    let mut headers = HeaderMap::with_capacity(2);
    headers.append(header::CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
    headers.append(header::HOST, shared_or_new(&shared.host, &header::HOST, p.host)?);
    Ok(HttpRequest::new(p.method, url, headers, body))
}

/// `value.to_string()` in one allocation of exactly its length (which then becomes the header value
/// without another).
fn exact_string(value: i64) -> String {
    use std::io::Write;
    let mut buf = [0u8; 20];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write!(cursor, "{value}").expect("20 bytes hold any i64");
    let len = cursor.position() as usize;
    String::from_utf8(buf[..len].to_vec()).expect("digits")
}

fn with_query(url: &str, query: String) -> String {
    if query.is_empty() {
        url.to_owned()
    } else {
        [url, "?", &query].concat()
    }
}

/// `action[0].upper() + action[1:]`, as the official SDKs normalize action names; borrowed when the name
/// already starts with an upper-case letter (every generated action).
fn capitalize(action: &str) -> Cow<'_, str> {
    let mut chars = action.chars();
    match chars.next() {
        Some(first) if first.is_uppercase() => Cow::Borrowed(action),
        Some(first) => Cow::Owned(first.to_uppercase().chain(chars).collect()),
        None => Cow::Borrowed(""),
    }
}

fn check_signed_headers(headers: &[(String, String)]) -> Result<(), Error> {
    let invalid = |msg: String| Error::invalid_request("ClientProfile.signed_headers", msg);
    for (i, (name, value)) in headers.iter().enumerate() {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(invalid(format!("`{name}` is not a valid header name")));
        }
        if header::RESERVED.iter().any(|r| r.as_str().eq_ignore_ascii_case(name)) {
            return Err(invalid(format!("`{name}` is set by the SDK itself")));
        }
        if headers[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(invalid(format!("`{name}` is given twice")));
        }
        if !value.bytes().all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic()) {
            // Do not echo the value: it may be a secret.
            return Err(invalid(format!("the value of `{name}` must be printable ASCII")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(cred: Option<&Credential>) -> RequestParts<'_> {
        RequestParts {
            method: HttpMethod::Post,
            sign_method: SignMethod::Tc3HmacSha256,
            url: "https://sms.tencentcloudapi.com/",
            host: "sms.tencentcloudapi.com",
            service: "sms",
            version: "2021-01-11",
            action: "sendSms",
            region: "",
            language: None,
            request_client: "SDK_RUST_TEST",
            timestamp: 1_700_000_000,
            nonce: 1,
            unsigned_payload: false,
            signed_headers: &[],
            credential: cred,
            body: Body::Json,
        }
    }

    #[test]
    fn skip_sign_get_has_query_and_no_credential() {
        let r = build(
            &RequestParts {
                method: HttpMethod::Get,
                ..parts(None)
            },
            br#"{"A":[1,2]}"#.to_vec(),
        )
        .unwrap();
        assert_eq!(r.url, "https://sms.tencentcloudapi.com/?A.0=1&A.1=2");
        assert_eq!(r.header("authorization"), Some("SKIP"));
        assert_eq!(r.header("x-tc-action"), Some("SendSms"));
        assert_eq!(r.header("content-type"), Some(FORM_CONTENT_TYPE));
        assert!(r.body.is_empty());
    }

    #[test]
    fn bad_signed_headers_are_rejected() {
        let cred = Credential::new("id", "key").unwrap();
        for (name, value) in [("Host", "x"), ("x-tc-token", "t"), ("bad name", "v"), ("X-Ok", "\n")] {
            let h = [(name.to_owned(), value.to_owned())];
            let e = build(
                &RequestParts {
                    signed_headers: &h,
                    ..parts(Some(&cred))
                },
                b"{}".to_vec(),
            )
            .unwrap_err();
            assert!(e.is_invalid_request(), "{name}");
        }
        let h = [("X-A".to_owned(), "1".to_owned()), ("x-a".to_owned(), "2".to_owned())];
        assert!(build(
            &RequestParts {
                signed_headers: &h,
                ..parts(Some(&cred))
            },
            b"{}".to_vec()
        )
        .is_err());
        let h = [("X-A".to_owned(), "1".to_owned())];
        let e = build(
            &RequestParts {
                signed_headers: &h,
                sign_method: SignMethod::HmacSha1,
                ..parts(Some(&cred))
            },
            b"{}".to_vec(),
        )
        .unwrap_err();
        assert_eq!(e.parameter(), Some("ClientProfile.signed_headers"));
    }

    #[test]
    fn get_rejects_non_object_requests() {
        let cred = Credential::new("id", "key").unwrap();
        let e = build(
            &RequestParts {
                method: HttpMethod::Get,
                ..parts(Some(&cred))
            },
            b"[1]".to_vec(),
        )
        .unwrap_err();
        assert!(e.is_invalid_request());
    }

    #[test]
    fn nonces_differ_and_are_in_range() {
        let a = random_nonce();
        let b = random_nonce();
        assert_ne!(a, b);
        assert!((1..=i64::MAX as u64).contains(&a));
    }
}
