//! Temporary credentials from STS (`sts.tencentcloudapi.com`, API version 2018-08-13): `AssumeRole` signed
//! with a source credential, and TKE's OIDC `AssumeRoleWithWebIdentity`, which is unsigned.
//!
//! Both go through this crate's own call path (the `call` module, the one behind `Client`), so endpoint, proxy,
//! timeouts and retries are an [`HttpProfile`] and a request is built, signed and checked the same way.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::cache::{Cache, Expiring};
use super::{Credential, CredentialFuture, ProvideCredential, Unavailable};
use crate::body::BodyMode;
use crate::call::{self, Call, Config};
use crate::error::Error;
use crate::profile::{ClientProfile, HttpProfile};
use crate::retry::RetryPolicy;
use crate::service::{ActionInfo, ServiceInfo};

/// STS, API version 2018-08-13.
pub static STS: ServiceInfo = ServiceInfo {
    product: "sts",
    version: "2018-08-13",
};
/// `AssumeRole`, signed with the source credential.
pub static ASSUME_ROLE: ActionInfo = ActionInfo {
    name: "AssumeRole",
    skip_sign: false,
    retry_safe: true,
    body: BodyMode::Json,
};
/// `AssumeRoleWithWebIdentity`, unsigned (`Authorization: SKIP`): the web identity token is the proof.
pub static ASSUME_ROLE_WITH_WEB_IDENTITY: ActionInfo = ActionInfo {
    name: "AssumeRoleWithWebIdentity",
    skip_sign: true,
    retry_safe: true,
    body: BodyMode::Json,
};

/// Region sent to STS when none is set.
pub const DEFAULT_REGION: &str = "ap-guangzhou";
/// Lifetime asked for when none is set (the official SDKs' default).
pub const DEFAULT_DURATION_SECONDS: u64 = 7200;
/// Longest lifetime STS grants.
pub const MAX_DURATION_SECONDS: u64 = 43200;
/// Default connect timeout of STS requests.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of STS requests.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// TKE: region for STS.
pub const TKE_REGION: &str = "TKE_REGION";
/// TKE: the OIDC identity provider id.
pub const TKE_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
/// TKE: file holding the web identity token (rotated by TKE; read at each refresh).
pub const TKE_WEB_IDENTITY_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// TKE: the role to assume.
pub const TKE_ROLE_ARN: &str = "TKE_ROLE_ARN";
/// All four TKE variables, in the order they are reported.
pub const TKE_VARS: [&str; 4] = [TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN];

fn default_http_profile() -> HttpProfile {
    HttpProfile::new()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .req_timeout(DEFAULT_TIMEOUT)
}

fn check_duration(seconds: u64) -> Result<u64, Error> {
    if seconds == 0 || seconds > MAX_DURATION_SECONDS {
        return Err(Error::invalid_request(
            "DurationSeconds",
            format!("must be in 1..={MAX_DURATION_SECONDS}, got {seconds}"),
        ));
    }
    Ok(seconds)
}

fn default_session_name() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("tencentcloud-rust-sdk-{ms}")
}

#[derive(Deserialize)]
struct Response {
    #[serde(rename = "Credentials")]
    credentials: Option<StsCredentials>,
    #[serde(rename = "ExpiredTime")]
    expired_time: Option<i64>,
}

#[derive(Deserialize)]
struct StsCredentials {
    #[serde(rename = "TmpSecretId", default)]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey", default)]
    tmp_secret_key: String,
    #[serde(rename = "Token", default)]
    token: String,
}

