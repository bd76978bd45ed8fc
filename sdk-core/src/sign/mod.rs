//! Request signing, exactly as Tencent Cloud API 3.0 documents it and the official SDKs compute it.
//!
//! This module owns the pure signing functions: no clock, no I/O, no credential lookup. The caller passes
//! every input (including the timestamp) so the same functions serve the client, tests and benchmarks.
//! [`sign`] is TC3-HMAC-SHA256; [`legacy`] has the older `HmacSHA1`/`HmacSHA256` parameter signatures.
//!
//! ```text
//! CanonicalRequest = Method \n "/" \n CanonicalQuery \n
//!                    "content-type:" ContentType \n "host:" Host \n [extra "name:value" \n ...] \n
//!                    SignedHeaders \n Hex(SHA256(Payload))
//! CredentialScope  = Date "/" Service "/tc3_request"          (Date = UTC date of Timestamp)
//! StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n CredentialScope \n Hex(SHA256(CanonicalRequest))
//! Key              = HMAC(HMAC(HMAC("TC3" + SecretKey, Date), Service), "tc3_request")
//! Signature        = Hex(HMAC(Key, StringToSign))
//! ```
//!
//! `Service` is the product name (`ServiceInfo::product`), never derived from the endpoint host: an
//! endpoint override such as `http://127.0.0.1:9000` must still sign for `sms`.
//!
//! `SignedHeaders` is `content-type;host` unless extra headers are signed: then all signed header names,
//! lowercased, sorted and joined with `;`, and each extra header's value trimmed and lowercased in the
//! canonical headers (the documented rule; `content-type` and `host` values are used as sent, as the
//! official SDKs do — ours are lowercase anyway).
//!
//! The derived key (the three HMACs of `Key`) is cached per thread for the last (SecretKey, Date, Service),
//! see `signing_key`; `benches/signing.rs` of `tc-bench` measures the signer against the bare hash chain.
//!
//! With an unsigned payload the payload hash is `Hex(SHA256("UNSIGNED-PAYLOAD"))`: the hash of the
//! literal, as the official Python and Go SDKs compute it (checked against `fixtures/python_sdk_requests.json`).

pub mod legacy;

use std::cell::RefCell;
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The only algorithm name Tencent Cloud API 3.0 accepts for TC3 signing.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The headers covered by the signature, in canonical (sorted, lowercase) order.
pub const SIGNED_HEADERS: &str = "content-type;host";
/// Value of `X-TC-Content-SHA256` when the client profile asks for an unsigned payload; its SHA-256 is
/// the payload hash that gets signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Content type of TC3 POST requests, as the official Python and Go SDKs send it. The body is UTF-8 JSON
/// (RFC 8259 makes UTF-8 the only encoding), so a `charset` parameter would add nothing but a difference
/// from the other SDKs.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// Content type Tencent expects for GET requests (parameters in the query string).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

type HmacSha256 = Hmac<Sha256>;

/// What the signature covers as payload.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// The exact body bytes that will be sent (empty for GET).
    Bytes(&'a [u8]),
    /// `UNSIGNED-PAYLOAD` (sent together with `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`): the payload hash
    /// is the SHA-256 of that literal, as in the official SDKs.
    Unsigned,
}

/// Every input of one signature. Borrowed so signing allocates only its own output.
#[derive(Clone, Copy)]
pub struct SignParams<'a> {
    /// HTTP method as sent, e.g. `POST`.
    pub method: &'a str,
    /// The `Host` header value as sent (host, plus `:port` when not the scheme's default was sent).
    pub host: &'a str,
    /// Request path; always `/` for Tencent Cloud API 3.0.
    pub path: &'a str,
    /// Query string as sent, without `?` (empty for POST).
    pub query: &'a str,
    /// The `Content-Type` header value as sent.
    pub content_type: &'a str,
    /// The payload covered by the signature.
    pub payload: Payload<'a>,
    /// Unix timestamp in seconds, the same value as the `X-TC-Timestamp` header.
    pub timestamp: i64,
    /// Product name, e.g. `cvm`, `sms`.
    pub service: &'a str,
    /// SecretId (goes into the Authorization header in clear).
    pub secret_id: &'a str,
    /// SecretKey (never leaves this function).
    pub secret_key: &'a str,
    /// Headers signed besides `content-type` and `host`, as sent (name, value). Usually empty.
    pub extra_headers: &'a [(String, String)],
}

