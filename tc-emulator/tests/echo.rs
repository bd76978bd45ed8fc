//! Echo mode: the verifier's view of a request, for any action, after the usual verification.

mod common;

use common::legacy::LegacyCall;
use common::{expect_error, Call};
use serde_json::json;
use tc_emulator::Emulator;

async fn echo_emulator() -> Emulator {
    Emulator::builder()
        .echo(true)
        .temporary_credential("AKIDechoTemporary", "echo-temporary-key", "echo-session-token")
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn tc3_post_of_an_action_outside_the_specs_is_echoed() {
    let emu = echo_emulator().await;
    let mut call = Call::new(
        "DescribeRegions",
        "2017-03-12",
        json!({"Filters": [{"Name": "n", "Values": ["v"]}]}),
    );
    call.service = "cvm".into();
    let r = call.response(&emu).await;
    assert_eq!(r["Mode"], "TC3-HMAC-SHA256", "{r}");
    assert_eq!(r["Action"], "DescribeRegions");
    assert_eq!(r["Version"], "2017-03-12");
    assert_eq!(r["Method"], "POST");
    assert_eq!(r["Params"], json!({"Filters": [{"Name": "n", "Values": ["v"]}]}));
    assert_eq!(r["Token"], false);
    assert!(
        r["SignedHeaders"].as_str().unwrap().contains("content-type;host"),
        "{r}"
    );
}

#[tokio::test]
async fn tc3_get_echoes_the_flattened_query() {
    let emu = echo_emulator().await;
    let call = Call::get(
        "DescribeSmsSignList",
        "2021-01-11",
        "SignIdSet.0=1&SignIdSet.1=2&International=0",
    );
    let r = call.response(&emu).await;
    assert_eq!(r["Method"], "GET", "{r}");
    assert_eq!(
        r["Params"],
        json!({"SignIdSet.0": "1", "SignIdSet.1": "2", "International": "0"})
    );
}

#[tokio::test]
async fn legacy_signatures_are_echoed_without_signature_or_token() {
    let emu = echo_emulator().await;
    for method in ["HmacSHA1", "HmacSHA256"] {
        for get in [false, true] {
            let mut call = LegacyCall::new("NoSuchActionAnywhere", "2020-01-01", &[("Text", "a b+c")]);
            call.signature_method = Some(method.into());
            call.secret_id = "AKIDechoTemporary".into();
            call.secret_key = "echo-temporary-key".into();
            call.token = Some("echo-session-token".into());
            if get {
                call = call.get();
            }
            let r = call.response(&emu).await;
            assert_eq!(r["Mode"], method, "{r}");
            assert_eq!(r["Token"], true);
            assert_eq!(r["Params"]["Text"], "a b+c");
            assert_eq!(r["Params"]["Action"], "NoSuchActionAnywhere");
            assert!(r["Params"].get("Signature").is_none() && r["Params"].get("Token").is_none());
            let text = r.to_string();
            assert!(
                !text.contains("echo-session-token") && !text.contains("echo-temporary-key"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn a_bad_signature_or_token_is_still_refused() {
    let emu = echo_emulator().await;
    let mut call = Call::new("DescribeRegions", "2017-03-12", json!({}));
    call.secret_key = "not-the-key".into();
    let r = call.response(&emu).await;
    expect_error(&r, "AuthFailure.SignatureFailure");

    let mut call = Call::new("DescribeRegions", "2017-03-12", json!({}));
    call.secret_id = "AKIDechoTemporary".into();
    call.secret_key = "echo-temporary-key".into();
    call.token = Some("another-token".into());
    let r = call.response(&emu).await;
    expect_error(&r, "AuthFailure.TokenFailure");

    let mut call = LegacyCall::sms("SendSms", &[("Text", "x")]);
    call.tamper = vec![("Text".into(), "y".into())];
    let r = call.response(&emu).await;
    expect_error(&r, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn echo_is_off_by_default() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::new("DescribeRegions", "2017-03-12", json!({}));
    call.service = "cvm".into();
    let r = call.response(&emu).await;
    assert!(r.get("Mode").is_none(), "{r}");
    assert!(r["Error"]["Code"].is_string(), "{r}");
}
