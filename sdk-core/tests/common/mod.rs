//! An independent verifier for every wire mode, served over real loopback HTTP.
//!
//! Written from Tencent's documentation, not calling `sdk_core::sign`, `sdk_core::wire` or
//! `sdk_core::query`, so a bug there cannot be mirrored here. Each request is classified (TC3 / legacy /
//! SKIP), verified, and answered with `{"Response":{"Mode":..,"Action":..,"Params":{..},"RequestId":..}}`
//! where `Params` are the decoded request parameters (JSON body members, or form/query pairs), so tests
//! can check what the server understood. A failed verification is answered with
//! `AuthFailure.SignatureFailure` and a message saying what did not match.

#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

pub const SECRET_ID: &str = "AKIDmodesSecretId00000000000000000";
pub const SECRET_KEY: &str = "MODESSECRETKEY-never-sent";
pub const TOKEN: &str = "MODES-SESSION-TOKEN";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub verdict: Result<Mode, String>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Tc3 {
        signed_headers: String,
        token: Option<String>,
    },
    Legacy {
        method: String,
        token: Option<String>,
    },
    Skip,
}

pub type Log = Arc<Mutex<Vec<Recorded>>>;

pub struct Verifier {
    pub addr: SocketAddr,
    pub log: Log,
}

impl Verifier {
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn last(&self) -> Recorded {
        self.log.lock().unwrap().last().cloned().expect("a request arrived")
    }
}

/// Starts the verifier on an ephemeral loopback port, on the current tokio runtime.
pub async fn start() -> Verifier {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log2.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let log = log.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.unwrap().to_bytes().to_vec();
                        let mut rec = Recorded {
                            method: parts.method.to_string(),
                            query: parts.uri.query().unwrap_or("").to_owned(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                                .collect(),
                            body,
                            verdict: Err(String::new()),
                        };
                        assert_eq!(parts.uri.path(), "/");
                        let answer = answer(&mut rec);
                        log.lock().unwrap().push(rec);
                        let resp = Response::builder()
                            .status(200)
                            .header("Content-Type", "application/json")
                            .body(Full::new(Bytes::from(answer.to_string())))
                            .unwrap();
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Verifier { addr, log }
}

fn answer(rec: &mut Recorded) -> Value {
    rec.verdict = verify(rec);
    match &rec.verdict {
        Ok(mode) => {
            let (mode_name, action, params) = match mode {
                Mode::Legacy { .. } => {
                    let pairs = legacy_pairs(rec).unwrap();
                    let action = pairs.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone());
                    ("legacy", action, pairs_to_json(&pairs))
                }
                Mode::Tc3 { .. } | Mode::Skip => {
                    let params = if rec.method == "GET" {
                        pairs_to_json(&parse_form(&rec.query).unwrap())
                    } else {
                        serde_json::from_slice(&rec.body).unwrap_or(Value::Null)
                    };
                    let name = if *mode == Mode::Skip { "skip" } else { "tc3" };
                    (name, rec.header("x-tc-action").map(str::to_owned), params)
                }
            };
            json!({"Response": {"Mode": mode_name, "Action": action, "Params": params, "RequestId": "verified"}})
        }
        Err(why) => json!({"Response": {
            "Error": {"Code": "AuthFailure.SignatureFailure", "Message": why},
            "RequestId": "rejected"
        }}),
    }
}