impl fmt::Debug for SignParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignParams")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("content_type", &self.content_type)
            .field("timestamp", &self.timestamp)
            .field("service", &self.service)
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"***")
            .field("extra_headers", &self.extra_headers)
            .finish_non_exhaustive()
    }
}

/// The result of signing, with the intermediate strings kept for diagnosing signature mismatches.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// Hex SHA-256 of the payload (of the literal `UNSIGNED-PAYLOAD` for an unsigned payload).
    pub payload_hash: String,
    /// `content-type;host`, or the sorted list including the extra signed headers.
    pub signed_headers: String,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// UTC date of the timestamp, `YYYY-MM-DD`.
    pub date: String,
    /// `<date>/<service>/tc3_request`.
    pub credential_scope: String,
    /// The string that was signed.
    pub string_to_sign: String,
    /// Hex HMAC-SHA256 signature.
    pub signature: String,
    /// The complete `Authorization` header value.
    pub authorization: String,
}

// The signature and Authorization header are replayable for a few minutes: keep them out of logs.
impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("payload_hash", &self.payload_hash)
            .field("canonical_request", &self.canonical_request)
            .field("credential_scope", &self.credential_scope)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &"***")
            .field("authorization", &"***")
            .finish_non_exhaustive()
    }
}

/// Signs one request. Pure: same inputs, same output (the derived key cache only skips recomputing it).
pub fn sign(p: &SignParams<'_>) -> Signed {
    let payload_hash = match p.payload {
        Payload::Bytes(bytes) => sha256_hex(bytes),
        Payload::Unsigned => sha256_hex(UNSIGNED_PAYLOAD.as_bytes()),
    };
    let (canonical_headers, signed_headers) = canonical_headers(p);
    // `[..].concat()` sizes each string once; `format!` grows it piecewise (see BENCHMARKS.md, signing).
    let canonical_request = [
        p.method,
        "\n",
        p.path,
        "\n",
        p.query,
        "\n",
        &canonical_headers,
        "\n",
        &signed_headers,
        "\n",
        &payload_hash,
    ]
    .concat();
    let date = utc_date(p.timestamp);
    let credential_scope = [&date, "/", p.service, "/tc3_request"].concat();
    let string_to_sign = [
        ALGORITHM,
        "\n",
        &p.timestamp.to_string(),
        "\n",
        &credential_scope,
        "\n",
        &sha256_hex(canonical_request.as_bytes()),
    ]
    .concat();

    let k_signing = signing_key(p.secret_key, &date, p.service);
    let signature = hex_string(&hmac_sha256(&k_signing, string_to_sign.as_bytes()));

    let authorization = [
        ALGORITHM,
        " Credential=",
        p.secret_id,
        "/",
        &credential_scope,
        ", SignedHeaders=",
        &signed_headers,
        ", Signature=",
        &signature,
    ]
    .concat();
    Signed {
        payload_hash,
        signed_headers,
        canonical_request,
        date,
        credential_scope,
        string_to_sign,
        signature,
        authorization,
    }
}

/// The `Authorization` header value [`sign`] computes, without keeping its intermediate strings: the
/// canonical request and the string to sign go to the hash piecewise, digests are hex-encoded into stack
/// buffers, and the only allocation is the result, sized once. What the client sends on every call; `sign`
/// stays the diagnostic form (`tests::authorization_matches_sign` checks both agree).
pub(crate) fn authorization(p: &SignParams<'_>) -> String {
    let payload_hash = hex_digits(
        &Sha256::digest(match p.payload {
            Payload::Bytes(bytes) => bytes,
            Payload::Unsigned => UNSIGNED_PAYLOAD.as_bytes(),
        })
        .into(),
    );
    let payload_hash = ascii(&payload_hash);
    let extra = (!p.extra_headers.is_empty()).then(|| canonical_headers(p));
    let mut canonical = Sha256::new();
    for piece in [p.method, "\n", p.path, "\n", p.query, "\n"] {
        canonical.update(piece);
    }
    let signed_headers = match &extra {
        None => {
            for piece in ["content-type:", p.content_type, "\nhost:", p.host, "\n"] {
                canonical.update(piece);
            }
            SIGNED_HEADERS
        }
        Some((headers, names)) => {
            canonical.update(headers);
            names.as_str()
        }
    };
    for piece in ["\n", signed_headers, "\n", payload_hash] {
        canonical.update(piece);
    }
    let canonical_hash = hex_digits(&canonical.finalize().into());

    let mut date_buf = [0u8; 32];
    let date = write_ascii(&mut date_buf, format_args!("{}", DateOf(p.timestamp)));
    let mut timestamp_buf = [0u8; 24];
    let timestamp = write_ascii(&mut timestamp_buf, format_args!("{}", p.timestamp));
    let mut mac = signing_mac(p.secret_key, date, p.service);
    for piece in [ALGORITHM, "\n", timestamp, "\n", date, "/", p.service, "/tc3_request\n"] {
        mac.update(piece.as_bytes());
    }
    mac.update(&canonical_hash);
    let signature = hex_digits(&mac.finalize().into_bytes().into());
    [
        ALGORITHM,
        " Credential=",
        p.secret_id,
        "/",
        date,
        "/",
        p.service,
        "/tc3_request, SignedHeaders=",
        signed_headers,
        ", Signature=",
        ascii(&signature),
    ]
    .concat()
}

