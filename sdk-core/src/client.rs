//! The shared request path: [`Client`], the static [`ServiceInfo`]/[`ActionInfo`] descriptions generated
//! code passes in, and [`RawResponse`].
//!
//! Everything product-specific is data; the only generic function is the thin [`Client::call`]
//! (serialize → [`Client::execute`] → deserialize), so each generated action costs one small
//! monomorphization and all real work (credentials, signing, transport, envelope parsing) is compiled once.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::breaker::{Breaker, Route, DEFAULT_BACKUP_REGION};
use crate::clock::{self, ClockSkew};
use crate::credential::{env as cred_env, Credential, DefaultCredentialProvider, ProvideCredential};
use crate::profile::{ClientProfile, HttpProfile, Scheme, ROOT_DOMAIN};
use crate::retry::{self, Attempted, Plan, RetryPolicy};
use crate::sign::{FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, UNSIGNED_PAYLOAD};
use crate::transport::{self, HeaderCache, HttpResponse, ReqwestTransport, Transport};
use crate::validate;
use crate::wire::{self, Known, RequestParts};
use crate::Error;

/// Value of `X-TC-RequestClient`.
pub const REQUEST_CLIENT: &str = concat!("SDK_RUST_", env!("CARGO_PKG_VERSION"));

/// One API version of one product, emitted by the generator as a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceInfo {
    /// Product name, e.g. `sms`: the endpoint prefix and the TC3 signing service.
    pub product: &'static str,
    /// API version, e.g. `2021-01-11` (`X-TC-Version`).
    pub version: &'static str,
}

/// One action, emitted by the generator as a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionInfo {
    /// Action name, e.g. `SendSms` (`X-TC-Action`).
    pub name: &'static str,
    /// The API description marks the action as unsigned: send `Authorization: SKIP`, no credential needed.
    pub skip_sign: bool,
    /// Reads and ClientToken actions: may be re-sent after reaching the service (see [`crate::retry`]).
    pub retry_safe: bool,
}

/// The product-agnostic client. Cheap to clone (one `Arc`), `Send + Sync`, reuses connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// `ServiceInfo::product`, or a runtime string for `CommonClient`.
    product: Cow<'static, str>,
    /// `ServiceInfo::version`, or a runtime string for `CommonClient`.
    version: Cow<'static, str>,
    /// Fixed timestamp/nonce/RequestClient for byte-for-byte tests; `None` in normal use.
    pinned: Option<Pinned>,
    credential: Arc<dyn ProvideCredential>,
    /// The credential itself when the provider is a plain [`Credential`]: every call borrows it instead of
    /// cloning its strings through `provide_credential`.
    static_credential: Option<Credential>,
    region: String,
    profile: ClientProfile,
    /// Configuration problems are reported by the first call, since `Client::new` is infallible.
    endpoint: Result<Endpoint, SetupError>,
    transport: Result<Sender, SetupError>,
    /// Header values that are the same for every call, for the default transport.
    header_cache: HeaderCache,
    /// Clock offset learned from `AuthFailure.SignatureExpire`, shared by all clones.
    clock: Arc<ClockSkew>,
    /// Region breaker and its backup endpoint, when `ClientProfile::region_breaker` is set.
    breaker: Option<(Arc<Breaker>, Result<Endpoint, SetupError>)>,
}

/// Inputs normally taken from the clock, the random generator and [`REQUEST_CLIENT`].
#[derive(Debug, Clone)]
struct Pinned {
    timestamp: i64,
    nonce: u64,
    request_client: String,
}

/// Where requests go: the default transport (called directly, with the request in its cheap internal
/// form) or a custom [`Transport`] (given an [`crate::HttpRequest`]).
#[derive(Clone)]
enum Sender {
    Default(Arc<ReqwestTransport>),
    Custom(Arc<dyn Transport>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    /// `scheme://host[:port]/`
    url: String,
    /// `host[:port]`, exactly as sent in `Host` and signed.
    host: String,
    /// `url` parsed once, for the default transport.
    parsed: Option<reqwest::Url>,
}

#[derive(Debug, Clone)]
struct SetupError {
    parameter: String,
    message: String,
}

impl SetupError {
    fn from_error(e: &Error) -> SetupError {
        match e.invalid_request_parts() {
            // Keep parameter and message apart, so the error rebuilt per call says its prefix once.
            Some((parameter, message)) => SetupError {
                parameter: parameter.to_owned(),
                message: message.to_owned(),
            },
            None => SetupError {
                parameter: "ClientProfile".to_owned(),
                message: e.to_string(),
            },
        }
    }

