//! [`Client`], the public face of the call path (`call` module).
//!
//! Everything product-specific is data ([`ServiceInfo`], [`ActionInfo`]); the only generic function is the
//! thin [`Client::call`] (serialize → [`Client::execute`] → deserialize), so each generated action costs one
//! small monomorphization and all real work (credentials, signing, transport, envelope parsing) is compiled
//! once.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::body::BodyMode;
use crate::call::{self, Call, Config, Pinned, RawResponse};
use crate::config::SdkConfig;
use crate::credential::{env as cred_env, DefaultCredentialProvider, ProvideCredential};
use crate::error::Error;
use crate::interceptor::Interceptor;
use crate::profile::ClientProfile;
use crate::retry::{self, RetryPolicy};
use crate::service::{ActionInfo, ServiceInfo};
use crate::stream::{EventStream, RawEventStream};
use crate::transport::Transport;

/// The product-agnostic client. Cheap to clone (one `Arc`), `Send + Sync`, reuses connections.
#[derive(Clone)]
pub struct Client {
    config: Arc<Config>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &*self.config;
        f.debug_struct("Client")
            .field("product", &config.product)
            .field("version", &config.version)
            .field("region", &config.region)
            .field("credential", &config.credential)
            .field("endpoint", &config.endpoints.primary.as_ref().map(|e| &e.url))
            .field("profile", &config.profile)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `service` in `region` (e.g. `ap-guangzhou`; the few actions that need no region ignore
    /// it).
    ///
    /// Never fails: an empty region, or an invalid endpoint or proxy in `profile`, is reported as an
    /// invalid-request error by every call, before anything is sent. Builds one HTTP connection pool, shared by all clones.
    pub fn new(
        service: &'static ServiceInfo,
        credential: impl ProvideCredential + 'static,
        region: impl Into<String>,
        profile: ClientProfile,
    ) -> Client {
        let static_credential = crate::identity::static_credential(&credential);
        Client::from_call_config(Config::new(
            Cow::Borrowed(service.product),
            Cow::Borrowed(service.version),
            Arc::new(credential),
            static_credential,
            region.into(),
            profile,
        ))
    }

    /// A client over `config` (`new`, and `CommonClient` for product and version known only at run time).
    pub(crate) fn from_call_config(config: Config) -> Client {
        Client {
            config: Arc::new(config),
        }
    }

    /// A client for `service` made from a shared [`SdkConfig`]: its credential provider (and cache),
    /// connection pool, clock offset and interceptors are those of every other client made from it.
    /// Never fails, like [`Client::new`] (no region: the first call that needs one says so).
    pub fn from_config(service: &'static ServiceInfo, config: &SdkConfig) -> Client {
        Client::from_call_config(config.client_config(Cow::Borrowed(service.product), Cow::Borrowed(service.version)))
    }

    /// The same client (sharing connections, clock offset and region breaker) with `interceptor` run
    /// after its current ones.
    pub fn with_interceptor(&self, interceptor: impl Interceptor) -> Client {
        self.derive(|c| c.interceptors = c.interceptors.with(Arc::new(interceptor)))
    }

    /// A client with the [default credential chain](crate::credential#the-default-chain) (environment,
    /// profile files, CVM role, TKE OIDC: resolved by the first call, no I/O here), the region from
    /// `TENCENTCLOUD_REGION` and the default profile. Fails when `TENCENTCLOUD_REGION` is not set (a forgotten
    /// region used to become `""` silently), empty or not valid UTF-8.
    pub fn from_env(service: &'static ServiceInfo) -> Result<Client, Error> {
        let region = match std::env::var(cred_env::REGION) {
            Ok(region) if !region.trim().is_empty() => region.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => return Err(Error::invalid_request(
                cred_env::REGION,
                "is not set: set it to the region to call (e.g. ap-guangzhou; actions that take no region ignore it)",
            )),
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

    fn derive(&self, change: impl FnOnce(&mut Config)) -> Client {
        let mut config = (*self.config).clone();
        change(&mut config);
        Client {
            config: Arc::new(config),
        }
    }

    /// The same client sending through `transport` instead of the default reqwest one.
    pub fn with_transport(&self, transport: impl Transport + 'static) -> Client {
        Client {
            config: Arc::new(self.config.with_transport(Arc::new(transport))),
        }
    }

    /// The same client with a fixed timestamp, legacy nonce and `RequestClient` value instead of the clock,
    /// a random nonce and [`crate::REQUEST_CLIENT`]: for byte-for-byte comparisons with other SDKs in tests.
    /// Requests with a fixed timestamp expire after five minutes; never use this for real traffic.
    #[doc(hidden)]
    pub fn with_pinned_inputs(&self, timestamp: i64, nonce: u64, request_client: impl Into<String>) -> Client {
        let request_client = request_client.into();
        self.derive(|c| {
            c.pinned = Some(Pinned {
                timestamp,
                nonce,
                request_client,
            })
        })
    }

    /// The same client (sharing connections, clock offset and region breaker) with another retry policy:
    /// the way to change retries for some calls, e.g. opting in to re-sending a non-idempotent action with
    /// `client.with_retry_policy(client.profile().retry_policy.clone().retry_unsafe(true))`.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        self.derive(|c| c.profile.retry_policy = policy)
    }

    /// Seconds added to the local clock when signing, learned from the service after it rejected a request
    /// with `AuthFailure.SignatureExpire` (0 until then).
    pub fn clock_offset(&self) -> i64 {
        self.config.clock.offset()
    }

    /// The product (signing service), e.g. `sms`.
    pub fn product(&self) -> &str {
        &self.config.product
    }

    /// The API version, e.g. `2021-01-11`.
    pub fn version(&self) -> &str {
        &self.config.version
    }

    /// The region sent as `X-TC-Region`.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The profile the client was built with.
    pub fn profile(&self) -> &ClientProfile {
        &self.config.profile
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

    /// Calls a streaming action (see [`crate::stream`]): `request` is serialized as for [`Client::call`]
    /// (set its `Stream` member to `true` where it has one) and the answer's events are decoded into
    /// `Resp`. Ready once the stream's headers are in; retries happen only until then.
    pub async fn call_stream<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        action: &ActionInfo,
        request: &Req,
    ) -> Result<EventStream<Resp>, Error> {
        let mut payload = Vec::with_capacity(512);
        serde_json::to_writer(&mut payload, request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        Ok(self.execute_stream(action, payload).await?.typed())
    }

    /// The non-generic path of [`Client::call_stream`]: [`Client::execute`]'s stages with the stream
    /// stage last.
    pub async fn execute_stream(&self, action: &ActionInfo, payload: Vec<u8>) -> Result<RawEventStream, Error> {
        call::open_stream(&self.config, Call::of(action), payload).await
    }

    /// The one non-generic request path (`call` module): endpoint → credential → sign → send → decode,
    /// in attempts, turning `Response.Error` into a service error. `payload` is the request as a JSON
    /// object: sent as is by TC3 POST, flattened into query/form parameters by GET and the legacy sign
    /// methods.
    pub async fn execute(&self, action: &ActionInfo, payload: Vec<u8>) -> Result<RawResponse, Error> {
        call::execute(&self.config, Call::of(action), payload).await
    }

    /// Calls an [`BodyMode::OctetStream`] action: `request`'s members go in headers, `body` is sent as is.
    /// The action's [`ActionInfo::body`] must be `OctetStream` (the generator makes it so).
    pub async fn call_octet_stream<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        action: &ActionInfo,
        request: &Req,
        body: bytes::Bytes,
    ) -> Result<Resp, Error> {
        let params = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {} request: {e}", action.name)))?;
        self.execute_octet_stream(action, &params, body).await?.deserialize()
    }

    /// The non-generic half of [`Client::call_octet_stream`]: `params` is the request as a JSON object.
    pub async fn execute_octet_stream(
        &self,
        action: &ActionInfo,
        params: &[u8],
        body: bytes::Bytes,
    ) -> Result<RawResponse, Error> {
        if !matches!(action.body, BodyMode::OctetStream { .. }) {
            return Err(Error::invalid_request(
                "ActionInfo.body",
                format!("{} is not an octet-stream action", action.name),
            ));
        }
        let call = Call {
            params,
            ..Call::of(action)
        };
        call::execute_bytes(&self.config, call, body).await
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
        call::execute(&self.config, dyn_call(action, skip_sign, headers), payload).await
    }

    /// [`Client::execute_stream`] for an action named at run time (see [`Client::execute_dyn`]).
    pub(crate) async fn execute_stream_dyn(
        &self,
        action: &str,
        skip_sign: bool,
        headers: &[(String, String)],
        payload: Vec<u8>,
    ) -> Result<RawEventStream, Error> {
        call::open_stream(&self.config, dyn_call(action, skip_sign, headers), payload).await
    }
}

/// A call to an action named at run time: retry safety comes from its name.
fn dyn_call<'a>(action: &'a str, skip_sign: bool, headers: &'a [(String, String)]) -> Call<'a> {
    Call {
        action,
        skip_sign,
        retry_safe: retry::is_retry_safe_name(action),
        headers,
        body: BodyMode::Json,
        params: &[],
    }
}
