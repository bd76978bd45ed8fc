//! Test-side helpers: a small TC3 signer (deliberately separate from the emulator's verifier) and a request
//! builder over reqwest.
#![allow(dead_code)]

pub mod legacy;

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

pub const SMS_2021: &str = "2021-01-11";
pub const SMS_2019: &str = "2019-07-11";

fn hmac256(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn utc_date(ts: i64) -> String {
    // Test-side date: days → civil, separately written from the emulator's.
    let days = ts.div_euclid(86_400);
    let mut y = 1970i64;
    let mut d = days;
    loop {
        let len = if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            366
        } else {
            365
        };
        if d < len {
            break;
        }
        d -= len;
        y += 1;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let months = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut m = 0;
    while d >= months[m] {
        d -= months[m];
        m += 1;
    }
    format!("{y:04}-{:02}-{:02}", m + 1, d + 1)
}

/// One API call, signed unless told otherwise.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: &'static str,
    pub action: String,
    pub version: String,
    pub body: String,
    pub query: String,
    pub service: String,
    /// Host header to send and sign; `None` = `127.0.0.1:PORT`.
    pub host: Option<String>,
    pub timestamp: i64,
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
    /// Extra headers sent and signed (name, value).
    pub extra_signed: Vec<(String, String)>,
    pub unsigned_payload: bool,
    /// Send this Authorization instead of signing.
    pub authorization: Option<String>,
    pub content_type: String,
    /// Omit X-TC-Version.
    pub no_version: bool,
}

impl Call {
    pub fn new(action: &str, version: &str, body: Value) -> Call {
        Call {
            method: "POST",
            action: action.into(),
            version: version.into(),
            body: body.to_string(),
            query: String::new(),
            service: "sms".into(),
            host: None,
            timestamp: now(),
            secret_id: DEFAULT_SECRET_ID.into(),
            secret_key: DEFAULT_SECRET_KEY.into(),
            token: None,
            extra_signed: Vec::new(),
            unsigned_payload: false,
            authorization: None,
            content_type: "application/json; charset=utf-8".into(),
            no_version: false,
        }
    }

    pub fn sms(action: &str, body: Value) -> Call {
        Call::new(action, SMS_2021, body)
    }

    pub fn get(action: &str, version: &str, query: &str) -> Call {
        let mut c = Call::new(action, version, Value::Null);
        c.method = "GET";
        c.body = String::new();
        c.query = query.into();
        c.content_type = "application/x-www-form-urlencoded".into();
        c
    }

    pub fn raw_body(mut self, body: &str) -> Call {
        self.body = body.into();
        self
    }

    fn host_for(&self, base: &str) -> String {
        self.host
            .clone()
            .unwrap_or_else(|| base.trim_start_matches("http://").to_owned())
    }

    pub fn authorization_for(&self, base: &str) -> String {
        let host = self.host_for(base);
        let mut headers: Vec<(String, String)> = vec![
            ("content-type".into(), self.content_type.clone()),
            ("host".into(), host),
        ];
        for (k, v) in &self.extra_signed {
            headers.push((k.to_lowercase(), v.clone()));
        }
        headers.sort();
        let canonical_headers: String = headers
            .iter()
            .map(|(k, v)| format!("{k}:{}\n", v.trim().to_lowercase()))
            .collect();
        let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
        let signed = signed.join(";");
        let payload_hash = if self.unsigned_payload {
            "UNSIGNED-PAYLOAD".to_owned()
        } else {
            sha256_hex(self.body.as_bytes())
        };
        let canonical = format!(
            "{}\n/\n{}\n{}\n{}\n{}",
            self.method, self.query, canonical_headers, signed, payload_hash
        );
        let date = utc_date(self.timestamp);
        let scope = format!("{date}/{}/tc3_request", self.service);
        let to_sign = format!(
            "TC3-HMAC-SHA256\n{}\n{scope}\n{}",
            self.timestamp,
            sha256_hex(canonical.as_bytes())
        );
        let k = hmac256(format!("TC3{}", self.secret_key).as_bytes(), &date);
        let k = hmac256(&k, &self.service);
        let k = hmac256(&k, "tc3_request");
        let sig = hex::encode(hmac256(&k, &to_sign));
        format!(
            "TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={sig}",
            self.secret_id
        )
    }

    pub async fn send_to(&self, base: &str) -> reqwest::Result<reqwest::Response> {
        let url = if self.query.is_empty() {
            format!("{base}/")
        } else {
            format!("{base}/?{}", self.query)
        };
        let client = client();
        let mut rb = match self.method {
            "GET" => client.get(url),
            _ => client.post(url).body(self.body.clone()),
        };
        let auth = self
            .authorization
            .clone()
            .unwrap_or_else(|| self.authorization_for(base));
        rb = rb
            .header("Authorization", auth)
            .header("Content-Type", &self.content_type)
            .header("X-TC-Action", &self.action)
            .header("X-TC-Timestamp", self.timestamp.to_string())
            .header("X-TC-Region", "ap-guangzhou");
        if !self.no_version {
            rb = rb.header("X-TC-Version", &self.version);
        }
        if let Some(h) = &self.host {
            rb = rb.header("Host", h);
        }
        if let Some(t) = &self.token {
            rb = rb.header("X-TC-Token", t);
        }
        if self.unsigned_payload {
            rb = rb.header("X-TC-Content-SHA256", "UNSIGNED-PAYLOAD");
        }
        for (k, v) in &self.extra_signed {
            rb = rb.header(k.as_str(), v.as_str());
        }
        rb.send().await
    }

    pub async fn send(&self, emu: &Emulator) -> reqwest::Result<reqwest::Response> {
        self.send_to(&emu.base_url()).await
    }

    /// Send and return the `Response` object (panics on transport errors or non-JSON).
    pub async fn response(&self, emu: &Emulator) -> Value {
        let r = self.send(emu).await.expect("request reaches the emulator");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("JSON answer");
        v["Response"].clone()
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The error code of a `Response` object, or `None` on success.
pub fn code(resp: &Value) -> Option<&str> {
    resp.get("Error").map(|e| e["Code"].as_str().unwrap())
}

/// Assert the answer is an error with this code; returns the message.
pub fn expect_error(resp: &Value, want: &str) -> String {
    assert_eq!(code(resp), Some(want), "{resp:#}");
    let id = resp["RequestId"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{resp}");
    resp["Error"]["Message"].as_str().unwrap().to_owned()
}

pub fn expect_ok(resp: &Value) {
    assert!(resp.get("Error").is_none(), "unexpected error: {resp:#}");
    assert_eq!(resp["RequestId"].as_str().unwrap().len(), 36, "{resp}");
}

/// A client for the admin API: sends the emulator's admin token and `Content-Type: application/json`.
pub fn admin_client(emu: &Emulator) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(tc_emulator::ADMIN_TOKEN_HEADER, emu.admin_token().parse().unwrap());
    headers.insert(reqwest::header::CONTENT_TYPE, "application/json".parse().unwrap());
    reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// `GET <emulator>/_emulator/<path>` (the unsigned admin API, with its token) as JSON.
pub async fn admin_get(emu: &Emulator, path: &str) -> Value {
    let url = format!("{}/_emulator/{path}", emu.base_url());
    admin_client(emu).get(url).send().await.unwrap().json().await.unwrap()
}
