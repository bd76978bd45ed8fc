//! [`CommonClient`]: call any product, version and action by name, with any JSON-serializable request, the
//! way the official SDKs' `CommonClient` does — through the same runtime as generated clients (credential
//! providers, every sign method and HTTP method, errors, tracing).
//!
//! ```no_run
//! # async fn demo() -> Result<(), sdk_core::Error> {
//! use sdk_core::{ClientProfile, CommonClient, Credential};
//! use serde_json::json;
//!
//! let client = CommonClient::new("sts", "2018-08-13", Credential::from_env()?, "ap-guangzhou", ClientProfile::default());
//! let me = client.call_json("GetCallerIdentity", &json!({})).await?;
//! println!("{}", me["Arn"]);
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::call::{Config, RawResponse};
use crate::client::Client;
use crate::config::SdkConfig;
use crate::credential::ProvideCredential;
use crate::error::Error;
use crate::profile::ClientProfile;
use crate::stream::{EventStream, RawEventStream};
use crate::transport::Transport;
use crate::waiter::{self, JsonWaiter, WaitError};

/// Per-call options of [`CommonClient`].
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Send the action unsigned (`Authorization: SKIP`, no credential), for the few actions whose API
    /// description says so (e.g. `sts` `AssumeRoleWithWebIdentity`). Default false.
    pub skip_sign: bool,
    /// Headers for this call only, sent and covered by the TC3 signature like
    /// [`ClientProfile::signed_headers`] (and, like them, refused by the legacy sign methods).
    pub headers: Vec<(String, String)>,
}

// Hand-written: header values may carry tokens; names only.
impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallOptions")
            .field("skip_sign", &self.skip_sign)
            .field("headers", &crate::profile::RedactedHeaders(&self.headers))
            .finish()
    }
}

impl CallOptions {
    /// The defaults: signed, no extra headers.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Sets [`CallOptions::skip_sign`].
    pub fn skip_sign(mut self, skip: bool) -> CallOptions {
        self.skip_sign = skip;
        self
    }

    /// Adds one header to [`CallOptions::headers`].
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> CallOptions {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A client for any product/version, with action names given per call. Cheap to clone, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct CommonClient {
    client: Client,
}

impl CommonClient {
    /// A client for `product` (e.g. `"cvm"`: endpoint prefix and signing service) at API `version`
    /// (e.g. `"2017-03-12"`) in `region` (e.g. `"ap-guangzhou"`; actions that need none ignore it). Never
    /// fails; configuration problems, an empty region among them, are reported by the first call, as with
    /// [`Client::new`].
    pub fn new(
        product: impl Into<String>,
        version: impl Into<String>,
        credential: impl ProvideCredential + 'static,
        region: impl Into<String>,
        profile: ClientProfile,
    ) -> CommonClient {
        let static_credential = crate::identity::static_credential(&credential);
        CommonClient {
            client: Client::from_call_config(Config::new(
                Cow::Owned(product.into()),
                Cow::Owned(version.into()),
                Arc::new(credential),
                static_credential,
                region.into(),
                profile,
            )),
        }
    }

    /// A client for `product` at `version` made from a shared [`SdkConfig`] (see
    /// [`Client::from_config`]).
    pub fn from_config(product: impl Into<String>, version: impl Into<String>, config: &SdkConfig) -> CommonClient {
        CommonClient {
            client: Client::from_call_config(
                config.client_config(Cow::Owned(product.into()), Cow::Owned(version.into())),
            ),
        }
    }

    /// The same client sending through `transport` instead of the default reqwest one.
    pub fn with_transport(&self, transport: impl Transport + 'static) -> CommonClient {
        CommonClient {
            client: self.client.with_transport(transport),
        }
    }

    /// The underlying product-agnostic [`Client`] (product, version, region and profile accessors).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Calls `action` with `params` (anything that serializes to a JSON object) and returns the
    /// `Response` object (without the envelope; `RequestId` included) as JSON.
    pub async fn call_json<Req: Serialize + ?Sized>(
        &self,
        action: &str,
        params: &Req,
    ) -> Result<serde_json::Value, Error> {
        self.call_with(action, params, &CallOptions::default()).await
    }

    /// Calls `action` with `request` and decodes the `Response` object into `Resp`.
    pub async fn call<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &str,
        request: &Req,
    ) -> Result<Resp, Error> {
        self.call_with(action, request, &CallOptions::default()).await
    }

    /// Calls `action` with `params` until `waiter`'s expression finds its expected value in the answer,
    /// at its interval, within its timeout (tccli's `--waiter`, see [`crate::waiter`]); returns that
    /// answer's `Response` object. Ends early when the expression finds one of the waiter's failure
    /// values, or a call fails.
    pub async fn wait_for<Req: Serialize + ?Sized>(
        &self,
        action: &str,
        params: &Req,
        waiter: &JsonWaiter,
    ) -> Result<serde_json::Value, WaitError> {
        let payload = serde_json::to_vec(params)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {action} request: {e}")))
            .map_err(WaitError::Invalid)?;
        let options = CallOptions::default();
        let call = || async {
            self.execute(action, &options, payload.clone())
                .await?
                .deserialize::<serde_json::Value>()
        };
        waiter::wait_until(waiter.policy(), call, |answer| waiter.state(answer)).await
    }

    /// [`CommonClient::call`] with per-call options.
    pub async fn call_with<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &str,
        request: &Req,
        options: &CallOptions,
    ) -> Result<Resp, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {action} request: {e}")))?;
        self.execute(action, options, payload).await?.deserialize()
    }

    /// The non-generic path: `payload` is the request as JSON text.
    pub async fn execute(&self, action: &str, options: &CallOptions, payload: Vec<u8>) -> Result<RawResponse, Error> {
        crate::validate::action(action)?;
        self.client
            .execute_dyn(action, options.skip_sign, &options.headers, payload)
            .await
    }

    /// Calls a streaming action (see [`crate::stream`]) with `request` (set its `Stream` member where it has
    /// one) and decodes each event into `Resp` (`serde_json::Value` when there is no type for it): for the
    /// streaming actions of products without a generated crate.
    pub async fn call_stream<Req: Serialize + ?Sized, Resp: DeserializeOwned>(
        &self,
        action: &str,
        request: &Req,
        options: &CallOptions,
    ) -> Result<EventStream<Resp>, Error> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| Error::invalid_request("request", format!("cannot serialize {action} request: {e}")))?;
        Ok(self.execute_stream(action, options, payload).await?.typed())
    }

    /// The non-generic path of [`CommonClient::call_stream`].
    pub async fn execute_stream(
        &self,
        action: &str,
        options: &CallOptions,
        payload: Vec<u8>,
    ) -> Result<RawEventStream, Error> {
        crate::validate::action(action)?;
        self.client
            .execute_stream_dyn(action, options.skip_sign, &options.headers, payload)
            .await
    }
}
