//! The default credential chain. Its rules are in the [module docs](super).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::cvm::CvmRoleProvider;
use super::file::{ProfileFileProvider, TccliProvider};
use super::sts::{self, OidcRoleArnProvider};
use super::{env, message_of, Credential, CredentialFuture, ProvideCredential, Unavailable};
use crate::error::Error;
use crate::profile::HttpProfile;

/// Names of the steps, in order, as they appear in messages.
pub const STEPS: [&str; 5] = ["environment", "profile file", "tccli profile", "CVM role", "TKE OIDC"];
const UNRESOLVED: usize = usize::MAX;

/// Environment → profile file → tccli file → CVM instance role → TKE OIDC; the first step that yields a
/// credential is used from then on. See the [module docs](super) for the rules.
///
/// Construction does no I/O; the first [`provide_credential`](ProvideCredential::provide_credential)
/// walks the chain (and may probe the CVM metadata service, ≤ 1 s connect timeout off CVM).
#[derive(Debug)]
pub struct DefaultCredentialProvider {
    file: ProfileFileProvider,
    tccli: TccliProvider,
    cvm: CvmRoleProvider,
    tke: OnceLock<OidcRoleArnProvider>,
    sts_http_profile: Option<HttpProfile>,
    chosen: AtomicUsize,
}

impl Default for DefaultCredentialProvider {
    fn default() -> Self {
        DefaultCredentialProvider {
            file: ProfileFileProvider::new(),
            tccli: TccliProvider::new(),
            cvm: CvmRoleProvider::new(),
            tke: OnceLock::new(),
            sts_http_profile: None,
            chosen: AtomicUsize::new(UNRESOLVED),
        }
    }
}

impl DefaultCredentialProvider {
    /// The chain with default locations, resolved on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses this directory instead of `$HOME` for `~/.tencentcloud/credentials` and `~/.tccli/`.
    pub fn home_dir(mut self, home: impl Into<PathBuf>) -> Self {
        let home = home.into();
        self.file = self.file.home_dir(home.clone());
        self.tccli = self.tccli.home_dir(home);
        self
    }

    /// Replaces `/etc/tencentcloud/credentials`; `None` skips the system-wide file.
    pub fn system_credentials_file(mut self, path: Option<PathBuf>) -> Self {
        self.file = self.file.system_path(path);
        self
    }

    /// Uses this CVM role provider (e.g. another metadata endpoint or timeouts) for the CVM step.
    pub fn cvm(mut self, cvm: CvmRoleProvider) -> Self {
        self.cvm = cvm;
        self
    }

    /// Endpoint, proxy and timeouts of the TKE OIDC step's STS requests.
    pub fn sts_http_profile(mut self, http_profile: HttpProfile) -> Self {
        self.sts_http_profile = Some(http_profile);
        self
    }

    /// The step that yielded the credential, once one has (an index into [`STEPS`]' names).
    pub fn chosen_step(&self) -> Option<&'static str> {
        STEPS.get(self.chosen.load(Ordering::Acquire)).copied()
    }

    async fn step(&self, index: usize) -> Result<Credential, Unavailable> {
        match index {
            0 => env::probe(),
            1 => super::file::probe_off_runtime(&self.file, super::file::ProfileFileProvider::probe).await,
            2 => super::file::probe_off_runtime(&self.tccli, super::file::TccliProvider::probe).await,
            3 => self.cvm.probe().await,
            _ => {
                if self.tke.get().is_none() {
                    // A concurrent caller may have set it first; either value is the same configuration.
                    let mut tke = sts::tke_env()?;
                    if let Some(h) = &self.sts_http_profile {
                        tke = tke.http_profile(h.clone());
                    }
                    let _ = self.tke.set(tke);
                }
                self.tke.get().expect("set above").probe().await
            }
        }
    }

    async fn provide(&self) -> Result<Credential, Error> {
        let chosen = self.chosen.load(Ordering::Acquire);
        if chosen != UNRESOLVED {
            return self.step(chosen).await.map_err(|u| {
                Error::credential_with_source(
                    format!("default chain ({}): {}", STEPS[chosen], message_of(&u.error)),
                    u.error,
                )
            });
        }
        let mut tried = Vec::with_capacity(STEPS.len());
        for (index, name) in STEPS.iter().enumerate() {
            match self.step(index).await {
                Ok(credential) => {
                    self.chosen.store(index, Ordering::Release);
                    tracing::debug!(step = *name, credential = %credential, "default credential chain: using this step");
                    return Ok(credential);
                }
                Err(u) if u.not_configured => {
                    tracing::trace!(step = *name, reason = %message_of(&u.error), "default credential chain: not configured");
                    tried.push(format!("{}. {name}: {}", index + 1, message_of(&u.error)));
                }
                Err(u) => {
                    return Err(Error::credential_with_source(
                        format!(
                            "default chain stopped at step {} ({name}), which is configured but failed: {}",
                            index + 1,
                            message_of(&u.error)
                        ),
                        u.error,
                    ))
                }
            }
        }
        Err(Error::credential(format!(
            "no credential found; the default chain tried: {}",
            tried.join("; ")
        )))
    }
}

impl ProvideCredential for DefaultCredentialProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(self.provide())
    }
}
