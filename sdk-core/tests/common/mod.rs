//! Shared support for sdk-core's tests: the emulator in echo mode as the one independent verifier of every
//! wire mode (TC3 POST/GET, HmacSHA1/HmacSHA256 form/query, `Authorization: SKIP`), over real loopback HTTP.
//!
//! The emulator checks signatures with its own code (`tc-emulator/src/auth.rs`, written from Tencent's
//! documentation, not calling `sdk_core::sign`), and in echo mode answers a verified request of any action
//! with what it saw: `{"Response": {"Mode", "Action", "Params", "SignedHeaders", "Token", ...}}` (see
//! `tc_emulator::echo`). A request it refuses gets the service's error (`AuthFailure.SignatureFailure`, ...).

#![allow(dead_code)]

use sdk_core::{ActionInfo, ServiceInfo};
use tc_emulator::{Emulator, RecordedRequest};

/// SMS 2021-01-11, the version most tests call.
pub static SMS: ServiceInfo = ServiceInfo {
    product: "sms",
    version: "2021-01-11",
};

/// `SendSms`: not safe to re-send.
pub static SEND_SMS: ActionInfo = ActionInfo {
    name: "SendSms",
    skip_sign: false,
    retry_safe: false,
    body: sdk_core::BodyMode::Json,
};

pub const SECRET_ID: &str = "AKIDmodesSecretId00000000000000000";
pub const SECRET_KEY: &str = "MODESSECRETKEY-never-sent";
/// A temporary key pair: its requests must carry [`TOKEN`].
pub const TOKEN_SECRET_ID: &str = "AKIDmodesTemporary0000000000000000";
pub const TOKEN: &str = "MODES-SESSION-TOKEN";

/// One request as the verifier saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub query: String,
    /// Every header but `Authorization` and `X-TC-Token` (the emulator never logs them).
    pub headers: Vec<(String, String)>,
    /// The body; legacy `Signature` and `Token` values are `***`.
    pub body: Vec<u8>,
    /// The product the verifier served it as (TC3: the credential scope's service).
    pub product: String,
    pub verdict: Result<Mode, String>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn from(r: RecordedRequest) -> Recorded {
        let (_, query) = r.uri.split_once('?').unwrap_or((&r.uri, ""));
        // The emulator verified the token against the temporary credential's.
        let token = r.token.then(|| TOKEN.to_owned());
        let verdict = match (r.code.as_str(), r.sign_method.as_str()) {
            ("Ok", "SKIP") => Ok(Mode::Skip),
            ("Ok", "TC3-HMAC-SHA256") => Ok(Mode::Tc3 {
                signed_headers: r.signed_headers.clone(),
                token,
            }),
            ("Ok", method) => Ok(Mode::Legacy {
                method: method.to_owned(),
                token,
            }),
            (code, _) => Err(code.to_owned()),
        };
        Recorded {
            method: r.method,
            query: query.to_owned(),
            headers: r.headers,
            body: r.body.into_bytes(),
            product: r.product,
            verdict,
        }
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

pub struct Verifier {
    pub emulator: Emulator,
}

impl Verifier {
    pub fn endpoint(&self) -> String {
        self.emulator.base_url()
    }

    pub fn last(&self) -> Recorded {
        Recorded::from(self.emulator.requests().pop().expect("a request arrived"))
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.emulator.requests().len()
    }
}

/// Starts the emulator in echo mode on an ephemeral loopback port, on the current tokio runtime, accepting
/// [`SECRET_ID`] and the temporary [`TOKEN_SECRET_ID`].
pub async fn start() -> Verifier {
    let emulator = Emulator::builder()
        .echo(true)
        .without_default_credential()
        .credential(SECRET_ID, SECRET_KEY)
        .temporary_credential(TOKEN_SECRET_ID, SECRET_KEY, TOKEN)
        .start()
        .await
        .expect("the emulator starts");
    Verifier { emulator }
}

/// A loopback server that accepts connections and never reads or writes: a request to it gets no answer,
/// and a TLS handshake with it never ends.
pub async fn silent_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    address
}

/// An SMS client with `http` and one attempt only (a connect error, which these tests provoke, would be
/// retried by the default policy), signing with [`SECRET_ID`].
pub fn one_attempt_client(http: sdk_core::HttpProfile) -> sdk_core::Client {
    let profile = sdk_core::ClientProfile::new()
        .retry_policy(sdk_core::RetryPolicy::none())
        .http_profile(http);
    let credential = sdk_core::Credential::new(SECRET_ID, SECRET_KEY).expect("credential");
    sdk_core::Client::new(&SMS, credential, "ap-guangzhou", profile)
}
