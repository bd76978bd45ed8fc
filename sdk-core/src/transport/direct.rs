//! The default transport's own HTTP/1.1 client: hyper-util's pooled client over rustls (hyper-rustls),
//! without reqwest's layers.
//!
//! Why: profiled per SendSms (BENCHMARKS §2), reqwest spends more than the rest of the SDK together on
//! things an API 3.0 request does not use: its redirect layer parses the URL again and clones every
//! request's headers and body (redirects are refused anyway), its retry layer clones them once more, and
//! its URL handling runs IDNA on the host. Replaying the same bytes through hyper-util directly costs about
//! half of reqwest's CPU per request. Everything else is the same: connection pool, TCP_NODELAY, connect
//! timeout, one timer per attempt for the request timeout, rustls with the *ring* provider and Mozilla's
//! roots plus [`crate::HttpProfile::certification`]'s, HTTP/1.1 only.
//!
//! Used when no proxy applies: a configured `HttpProfile::proxy`, the standard proxy variables
//! (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, either case) or the `native-roots` feature send through
//! reqwest as before, which implements them ([`use_reqwest`]).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::CertificateDer;

use super::{ByteStream, StreamingResponse};
use crate::error::Error;
use crate::http::{HeaderValue, HttpMethod, HttpRequest, HttpResponse};
use crate::profile::HttpProfile;
use http::header::{ACCEPT, CONTENT_LENGTH, USER_AGENT};

type Connector = ConnectTimeout<hyper_rustls::HttpsConnector<HttpConnector>>;

/// hyper-util's client with the profile's settings.
#[derive(Clone)]
pub(crate) struct Direct {
    client: Client<Connector, Full<Bytes>>,
    user_agent: HeaderValue,
    req_timeout: Duration,
    max_body_size: usize,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("req_timeout", &self.req_timeout)
            .finish_non_exhaustive()
    }
}

/// True when a proxy would apply, which only reqwest implements: one configured, one named by the
/// standard variables (read once, when the client is built, as reqwest does), or the platform's roots.
pub(crate) fn use_reqwest(profile: &HttpProfile) -> bool {
    const PROXY_VARIABLES: [&str; 6] = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    profile.proxy.is_some()
        || cfg!(feature = "native-roots")
        || PROXY_VARIABLES
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

impl Direct {
    /// The client for `profile`, trusting Mozilla's roots and `extra_roots`.
    pub(crate) fn new(profile: &HttpProfile, extra_roots: Vec<CertificateDer<'static>>) -> Result<Direct, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(profile.connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(extra_roots)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let https = ConnectTimeout {
            inner: https,
            timeout: profile.connect_timeout,
        };
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(Direct {
            client,
            user_agent: HeaderValue::from_static(super::USER_AGENT),
            req_timeout: profile.req_timeout,
            max_body_size: profile.max_body_size,
        })
    }

    /// One exchange, bounded by the request's timeout (or `req_timeout`) from start to the body's end.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let timeout = request.timeout.unwrap_or(self.req_timeout);
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(answer) => answer,
            Err(_) => Err(Error::timeout(format!("no complete answer within {timeout:?}"))),
        }
    }

    /// The answer's head, and its body still to be read.
    async fn respond(&self, request: HttpRequest) -> Result<(http::response::Parts, hyper::body::Incoming), Error> {
        let response = self.client.request(self.to_hyper(request)?).await;
        Ok(response.map_err(map_client_error)?.into_parts())
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let (parts, body) = self.respond(request).await?;
        let status = parts.status.as_u16();
        let length = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let body = super::read_body(body, status, length, self.max_body_size, map_body_error).await?;
        Ok(HttpResponse::new(status, body).with_headers(parts.headers))
    }

    /// The answer once its headers are in; the body is read as it arrives, not bounded as a whole.
    pub(crate) async fn send_streaming(&self, request: HttpRequest) -> Result<StreamingResponse, Error> {
        let (parts, body) = self.respond(request).await?;
        let body: ByteStream = Box::pin(super::FrameStream::new(body, map_body_error));
        Ok(StreamingResponse::new(parts.status.as_u16(), parts.headers, body))
    }

    /// The signed request as hyper's: the header map and body move, the URL is parsed (once per thread
    /// and URL, [`super::parse_uri`]), and reqwest's default headers are added when absent.
    fn to_hyper(&self, request: HttpRequest) -> Result<hyper::Request<Full<Bytes>>, Error> {
        let mut req = hyper::Request::new(Full::new(request.body));
        *req.method_mut() = match request.method {
            HttpMethod::Post => hyper::Method::POST,
            HttpMethod::Get => hyper::Method::GET,
        };
        *req.uri_mut() = super::parse_uri(&request.url)?;
        *req.headers_mut() = request.headers;
        let headers = req.headers_mut();
        if !headers.contains_key(USER_AGENT) {
            headers.append(USER_AGENT, self.user_agent.clone());
        }
        if !headers.contains_key(ACCEPT) {
            headers.append(ACCEPT, HeaderValue::from_static("*/*"));
        }
        Ok(req)
    }
}

/// `connect_timeout` over the whole connection setup, TCP and TLS, as `HttpProfile::connect_timeout` says
/// (hyper-util's own bounds only the TCP connect): a server that accepts and then stalls the handshake is a
/// connect timeout (nothing was sent), not a request timeout.
#[derive(Clone)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    timeout: Duration,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<C> tower_service::Service<http::Uri> for ConnectTimeout<C>
where
    C: tower_service::Service<http::Uri> + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let (connecting, timeout) = (self.inner.call(uri), self.timeout);
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connection (TCP and TLS) not set up within {timeout:?}"),
                )
                .into()),
            }
        })
    }
}

/// rustls with the *ring* provider, TLS 1.2 and 1.3, Mozilla's roots and `extra_roots`.
fn tls_config(extra_roots: Vec<CertificateDer<'static>>) -> Result<rustls::ClientConfig, Error> {
    let failed = |e: rustls::Error| Error::invalid_request("HttpProfile", format!("cannot build the TLS client: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (position, der) in extra_roots.into_iter().enumerate() {
        roots.add(der).map_err(|e| {
            Error::invalid_request(
                super::CERTIFICATION,
                format!("certificate {} is not usable: {e}", position + 1),
            )
        })?;
    }
    Ok(
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// A failure before the request was written is a connect error (with a timeout: a connect timeout), so the
/// retry rule knows nothing was sent; anything later is a transport error.
fn map_client_error(e: hyper_util::client::legacy::Error) -> Error {
    if !e.is_connect() {
        return Error::transport(e);
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return Error::connect_timeout(e);
        }
        cause = c.source();
    }
    Error::connect(e)
}

fn map_body_error(e: hyper::Error) -> Error {
    Error::transport(e)
}
