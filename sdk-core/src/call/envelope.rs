//! Decode envelope, the last stage of an attempt: any status and body become a [`RawResponse`] (the
//! `Response` object of a success, kept as raw JSON text) or the right [`Error`] (a service error with
//! Code/Message/RequestId, a status error, a decode error). Never panics on arbitrary bytes.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;

/// The `Response` object of a successful call, kept as raw JSON text (never parsed into a `Value` tree).
#[derive(Clone)]
pub struct RawResponse {
    /// The whole response body, valid UTF-8 (checked by `parse_response`).
    body: Bytes,
    /// Byte range of the `Response` object inside `body`.
    start: usize,
    end: usize,
    request_id: Option<String>,
    status: u16,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("json_len", &(self.end - self.start))
            .finish()
    }
}

impl RawResponse {
    /// Raw JSON text of the `Response` object.
    pub fn json(&self) -> &str {
        // The body was checked to be UTF-8 and `start..end` is a JSON value inside it, so this cannot
        // fail; checking again (a fast pass over a few hundred bytes) beats copying the body into a String.
        std::str::from_utf8(&self.body[self.start..self.end]).unwrap_or_default()
    }

    /// `Response.RequestId`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Decodes the `Response` object into `T`; a mismatch is a decode error naming the JSON path and what
    /// was expected, never the values found (they may be secrets).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut de = serde_json::Deserializer::from_str(self.json());
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            Error::decode_with(
                format!(
                    "Response does not match the expected type at `Response.{path}`: {}",
                    crate::error::json_error_summary(e.inner())
                ),
                Some(self.status),
                self.request_id.clone(),
                self.json().as_bytes(),
                None,
            )
        })
    }
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
        start,
        end,
        request_id: head.request_id,
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
