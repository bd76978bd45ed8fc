//! Moving bytes: the [`Transport`] trait and its default implementation over `reqwest`.
//!
//! The call path builds a complete, signed [`HttpRequest`] ([`crate::http`]) and hands it to a transport;
//! the transport only sends it and returns status, headers and body. Tests and users can plug in their own
//! transport (mock, recording, custom TLS) with `Client::with_transport`; `test_util` (feature
//! `test-util`) has ready-made ones.
//!
//! [`HttpTransport`] sends through hyper-util's pooled HTTP/1.1 client over rustls with the *ring* crypto
//! provider and Mozilla's root certificates compiled in (same behaviour on every machine; no OpenSSL, and no
//! aws-lc-rs, whose C/cmake build is the slowest part of a cold compile): see `transport/direct.rs` for why not
//! reqwest. When a proxy applies (`HttpProfile::proxy`, the `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY`
//! variables) or with the `native-roots` feature it sends through reqwest 0.12 (`default-features = false`,
//! `rustls-tls-webpki-roots`), which implements them. HTTP/1.1 only: API 3.0 requests are independent JSON
//! POSTs, and HTTP/2 would add the `h2` crate for no gain. Connections are pooled per `HttpTransport`, i.e.
//! per `Client` (or per `SdkConfig`).
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
//! change; [`HttpTransport`] overrides it to hand over the body frame by frame. A stream is not
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
    fn as_default_transport(&self) -> Option<&HttpTransport> {
        None
    }
}

mod direct;

/// `User-Agent` of the default transport.
const USER_AGENT: &str = concat!("tencentcloud-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// The default transport, configured from an [`HttpProfile`]: hyper-util's pooled HTTP/1.1 client over
/// rustls (`transport/direct.rs`), or `reqwest` when a proxy applies. Connections are pooled per transport.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    backend: Backend,
    max_body_size: usize,
}

/// The previous name of [`HttpTransport`], which sent everything through reqwest.
#[deprecated(note = "renamed HttpTransport: it sends through hyper-util directly unless a proxy applies")]
pub type ReqwestTransport = HttpTransport;

// One per transport, built once and never moved per call: boxing the larger variant would only add an
// indirection to every request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Backend {
    Direct(direct::Direct),
    Reqwest(reqwest::Client),
}

impl HttpTransport {
    /// Builds the transport: connect and request timeouts, proxy, extra root certificates and body limit
    /// come from `profile`. Fails with an invalid request naming `HttpProfile.proxy` when the proxy URL is
    /// not valid, or `HttpProfile.certification` when the certificates cannot be read or parsed.
    pub fn new(profile: &HttpProfile) -> Result<HttpTransport, Error> {
        let roots = match &profile.certification {
            Some(certification) => extra_roots(certification)?,
            None => Vec::new(),
        };
        let backend = if direct::use_reqwest(profile) {
            Backend::Reqwest(reqwest_client(profile, roots)?)
        } else {
            Backend::Direct(direct::Direct::new(profile, roots)?)
        };
        Ok(HttpTransport {
            backend,
            max_body_size: profile.max_body_size,
        })
    }

    pub(crate) async fn send_inner(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let client = match &self.backend {
            Backend::Direct(direct) => return direct.send(request).await,
            Backend::Reqwest(client) => client,
        };
        let timeout = request.timeout;
        let mut req = to_reqwest(request)?;
        if timeout.is_some() {
            *req.timeout_mut() = timeout;
        }
        let mut response = client.execute(req).await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let length = response.content_length();
        let headers = std::mem::take(response.headers_mut());
        let body = reqwest::Body::from(response);
        let body = read_body(body, status, length, self.max_body_size, map_reqwest_error).await?;
        Ok(HttpResponse::new(status, body).with_headers(headers))
    }

    async fn send_streaming_inner(&self, request: HttpRequest) -> Result<StreamingResponse, Error> {
        let client = match &self.backend {
            Backend::Direct(direct) => return direct.send_streaming(request).await,
            Backend::Reqwest(client) => client,
        };
        let mut req = to_reqwest(request)?;
        // reqwest's timeout covers the body too; a stream's length is unknown. The call path bounds the
        // wait for the headers and the silences of the body instead.
        *req.timeout_mut() = Some(NO_TOTAL_TIMEOUT);
        let mut response = client.execute(req).await.map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let body = FrameStream::new(reqwest::Body::from(response), map_reqwest_error);
        Ok(StreamingResponse::new(status, headers, Box::pin(body)))
    }
}

