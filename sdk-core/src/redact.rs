//! `Debug` wrappers that generated types use for members the redaction policy hides (see
//! `codegen/src/redaction.rs` and docs/security.md): secrets and personal content print `***`, phone numbers
//! keep only their last 4 characters. Part of the contract with generated code.
//!
//! Also `OwnSecrets`: the secret values one request carried, which the call path removes from any text
//! the server sends back (`Error::without_secrets`) before an error keeps it.

use std::borrow::Cow;
use std::fmt;

use crate::http::{header, HttpRequest};
use crate::identity::Credential;

/// The caller's own secret values in one request, kept as cheaply as possible until an error needs them
/// ([`OwnSecrets::list`]): the credential (borrowed from the client when it is a static one) and the TC3
/// signature copied inline; anything else (a legacy `Signature`/`Token` parameter, a token header that
/// differs from the credential's) as text. Taken for every attempt, expanded only on failure: expanding
/// them up front cost ~18,000 instructions and a dozen allocations per call (BENCHMARKS §2).
pub(crate) struct OwnSecrets<'c> {
    credential: Option<Cow<'c, Credential>>,
    /// `Signature=` of TC3's `Authorization` (64 hex digits), without an allocation.
    signature: InlineText,
    extra: Vec<String>,
}

/// Up to 64 bytes of text, stored inline.
#[derive(Clone, Copy)]
struct InlineText {
    bytes: [u8; 64],
    len: u8,
}

impl Default for InlineText {
    fn default() -> InlineText {
        InlineText { bytes: [0; 64], len: 0 }
    }
}

impl InlineText {
    fn new(text: &str) -> Option<InlineText> {
        let mut inline = InlineText::default();
        inline.bytes.get_mut(..text.len())?.copy_from_slice(text.as_bytes());
        inline.len = text.len() as u8;
        Some(inline)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl<'c> OwnSecrets<'c> {
    /// What `request`, signed with `credential`, carries: the SecretKey and session token, and the
    /// signature (`Signature=` of TC3's `Authorization`, the legacy `Signature` parameter). The SecretId is
    /// not a secret (it names the key, and servers' messages use it to say which).
    pub(crate) fn of(credential: Option<Cow<'c, Credential>>, request: &HttpRequest) -> OwnSecrets<'c> {
        let mut secrets = OwnSecrets {
            credential,
            signature: InlineText::default(),
            extra: Vec::new(),
        };
        // `X-TC-Token` is only ever the credential's token (a reserved header: no interceptor sets it), which
        // is in the list already; the signature is the last `=` of TC3's `Authorization`.
        let authorization = request.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if let Some((prefix, signature)) = authorization.and_then(|v| v.rsplit_once('=')) {
            if prefix.ends_with("Signature") {
                match InlineText::new(signature) {
                    Some(inline) => secrets.signature = inline,
                    None => secrets.extra.push(signature.to_owned()),
                }
            }
        }
        // Legacy requests carry them as parameters of the query or a form body; a JSON body (API 3.0's) has
        // no such pairs and is not scanned.
        let query = request.url.split_once('?').map_or("", |(_, q)| q);
        let form = match request.body.first() {
            Some(b'{') | None => "",
            _ => std::str::from_utf8(&request.body).unwrap_or_default(),
        };
        if query.is_empty() && form.is_empty() {
            return secrets;
        }
        for pair in query.split('&').chain(form.split('&')) {
            if let Some(("Signature" | "Token" | "SecretKey", value)) = pair.split_once('=') {
                secrets.extra.push(value.to_owned());
            }
        }
        secrets
    }

    /// Every secret value in every form a server may quote it: as sent, percent-encoded and
    /// percent-decoded; longest first, so a value inside another is not replaced before the one that
    /// holds it.
    pub(crate) fn list(&self) -> Vec<String> {
        let mut raw: Vec<&str> = Vec::new();
        if let Some(credential) = &self.credential {
            raw.push(credential.secret_key());
            raw.extend(credential.token());
        }
        raw.push(self.signature.as_str());
        raw.extend(self.extra.iter().map(String::as_str));
        let mut all = Vec::with_capacity(raw.len() * 3);
        for value in raw.into_iter().filter(|v| !v.is_empty()) {
            all.push(percent_encode(value));
            all.extend(percent_decode(value));
            all.push(value.to_owned());
        }
        all.sort_by_key(|v| std::cmp::Reverse(v.len()));
        all.dedup();
        all
    }
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

    fn request(url: &str, headers: &[(&'static str, &str)], body: &'static [u8]) -> HttpRequest {
        let mut map = crate::http::HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, value.parse().unwrap());
        }
        HttpRequest::new(
            crate::http::HttpMethod::Post,
            url.to_owned(),
            map,
            bytes::Bytes::from_static(body),
        )
    }

    #[test]
    fn own_secrets_of_a_tc3_request() {
        let credential = Credential::new("AKIDid", "key/+=").unwrap().with_token("tok");
        let signature = "ab".repeat(32);
        let authorization = format!("TC3-HMAC-SHA256 Credential=AKIDid/x, SignedHeaders=h, Signature={signature}");
        let sent = request(
            "https://sms.tencentcloudapi.com/",
            &[
                ("authorization", &authorization),
                ("x-tc-token", "tok"),
                ("x-other", "no"),
            ],
            br#"{"Signature=":"not&Token=a pair"}"#,
        );
        let list = OwnSecrets::of(Some(Cow::Borrowed(&credential)), &sent).list();
        assert_eq!(list, [signature.as_str(), "key%2F%2B%3D", "key/ =", "key/+=", "tok"]);
        // A signature too long to keep inline.
        let long = "c".repeat(65);
        let sent = request("https://x/", &[("authorization", &format!("Signature={long}"))], b"");
        let list = OwnSecrets::of(None, &sent).list();
        assert_eq!(list, [long.as_str()]);
    }

    #[test]
    fn own_secrets_of_a_legacy_request() {
        let sent = request(
            "https://x/?Action=A&Signature=s%2Bg&Token=t",
            &[],
            b"SecretKey=k&Nonce=1",
        );
        let list = OwnSecrets::of(None, &sent).list();
        assert_eq!(list, ["s%252Bg", "s%2Bg", "s+g", "t", "k"]);
    }

    #[test]
    fn percent_forms() {
        assert_eq!(percent_encode("a/b+c=d~"), "a%2Fb%2Bc%3Dd~");
        assert_eq!(percent_decode("a%2Fb%2bc+d").as_deref(), Some("a/b+c d"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
