//! [`SdkConfig`]: one configuration, loaded once, for every product client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sdk_core::Error> {
//! let config = sdk_core::SdkConfig::load()?;
//! // Generated clients: `sdk_sms::v20210111::Client::from_config(&config)`, and so on for every product;
//! // underneath, this:
//! static STS: sdk_core::ServiceInfo = sdk_core::ServiceInfo { product: "sts", version: "2018-08-13" };
//! let sts = sdk_core::Client::from_config(&STS, &config);
//! let beijing = sdk_core::Client::from_config(&STS, &config.with_region("ap-beijing"));
//! # Ok(()) }
//! ```
//!
//! # What is shared
//!
//! Every client made from one `SdkConfig` (and from its [`with_region`](SdkConfig::with_region) /
//! [`with_req_timeout`](SdkConfig::with_req_timeout) / [`with_retry_policy`](SdkConfig::with_retry_policy)
//! derivatives) shares:
//! - **one credential provider instance**, so one credential cache: the temporary credential of an
//!   [`StsAssumeRoleProvider`](crate::credential::StsAssumeRoleProvider) or a CVM role is fetched once for
//!   all products;
//! - **one transport, so one connection pool**: a service that calls five products keeps one set of
//!   keep-alive connections (the endpoint differs per product; through a proxy or one gateway endpoint, the
//!   same connections serve them all);
//! - the learned **clock offset** ([`crate::clock`]) and the **interceptors**.
//!
//! Per client: the region, the request timeout and the retry policy. The connect timeout, proxy and
//! certificates belong to the shared pool ([`SdkConfigBuilder::profile`]).
//!
//! # Loading ([`SdkConfig::load`], [`SdkConfigBuilder::load`])
//!
//! The conventions of the official SDKs and tccli:
//! - credential: the [default chain](crate::credential#the-default-chain) (environment
//!   `TENCENTCLOUD_SECRET_ID`/`_SECRET_KEY`/`_SESSION_TOKEN`, `~/.tencentcloud/credentials`, tccli's
//!   `~/.tccli/<profile>.credential`, CVM role, TKE OIDC), resolved by the first call;
//! - region: `TENCENTCLOUD_REGION`, else the `region` that `tccli configure` wrote in
//!   `~/.tccli/<$TCCLI_PROFILE or default>.configure` (`{"_sys_param": {"region": "ap-guangzhou"}}`), else
//!   none (the actions that need a region then fail with an invalid-request error naming it);
//! - profile: the defaults.
//!
//! Anything given to the builder wins over what would be loaded. A tccli file that exists but cannot be
//! read or parsed is an error naming the file, not a silent fallback.
//!
//! Named after aws-config's `SdkConfig`, which a Rust user of cloud SDKs looks for; the parts keep
//! Tencent's names (`ClientProfile`, `HttpProfile`, `TENCENTCLOUD_*`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::call::endpoint::SetupError;
use crate::call::{default_interceptors, Config};
use crate::clock::ClockSkew;
use crate::credential::file::{read_capped, DEFAULT_PROFILE, TCCLI_PROFILE};
use crate::credential::{env as cred_env, DefaultCredentialProvider};
use crate::error::Error;
use crate::identity::{Credential, ProvideCredential};
use crate::interceptor::{Interceptor, Interceptors};
use crate::profile::ClientProfile;
use crate::retry::RetryPolicy;
use crate::transport::{HttpTransport, Transport};

/// One configuration shared by every product client made from it. Cheap to clone; see the
/// [module docs](self).
#[derive(Clone)]
pub struct SdkConfig {
    credential: Arc<dyn ProvideCredential>,
    static_credential: Option<Credential>,
    region: Option<String>,
    profile: ClientProfile,
    transport: Result<Arc<dyn Transport>, SetupError>,
    default_transport: bool,
    transport_timeout: Duration,
    interceptors: Interceptors,
    clock: Arc<ClockSkew>,
}

