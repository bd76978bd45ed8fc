//! Moving bytes: the [`Transport`] trait and its default implementation over `reqwest`.
//!
//! The call path builds a complete, signed [`HttpRequest`] ([`crate::http`]) and hands it to a transport;
//! the transport only sends it and returns status, headers and body. Tests and users can plug in their own
//! transport (mock, recording, custom TLS) with `Client::with_transport`; `test_util` (feature
//! `test-util`) has ready-made ones.
//!
//! [`ReqwestTransport`] uses reqwest 0.12 with `default-features = false` and the
//! `rustls-tls-webpki-roots` feature: rustls with the *ring* crypto provider (no OpenSSL, and no aws-lc-rs,
//! whose C/cmake build is the slowest part of a cold compile) and Mozilla's root certificates compiled in
//! (same behaviour on every machine). HTTP/1.1 only: API 3.0 requests are independent JSON POSTs, and the
//! `http2` feature would add the `h2` crate for no gain. Connections are pooled per `ReqwestTransport`,
//! i.e. per `Client`.
//!
//! Trust beyond Mozilla's roots, for a TLS-inspecting proxy with a private CA:
//! - [`HttpProfile::certification`]: extra roots from a PEM file or text, added to the built-in ones.
//!   Parsed here with `rustls-pki-types` and checked with `rustls-webpki` (both already compiled for
//!   rustls), so a bad file is an error naming `HttpProfile.certification` and the certificate's position
//!   when the client is built, not a TLS failure on the first request.
//! - cargo feature `native-roots`: also the platform's store (reqwest's `rustls-tls-native-roots`, which
//!   loads it once per client through `rustls-native-certs`). Off by default: it makes behaviour depend on
//!   the machine and adds crates (see `docs/design.md`, "TLS trust").
//!
//! Streaming answers (`text/event-stream`) use [`Transport::send_streaming`], which returns the status and
//! headers as soon as they arrive and the body as a [`ByteStream`]. Its default implementation wraps
//! [`Transport::send`] (the whole body as one chunk), so custom and test transports stream without any
//! change; [`ReqwestTransport`] overrides it to hand over reqwest's body frame by frame. A stream is not
//! bounded by `req_timeout` as a whole (the call path bounds the wait for the headers, and the gap between
//! bytes with `HttpProfile::stream_idle_timeout`); dropping the [`ByteStream`] closes the connection.
//!
//! The request's header map and body move into reqwest's request and the response's header map and body
//! (one chunk, for API 3.0's small answers) move out of it: no header or body is copied on the way.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::CertificateDer;

use crate::error::Error;
use crate::http::{HeaderMap, HttpMethod, HttpRequest, HttpResponse};
use crate::profile::{Certification, HttpProfile};

/// The parameter named by errors in [`HttpProfile::certification`].
const CERTIFICATION: &str = "HttpProfile.certification";
/// The largest certificate file read. Mozilla's whole bundle as PEM is about 250 KiB.
pub const MAX_CERTIFICATION_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// The boxed future returned by [`Transport::send`].
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send + 'a>>;

/// The body of a streaming answer, chunk by chunk as it arrives. Dropping it closes the connection.
pub type ByteStream = Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, Error>> + Send>>;

/// The boxed future returned by [`Transport::send_streaming`].
pub type StreamingFuture<'a> = Pin<Box<dyn Future<Output = Result<StreamingResponse, Error>> + Send + 'a>>;

/// A response whose body is still arriving.
#[non_exhaustive]
pub struct StreamingResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, read on demand.
    pub body: ByteStream,
}

impl StreamingResponse {
    /// A response with `status`, `headers` and a body still to be read.
    pub fn new(status: u16, headers: HeaderMap, body: ByteStream) -> StreamingResponse {
        StreamingResponse { status, headers, body }
    }
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A complete response as a stream of (at most) one chunk.
impl From<HttpResponse> for StreamingResponse {
    fn from(response: HttpResponse) -> StreamingResponse {
        let body = (!response.body.is_empty()).then_some(response.body);
        StreamingResponse::new(response.status, response.headers, Box::pin(OneChunk(body)))
    }
}

/// A body already complete.
struct OneChunk(Option<Bytes>);

impl futures_core::Stream for OneChunk {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

/// Sends one HTTP request. Object safe, so a client holds `Arc<dyn Transport>`.
///
/// Implementations map their failures with [`Error::connect`], [`Error::timeout`] or [`Error::transport`]
/// and must not follow redirects or retry on their own. [`HttpRequest::timeout`], when set, is the time
/// left for this attempt; a transport that ignores it is bounded by the client's own timer.
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the complete response (any status).
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;

