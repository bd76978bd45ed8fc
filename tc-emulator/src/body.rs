//! Request bodies of the two binary calling modes (sdk-core's `body` module sends them):
//! `multipart/form-data` and `application/octet-stream`. A JSON body is not handled here.
//!
//! - Multipart: each part is one top-level parameter; a part with a `filename` is binary and becomes the
//!   base64 text the API describes for `binary` members, a part with `Content-Type: application/json` is
//!   parsed as JSON, any other part is text. The body is already bounded by the server's body limit; parts
//!   are capped at [`MAX_PARTS`] and every malformed piece is an `InvalidParameter` error naming it.
//! - Octet-stream: the body is opaque (the echo answer reports its length and SHA-256); the parameters are
//!   the `X-<Product>-<Name>` headers, matched to the action's input members by name
//!   ([`octet_stream_pairs`]).

use base64::Engine;
use hyper::header::CONTENT_TYPE;
use hyper::HeaderMap;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::response::ApiError;

/// More parts than any API takes: a body of thousands of empty parts is refused, not parsed.
pub(crate) const MAX_PARTS: usize = 256;

/// What a binary-mode request carried.
#[derive(Debug)]
pub(crate) enum Upload {
    /// The parameters, one per part.
    Multipart(Map<String, Value>),
    /// The body's length and SHA-256 (hex); parameters are in headers.
    OctetStream { length: usize, sha256: String },
}

impl Upload {
    /// The echo answer's `Params`.
    pub(crate) fn echo_params(&self) -> Value {
        match self {
            Upload::Multipart(map) => Value::Object(map.clone()),
            Upload::OctetStream { length, sha256 } => json!({"Body": {"Length": length, "Sha256": sha256}}),
        }
    }
}

/// The upload in `body`, or `None` when the request is not multipart or octet-stream.
pub(crate) fn upload(headers: &HeaderMap, body: &[u8]) -> Result<Option<Upload>, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut pieces = content_type.split(';').map(str::trim);
    let media_type = pieces.next().unwrap_or_default().to_ascii_lowercase();
    match media_type.as_str() {
        "application/octet-stream" => Ok(Some(Upload::OctetStream {
            length: body.len(),
            sha256: hex::encode(Sha256::digest(body)),
        })),
        "multipart/form-data" => {
            let boundary = pieces
                .find_map(|p| p.strip_prefix("boundary="))
                .map(|b| b.trim_matches('"'))
                .filter(|b| !b.is_empty() && b.len() <= 70)
                .ok_or_else(|| invalid("The multipart Content-Type has no usable boundary."))?;
            multipart(body, boundary).map(|m| Some(Upload::Multipart(m)))
        }
        _ => Ok(None),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameter", message)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses a `multipart/form-data` body into one parameter per part.
fn multipart(body: &[u8], boundary: &str) -> Result<Map<String, Value>, ApiError> {
    let mut map = Map::new();
    if body.is_empty() {
        return Ok(map);
    }
    let first = format!("--{boundary}\r\n");
    let delimiter = format!("\r\n--{boundary}");
    let mut rest = body
        .strip_prefix(first.as_bytes())
        .ok_or_else(|| invalid("The multipart body does not start with its boundary."))?;
    loop {
        if map.len() == MAX_PARTS {
            return Err(invalid(format!("The multipart body has more than {MAX_PARTS} parts.")));
        }
        let end = find(rest, delimiter.as_bytes())
            .ok_or_else(|| invalid("A multipart part is not closed by the boundary."))?;
        let (name, value) = part(&rest[..end])?;
        if map.insert(name.clone(), value).is_some() {
            return Err(invalid(format!("The multipart part `{name}` is given twice.")));
        }
        let after = &rest[end + delimiter.len()..];
        if after.starts_with(b"--") {
            return Ok(map);
        }
        rest = after
            .strip_prefix(b"\r\n")
            .ok_or_else(|| invalid("A multipart boundary is not followed by a line end."))?;
    }
}

/// One part: its headers, a blank line, its content.
fn part(raw: &[u8]) -> Result<(String, Value), ApiError> {
    let split = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("A multipart part has no header block."))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| invalid("A multipart part's headers are not UTF-8."))?;
    let content = &raw[split + 4..];
    let mut name = None;
    let mut file = false;
    let mut json_part = false;
    for line in head.split("\r\n") {
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        match key.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                for attr in value.split(';').map(str::trim) {
                    if let Some(n) = attr.strip_prefix("name=") {
                        name = Some(n.trim_matches('"').to_owned());
                    } else if attr.starts_with("filename=") {
                        file = true;
                    }
                }
            }
            "content-type" => json_part = value.trim().eq_ignore_ascii_case("application/json"),
            _ => {}
        }
    }
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("A multipart part has no name."))?;
    let value = if file {
        Value::String(base64::engine::general_purpose::STANDARD.encode(content))
    } else if json_part {
        serde_json::from_slice(content)
            .map_err(|e| invalid(format!("The multipart part `{name}` is not JSON: {e}.")))?
    } else {
        let text = std::str::from_utf8(content)
            .map_err(|_| invalid(format!("The multipart part `{name}` is not UTF-8 text.")))?;
        Value::String(text.to_owned())
    };
    Ok((name, value))
}