    fn to_error(&self) -> Error {
        Error::invalid_request(self.parameter.clone(), self.message.clone())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("product", &inner.product)
            .field("version", &inner.version)
            .field("region", &inner.region)
            .field("credential", &inner.credential)
            .field("endpoint", &inner.endpoint.as_ref().map(|e| &e.url))
            .field("profile", &inner.profile)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `service` in `region` (empty for region-less products).
    ///
    /// Never fails: an invalid endpoint or proxy in `profile` is reported as an invalid-request error by
    /// every call. Builds one HTTP connection pool, shared by all clones.
    pub fn new(
        service: &'static ServiceInfo,
        credential: impl ProvideCredential + 'static,
        region: impl Into<String>,
        profile: ClientProfile,
    ) -> Client {
        let static_credential = static_credential(&credential);
        Client::with_service(
            Cow::Borrowed(service.product),
            Cow::Borrowed(service.version),
            Arc::new(credential),
            static_credential,
            region.into(),
            profile,
        )
    }

    /// `new` for product and version known only at run time (`CommonClient`).
    pub(crate) fn with_service(
        product: Cow<'static, str>,
        version: Cow<'static, str>,
        credential: Arc<dyn ProvideCredential>,
        static_credential: Option<Credential>,
        region: String,
        profile: ClientProfile,
    ) -> Client {
        // Product, version and region become part of the host, headers and signature: checked before anything
        // is built, and every call of a client that fails them fails the same way without sending.
        let endpoint = validate::product(&product)
            .and_then(|()| validate::version(&version))
            .and_then(|()| validate::region(&region))
            .and_then(|()| resolve_endpoint(&product, &profile.http_profile))
            .map_err(|e| SetupError::from_error(&e));
        let transport = ReqwestTransport::new(&profile.http_profile)
            .map(|t| Sender::Default(Arc::new(t)))
            .map_err(|e| SetupError::from_error(&e));
        let mut header_cache = HeaderCache::default();
        header_cache.insert_static(Known::ContentType, JSON_CONTENT_TYPE);
        header_cache.insert_static(Known::ContentType, FORM_CONTENT_TYPE);
        header_cache.insert_static(Known::RequestClient, REQUEST_CLIENT);
        if let Ok(e) = &endpoint {
            header_cache.insert(Known::Host, &e.host);
        }
        header_cache.insert(Known::Version, &version);
        if !region.is_empty() {
            header_cache.insert(Known::Region, &region);
        }
        if let Some(language) = profile.language {
            header_cache.insert_static(Known::Language, language.as_str());
        }
        if profile.unsigned_payload {
            header_cache.insert_static(Known::ContentSha256, UNSIGNED_PAYLOAD);
        }
        let breaker = profile.region_breaker.as_ref().map(|b| {
            let mut http = profile.http_profile.clone();
            http.endpoint = Some(
                b.backup_endpoint
                    .clone()
                    .unwrap_or_else(|| format!("{product}.{DEFAULT_BACKUP_REGION}.{ROOT_DOMAIN}")),
            );
            let backup = resolve_endpoint(&product, &http).map_err(|e| SetupError {
                parameter: "RegionBreakerProfile.backup_endpoint".to_owned(),
                message: e
                    .invalid_request_parts()
                    .map_or_else(|| e.to_string(), |(_, m)| m.to_owned()),
            });
            (Arc::new(Breaker::new(b.clone())), backup)
        });
        Client {
            inner: Arc::new(Inner {
                product,
                version,
                pinned: None,
                credential,
                static_credential,
                region,
                profile,
                endpoint,
                transport,
                header_cache,
                clock: Arc::default(),
                breaker,
            }),
        }
    }

    /// A client with the [default credential chain](crate::credential#the-default-chain) (environment,
    /// profile files, CVM role, TKE OIDC: resolved by the first call, no I/O here), the region from
    /// `TENCENTCLOUD_REGION` and the default profile. Fails when `TENCENTCLOUD_REGION` is not set (a forgotten
    /// region used to become `""` silently), empty or not valid UTF-8; a region-less product takes
    /// [`Client::new`] with an empty region.
    pub fn from_env(service: &'static ServiceInfo) -> Result<Client, Error> {
        let region = match std::env::var(cred_env::REGION) {
            Ok(region) if !region.trim().is_empty() => region.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                return Err(Error::invalid_request(
                    cred_env::REGION,
                    "is not set: set it to the region to call (e.g. ap-guangzhou), or build the client with \
                     Client::new(credential, \"\", ..) for a region-less product",
                ))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::invalid_request(cred_env::REGION, "is not valid UTF-8"))
            }
        };
        Ok(Client::new(
            service,
            DefaultCredentialProvider::new(),
            region,
            ClientProfile::default(),
        ))
    }