/// Lowercase hex of a 32-byte digest, on the stack.
fn hex_digits(bytes: &[u8; 32]) -> [u8; 64] {
    let mut buf = [0u8; 64];
    hex::encode_to_slice(bytes, &mut buf).expect("64 hex digits for 32 bytes");
    buf
}

fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("ASCII")
}

/// Formats into `buf` (large enough for the callers' values) and returns the text.
fn write_ascii<'b>(buf: &'b mut [u8], args: fmt::Arguments<'_>) -> &'b str {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    cursor.write_fmt(args).expect("buffer large enough");
    let len = cursor.position() as usize;
    std::str::from_utf8(&buf[..len]).expect("formatted text is UTF-8")
}

/// Displays as [`utc_date`] of a timestamp.
struct DateOf(i64);

impl fmt::Display for DateOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400));
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// One cached derived key: the inputs it was derived from and the key.
struct CachedKey {
    secret_key: String,
    date: String,
    service: String,
    key: [u8; 32],
    /// HMAC keyed with `key` before any input: cloning it skips hashing the key pads again per signature.
    mac: HmacSha256,
}

thread_local! {
    /// The last derived key of this thread. One entry: a thread usually signs with one credential for one
    /// product; anything else only costs the derivation it would have cost anyway, plus a comparison.
    static SIGNING_KEY: RefCell<Option<CachedKey>> = const { RefCell::new(None) };
}

/// `HMAC(HMAC(HMAC("TC3" + SecretKey, Date), Service), "tc3_request")`, cached per thread for the last
/// (SecretKey, Date, Service): the three HMACs are half of the hashing work of a signature, and the key only
/// changes once a day. The cache holds a copy of the SecretKey (compared exactly, never hashed into a lookup
/// key that could collide); it is replaced as soon as another key, date or service is signed for.
fn signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    with_cached_key(secret_key, date, service, |c| c.key)
}

/// An HMAC keyed with [`signing_key`], from the same cache.
fn signing_mac(secret_key: &str, date: &str, service: &str) -> HmacSha256 {
    with_cached_key(secret_key, date, service, |c| c.mac.clone())
}

fn with_cached_key<T>(secret_key: &str, date: &str, service: &str, f: impl FnOnce(&CachedKey) -> T) -> T {
    SIGNING_KEY.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(c) = cache.as_ref() {
            if c.secret_key == secret_key && c.date == date && c.service == service {
                return f(c);
            }
        }
        let key = derive_signing_key(secret_key, date, service);
        let entry = cache.insert(CachedKey {
            secret_key: secret_key.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            key,
            mac: HmacSha256::new_from_slice(&key).expect("HMAC takes keys of any length"),
        });
        f(entry)
    })
}

fn derive_signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    let secret = ["TC3", secret_key].concat();
    let k_date = hmac_sha256(secret.as_bytes(), date.as_bytes());
    let k_service = hmac_sha256(&k_date, service.as_bytes());
    hmac_sha256(&k_service, b"tc3_request")
}

/// `(CanonicalHeaders, SignedHeaders)`. Without extra headers exactly what the official SDKs build.
fn canonical_headers(p: &SignParams<'_>) -> (String, String) {
    if p.extra_headers.is_empty() {
        return (
            ["content-type:", p.content_type, "\nhost:", p.host, "\n"].concat(),
            SIGNED_HEADERS.to_owned(),
        );
    }
    let mut all: Vec<(String, String)> = Vec::with_capacity(2 + p.extra_headers.len());
    all.push(("content-type".to_owned(), p.content_type.trim().to_owned()));
    all.push(("host".to_owned(), p.host.trim().to_owned()));
    all.extend(
        p.extra_headers
            .iter()
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_lowercase())),
    );
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical = String::new();
    let mut names = String::new();
    for (k, v) in &all {
        canonical.push_str(k);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
        if !names.is_empty() {
            names.push(';');
        }
        names.push_str(k);
    }
    (canonical, names)
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_string(&Sha256::digest(bytes).into())
}

