//! Credentials from environment variables, the same names the official SDKs and tccli read.

use super::Unavailable;
use crate::error::Error;
use crate::identity::{Credential, CredentialFuture, ProvideCredential};

/// Variable holding the SecretId.
pub const SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// Variable holding the SecretKey.
pub const SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Variable holding the session token of temporary credentials.
pub const SESSION_TOKEN: &str = "TENCENTCLOUD_SESSION_TOKEN";
/// Older name of [`SESSION_TOKEN`], still accepted.
pub const TOKEN: &str = "TENCENTCLOUD_TOKEN";
/// Variable holding the default region (read by `Client::from_env`).
pub const REGION: &str = "TENCENTCLOUD_REGION";

/// Reads the credential from the environment on every request, so rotated variables are picked up.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvProvider;

impl ProvideCredential for EnvProvider {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        Box::pin(async { credential_from_env() })
    }
}

fn var(name: &str) -> Result<Option<String>, Error> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::credential(format!(
            "environment variable {name} is not valid UTF-8"
        ))),
    }
}

/// For the default chain: not configured when neither the SecretId nor the SecretKey variable is set;
/// broken when one is set without the other, or a value is invalid.
pub(crate) fn probe() -> Result<Credential, Unavailable> {
    let set = |name| var(name).map(|v| v.is_some_and(|v| !v.is_empty()));
    match (set(SECRET_ID), set(SECRET_KEY)) {
        (Ok(false), Ok(false)) => Err(Unavailable::not_configured(format!(
            "{SECRET_ID} and {SECRET_KEY} are not set"
        ))),
        _ => credential_from_env().map_err(Unavailable::broken),
    }
}

pub(crate) fn credential_from_env() -> Result<Credential, Error> {
    let id = var(SECRET_ID)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::credential(format!("environment variable {SECRET_ID} is not set")))?;
    let key = var(SECRET_KEY)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::credential(format!("environment variable {SECRET_KEY} is not set")))?;
    crate::identity::check(&format!("SecretId ({SECRET_ID})"), &id)?;
    crate::identity::check(&format!("SecretKey ({SECRET_KEY})"), &key)?;
    // Checked above with the variables' names; `new` cannot fail now.
    let credential = Credential::new(id, key)?;
    let token = match var(SESSION_TOKEN)?.filter(|v| !v.is_empty()) {
        Some(t) => Some(t),
        None => var(TOKEN)?,
    };
    Ok(match token {
        Some(t) => credential.with_token(t),
        None => credential,
    })
}

impl Credential {
    /// Reads `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and, if set, `TENCENTCLOUD_SESSION_TOKEN`
    /// (or `TENCENTCLOUD_TOKEN`).
    pub fn from_env() -> Result<Credential, Error> {
        credential_from_env()
    }
}
