//! Test-side legacy `HmacSHA1`/`HmacSHA256` signer, written separately from the emulator's verifier: every
//! parameter (own and common) as a form body (POST) or query (GET), `Signature` = Base64(HMAC(key,
//! `METHOD host / ? sorted k=v&...`)).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use sha2::Sha256;
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

use super::{client, now, SMS_2021};

/// One legacy-signed call.
#[derive(Clone, Debug)]
pub struct LegacyCall {
    pub method: &'static str,
    /// `Some("HmacSHA1" | "HmacSHA256" | ..)`; `None` sends no `SignatureMethod` (the service then uses SHA-1).
    pub signature_method: Option<String>,
    /// The action's own parameters, already flattened (`PhoneNumberSet.0`).
    pub own: Vec<(String, String)>,
    pub action: String,
    pub version: String,
    pub timestamp: i64,
    pub nonce: String,
    pub secret_id: String,
    pub secret_key: String,
    pub token: Option<String>,
    /// Host header to send and sign; `None` = `127.0.0.1:PORT`.
    pub host: Option<String>,
    /// Sign for this host but send the real one.
    pub signed_host: Option<String>,
    /// Parameters left out (the signature covers what is sent; `Signature` itself can be left out too).
    pub omit: Vec<&'static str>,
    /// Parameters changed after signing.
    pub tamper: Vec<(String, String)>,
}

impl LegacyCall {
    pub fn new(action: &str, version: &str, own: &[(&str, &str)]) -> LegacyCall {
        LegacyCall {
            method: "POST",
            signature_method: None,
            own: own.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            action: action.into(),
            version: version.into(),
            timestamp: now(),
            nonce: "424242".into(),
            secret_id: DEFAULT_SECRET_ID.into(),
            secret_key: DEFAULT_SECRET_KEY.into(),
            token: None,
            host: None,
            signed_host: None,
            omit: Vec::new(),
            tamper: Vec::new(),
        }
    }

    pub fn sms(action: &str, own: &[(&str, &str)]) -> LegacyCall {
        LegacyCall::new(action, SMS_2021, own)
    }

    pub fn get(mut self) -> LegacyCall {
        self.method = "GET";
        self
    }

    pub fn method(mut self, m: &str) -> LegacyCall {
        self.signature_method = Some(m.into());
        self
    }

    /// Every parameter, signed, in send order.
    pub fn params(&self, host: &str) -> Vec<(String, String)> {
        let mut p = self.own.clone();
        let mut add = |k: &str, v: &str| p.push((k.to_owned(), v.to_owned()));
        add("Action", &self.action);
        add("Version", &self.version);
        add("Region", "ap-guangzhou");
        add("Timestamp", &self.timestamp.to_string());
        add("Nonce", &self.nonce);
        add("SecretId", &self.secret_id);
        if let Some(m) = &self.signature_method {
            add("SignatureMethod", m);
        }
        if let Some(t) = &self.token {
            add("Token", t);
        }
        p.retain(|(k, _)| !self.omit.contains(&k.as_str()));
        let mut sorted: Vec<&(String, String)> = p.iter().collect();
        sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let signed_host = self.signed_host.as_deref().unwrap_or(host);
        let to_sign = format!("{}{signed_host}/?{}", self.method, joined.join("&"));
        let key = self.secret_key.as_bytes();
        let digest = if self.signature_method.as_deref() == Some("HmacSHA256") {
            let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
            m.update(to_sign.as_bytes());
            m.finalize().into_bytes().to_vec()
        } else {
            let mut m = Hmac::<Sha1>::new_from_slice(key).unwrap();
            m.update(to_sign.as_bytes());
            m.finalize().into_bytes().to_vec()
        };
        if !self.omit.contains(&"Signature") {
            p.push((
                "Signature".into(),
                base64::engine::general_purpose::STANDARD.encode(digest),
            ));
        }
        for (k, v) in &self.tamper {
            match p.iter_mut().find(|(pk, _)| pk == k) {
                Some(slot) => slot.1 = v.clone(),
                None => p.push((k.clone(), v.clone())),
            }
        }
        p
    }

    pub async fn send(&self, emu: &Emulator) -> reqwest::Response {
        let base = emu.base_url();
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| base.trim_start_matches("http://").to_owned());
        let form = encode(&self.params(&host));
        let client = client();
        let rb = match self.method {
            "GET" => client.get(format!("{base}/?{form}")),
            _ => client
                .post(format!("{base}/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form),
        };
        rb.header("Host", host)
            .send()
            .await
            .expect("request reaches the emulator")
    }

    /// Send and return the `Response` object.
    pub async fn response(&self, emu: &Emulator) -> Value {
        let r = self.send(emu).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("JSON answer");
        v["Response"].clone()
    }
}

/// `k=v&...`, everything but ASCII alphanumerics and `-_.~` percent-encoded.
pub fn encode(params: &[(String, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}
