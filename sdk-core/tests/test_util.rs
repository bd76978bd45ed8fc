//! `sdk_core::test_util` (feature `test-util`): the transports users plug into clients in unit tests.

mod common;

use common::{SEND_SMS, SMS};
use std::time::{Duration, Instant};

use sdk_core::test_util::{CaptureTransport, NeverTransport, ReplayTransport};
use sdk_core::{ActionInfo, Client, ClientProfile, Credential, HttpProfile, RetryPolicy};
use serde_json::{json, Value};

static DESCRIBE: ActionInfo = ActionInfo {
    name: "DescribeSmsSignList",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

fn client(profile: ClientProfile) -> Client {
    Client::new(
        &SMS,
        Credential::new("AKIDexample0001", "example-key").unwrap(),
        "ap-guangzhou",
        profile,
    )
}

#[tokio::test]
async fn capture_records_signed_requests() {
    let capture = CaptureTransport::new();
    let c = client(ClientProfile::default()).with_transport(capture.clone());
    let r: Value = c
        .call(&SEND_SMS, &json!({"PhoneNumberSet": ["+8613800000000"]}))
        .await
        .unwrap();
    assert_eq!(r["RequestId"], "captured");
    let sent = capture.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-tc-action"), Some("SendSms"));
    assert_eq!(sent[0].header("x-tc-region"), Some("ap-guangzhou"));
    assert!(sent[0]
        .header("authorization")
        .is_some_and(|a| a.starts_with("TC3-HMAC-SHA256 Credential=AKIDexample0001/")));
    assert_eq!(
        String::from_utf8_lossy(&sent[0].body),
        r#"{"PhoneNumberSet":["+8613800000000"]}"#
    );
}

#[tokio::test]
async fn replay_answers_in_order_and_runs_out() {
    let replay = ReplayTransport::json([
        r#"{"Response":{"Error":{"Code":"InternalError","Message":"x"},"RequestId":"r1"}}"#,
        r#"{"Response":{"TotalCount":1,"RequestId":"r2"}}"#,
    ]);
    // A retry-safe action retries the InternalError and gets the second answer.
    let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1));
    let c = client(ClientProfile::new().retry_policy(policy)).with_transport(replay.clone());
    let r: Value = c.call(&DESCRIBE, &json!({})).await.unwrap();
    assert_eq!(r["RequestId"], "r2");
    assert_eq!((replay.requests().len(), replay.remaining()), (2, 0));
    // Nothing left: a transport error, not a hang or a panic.
    let c = client(ClientProfile::new().retry_policy(RetryPolicy::none())).with_transport(replay.clone());
    let e = c.call::<_, Value>(&SEND_SMS, &json!({})).await.unwrap_err();
    assert!(e.is_transport(), "{e}");
}

#[tokio::test]
async fn never_answering_ends_in_the_attempt_timeout() {
    let profile = ClientProfile::new()
        .retry_policy(RetryPolicy::none())
        .http_profile(HttpProfile::new().req_timeout(Duration::from_millis(100)));
    let c = client(profile).with_transport(NeverTransport);
    let started = Instant::now();
    let e = c.call::<_, Value>(&SEND_SMS, &json!({})).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(started.elapsed() < Duration::from_secs(30), "bounded by the timeout");
}
