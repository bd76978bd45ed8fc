//! The legacy `HmacSHA1`/`HmacSHA256` signatures over real HTTP: POST form bodies and GET queries, every
//! error code, routing without a product in the Host, flattened parameters typed by the spec, SMS state.

mod common;

use common::legacy::LegacyCall;
use common::*;
use tc_emulator::{Emulator, Fault, SEED_SDK_APP_ID, SEED_SIGN_NAME, SEED_TEMPLATE_ID};

fn send_sms(call: impl FnOnce(LegacyCall) -> LegacyCall) -> LegacyCall {
    let template = SEED_TEMPLATE_ID.to_string();
    call(LegacyCall::sms(
        "SendSms",
        &[
            ("PhoneNumberSet.0", "+8613800000000"),
            ("PhoneNumberSet.1", "+8613800000001"),
            ("SmsSdkAppId", SEED_SDK_APP_ID),
            ("SignName", SEED_SIGN_NAME),
            ("TemplateId", &template),
            ("TemplateParamSet.0", "1234"),
            ("TemplateParamSet.1", "5"),
        ],
    ))
}

fn describe_templates() -> LegacyCall {
    let template = SEED_TEMPLATE_ID.to_string();
    LegacyCall::sms(
        "DescribeSmsTemplateList",
        &[
            ("TemplateIdSet.0", &template),
            ("International", "0"),
            ("Limit", "10"),
            ("Offset", "0"),
        ],
    )
}

#[tokio::test]
async fn valid_post_and_get_in_both_algorithms_send_sms() {
    let emu = Emulator::start().await.unwrap();
    let mut expected = 0;
    for method in [None, Some("HmacSHA1"), Some("HmacSHA256")] {
        for get in [false, true] {
            let call = send_sms(|c| {
                let c = match method {
                    Some(m) => c.method(m),
                    None => c,
                };
                if get {
                    c.get()
                } else {
                    c
                }
            });
            let resp = call.response(&emu).await;
            expect_ok(&resp);
            let set = resp["SendStatusSet"].as_array().unwrap();
            assert_eq!(set.len(), 2, "{resp}");
            assert!(set.iter().all(|s| s["Code"] == "Ok"), "{resp}");
            expected += 2;
            assert_eq!(emu.sms().sent().len(), expected, "{method:?} get={get}");
        }
    }
    let sent = emu.sms().sent();
    assert_eq!(sent[0].phone_number, "+8613800000000");
    assert_eq!(sent[0].params, ["1234", "5"]);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 6);
    for r in &reqs {
        assert_eq!(
            (
                r.product.as_str(),
                r.action.as_str(),
                r.version.as_str(),
                r.code.as_str()
            ),
            ("sms", "SendSms", SMS_2021, "Ok")
        );
        assert!(r.header("authorization").is_none());
        let logged = if r.method == "GET" { &r.uri } else { &r.body };
        assert!(logged.contains("Signature=***"), "{logged}");
        assert!(logged.contains("PhoneNumberSet.0=%2B8613800000000"), "{logged}");
    }
}

#[tokio::test]
async fn flattened_parameters_are_typed_by_the_spec() {
    let emu = Emulator::start().await.unwrap();
    for call in [describe_templates(), describe_templates().get().method("HmacSHA256")] {
        let resp = call.response(&emu).await;
        expect_ok(&resp);
        let set = resp["DescribeTemplateStatusSet"].as_array().unwrap();
        assert_eq!(set.len(), 1, "{resp}");
        assert_eq!(set[0]["TemplateId"], SEED_TEMPLATE_ID);
    }
    // Validation runs as for JSON bodies: mistyped, unknown, missing.
    let mut call = describe_templates();
    call.own[2].1 = "ten".into();
    let msg = expect_error(&call.response(&emu).await, "InvalidParameterValue");
    assert!(msg.contains("Limit"), "{msg}");
    let mut call = describe_templates().get();
    call.own.push(("Colour".into(), "blue".into()));
    expect_error(&call.response(&emu).await, "UnknownParameter");
    let mut call = send_sms(|c| c);
    call.own.retain(|(k, _)| k != "SmsSdkAppId");
    let msg = expect_error(&call.response(&emu).await, "MissingParameter");
    assert!(msg.contains("SmsSdkAppId"), "{msg}");
    assert!(emu.sms().sent().is_empty());
}

