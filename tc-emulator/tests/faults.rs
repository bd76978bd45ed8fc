//! Faults on demand, observed by a real HTTP client.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tc_emulator::{Emulator, Fault};

fn list_signs() -> Call {
    Call::sms("DescribeSmsSignList", json!({"International": 0}))
}

#[tokio::test]
async fn latency_is_added() {
    let emu = Emulator::builder()
        .fault(Fault::latency(Duration::from_millis(300)).action("DescribeSmsSignList"))
        .start()
        .await
        .unwrap();
    let t = Instant::now();
    expect_ok(&list_signs().response(&emu).await);
    assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());
    // Another action is not delayed.
    let t = Instant::now();
    expect_ok(
        &Call::sms("PullSmsSendStatus", json!({"Limit": 1, "SmsSdkAppId": "1400006666"}))
            .response(&emu)
            .await,
    );
    assert!(t.elapsed() < Duration::from_millis(300), "{:?}", t.elapsed());
    let hits = emu.fault_hits();
    assert_eq!((hits[0].matched, hits[0].hits), (1, 1));
}

#[tokio::test]
async fn error_code_share_is_deterministic() {
    let emu = Emulator::builder()
        .fault(Fault::error_code("RequestLimitExceeded").share(0.5))
        .start()
        .await
        .unwrap();
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(code(&list_signs().response(&emu).await).map(str::to_owned));
    }
    let limited = Some("RequestLimitExceeded".to_owned());
    assert_eq!(codes, [None, limited.clone(), None, limited.clone(), None, limited]);
    assert_eq!(emu.fault_hits()[0].hits, 3);
    assert_eq!(emu.requests()[1].code, "RequestLimitExceeded");
}

#[tokio::test]
async fn error_code_for_the_first_n_requests_of_one_action() {
    let emu = Emulator::builder()
        .fault(Fault::error_code("InternalError").first(2).action("SendSms"))
        .start()
        .await
        .unwrap();
    let send = || {
        Call::sms(
            "SendSms",
            json!({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": "1400006666", "SignName": "腾讯云",
                   "TemplateId": "1110", "TemplateParamSet": ["1", "2"]}),
        )
    };
    expect_ok(&list_signs().response(&emu).await);
    let msg = expect_error(&send().response(&emu).await, "InternalError");
    assert!(!msg.is_empty());
    expect_error(&send().response(&emu).await, "InternalError");
    expect_ok(&send().response(&emu).await);
    assert_eq!(emu.sms().sent().len(), 1);
    let h = &emu.fault_hits()[0];
    assert_eq!((h.matched, h.hits), (3, 2));
}

#[tokio::test]
async fn connection_reset_after_reading_the_request() {
    let emu = Emulator::builder()
        .fault(Fault::connection_reset().first(1))
        .start()
        .await
        .unwrap();
    let err = list_signs().send(&emu).await.expect_err("the connection is reset");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    // The request was read and recorded before the reset; the next one is fine.
    assert_eq!(emu.requests()[0].code, "Fault.Reset");
    expect_ok(&list_signs().response(&emu).await);
    assert_eq!(emu.fault_hits()[0].hits, 1);
}

/// `after`: the action runs (the SMS is sent) and then the client gets the fault instead of the answer; the
/// same faults without `after` leave nothing sent.
#[tokio::test]
async fn faults_after_the_action_send_the_sms_and_hide_the_answer() {
    let emu = Emulator::builder()
        .fault(Fault::connection_reset().first(1).action("SendSms").after_action())
        .fault(Fault::bad_gateway().first(1).action("SendSms").after_action())
        .start()
        .await
        .unwrap();
    let send = |phone: &str| {
        Call::sms(
            "SendSms",
            json!({"PhoneNumberSet": [phone], "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
                   "TemplateId": "1110", "SignName": tc_emulator::SEED_SIGN_NAME,
                   "TemplateParamSet": ["1234", "5"]}),
        )
    };
    let err = send("+8613800000001")
        .send(&emu)
        .await
        .expect_err("reset after the send");
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    let r = send("+8613800000002").send(&emu).await.unwrap();
    assert_eq!(r.status(), 502);
    let sent: Vec<String> = emu.sms().sent().iter().map(|s| s.phone_number.clone()).collect();
    assert_eq!(sent, ["+8613800000001", "+8613800000002"]);
    let log = emu.requests();
    assert_eq!((log[0].code.as_str(), log[0].product.as_str()), ("Fault.Reset", "sms"));
    assert_eq!(log[1].code, "Fault.BadGateway");

    let before = Emulator::builder()
        .fault(Fault::connection_reset().first(1).action("SendSms"))
        .start()
        .await
        .unwrap();
    assert!(send("+8613800000003").send(&before).await.is_err());
    assert!(
        before.sms().sent().is_empty(),
        "without `after` the action does not run"
    );
}

