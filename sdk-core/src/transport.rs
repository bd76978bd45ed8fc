//! Moving bytes: the [`Transport`] trait and its default implementation over `reqwest`.
//!
//! The client builds a complete, signed [`HttpRequest`] and hands it to a transport; the transport only
//! sends it and returns status, headers and body. Tests and users can plug in their own transport
//! (mock, recording, custom TLS) with `Client::with_transport`.
//!
//! [`ReqwestTransport`] uses reqwest 0.12 with `default-features = false` and the
//! `rustls-tls-webpki-roots` feature: rustls with the *ring* crypto provider (no OpenSSL, and no aws-lc-rs,
//! whose C/cmake build is the slowest part of a cold compile) and Mozilla's root certificates compiled in
//! (no platform certificate store to load, same behaviour on every machine; a private CA needs a custom
//! transport). HTTP/1.1 only: API 3.0 requests are independent JSON POSTs, and the `http2` feature would
//! add the `h2` crate for no gain. Connections are pooled per `ReqwestTransport`, i.e. per `Client`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::profile::{HttpMethod, HttpProfile};
use crate::wire::{Known, Name, Prepared};
use crate::Error;

/// The boxed future returned by [`Transport::send`].
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send + 'a>>;

/// Sends one HTTP request. Object safe, so a client holds `Arc<dyn Transport>`.
///
/// Implementations map their failures with [`Error::connect`], [`Error::timeout`] or [`Error::transport`]
/// and must not follow redirects or retry on their own.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the complete response (any status).
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

/// A complete request, already signed.
#[derive(Clone)]
pub struct HttpRequest {
    /// Request method.
    pub method: HttpMethod,
    /// Absolute URL, e.g. `https://sms.tencentcloudapi.com/`.
    pub url: String,
    /// Headers in sending order, including `Host`.
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Headers whose values are credentials and must not be printed.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-tc-token"];

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(k, v)| {
                        let secret = SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s));
                        (k.as_str(), if secret { "***" } else { v.as_str() })
                    }))
                    .finish()
            }
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &RedactedUrl(&self.url))
            .field("headers", &Headers(&self.headers))
            .field("body_len", &self.body.len())
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

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (values that are not UTF-8 are converted lossily).
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The default transport: one pooled `reqwest::Client` configured from an [`HttpProfile`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_size: usize,
}

impl ReqwestTransport {
    /// Builds the transport: connect and request timeouts, proxy and body limit come from `profile`.
    /// Fails (as an invalid request naming `HttpProfile.proxy`) when the proxy URL is not valid.
    pub fn new(profile: &HttpProfile) -> Result<ReqwestTransport, Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(profile.connect_timeout)
            .timeout(profile.req_timeout)
            // API 3.0 never redirects; following one would re-send a signed body somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tencentcloud-sdk-rust/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = &profile.proxy {
            // The proxy URL may hold a password: report the parse failure without the URL.
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|_| Error::invalid_request("HttpProfile.proxy", "not a valid proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        let client = builder
            .build()
            .map_err(|e| Error::invalid_request("HttpProfile", format!("cannot build HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            client,
            max_body_size: profile.max_body_size,
        })
    }

    async fn send_inner(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let method = match request.method {
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Get => reqwest::Method::GET,
        };
        let mut headers = HeaderMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid_request(name.clone(), "not a valid HTTP header name"))?;
            // Do not echo the value: it may be a token.
            let value = HeaderValue::from_str(value)
                .map_err(|_| Error::invalid_request(name.as_str(), "not a valid HTTP header value"))?;
            headers.append(name, value);
        }
        let response = self
            .client
            .request(method, request.url.as_str())
            .headers(headers)
            .body(request.body)
            .send()
            .await
            .map_err(map_reqwest_error)?;

