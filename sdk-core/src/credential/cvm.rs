//! The CAM role bound to a CVM instance, from the instance metadata service.

use std::time::Duration;

use serde::Deserialize;

use super::cache::{Cache, Expiring};
use super::{error_chain, Credential, CredentialFuture, ProvideCredential, Unavailable};
use crate::error::Error;

/// The metadata service as seen from inside a CVM instance.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com";
/// Most bytes of a metadata answer read: a role name or a credential document is a few hundred bytes; 64 KiB
/// leaves room for any future fields and bounds what a hostile or broken endpoint can make us hold.
pub const MAX_METADATA_BODY: usize = 64 * 1024;

/// Path of the role list (the body is the role name) and, with the role appended, of its credential.
pub const SECURITY_CREDENTIALS_PATH: &str = "/latest/meta-data/cam/security-credentials/";
/// Default connect timeout: off CVM the metadata host does not answer, and that must be found out fast.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Default timeout of each metadata request, connect included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Temporary credentials of the CAM role bound to this CVM instance, cached and refreshed before expiry.
///
/// Nothing is sent before the first [`provide_credential`](ProvideCredential::provide_credential). The
/// role name is discovered from the metadata service (and remembered) unless given with
/// [`role`](Self::role). Requests bypass any `HTTP_PROXY`: the metadata service is only reachable directly.
#[derive(Debug)]
pub struct CvmRoleProvider {
    endpoint: String,
    role: std::sync::Mutex<Option<String>>,
    connect_timeout: Duration,
    timeout: Duration,
    http: std::sync::OnceLock<Result<reqwest::Client, String>>,
    cache: Cache,
}

impl Default for CvmRoleProvider {
    fn default() -> Self {
        CvmRoleProvider {
            endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            role: std::sync::Mutex::new(None),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http: std::sync::OnceLock::new(),
            cache: Cache::new("CVM role"),
        }
    }
}

#[derive(Deserialize)]
struct MetadataCredential {
    #[serde(rename = "TmpSecretId", default)]
    tmp_secret_id: String,
    #[serde(rename = "TmpSecretKey", default)]
    tmp_secret_key: String,
    #[serde(rename = "Token", default)]
    token: String,
    #[serde(rename = "ExpiredTime")]
    expired_time: Option<i64>,
    #[serde(rename = "Code")]
    code: Option<String>,
}

/// The credential in a metadata service answer, or what is wrong with it. Never serde's message or the
/// body: both may quote the secret key. The parser of outside bytes behind [`CvmRoleProvider`].
pub(crate) fn metadata_credential(body: &str) -> Result<Expiring, String> {
    let parsed: MetadataCredential = serde_json::from_str(body).map_err(|e| {
        format!(
            "response is not the expected JSON ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if let Some(code) = parsed.code.as_deref().filter(|c| *c != "Success") {
        return Err(format!("answered Code {code:?}"));
    }
    let expired_time = parsed.expired_time.ok_or("response has no ExpiredTime")?;
    let credential = Credential::new(parsed.tmp_secret_id, parsed.tmp_secret_key)
        .map_err(|e| format!("TmpSecretId/TmpSecretKey: {e}"))?
        .with_token(parsed.token);
    Ok(Expiring::at_unix(credential, expired_time))
}

impl CvmRoleProvider {
    /// The role bound to this instance, from `http://metadata.tencentyun.com`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Base URL of the metadata service (`scheme://host[:port]`), for tests and proxies.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into().trim_end_matches('/').to_owned();
        self
    }

    /// Uses this role instead of asking the metadata service which one is bound.
    pub fn role(self, role: impl Into<String>) -> Self {
        *self.role.lock().unwrap_or_else(|p| p.into_inner()) = Some(role.into());
        self
    }

    /// Connect timeout of metadata requests (default 1 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Total timeout of each metadata request (default 3 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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

    fn client(&self) -> Result<&reqwest::Client, Unavailable> {
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| error_chain(&e))
            })
            .as_ref()
            .map_err(|e| Unavailable::broken(Error::credential(format!("CVM role: cannot build HTTP client: {e}"))))
    }

    /// GET `url`: `Ok((status, body))`, or the transport failure. The body is read up to
    /// [`MAX_METADATA_BODY`]; a larger one is an error (a role name or a credential is a few hundred bytes).
    async fn get(&self, url: &str) -> Result<(u16, String), Unavailable> {
        let response = self.client()?.get(url).send().await;
        let read = match response {
            Ok(mut r) => {
                let status = r.status().as_u16();
                let mut body = Vec::new();
                loop {
                    match r.chunk().await {
                        Ok(Some(chunk)) if body.len() + chunk.len() > MAX_METADATA_BODY => {
                            return Err(Unavailable::broken(Error::credential(format!(
                                "CVM role: metadata service {url} sent more than {MAX_METADATA_BODY} bytes"
                            ))));
                        }
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) => break Ok((status, String::from_utf8_lossy(&body).into_owned())),
                        Err(e) => break Err(e),
                    }
                }
            }
            Err(e) => Err(e),
        };
        read.map_err(|e| {
            let message = format!("CVM role: metadata service {url} unreachable: {}", error_chain(&e));
            // Off CVM the metadata host does not exist or does not answer: "not here", not "broken".
            let not_here = e.is_connect() || e.is_timeout();
            let error = Error::credential_with_source(message, e);
            if not_here {
                Unavailable::not_configured_error(error)
            } else {
                Unavailable::broken(error)
            }
        })
    }

    async fn role_name(&self) -> Result<String, Unavailable> {
        if let Some(role) = self.role.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(role);
        }
        let url = format!("{}{SECURITY_CREDENTIALS_PATH}", self.endpoint);
        let (status, body) = self.get(&url).await?;
        if status == 404 {
            return Err(Unavailable::not_configured(format!(
                "CVM role: no CAM role is bound to this instance ({url} answered 404)"
            )));
        }
        if status != 200 {
            return Err(Unavailable::broken(Error::credential(format!(
                "CVM role: {url} answered HTTP {status}"
            ))));
        }
        // One role per instance; take the first line to be safe.
        let role = body.lines().next().unwrap_or("").trim().to_owned();
        if role.is_empty()
            || !role
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'?' && b != b'#')
        {
            return Err(Unavailable::broken(Error::credential(format!(
                "CVM role: {url} did not answer with a role name"
            ))));
        }
        *self.role.lock().unwrap_or_else(|p| p.into_inner()) = Some(role.clone());
        Ok(role)
    }

    async fn fetch(&self) -> Result<Expiring, Unavailable> {
        let role = self.role_name().await?;
        let url = format!("{}{SECURITY_CREDENTIALS_PATH}{role}", self.endpoint);
        let broken = |what: String| Unavailable::broken(Error::credential(format!("CVM role {role}: {what}")));
        let (status, body) = self.get(&url).await?;
        if status == 404 {
            return Err(broken(format!(
                "{url} answered 404: the role is no longer bound to this instance"
            )));
        }
        if status != 200 {
            return Err(broken(format!("{url} answered HTTP {status}")));
        }
        metadata_credential(&body).map_err(|what| broken(format!("{url}: {what}")))
    }

    pub(crate) async fn probe(&self) -> Result<Credential, Unavailable> {
        self.cache.get(|| self.fetch()).await
    }
}

impl ProvideCredential for CvmRoleProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async move { self.probe().await.map_err(Unavailable::into_error) })
    }
}
