//! Decode envelope, the last stage of an attempt: any status and body become a [`RawResponse`] (the
//! `Response` object of a success, kept as raw JSON text) or the right [`Error`] (a service error with
//! Code/Message/RequestId, a status error, a decode error). Never panics on arbitrary bytes.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;

/// The `Response` object of a successful call, kept as the raw JSON body (never parsed into a `Value`
/// tree): [`RawResponse::deserialize`] decodes it in one pass; [`RawResponse::json`] finds its text when
/// first asked.
#[derive(Clone)]
pub struct RawResponse {
    /// The whole response body, valid UTF-8 (checked by `parse_response`).
    body: Bytes,
    /// Byte range of the `Response` object inside `body`, found on the first [`RawResponse::json`].
    json: OnceLock<(usize, usize)>,
    request_id: RequestId,
    status: u16,
}

/// `Response.RequestId`, as a range of the body when it has no escapes (no copy), else decoded.
#[derive(Clone)]
enum RequestId {
    None,
    InBody(usize, usize),
    Decoded(String),
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RawResponse {
    /// Raw JSON text of the `Response` object.
    pub fn json(&self) -> &str {
        let &(start, end) = self.json.get_or_init(|| response_range(&self.body));
        // The body was checked to be UTF-8 and `start..end` is a JSON value inside it, so this cannot
        // fail; checking again (a fast pass over a few hundred bytes) beats copying the body into a String.
        std::str::from_utf8(&self.body[start..end]).unwrap_or_default()
    }

    /// `Response.RequestId`.
    pub fn request_id(&self) -> Option<&str> {
        match &self.request_id {
            RequestId::None => None,
            RequestId::InBody(start, end) => std::str::from_utf8(&self.body[*start..*end]).ok(),
            RequestId::Decoded(id) => Some(id),
        }
    }

    /// HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Decodes the `Response` object into `T`; a mismatch is a decode error naming the JSON path and what
    /// was expected, never the values found (they may be secrets).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        // One pass over the body first; only a failure pays for finding the `Response` text and tracking
        // the path (together as much as the decoding itself) by decoding again.
        if let Ok(Typed { response }) = serde_json::from_slice::<Typed<T>>(&self.body) {
            return Ok(response);
        }
        let mut de = serde_json::Deserializer::from_str(self.json());
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            Error::decode_with(
                format!(
                    "Response does not match the expected type at `Response.{path}`: {}",
                    crate::error::json_error_summary(e.inner())
                ),
                Some(self.status),
                self.request_id().map(str::to_owned),
                self.json().as_bytes(),
                None,
            )
        })
    }
}

/// The body as `{"Response": T}`, other members skipped.
#[derive(Deserialize)]
struct Typed<T> {
    #[serde(rename = "Response")]
    response: T,
}

/// Where the `Response` object is in a body `parse_response` accepted (empty if it cannot be found, which
/// cannot happen for such a body).
fn response_range(body: &[u8]) -> (usize, usize) {
    let Ok(text) = std::str::from_utf8(body) else {
        return (0, 0);
    };
    match serde_json::from_str::<Envelope<'_>>(text) {
        Ok(Envelope { response: Some(raw) }) => {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            (start, start + raw.get().len())
        }
        _ => (0, 0),
    }
}

/// The members of the envelope the runtime looks at, read in one pass over the body, the rest skipped.
#[derive(Deserialize)]
struct FastEnvelope<'a> {
    #[serde(rename = "Response", borrow)]
    response: Option<FastHead<'a>>,
}

#[derive(Deserialize)]
struct FastHead<'a> {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId", borrow)]
    request_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Response", borrow)]
    response: Option<&'a RawValue>,
}

/// The members of `Response` the runtime itself looks at; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// Turns any status + body into a `RawResponse` or the right error. Never panics on arbitrary bytes.
pub(crate) fn parse_response(status: u16, body: impl Into<Bytes>) -> Result<RawResponse, Error> {
    parse_body(status, body.into())
}