fn pairs_to_json(pairs: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn hmac256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

fn verify(rec: &Recorded) -> Result<Mode, String> {
    match rec.header("authorization") {
        Some("SKIP") => {
            if rec.header("x-tc-token").is_some() {
                return Err("SKIP with a token".into());
            }
            Ok(Mode::Skip)
        }
        Some(auth) => verify_tc3(rec, auth),
        None => verify_legacy(rec),
    }
}

fn verify_tc3(rec: &Recorded, auth: &str) -> Result<Mode, String> {
    let rest = auth.strip_prefix("TC3-HMAC-SHA256 ").ok_or("algorithm")?;
    let mut parts = std::collections::HashMap::new();
    for part in rest.split(", ") {
        let (k, v) = part.split_once('=').ok_or("part")?;
        parts.insert(k, v);
    }
    let credential = parts.get("Credential").ok_or("no Credential")?;
    let signed_headers = parts.get("SignedHeaders").ok_or("no SignedHeaders")?;
    let signature = parts.get("Signature").ok_or("no Signature")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [id, date, service, "tc3_request"] = scope[..] else {
        return Err(format!("Credential {credential}"));
    };
    if id != SECRET_ID {
        return Err(format!("SecretId {id}"));
    }
    let ts: i64 = rec
        .header("x-tc-timestamp")
        .ok_or("no timestamp")?
        .parse()
        .map_err(|_| "ts")?;
    if (ts - now()).abs() > 300 {
        return Err("timestamp skew".into());
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    if names != sorted || !names.contains(&"content-type") || !names.contains(&"host") {
        return Err(format!("SignedHeaders {signed_headers}"));
    }
    let mut canonical_headers = String::new();
    for name in &names {
        if name.to_ascii_lowercase() != *name {
            return Err(format!("signed header {name} not lowercase"));
        }
        let value = rec.header(name).ok_or(format!("signed header {name} not sent"))?;
        canonical_headers += &format!("{name}:{}\n", value.trim().to_lowercase());
    }
    let expected_ct = if rec.method == "GET" {
        "application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    if rec.header("content-type") != Some(expected_ct) {
        return Err(format!(
            "Content-Type {:?} for {}",
            rec.header("content-type"),
            rec.method
        ));
    }
    if rec.method == "GET" && !rec.body.is_empty() {
        return Err("GET with a body".into());
    }
    let payload_hash = match rec.header("x-tc-content-sha256") {
        Some("UNSIGNED-PAYLOAD") => hex::encode(Sha256::digest(b"UNSIGNED-PAYLOAD")),
        Some(other) => return Err(format!("X-TC-Content-SHA256 {other}")),
        None => hex::encode(Sha256::digest(&rec.body)),
    };
    let canonical = format!(
        "{}\n/\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        rec.method, rec.query
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{ts}\n{date}/{service}/tc3_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("TC3{SECRET_KEY}").into_bytes();
    for part in [date, service, "tc3_request"] {
        key = hmac256(&key, part.as_bytes());
    }
    if hex::encode(hmac256(&key, to_sign.as_bytes())) != *signature {
        return Err(format!("TC3 signature mismatch; canonical request:\n{canonical}"));
    }
    Ok(Mode::Tc3 {
        signed_headers: (*signed_headers).to_owned(),
        token: rec.header("x-tc-token").map(str::to_owned),
    })
}

/// Form/query pairs of a legacy request.
fn legacy_pairs(rec: &Recorded) -> Result<Vec<(String, String)>, String> {
    if rec.header("content-type") != Some("application/x-www-form-urlencoded") {
        return Err(format!("legacy Content-Type {:?}", rec.header("content-type")));
    }
    match rec.method.as_str() {
        "GET" if rec.body.is_empty() => parse_form(&rec.query),
        "POST" if rec.query.is_empty() => parse_form(std::str::from_utf8(&rec.body).map_err(|_| "body not UTF-8")?),
        _ => Err("legacy parameters must be in the query (GET) or only in the body (POST)".into()),
    }
}

fn verify_legacy(rec: &Recorded) -> Result<Mode, String> {
    let pairs = legacy_pairs(rec)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let signature = get("Signature").ok_or("no Authorization and no Signature")?;
    for required in ["Action", "Version", "Nonce", "Timestamp", "SecretId", "SignatureMethod"] {
        get(required).ok_or(format!("legacy parameter {required} missing"))?;
    }
    if get("SecretId") != Some(SECRET_ID) {
        return Err("SecretId".into());
    }
    let ts: i64 = get("Timestamp").unwrap().parse().map_err(|_| "Timestamp")?;
    if (ts - now()).abs() > 300 {
        return Err("timestamp skew".into());
    }
    let nonce: u64 = get("Nonce").unwrap().parse().map_err(|_| "Nonce")?;
    if nonce == 0 {
        return Err("Nonce 0".into());
    }
    let mut signed: Vec<(String, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.replace('_', "."), v.as_str()))
        .collect();
    signed.sort();
    let joined: Vec<String> = signed.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let host = rec.header("host").ok_or("no Host")?;
    let to_sign = format!("{}{host}/?{}", rec.method, joined.join("&"));
    let mac = match get("SignatureMethod").unwrap() {
        "HmacSHA1" => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(SECRET_KEY.as_bytes()).unwrap();
            m.update(to_sign.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        "HmacSHA256" => hmac256(SECRET_KEY.as_bytes(), to_sign.as_bytes()),
        other => return Err(format!("SignatureMethod {other}")),
    };
    if base64::engine::general_purpose::STANDARD.encode(mac) != signature {
        return Err(format!("legacy signature mismatch; string to sign: {to_sign}"));
    }
    Ok(Mode::Legacy {
        method: get("SignatureMethod").unwrap().to_owned(),
        token: get("Token").map(str::to_owned),
    })
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space, `%XX` a byte).
pub fn parse_form(s: &str) -> Result<Vec<(String, String)>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').ok_or(format!("pair without = : {kv}"))?;
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

fn decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).ok_or("truncated %")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad %")?);
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || b"_.-~".contains(&c) => out.push(c),
            c => return Err(format!("unencoded byte {c:#x} in {s}")),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "not UTF-8".into())
}
