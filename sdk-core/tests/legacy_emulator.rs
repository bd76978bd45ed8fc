//! The legacy `HmacSHA1` / `HmacSHA256` signatures of sdk-core's real `Client` and `CommonClient`, POST
//! (form body) and GET (query), against `tc-emulator`'s own legacy verifier (tc-emulator/src/auth.rs, which
//! shares no code with sdk-core): success, the stateful SMS service, tokens and a wrong key.

mod common;

use common::{SEND_SMS, SMS};
use sdk_core::{Client, ClientProfile, CommonClient, Credential, HttpMethod, HttpProfile, Language, SignMethod};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME, SEED_TEMPLATE_ID};

const MODES: [(SignMethod, HttpMethod); 4] = [
    (SignMethod::HmacSha1, HttpMethod::Post),
    (SignMethod::HmacSha1, HttpMethod::Get),
    (SignMethod::HmacSha256, HttpMethod::Post),
    (SignMethod::HmacSha256, HttpMethod::Get),
];

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSms {
    phone_number_set: Vec<String>,
    sms_sdk_app_id: String,
    sign_name: String,
    template_id: String,
    template_param_set: Vec<String>,
    session_context: Option<String>,
}

fn send_sms(code: &str) -> SendSms {
    SendSms {
        phone_number_set: vec!["+8613800000000".into(), "+8613800000001".into()],
        sms_sdk_app_id: SEED_SDK_APP_ID.into(),
        sign_name: SEED_SIGN_NAME.into(),
        template_id: SEED_TEMPLATE_ID.to_string(),
        template_param_set: vec![code.into(), "5".into()],
        // `null` is dropped by the flattening.
        session_context: None,
    }
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct SendSmsResponse {
    send_status_set: Vec<SendStatus>,
    request_id: String,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    phone_number: String,
}

fn profile(sign: SignMethod, method: HttpMethod, endpoint: &str) -> ClientProfile {
    ClientProfile::new()
        .sign_method(sign)
        .http_profile(HttpProfile::new().endpoint(endpoint).req_method(method))
}

fn client(emu: &Emulator, credential: Credential, sign: SignMethod, method: HttpMethod) -> Client {
    Client::new(&SMS, credential, "ap-guangzhou", profile(sign, method, &emu.base_url()))
}

fn default_cred() -> Credential {
    Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap()
}

#[tokio::test]
async fn client_sends_sms_in_every_legacy_mode() {
    let emu = Emulator::start().await.unwrap();
    for (i, (sign, method)) in MODES.into_iter().enumerate() {
        let code = format!("10{i}");
        let c = client(&emu, default_cred(), sign, method);
        let r: SendSmsResponse = c
            .call(&SEND_SMS, &send_sms(&code))
            .await
            .unwrap_or_else(|e| panic!("{sign:?} {method:?}: {e}"));
        assert_eq!(r.send_status_set.len(), 2, "{r:?}");
        assert!(r.send_status_set.iter().all(|s| s.code == "Ok"), "{r:?}");
        assert_eq!(r.send_status_set[1].phone_number, "+8613800000001");
        assert!(!r.request_id.is_empty());

        // The emulator recorded both messages of this call, with the parameters the flattening carried.
        let sent = emu.sms().sent();
        assert_eq!(sent.len(), 2 * (i + 1), "{sign:?} {method:?}");
        let last = &sent[sent.len() - 2..];
        assert_eq!(last[0].phone_number, "+8613800000000");
        assert_eq!(last[1].phone_number, "+8613800000001");
        assert!(last.iter().all(|s| s.params == [code.as_str(), "5"]), "{last:?}");

        let rec = emu.requests().pop().unwrap();
        assert_eq!(rec.method, method.as_str());
        assert_eq!(
            (rec.product.as_str(), rec.action.as_str(), rec.code.as_str()),
            ("sms", "SendSms", "Ok")
        );
        assert!(rec.header("authorization").is_none(), "{rec:?}");
        let params = if method == HttpMethod::Get { &rec.uri } else { &rec.body };
        assert!(
            params.contains(&format!("SignatureMethod={}", sign.as_str())),
            "{params}"
        );
    }
}

#[tokio::test]
async fn common_client_in_every_legacy_mode() {
    let emu = Emulator::start().await.unwrap();
    for (sign, method) in MODES {
        let c = CommonClient::new(
            "sms",
            "2021-01-11",
            default_cred(),
            "ap-guangzhou",
            profile(sign, method, &emu.base_url()).language(Language::EnUs),
        );
        let sent = c
            .call_json(
                "sendSms",
                &json!({
                    "PhoneNumberSet": ["+8613800000000"],
                    "SmsSdkAppId": SEED_SDK_APP_ID,
                    "SignName": SEED_SIGN_NAME,
                    "TemplateId": SEED_TEMPLATE_ID.to_string(),
                    "TemplateParamSet": ["4321", "5"],
                }),
            )
            .await
            .unwrap_or_else(|e| panic!("{sign:?} {method:?}: {e}"));
        assert_eq!(sent["SendStatusSet"][0]["Code"], "Ok", "{sent}");

        // Integers in lists and scalars: flattened to text, typed back by the emulator from the spec.
        let templates = c
            .call_json(
                "DescribeSmsTemplateList",
                &json!({"TemplateIdSet": [SEED_TEMPLATE_ID], "International": 0, "Limit": 10, "Offset": 0}),
            )
            .await
            .unwrap_or_else(|e| panic!("{sign:?} {method:?}: {e}"));
        assert_eq!(
            templates["DescribeTemplateStatusSet"][0]["TemplateId"], SEED_TEMPLATE_ID,
            "{templates}"
        );
    }
    assert_eq!(emu.sms().sent().len(), 4);
    assert!(emu.requests().iter().all(|r| r.code == "Ok"));
}

#[tokio::test]
async fn wrong_key_is_a_signature_failure_in_every_legacy_mode() {
    let emu = Emulator::start().await.unwrap();
    for (sign, method) in MODES {
        let wrong = Credential::new(DEFAULT_SECRET_ID, "not-the-key").unwrap();
        let e = client(&emu, wrong.clone(), sign, method)
            .call::<_, Value>(&SEND_SMS, &send_sms("1"))
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            Some("AuthFailure.SignatureFailure"),
            "{sign:?} {method:?}: {e}"
        );

        let c = CommonClient::new(
            "sms",
            "2021-01-11",
            wrong,
            "ap-guangzhou",
            profile(sign, method, &emu.base_url()),
        );
        let e = c.call_json("SendSms", &send_sms("1")).await.unwrap_err();
        assert_eq!(
            e.code(),
            Some("AuthFailure.SignatureFailure"),
            "{sign:?} {method:?}: {e}"
        );
    }
    assert!(emu.sms().sent().is_empty());
}

