//! Signature verification, routing and request validation over real HTTP.

mod common;

use common::*;
use serde_json::json;
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn send_sms_body() -> serde_json::Value {
    json!({
        "PhoneNumberSet": ["+8618501234444"],
        "SmsSdkAppId": "1400006666",
        "SignName": "腾讯云",
        "TemplateId": "1110",
        "TemplateParamSet": ["4370", "5"]
    })
}

#[tokio::test]
async fn valid_signature_is_accepted_and_recorded_without_secrets() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.token = None;
    let resp = call.response(&emu).await;
    expect_ok(&resp);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.action.as_str(), r.version.as_str(), r.product.as_str()),
        ("SendSms", SMS_2021, "sms")
    );
    assert_eq!(r.code, "Ok");
    assert_eq!(r.request_id, resp["RequestId"]);
    assert!(r.header("authorization").is_none());
    assert_eq!(r.header("x-tc-action"), Some("SendSms"));
    assert!(r.body.contains("18501234444"));
}

#[tokio::test]
async fn wrong_key_is_signature_failure() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.secret_key = "not-the-key".into();
    expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");
    // A body changed after signing.
    let call = Call::sms("SendSms", send_sms_body());
    let auth = call.authorization_for(&emu.base_url());
    let mut tampered = call
        .clone()
        .raw_body(&send_sms_body().to_string().replace("4370", "0000"));
    tampered.authorization = Some(auth);
    expect_error(&tampered.response(&emu).await, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn unknown_secret_id() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.secret_id = "AKIDnobody".into();
    let msg = expect_error(&call.response(&emu).await, "AuthFailure.SecretIdNotFound");
    assert!(msg.contains("AKIDnobody"), "{msg}");
}

#[tokio::test]
async fn old_or_future_timestamp_expires() {
    let emu = Emulator::start().await.unwrap();
    // Past the 300 s limit by more than a second: the two clock readings may straddle a second boundary.
    for skew in [-302, 302, -3600] {
        let mut call = Call::sms("SendSms", send_sms_body());
        call.timestamp = now() + skew;
        expect_error(&call.response(&emu).await, "AuthFailure.SignatureExpire");
    }
    let mut call = Call::sms("SendSms", send_sms_body());
    call.timestamp = now() - 200;
    expect_ok(&call.response(&emu).await);
}

#[tokio::test]
async fn scope_date_must_match_timestamp() {
    let emu = Emulator::start().await.unwrap();
    let call = Call::sms("SendSms", send_sms_body());
    let auth = call
        .authorization_for(&emu.base_url())
        .replace(&utc_date(call.timestamp), "2001-01-01");
    let mut bad = call.clone();
    bad.authorization = Some(auth);
    let msg = expect_error(&bad.response(&emu).await, "AuthFailure.SignatureFailure");
    assert!(msg.contains("2001-01-01"), "{msg}");
}

#[tokio::test]
async fn tokens() {
    let emu = Emulator::builder()
        .temporary_credential("AKIDtemp", "temp-key", "the-token")
        .start()
        .await
        .unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.secret_id = "AKIDtemp".into();
    call.secret_key = "temp-key".into();
    expect_error(&call.response(&emu).await, "AuthFailure.TokenFailure");
    call.token = Some("wrong".into());
    expect_error(&call.response(&emu).await, "AuthFailure.TokenFailure");
    call.token = Some("the-token".into());
    expect_ok(&call.response(&emu).await);
    assert!(emu.requests().iter().all(|r| r.header("x-tc-token").is_none()));
    // The default (permanent) pair takes no token.
    let mut call = Call::sms("SendSms", send_sms_body());
    call.token = Some("the-token".into());
    expect_error(&call.response(&emu).await, "AuthFailure.TokenFailure");
}

#[tokio::test]
async fn malformed_authorization() {
    let emu = Emulator::start().await.unwrap();
    for auth in [
        "garbage",
        "TC3-HMAC-SHA256 Credential=AKID/2021-01-01/sms, SignedHeaders=content-type;host, Signature=00",
        "HMAC-MD5 Credential=a/b/c/tc3_request",
        "TC3-HMAC-SHA256 Credential=AKID/2021-01-01/sms/tc3_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "TC3-HMAC-SHA256 Credential=AKID/2021-01-01/sms/tc3_request, Signature=0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let mut call = Call::sms("SendSms", send_sms_body());
        call.authorization = Some(auth.into());
        expect_error(&call.response(&emu).await, "AuthFailure.InvalidAuthorization");
    }
    // SKIP is only for skip_sign actions, and SendSms is not one.
    let mut call = Call::sms("SendSms", send_sms_body());
    call.authorization = Some("SKIP".into());
    call.host = Some("sms.tencentcloudapi.com".into());
    expect_error(&call.response(&emu).await, "AuthFailure.InvalidAuthorization");
}

