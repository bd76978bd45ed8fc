//! Credentials and where they come from.
//!
//! The [`Credential`] value (SecretId, SecretKey, optional session token) and the [`ProvideCredential`]
//! trait the client asks for one before every signed request (both defined in `identity.rs`, below the
//! call path, and re-exported here), and the providers. Every provider below implements it, so any of them
//! can be given to `Client::new`:
//!
//! | provider | source |
//! |---|---|
//! | [`Credential`] | a fixed SecretId/SecretKey (and token) |
//! | [`EnvProvider`] | `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `TENCENTCLOUD_SESSION_TOKEN` (or `TENCENTCLOUD_TOKEN`), read at each request |
//! | [`ProfileFileProvider`] | INI `~/.tencentcloud/credentials` (or `$TENCENTCLOUD_CREDENTIALS_FILE`, or `/etc/tencentcloud/credentials`), profile `$TENCENTCLOUD_PROFILE` or `default` |
//! | [`TccliProvider`] | tccli's `~/.tccli/<$TCCLI_PROFILE or default>.credential` |
//! | [`CvmRoleProvider`] | the CAM role of this CVM instance, from the metadata service |
//! | [`StsAssumeRoleProvider`] | STS `AssumeRole`, signed with any other provider |
//! | [`OidcRoleArnProvider`] | TKE OIDC: STS `AssumeRoleWithWebIdentity` (unsigned) with `TKE_*` variables |
//! | [`DefaultCredentialProvider`] | the chain below; what `Client::from_env` uses |
//!
//! Temporary credentials (CVM, STS, OIDC) are cached and refreshed 5 minutes (configurable) before they
//! expire; concurrent callers cause one refresh request; a failed refresh keeps using a still-valid
//! credential with a `tracing::warn!`, and is an error once it has expired.
//! Timeouts bound every request: metadata 1 s connect / 3 s total, STS 5 s / 10 s (configurable).
//!
//! # The default chain
//!
//! [`DefaultCredentialProvider`] tries, in order:
//!
//! 1. **environment**: not configured when neither `TENCENTCLOUD_SECRET_ID` nor `TENCENTCLOUD_SECRET_KEY`
//!    is set (or both are empty);
//! 2. **profile file**: not configured when `$TENCENTCLOUD_CREDENTIALS_FILE` is unset and neither
//!    `~/.tencentcloud/credentials` nor `/etc/tencentcloud/credentials` exists;
//! 3. **tccli profile**: not configured when `~/.tccli/<profile>.credential` does not exist;
//! 4. **CVM role**: not configured when the metadata service cannot be reached (connect failure or
//!    timeout: not on CVM) or answers 404 (no role bound to the instance);
//! 5. **TKE OIDC**: not configured when none of `TKE_REGION`, `TKE_PROVIDER_ID`,
//!    `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_ROLE_ARN` is set.
//!
//! A step that is *not configured* passes to the next. A step that is *configured but broken* stops the
//! chain with its own error instead of silently using a credential from further down: `SECRET_ID`
//! without `SECRET_KEY`, a file that exists but cannot be read or parsed or lacks the profile or a key,
//! a metadata service that answers but not with a credential, some but not all `TKE_*` variables, an STS
//! error. When no step yields, the error lists every step and why it was not configured.
//!
//! The first step that yields a credential is remembered: later calls go straight to it (so the CVM
//! probe is not repeated before every request of a TKE pod), and its errors are returned as they are.
//! Nothing is done at construction: no file is read and no request is sent before the first call.
//!
//! # Secrets
//!
//! Secrets never reach `Debug`, `Display`, error messages or tracing output: providers print paths,
//! role names and SecretId prefixes only; parse errors name the file and line or key, never a value.

use crate::error::Error;
pub use crate::identity::{Credential, CredentialFuture, ProvideCredential};

mod cache;
pub mod chain;
pub mod cvm;
pub mod env;
pub mod file;
pub(crate) mod ini;
pub mod sts;

pub use cache::{DEFAULT_REFRESH_MARGIN, FIRST_FAILURE_BACKOFF, MAX_FAILURE_BACKOFF, MIN_REFRESH_INTERVAL};
pub use chain::DefaultCredentialProvider;
pub use cvm::CvmRoleProvider;
pub use env::EnvProvider;
pub use file::{ProfileFileProvider, TccliProvider};
pub use sts::{OidcRoleArnProvider, StsAssumeRoleProvider};

/// Why a provider gave no credential: not set up here (the default chain moves on), or set up but broken
/// (the chain stops). Providers used on their own just return `error`.
pub(crate) struct Unavailable {
    pub(crate) not_configured: bool,
    pub(crate) error: Error,
}

impl Unavailable {
    pub(crate) fn not_configured(message: impl Into<String>) -> Unavailable {
        Unavailable::not_configured_error(Error::credential(message))
    }

    pub(crate) fn not_configured_error(error: Error) -> Unavailable {
        Unavailable {
            not_configured: true,
            error,
        }
    }

    pub(crate) fn broken(error: Error) -> Unavailable {
        Unavailable {
            not_configured: false,
            error,
        }
    }

    pub(crate) fn into_error(self) -> Error {
        self.error
    }
}

/// The message of an error without the `credential error: ` prefix, to nest it in another message.
pub(crate) fn message_of(e: &Error) -> String {
    let text = e.to_string();
    match text.strip_prefix("credential error: ") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// `e` and its sources joined with `: ` (the useful part, e.g. "Connection refused", is usually deep).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_and_whitespace_naming_the_field() {
        let e = Credential::new("", "key").unwrap_err();
        assert!(e.is_credential());
        assert!(e.to_string().contains("SecretId"), "{e}");
        let e = Credential::new("id", " key-with-space").unwrap_err();
        assert!(e.to_string().contains("SecretKey"), "{e}");
        assert!(!e.to_string().contains("key-with-space"), "{e}");
        let e = Credential::new("id\n", "key").unwrap_err();
        assert!(e.to_string().contains("SecretId"), "{e}");
        assert!(Credential::new("id", "key").is_ok());
    }

    #[test]
    fn token_is_optional_and_empty_means_none() {
        let c = Credential::new("id", "key").unwrap();
        assert_eq!(c.token(), None);
        assert_eq!(c.clone().with_token("").token(), None);
        assert_eq!(c.with_token("tok").token(), Some("tok"));
    }

    #[test]
    fn debug_and_display_hide_secrets() {
        let c = Credential::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        )
        .unwrap()
        .with_token("session-token-value");
        let dbg = format!("{c:?}");
        assert_eq!(
            dbg,
            r#"Credential { secret_id: "AKIDz8kr…", secret_key: "***", token: Some("***") }"#
        );
        assert_eq!(c.to_string(), "Credential(AKIDz8kr…, temporary)");
    }
}