/// reqwest, for a profile with a proxy (see [`direct::use_reqwest`]).
fn reqwest_client(profile: &HttpProfile, roots: Vec<CertificateDer<'static>>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(profile.connect_timeout)
        .timeout(profile.req_timeout)
        // API 3.0 never redirects; following one would re-send a signed body somewhere else.
        .redirect(reqwest::redirect::Policy::none())
        // The call path decides every retry (`crate::retry`); reqwest's own (for HTTP/2 refusals, which
        // an HTTP/1.1 client never sees) would also clone every request's headers and body.
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .user_agent(USER_AGENT);
    if let Some(proxy) = &profile.proxy {
        // The proxy URL may hold a password: report the parse failure without the URL.
        let proxy = reqwest::Proxy::all(proxy.as_str())
            .map_err(|_| Error::invalid_request("HttpProfile.proxy", "not a valid proxy URL"))?;
        builder = builder.proxy(proxy);
    }
    for (position, der) in roots.iter().enumerate() {
        let root = reqwest::Certificate::from_der(der).map_err(|e| {
            Error::invalid_request(
                CERTIFICATION,
                format!("certificate {} is not usable: {e}", position + 1),
            )
        })?;
        builder = builder.add_root_certificate(root);
    }
    builder
        .build()
        .map_err(|e| Error::invalid_request("HttpProfile", format!("cannot build HTTP client: {e}")))
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

/// The last URL without a query that this thread parsed, and what parsing gave. A client sends every POST
/// to the same URL, and parsing it (reqwest's `Url`: the host through IDNA) was ~7,600 instructions of
/// every request; cloning the parsed form is one copy. Keyed by the whole text, so a hit is exactly what
/// parsing would give.
type LastParsed<T> = std::thread::LocalKey<std::cell::RefCell<Option<(String, T)>>>;

thread_local! {
    static LAST_URL: std::cell::RefCell<Option<(String, reqwest::Url)>> = const { std::cell::RefCell::new(None) };
    static LAST_URI: std::cell::RefCell<Option<(String, http::Uri)>> = const { std::cell::RefCell::new(None) };
}

/// `parse(url)`, or the copy `last` keeps of it (see [`LastParsed`]).
fn parse_cached<T: Clone>(
    last: &'static LastParsed<T>,
    url: &str,
    parse: impl FnOnce(&str) -> Result<T, Error>,
) -> Result<T, Error> {
    let cacheable = !url.contains('?');
    if cacheable {
        let hit = last.with(|last| match &*last.borrow() {
            Some((text, parsed)) if text == url => Some(parsed.clone()),
            _ => None,
        });
        if let Some(parsed) = hit {
            return Ok(parsed);
        }
    }
    let parsed = parse(url)?;
    if cacheable {
        last.with(|last| *last.borrow_mut() = Some((url.to_owned(), parsed.clone())));
    }
    Ok(parsed)
}

/// `url` as reqwest's `Url`.
fn parse_url(url: &str) -> Result<reqwest::Url, Error> {
    parse_cached(&LAST_URL, url, |url| {
        reqwest::Url::parse(url)
            .map_err(|e| Error::invalid_request("HttpProfile.endpoint", format!("not a valid URL: {e}")))
    })
}

/// `url` as an `http::Uri` for the direct client, with reqwest's check: an absolute http(s) URL with a
/// host (the endpoint was validated, so this only fails for a custom interceptor's rewrite).
fn parse_uri(url: &str) -> Result<http::Uri, Error> {
    parse_cached(&LAST_URI, url, |url| {
        url.parse()
            .ok()
            .filter(|u: &http::Uri| matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some())
            .ok_or_else(|| Error::invalid_request("HttpProfile.endpoint", "not a valid http(s) URL"))
    })
}

/// An HTTP body as a [`ByteStream`]: data frames, trailers skipped, errors mapped.
struct FrameStream<B, F> {
    body: B,
    map_error: F,
}

impl<B, F> FrameStream<B, F> {
    fn new(body: B, map_error: F) -> FrameStream<B, F> {
        FrameStream { body, map_error }
    }
}

impl<B, F> futures_core::Stream for FrameStream<B, F>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    F: Fn(B::Error) -> Error + Unpin,
{
    type Item = Result<Bytes, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let frame = match http_body::Body::poll_frame(Pin::new(&mut self.body), cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err((self.map_error)(e)))),
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
fn extra_roots(certification: &Certification) -> Result<Vec<CertificateDer<'static>>, Error> {
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
fn parse_roots(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut roots = Vec::new();
    for der in CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|e| format!("after {} good certificate(s): {}", roots.len(), pem_problem(&e)))?;
        let position = roots.len() + 1;
        webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| format!("certificate {position} is not a valid X.509 certificate ({e})"))?;
        roots.push(der);
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

/// The next data frame of `chunks`.
async fn next_chunk<S: futures_core::Stream + Unpin>(chunks: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *chunks).poll_next(cx)).await
}

/// The whole body, at most `limit` bytes. A body that arrives in one chunk (the usual case for API 3.0's
/// small JSON answers) is kept as that chunk, without a copy.
async fn read_body<B, F>(body: B, status: u16, length: Option<u64>, limit: usize, map_error: F) -> Result<Bytes, Error>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    F: Fn(B::Error) -> Error + Unpin,
{
    if length.is_some_and(|n| n > limit as u64) {
        return Err(too_large(status, limit, &[]));
    }
    let mut chunks = FrameStream::new(body, map_error);
    let Some(first) = next_chunk(&mut chunks).await.transpose()? else {
        return Ok(Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large(status, limit, &[]));
    }
    let Some(second) = next_chunk(&mut chunks).await.transpose()? else {
        return Ok(first);
    };
    let mut body = Vec::with_capacity(length.map_or(8 * 1024, |n| n as usize).min(limit));
    for chunk in [first, second] {
        if body.len() + chunk.len() > limit {
            return Err(too_large(status, limit, &body));
        }
        body.extend_from_slice(&chunk);
    }
    while let Some(chunk) = next_chunk(&mut chunks).await.transpose()? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(status, limit, &body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(self.send_inner(request))
    }

    fn send_streaming(&self, request: HttpRequest) -> StreamingFuture<'_> {
        Box::pin(self.send_streaming_inner(request))
    }

    fn as_default_transport(&self) -> Option<&HttpTransport> {
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
        let e = HttpTransport::new(&HttpProfile::new().proxy("http://user:pw@[::1")).unwrap_err();
        assert!(e.is_invalid_request());
        assert_eq!(e.parameter(), Some("HttpProfile.proxy"));
        assert!(!e.to_string().contains("pw"));
    }
}