fn parse_body(status: u16, body: Bytes) -> Result<RawResponse, Error> {
    // The usual answer in one pass; anything unusual is left to `parse_slowly`, which names the problem.
    let Ok(text) = std::str::from_utf8(&body) else {
        return parse_slowly(status, body);
    };
    let Ok(FastEnvelope { response: Some(head) }) = serde_json::from_str::<FastEnvelope<'_>>(text) else {
        return parse_slowly(status, body);
    };
    let request_id = match head.request_id {
        None => RequestId::None,
        Some(Cow::Borrowed(id)) => {
            let start = id.as_ptr() as usize - text.as_ptr() as usize;
            RequestId::InBody(start, start + id.len())
        }
        Some(Cow::Owned(id)) => RequestId::Decoded(id),
    };
    let response = RawResponse {
        body: Bytes::new(),
        json: OnceLock::new(),
        request_id,
        status,
    };
    match head.error {
        Some(_) => parse_slowly(status, body),
        None if !(200..300).contains(&status) => Err(Error::status_error(status, &body)),
        None => Ok(RawResponse { body, ..response }),
    }
}

/// Every status and body as the right answer or error, naming what is wrong with a malformed body: the
/// service errors and every malformed body come here.
fn parse_slowly(status: u16, body: Bytes) -> Result<RawResponse, Error> {
    let ok = (200..300).contains(&status);
    // For a non-2xx status, anything but a well-formed service error is reported as a status error.
    let fail = |what: &str, body: &[u8], request_id: Option<String>, source: Option<serde_json::Error>| {
        if !ok {
            return Error::status_error(status, body);
        }
        // The serde error is summarized, not kept as the source: its text quotes values.
        match source {
            Some(e) => {
                let what = format!("{what}: {}", crate::error::json_error_summary(&e));
                Error::decode_with(what, Some(status), request_id, body, None)
            }
            None => Error::decode_with(what, Some(status), request_id, body, None),
        }
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(fail("response body is not UTF-8", &body, None, None));
    };
    let envelope: Envelope<'_> = match serde_json::from_str(text) {
        Ok(env) => env,
        Err(_) if ok && looks_like_event_stream(text) => {
            return Err(fail(
                "response is a server-sent event stream (text/event-stream), not one JSON document: \
                 call the action's `_stream` method (or `CommonClient::call_stream`)",
                &body,
                None,
                None,
            ))
        }
        Err(e) => return Err(fail("response is not valid JSON", &body, None, Some(e))),
    };
    let Some(raw) = envelope.response else {
        return Err(fail("response has no `Response` object", &body, None, None));
    };
    let head: Head = match serde_json::from_str(raw.get()) {
        Ok(head) => head,
        Err(e) => return Err(fail("malformed `Response` object", &body, None, Some(e))),
    };
    if let Some(error) = head.error {
        return match error.code {
            Some(code) if !code.is_empty() => Err(Error::service(
                code,
                error.message.unwrap_or_default(),
                head.request_id,
                status,
            )),
            _ => Err(fail("`Response.Error` has no `Code`", &body, head.request_id, None)),
        };
    }
    if !ok {
        return Err(Error::status_error(status, &body));
    }
    // `raw` borrows from `body`; keep its position instead of copying the text.
    let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
    let end = start + raw.get().len();
    Ok(RawResponse {
        body,
        json: OnceLock::from((start, end)),
        request_id: head.request_id.map_or(RequestId::None, RequestId::Decoded),
        status,
    })
}

