//! Client and HTTP settings, named after the official SDKs' `ClientProfile` and `HttpProfile`.
//!
//! Both are plain data with public fields (`#[non_exhaustive]`, so new settings are not breaking) and
//! chainable setters of the same names: `HttpProfile::new().endpoint("...").req_timeout(d)`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::breaker::RegionBreakerProfile;
pub use crate::http::HttpMethod;
use crate::retry::RetryPolicy;

/// Official SDKs' default request timeout.
pub const DEFAULT_REQ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default TCP/TLS connect timeout. The official SDKs only have one 60 s timeout; a separate, shorter
/// connect timeout makes an unreachable endpoint fail fast instead of eating the whole request budget.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit on the size of a response body (API 3.0 responses are JSON, rarely over a few MiB).
pub const DEFAULT_MAX_BODY_SIZE: usize = 10 * 1024 * 1024;
/// Default longest silence inside a streaming answer. Generous: a model may think for a while between
/// tokens, but a dead connection must not hang the caller forever.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest event of a streaming answer (an event is one JSON object, usually a few hundred bytes).
pub const DEFAULT_MAX_EVENT_SIZE: usize = 1024 * 1024;
/// Root domain of the public endpoints: `<product>.tencentcloudapi.com`.
pub const ROOT_DOMAIN: &str = "tencentcloudapi.com";

/// URL scheme used when the endpoint does not name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// TLS, the default.
    #[default]
    Https,
    /// Plain HTTP, for local emulators and proxies.
    Http,
}

impl Scheme {
    /// `https` or `http`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// Language of error messages (`X-TC-Language`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Language {
    /// `zh-CN`
    ZhCn,
    /// `en-US`
    EnUs,
}

impl Language {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::EnUs => "en-US",
        }
    }
}

/// Signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignMethod {
    /// TC3-HMAC-SHA256, the default and the only one for POST JSON requests: signature in `Authorization`.
    #[default]
    Tc3HmacSha256,
    /// Legacy `HmacSHA1`: common parameters and `Signature` sent as form/query parameters.
    HmacSha1,
    /// Legacy `HmacSHA256`: like [`SignMethod::HmacSha1`] with SHA-256.
    HmacSha256,
}

impl SignMethod {
    /// The name the official SDKs use (`SignatureMethod` parameter for the legacy methods).
    pub fn as_str(self) -> &'static str {
        match self {
            SignMethod::Tc3HmacSha256 => "TC3-HMAC-SHA256",
            SignMethod::HmacSha1 => "HmacSHA1",
            SignMethod::HmacSha256 => "HmacSHA256",
        }
    }
}

/// HTTP-level settings.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpProfile {
    /// Endpoint override: a host (`sms.ap-guangzhou.tencentcloudapi.com`, `scheme` applies) or a base URL
    /// with scheme (`http://127.0.0.1:9000`). `None` means `<product>.tencentcloudapi.com`.
    pub endpoint: Option<String>,
    /// Scheme for endpoints without one. Default HTTPS.
    pub scheme: Scheme,
    /// Request method. Default POST.
    pub req_method: HttpMethod,
    /// Time allowed for the TCP (and TLS) connection. Default [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, connect to last body byte. Default [`DEFAULT_REQ_TIMEOUT`]. The whole
    /// call, retries included, is bounded by `RetryPolicy::deadline` (default 120 s).
    pub req_timeout: Duration,
    /// Proxy URL for all requests, e.g. `http://user:pass@proxy:3128`. Default none, in which case the
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` environment variables apply, as in the official SDKs.
    pub proxy: Option<String>,
    /// Largest response body accepted, in bytes. Default [`DEFAULT_MAX_BODY_SIZE`].
    pub max_body_size: usize,
    /// Extra root certificates (PEM) trusted for HTTPS besides the built-in ones, e.g. the private CA of a
    /// TLS-inspecting corporate proxy. Named after the official SDKs' `certification`; unlike Python's
    /// (which replaces the CA bundle), these are added to the roots, so a file holding only the private CA
    /// is enough. Read and checked when the client is built; a file that cannot be read or holds no valid
    /// certificate makes every call fail with an invalid-request error naming `HttpProfile.certification`.
    /// Used by the default transport only. Default none.
    pub certification: Option<Certification>,
    /// Streaming answers (`<action>_stream`): the longest time without progress (bytes of an event's data)
    /// once the stream has started; longer is a timeout error. SSE comments and keep-alive blank lines are
    /// not progress: a server sending only those is cut off after this time. `req_timeout` bounds only the wait for the stream's
    /// headers, since a stream may last longer than any single answer. Default [`DEFAULT_STREAM_IDLE_TIMEOUT`].
    pub stream_idle_timeout: Duration,
    /// Streaming answers: the largest single event (its lines, before decoding) accepted, in bytes; a
    /// bigger one is a decode error that ends the stream. Default [`DEFAULT_MAX_EVENT_SIZE`].
    pub max_event_size: usize,
    /// Streaming answers: the longest a whole stream may last once its headers are in; longer is a timeout
    /// error that ends it. Default `None` (off): a steady stream may run for any time, and only
    /// `stream_idle_timeout` bounds it. Set it to bound the time a server can hold a caller.
    pub stream_deadline: Option<Duration>,
}

/// Where [`HttpProfile::certification`] comes from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Certification {
    /// A PEM file (one or more `-----BEGIN CERTIFICATE-----` blocks; other blocks are ignored), read each
    /// time a client is built.
    File(PathBuf),
    /// PEM text, as in a file.
    Pem(Vec<u8>),
}

// Certificates are public, but a bundle is long: the path, or the size of the PEM text.
impl fmt::Debug for Certification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Certification::File(path) => f.debug_tuple("File").field(path).finish(),
            Certification::Pem(pem) => write!(f, "Pem({} bytes)", pem.len()),
        }
    }
}

impl Default for HttpProfile {
    fn default() -> Self {
        HttpProfile {
            endpoint: None,
            scheme: Scheme::Https,
            req_method: HttpMethod::Post,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            req_timeout: DEFAULT_REQ_TIMEOUT,
            proxy: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            certification: None,
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            stream_deadline: None,
        }
    }
}

// Hand-written so proxy credentials (`http://user:pass@host`) stay out of logs.
impl fmt::Debug for HttpProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpProfile")
            .field("endpoint", &self.endpoint)
            .field("scheme", &self.scheme)
            .field("req_method", &self.req_method)
            .field("connect_timeout", &self.connect_timeout)
            .field("req_timeout", &self.req_timeout)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("max_body_size", &self.max_body_size)
            .field("certification", &self.certification)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("max_event_size", &self.max_event_size)
            .field("stream_deadline", &self.stream_deadline)
            .finish()
    }
}

fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // Everything up to the last '@' may be user info: a password may hold '/', '?' or '#' unescaped, and
    // hiding a proxy path that contains '@' as well is the safe mistake.
    match rest.rfind('@') {
        Some(at) if scheme.is_empty() => format!("***@{}", &rest[at + 1..]),
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

impl HttpProfile {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`HttpProfile::endpoint`].
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets [`HttpProfile::scheme`].
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Sets [`HttpProfile::req_method`].
    pub fn req_method(mut self, method: HttpMethod) -> Self {
        self.req_method = method;
        self
    }

    /// Sets [`HttpProfile::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`HttpProfile::req_timeout`].
    pub fn req_timeout(mut self, timeout: Duration) -> Self {
        self.req_timeout = timeout;
        self
    }

    /// Sets [`HttpProfile::proxy`].
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// Sets [`HttpProfile::max_body_size`].
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Sets [`HttpProfile::certification`] to a PEM file of extra root certificates.
    pub fn certification(mut self, pem_file: impl Into<PathBuf>) -> Self {
        self.certification = Some(Certification::File(pem_file.into()));
        self
    }

    /// Sets [`HttpProfile::stream_idle_timeout`].
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// Sets [`HttpProfile::stream_deadline`].
    pub fn stream_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.stream_deadline = deadline;
        self
    }

    /// Sets [`HttpProfile::max_event_size`].
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }

    /// Sets [`HttpProfile::certification`] to PEM text of extra root certificates.
    pub fn certification_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.certification = Some(Certification::Pem(pem.into()));
        self
    }
}

/// Settings of a client beyond credential and region.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientProfile {
    /// Language of error messages; `None` lets the service choose (Chinese).
    pub language: Option<Language>,
    /// Signature algorithm. Default TC3-HMAC-SHA256.
    pub sign_method: SignMethod,
    /// HTTP settings.
    pub http_profile: HttpProfile,
    /// Sign `UNSIGNED-PAYLOAD` instead of the body hash (sends `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`),
    /// saving a hash of large bodies at the cost of not protecting the body. Default false.
    pub unsigned_payload: bool,
    /// Extra headers sent with every request and covered by the TC3 signature (added to `SignedHeaders`,
    /// lowercased and sorted), e.g. `("X-TC-TraceId", "...")`. Not allowed with the legacy sign methods,
    /// which cannot sign headers. Default none.
    pub signed_headers: Vec<(String, String)>,
    /// Which failures are retried, how often, with what backoff, within what overall deadline.
    /// Default [`RetryPolicy::default`]: 3 attempts, 200 ms..5 s full-jitter backoff, 120 s deadline.
    pub retry_policy: RetryPolicy,
    /// Region failover to a backup endpoint while the primary fails. Default `None` (off).
    pub region_breaker: Option<RegionBreakerProfile>,
}