    /// Sends `request` and returns the response once its headers are in, with the body still arriving:
    /// for streaming answers. The default waits for the complete response with [`Transport::send`] (within
    /// `HttpProfile::max_body_size`), which is correct but delivers every event at the end.
    fn send_streaming(&self, request: HttpRequest) -> StreamingFuture<'_> {
        Box::pin(async move { self.send(request).await.map(StreamingResponse::from) })
    }

    /// The default transport itself, which the call path then calls without boxing its future (one
    /// allocation of ~1 KiB per request). Other transports keep the default, `None`.
    #[doc(hidden)]
    fn as_default_transport(&self) -> Option<&ReqwestTransport> {
        None
    }
}

/// The default transport: one pooled `reqwest::Client` configured from an [`HttpProfile`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_body_size: usize,
}

impl ReqwestTransport {
    /// Builds the transport: connect and request timeouts, proxy, extra root certificates and body limit
    /// come from `profile`. Fails with an invalid request naming `HttpProfile.proxy` when the proxy URL is
    /// not valid, or `HttpProfile.certification` when the certificates cannot be read or parsed.
    pub fn new(profile: &HttpProfile) -> Result<ReqwestTransport, Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(profile.connect_timeout)
            .timeout(profile.req_timeout)
            // API 3.0 never redirects; following one would re-send a signed body somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            // The call path decides every retry (`crate::retry`); reqwest's own (for HTTP/2 refusals, which
            // an HTTP/1.1 client never sees) would also clone every request's headers and body.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .user_agent(concat!("tencentcloud-sdk-rust/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = &profile.proxy {
            // The proxy URL may hold a password: report the parse failure without the URL.
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|_| Error::invalid_request("HttpProfile.proxy", "not a valid proxy URL"))?;
            builder = builder.proxy(proxy);
        }
        if let Some(certification) = &profile.certification {
            for root in extra_roots(certification)? {
                builder = builder.add_root_certificate(root);
            }
        }
        let client = builder
            .build()
            .map_err(|e| Error::invalid_request("HttpProfile", format!("cannot build HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            client,
            max_body_size: profile.max_body_size,
        })
    }

    pub(crate) async fn send_inner(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let timeout = request.timeout;
        let mut req = to_reqwest(request)?;
        if timeout.is_some() {
            *req.timeout_mut() = timeout;
        }
        let mut response = self.client.execute(req).await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let length = response.content_length();
        let headers = std::mem::take(response.headers_mut());
        let body = read_body(response, status, length, self.max_body_size).await?;
        Ok(HttpResponse::new(status, body).with_headers(headers))
    }

    async fn send_streaming_inner(&self, request: HttpRequest) -> Result<StreamingResponse, Error> {
        let mut req = to_reqwest(request)?;
        // reqwest's timeout covers the body too; a stream's length is unknown. The call path bounds the
        // wait for the headers and the silences of the body instead.
        *req.timeout_mut() = Some(NO_TOTAL_TIMEOUT);
        let mut response = self.client.execute(req).await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = ReqwestBody(reqwest::Body::from(response));
        Ok(StreamingResponse::new(status, headers, Box::pin(body)))
    }
}

/// reqwest's per-request timeout for a stream: longer than any stream, short enough for any clock.
const NO_TOTAL_TIMEOUT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The signed request as reqwest's request; the header map and body move, uncopied.
fn to_reqwest(request: HttpRequest) -> Result<reqwest::Request, Error> {
    let method = match request.method {
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Get => reqwest::Method::GET,
    };
    let mut req = reqwest::Request::new(method, parse_url(&request.url)?);
    *req.headers_mut() = request.headers;
    *req.body_mut() = Some(reqwest::Body::from(request.body));
    Ok(req)
}

thread_local! {
    /// The last URL without a query parsed on this thread. A client sends every POST to the same URL, and
    /// parsing it (host through IDNA) was ~7,600 instructions of every request; cloning the parsed URL is
    /// one copy. Keyed by the whole text, so a hit is exactly what parsing would give.
    static LAST_URL: std::cell::RefCell<Option<(String, reqwest::Url)>> = const { std::cell::RefCell::new(None) };
}

/// `url` parsed, from the one-entry cache of this thread when it is the last one (see [`LAST_URL`]).
fn parse_url(url: &str) -> Result<reqwest::Url, Error> {
    let cacheable = !url.contains('?');
    if cacheable {
        let hit = LAST_URL.with(|last| match &*last.borrow() {
            Some((text, parsed)) if text == url => Some(parsed.clone()),
            _ => None,
        });
        if let Some(parsed) = hit {
            return Ok(parsed);
        }
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::invalid_request("HttpProfile.endpoint", format!("not a valid URL: {e}")))?;
    if cacheable {
        LAST_URL.with(|last| *last.borrow_mut() = Some((url.to_owned(), parsed.clone())));
    }
    Ok(parsed)
}

