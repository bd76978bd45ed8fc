//! What generated code describes as data: one API version ([`ServiceInfo`]) and one action
//! ([`ActionInfo`]), emitted as `static`s and passed to [`crate::Client::call`].

use crate::body::BodyMode;

/// Value of `X-TC-RequestClient`.
pub const REQUEST_CLIENT: &str = concat!("SDK_RUST_", env!("CARGO_PKG_VERSION"));

/// One API version of one product, emitted by the generator as a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceInfo {
    /// Product name, e.g. `sms`: the endpoint prefix and the TC3 signing service.
    pub product: &'static str,
    /// API version, e.g. `2021-01-11` (`X-TC-Version`).
    pub version: &'static str,
}

/// One action, emitted by the generator as a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionInfo {
    /// Action name, e.g. `SendSms` (`X-TC-Action`).
    pub name: &'static str,
    /// The API description marks the action as unsigned: send `Authorization: SKIP`, no credential needed.
    pub skip_sign: bool,
    /// Reads and ClientToken actions: may be re-sent after reaching the service (see [`crate::retry`]).
    pub retry_safe: bool,
    /// How the request body is encoded: JSON, or one of the binary modes ([`crate::body`]).
    pub body: BodyMode,
}