#[tokio::test]
async fn unknown_action_or_version() {
    let emu = Emulator::start().await.unwrap();
    let call = Call::sms("SendPigeon", json!({}));
    let msg = expect_error(&call.response(&emu).await, "InvalidAction");
    assert!(msg.contains("SendPigeon"), "{msg}");
    let call = Call::new("SendSms", "2030-01-01", send_sms_body());
    expect_error(&call.response(&emu).await, "InvalidAction");
    let mut call = Call::sms("SendSms", send_sms_body());
    call.no_version = true;
    expect_error(&call.response(&emu).await, "MissingParameter");
    // A product that is not served, named by the credential scope.
    let mut call = Call::new("DescribeInstances", "2017-03-12", json!({}));
    call.service = "cvm".into();
    expect_error(&call.response(&emu).await, "InvalidAction");
}

#[tokio::test]
async fn product_from_host_header() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.host = Some("sms.tencentcloudapi.com".into());
    expect_ok(&call.response(&emu).await);
    // Host says sms, the scope says cvm.
    call.service = "cvm".into();
    expect_error(&call.response(&emu).await, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn missing_parameters_name_the_member() {
    let emu = Emulator::start().await.unwrap();
    let mut body = send_sms_body();
    body.as_object_mut().unwrap().remove("TemplateId");
    let msg = expect_error(&Call::sms("SendSms", body).response(&emu).await, "MissingParameter");
    assert!(msg.contains("`TemplateId`"), "{msg}");
    // Null counts as missing.
    let mut body = send_sms_body();
    body["SmsSdkAppId"] = serde_json::Value::Null;
    let msg = expect_error(&Call::sms("SendSms", body).response(&emu).await, "MissingParameter");
    assert!(msg.contains("`SmsSdkAppId`"), "{msg}");
}

#[tokio::test]
async fn nested_validation_uses_dotted_paths() {
    let emu = Emulator::start().await.unwrap();
    // SendMultiGlobalSms takes a list of MultiSmsInfo objects, whose TemplateId is required.
    let body = json!({"SmsSdkAppId": "1400006666", "MultiSmsInfoSet": [{"PhoneNumber": "+6591234567", "TemplateId": "1"}, {"PhoneNumber": "+6591234567"}]});
    let msg = expect_error(
        &Call::sms("SendMultiGlobalSms", body).response(&emu).await,
        "MissingParameter",
    );
    assert!(msg.contains("`MultiSmsInfoSet.1.TemplateId`"), "{msg}");
    let bad = json!({"SmsSdkAppId": "1400006666", "MultiSmsInfoSet": [{"Nope": 1}]});
    let msg = expect_error(
        &Call::sms("SendMultiGlobalSms", bad).response(&emu).await,
        "UnknownParameter",
    );
    assert!(msg.contains("`MultiSmsInfoSet.0.Nope`"), "{msg}");
    let bad = json!({"SmsSdkAppId": "1400006666", "MultiSmsInfoSet": ["not an object"]});
    let msg = expect_error(
        &Call::sms("SendMultiGlobalSms", bad).response(&emu).await,
        "InvalidParameterValue",
    );
    assert!(msg.contains("`MultiSmsInfoSet.0`"), "{msg}");
}

#[tokio::test]
async fn unknown_parameter_is_named() {
    let emu = Emulator::start().await.unwrap();
    let mut body = send_sms_body();
    body["PhoneNumbers"] = json!(["+8618501234444"]);
    let msg = expect_error(&Call::sms("SendSms", body).response(&emu).await, "UnknownParameter");
    assert!(msg.contains("`PhoneNumbers`"), "{msg}");
}

#[tokio::test]
async fn type_mismatches() {
    let emu = Emulator::start().await.unwrap();
    let cases = [
        (
            "SendSms",
            json!({"PhoneNumberSet": "+8618501234444", "SmsSdkAppId": "1400006666", "TemplateId": "1110"}),
            "PhoneNumberSet",
        ),
        (
            "SendSms",
            json!({"PhoneNumberSet": [8618501234444u64], "SmsSdkAppId": "1400006666", "TemplateId": "1110"}),
            "PhoneNumberSet.0",
        ),
        (
            "SendSms",
            json!({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": 1400006666, "TemplateId": "1110"}),
            "SmsSdkAppId",
        ),
        (
            "SendSms",
            json!({"PhoneNumberSet": ["+8618501234444"], "SmsSdkAppId": "1400006666", "TemplateId": {"a": 1}}),
            "TemplateId",
        ),
        (
            "PullSmsSendStatus",
            json!({"Limit": "10", "SmsSdkAppId": "1400006666"}),
            "Limit",
        ),
        (
            "PullSmsSendStatus",
            json!({"Limit": -1, "SmsSdkAppId": "1400006666"}),
            "Limit",
        ),
        (
            "PullSmsSendStatus",
            json!({"Limit": 1.5, "SmsSdkAppId": "1400006666"}),
            "Limit",
        ),
        (
            "PullSmsSendStatus",
            json!({"Limit": true, "SmsSdkAppId": "1400006666"}),
            "Limit",
        ),
        (
            "DescribeSmsSignList",
            json!({"International": 0, "SignIdSet": [1, "2"]}),
            "SignIdSet.1",
        ),
    ];
    for (action, body, param) in cases {
        let msg = expect_error(
            &Call::sms(action, body.clone()).response(&emu).await,
            "InvalidParameterValue",
        );
        assert!(msg.contains(&format!("`{param}`")), "{body}: {msg}");
    }
    // Out of range for uint64 (a number beyond u64::MAX).
    let call = Call::sms("PullSmsSendStatus", json!({}))
        .raw_body(r#"{"Limit": 18446744073709551616, "SmsSdkAppId": "1400006666"}"#);
    let msg = expect_error(&call.response(&emu).await, "InvalidParameterValue");
    assert!(msg.contains("`Limit`") && msg.contains("out of range"), "{msg}");
}

#[tokio::test]
async fn body_that_is_not_json() {
    let emu = Emulator::start().await.unwrap();
    let call = Call::sms("SendSms", json!({})).raw_body("PhoneNumberSet=+8618501234444");
    expect_error(&call.response(&emu).await, "FailedOperation.JsonParseFail");
}

#[tokio::test]
async fn unsigned_payload() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.unsigned_payload = true;
    expect_ok(&call.response(&emu).await);
    // With UNSIGNED-PAYLOAD the body is not covered, but the header is: dropping it breaks the signature.
    let auth = call.authorization_for(&emu.base_url());
    let mut without = call.clone();
    without.unsigned_payload = false;
    without.authorization = Some(auth);
    expect_error(&without.response(&emu).await, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn get_with_query_string() {
    let emu = Emulator::start().await.unwrap();
    let q = "PhoneNumberSet.0=%2B8618501234444&PhoneNumberSet.1=%2B8618501234445&SmsSdkAppId=1400006666\
             &SignName=%E8%85%BE%E8%AE%AF%E4%BA%91&TemplateId=1110&TemplateParamSet.0=1234&TemplateParamSet.1=5";
    let resp = Call::get("SendSms", SMS_2021, q).response(&emu).await;
    expect_ok(&resp);
    assert_eq!(resp["SendStatusSet"].as_array().unwrap().len(), 2);
    assert_eq!(emu.sms().sent()[1].phone_number, "+8618501234445");
    // Integers from text, and a query tampered after signing.
    let resp = Call::get("PullSmsSendStatus", SMS_2021, "Limit=10&SmsSdkAppId=1400006666")
        .response(&emu)
        .await;
    expect_ok(&resp);
    assert_eq!(resp["PullSmsSendStatusSet"].as_array().unwrap().len(), 2);
    let call = Call::get("PullSmsSendStatus", SMS_2021, "Limit=x&SmsSdkAppId=1400006666");
    expect_error(&call.response(&emu).await, "InvalidParameterValue");
    let call = Call::get("PullSmsSendStatus", SMS_2021, "Limit=10&SmsSdkAppId=1400006666");
    let mut tampered = call.clone();
    tampered.authorization = Some(call.authorization_for(&emu.base_url()));
    tampered.query = "Limit=11&SmsSdkAppId=1400006666".into();
    expect_error(&tampered.response(&emu).await, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn extra_signed_headers() {
    let emu = Emulator::start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.extra_signed = vec![
        ("X-TC-Action".into(), "SendSms".into()),
        ("X-Custom".into(), " Some Value ".into()),
    ];
    expect_ok(&call.response(&emu).await);
    // A signed header whose value changes after signing.
    let auth = call.authorization_for(&emu.base_url());
    let mut changed = call.clone();
    changed.extra_signed[1].1 = "other".into();
    changed.authorization = Some(auth);
    expect_error(&changed.response(&emu).await, "AuthFailure.SignatureFailure");
}

#[tokio::test]
async fn custom_credentials_and_no_default() {
    let emu = Emulator::builder()
        .credential("AKIDmine", "my-key")
        .without_default_credential()
        .start()
        .await
        .unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.secret_id = "AKIDmine".into();
    call.secret_key = "my-key".into();
    expect_ok(&call.response(&emu).await);
    let mut call = Call::sms("SendSms", send_sms_body());
    call.secret_id = DEFAULT_SECRET_ID.into();
    call.secret_key = DEFAULT_SECRET_KEY.into();
    expect_error(&call.response(&emu).await, "AuthFailure.SecretIdNotFound");
}

#[tokio::test]
async fn stateless_action_of_another_version_answers_its_example() {
    let emu = Emulator::start().await.unwrap();
    let body = json!({"SmsSdkAppid": "1400006666", "Limit": 10, "Offset": 0, "StartDateTime": 2019071100u64, "EndDataTime": 2019071123u64});
    let call = Call::new("SendStatusStatistics", SMS_2019, body);
    let a = call.response(&emu).await;
    let b = call.response(&emu).await;
    expect_ok(&a);
    let examples: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tc_emulator::default_spec_root().join("sms/v20190711/examples.json")).unwrap(),
    )
    .unwrap();
    let example: serde_json::Value = serde_json::from_str(
        examples["actions"]["SendStatusStatistics"][0]["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut want = example["Response"].clone();
    want["RequestId"] = a["RequestId"].clone();
    assert_eq!(a, want);
    assert_ne!(a["RequestId"], example["Response"]["RequestId"]);
    assert_ne!(a["RequestId"], b["RequestId"]);
    // Every served version is listed.
    let served = emu.served();
    assert!(served.contains(&("sms".into(), SMS_2019.into())) && served.contains(&("sms".into(), SMS_2021.into())));
}

#[tokio::test]
async fn date_header_uses_the_emulator_clock() {
    let emu = Emulator::builder().clock_offset(-7200).start().await.unwrap();
    let mut call = Call::sms("SendSms", send_sms_body());
    call.timestamp = now() - 7200;
    let r = call.send(&emu).await.unwrap();
    let date = r.headers()["date"].to_str().unwrap().to_owned();
    let v: serde_json::Value = r.json().await.unwrap();
    expect_ok(&v["Response"]);
    let t = httpdate::parse_http_date(&date).unwrap();
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((secs - (now() - 7200)).abs() <= 5, "{date}");
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_client() {
    let emu = Emulator::start().await.unwrap();
    let client = client();
    for _ in 0..20 {
        let call = Call::sms("DescribeSmsSignList", json!({"International": 0}));
        let r = client
            .post(format!("{}/", emu.base_url()))
            .header("Authorization", call.authorization_for(&emu.base_url()))
            .header("Content-Type", &call.content_type)
            .header("X-TC-Action", &call.action)
            .header("X-TC-Version", &call.version)
            .header("X-TC-Timestamp", call.timestamp.to_string())
            .body(call.body.clone())
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        expect_ok(&v["Response"]);
    }
}

/// Issue 23: the emulator counts accepted TCP connections, so a client's connection reuse can be measured.
#[tokio::test]
async fn accepted_connections_are_counted() {
    let emu = Emulator::start().await.unwrap();
    assert_eq!(emu.connections_accepted(), 0);
    let reused = client();
    for _ in 0..3 {
        let r = reused
            .get(format!("{}/_emulator/health", emu.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap();
    }
    assert_eq!(emu.connections_accepted(), 1, "one client reusing its connection");
    let r = client()
        .get(format!("{}/_emulator/health", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        emu.connections_accepted(),
        2,
        "a second client opens a second connection"
    );
    // The admin answer counts its own connection (a third client).
    let stats = admin_get(&emu, "stats").await;
    assert_eq!(stats["ConnectionsAccepted"], 3, "{stats}");
    let r = client()
        .get(format!("{}/_emulator/stats", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "stats need the admin token");
    assert_eq!(emu.connections_accepted(), 4);
    emu.reset();
    assert_eq!(emu.connections_accepted(), 4, "reset keeps the count");
}
