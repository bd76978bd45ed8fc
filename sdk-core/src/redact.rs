//! `Debug` wrappers that generated types use for members the redaction policy hides (see
//! `codegen/src/redaction.rs` and docs/security.md): secrets and personal content print `***`, phone numbers
//! keep only their last 4 characters. Part of the contract with generated code.
//!
//! Also `own_secrets`: the secret values one request carried, which the call path removes from any text
//! the server sends back (`Error::without_secrets`) before an error keeps it.

use std::fmt;

use crate::http::{header, HttpRequest};
use crate::identity::Credential;

/// The caller's own secret values in one request, in every form a server may quote them: the SecretKey and
/// session token, and the signature (`Signature=` of TC3's `Authorization`, the legacy `Signature`
/// parameter), each as sent and percent-encoded or -decoded. The SecretId is not a secret (it names the
/// key, and servers' messages use it to say which).
pub(crate) fn own_secrets(credential: Option<&Credential>, request: &HttpRequest) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    if let Some(credential) = credential {
        raw.push(credential.secret_key().to_owned());
        raw.extend(credential.token().map(str::to_owned));
    }
    for name in header::SECRET {
        let Some(value) = request.headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        match value.split_once("Signature=") {
            Some((_, signature)) => raw.push(signature.split([',', ' ']).next().unwrap_or_default().to_owned()),
            None => raw.push(value.to_owned()),
        }
    }
    let query = request.url.split_once('?').map_or("", |(_, q)| q);
    let form = std::str::from_utf8(&request.body).unwrap_or_default();
    for pair in query.split('&').chain(form.split('&')) {
        if let Some(("Signature" | "Token" | "SecretKey", value)) = pair.split_once('=') {
            raw.push(value.to_owned());
        }
    }
    let mut all = Vec::with_capacity(raw.len() * 3);
    for value in raw.into_iter().filter(|v| !v.is_empty()) {
        all.push(percent_encode(&value));
        all.extend(percent_decode(&value));
        all.push(value);
    }
    // Longest first, so a value inside another is not replaced before the one that holds it.
    all.sort_by_key(|v| std::cmp::Reverse(v.len()));
    all.dedup();
    all
}

/// `value` with every byte but RFC 3986's unreserved ones as `%XX`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `value` with `%XX` (and `+` as space) decoded, when that gives UTF-8 text.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Prints `***` whatever the value (and whether it is set: an `Option` is not revealed either).
pub struct Secret<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> fmt::Debug for Secret<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Prints phone numbers with all but the last 4 characters hidden (`"***4444"`), through `Option` and lists.
pub struct Phone<'a, T: ?Sized>(pub &'a T);

impl<T: MaskPhone + ?Sized> fmt::Debug for Phone<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_masked(f)
    }
}

/// Types whose phone numbers [`Phone`] can mask.
pub trait MaskPhone {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl MaskPhone for String {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars: Vec<char> = self.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        write!(f, "\"***{tail}\"")
    }
}

impl<T: MaskPhone> MaskPhone for Option<T> {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(v) => {
                f.write_str("Some(")?;
                v.fmt_masked(f)?;
                f.write_str(")")
            }
            None => f.write_str("None"),
        }
    }
}

impl<T: MaskPhone> MaskPhone for Vec<T> {
    fn fmt_masked(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(Phone)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let numbers = Some(vec!["+8613800001234".to_owned(), "12".to_owned()]);
        assert_eq!(format!("{:?}", Phone(&numbers)), r#"Some(["***1234", "***12"])"#);
        assert_eq!(format!("{:?}", Secret(&Some("key"))), "***");
        assert_eq!(format!("{:#?}", Phone(&None::<String>)), "None");
    }

    #[test]
    fn percent_forms() {
        assert_eq!(percent_encode("a/b+c=d~"), "a%2Fb%2Bc%3Dd~");
        assert_eq!(percent_decode("a%2Fb%2bc+d").as_deref(), Some("a/b+c d"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