    /// The same client sending through `transport` instead of the default reqwest one.
    pub fn with_transport(&self, transport: impl Transport + 'static) -> Client {
        let mut inner = (*self.inner).clone();
        inner.transport = Ok(Sender::Custom(Arc::new(transport)));
        Client { inner: Arc::new(inner) }
    }

    /// The same client with a fixed timestamp, legacy nonce and `RequestClient` value instead of the clock,
    /// a random nonce and [`REQUEST_CLIENT`]: for byte-for-byte comparisons with other SDKs in tests.
    /// Requests with a fixed timestamp expire after five minutes; never use this for real traffic.
    #[doc(hidden)]
    pub fn with_pinned_inputs(&self, timestamp: i64, nonce: u64, request_client: impl Into<String>) -> Client {
        let mut inner = (*self.inner).clone();
        inner.pinned = Some(Pinned {
            timestamp,
            nonce,
            request_client: request_client.into(),
        });
        Client { inner: Arc::new(inner) }
    }

    /// The same client (sharing connections, clock offset and region breaker) with another retry policy:
    /// the way to change retries for some calls, e.g. opting in to re-sending a non-idempotent action with
    /// `client.with_retry_policy(client.profile().retry_policy.clone().retry_unsafe(true))`.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        let mut inner = (*self.inner).clone();
        inner.profile.retry_policy = policy;
        Client { inner: Arc::new(inner) }
    }

    /// Seconds added to the local clock when signing, learned from the service after it rejected a request
    /// with `AuthFailure.SignatureExpire` (0 until then).
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock.offset()
    }

    /// The product (signing service), e.g. `sms`.
    pub fn product(&self) -> &str {
        &self.inner.product
    }

    /// The API version, e.g. `2021-01-11`.
    pub fn version(&self) -> &str {
        &self.inner.version
    }

    /// The region sent as `X-TC-Region`.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The profile the client was built with.
    pub fn profile(&self) -> &ClientProfile {
        &self.inner.profile
    }

    /// Calls `action` with `request` serialized as JSON and decodes the `Response` object into `Resp`.
    pub async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        action: &ActionInfo,
        request: &Req,
    ) -> Result<Resp, Error> {
        // Most requests fit in 512 bytes: no regrowth from `to_vec`'s 128.
        let mut payload = Vec::with_capacity(512);
        serde_json::to_writer(&mut payload, request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        self.execute(action, payload).await?.deserialize()
    }

    /// The one non-generic request path: credential → sign → send → status check → unwrap `Response`,
    /// turning `Response.Error` into a service error. `payload` is the request as a JSON object: sent as
    /// is by TC3 POST, flattened into query/form parameters by GET and the legacy sign methods.
    pub async fn execute(&self, action: &ActionInfo, payload: Vec<u8>) -> Result<RawResponse, Error> {
        self.execute_call(action.name, action.skip_sign, action.retry_safe, &[], payload)
            .await
    }

    /// [`Client::execute`] for an action named at run time, with `headers` sent and signed on top of
    /// [`ClientProfile::signed_headers`].
    /// Retry safety comes from the action's name ([`retry::is_retry_safe_name`]).
    pub(crate) async fn execute_dyn(
        &self,
        action: &str,
        skip_sign: bool,
        headers: &[(String, String)],
        payload: Vec<u8>,
    ) -> Result<RawResponse, Error> {
        let retry_safe = retry::is_retry_safe_name(action);
        self.execute_call(action, skip_sign, retry_safe, headers, payload).await
    }

    /// The call: attempts (see [`crate::retry`]) around [`Client::execute_inner`], in one span.
    async fn execute_call(
        &self,
        action: &str,
        skip_sign: bool,
        retry_safe: bool,
        headers: &[(String, String)],
        payload: Vec<u8>,
    ) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        // Shared by every attempt without a copy.
        let payload = Bytes::from(payload);
        let span = tracing::debug_span!(
            "tencentcloud_call",
            product = %inner.product,
            version = %inner.version,
            action = action,
            region = %inner.region,
        );
        async move {
            let started = Instant::now();
            let attempt_timeout = inner.profile.http_profile.req_timeout;
            let plan = Plan {
                policy: &inner.profile.retry_policy,
                retry_safe,
                attempt_timeout,
                // With the default transport and no credential to fetch, the attempt is only reqwest's
                // exchange, which reqwest bounds itself: no second timer per attempt.
                bounded_by_transport: matches!(inner.transport, Ok(Sender::Default(_)))
                    && (skip_sign || inner.static_credential.is_some()),
                breaker: inner.breaker.as_ref().map(|(b, _)| &**b),
                clock: &inner.clock,
                pinned_clock: inner.pinned.is_some(),
            };
            let result = retry::run(plan, |route, bound| {
                let payload = payload.clone();
                // Only a bound shorter than the client-wide `req_timeout` (the call's deadline is near)
                // needs a per-request timeout.
                let timeout = (bound < attempt_timeout).then_some(bound);
                async move {
                    let mut server_time = None;
                    let result = self
                        .execute_inner(action, skip_sign, headers, payload, route, timeout, &mut server_time)
                        .await;
                    Attempted { result, server_time }
                }
            })
            .await;
            // Field values (and so the clock reading) are only evaluated when a subscriber wants the event.
            match &result {
                Ok(r) => tracing::debug!(
                    status = r.status,
                    request_id = r.request_id(),
                    latency_ms = started.elapsed().as_millis() as u64,
                    "response"
                ),
                Err(e) => tracing::debug!(
                    status = e.status(),
                    request_id = e.request_id(),
                    latency_ms = started.elapsed().as_millis() as u64,
                    error = %e,
                    "request failed"
                ),
            }
            result
        }
        .instrument(span)
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn execute_inner(
        &self,
        action: &str,
        skip_sign: bool,
        headers: &[(String, String)],
        payload: Bytes,
        route: Route,
        timeout: Option<Duration>,
        server_time: &mut Option<i64>,
    ) -> Result<RawResponse, Error> {
        let inner = &*self.inner;
        let endpoint = match (route, &inner.breaker) {
            (Route::Backup, Some((_, backup))) => backup,
            _ => &inner.endpoint,
        };
        let endpoint = endpoint.as_ref().map_err(SetupError::to_error)?;
        let transport = inner.transport.as_ref().map_err(SetupError::to_error)?;
        validate::action(action)?;

        let credential = match &inner.static_credential {
            _ if skip_sign => None,
            Some(credential) => Some(Cow::Borrowed(credential)),
            None => Some(Cow::Owned(inner.credential.provide_credential().await?)),
        };
        let (timestamp, nonce, request_client) = match &inner.pinned {
            Some(p) => (p.timestamp, p.nonce, p.request_client.as_str()),
            None => (inner.clock.now_unix(), wire::random_nonce(), REQUEST_CLIENT),
        };
        let all_headers: Cow<'_, [(String, String)]> = if headers.is_empty() {
            Cow::Borrowed(&inner.profile.signed_headers)
        } else {
            Cow::Owned([&inner.profile.signed_headers[..], headers].concat())
        };
        let request = wire::prepare(
            &RequestParts {
                method: inner.profile.http_profile.req_method,
                sign_method: inner.profile.sign_method,
                url: &endpoint.url,
                host: &endpoint.host,
                service: &inner.product,
                version: &inner.version,
                action,
                region: &inner.region,
                language: inner.profile.language,
                request_client,
                timestamp,
                nonce,
                unsigned_payload: inner.profile.unsigned_payload,
                signed_headers: &all_headers,
                credential: credential.as_deref(),
            },
            payload,
        )?;
        let (status, body, date) = match transport {
            Sender::Default(t) => {
                let r = t
                    .send_prepared(request, endpoint.parsed.as_ref(), &inner.header_cache, timeout)
                    .await?;
                (r.status, r.body, Received::Default(r.date))
            }
            Sender::Custom(t) => {
                let HttpResponse { status, headers, body } = t.send(request.into_http_request()).await?;
                let limit = inner.profile.http_profile.max_body_size;
                if body.len() > limit {
                    // Custom transports may not enforce the limit themselves.
                    return Err(transport::too_large(status, limit, &body));
                }
                (status, Bytes::from(body), Received::Custom(headers))
            }
        };
        let result = parse_response(status, body);
        // The server's clock matters only to correct ours: parse `Date` only then.
        if matches!(&result, Err(e) if e.code() == Some(clock::SIGNATURE_EXPIRE)) {
            *server_time = clock::server_time(date.date(), None);
        }
        result
    }
}