impl std::fmt::Debug for SdkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkConfig")
            .field("credential", &self.credential)
            .field("region", &self.region)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl SdkConfig {
    /// Loads the configuration the official SDKs' way (see [Loading](self#loading-sdkconfigload-sdkconfigbuilderload)).
    pub fn load() -> Result<SdkConfig, Error> {
        SdkConfig::builder().load()
    }

    /// A builder, to give some parts and load or default the others.
    pub fn builder() -> SdkConfigBuilder {
        SdkConfigBuilder::default()
    }

    /// The region clients get unless overridden; `None` when none was given or found.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The profile clients get (timeouts, endpoint, language, retry policy...).
    pub fn profile(&self) -> &ClientProfile {
        &self.profile
    }

    /// The shared credential provider.
    pub fn credential_provider(&self) -> &Arc<dyn ProvideCredential> {
        &self.credential
    }

    /// The same configuration (same pool, credential cache, clock and interceptors) for another region.
    pub fn with_region(&self, region: impl Into<String>) -> SdkConfig {
        SdkConfig {
            region: Some(region.into()),
            ..self.clone()
        }
    }

    /// The same configuration with another bound on each attempt (`HttpProfile::req_timeout`), set per
    /// request on the shared pool.
    pub fn with_req_timeout(&self, timeout: Duration) -> SdkConfig {
        let mut config = self.clone();
        config.profile.http_profile.req_timeout = timeout;
        config
    }

    /// The same configuration with another retry policy.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> SdkConfig {
        let mut config = self.clone();
        config.profile.retry_policy = policy;
        config
    }

    /// A client's configuration for `product` at `version`, sharing every shared part.
    pub(crate) fn client_config(&self, product: Cow<'static, str>, version: Cow<'static, str>) -> Config {
        let mut config = Config::with_parts(
            product,
            version,
            self.credential.clone(),
            self.static_credential.clone(),
            self.region.clone().unwrap_or_default(),
            self.profile.clone(),
            self.transport.clone(),
        );
        config.default_transport = self.default_transport;
        config.transport_timeout = self.transport_timeout;
        config.interceptors = self.interceptors.clone();
        config.clock = self.clock.clone();
        config
    }
}

/// Builds an [`SdkConfig`]: give what you want fixed, then [`build`](Self::build) (defaults for the rest,
/// no environment read) or [`load`](Self::load) (the rest loaded).
#[derive(Default)]
pub struct SdkConfigBuilder {
    credential: Option<(Arc<dyn ProvideCredential>, Option<Credential>)>,
    region: Option<String>,
    profile: Option<ClientProfile>,
    transport: Option<Arc<dyn Transport>>,
    interceptors: Vec<Arc<dyn Interceptor>>,
    home: Option<PathBuf>,
    tccli_profile: Option<String>,
}

