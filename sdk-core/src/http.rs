//! The HTTP request and response as the SDK sends and receives them, and the names of the headers it sets.
//!
//! The bottom of the crate: this module imports nothing of it. [`crate::wire`] builds an [`HttpRequest`], a
//! [`Transport`](crate::Transport) sends it and answers an [`HttpResponse`]; nothing else makes or reads
//! raw HTTP. There is one request shape for every transport: the default reqwest transport moves the
//! header map and the body into reqwest's request without a copy, a custom transport reads the same fields.
//!
//! Header names are the `http` crate's types (lower-case, as HTTP/1.1 sends them on the wire and as TC3
//! signs them); [`header`] lists every name the SDK sets, in one place.

use std::fmt;
use std::time::Duration;

pub use ::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;

/// HTTP method of API requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HttpMethod {
    /// Parameters in a JSON body (TC3) or a urlencoded form body (legacy signatures). The default.
    #[default]
    Post,
    /// Parameters flattened into the query string (`Filters.0.Values.0=...`), as the official SDKs do.
    Get,
}

impl HttpMethod {
    /// The method as written on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Post => "POST",
            HttpMethod::Get => "GET",
        }
    }
}

/// The headers the SDK sets itself: the one list (signing, the reserved-name check and the transports
/// use these constants).
pub mod header {
    use ::http::HeaderName;

    pub use ::http::header::{AUTHORIZATION, CONTENT_TYPE, DATE, HOST};
    /// `X-TC-Action`.
    pub const X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
    /// `X-TC-Version`.
    pub const X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
    /// `X-TC-Timestamp`.
    pub const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
    /// `X-TC-Region`.
    pub const X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
    /// `X-TC-Language`.
    pub const X_TC_LANGUAGE: HeaderName = HeaderName::from_static("x-tc-language");
    /// `X-TC-RequestClient`.
    pub const X_TC_REQUEST_CLIENT: HeaderName = HeaderName::from_static("x-tc-requestclient");
    /// `X-TC-Content-SHA256`.
    pub const X_TC_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");
    /// `X-TC-Token`.
    pub const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");

    /// Every header the SDK sets; `ClientProfile::signed_headers` may not name them.
    pub const RESERVED: [HeaderName; 11] = [
        AUTHORIZATION,
        CONTENT_TYPE,
        HOST,
        X_TC_ACTION,
        X_TC_CONTENT_SHA256,
        X_TC_LANGUAGE,
        X_TC_REGION,
        X_TC_REQUEST_CLIENT,
        X_TC_TIMESTAMP,
        X_TC_TOKEN,
        X_TC_VERSION,
    ];

    /// Headers whose values are credentials: never printed.
    pub const SECRET: [HeaderName; 2] = [AUTHORIZATION, X_TC_TOKEN];
}

/// A complete request, already signed. Built by [`crate::wire`]; a transport sends it as it is.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// Request method.
    pub method: HttpMethod,
    /// Absolute URL, e.g. `https://sms.tencentcloudapi.com/` (GET: with the query).
    pub url: String,
    /// Headers in sending order, including `Host`.
    pub headers: HeaderMap,
    /// Request body (shared between attempts, never copied per attempt).
    pub body: Bytes,
    /// Time left for this attempt when it is shorter than the transport's own request timeout (the call's
    /// deadline is near). Transports that cannot honour it are bounded by the client instead.
    pub timeout: Option<Duration>,
}

impl HttpRequest {
    pub(crate) fn new(method: HttpMethod, url: String, headers: HeaderMap, body: Bytes) -> HttpRequest {
        HttpRequest {
            method,
            url,
            headers,
            body,
            timeout: None,
        }
    }

    /// The value of header `name` (any case), when it is present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &RedactedUrl(&self.url))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Header values with everything but the SDK's own non-secret headers hidden. An allow-list, not a
/// deny-list: extra signed headers (`ClientProfile::signed_headers`, `CallOptions::headers`) and the headers
/// of octet-stream actions carry caller values (trace ids, tokens of other systems), so only the names of
/// [`header::RESERVED`] outside [`header::SECRET`] show their values (issue 26, finding 5).
struct RedactedHeaders<'a>(&'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let shown = if header::RESERVED.contains(k) && !header::SECRET.contains(k) {
                    v.to_str().unwrap_or("<not printable>")
                } else {
                    "***"
                };
                (k.as_str(), shown)
            }))
            .finish()
    }
}

/// A URL with its query values hidden: GET requests carry every parameter there (legacy signatures put
/// `SecretId`, `Token` and `Signature` in it; TC3 GET the action's parameters, e.g. verification codes).
/// Keys stay, so a log still shows which parameters were sent.
struct RedactedUrl<'a>(&'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((base, query)) = self.0.split_once('?') else {
            return fmt::Debug::fmt(self.0, f);
        };
        let mut shown = format!("{base}?");
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                shown.push('&');
            }
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            shown.push_str(key);
            shown.push_str("=***");
        }
        fmt::Debug::fmt(&shown, f)
    }
}

/// A complete response, any status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (the runtime reads `Date`, for clock-skew correction).
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A response with `status`, no headers and `body`.
    pub fn new(status: u16, body: impl Into<Bytes>) -> HttpResponse {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// The same response with header `name` added.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> HttpResponse {
        self.headers.append(name, value);
        self
    }

    /// The same response with `headers` as its headers.
    pub fn with_headers(mut self, headers: HeaderMap) -> HttpResponse {
        self.headers = headers;
        self
    }

    /// The value of header `name` (any case), when it is present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_credentials_and_query_values() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::AUTHORIZATION,
            HeaderValue::from_static("TC3-HMAC-SHA256 Signature=abc"),
        );
        headers.append(header::X_TC_TOKEN, HeaderValue::from_static("s3cr3t-t0k3n"));
        headers.append(header::X_TC_ACTION, HeaderValue::from_static("SendSms"));
        let request = HttpRequest::new(
            HttpMethod::Get,
            "https://sms.tencentcloudapi.com/?Code=1234&Signature=xyz".to_owned(),
            headers,
            Bytes::new(),
        );
        let shown = format!("{request:?}");
        for secret in ["abc", "s3cr3t-t0k3n", "1234", "xyz"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("SendSms") && shown.contains("Code=***"), "{shown}");
    }

    #[test]
    fn reserved_names_are_lower_case_and_distinct() {
        for (i, name) in header::RESERVED.iter().enumerate() {
            assert_eq!(name.as_str(), name.as_str().to_ascii_lowercase());
            assert!(!header::RESERVED[..i].contains(name));
        }
    }
}
