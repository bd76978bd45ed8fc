//! The intermediate model: everything the emitters need, already decided (Rust names, resolved Rust types,
//! cleaned docs, request/response shape, per-action metadata), and the passes that build it from one
//! [`ProductVersion`].
//!
//! # Passes
//!
//! [`build`] runs them in this order; each is its own module and says what it adds:
//!
//! | pass | file | from → to | adds |
//! |---|---|---|---|
//! | [`resolve`] | `ir/resolve.rs` | [`ProductVersion`] → [`resolve::Resolved`] | every member's type resolved, action objects checked, disabled members dropped |
//! | [`classify`] | `ir/classify.rs` | `Resolved` → [`classify::Shaped`] | per object [`Role`] and leniency, per member plain/`Option` and boxing |
//! | [`name`] | `ir/name.rs` | `Shaped` → [`Version`] | Rust names of types, fields, methods, statics; Rust types |
//! | [`document`] | `ir/document.rs` | `&mut Version` | rustdoc of objects, fields and actions |
//! | [`redact`] | `ir/redact.rs` | `&mut Version` | [`Field::redact`] from the redaction policy |
//! | [`retry`] | `ir/retry.rs` | `&mut Version` | [`Action::retry_safe`] and [`Action::client_token`] |
//! | [`error_codes`] | `ir/error_codes.rs` | `&mut Version` | [`Version::errors`] (the version's codes plus the common ones) |
//! | [`examples`] | `ir/examples.rs` | `&mut Version` | [`Action::example`]: the first example request, for the method docs |
//! | [`stream`] | `ir/stream.rs` | `&mut Version` | [`Action::streaming`]: actions that may answer as a stream of events |
//! | [`paging`] | `ir/paging.rs` | `&mut Version` | [`Action::paging`]: how a list action pages, for the paginators |
//! | [`binary_body`] | `ir/binary_body.rs` | `&mut Version` + `binary-bodies.json` | [`Action::binary_body`]: multipart or octet-stream (run by `generate_version`, its data is not in the spec) |
//!
//! Decisions: the two states before [`Version`] borrow the spec (no copies of documents); the passes after
//! [`name`] work on the finished shape, so each can be read (and tested) alone. [`name`] leaves what later
//! passes add empty (`doc`, `redact`, `retry_safe`, `client_token`, `errors`), and items keep their wire
//! names, which is how [`document`] pairs them with the spec. Errors name the file and JSON path, never panic.

use tc_spec::ProductVersion;

use crate::Error;

// Plain value types the model shares with the spec and the redaction policy. Emitters take them from here:
// they read the intermediate model only, never `tc_spec` or the docs and policy helpers.
pub use crate::redaction::Redaction;
pub use tc_spec::{BinaryBody, Status};

pub mod binary_body;
pub mod classify;
pub mod document;
pub mod error_codes;
pub mod examples;
pub mod name;
pub mod paging;
pub mod redact;
pub mod resolve;
pub mod retry;
pub mod stream;

/// One API version, ready to emit.
#[derive(Debug, Clone)]
pub struct Version {
    /// Product directory name (`sms`, `autoscaling`): names the crate.
    pub product: String,
    /// `metadata.serviceShortName` (`sms`, `as`): the TC3 signing service and endpoint prefix.
    pub service: String,
    /// Rust module name (`v20210111`).
    pub module: String,
    /// Dated version (`2021-01-11`).
    pub api_version: String,
    /// Human product name from the spec (`短信`), if any.
    pub product_title: Option<String>,
    /// Where the spec lives, for the generated header (`api-specs/sms/v20210111`).
    pub source: String,
    pub objects: Vec<Object>,
    pub actions: Vec<Action>,
    pub errors: Vec<ErrorCode>,
}