/// The response headers an attempt keeps, for the `Date` of a clock correction.
enum Received {
    /// The default transport's `Date` header.
    Default(Option<reqwest::header::HeaderValue>),
    /// All headers from a custom transport.
    Custom(Vec<(String, String)>),
}

impl Received {
    fn date(&self) -> Option<&str> {
        match self {
            Received::Default(date) => date.as_ref().and_then(|d| d.to_str().ok()),
            Received::Custom(headers) => headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("date"))
                .map(|(_, v)| v.as_str()),
        }
    }
}

/// The credential itself when `provider` is a plain [`Credential`] (known at construction, so calls need
/// neither a boxed future nor a copy of its strings).
pub(crate) fn static_credential<P: ProvideCredential + 'static>(provider: &P) -> Option<Credential> {
    (provider as &dyn Any).downcast_ref::<Credential>().cloned()
}

fn resolve_endpoint(product: &str, http: &HttpProfile) -> Result<Endpoint, Error> {
    let invalid = |msg: &str| Error::invalid_request("HttpProfile.endpoint", msg.to_owned());
    let Some(endpoint) = http.endpoint.as_deref() else {
        let host = format!("{product}.{ROOT_DOMAIN}");
        return Ok(Endpoint::new(format!("{}://{host}/", http.scheme.as_str()), host));
    };
    let (scheme, rest) = match endpoint.split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
        Some(_) => return Err(invalid("scheme must be http or https")),
        None => (http.scheme, endpoint),
    };
    // API 3.0 always signs path "/": a base URL with a path would be signed for the wrong path.
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() {
        return Err(invalid("has no host"));
    }
    validate::endpoint_host(host)?;
    let host = host.to_ascii_lowercase();
    Ok(Endpoint::new(format!("{}://{host}/", scheme.as_str()), host))
}