        let status = response.status().as_u16();
        let response_headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = read_body(response, status, self.max_body_size).await?;
        Ok(HttpResponse {
            status,
            headers: response_headers,
            body: Vec::from(body),
        })
    }

    /// The client's path to the default transport: `request` goes straight into reqwest's types (constant
    /// header names, values from `cache` when they match, the body and the `Authorization` string moved
    /// rather than copied), and only the response's `Date` header is kept. `timeout`, when set, replaces
    /// the client-wide `HttpProfile::req_timeout` for this request (the call's deadline is nearer).
    pub(crate) async fn send_prepared(
        &self,
        request: Prepared<'_>,
        url: Option<&reqwest::Url>,
        cache: &HeaderCache,
        timeout: Option<Duration>,
    ) -> Result<FastResponse, Error> {
        let method = match request.method {
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Get => reqwest::Method::GET,
        };
        let url = match url {
            // The pre-parsed base URL, when the request goes to it without a query.
            Some(url) if url.as_str() == request.url => url.clone(),
            _ => reqwest::Url::parse(&request.url)
                .map_err(|e| Error::invalid_request("HttpProfile.endpoint", format!("not a valid URL: {e}")))?,
        };
        // Room for reqwest's default `User-Agent` and `Accept` too.
        let mut headers = HeaderMap::with_capacity(request.headers.len() + 2);
        for (name, value) in request.headers {
            let (name, value) = match name {
                Name::Known(known) => (known_name(known), cache.value(known, value)),
                Name::Extra(name) => (
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| Error::invalid_request(name.to_owned(), "not a valid HTTP header name"))?,
                    header_value(value),
                ),
            };
            // Do not echo the value: it may be a token.
            let value = value.map_err(|_| Error::invalid_request(name.as_str(), "not a valid HTTP header value"))?;
            headers.append(name, value);
        }
        let mut req = reqwest::Request::new(method, url);
        *req.headers_mut() = headers;
        *req.body_mut() = Some(reqwest::Body::from(request.body));
        if timeout.is_some() {
            *req.timeout_mut() = timeout;
        }
        let response = self.client.execute(req).await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let date = response.headers().get(reqwest::header::DATE).cloned();
        let body = read_body(response, status, self.max_body_size).await?;
        Ok(FastResponse { status, date, body })
    }
}

/// What [`ReqwestTransport::send_prepared`] returns: no header copies; `Date` is parsed only when a clock
/// correction needs it.
pub(crate) struct FastResponse {
    pub status: u16,
    pub date: Option<HeaderValue>,
    pub body: Bytes,
}

/// The whole body, at most `limit` bytes. A body that arrives in one chunk (the usual case for API 3.0's
/// small JSON answers) is kept as that chunk, without a copy.
async fn read_body(mut response: reqwest::Response, status: u16, limit: usize) -> Result<Bytes, Error> {
    let length = response.content_length();
    if length.is_some_and(|n| n > limit as u64) {
        return Err(too_large(status, limit, &[]));
    }
    let Some(first) = response.chunk().await.map_err(map_reqwest_error)? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large(status, limit, &[]));
    }
    let Some(second) = response.chunk().await.map_err(map_reqwest_error)? else {
        return Ok(first);
    };
    let mut body = Vec::with_capacity(length.map_or(8 * 1024, |n| n as usize).min(limit));
    for chunk in [first, second] {
        if body.len() + chunk.len() > limit {
            return Err(too_large(status, limit, &body));
        }
        body.extend_from_slice(&chunk);
    }
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(status, limit, &body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// Values that stay the same for every call of a client (content types, `Host`, version, region, language,
/// `RequestClient`), built once; a request's value is taken from here when it is byte-for-byte the same,
/// else converted (e.g. the backup endpoint's `Host`, or pinned test inputs).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderCache {
    values: Vec<(Known, HeaderValue)>,
}

impl HeaderCache {
    /// Caches `value` for `name` (values that are not valid header values are left out).
    pub(crate) fn insert(&mut self, name: Known, value: &str) {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.values.push((name, v));
        }
    }

    /// Caches a constant.
    pub(crate) fn insert_static(&mut self, name: Known, value: &'static str) {
        self.values.push((name, HeaderValue::from_static(value)));
    }

    fn value(&self, name: Known, value: std::borrow::Cow<'_, str>) -> Result<HeaderValue, InvalidValue> {
        for (k, v) in &self.values {
            if *k == name && v.as_bytes() == value.as_bytes() {
                return Ok(v.clone());
            }
        }
        header_value(value)
    }
}

