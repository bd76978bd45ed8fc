//! Who signs a request: the [`Credential`] value (SecretId, SecretKey, optional session token) and the
//! [`ProvideCredential`] trait the call path asks for one before every signed request. Public as
//! `sdk_core::credential::{Credential, ProvideCredential}`; the providers live in [`crate::credential`].
//!
//! Its own module, below both the call path and the providers: the STS providers make calls, and the call
//! path takes a provider, so neither may own these types without an import cycle.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::error::Error;

/// The boxed future returned by [`ProvideCredential::provide_credential`].
pub type CredentialFuture<'a> = Pin<Box<dyn Future<Output = Result<Credential, Error>> + Send + 'a>>;

/// A source of credentials, asked once per signed request (so it may refresh temporary keys).
///
/// Object safe without `async_trait`: the method returns a boxed future.
pub trait ProvideCredential: Send + Sync + fmt::Debug {
    /// Returns the credential to sign the next request with.
    fn provide_credential(&self) -> CredentialFuture<'_>;
}

/// A SecretId/SecretKey pair, with a session token for temporary (STS) credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    secret_id: String,
    secret_key: String,
    token: Option<String>,
}

impl Credential {
    /// A long-term credential. Rejects empty values and values with surrounding whitespace (a common
    /// copy-paste mistake that otherwise surfaces as an opaque signature mismatch).
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Result<Credential, Error> {
        let secret_id = secret_id.into();
        let secret_key = secret_key.into();
        check("SecretId", &secret_id)?;
        check("SecretKey", &secret_key)?;
        Ok(Credential {
            secret_id,
            secret_key,
            token: None,
        })
    }

    /// Adds the session token of a temporary credential (sent as `X-TC-Token`). An empty token means none.
    pub fn with_token(mut self, token: impl Into<String>) -> Credential {
        let token = token.into();
        self.token = if token.is_empty() { None } else { Some(token) };
        self
    }

    /// The SecretId (sent in clear in the Authorization header).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey. Only the signer needs it; never log it.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The session token, for temporary credentials. Never log it.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }
}

/// A SecretId/SecretKey/token field: not empty, no surrounding whitespace.
pub(crate) fn check(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::credential(format!("{field} is empty")));
    }
    if value.trim() != value {
        // Say where the whitespace is, never what the value is.
        return Err(Error::credential(format!("{field} has leading or trailing whitespace")));
    }
    Ok(())
}

/// Identifies a SecretId in logs without printing all of it.
pub(crate) fn id_hint(id: &str) -> String {
    let prefix: String = id.chars().take(8).collect();
    if prefix.len() < id.len() {
        format!("{prefix}…")
    } else {
        prefix
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &id_hint(&self.secret_id))
            .field("secret_key", &"***")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}", id_hint(&self.secret_id))?;
        if self.token.is_some() {
            f.write_str(", temporary")?;
        }
        f.write_str(")")
    }
}

impl ProvideCredential for Credential {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        let credential = self.clone();
        Box::pin(async move { Ok(credential) })
    }
}

impl<T: ProvideCredential + ?Sized> ProvideCredential for Arc<T> {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        (**self).provide_credential()
    }
}

impl<T: ProvideCredential + ?Sized> ProvideCredential for Box<T> {
    fn provide_credential(&self) -> CredentialFuture<'_> {
        (**self).provide_credential()
    }
}

/// The credential itself when `provider` is a plain [`Credential`] (known at construction, so calls need
/// neither a boxed future nor a copy of its strings).
pub(crate) fn static_credential<P: ProvideCredential + 'static>(provider: &P) -> Option<Credential> {
    (provider as &dyn std::any::Any).downcast_ref::<Credential>().cloned()
}