impl std::fmt::Debug for SdkConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkConfigBuilder")
            .field("credential", &self.credential.as_ref().map(|c| &c.0))
            .field("region", &self.region)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl SdkConfigBuilder {
    /// The credential provider (any: a [`Credential`], a file, STS...). Default: the default chain.
    pub fn credential(mut self, provider: impl ProvideCredential + 'static) -> Self {
        let fixed = crate::identity::static_credential(&provider);
        self.credential = Some((Arc::new(provider), fixed));
        self
    }

    /// The credential provider, already shared.
    pub fn credential_provider(mut self, provider: Arc<dyn ProvideCredential>) -> Self {
        self.credential = Some((provider, None));
        self
    }

    /// The region (e.g. `ap-guangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The profile (endpoint, timeouts, proxy, language, retry policy...). Default: the defaults.
    pub fn profile(mut self, profile: ClientProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sends through `transport` instead of the reqwest one built from the profile.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Adds an interceptor, run after the SDK's own and those added before it.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Uses this directory instead of `$HOME` for tccli's files and the default chain's files.
    pub fn home_dir(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }

    /// Uses this tccli profile instead of `$TCCLI_PROFILE` or `default` for the region.
    pub fn tccli_profile(mut self, profile: impl Into<String>) -> Self {
        self.tccli_profile = Some(profile.into());
        self
    }

    /// The configuration from what was given, defaults for the rest (reads no environment).
    pub fn build(self) -> SdkConfig {
        let (credential, static_credential) = match self.credential {
            Some(c) => c,
            None => {
                let chain = match &self.home {
                    Some(home) => DefaultCredentialProvider::new().home_dir(home.clone()),
                    None => DefaultCredentialProvider::new(),
                };
                (Arc::new(chain) as Arc<dyn ProvideCredential>, None)
            }
        };
        let profile = self.profile.unwrap_or_default();
        let (transport, default_transport) = match self.transport {
            Some(t) => (Ok(t), false),
            None => (
                HttpTransport::new(&profile.http_profile)
                    .map(|t| Arc::new(t) as Arc<dyn Transport>)
                    .map_err(|e| SetupError::from_error(&e)),
                true,
            ),
        };
        let interceptors = self
            .interceptors
            .into_iter()
            .fold(default_interceptors(), |all, i| all.with(i));
        SdkConfig {
            credential,
            static_credential,
            region: self.region,
            transport_timeout: profile.http_profile.req_timeout,
            profile,
            transport,
            default_transport,
            interceptors,
            clock: Arc::default(),
        }
    }

    /// The configuration from what was given, the rest loaded (see
    /// [Loading](self#loading-sdkconfigload-sdkconfigbuilderload)). Fails when `TENCENTCLOUD_REGION` is not
    /// UTF-8, or tccli's configure file exists but is unreadable or not JSON.
    pub fn load(mut self) -> Result<SdkConfig, Error> {
        if self.region.is_none() {
            self.region = match env_region()? {
                Some(region) => Some(region),
                None => tccli_region(self.home.as_deref(), self.tccli_profile.as_deref())?,
            };
        }
        Ok(self.build())
    }
}

/// `TENCENTCLOUD_REGION`, trimmed; unset or blank is `None`.
fn env_region() -> Result<Option<String>, Error> {
    match std::env::var(cred_env::REGION) {
        Ok(region) if !region.trim().is_empty() => Ok(Some(region.trim().to_owned())),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::invalid_request(cred_env::REGION, "is not valid UTF-8")),
    }
}

/// The region in tccli's `~/.tccli/<profile>.configure` (`_sys_param.region`), when the file exists.
fn tccli_region(home: Option<&Path>, profile: Option<&str>) -> Result<Option<String>, Error> {
    let profile = match profile {
        Some(p) => p.to_owned(),
        None => std::env::var(TCCLI_PROFILE)
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned()),
    };
    if profile.contains(['/', '\\']) || profile == ".." {
        return Err(Error::invalid_request(
            TCCLI_PROFILE,
            format!("{profile:?} is not a file name"),
        ));
    }
    let home = home.map(Path::to_owned).or_else(|| {
        ["HOME", "USERPROFILE"]
            .into_iter()
            .find_map(|v| std::env::var_os(v).filter(|h| !h.is_empty()))
            .map(PathBuf::from)
    });
    let Some(home) = home else { return Ok(None) };
    let path = home.join(".tccli").join(format!("{profile}.configure"));
    if !path.exists() {
        return Ok(None);
    }
    let broken = |what: String| Error::invalid_request("tccli configure file", format!("{}: {what}", path.display()));
    let text = read_capped(&path).map_err(broken)?;
    parse_tccli_region(&text).map_err(broken)
}

/// `_sys_param.region` of a tccli configure file; `Ok(None)` when absent or empty.
pub(crate) fn parse_tccli_region(text: &str) -> Result<Option<String>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    match json.get("_sys_param").and_then(|p| p.get("region")) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err("`_sys_param.region` is not a string".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tccli_region_file() {
        let ok = r#"{"_sys_param": {"arrayCount": 10, "output": "json", "region": " ap-beijing "}}"#;
        assert_eq!(parse_tccli_region(ok), Ok(Some("ap-beijing".to_owned())));
        assert_eq!(parse_tccli_region(r#"{"cvm": {}}"#), Ok(None));
        assert_eq!(parse_tccli_region(r#"{"_sys_param": {"region": ""}}"#), Ok(None));
        assert!(parse_tccli_region(r#"{"_sys_param": {"region": 3}}"#)
            .unwrap_err()
            .contains("not a string"));
        assert!(parse_tccli_region("{").unwrap_err().contains("line 1"));
    }

    proptest::proptest! {
        #[test]
        fn tccli_region_never_panics(text in ".{0,200}") {
            let _ = parse_tccli_region(&text);
        }
    }
}