#[tokio::test]
async fn temporary_credential_token_in_every_legacy_mode() {
    let emu = Emulator::builder()
        .temporary_credential("AKIDtemporary0000000000000000000", "temp-key", "temp-token")
        .start()
        .await
        .unwrap();
    let temp = |token: &str| {
        Credential::new("AKIDtemporary0000000000000000000", "temp-key")
            .unwrap()
            .with_token(token)
    };
    for (sign, method) in MODES {
        let r: SendSmsResponse = client(&emu, temp("temp-token"), sign, method)
            .call(&SEND_SMS, &send_sms("2"))
            .await
            .unwrap_or_else(|e| panic!("{sign:?} {method:?}: {e}"));
        assert!(r.send_status_set.iter().all(|s| s.code == "Ok"), "{r:?}");

        let e = client(&emu, temp("stale-token"), sign, method)
            .call::<_, Value>(&SEND_SMS, &send_sms("2"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("AuthFailure.TokenFailure"), "{sign:?} {method:?}: {e}");
    }
    assert_eq!(emu.sms().sent().len(), 8);
    // The token travelled as the `Token` parameter and is kept out of the emulator's log.
    for rec in emu.requests() {
        let params = if rec.method == "GET" { &rec.uri } else { &rec.body };
        assert!(
            params.contains("Token=***") && !params.contains("temp-token"),
            "{params}"
        );
    }
}
