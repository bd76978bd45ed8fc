//! The one error type of the SDK.
//!
//! `Error` is opaque: callers ask questions (`is_service()`, `code()`, ...) instead of matching on a
//! public enum, so new kinds and fields can be added without breaking generated crates. No variant ever
//! holds a SecretKey, a token or an Authorization header.
//!
//! Response bodies are not shown: a body may hold anything the server sent — temporary keys in an STS
//! answer, verification codes, phone numbers, a 5xx page echoing the request line with a legacy signature.
//! Display and Debug say the status, what failed, where (JSON path, line, column) and the body's length; the
//! excerpt is kept for a caller who asks for it explicitly ([`Error::body_snippet`]), and the SDK never logs
//! it. JSON decoding messages lose the values serde quotes (see [`json_error_summary`]).

use std::error::Error as StdError;
use std::fmt;

/// Most bytes of a response body kept in an error (cut on a UTF-8 character boundary).
pub const SNIPPET_LIMIT: usize = 512;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Every failure of an SDK call.
pub struct Error {
    kind: Kind,
    source: Option<BoxError>,
    /// The request may have reached the service and was not sent again (see [`Error::may_have_reached_service`]).
    unsure: bool,
}

#[derive(Debug)]
enum Kind {
    /// The service answered with `{"Response":{"Error":{...}}}`.
    Service {
        code: String,
        message: String,
        request_id: Option<String>,
        status: u16,
    },
    /// The request did not get a complete HTTP response.
    Transport { kind: TransportKind, message: String },
    /// Non-2xx HTTP status whose body is not a service error.
    Status { status: u16, snippet: Snippet },
    /// A response (or part of it) could not be understood.
    Decode {
        what: String,
        status: Option<u16>,
        request_id: Option<String>,
        snippet: Snippet,
    },
    /// Rejected on the client side before sending.
    InvalidRequest { parameter: String, message: String },
    /// No usable credential.
    Credential { message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportKind {
    Connect,
    /// The connect phase timed out: both a connect error and a timeout (the request was not sent).
    ConnectTimeout,
    Timeout,
    Other,
}

/// A bounded, UTF-8-safe excerpt of a response body.
#[derive(Clone)]
struct Snippet {
    text: String,
    /// Length of the whole body.
    len: usize,
}

// The text is withheld: a body may hold secrets and personal data (see the module docs).
impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes withheld>", self.len)
    }
}

impl Snippet {
    fn of(body: &[u8]) -> Snippet {
        let mut cut = body.len().min(SNIPPET_LIMIT);
        // Back off to the start of a UTF-8 character so a multi-byte character is never split.
        while cut > 0 && cut < body.len() && (body[cut] & 0b1100_0000) == 0b1000_0000 {
            cut -= 1;
        }
        let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
        // Replacement characters in non-UTF-8 bodies can grow the text past the limit.
        if text.len() > SNIPPET_LIMIT {
            let mut end = SNIPPET_LIMIT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
        }
        Snippet { text, len: body.len() }
    }
}

/// Shortest tail of a cut excerpt that is taken for the start of a secret (and hidden).
const SECRET_TAIL_MIN: usize = 4;

/// Replaces every occurrence of each of `secrets` in `text` by `***`, and a tail of `text` that is the start
/// of a secret (an excerpt cut inside it). Empty secrets are ignored.
pub(crate) fn scrub(text: &mut String, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), "***");
        }
    }
    for secret in secrets {
        let longest = secret.len().saturating_sub(1).min(text.len());
        let cut = (SECRET_TAIL_MIN..=longest)
            .rev()
            .filter(|&n| secret.is_char_boundary(n))
            .find(|&n| text.ends_with(&secret[..n]));
        if let Some(n) = cut {
            text.truncate(text.len() - n);
            text.push_str("***");
        }
    }
}

/// What a JSON decoding error says without the values it quotes: serde_json writes the offending value into
/// its message (`invalid type: string "…", expected u64`), and a response value may be a secret. Quoted
/// strings and back-quoted values are replaced by `…`; field names of `missing field`/`unknown field`/
/// `duplicate field` (schema, not data) are kept; line and column stay.
pub fn json_error_summary(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let keeps_names = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|p| text.starts_with(p));
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A serde-quoted string: skip to the closing quote, honouring backslash escapes.
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"…\"");
            }
            '`' if !keeps_names => {
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
                out.push_str("`…`");
            }
            c => out.push(c),
        }
    }
    out
}

