//! The one rule for what the emulator never gives back: a request's secrets (session tokens, secret keys,
//! signatures, passwords, SAML assertions, private keys, `Authorization`). Every place that returns or keeps
//! request text goes through here: error messages that quote the canonical request or the legacy string to
//! sign, the echo answer's `Params` and `Headers`, the request log (`Emulator::requests`,
//! `GET /_emulator/requests`).
//!
//! The rule is by name, because the emulator serves every product of the specs and must hide a secret member
//! it has never been told about (`WebIdentityToken`, `SAMLAssertion`, `Password` of a database product...).
//! A name is secret when, ignoring case, it is `authorization`, contains `secretkey`, `password`,
//! `passwd`, `passphrase`, `privatekey` or `samlassertion`, ends with `signature`, or ends with `token` —
//! except paging and idempotency tokens (`NextToken`, `PageToken`, `ClientToken`, ...), which are not
//! secrets and which tests must see. A secret value is shown as [`MASK`].

use serde_json::Value;

/// What a secret value is replaced with.
pub const MASK: &str = "***";

/// Names ending in `token` that are not secrets: paging cursors and idempotency keys.
const PUBLIC_TOKENS: [&str; 5] = [
    "nexttoken",
    "pagetoken",
    "clienttoken",
    "continuationtoken",
    "idempotencytoken",
];

/// Whether a parameter, JSON member or header with this name holds a secret (see the module docs).
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    // Flattened legacy names (`Credentials.0.Token`) and header names (`x-tc-token`) by their last part.
    let last = n.rsplit(['.', '-', '_']).next().unwrap_or(&n);
    if PUBLIC_TOKENS.iter().any(|p| n.ends_with(p) || last == *p) {
        return false;
    }
    n == "authorization"
        || [
            "secretkey",
            "password",
            "passwd",
            "passphrase",
            "privatekey",
            "samlassertion",
        ]
        .iter()
        .any(|s| n.contains(s))
        || n.ends_with("signature")
        || n.ends_with("token")
}

/// `k=v&...` with the values of secret keys replaced by [`MASK`] (keys are compared percent-decoded).
pub fn redact_form(form: &str) -> String {
    form.split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            if is_secret_name(&crate::catalog::percent_decode(key)) {
                format!("{key}={MASK}")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Replace the value of every member with a secret name, at any depth.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_name(k) {
                    *v = Value::String(MASK.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Whether bytes may hold a secret member or parameter (a cheap scan before parsing anything).
fn may_hold_secret(text: &[u8]) -> bool {
    // Each word of `is_secret_name` (or a part of it): a body without any holds no secret member.
    const WORDS: [&[u8]; 8] = [
        b"authorization",
        b"token",
        b"secretkey",
        b"passw",
        b"passphrase",
        b"privatekey",
        b"assertion",
        b"signature",
    ];
    // One pass; only bytes that can start a word are compared further.
    (0..text.len()).any(|i| {
        matches!(text[i].to_ascii_lowercase(), b't' | b's' | b'p' | b'a')
            && WORDS
                .iter()
                .any(|w| text[i..].get(..w.len()).is_some_and(|x| x.eq_ignore_ascii_case(w)))
    })
}

/// A request body as the log keeps it: as received when nothing in it may be secret; JSON with secret
/// members masked; a form with secret values masked; anything else that may hold a secret, only its size.
pub fn redact_body(body: &[u8]) -> String {
    if !may_hold_secret(body) {
        return String::from_utf8_lossy(body).into_owned();
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(body) {
        redact_json(&mut json);
        return json.to_string();
    }
    match std::str::from_utf8(body) {
        Ok(text) if !text.contains(['\n', '\r', ' ']) => redact_form(text),
        _ => format!("<{} bytes withheld: they may hold a secret>", body.len()),
    }
}

/// A TC3 canonical request (`METHOD\n/\nquery\nheaders...\n\nsigned\npayload`) as an error may quote it:
/// secret query values and secret header values masked.
pub fn redact_canonical(canonical: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for (i, line) in canonical.split('\n').enumerate() {
        let shown = match (i, line.split_once(':')) {
            (2, _) => redact_form(line),
            (3.., Some((name, _))) if is_secret_name(name) => format!("{name}:{MASK}"),
            _ => line.to_owned(),
        };
        lines.push(shown);
    }
    lines.join("\n")
}

/// A legacy string to sign (`METHODhost/path?k=v&...`) with secret values masked.
pub fn redact_string_to_sign(s: &str) -> String {
    match s.split_once('?') {
        Some((head, form)) => format!("{head}?{}", redact_form(form)),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for secret in [
            "Token",
            "X-TC-Token",
            "x-tc-token",
            "WebIdentityToken",
            "SAMLAssertion",
            "SecretKey",
            "TmpSecretKey",
            "Password",
            "Signature",
            "Authorization",
            "Credentials.0.Token",
            "x-emulator-admin-token",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
        for public in [
            "NextToken",
            "ClientToken",
            "SignatureMethod",
            "SecretId",
            "SignName",
            "PhoneNumberSet.0",
        ] {
            assert!(!is_secret_name(public), "{public}");
        }
    }

    #[test]
    fn bodies() {
        let json = br#"{"WebIdentityToken":"eyJ.secret","RoleArn":"qcs::cam","Nested":[{"Password":"p"}]}"#;
        let shown = redact_body(json);
        assert!(!shown.contains("eyJ.secret") && !shown.contains("\"p\""), "{shown}");
        assert!(shown.contains("qcs::cam"));
        assert_eq!(redact_body(b"Action=X&Token=abc&Nonce=1"), "Action=X&Token=***&Nonce=1");
        assert_eq!(
            redact_body(b"{\"PhoneNumberSet\":[\"1\"]}"),
            "{\"PhoneNumberSet\":[\"1\"]}"
        );
        assert!(redact_body(b"--b\r\nname=\"Token\"\r\n\r\nabc").starts_with("<"));
        let auth = redact_body(br#"{"Authorization":"TC3-HMAC-SHA256 x","A":"b"}"#);
        assert!(!auth.contains("TC3-HMAC") && auth.contains("\"A\":\"b\""), "{auth}");
    }

    #[test]
    fn canonical_requests() {
        let c = "POST\n/\nToken=t1&A=1\ncontent-type:application/json\nx-tc-token:t2\n\ncontent-type;x-tc-token\nabc";
        let shown = redact_canonical(c);
        assert!(!shown.contains("t1") && !shown.contains("t2"), "{shown}");
        assert!(shown.contains("content-type;x-tc-token"));
        assert_eq!(redact_string_to_sign("GETh/?A=1&Token=x"), "GETh/?A=1&Token=***");
    }
}