/// Sends one STS action and turns the answer into an expiring credential. `what` prefixes every message.
async fn call(
    config: &Config,
    action: &'static ActionInfo,
    body: Vec<u8>,
    what: &str,
) -> Result<Expiring, Unavailable> {
    let raw = call::execute(config, Call::of(action), body)
        .await
        .map_err(|e| Unavailable::broken(Error::credential_with_source(format!("{what}: {e}"), e)))?;
    let broken = |m: String| {
        let mut m = format!("{what}: {m}");
        if let Some(id) = raw.request_id() {
            m.push_str(&format!(" (RequestId: {id})"));
        }
        Unavailable::broken(Error::credential(m))
    };
    // Not `RawResponse::deserialize`: its errors carry a snippet of the JSON, which holds the secret key.
    let response: Response = serde_json::from_str(raw.json()).map_err(|e| {
        broken(format!(
            "response is not the expected JSON ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let c = response
        .credentials
        .ok_or_else(|| broken("response has no Credentials".into()))?;
    let expired_time = response
        .expired_time
        .ok_or_else(|| broken("response has no ExpiredTime".into()))?;
    let credential = Credential::new(c.tmp_secret_id, c.tmp_secret_key)
        .map_err(|e| broken(format!("Credentials.TmpSecretId/TmpSecretKey: {e}")))?
        .with_token(c.token);
    Ok(Expiring::at_unix(credential, expired_time))
}

/// Builds the STS client configuration on first use (nothing happens at construction).
fn client<'a>(
    cell: &'a OnceLock<Config>,
    source: &Arc<dyn ProvideCredential>,
    region: &str,
    http: &HttpProfile,
) -> &'a Config {
    cell.get_or_init(|| {
        Config::new(
            STS.product.into(),
            STS.version.into(),
            source.clone(),
            None,
            region.to_owned(),
            // One request a fetch: the cache's shared backoff is the one retry rule for credentials, so
            // a failing STS sees one request per backoff interval, not that times the retry policy's
            // attempts (issue 26, finding 11). The clock-skew correction still applies.
            ClientProfile::new()
                .http_profile(http.clone())
                .retry_policy(RetryPolicy::none()),
        )
    })
}

/// `AssumeRole`: temporary credentials of a CAM role, obtained with a source credential (any provider),
/// cached and refreshed before expiry.
pub struct StsAssumeRoleProvider {
    source: Arc<dyn ProvideCredential>,
    role_arn: String,
    role_session_name: String,
    duration_seconds: u64,
    policy: Option<String>,
    external_id: Option<String>,
    region: String,
    http_profile: HttpProfile,
    client: OnceLock<Config>,
    cache: Cache,
}

#[derive(Serialize)]
struct AssumeRoleRequest<'a> {
    #[serde(rename = "RoleArn")]
    role_arn: &'a str,
    #[serde(rename = "RoleSessionName")]
    role_session_name: &'a str,
    #[serde(rename = "DurationSeconds")]
    duration_seconds: u64,
    #[serde(rename = "Policy", skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(rename = "ExternalId", skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
}

impl StsAssumeRoleProvider {
    /// Assume `role_arn` (`qcs::cam::uin/...:roleName/...`) as session `role_session_name`, signing with
    /// `source`. Lifetime 7200 s, region `ap-guangzhou`, endpoint `sts.tencentcloudapi.com`.
    pub fn new(
        source: impl ProvideCredential + 'static,
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
    ) -> Self {
        StsAssumeRoleProvider {
            source: Arc::new(source),
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            duration_seconds: DEFAULT_DURATION_SECONDS,
            policy: None,
            external_id: None,
            region: DEFAULT_REGION.to_owned(),
            http_profile: default_http_profile(),
            client: OnceLock::new(),
            cache: Cache::new("STS AssumeRole"),
        }
    }

    /// Lifetime of the credentials, in seconds: 1 to 43200 (an invalid-request error otherwise).
    pub fn duration_seconds(mut self, seconds: u64) -> Result<Self, Error> {
        self.duration_seconds = check_duration(seconds)?;
        Ok(self)
    }

    /// A policy (JSON) narrowing the role's permissions.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Region sent to STS (default `ap-guangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Endpoint, proxy and timeouts of STS requests (default: connect 5 s, total 10 s).
    pub fn http_profile(mut self, http_profile: HttpProfile) -> Self {
        self.http_profile = http_profile;
        self
    }

    /// Refresh this long before expiry (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }

    /// Never fetch again sooner than this after a fetch, whatever the credential's expiry says (default
    /// [`MIN_REFRESH_INTERVAL`](super::MIN_REFRESH_INTERVAL), 60 s; zero turns the floor off).
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.cache.set_min_refresh_interval(interval);
        self
    }

    async fn fetch(&self) -> Result<Expiring, Unavailable> {
        let what = format!("STS AssumeRole {}", self.role_arn);
        if self.role_arn.is_empty() || self.role_session_name.is_empty() {
            return Err(Unavailable::broken(Error::invalid_request(
                if self.role_arn.is_empty() {
                    "RoleArn"
                } else {
                    "RoleSessionName"
                },
                "must not be empty",
            )));
        }
        let body = serde_json::to_vec(&AssumeRoleRequest {
            role_arn: &self.role_arn,
            role_session_name: &self.role_session_name,
            duration_seconds: self.duration_seconds,
            policy: self.policy.as_deref(),
            external_id: self.external_id.as_deref(),
        })
        .map_err(|e| Unavailable::broken(Error::credential(format!("{what}: {e}"))))?;
        let client = client(&self.client, &self.source, &self.region, &self.http_profile);
        call(client, &ASSUME_ROLE, body, &what).await
    }
}

