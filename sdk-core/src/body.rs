//! Request bodies that are not one JSON object: the two binary calling modes of the official SDKs, and the
//! [`Binary`] member type.
//!
//! | mode ([`BodyMode`]) | body | parameters | signing |
//! |---|---|---|---|
//! | `Json` | the request as JSON (every other action) | in the body | any sign method |
//! | `Multipart` | `multipart/form-data`: one part per top-level member; the action's binary members as raw bytes with a `filename`, lists and objects as JSON parts | in the body | TC3 always (a legacy sign method is overridden, as the Python SDK does); POST only |
//! | `OctetStream` | `application/octet-stream`: the caller's bytes as they are | each top-level member as an unsigned header `<prefix><Name>` (`X-CLS-TopicId`) | TC3 and POST only |
//!
//! Which actions use which mode is data (`api-specs/binary-bodies.json`, read from the official Python
//! SDK's clients by `tools/binary_bodies.py`); the generator puts it in each action's
//! [`crate::ActionInfo::body`].
//!
//! Decisions:
//! - A binary member is [`Binary`] (bytes) in the request type, base64 in JSON as the API describes
//!   `binary`. A multipart request is serialized like any other and then its binary members are decoded
//!   back into raw bytes: one serialize path for every request, at the cost of a base64 round trip on the
//!   few actions that upload files.
//! - The multipart boundary is random per attempt (32 hex digits from the operating system's generator),
//!   an input of [`multipart`] so the encoding stays pure. A part that contains the boundary is an error,
//!   never a corrupted body.
//! - Octet-stream parameters become headers: a header value must be visible ASCII, so a value that is not
//!   (a newline, a non-ASCII name) is an error naming the parameter, never a header split or silently
//!   dropped. Names are checked as header tokens.
//! - [`Binary`]'s `Debug` shows the length only: uploaded files may hold personal data.

use std::fmt;

use base64::Engine;
use bytes::Bytes;
use serde::de::Error as _;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::{HeaderName, HeaderValue};

/// How an action's request body is encoded (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum BodyMode {
    /// The request as one JSON object (or form/query parameters, as the sign method and HTTP method say).
    #[default]
    Json,
    /// `multipart/form-data`; the named members are sent as raw bytes.
    Multipart {
        /// Wire names of the binary members.
        binary_params: &'static [&'static str],
    },
    /// `application/octet-stream` with the caller's bytes; parameters in headers named `prefix` + member.
    OctetStream {
        /// E.g. `X-CLS-`.
        header_prefix: &'static str,
    },
}

/// Bytes in a request or response member the API types as `binary` (base64 in JSON).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Binary(pub Bytes);

impl Binary {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl<T: Into<Bytes>> From<T> for Binary {
    fn from(bytes: T) -> Binary {
        Binary(bytes.into())
    }
}

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary(<{} bytes>)", self.0.len())
    }
}

impl serde::Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Binary, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(|b| Binary(b.into()))
            .map_err(|e| D::Error::custom(format!("not base64: {e}")))
    }
}

/// The parameter errors name.
const REQUEST: &str = "request";

fn top_level(payload: &[u8], mode: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice(payload) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::invalid_request(
            REQUEST,
            format!("a {mode} request must be a JSON object"),
        )),
    }
}