/// reqwest's response body as a [`ByteStream`]: data frames, trailers skipped, errors mapped.
struct ReqwestBody(reqwest::Body);

impl futures_core::Stream for ReqwestBody {
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let frame = match http_body::Body::poll_frame(Pin::new(&mut self.0), cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(map_reqwest_error(e)))),
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            match frame.into_data() {
                Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                _ => continue,
            }
        }
    }
}

/// The certificates of [`HttpProfile::certification`], each checked as rustls will when it adds them to
/// its root store.
fn extra_roots(certification: &Certification) -> Result<Vec<reqwest::Certificate>, Error> {
    let invalid =
        |source: &dyn fmt::Display, problem| Error::invalid_request(CERTIFICATION, format!("{source}: {problem}"));
    match certification {
        Certification::File(path) => {
            parse_roots(&read_pem_file(path)?).map_err(|problem| invalid(&path.display(), problem))
        }
        Certification::Pem(pem) => parse_roots(pem).map_err(|problem| invalid(&"the PEM text", problem)),
    }
}

/// The file's bytes, at most [`MAX_CERTIFICATION_FILE_SIZE`] of them, read with the credential files' rules
/// (a regular file, checked on the opened handle, opened without blocking: a FIFO is refused at once).
fn read_pem_file(path: &Path) -> Result<Vec<u8>, Error> {
    crate::safe_file::read_small_file(path, MAX_CERTIFICATION_FILE_SIZE)
        .map_err(|why| Error::invalid_request(CERTIFICATION, format!("{}: {why}", path.display())))
}

/// Every `CERTIFICATE` block of `pem` (other blocks, such as keys, are skipped), or what is wrong with it.
fn parse_roots(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let mut roots = Vec::new();
    for der in CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|e| format!("after {} good certificate(s): {}", roots.len(), pem_problem(&e)))?;
        let position = roots.len() + 1;
        webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| format!("certificate {position} is not a valid X.509 certificate ({e})"))?;
        let root =
            reqwest::Certificate::from_der(&der).map_err(|e| format!("certificate {position} is not usable: {e}"))?;
        roots.push(root);
    }
    if roots.is_empty() {
        return Err("no PEM certificate (`-----BEGIN CERTIFICATE-----`) found".to_owned());
    }
    Ok(roots)
}

/// What is wrong, without quoting the file: a key file given by mistake must not reach logs.
fn pem_problem(e: &pem::Error) -> &'static str {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a `-----BEGIN` line without its `-----END` line",
        pem::Error::IllegalSectionStart { .. } => "a malformed `-----BEGIN` line",
        pem::Error::Base64Decode(_) => "invalid base64",
        pem::Error::SectionTooLarge => "a block too large to be a certificate",
        _ => "not readable as PEM",
    }
}

/// The whole body, at most `limit` bytes. A body that arrives in one chunk (the usual case for API 3.0's
/// small JSON answers) is kept as that chunk, without a copy.
async fn read_body(
    mut response: reqwest::Response,
    status: u16,
    length: Option<u64>,
    limit: usize,
) -> Result<Bytes, Error> {
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

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(self.send_inner(request))
    }

    fn send_streaming(&self, request: HttpRequest) -> StreamingFuture<'_> {
        Box::pin(self.send_streaming_inner(request))
    }

    fn as_default_transport(&self) -> Option<&ReqwestTransport> {
        Some(self)
    }
}

/// The error for a body over `HttpProfile::max_body_size` (any transport's: the call path checks custom
/// transports' answers too).
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
    fn parsed_urls_are_what_parsing_gives() {
        for url in [
            "http://127.0.0.1:1/",
            "https://sms.tencentcloudapi.com/",
            "http://127.0.0.1:1/",
            "http://[::1]:2/?a=b",
        ] {
            assert_eq!(parse_url(url).unwrap(), reqwest::Url::parse(url).unwrap(), "{url}");
        }
        assert!(parse_url("http://a b/").is_err());
        assert_eq!(parse_url("http://x.example/").unwrap().host_str(), Some("x.example"));
    }

    #[test]
    fn bad_proxy_is_an_invalid_request_without_the_url() {
        let e = ReqwestTransport::new(&HttpProfile::new().proxy("http://user:pw@[::1")).unwrap_err();
        assert!(e.is_invalid_request());
        assert_eq!(e.parameter(), Some("HttpProfile.proxy"));
        assert!(!e.to_string().contains("pw"));
    }
}