impl Error {
    fn new(kind: Kind) -> Error {
        Error {
            kind,
            source: None,
            unsure: false,
        }
    }

    fn with_source(mut self, source: impl Into<BoxError>) -> Error {
        self.source = Some(source.into());
        self
    }

    /// A service error (`Response.Error`) with its HTTP status.
    pub fn service(
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: Option<String>,
        status: u16,
    ) -> Error {
        Error::new(Kind::Service {
            code: code.into(),
            message: message.into(),
            request_id,
            status,
        })
    }

    /// Could not connect (refused, DNS, TLS handshake, proxy). For custom transports.
    pub fn connect(source: impl Into<BoxError>) -> Error {
        Error::transport_kind(TransportKind::Connect, source)
    }

    /// The connection could not be established in time (so the request was not sent): both
    /// [`is_connect`](Error::is_connect) and [`is_timeout`](Error::is_timeout). For custom transports.
    pub fn connect_timeout(source: impl Into<BoxError>) -> Error {
        Error::transport_kind(TransportKind::ConnectTimeout, source)
    }

    /// A request timeout fired (the request may have reached the service). For custom transports.
    pub fn timeout(source: impl Into<BoxError>) -> Error {
        Error::transport_kind(TransportKind::Timeout, source)
    }

    /// Any other failure to get a complete HTTP response. For custom transports.
    pub fn transport(source: impl Into<BoxError>) -> Error {
        Error::transport_kind(TransportKind::Other, source)
    }

    fn transport_kind(kind: TransportKind, source: impl Into<BoxError>) -> Error {
        let source = source.into();
        // Most people print errors with `{}` only; the useful part ("Connection refused") is usually
        // deep in the chain, so the message carries the whole chain.
        let mut message = source.to_string();
        let mut cause = source.source();
        while let Some(c) = cause {
            let text = c.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            cause = c.source();
        }
        Error::new(Kind::Transport { kind, message }).with_source(source)
    }

    /// A non-2xx HTTP status; keeps a snippet of at most [`SNIPPET_LIMIT`] bytes of `body`.
    pub fn status_error(status: u16, body: &[u8]) -> Error {
        Error::new(Kind::Status {
            status,
            snippet: Snippet::of(body),
        })
    }

    /// A response that could not be understood. `what` says what failed.
    pub fn decode(what: impl Into<String>, status: Option<u16>, body: &[u8]) -> Error {
        Error::new(Kind::Decode {
            what: what.into(),
            status,
            request_id: None,
            snippet: Snippet::of(body),
        })
    }

    pub(crate) fn decode_with(
        what: impl Into<String>,
        status: Option<u16>,
        request_id: Option<String>,
        body: &[u8],
        source: Option<BoxError>,
    ) -> Error {
        Error {
            kind: Kind::Decode {
                what: what.into(),
                status,
                request_id,
                snippet: Snippet::of(body),
            },
            source,
            unsure: false,
        }
    }

    /// The same error with the caller's own secret values (see `redact::OwnSecrets`) removed from every
    /// text the server sent: the service message, the body excerpt and a transport message. A server may
    /// quote what it received (a legacy string-to-sign holds `Token=`, a TC3 canonical request the signed
    /// `x-tc-token`); the SDK keeps no such text with the secret in it (issue 26, finding 3).
    pub(crate) fn without_secrets(mut self, secrets: &[String]) -> Error {
        match &mut self.kind {
            Kind::Service { message, .. } => scrub(message, secrets),
            Kind::Status { snippet, .. } | Kind::Decode { snippet, .. } => scrub(&mut snippet.text, secrets),
            Kind::Transport { message, .. } => scrub(message, secrets),
            Kind::InvalidRequest { .. } | Kind::Credential { .. } => {}
        }
        self
    }

    /// Marks a failure after sending (timeout, cut connection, 5xx, `InternalError`) of an action that is not
    /// safe to repeat, which the retry loop therefore did not send again.
    pub(crate) fn not_resent(mut self) -> Error {
        self.unsure = true;
        self
    }

    /// True when the request may have reached the service and been carried out (a timeout, a connection cut
    /// after sending, a 5xx or `InternalError`), and it was not sent again because the action is not safe to
    /// repeat (a `SendSms` resent would send every message twice). Check the outcome (for `SendSms`:
    /// `PullSmsSendStatus`/`PullSmsSendStatusByPhoneNumber`) before trying again.
    pub fn may_have_reached_service(&self) -> bool {
        self.unsure
    }