/// The `multipart/form-data` body of `payload` (a JSON object) with `boundary`; members named in
/// `binary_params` are base64 in `payload` and sent as raw bytes.
pub fn multipart(payload: &[u8], binary_params: &[&str], boundary: &str) -> Result<Vec<u8>, Error> {
    let map = top_level(payload, "multipart")?;
    let mut body = Vec::with_capacity(payload.len() + 128 * map.len());
    for (name, value) in &map {
        if name.bytes().any(|b| b == b'"' || b == b'\r' || b == b'\n') {
            return Err(Error::invalid_request(
                REQUEST,
                "a member name cannot be a form field name",
            ));
        }
        let (headers, content) = part(name, value, binary_params.contains(&name.as_str()))?;
        if contains(&content, boundary.as_bytes()) {
            return Err(Error::invalid_request(
                name.clone(),
                "the value contains the multipart boundary",
            ));
        }
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n").as_bytes());
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    if !map.is_empty() {
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    }
    Ok(body)
}

/// One part's headers (each line ended by CRLF) and content.
fn part(name: &str, value: &Value, binary: bool) -> Result<(String, Vec<u8>), Error> {
    let disposition = format!("Content-Disposition: form-data; name=\"{name}\"");
    Ok(match value {
        Value::String(s) if binary => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|_| Error::invalid_request(name.to_owned(), "binary member is not base64"))?;
            (format!("{disposition}; filename=\"{name}\"\r\n"), bytes)
        }
        Value::String(s) => (format!("{disposition}\r\n"), s.as_bytes().to_vec()),
        Value::Array(_) | Value::Object(_) => (
            format!("{disposition}\r\nContent-Type: application/json\r\n"),
            value.to_string().into_bytes(),
        ),
        scalar => (format!("{disposition}\r\n"), scalar.to_string().into_bytes()),
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The headers that carry an octet-stream action's parameters: each top-level member of `params` (a JSON
/// object) as `prefix` + name; strings as they are, other values as JSON text.
pub fn octet_stream_headers(params: &[u8], prefix: &str) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    let map = top_level(params, "octet-stream")?;
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(name, value)| {
            let header = HeaderName::from_bytes(format!("{prefix}{name}").as_bytes())
                .map_err(|_| Error::invalid_request(name.clone(), "not usable in a header name"))?;
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            // Do not echo the value: it may be personal data.
            let value = HeaderValue::from_str(&text)
                .ok()
                .filter(|v| v.as_bytes().iter().all(|b| b.is_ascii_graphic() || *b == b' '))
                .ok_or_else(|| Error::invalid_request(name.clone(), "must be printable ASCII to go in a header"))?;
            Ok((header, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_sends_binary_raw_and_lists_as_json() {
        let payload = br#"{"File":"AAEC/w==","Name":"a b","Ids":[1,2],"N":3}"#;
        let body = multipart(payload, &["File"], "BND").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with("--BND\r\n"), "{text}");
        assert!(text.ends_with("--BND--\r\n"), "{text}");
        assert!(contains(
            &body,
            b"name=\"File\"; filename=\"File\"\r\n\r\n\x00\x01\x02\xff\r\n--BND"
        ));
        assert!(text.contains("name=\"Ids\"\r\nContent-Type: application/json\r\n\r\n[1,2]\r\n"));
        assert!(text.contains("name=\"Name\"\r\n\r\na b\r\n"));
        assert!(text.contains("name=\"N\"\r\n\r\n3\r\n"));
    }

    #[test]
    fn multipart_refuses_what_it_cannot_encode() {
        assert!(multipart(b"[1]", &[], "B").is_err());
        let e = multipart(br#"{"File":"%%%"}"#, &["File"], "B").unwrap_err();
        assert_eq!(e.parameter(), Some("File"));
        let e = multipart(br#"{"Text":"x--BOUNDARY"}"#, &[], "BOUNDARY").unwrap_err();
        assert_eq!(e.parameter(), Some("Text"));
        assert!(multipart(br#"{"a\"b":"x"}"#, &[], "B").is_err());
        assert!(multipart(b"{}", &[], "B").unwrap().is_empty());
    }

    #[test]
    fn octet_stream_parameters_become_checked_headers() {
        let h = octet_stream_headers(br#"{"TopicId":"t-1","Level":2,"Gone":null}"#, "X-CLS-").unwrap();
        let h: Vec<_> = h.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
        assert_eq!(h, [("x-cls-level", "2"), ("x-cls-topicid", "t-1")]);
        let e = octet_stream_headers(br#"{"TopicId":"a\nb"}"#, "X-CLS-").unwrap_err();
        assert_eq!(e.parameter(), Some("TopicId"));
        assert!(!e.to_string().contains("a\nb"));
        assert!(octet_stream_headers(r#"{"TopicId":"中"}"#.as_bytes(), "X-CLS-").is_err());
        assert!(octet_stream_headers(br#"{"bad name":"x"}"#, "X-CLS-").is_err());
    }

    #[test]
    fn binary_is_base64_in_json_and_hidden_in_debug() {
        let b = Binary::from(vec![0u8, 1, 2, 255]);
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"AAEC/w==\"");
        let back: Binary = serde_json::from_str("\"AAEC/w==\"").unwrap();
        assert_eq!(back, b);
        assert_eq!(format!("{b:?}"), "Binary(<4 bytes>)");
        assert!(serde_json::from_str::<Binary>("\"%%\"").is_err());
    }
}
