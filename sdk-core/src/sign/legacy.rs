//! The legacy `HmacSHA1` / `HmacSHA256` signatures (API 3.0 still accepts them; the official SDKs can send
//! them with `signMethod`).
//!
//! Every parameter — the request's own, flattened (see [`crate::query`]), and the common ones (`Action`,
//! `Nonce`, `Timestamp`, `SecretId`, ...) — travels as a form (POST) or query (GET) parameter, and the
//! signature is one more parameter:
//!
//! ```text
//! StringToSign = Method Host Path "?" join("&", sorted(Key "=" Value))   (raw values, not URL-encoded;
//!                                                                         "_" in keys replaced by ".")
//! Signature    = Base64(HMAC-SHA1 or HMAC-SHA256(SecretKey, StringToSign))
//! ```
//!
//! The key rewrite and the sort (by code point, which is byte order in UTF-8) are what the Python SDK's
//! `_format_sign_string` does.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// The two legacy algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `HmacSHA1`
    HmacSha1,
    /// `HmacSHA256`
    HmacSha256,
}

impl Algorithm {
    /// The `SignatureMethod` parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "HmacSHA1",
            Algorithm::HmacSha256 => "HmacSHA256",
        }
    }
}

/// The string to sign: `METHOD host path ? k=v&...` over all parameters except `Signature`, sorted by key
/// after replacing `_` with `.` in keys (when two keys then collide the later value wins, as in Python).
pub fn string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    let mut keyed: Vec<(String, &str)> = Vec::with_capacity(params.len());
    for (k, v) in params {
        let k = k.replace('_', ".");
        match keyed.iter_mut().find(|(existing, _)| *existing == k) {
            Some(slot) => slot.1 = v,
            None => keyed.push((k, v)),
        }
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut s = String::with_capacity(64 + params.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>());
    s.push_str(method);
    s.push_str(host);
    s.push_str(path);
    s.push('?');
    for (i, (k, v)) in keyed.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// Base64 (standard alphabet, padded) of the HMAC of `string_to_sign` keyed with `secret_key`.
pub fn sign(secret_key: &str, string_to_sign: &str, algorithm: Algorithm) -> String {
    let digest = match algorithm {
        Algorithm::HmacSha1 => {
            let mut mac = Hmac::<Sha1>::new_from_slice(secret_key.as_bytes()).expect("HMAC takes any key length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::HmacSha256 => {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("HMAC takes any key length");
            mac.update(string_to_sign.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn cvm_example() {
        // Parameters of the CVM example in Tencent's signature v1 documentation; the expected signature is
        // Python's base64.b64encode(hmac.new(key, s.encode(), hashlib.sha1).digest()).
        let params = p(&[
            ("Action", "DescribeInstances"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Limit", "20"),
            ("Nonce", "11886"),
            ("Offset", "0"),
            ("Region", "ap-guangzhou"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
            ("Timestamp", "1465185768"),
            ("Version", "2017-03-12"),
        ]);
        let s = string_to_sign("GET", "cvm.tencentcloudapi.com", "/", &params);
        assert_eq!(
            s,
            "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886\
             &Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768\
             &Version=2017-03-12"
        );
        assert_eq!(
            sign("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", &s, Algorithm::HmacSha1),
            "EliP9YW3pW28FpsEdkXt/+WcGeI="
        );
    }

    #[test]
    fn underscores_become_dots_and_later_values_win() {
        let params = p(&[("b_c", "1"), ("a", "x y"), ("b.c", "2")]);
        assert_eq!(string_to_sign("POST", "h", "/", &params), "POSTh/?a=x y&b.c=2");
    }
}
