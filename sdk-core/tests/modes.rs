//! Every wire mode end to end over loopback HTTP, against two verifiers that do not share the SDK's code:
//! the independent verifier in `tests/common` (all modes) and the `tc-emulator` server (its own
//! implementation in tc-emulator/src/auth.rs). Legacy modes against the emulator are in `legacy_emulator.rs`.

mod common;

use common::{Mode, SECRET_ID, SECRET_KEY, TOKEN, TOKEN_SECRET_ID};
use common::{SEND_SMS, SMS};
use sdk_core::{ActionInfo, Client, ClientProfile, Credential, HttpMethod, HttpProfile, Language, SignMethod};
use serde::Serialize;
use serde_json::{json, Value};

static UNSIGNED: ActionInfo = ActionInfo {
    name: "AssumeRoleWithWebIdentity",
    skip_sign: true,
    retry_safe: false,
    body: sdk_core::BodyMode::Json,
};

/// A request exercising the flattening: nesting, lists of objects, escaping, bool, float, null.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Rich {
    phone_number_set: Vec<String>,
    text: String,
    filters: Vec<Filter>,
    flag: bool,
    ratio: f64,
    limit: u32,
    missing: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Filter {
    name: String,
    values: Vec<String>,
}

fn rich() -> Rich {
    Rich {
        phone_number_set: vec!["+8613800000000".into(), "+8613800000001".into()],
        text: "a b+c&d=腾讯/~*".into(),
        filters: vec![Filter {
            name: "zone".into(),
            values: vec!["ap-guangzhou-3".into(), "x_y".into()],
        }],
        flag: true,
        ratio: 0.5,
        limit: 20,
        missing: None,
    }
}

/// The parameters the server must have decoded from `rich()` when flattened.
fn rich_flat() -> Value {
    json!({
        "PhoneNumberSet.0": "+8613800000000",
        "PhoneNumberSet.1": "+8613800000001",
        "Text": "a b+c&d=腾讯/~*",
        "Filters.0.Name": "zone",
        "Filters.0.Values.0": "ap-guangzhou-3",
        "Filters.0.Values.1": "x_y",
        "Flag": "True",
        "Ratio": "0.5",
        "Limit": "20",
    })
}

fn profile(method: HttpMethod, sign: SignMethod) -> ClientProfile {
    ClientProfile::new()
        .sign_method(sign)
        .http_profile(HttpProfile::new().req_method(method))
}

fn client(endpoint: &str, credential: Credential, profile: ClientProfile) -> Client {
    let http = profile.http_profile.clone().endpoint(endpoint);
    Client::new(&SMS, credential, "ap-guangzhou", profile.http_profile(http))
}

fn cred() -> Credential {
    Credential::new(SECRET_ID, SECRET_KEY).unwrap()
}

/// `Params` minus the legacy common parameters.
fn own_params(params: &Value) -> Value {
    let mut p = params.as_object().unwrap().clone();
    for k in [
        "Action",
        "RequestClient",
        "Nonce",
        "Timestamp",
        "Version",
        "Region",
        "Token",
        "SecretId",
        "SignatureMethod",
        "Language",
        "Signature",
    ] {
        p.remove(k);
    }
    Value::Object(p)
}

// ---------------------------------------------------------------------------------------------------------
// Against the independent verifier.