#[tokio::test]
async fn wrong_key_tampering_and_wrong_host_are_signature_failures() {
    let emu = Emulator::start().await.unwrap();
    for get in [false, true] {
        for method in ["HmacSHA1", "HmacSHA256"] {
            let mut call = send_sms(|c| c.method(method));
            if get {
                call = call.get();
            }
            call.secret_key = "not-the-key".into();
            expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");

            let mut call = send_sms(|c| c.method(method));
            call.tamper = vec![("TemplateParamSet.0".into(), "0000".into())];
            expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");

            // Signed with one algorithm, announced as the other.
            let mut call = send_sms(|c| c.method(method));
            let other = if method == "HmacSHA1" { "HmacSHA256" } else { "HmacSHA1" };
            call.tamper = vec![("SignatureMethod".into(), other.into())];
            expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");
        }
    }
    // The Host is part of the string to sign.
    let mut call = send_sms(|c| c);
    call.signed_host = Some("sms.tencentcloudapi.com".into());
    let msg = expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");
    assert!(msg.contains("POST127.0.0.1:"), "{msg}");
    // A missing SignatureMethod means HmacSHA1, not HmacSHA256.
    let mut call = send_sms(|c| c.method("HmacSHA256"));
    call.omit = vec!["SignatureMethod"];
    expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");
    assert!(emu.sms().sent().is_empty());
}

#[tokio::test]
async fn unknown_secret_id() {
    let emu = Emulator::start().await.unwrap();
    let mut call = send_sms(|c| c.get());
    call.secret_id = "AKIDnobody".into();
    let msg = expect_error(&call.response(&emu).await, "AuthFailure.SecretIdNotFound");
    assert!(msg.contains("AKIDnobody"), "{msg}");
}

#[tokio::test]
async fn timestamp_is_checked_against_the_emulator_clock() {
    let emu = Emulator::start().await.unwrap();
    // Past the 300 s limit by more than a second: the client's and the emulator's clock readings may straddle
    // a second boundary.
    for skew in [-302, 302, -3600] {
        let mut call = send_sms(|c| c);
        call.timestamp = now() + skew;
        expect_error(&call.response(&emu).await, "AuthFailure.SignatureExpire");
    }
    let mut call = send_sms(|c| c.get());
    call.timestamp = now() - 200;
    expect_ok(&call.response(&emu).await);
    // The emulator's clock, not the host's.
    emu.set_clock_offset(3600);
    expect_error(&send_sms(|c| c).response(&emu).await, "AuthFailure.SignatureExpire");
    let mut call = send_sms(|c| c);
    call.timestamp = emu.now();
    expect_ok(&call.response(&emu).await);
    // Not a number.
    let mut call = send_sms(|c| c);
    call.tamper = vec![("Timestamp".into(), "yesterday".into())];
    expect_error(&call.response(&emu).await, "InvalidParameterValue");
}

#[tokio::test]
async fn tokens() {
    let emu = Emulator::builder()
        .temporary_credential("AKIDtemp", "temp-key", "the-token")
        .start()
        .await
        .unwrap();
    let temp = |token: Option<&str>| {
        let mut c = send_sms(|c| c.method("HmacSHA256"));
        c.secret_id = "AKIDtemp".into();
        c.secret_key = "temp-key".into();
        c.token = token.map(Into::into);
        c
    };
    expect_error(&temp(None).response(&emu).await, "AuthFailure.TokenFailure");
    expect_error(&temp(Some("wrong")).response(&emu).await, "AuthFailure.TokenFailure");
    expect_ok(&temp(Some("the-token")).response(&emu).await);
    expect_ok(&temp(Some("the-token")).get().response(&emu).await);
    // The token is kept out of the request log.
    for r in emu.requests() {
        assert!(!r.uri.contains("the-token") && !r.body.contains("the-token"), "{r:?}");
    }
    assert!(emu.requests()[2].body.contains("Token=***"));
    // The default (permanent) pair takes no token.
    let mut call = send_sms(|c| c);
    call.token = Some("the-token".into());
    expect_error(&call.response(&emu).await, "AuthFailure.TokenFailure");
}