/// An SSE body begins with a field (`data:`, `event:`, `id:`, `retry:`) or a comment (`:`); JSON never does.
fn looks_like_event_stream(text: &str) -> bool {
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    [":", "data:", "event:", "id:", "retry:"]
        .iter()
        .any(|field| start.starts_with(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_keeps_raw_response() {
        let body = br#"{"Response":{"SendStatusSet":[{"Code":"Ok"}],"RequestId":"r-1"}}"#.to_vec();
        let r = parse_response(200, body).unwrap();
        assert_eq!(r.json(), r#"{"SendStatusSet":[{"Code":"Ok"}],"RequestId":"r-1"}"#);
        assert_eq!(r.request_id(), Some("r-1"));
    }

    #[test]
    fn service_error_even_on_non_2xx() {
        let body =
            br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r-2"}}"#;
        for status in [200, 400, 500] {
            let e = parse_response(status, body.to_vec()).unwrap_err();
            assert!(e.is_service(), "{status}");
            assert_eq!(e.code(), Some("AuthFailure.SignatureFailure"));
            assert_eq!(e.message(), Some("bad"));
            assert_eq!(e.request_id(), Some("r-2"));
            assert_eq!(e.status(), Some(status));
        }
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        let cases: &[&[u8]] = &[
            b"",
            b"not json",
            br#"{"Response":{"RequestId":"x","#,
            br#"{"Other":{}}"#,
            br#"{"Response":{"Error":{"Message":"no code"},"RequestId":"r"}}"#,
            br#"{"Response":{"Error":{"Code":"","Message":"empty code"}}}"#,
            br#"{"Response":5}"#,
            br#"{"Response":{"Error":"oops"}}"#,
            br#"[1,2]"#,
            b"\xff\xfe{}",
        ];
        for body in cases {
            let e = parse_response(200, body.to_vec()).unwrap_err();
            assert!(e.is_decode(), "{:?} -> {e}", String::from_utf8_lossy(body));
            assert_eq!(e.status(), Some(200));
        }
        let e = parse_response(
            200,
            br#"{"Response":{"Error":{"Message":"m"},"RequestId":"r"}}"#.to_vec(),
        )
        .unwrap_err();
        assert_eq!(e.request_id(), Some("r"));
    }

    #[test]
    fn an_event_stream_body_says_which_method_to_call() {
        for body in [
            &b"data: {\"Choices\":[]}\n\n"[..],
            b": keep-alive\n\ndata: {}\n\n",
            b"\r\nevent: x\n",
        ] {
            let e = parse_response(200, body.to_vec()).unwrap_err();
            assert!(e.is_decode());
            assert!(e.to_string().contains("`_stream` method"), "{e}");
        }
        let e = parse_response(200, b"not json".to_vec()).unwrap_err();
        assert!(!e.to_string().contains("_stream"), "{e}");
        assert!(parse_response(502, b"data: x\n\n".to_vec()).unwrap_err().is_status());
    }

    #[test]
    fn non_2xx_without_service_error_is_status_error() {
        for body in [
            &b"<html>502 Bad Gateway</html>"[..],
            br#"{"Response":{"RequestId":"r"}}"#,
            b"\xff",
        ] {
            let e = parse_response(502, body.to_vec()).unwrap_err();
            assert!(e.is_status());
            assert_eq!(e.status(), Some(502));
        }
    }

    #[test]
    fn request_ids_with_escapes_are_decoded() {
        let r = parse_response(200, br#"{"Response":{"RequestId":"a\u0062c"}}"#.to_vec()).unwrap();
        assert_eq!(r.request_id(), Some("abc"));
        assert_eq!(r.json(), r#"{"RequestId":"a\u0062c"}"#);
    }

    #[test]
    fn typed_decoding_in_one_pass_and_its_errors() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Answer {
            #[serde(rename = "Total")]
            total: u32,
        }
        let r = parse_response(200, br#"{"Other":1,"Response":{"Total":3,"RequestId":"r"}}"#.to_vec()).unwrap();
        assert_eq!(r.deserialize::<Answer>().unwrap(), Answer { total: 3 });
        let r = parse_response(200, br#"{"Response":{"Total":"secret-ish","RequestId":"r"}}"#.to_vec()).unwrap();
        let e = r.deserialize::<Answer>().unwrap_err();
        assert!(e.is_decode());
        assert!(e.to_string().contains("at `Response.Total`"), "{e}");
        assert!(!e.to_string().contains("secret-ish"), "{e}");
        assert_eq!(e.request_id(), Some("r"));
    }

    #[test]
    fn null_error_is_no_error() {
        let r = parse_response(200, br#"{"Response":{"Error":null,"RequestId":"r"}}"#.to_vec()).unwrap();
        assert_eq!(r.request_id(), Some("r"));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: prefixes of valid bodies and pseudo-random bytes.
        let valid = br#"{"Response":{"Error":{"Code":"X","Message":"\u672a"},"RequestId":"r"}}"#;
        for n in 0..=valid.len() {
            let _ = parse_response(200, valid[..n].to_vec());
            let _ = parse_response(503, valid[..n].to_vec());
        }
        let mut x: u32 = 0x1234_5678;
        for _ in 0..500 {
            let body: Vec<u8> = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b"{}[]\":,Response Error Code\\u00ff"[x as usize % 32]
                })
                .collect();
            let _ = parse_response(200, body);
        }
    }
}