    /// A request rejected on the client side; `parameter` names the offending parameter or setting.
    pub fn invalid_request(parameter: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(Kind::InvalidRequest {
            parameter: parameter.into(),
            message: message.into(),
        })
    }

    /// No usable credential. The message must never contain secret material.
    pub fn credential(message: impl Into<String>) -> Error {
        Error::new(Kind::Credential {
            message: message.into(),
        })
    }

    /// Like [`Error::credential`], keeping the underlying cause (for credential providers).
    pub fn credential_with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::credential(message).with_source(source)
    }

    /// The service answered with an error code (`Response.Error.Code`).
    pub fn is_service(&self) -> bool {
        matches!(self.kind, Kind::Service { .. })
    }

    /// The service rejected the request unexecuted because of a rate limit: a `RequestLimitExceeded` or
    /// `RequestLimitExceeded.*` code, or HTTP 429. The one throttling rule (retries, `sdk_sms::bulk`).
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| c.starts_with("RequestLimitExceeded"))
            || (self.is_status() && self.status() == Some(429))
    }

    /// A connect or request timeout fired.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            Kind::Transport {
                kind: TransportKind::Timeout | TransportKind::ConnectTimeout,
                ..
            }
        )
    }

    /// The connection could not be established (refused, DNS, TLS, proxy, connect timeout): the request
    /// was not sent.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            Kind::Transport {
                kind: TransportKind::Connect | TransportKind::ConnectTimeout,
                ..
            }
        )
    }

    /// Any failure to get a complete HTTP response (connect, timeout or other).
    pub fn is_transport(&self) -> bool {
        matches!(self.kind, Kind::Transport { .. })
    }

    /// A non-2xx HTTP status whose body was not a service error.
    pub fn is_status(&self) -> bool {
        matches!(self.kind, Kind::Status { .. })
    }

    /// The response could not be decoded.
    pub fn is_decode(&self) -> bool {
        matches!(self.kind, Kind::Decode { .. })
    }

    /// The request was rejected on the client side before anything was sent.
    pub fn is_invalid_request(&self) -> bool {
        matches!(self.kind, Kind::InvalidRequest { .. })
    }

    /// No usable credential.
    pub fn is_credential(&self) -> bool {
        matches!(self.kind, Kind::Credential { .. })
    }

    /// `Response.Error.Code` of a service error, e.g. `FailedOperation.InsufficientBalanceInSmsPackage`.
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            Kind::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// `Response.Error.Message` of a service error.
    pub fn message(&self) -> Option<&str> {
        match &self.kind {
            Kind::Service { message, .. } => Some(message),
            _ => None,
        }
    }

    /// `Response.RequestId`, when the response carried one (service and some decode errors).
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            Kind::Service { request_id, .. } | Kind::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// HTTP status of the response, when there was one (status, service and decode errors).
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            Kind::Service { status, .. } | Kind::Status { status, .. } => Some(*status),
            Kind::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// The body excerpt kept by status and decode errors: at most [`SNIPPET_LIMIT`] bytes of what the server
    /// sent, never in Display, Debug or the SDK's logs, since it may hold secrets or personal data.
    pub fn body_snippet(&self) -> Option<&str> {
        match &self.kind {
            Kind::Status { snippet, .. } | Kind::Decode { snippet, .. } => Some(&snippet.text),
            _ => None,
        }
    }

    /// Parameter and message of an invalid-request error, apart (the Display adds a prefix to them).
    pub(crate) fn invalid_request_parts(&self) -> Option<(&str, &str)> {
        match &self.kind {
            Kind::InvalidRequest { parameter, message } => Some((parameter, message)),
            _ => None,
        }
    }

    /// The parameter or setting named by an invalid-request error.
    pub fn parameter(&self) -> Option<&str> {
        match &self.kind {
            Kind::InvalidRequest { parameter, .. } => Some(parameter),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Service {
                code,
                message,
                request_id,
                ..
            } => {
                write!(f, "[{code}] {message}")?;
                if let Some(id) = request_id {
                    write!(f, " (RequestId: {id})")?;
                }
                Ok(())
            }
            Kind::Transport { kind, message } => {
                let what = match kind {
                    TransportKind::Connect => "connection failed",
                    TransportKind::ConnectTimeout => "connection timed out",
                    TransportKind::Timeout => "request timed out",
                    TransportKind::Other => "transport error",
                };
                write!(f, "{what}: {message}")
            }
            Kind::Status { status, snippet } => write!(
                f,
                "HTTP status {status} without a service error ({} bytes of body, not shown; Error::body_snippet has an excerpt)",
                snippet.len
            ),
            Kind::Decode {
                what,
                status,
                request_id,
                snippet,
            } => {
                write!(f, "could not decode response: {what}")?;
                if let Some(status) = status {
                    write!(f, " (HTTP status {status})")?;
                }
                if let Some(id) = request_id {
                    write!(f, " (RequestId: {id})")?;
                }
                if snippet.len > 0 {
                    write!(f, " ({} bytes of body, not shown)", snippet.len)?;
                }
                Ok(())
            }
            Kind::InvalidRequest { parameter, message } => {
                write!(f, "invalid request parameter `{parameter}`: {message}")
            }
            Kind::Credential { message } => write!(f, "credential error: {message}"),
        }?;
        if self.unsure {
            f.write_str(
                "; the request may have reached the service and was not sent again (the action is not safe to \
                 repeat): check its outcome before retrying",
            )?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        if self.unsure {
            d.field("may_have_reached_service", &true);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_display() {
        let e = Error::service(
            "FailedOperation.InsufficientBalanceInSmsPackage",
            "balance too low",
            Some("abc".into()),
            200,
        );
        assert_eq!(
            e.to_string(),
            "[FailedOperation.InsufficientBalanceInSmsPackage] balance too low (RequestId: abc)"
        );
        assert!(e.is_service());
        assert_eq!(e.code(), Some("FailedOperation.InsufficientBalanceInSmsPackage"));
        assert_eq!(e.message(), Some("balance too low"));
        assert_eq!(e.request_id(), Some("abc"));
        assert_eq!(e.status(), Some(200));
        assert!(!e.is_status() && !e.is_decode() && !e.is_timeout());
    }

    #[test]
    fn snippet_is_bounded_and_utf8_safe() {
        // 511 ASCII bytes then a 3-byte character straddling the limit.
        let mut body = "a".repeat(511).into_bytes();
        body.extend_from_slice("未命名".as_bytes());
        let e = Error::status_error(502, &body);
        let s = e.body_snippet().unwrap();
        assert_eq!(s, "a".repeat(511));
        assert!(e.to_string().contains("520 bytes of body, not shown"), "{e}");

        // The page is kept for the caller who asks, never shown by Display or Debug.
        let short = Error::status_error(502, "<html>未 GET /?Signature=sig-value</html>".as_bytes());
        assert!(short.body_snippet().unwrap().contains("sig-value"));
        let shown = format!("{short} {short:?} {short:#?}");
        assert!(!shown.contains("sig-value") && !shown.contains("<html>"), "{shown}");

        // Invalid UTF-8 everywhere: lossy, still bounded.
        let junk = vec![0xffu8; 4096];
        let e = Error::decode("not JSON", Some(200), &junk);
        assert!(e.body_snippet().unwrap().len() <= SNIPPET_LIMIT);

        // Only continuation bytes: backing off must stop at 0 without panicking.
        let cont = vec![0x80u8; 1024];
        let e = Error::decode("not JSON", None, &cont);
        assert!(e.body_snippet().unwrap().len() <= SNIPPET_LIMIT);
    }

    #[test]
    fn json_errors_lose_their_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Credentials {
            #[serde(rename = "TmpSecretKey")]
            key: u64,
            #[serde(rename = "Kind")]
            kind: Kind2,
        }
        #[derive(serde::Deserialize, Debug)]
        enum Kind2 {
            A,
        }
        let cases = [
            r#"{"TmpSecretKey":"secret-value-1","Kind":"A"}"#,
            r#"{"TmpSecretKey":1,"Kind":"secret-value-1"}"#,
            r#"{"TmpSecretKey":1,"Kind":"A","x":"secret-value-1"#,
        ];
        for json in cases {
            let e = serde_json::from_str::<Credentials>(json).unwrap_err();
            let summary = json_error_summary(&e);
            assert!(!summary.contains("secret-value"), "{summary}");
            assert!(summary.contains("line 1"), "{summary}");
        }
        let e = serde_json::from_str::<Credentials>(r#"{"Kind":"A"}"#).unwrap_err();
        assert!(json_error_summary(&e).contains("`TmpSecretKey`"), "field names stay");
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = Error::connect(io);
        assert!(e.is_connect() && e.is_transport() && !e.is_timeout());
        assert_eq!(e.source().unwrap().to_string(), "refused");
        let e = Error::timeout("deadline");
        assert!(e.is_timeout() && !e.is_connect());
    }
}
