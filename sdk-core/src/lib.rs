#![doc = include_str!("../README.md")]
//!
//! # How it is built
//!
//! Generated product crates (`sdk-sms`, ...) are thin typed layers over this crate: they describe each API
//! version and action as static data ([`ServiceInfo`], [`ActionInfo`]) and call [`Client::call`]. This crate
//! owns everything else. `ARCHITECTURE.md` at the repository root traces a request through these modules.
//!
//! # Public API
//!
//! For users:
//! - [`Client`] (and [`CommonClient`] for any product/version/action by name; `blocking` (feature) for
//!   synchronous callers), [`Error`] (the one error type, with predicates), [`RawResponse`];
//! - [`SdkConfig`]: one configuration (credential provider and cache, region, profile, connection pool,
//!   interceptors) shared by every product client made from it (`Client::from_config`);
//! - [`interceptor`]: the [`Interceptor`] trait, hooks at each stage of every call; [`telemetry`]: the
//!   SDK's own tracing spans (OpenTelemetry RPC fields) and, with feature `metrics`, metrics;
//! - [`waiter`]: wait until an answer says a state is reached (`wait_until`, tccli's `--waiter` form);
//! - [`stream`]: streaming answers (server-sent events), [`EventStream`];
//! - [`credential`]: [`Credential`], the [`ProvideCredential`] trait, the environment / profile-file /
//!   tccli / CVM role / STS / TKE OIDC providers and the default chain;
//! - [`profile`]: [`ClientProfile`], [`HttpProfile`] and their enums, [`RetryPolicy`] ([`retry`]),
//!   [`RegionBreakerProfile`] ([`breaker`]);
//! - [`Transport`] ([`transport`]), [`HttpRequest`] and [`HttpResponse`] ([`http`]): to send through
//!   another HTTP stack; `test_util` (feature `test-util`): transports for unit tests;
//! - building blocks for signing requests yourself: [`sign`], [`query`], [`wire`].
//!
//! What generated code uses, and nothing more: [`Client`] (`new`, `from_config`, `from_env`, `call`, `call_stream`,
//! accessors), [`EventStream`],
//! `blocking::Client`, [`SdkConfig`], [`ServiceInfo`], [`ActionInfo`], [`Error`], [`paginate`] (`Paging`, `Pages`, `Items`
//! and their `blocking` twins), [`de`] (lenient decoding helpers),
//! [`redact`] (`Debug` of secrets and personal data), [`idempotency_token`] and the re-exported profile
//! types. A change to these is a change to the generator too.
//!
//! Internal (not public): the call path's stages (`call`: endpoint, attempt, classify, envelope), the
//! identity types' home (`identity`, re-exported by [`credential`]), service descriptions (`service`).
//! [`clock`] and [`validate`] are public for their constants and checks.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sdk_core::Error> {
//! use sdk_core::{ActionInfo, BodyMode, Client, ClientProfile, Credential, ServiceInfo};
//!
//! static CVM: ServiceInfo = ServiceInfo { product: "cvm", version: "2017-03-12" };
//! static DESCRIBE_REGIONS: ActionInfo = ActionInfo { name: "DescribeRegions", skip_sign: false, retry_safe: true, body: BodyMode::Json };
//!
//! let credential = Credential::new("AKID...", "...")?;
//! let client = Client::new(&CVM, credential, "ap-guangzhou", ClientProfile::default());
//! let regions: serde_json::Value = client.call(&DESCRIBE_REGIONS, &serde_json::json!({})).await?;
//! # Ok(()) }
//! ```

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod body;
pub mod breaker;
mod call;
mod client;
pub mod clock;
mod common_client;
pub mod config;
pub mod credential;
pub mod de;
mod error;
#[cfg(feature = "fuzz")]
pub mod fuzz;
pub mod http;
mod identity;
pub mod interceptor;
pub mod paginate;
pub mod profile;
pub mod query;
pub mod redact;
pub mod retry;
mod safe_file;
pub mod ser;
mod service;
pub mod sign;
pub mod stream;
pub mod telemetry;
#[cfg(feature = "test-util")]
pub mod test_util;
mod token;
pub mod transport;
pub mod validate;
pub mod waiter;
pub mod wire;

pub use crate::http::{HttpRequest, HttpResponse};
pub use body::{Binary, BodyMode};
pub use breaker::RegionBreakerProfile;
pub use call::RawResponse;
pub use client::Client;
pub use common_client::{CallOptions, CommonClient};
pub use config::{SdkConfig, SdkConfigBuilder};
pub use credential::{Credential, ProvideCredential};
pub use error::{Error, SNIPPET_LIMIT};
pub use interceptor::Interceptor;
pub use profile::{ClientProfile, HttpMethod, HttpProfile, Language, Scheme, SignMethod};
pub use retry::RetryPolicy;
pub use service::{ActionInfo, ServiceInfo, REQUEST_CLIENT};
pub use stream::EventStream;
pub use token::idempotency_token;
pub use transport::Transport;

#[cfg(test)]
mod tests {
    // Generated clients are held across `.await` in spawned tasks: these bounds are part of the contract.
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn bounds() {
        assert_send_sync::<crate::Client>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::Credential>();
        assert_send_sync::<crate::RawResponse>();
        static S: crate::ServiceInfo = crate::ServiceInfo {
            product: "sms",
            version: "2021-01-11",
        };
        static A: crate::ActionInfo = crate::ActionInfo {
            name: "SendSms",
            skip_sign: false,
            retry_safe: false,
            body: crate::BodyMode::Json,
        };
        let client = crate::Client::new(
            &S,
            crate::Credential::new("id", "key").unwrap(),
            "",
            crate::ClientProfile::default(),
        );
        assert_send(&client.call::<_, serde_json::Value>(&A, &()));
        assert_send(&client.execute(&A, Vec::new()));
        let _: Box<dyn std::error::Error + Send + Sync> = Box::new(crate::Error::timeout("t"));
    }
}