#[tokio::test]
async fn missing_or_malformed_common_parameters() {
    let emu = Emulator::start().await.unwrap();
    for omitted in ["Signature", "Timestamp", "Nonce", "Action", "Version"] {
        let mut call = send_sms(|c| c);
        call.omit = vec![omitted];
        let msg = expect_error(&call.response(&emu).await, "MissingParameter");
        assert!(msg.contains(&format!("`{omitted}`")), "{omitted}: {msg}");
    }
    // Without `SecretId` nor `Signature` it is not a legacy request: an unsigned TC3 one.
    let mut call = send_sms(|c| c.get());
    call.omit = vec!["SecretId", "Signature"];
    expect_error(&call.response(&emu).await, "AuthFailure.InvalidAuthorization");
    let mut call = send_sms(|c| c.method("HmacMD5"));
    call.nonce = "1".into();
    let msg = expect_error(&call.response(&emu).await, "AuthFailure.InvalidAuthorization");
    assert!(msg.contains("HmacMD5"), "{msg}");
    let mut call = send_sms(|c| c);
    call.nonce = "-5".into();
    expect_error(&call.response(&emu).await, "InvalidParameterValue");
    assert!(emu.sms().sent().is_empty());
}

#[tokio::test]
async fn routing_without_a_product_in_the_host() {
    let emu = Emulator::start().await.unwrap();
    // SendSms 2019-07-11 and 2021-01-11 are both in `sms`: the Version picks the spec.
    let call = LegacyCall::new(
        "SendSms",
        SMS_2019,
        &[
            ("PhoneNumberSet.0", "+8613800000000"),
            ("TemplateID", "1110"),
            ("SmsSdkAppid", "1400006666"),
        ],
    );
    expect_ok(&call.response(&emu).await);
    assert!(emu.sms().sent().is_empty(), "2019-07-11 answers from the example");
    // The Host names the product when it can (and is signed as sent).
    let mut call = describe_templates();
    call.host = Some("sms.tencentcloudapi.com".into());
    expect_ok(&call.response(&emu).await);
    assert_eq!(emu.requests().last().unwrap().product, "sms");
    let call = LegacyCall::sms("SendPigeon", &[]);
    let msg = expect_error(&call.response(&emu).await, "InvalidAction");
    assert!(msg.contains("SendPigeon"), "{msg}");
    let call = LegacyCall::new("SendSms", "2030-01-01", &[]);
    expect_error(&call.response(&emu).await, "InvalidAction");
}

#[tokio::test]
async fn an_action_in_several_products_needs_the_host() {
    // Two products serving the same specs.
    let root = std::env::temp_dir().join(format!("tc-emulator-legacy-{}", std::process::id()));
    let src = tc_emulator::default_spec_root().join("sms/v20210111");
    for product in ["sms", "smsb"] {
        let dir = root.join(product).join("v20210111");
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["api.json", "examples.json", "errorcodes.json"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
    }
    let emu = Emulator::builder().spec_root(&root).start().await.unwrap();
    let msg = expect_error(&describe_templates().response(&emu).await, "InvalidAction");
    assert!(msg.contains("sms, smsb"), "{msg}");
    let mut call = describe_templates();
    call.host = Some("smsb.tencentcloudapi.com".into());
    expect_ok(&call.response(&emu).await);
    assert_eq!(emu.requests().last().unwrap().product, "smsb");
    drop(emu);
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn faults_select_legacy_requests_by_their_action_parameter() {
    let emu = Emulator::builder()
        .fault(Fault::error_code("RequestLimitExceeded").first(1).action("SendSms"))
        .start()
        .await
        .unwrap();
    expect_ok(&describe_templates().response(&emu).await);
    expect_error(&send_sms(|c| c).response(&emu).await, "RequestLimitExceeded");
    expect_ok(&send_sms(|c| c).response(&emu).await);
    assert_eq!(emu.sms().sent().len(), 2);
}