struct InvalidValue;

/// An owned value (the `Authorization`, the timestamp) becomes the header value without a copy.
fn header_value(value: std::borrow::Cow<'_, str>) -> Result<HeaderValue, InvalidValue> {
    match value {
        // Without spare capacity, `Bytes::from` takes the allocation over as is; otherwise copying is as
        // cheap as the bookkeeping allocation it would need.
        std::borrow::Cow::Owned(s) if s.len() == s.capacity() => HeaderValue::from_maybe_shared(Bytes::from(s)),
        std::borrow::Cow::Owned(s) => HeaderValue::from_str(&s),
        std::borrow::Cow::Borrowed(s) => HeaderValue::from_str(s),
    }
    .map_err(|_| InvalidValue)
}

fn known_name(name: Known) -> HeaderName {
    const CONTENT_TYPE: HeaderName = reqwest::header::CONTENT_TYPE;
    const HOST: HeaderName = reqwest::header::HOST;
    const AUTHORIZATION: HeaderName = reqwest::header::AUTHORIZATION;
    const ACTION: HeaderName = HeaderName::from_static("x-tc-action");
    const VERSION: HeaderName = HeaderName::from_static("x-tc-version");
    const TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
    const REGION: HeaderName = HeaderName::from_static("x-tc-region");
    const LANGUAGE: HeaderName = HeaderName::from_static("x-tc-language");
    const REQUEST_CLIENT: HeaderName = HeaderName::from_static("x-tc-requestclient");
    const CONTENT_SHA256: HeaderName = HeaderName::from_static("x-tc-content-sha256");
    const TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
    match name {
        Known::ContentType => CONTENT_TYPE,
        Known::Host => HOST,
        Known::Action => ACTION,
        Known::Version => VERSION,
        Known::Timestamp => TIMESTAMP,
        Known::Region => REGION,
        Known::Language => LANGUAGE,
        Known::RequestClient => REQUEST_CLIENT,
        Known::ContentSha256 => CONTENT_SHA256,
        Known::Authorization => AUTHORIZATION,
        Known::Token => TOKEN,
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(self.send_inner(request))
    }
}

pub(crate) fn too_large(status: u16, limit: usize, body: &[u8]) -> Error {
    Error::decode(
        format!("response body exceeds HttpProfile.max_body_size ({limit} bytes)"),
        Some(status),
        body,
    )
}

/// reqwest marks a connect timeout as both a connect and a timeout error. The URL's query is dropped: with
/// GET and the legacy sign methods it holds the `Signature` and the token.
fn map_reqwest_error(mut e: reqwest::Error) -> Error {
    if let Some(url) = e.url_mut() {
        url.set_query(None);
    }
    if e.is_connect() && e.is_timeout() {
        Error::connect_timeout(e)
    } else if e.is_timeout() {
        Error::timeout(e)
    } else if e.is_connect() {
        Error::connect(e)
    } else {
        Error::transport(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials() {
        let r = HttpRequest {
            method: HttpMethod::Post,
            url: "https://sms.tencentcloudapi.com/".into(),
            headers: vec![
                ("Authorization".into(), "TC3-HMAC-SHA256 Signature=deadbeef".into()),
                ("X-TC-Token".into(), "tok-secret".into()),
                ("X-TC-Action".into(), "SendSms".into()),
            ],
            body: b"{}".to_vec(),
        };
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("deadbeef") && !dbg.contains("tok-secret"), "{dbg}");
        assert!(dbg.contains("SendSms"), "{dbg}");
        assert_eq!(r.header("x-tc-action"), Some("SendSms"));
    }

    #[test]
    fn bad_proxy_is_an_invalid_request_without_the_url() {
        let e = ReqwestTransport::new(&HttpProfile::new().proxy("http://user:pw@[::1")).unwrap_err();
        assert!(e.is_invalid_request());
        assert_eq!(e.parameter(), Some("HttpProfile.proxy"));
        assert!(!e.to_string().contains("pw"));
    }
}
