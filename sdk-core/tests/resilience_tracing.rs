//! Observability without leaks: everything logged at TRACE by every crate (ours, reqwest, hyper, via
//! `tracing` and `log`) during calls with a temporary credential, retries and failures, captured into a
//! buffer: the calls and retries are explained, and no SecretKey, token or signature appears.
//!
//! One test in its own binary: it installs the process-wide subscriber.

mod common;

use common::SMS;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sdk_core::{ActionInfo, Client, ClientProfile, Credential, HttpProfile, RetryPolicy};
use tc_emulator::{Emulator, Fault};

static READ: ActionInfo = ActionInfo {
    name: "DescribeSmsSignList",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

const SECRET_ID: &str = "AKIDtracingtest0000000000000000";
const SECRET_KEY: &str = "tracing-secret-key-must-not-leak";
const TOKEN: &str = "tracing-session-token-must-not-leak";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_output_explains_retries_and_holds_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    let emulator = Emulator::builder()
        .temporary_credential(SECRET_ID, SECRET_KEY, TOKEN)
        .fault(Fault::error_code("RequestLimitExceeded").first(1))
        .fault(Fault::connection_reset().first(2))
        .clock_offset(-3600)
        .start()
        .await
        .unwrap();
    let credential = Credential::new(SECRET_ID, SECRET_KEY).unwrap().with_token(TOKEN);
    let profile = ClientProfile::new()
        .http_profile(HttpProfile::new().endpoint(emulator.base_url()))
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(5)),
        );
    let client = Client::new(&SMS, credential, "ap-guangzhou", profile);
    let body = serde_json::json!({"International": 0});

    // Clock skew, throttling, reset: four attempts, one success.
    let _: serde_json::Value = client.call(&READ, &body).await.unwrap();
    // A plain success and a failure.
    let _: serde_json::Value = client.call(&READ, &body).await.unwrap();
    emulator.set_faults(vec![Fault::error_code("InternalError")]);
    let _ = client.call::<_, serde_json::Value>(&READ, &body).await.unwrap_err();

    let out = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    for secret in [SECRET_KEY, TOKEN, "Signature=", "TC3-HMAC-SHA256 Credential"] {
        assert!(!out.contains(secret), "`{secret}` leaked into the logs:\n{out}");
    }
    // The story of a call is there: span fields, attempts, why and how long before each retry.
    for expected in [
        "tencentcloud_call",
        "rpc.service=sms",
        "DescribeSmsSignList",
        "region=ap-guangzhou",
        "attempt=",
        "request_id=",
        "latency_ms=",
        "status=200",
        "reason=clock skew",
        "reason=throttled",
        "reason=connection failed after sending",
        "delay_ms=",
        "retrying",
        "InternalError",
    ] {
        assert!(out.contains(expected), "`{expected}` missing from the logs:\n{out}");
    }
}
