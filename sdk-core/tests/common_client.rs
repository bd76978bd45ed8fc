//! `CommonClient` end to end: against `tc-emulator` (TC3 POST/GET, typed and JSON calls, service errors)
//! and the independent verifier in `tests/common` (legacy signatures, skip_sign, per-call signed headers).
//! `legacy_emulator.rs` also drives `CommonClient` with legacy signatures against the emulator.

mod common;

use common::{Mode, SECRET_ID, SECRET_KEY};
use sdk_core::{
    CallOptions, ClientProfile, CommonClient, Credential, HttpMethod, HttpProfile, RawResponse, SignMethod,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn profile(endpoint: &str, method: HttpMethod, sign: SignMethod) -> ClientProfile {
    ClientProfile::new()
        .sign_method(sign)
        .http_profile(HttpProfile::new().endpoint(endpoint).req_method(method))
}

fn emulator_client(emu: &tc_emulator::Emulator, method: HttpMethod) -> CommonClient {
    let cred = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
    CommonClient::new(
        "sms",
        "2021-01-11",
        cred,
        "ap-guangzhou",
        profile(&emu.base_url(), method, SignMethod::Tc3HmacSha256),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeTemplates {
    template_id_set: Vec<u64>,
    international: u64,
    limit: u64,
    offset: u64,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "PascalCase")]
struct DescribeTemplatesResponse {
    describe_template_status_set: Vec<Value>,
    request_id: String,
}

#[tokio::test]
async fn call_json_and_typed_calls_on_the_emulator() {
    let emu = tc_emulator::Emulator::start().await.unwrap();
    for method in [HttpMethod::Post, HttpMethod::Get] {
        let client = emulator_client(&emu, method);
        let sent = client
            .call_json(
                "SendSms",
                &json!({
                    "PhoneNumberSet": ["+8613800000000"],
                    "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
                    "SignName": tc_emulator::SEED_SIGN_NAME,
                    "TemplateId": tc_emulator::SEED_TEMPLATE_ID.to_string(),
                    "TemplateParamSet": ["1234", "5"],
                }),
            )
            .await
            .unwrap();
        assert_eq!(sent["SendStatusSet"][0]["Code"], "Ok", "{sent}");
        assert!(sent["RequestId"].is_string());

        let typed: DescribeTemplatesResponse = client
            .call(
                "DescribeSmsTemplateList",
                &DescribeTemplates {
                    template_id_set: vec![tc_emulator::SEED_TEMPLATE_ID],
                    international: 0,
                    limit: 10,
                    offset: 0,
                },
            )
            .await
            .unwrap();
        assert_eq!(typed.describe_template_status_set.len(), 1, "{typed:?}");
        assert!(!typed.request_id.is_empty());
    }
    let methods: Vec<String> = emu.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["POST", "POST", "GET", "GET"]);
}

#[tokio::test]
async fn service_errors_and_dynamic_action_names() {
    let emu = tc_emulator::Emulator::start().await.unwrap();
    let client = emulator_client(&emu, HttpMethod::Post);
    // Action names built at run time, many of them: nothing is leaked or interned per call.
    for i in 0..50 {
        let e = client
            .call_json(&format!("NoSuchAction{i}"), &json!({}))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidAction"), "{e}");
    }
    // A missing required parameter is the service's error, with its RequestId.
    let e = client.call_json("SendSms", &json!({})).await.unwrap_err();
    assert!(e.is_service() && e.request_id().is_some(), "{e}");
    // The non-generic path.
    let raw: RawResponse = client
        .execute(
            "DescribeSmsSignList",
            &CallOptions::new(),
            br#"{"SignIdSet":[1110],"International":0}"#.to_vec(),
        )
        .await
        .unwrap();
    assert!(raw.json().contains("DescribeSignListStatusSet"), "{}", raw.json());
    let e = client.call_json("", &json!({})).await.unwrap_err();
    assert!(e.is_invalid_request());
}

#[tokio::test]
async fn other_products_versions_and_modes_on_the_verifier() {
    let v = common::start().await;
    let cred = Credential::new(SECRET_ID, SECRET_KEY).unwrap();
    for (method, sign) in [
        (HttpMethod::Get, SignMethod::HmacSha1),
        (HttpMethod::Post, SignMethod::HmacSha256),
        (HttpMethod::Get, SignMethod::Tc3HmacSha256),
    ] {
        let client = CommonClient::new(
            "cvm",
            "2017-03-12",
            cred.clone(),
            "ap-shanghai",
            profile(&v.endpoint(), method, sign),
        );
        let r = client
            .call_json("DescribeInstances", &json!({"InstanceIds": ["ins-1"], "Limit": 1}))
            .await
            .unwrap();
        assert_eq!(r["Action"], "DescribeInstances");
        assert_eq!(r["Params"]["InstanceIds.0"], "ins-1");
        let rec = v.last();
        match sign {
            SignMethod::Tc3HmacSha256 => {
                assert_eq!(rec.header("x-tc-version"), Some("2017-03-12"));
                // Signed for the product named at run time: its credential scope is `cvm`.
                assert_eq!(rec.product, "cvm");
            }
            _ => assert_eq!(r["Params"]["Version"], "2017-03-12"),
        }
    }

    // Per-call options: unsigned action, and headers signed for one call only.
    let client = CommonClient::new(
        "sts",
        "2018-08-13",
        cred,
        "ap-guangzhou",
        profile(&v.endpoint(), HttpMethod::Post, SignMethod::Tc3HmacSha256),
    );
    let r = client
        .call_with::<_, Value>(
            "AssumeRoleWithWebIdentity",
            &json!({"RoleSessionName": "s"}),
            &CallOptions::new().skip_sign(true),
        )
        .await
        .unwrap();
    assert_eq!(r["Mode"], "SKIP");
    let _: Value = client
        .call_with(
            "GetCallerIdentity",
            &json!({}),
            &CallOptions::new().header("X-TC-TraceId", "t-1"),
        )
        .await
        .unwrap();
    assert_eq!(
        v.last().verdict,
        Ok(Mode::Tc3 {
            signed_headers: "content-type;host;x-tc-traceid".into(),
            token: None
        })
    );
    let _: Value = client.call_json("GetCallerIdentity", &json!({})).await.unwrap();
    assert!(v.last().header("x-tc-traceid").is_none());
}