impl std::fmt::Debug for StsAssumeRoleProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsAssumeRoleProvider")
            .field("source", &self.source)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy.as_ref().map(|_| "…"))
            .field("external_id", &self.external_id.as_ref().map(|_| "***"))
            .field("region", &self.region)
            .field("http_profile", &self.http_profile)
            .field("cache", &self.cache)
            .finish()
    }
}

impl ProvideCredential for StsAssumeRoleProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async move { self.cache.get(|| self.fetch()).await.map_err(Unavailable::into_error) })
    }
}

/// The credential of unsigned requests: never asked for, since only `skip_sign` actions are sent.
#[derive(Debug)]
struct Unsigned;

impl ProvideCredential for Unsigned {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async { Err(Error::credential("unsigned STS client has no credential")) })
    }
}

/// TKE OIDC: `AssumeRoleWithWebIdentity` with the token file TKE mounts into the pod, cached and refreshed
/// before expiry. The token file is read again at every refresh (TKE rotates it).
pub struct OidcRoleArnProvider {
    region: String,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
    role_session_name: String,
    duration_seconds: u64,
    http_profile: HttpProfile,
    client: OnceLock<Config>,
    cache: Cache,
}

#[derive(Serialize)]
struct WebIdentityRequest<'a> {
    #[serde(rename = "ProviderId")]
    provider_id: &'a str,
    #[serde(rename = "WebIdentityToken")]
    web_identity_token: &'a str,
    #[serde(rename = "RoleArn")]
    role_arn: &'a str,
    #[serde(rename = "RoleSessionName")]
    role_session_name: &'a str,
    #[serde(rename = "DurationSeconds")]
    duration_seconds: u64,
}

impl OidcRoleArnProvider {
    /// Assume `role_arn` with the web identity token in `token_file`, issued by OIDC provider
    /// `provider_id`; STS is asked in `region`. Session name `tencentcloud-rust-sdk-<unix ms>`, 7200 s.
    pub fn new(
        region: impl Into<String>,
        provider_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        role_arn: impl Into<String>,
    ) -> Self {
        OidcRoleArnProvider {
            region: region.into(),
            provider_id: provider_id.into(),
            token_file: token_file.into(),
            role_arn: role_arn.into(),
            role_session_name: default_session_name(),
            duration_seconds: DEFAULT_DURATION_SECONDS,
            http_profile: default_http_profile(),
            client: OnceLock::new(),
            cache: Cache::new("TKE OIDC"),
        }
    }

    /// From `TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE` and `TKE_ROLE_ARN`: `Ok(None)`
    /// when none is set, an error naming the missing ones when only some are.
    pub fn from_tke_env() -> Result<Option<Self>, Error> {
        match tke_env() {
            Ok(p) => Ok(Some(p)),
            Err(u) if u.not_configured => Ok(None),
            Err(u) => Err(u.error),
        }
    }