impl Endpoint {
    fn new(url: String, host: String) -> Endpoint {
        let parsed = reqwest::Url::parse(&url).ok();
        Endpoint { url, host, parsed }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    static SMS: ServiceInfo = ServiceInfo {
        product: "sms",
        version: "2021-01-11",
    };

    fn endpoint(e: Option<&str>) -> Result<Endpoint, Error> {
        let mut h = HttpProfile::new();
        h.endpoint = e.map(str::to_owned);
        resolve_endpoint(SMS.product, &h)
    }

    #[test]
    fn endpoints() {
        let e = endpoint(None).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("https://sms.tencentcloudapi.com/", "sms.tencentcloudapi.com")
        );
        let e = endpoint(Some("sms.ap-guangzhou.tencentcloudapi.com")).unwrap();
        assert_eq!(e.url, "https://sms.ap-guangzhou.tencentcloudapi.com/");
        let e = endpoint(Some("http://127.0.0.1:9000")).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("http://127.0.0.1:9000/", "127.0.0.1:9000")
        );
        let e = endpoint(Some("HTTPS://Example.COM:8443/")).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("https://example.com:8443/", "example.com:8443")
        );
        let h = HttpProfile::new().scheme(Scheme::Http);
        assert_eq!(
            resolve_endpoint(SMS.product, &h).unwrap().url,
            "http://sms.tencentcloudapi.com/"
        );
        for bad in ["ftp://x", "http://", "http://h/path", "h?x=1", "http://u:p@h", "a b"] {
            let e = endpoint(Some(bad)).unwrap_err();
            assert!(e.is_invalid_request(), "{bad}");
            assert_eq!(e.parameter(), Some("HttpProfile.endpoint"));
        }
    }

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