/// Lowercase hex of a 32-byte digest. `hex::encode` collects a char iterator into a growing `String`,
/// which cost more than a SHA-256 block in the signing benchmark; `encode_to_slice` is a plain loop.
fn hex_string(bytes: &[u8; 32]) -> String {
    ascii(&hex_digits(bytes)).to_owned()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// UTC calendar date (`YYYY-MM-DD`) of a unix timestamp in seconds.
///
/// Howard Hinnant's `civil_from_days`, valid for the whole proleptic Gregorian calendar; done here so the
/// runtime does not need a date/time crate for one string.
pub fn utc_date(timestamp: i64) -> String {
    DateOf(timestamp).to_string()
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    // `\u672a\u547d\u540d` are literal backslash-u escapes in the body, as in Tencent's example.
    const BODY: &str = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn params(payload: Payload<'_>) -> SignParams<'_> {
        SignParams {
            method: "POST",
            host: "cvm.tencentcloudapi.com",
            path: "/",
            query: "",
            content_type: "application/json; charset=utf-8",
            payload,
            timestamp: 1_551_113_065,
            service: "cvm",
            secret_id: ID,
            secret_key: KEY,
            extra_headers: &[],
        }
    }

    #[test]
    fn tencent_public_example() {
        let s = sign(&params(Payload::Bytes(BODY.as_bytes())));
        assert!(s.payload_hash.starts_with("35e9c5b0"), "{}", s.payload_hash);
        assert!(s.payload_hash.ends_with("f064"), "{}", s.payload_hash);
        assert_eq!(s.date, "2019-02-25");
        assert_eq!(s.credential_scope, "2019-02-25/cvm/tc3_request");
        assert_eq!(
            s.canonical_request,
            format!(
                "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n{}",
                s.payload_hash
            )
        );
        assert!(s
            .string_to_sign
            .starts_with("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"));
        assert_eq!(
            s.signature,
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(
            s.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn empty_body_hashes_empty_string() {
        let s = sign(&params(Payload::Bytes(b"")));
        assert_eq!(
            s.payload_hash,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn unicode_body_is_hashed_as_utf8_bytes() {
        // Cross-checked with Python: hashlib.sha256('{"Name":"未命名"}'.encode()).hexdigest()
        let s = sign(&params(Payload::Bytes("{\"Name\":\"未命名\"}".as_bytes())));
        assert_eq!(s.payload_hash, sha256_hex("{\"Name\":\"未命名\"}".as_bytes()));
        assert_eq!(s.payload_hash, UNICODE_HASH);
        assert_eq!(s.signature, UNICODE_SIG);
    }
    const UNICODE_HASH: &str = "59fe2da05c480019bb55c0a5d5238b60199b472e5694c76bb79ee2e60ecf4a54";
    const UNICODE_SIG: &str = "fb326d0b446ce477987761f2c993e0a95d33a6fd02bc80107a1e3b37d63ac2fc";

    #[test]
    fn get_with_query_string() {
        let q = "Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Offset=0&Version=2017-03-12";
        let s = sign(&SignParams {
            method: "GET",
            query: q,
            content_type: FORM_CONTENT_TYPE,
            ..params(Payload::Bytes(b""))
        });
        assert_eq!(
            s.canonical_request,
            format!(
                "GET\n/\n{q}\ncontent-type:application/x-www-form-urlencoded\nhost:cvm.tencentcloudapi.com\n\n\
                 content-type;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
        assert_eq!(s.signature, GET_SIG);
    }
    // Cross-checked with an independent Python implementation of the documented algorithm.
    const GET_SIG: &str = "1ee9b613eced8413703ca27632daaa51a59aef2f6dc523565023651556b5715f";

    #[test]
    fn unsigned_payload_hashes_the_literal() {
        let s = sign(&params(Payload::Unsigned));
        // hashlib.sha256(b"UNSIGNED-PAYLOAD").hexdigest(), what the Python and Go SDKs sign.
        assert_eq!(
            s.payload_hash,
            "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96"
        );
        assert!(s
            .canonical_request
            .ends_with(&format!("\ncontent-type;host\n{}", s.payload_hash)));
        assert_ne!(s.signature, sign(&params(Payload::Bytes(BODY.as_bytes()))).signature);
    }

    #[test]
    fn service_and_key_change_the_signature() {
        let base = sign(&params(Payload::Bytes(BODY.as_bytes())));
        let other_service = sign(&SignParams {
            service: "sms",
            ..params(Payload::Bytes(BODY.as_bytes()))
        });
        assert_eq!(other_service.credential_scope, "2019-02-25/sms/tc3_request");
        assert_ne!(base.signature, other_service.signature);
        let other_key = sign(&SignParams {
            secret_key: "x",
            ..params(Payload::Bytes(BODY.as_bytes()))
        });
        assert_ne!(base.signature, other_key.signature);
    }

    #[test]
    fn extra_signed_headers_are_sorted_and_lowercased() {
        let extra = [
            ("X-TC-Action".to_owned(), " DescribeInstances ".to_owned()),
            ("A-First".to_owned(), "V".to_owned()),
        ];
        let s = sign(&SignParams {
            extra_headers: &extra,
            ..params(Payload::Bytes(BODY.as_bytes()))
        });
        assert_eq!(s.signed_headers, "a-first;content-type;host;x-tc-action");
        assert!(
            s.canonical_request.contains(
                "\na-first:v\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\
                 x-tc-action:describeinstances\n\na-first;content-type;host;x-tc-action\n"
            ),
            "{}",
            s.canonical_request
        );
        assert!(s
            .authorization
            .contains("SignedHeaders=a-first;content-type;host;x-tc-action,"));
        assert_ne!(s.signature, sign(&params(Payload::Bytes(BODY.as_bytes()))).signature);
    }

    #[test]
    fn cached_signing_key_follows_key_date_and_service() {
        let inputs = [
            ("k1", "2019-02-25", "cvm"),
            ("k1", "2019-02-25", "cvm"),
            ("k2", "2019-02-25", "cvm"),
            ("k1", "2019-02-26", "cvm"),
            ("k1", "2019-02-26", "sms"),
            ("k1", "2019-02-25", "cvm"),
        ];
        for (key, date, service) in inputs {
            assert_eq!(signing_key(key, date, service), derive_signing_key(key, date, service));
        }
        // Other threads have their own cache and agree.
        let here = signing_key("k3", "2020-01-01", "sms");
        let there = std::thread::spawn(|| signing_key("k3", "2020-01-01", "sms"))
            .join()
            .unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn authorization_matches_sign() {
        let extra = [
            ("X-TC-TraceId".to_owned(), " T-1 ".to_owned()),
            ("A-First".to_owned(), "V".to_owned()),
        ];
        let q = "Action=DescribeInstances&Limit=20";
        let cases = [
            params(Payload::Bytes(BODY.as_bytes())),
            params(Payload::Bytes(b"")),
            params(Payload::Unsigned),
            SignParams {
                method: "GET",
                query: q,
                content_type: FORM_CONTENT_TYPE,
                ..params(Payload::Bytes(b""))
            },
            SignParams {
                extra_headers: &extra,
                ..params(Payload::Bytes(BODY.as_bytes()))
            },
            SignParams {
                timestamp: -86_401,
                service: "sms",
                ..params(Payload::Bytes(b"{}"))
            },
            SignParams {
                timestamp: i64::MAX,
                ..params(Payload::Bytes(b"{}"))
            },
        ];
        for p in &cases {
            assert_eq!(authorization(p), sign(p).authorization, "{p:?}");
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(86_399), "1970-01-01");
        assert_eq!(utc_date(86_400), "1970-01-02");
        assert_eq!(utc_date(-1), "1969-12-31");
        assert_eq!(utc_date(951_782_400), "2000-02-29"); // leap day of a 400-year leap year
        assert_eq!(utc_date(4_107_542_400), "2100-03-01"); // 2100 is not a leap year
        assert_eq!(utc_date(1_709_164_800), "2024-02-29");
        assert_eq!(utc_date(1_735_689_599), "2024-12-31"); // last second of a leap year
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
    }

    #[test]
    fn debug_hides_key_and_signature() {
        let p = params(Payload::Bytes(b"{}"));
        let dbg = format!("{p:?}");
        assert!(!dbg.contains(KEY), "{dbg}");
        let s = sign(&p);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains(&s.signature), "{dbg}");
    }
}