// Hand-written: extra signed headers may carry tokens (trace or auth headers of a gateway); names only.
impl fmt::Debug for ClientProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientProfile")
            .field("language", &self.language)
            .field("sign_method", &self.sign_method)
            .field("http_profile", &self.http_profile)
            .field("unsigned_payload", &self.unsigned_payload)
            .field("signed_headers", &RedactedHeaders(&self.signed_headers))
            .field("retry_policy", &self.retry_policy)
            .field("region_breaker", &self.region_breaker)
            .finish()
    }
}

/// Debug of header pairs that shows each name and `***` for its value.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "***")))
            .finish()
    }
}

impl ClientProfile {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ClientProfile::language`].
    pub fn language(mut self, language: Language) -> Self {
        self.language = Some(language);
        self
    }

    /// Sets [`ClientProfile::sign_method`].
    pub fn sign_method(mut self, method: SignMethod) -> Self {
        self.sign_method = method;
        self
    }

    /// Sets [`ClientProfile::http_profile`].
    pub fn http_profile(mut self, http_profile: HttpProfile) -> Self {
        self.http_profile = http_profile;
        self
    }

    /// Sets [`ClientProfile::unsigned_payload`].
    pub fn unsigned_payload(mut self, unsigned: bool) -> Self {
        self.unsigned_payload = unsigned;
        self
    }

    /// Sets [`ClientProfile::retry_policy`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Sets [`ClientProfile::region_breaker`] (turns failover on).
    pub fn region_breaker(mut self, breaker: RegionBreakerProfile) -> Self {
        self.region_breaker = Some(breaker);
        self
    }

    /// Adds one header to [`ClientProfile::signed_headers`].
    pub fn signed_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.signed_headers.push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let h = HttpProfile::default();
        assert_eq!(h.req_timeout, Duration::from_secs(60));
        assert_eq!(h.connect_timeout, Duration::from_secs(10));
        assert_eq!(h.req_method, HttpMethod::Post);
        assert_eq!(h.scheme, Scheme::Https);
        assert_eq!(h.max_body_size, 10 * 1024 * 1024);
        let c = ClientProfile::default();
        assert_eq!(c.sign_method, SignMethod::Tc3HmacSha256);
        assert!(!c.unsigned_payload && c.language.is_none());
    }

    #[test]
    fn setters_chain() {
        let c = ClientProfile::new()
            .language(Language::EnUs)
            .unsigned_payload(true)
            .http_profile(
                HttpProfile::new()
                    .endpoint("http://127.0.0.1:9000")
                    .req_timeout(Duration::from_secs(5)),
            );
        assert_eq!(c.language.map(Language::as_str), Some("en-US"));
        assert_eq!(c.http_profile.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.http_profile.req_timeout, Duration::from_secs(5));
    }

    #[test]
    fn debug_hides_proxy_password() {
        let h = HttpProfile::new().proxy("http://user:hunter2@proxy:3128/");
        let dbg = format!("{h:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("http://***@proxy:3128/"), "{dbg}");
        assert_eq!(redact_userinfo("proxy:3128"), "proxy:3128");
        assert_eq!(redact_userinfo("u:p@proxy:3128"), "***@proxy:3128");
        // A password holding '/', '?', '#' or '@' never prints, in part or whole.
        for url in ["http://user:pa/ss@proxy:3128", "http://user:p?a#s@s@proxy:3128/x"] {
            let dbg = format!("{:?}", HttpProfile::new().proxy(url));
            assert!(
                dbg.contains("http://***@proxy:3128") && !dbg.contains("pa/ss") && !dbg.contains("p?a"),
                "{dbg}"
            );
        }
    }

    #[test]
    fn certification_setters_and_debug() {
        let h = HttpProfile::new().certification("/etc/corp-ca.pem");
        assert_eq!(
            h.certification,
            Some(Certification::File(PathBuf::from("/etc/corp-ca.pem")))
        );
        assert!(format!("{h:?}").contains("File(\"/etc/corp-ca.pem\")"), "{h:?}");
        let h = HttpProfile::new().certification_pem("-----BEGIN CERTIFICATE-----\n");
        assert!(format!("{h:?}").contains("Pem(28 bytes)"), "{h:?}");
        assert!(HttpProfile::new().certification.is_none());
    }

    #[test]
    fn debug_hides_signed_header_values() {
        let p = ClientProfile::new().signed_header("X-TC-TraceId", "trace-secret-value");
        let dbg = format!("{p:?} {p:#?}");
        assert!(
            dbg.contains("X-TC-TraceId") && !dbg.contains("trace-secret-value"),
            "{dbg}"
        );
    }
}