#[tokio::test]
async fn bad_gateway_with_html() {
    let emu = Emulator::builder().fault(Fault::bad_gateway()).start().await.unwrap();
    let r = list_signs().send(&emu).await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let text = r.text().await.unwrap();
    assert!(text.contains("<html>") && text.contains("502 Bad Gateway"), "{text}");
}

#[tokio::test]
async fn truncated_body() {
    let emu = Emulator::builder()
        .fault(Fault::truncated_body().first(1))
        .start()
        .await
        .unwrap();
    let r = list_signs().send(&emu).await.unwrap();
    assert_eq!(r.status(), 200);
    let declared: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
    match r.bytes().await {
        Err(e) => assert!(e.is_body() || e.is_decode() || e.is_request(), "{e:?}"),
        Ok(b) => {
            assert!(b.len() < declared, "got all {} bytes", b.len());
            assert!(serde_json::from_slice::<Value>(&b).is_err());
        }
    }
    expect_ok(&list_signs().response(&emu).await);
}

#[tokio::test]
async fn non_json_body() {
    let emu = Emulator::builder().fault(Fault::non_json_body()).start().await.unwrap();
    let r = list_signs().send(&emu).await.unwrap();
    assert_eq!(r.status(), 200);
    let b = r.bytes().await.unwrap();
    assert!(!b.is_empty());
    assert!(serde_json::from_slice::<Value>(&b).is_err());
}

#[tokio::test]
async fn clock_offset_makes_a_correct_client_expire() {
    let emu = Emulator::builder().clock_offset(3600).start().await.unwrap();
    expect_error(&list_signs().response(&emu).await, "AuthFailure.SignatureExpire");
    emu.set_clock_offset(-302); // more than a second past the limit: readings may straddle a second
    expect_error(&list_signs().response(&emu).await, "AuthFailure.SignatureExpire");
    emu.set_clock_offset(120);
    expect_ok(&list_signs().response(&emu).await);
    assert!((emu.now() - now() - 120).abs() <= 2);
}

#[tokio::test]
async fn faults_change_at_runtime_and_over_http() {
    let emu = Emulator::start().await.unwrap();
    emu.add_fault(Fault::error_code("RequestLimitExceeded").first(1));
    expect_error(&list_signs().response(&emu).await, "RequestLimitExceeded");
    expect_ok(&list_signs().response(&emu).await);
    emu.clear_faults();
    let c = admin_client(&emu);
    let base = emu.base_url();
    let r = c
        .post(format!("{base}/_emulator/faults"))
        .body(r#"{"Fault": "502,first=1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(list_signs().send(&emu).await.unwrap().status(), 502);
    let hits: Value = admin_get(&emu, "faults").await;
    assert_eq!(hits, json!([{"fault": "502,first=1", "matched": 1, "hits": 1}]));
    let r = c
        .post(format!("{base}/_emulator/faults"))
        .body(r#"{"Fault": "explode"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    c.delete(format!("{base}/_emulator/faults")).send().await.unwrap();
    c.post(format!("{base}/_emulator/clock"))
        .body(r#"{"OffsetSeconds": -4000}"#)
        .send()
        .await
        .unwrap();
    expect_error(&list_signs().response(&emu).await, "AuthFailure.SignatureExpire");
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emu = Emulator::start().await.unwrap();
    let base = emu.base_url();
    expect_ok(&list_signs().response(&emu).await);
    emu.shutdown().await;
    assert!(list_signs().send_to(&base).await.is_err());
}