/// How a struct is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Built by users: `required` members are plain, `new(required...)` + setters.
    Request,
    /// Decoded from the service: `output_required` members are plain, everything lenient.
    Response,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub wire: String,
    pub rust: String,
    pub doc: String,
    pub role: Role,
    /// Also decoded from responses: derive `Default` and decode plain fields leniently.
    pub lenient: bool,
    pub fields: Vec<Field>,
    /// The `<Name>Required` struct `new` takes when two required members share a type (so positional
    /// arguments could be swapped); named in the type scope, so it never collides with a type.
    pub required_name: Option<String>,
}

/// A resolved Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    I64,
    U64,
    F64,
    Bool,
    /// `binary` members: `sdk_core::Binary` (bytes; base64 in JSON).
    Binary,
    /// A generated struct (Rust name).
    Object(String),
    List(Box<Ty>),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    /// Identifier text (`sms_sdk_app_id`, `r#type`, `self_`).
    pub rust: String,
    pub doc: String,
    pub ty: Ty,
    /// Plain `T` (else `Option<T>`).
    pub plain: bool,
    /// `Box<T>`: the field closes a cycle of structs.
    pub boxed: bool,
    /// Hidden in `Debug` by the redaction policy ([`crate::redaction`]).
    pub redact: Option<Redaction>,
    /// The spec marks the member disabled: kept (never required), its setter deprecated.
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub wire: String,
    /// Client method name (`send_sms`).
    pub method: String,
    /// `static` name of its `ActionInfo` (`SEND_SMS`).
    pub static_name: String,
    pub doc: String,
    /// Rust names of the request and response structs.
    pub input: String,
    pub output: String,
    pub skip_sign: bool,
    pub retry_safe: bool,
    pub status: Status,
    /// The input's string `ClientToken` member, which the generated methods fill when the caller left it
    /// unset or empty (see [`ClientToken`]).
    pub client_token: Option<ClientToken>,
    /// The first example request's JSON body (`examples.json`), for the method's docs.
    pub example: Option<serde_json::Value>,
    /// How the action pages, when it is a list action in a style the paginators walk ([`paging`]).
    pub paging: Option<paging::Paging>,
    /// A multipart or octet-stream request body ([`binary_body`]); `None`: JSON.
    pub binary_body: Option<BinaryBody>,
    /// The action may answer as a stream of events: it gets `<method>_stream` methods.
    pub streaming: Option<Streaming>,
}

/// How the stream methods of an action call it ([`stream`] pass).
#[derive(Debug, Clone)]
pub struct Streaming {
    /// Method name (`chat_completions_stream`).
    pub method: String,
    /// Rust field of the input's boolean `Stream` member, which the stream methods set to `true`, and
    /// whether it is a plain `bool` (required); `None` when the input has no such member.
    pub flag: Option<(String, bool)>,
}

/// An idempotency token in an action's input. The runtime serializes a request once and sends the same
/// bytes on every retry attempt, so a token chosen before serializing is stable across attempts; the
/// generated method (async and blocking) fills an unset one with `sdk_core::idempotency_token()`, on a
/// copy of the request (only then: a request that has a token is sent as it is).
#[derive(Debug, Clone)]
pub struct ClientToken {
    /// Rust field name in the request struct (`client_token`).
    pub field: String,
    /// A plain `String` (the spec marks it required; filled when empty) rather than `Option<String>`.
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct ErrorCode {
    pub code: String,
    pub variant: String,
    /// As the documentation says it (returned by the generated `description()`).
    pub description: String,
    /// The description as rustdoc (the variant's doc).
    pub doc: String,
}

/// Build the intermediate model of one product version. `source_root` is how the spec root is named in
/// generated headers (`api-specs`).
pub fn build(pv: &ProductVersion, source_root: &str) -> Result<Version, Error> {
    let shaped = classify::classify(resolve::resolve(pv)?);
    let mut version = name::name(&shaped, source_root)?;
    document::document(&shaped.resolved, &mut version);
    redact::redact(&mut version);
    retry::retry(&mut version);
    error_codes::error_codes(pv, &mut version)?;
    examples::examples(pv, &mut version);
    stream::stream(pv, &mut version);
    paging::paging(&mut version);
    Ok(version)
}