/// The parameters of an octet-stream request: for each input member, the header `X-<anything>-<member>`
/// (case-insensitive; never an `X-TC-` header) as a `(member, value)` pair.
pub(crate) fn octet_stream_pairs<'a>(
    headers: &HeaderMap,
    members: impl Iterator<Item = &'a str>,
) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for member in members {
        let suffix = format!("-{}", member.to_ascii_lowercase());
        let found = headers.iter().find(|(name, _)| {
            let name = name.as_str();
            name.starts_with("x-")
                && !name.starts_with("x-tc-")
                && name.ends_with(&suffix)
                && name.len() > suffix.len() + 2
        });
        if let Some(value) = found.and_then(|(_, v)| v.to_str().ok()) {
            pairs.push((member.to_owned(), value.to_owned()));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_type(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, t.parse().unwrap());
        h
    }

    #[test]
    fn multipart_parts_become_parameters() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"File\"; filename=\"File\"\r\n\r\n\x00\xff\r\n--B\r\nContent-Disposition: form-data; name=\"Ids\"\r\nContent-Type: application/json\r\n\r\n[1,2]\r\n--B\r\nContent-Disposition: form-data; name=\"Name\"\r\n\r\na\r\nb\r\n--B--\r\n";
        let Some(Upload::Multipart(m)) = upload(&with_type("multipart/form-data; boundary=B"), body).unwrap() else {
            panic!("not multipart")
        };
        assert_eq!(
            Value::Object(m),
            json!({"File": "AP8=", "Ids": [1, 2], "Name": "a\r\nb"})
        );
    }

    #[test]
    fn malformed_multipart_is_an_error_not_a_panic() {
        let t = with_type("multipart/form-data; boundary=B");
        for body in [
            &b"x"[..],
            b"--B\r\n",
            b"--B\r\nno blank line\r\n--B--",
            b"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--",
            b"--B\r\nContent-Disposition: form-data; name=\"A\"\r\nContent-Type: application/json\r\n\r\n{\r\n--B--",
            b"--B\r\nContent-Disposition: form-data; name=\"A\"\r\n\r\n\xff\r\n--B--",
            b"--B\r\nContent-Disposition: form-data; name=\"A\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; name=\"A\"\r\n\r\n2\r\n--B--",
        ] {
            assert!(upload(&t, body).is_err(), "{}", String::from_utf8_lossy(body));
        }
        assert!(upload(&with_type("multipart/form-data"), b"").is_err());
        let many: Vec<u8> = (0..=MAX_PARTS)
            .flat_map(|i| format!("--B\r\nContent-Disposition: form-data; name=\"P{i}\"\r\n\r\n\r\n").into_bytes())
            .chain(b"--B--".iter().copied())
            .collect();
        assert!(upload(&t, &many).is_err());
    }

    #[test]
    fn octet_stream_reports_the_body_and_reads_parameters_from_headers() {
        let mut h = with_type("application/octet-stream");
        h.insert("x-cls-topicid", "t-1".parse().unwrap());
        h.insert("x-tc-action", "UploadLog".parse().unwrap());
        let Some(Upload::OctetStream { length, sha256 }) = upload(&h, b"abc").unwrap() else {
            panic!("not octet-stream")
        };
        assert_eq!((length, sha256.len()), (3, 64));
        let pairs = octet_stream_pairs(&h, ["TopicId", "Action", "HashKey"].into_iter());
        assert_eq!(pairs, [("TopicId".to_owned(), "t-1".to_owned())]);
        assert!(upload(&with_type("application/json"), b"{}").unwrap().is_none());
    }
}