    /// Session name (default `tencentcloud-rust-sdk-<unix ms at construction>`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.role_session_name = name.into();
        self
    }

    /// Lifetime of the credentials, in seconds: 1 to 43200 (an invalid-request error otherwise).
    pub fn duration_seconds(mut self, seconds: u64) -> Result<Self, Error> {
        self.duration_seconds = check_duration(seconds)?;
        Ok(self)
    }

    /// Endpoint, proxy and timeouts of STS requests (default: connect 5 s, total 10 s).
    pub fn http_profile(mut self, http_profile: HttpProfile) -> Self {
        self.http_profile = http_profile;
        self
    }

    /// Refresh this long before expiry (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.cache.set_margin(margin);
        self
    }

    /// Never fetch again sooner than this after a fetch, whatever the credential's expiry says (default
    /// [`MIN_REFRESH_INTERVAL`](super::MIN_REFRESH_INTERVAL), 60 s; zero turns the floor off).
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.cache.set_min_refresh_interval(interval);
        self
    }

    async fn fetch(&self) -> Result<Expiring, Unavailable> {
        let what = format!("TKE OIDC AssumeRoleWithWebIdentity {}", self.role_arn);
        // Off the runtime's threads: the file system may be slow (a network volume).
        let path = self.token_file.clone();
        let read = tokio::task::spawn_blocking(move || super::file::read_capped(&path))
            .await
            .unwrap_or_else(|e| Err(format!("cannot read: {e}")));
        let token = read.map_err(|message| {
            Unavailable::broken(Error::credential(format!(
                "{what}: web identity token file {}: {message}",
                self.token_file.display()
            )))
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Unavailable::broken(Error::credential(format!(
                "{what}: web identity token file {} is empty",
                self.token_file.display()
            ))));
        }
        let body = serde_json::to_vec(&WebIdentityRequest {
            provider_id: &self.provider_id,
            web_identity_token: token,
            role_arn: &self.role_arn,
            role_session_name: &self.role_session_name,
            duration_seconds: self.duration_seconds,
        })
        .map_err(|e| Unavailable::broken(Error::credential(format!("{what}: {e}"))))?;
        let source: Arc<dyn ProvideCredential> = Arc::new(Unsigned);
        let client = client(&self.client, &source, &self.region, &self.http_profile);
        call(client, &ASSUME_ROLE_WITH_WEB_IDENTITY, body, &what).await
    }

    pub(crate) async fn probe(&self) -> Result<Credential, Unavailable> {
        self.cache.get(|| self.fetch()).await
    }
}

/// The provider the TKE variables describe; not configured when none is set, broken when some are.
pub(crate) fn tke_env() -> Result<OidcRoleArnProvider, Unavailable> {
    let values: Vec<Option<String>> = TKE_VARS
        .iter()
        .map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .collect();
    let missing: Vec<&str> = TKE_VARS
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if missing.len() == TKE_VARS.len() {
        return Err(Unavailable::not_configured(format!(
            "{} are not set",
            TKE_VARS.join(", ")
        )));
    }
    if !missing.is_empty() {
        return Err(Unavailable::broken(Error::credential(format!(
            "TKE OIDC: some TKE_* variables are set but {} {} not",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        ))));
    }
    let [Some(region), Some(provider), Some(file), Some(arn)] = <[Option<String>; 4]>::try_from(values).expect("4")
    else {
        unreachable!("all present")
    };
    Ok(OidcRoleArnProvider::new(region, provider, file, arn))
}

impl std::fmt::Debug for OidcRoleArnProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcRoleArnProvider")
            .field("region", &self.region)
            .field("provider_id", &self.provider_id)
            .field("token_file", &self.token_file)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("http_profile", &self.http_profile)
            .field("cache", &self.cache)
            .finish()
    }
}

impl ProvideCredential for OidcRoleArnProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async move { self.probe().await.map_err(Unavailable::into_error) })
    }
}