#[tokio::test]
async fn tc3_post() {
    let v = common::start().await;
    let c = client(
        &v.endpoint(),
        cred(),
        profile(HttpMethod::Post, SignMethod::Tc3HmacSha256),
    );
    let r: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
    assert_eq!(r["Mode"], "TC3-HMAC-SHA256");
    assert_eq!(r["Params"]["Text"], "a b+c&d=腾讯/~*");
    let rec = v.last();
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, "");
    assert_eq!(rec.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn tc3_get_flattens_into_the_query() {
    let v = common::start().await;
    let c = client(
        &v.endpoint(),
        cred(),
        profile(HttpMethod::Get, SignMethod::Tc3HmacSha256),
    );
    let r: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
    assert_eq!(r["Mode"], "TC3-HMAC-SHA256");
    assert_eq!(r["Params"], rich_flat());
    let rec = v.last();
    assert_eq!(rec.method, "GET");
    assert!(rec.body.is_empty());
    assert_eq!(rec.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert!(
        rec.query
            .starts_with("PhoneNumberSet.0=%2B8613800000000&PhoneNumberSet.1="),
        "{}",
        rec.query
    );
    assert!(
        rec.query.contains("&Text=a+b%2Bc%26d%3D%E8%85%BE%E8%AE%AF%2F~%2A&"),
        "{}",
        rec.query
    );
}

#[tokio::test]
async fn legacy_signatures_post_and_get() {
    let v = common::start().await;
    for sign in [SignMethod::HmacSha1, SignMethod::HmacSha256] {
        for method in [HttpMethod::Post, HttpMethod::Get] {
            let p = profile(method, sign).language(Language::EnUs);
            let c = client(&v.endpoint(), cred(), p);
            let r: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
            let rec = v.last();
            assert_eq!(
                rec.verdict,
                Ok(Mode::Legacy {
                    method: sign.as_str().to_owned(),
                    token: None
                })
            );
            assert_eq!(r["Mode"], sign.as_str());
            assert_eq!(r["Action"], "SendSms");
            assert_eq!(own_params(&r["Params"]), rich_flat());
            assert_eq!(r["Params"]["Version"], "2021-01-11");
            assert_eq!(r["Params"]["Region"], "ap-guangzhou");
            assert_eq!(r["Params"]["Language"], "en-US");
            assert_eq!(r["Params"]["RequestClient"], sdk_core::REQUEST_CLIENT);
            assert!(
                rec.headers.iter().all(|(k, _)| !k.starts_with("x-tc-")),
                "{:?}",
                rec.headers
            );
            match method {
                HttpMethod::Get => assert!(rec.body.is_empty() && rec.query.contains("&Signature=")),
                _ => assert!(rec.query.is_empty() && String::from_utf8_lossy(&rec.body).contains("&Signature=")),
            }
        }
    }
}

#[tokio::test]
async fn legacy_nonce_changes_per_request() {
    let v = common::start().await;
    let c = client(&v.endpoint(), cred(), profile(HttpMethod::Get, SignMethod::HmacSha256));
    let a: Value = c.call(&SEND_SMS, &json!({})).await.unwrap();
    let b: Value = c.call(&SEND_SMS, &json!({})).await.unwrap();
    assert_ne!(a["Params"]["Nonce"], b["Params"]["Nonce"]);
}

#[tokio::test]
async fn tokens_in_every_mode() {
    let v = common::start().await;
    let token_cred = || Credential::new(TOKEN_SECRET_ID, SECRET_KEY).unwrap().with_token(TOKEN);
    for (method, sign) in [
        (HttpMethod::Post, SignMethod::Tc3HmacSha256),
        (HttpMethod::Get, SignMethod::Tc3HmacSha256),
        (HttpMethod::Post, SignMethod::HmacSha1),
        (HttpMethod::Get, SignMethod::HmacSha256),
    ] {
        let c = client(&v.endpoint(), token_cred(), profile(method, sign));
        let _: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
        match v.last().verdict.unwrap() {
            Mode::Tc3 { token, .. } | Mode::Legacy { token, .. } => assert_eq!(token.as_deref(), Some(TOKEN)),
            Mode::Skip => panic!("signed"),
        }
    }
}

#[tokio::test]
async fn unsigned_payload_post_and_get() {
    let v = common::start().await;
    for method in [HttpMethod::Post, HttpMethod::Get] {
        let p = profile(method, SignMethod::Tc3HmacSha256).unsigned_payload(true);
        let c = client(&v.endpoint(), cred(), p);
        let r: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
        assert_eq!(r["Mode"], "TC3-HMAC-SHA256");
        assert_eq!(v.last().header("x-tc-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    }
}

#[tokio::test]
async fn extra_signed_headers() {
    let v = common::start().await;
    for method in [HttpMethod::Post, HttpMethod::Get] {
        let p = profile(method, SignMethod::Tc3HmacSha256)
            .signed_header("X-TC-TraceId", "Trace-ABC")
            .signed_header("A-Custom", " Value ");
        let c = client(&v.endpoint(), cred(), p);
        let _: Value = c.call(&SEND_SMS, &rich()).await.unwrap();
        let rec = v.last();
        assert_eq!(
            rec.verdict,
            Ok(Mode::Tc3 {
                signed_headers: "a-custom;content-type;host;x-tc-traceid".into(),
                token: None
            })
        );
        assert_eq!(rec.header("x-tc-traceid"), Some("Trace-ABC"));
    }
    // Legacy signatures cannot cover headers: refused before sending.
    let p = profile(HttpMethod::Get, SignMethod::HmacSha1).signed_header("X-TC-TraceId", "t");
    let c = client(&v.endpoint(), cred(), p);
    let before = v.count();
    let e = c.call::<_, Value>(&SEND_SMS, &rich()).await.unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
    assert_eq!(v.count(), before);
}

#[tokio::test]
async fn skip_sign_post_and_get_in_every_sign_method() {
    let v = common::start().await;
    for sign in [SignMethod::Tc3HmacSha256, SignMethod::HmacSha1, SignMethod::HmacSha256] {
        for method in [HttpMethod::Post, HttpMethod::Get] {
            let c = client(&v.endpoint(), cred().with_token(TOKEN), profile(method, sign));
            let r: Value = c.call(&UNSIGNED, &rich()).await.unwrap();
            assert_eq!(r["Mode"], "SKIP");
            assert_eq!(r["Action"], "AssumeRoleWithWebIdentity");
            let rec = v.last();
            assert_eq!(rec.verdict, Ok(Mode::Skip));
            if method == HttpMethod::Get {
                assert_eq!(r["Params"], rich_flat());
            }
        }
    }
}

#[tokio::test]
async fn wrong_key_is_rejected_in_every_mode() {
    // Negative control: the verifier really checks each mode's signature.
    let v = common::start().await;
    for (method, sign) in [
        (HttpMethod::Post, SignMethod::Tc3HmacSha256),
        (HttpMethod::Get, SignMethod::Tc3HmacSha256),
        (HttpMethod::Post, SignMethod::HmacSha1),
        (HttpMethod::Get, SignMethod::HmacSha256),
    ] {
        let c = client(
            &v.endpoint(),
            Credential::new(SECRET_ID, "wrong").unwrap(),
            profile(method, sign),
        );
        let e = c.call::<_, Value>(&SEND_SMS, &rich()).await.unwrap_err();
        assert_eq!(e.code(), Some("AuthFailure.SignatureFailure"), "{method:?} {sign:?}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Against tc-emulator (TC3 here; legacy signatures in legacy_emulator.rs).

fn send_sms() -> Value {
    json!({
        "PhoneNumberSet": ["+8613800000000", "+8613800000001"],
        "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
        "SignName": tc_emulator::SEED_SIGN_NAME,
        "TemplateId": tc_emulator::SEED_TEMPLATE_ID.to_string(),
        "TemplateParamSet": ["1234", "5"],
    })
}

fn emulator_cred() -> Credential {
    Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap()
}

fn assert_sent_two(r: &Value) {
    let set = r["SendStatusSet"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(set.len(), 2, "{r}");
    assert!(set.iter().all(|s| s["Code"] == "Ok"), "{r}");
}

#[tokio::test]
async fn emulator_tc3_post_get_unsigned_and_signed_headers() {
    let emu = tc_emulator::Emulator::start().await.unwrap();
    let profiles = [
        profile(HttpMethod::Post, SignMethod::Tc3HmacSha256),
        profile(HttpMethod::Get, SignMethod::Tc3HmacSha256),
        profile(HttpMethod::Post, SignMethod::Tc3HmacSha256).unsigned_payload(true),
        profile(HttpMethod::Get, SignMethod::Tc3HmacSha256).unsigned_payload(true),
        profile(HttpMethod::Post, SignMethod::Tc3HmacSha256).signed_header("X-TC-TraceId", "Trace-1"),
        profile(HttpMethod::Get, SignMethod::Tc3HmacSha256)
            .signed_header("X-TC-TraceId", "Trace-2")
            .language(Language::EnUs),
    ];
    for p in profiles {
        let what = format!("{p:?}");
        let c = client(&emu.base_url(), emulator_cred(), p);
        let r: Value = c
            .call(&SEND_SMS, &send_sms())
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_sent_two(&r);
    }
    let methods: Vec<String> = emu.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "GET", "POST", "GET", "POST", "GET"]);
    assert!(emu.requests().iter().all(|r| r.code == "Ok"));
}

#[tokio::test]
async fn emulator_temporary_credential_and_wrong_key() {
    let emu = tc_emulator::Emulator::builder()
        .temporary_credential("AKIDtemporary0000000000000000000", "temp-key", "temp-token")
        .start()
        .await
        .unwrap();
    for method in [HttpMethod::Post, HttpMethod::Get] {
        let temp = Credential::new("AKIDtemporary0000000000000000000", "temp-key")
            .unwrap()
            .with_token("temp-token");
        let c = client(&emu.base_url(), temp, profile(method, SignMethod::Tc3HmacSha256));
        assert_sent_two(&c.call(&SEND_SMS, &send_sms()).await.unwrap());

        let wrong = Credential::new(tc_emulator::DEFAULT_SECRET_ID, "wrong").unwrap();
        let c = client(&emu.base_url(), wrong, profile(method, SignMethod::Tc3HmacSha256));
        let e = c.call::<_, Value>(&SEND_SMS, &send_sms()).await.unwrap_err();
        assert_eq!(e.code(), Some("AuthFailure.SignatureFailure"), "{method:?}");
    }
}
