//! Issue 14 item 4: a custom transport that logs `{:?}` of the request it sends must not leak what GET puts
//! in the URL: legacy signatures carry `SecretId`, `Token` and `Signature` there, TC3 GET the action's
//! parameters (verification codes in `TemplateParamSet`). The transport here records the Debug text and
//! forwards the request to the emulator, which verifies it (so the request really was complete and signed).

use std::sync::{Arc, Mutex};

use sdk_core::transport::TransportFuture;
use sdk_core::{
    ClientProfile, CommonClient, Credential, HttpMethod, HttpProfile, HttpRequest, HttpResponse, SignMethod, Transport,
};
use serde_json::json;

const TOKEN: &str = "TOKEN-must-not-leak";
const KEY: &str = "KEY-must-not-leak";
const CODE: &str = "739155";

#[derive(Debug, Clone, Default)]
struct LoggingTransport {
    logged: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

impl Transport for LoggingTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            self.logged.lock().unwrap().push(format!("{request:?} {request:#?}"));
            let method = match request.method {
                HttpMethod::Get => reqwest::Method::GET,
                _ => reqwest::Method::POST,
            };
            let mut builder = self.http.request(method, &request.url).body(request.body.clone());
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            let response = builder.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap().to_vec();
            Ok(HttpResponse::new(status, body))
        })
    }
}

#[tokio::test]
async fn request_debug_hides_query_values_in_every_get_mode() {
    let emulator = tc_emulator::Emulator::builder()
        .temporary_credential("AKIDtemporary0001", KEY, TOKEN)
        .start()
        .await
        .unwrap();
    let credential = Credential::new("AKIDtemporary0001", KEY).unwrap().with_token(TOKEN);
    let params = json!({
        "PhoneNumberSet": ["+8613800000000"],
        "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
        "TemplateId": tc_emulator::SEED_TEMPLATE_ID,
        "SignName": tc_emulator::SEED_SIGN_NAME,
        "TemplateParamSet": [CODE, "5"],
    });
    for sign in [SignMethod::HmacSha1, SignMethod::HmacSha256, SignMethod::Tc3HmacSha256] {
        let transport = LoggingTransport::default();
        let profile = ClientProfile::new().sign_method(sign).http_profile(
            HttpProfile::new()
                .endpoint(emulator.base_url())
                .req_method(HttpMethod::Get),
        );
        let client = CommonClient::new("sms", "2021-01-11", credential.clone(), "ap-guangzhou", profile)
            .with_transport(transport.clone());
        let sent = client.call_json("SendSms", &params).await;
        let logged = transport.logged.lock().unwrap().join("\n");
        assert!(
            sent.is_ok(),
            "{sign:?}: the emulator refused the forwarded request: {sent:?}"
        );
        assert!(
            logged.contains("TemplateParamSet"),
            "{sign:?}: keys stay visible: {logged}"
        );
        for secret in [TOKEN, KEY, CODE, "8613800000000"] {
            assert!(
                !logged.contains(secret),
                "{sign:?}: {secret} in request Debug: {logged}"
            );
        }
        if sign != SignMethod::Tc3HmacSha256 {
            assert!(logged.contains("Signature=***"), "{logged}");
        }
    }
}

/// Issue 26 finding 5: the values of extra signed headers (`ClientProfile::signed_header`) and per-call
/// headers (`CallOptions::header`) are sent (the emulator verifies the signature that covers them) but never
/// printed by the request's `Debug`; their names stay.
#[tokio::test]
async fn request_debug_hides_extra_header_values() {
    const PROFILE_VALUE: &str = "profile-header-value-must-not-leak";
    const CALL_VALUE: &str = "call-header-value-must-not-leak";
    let emulator = tc_emulator::Emulator::builder().start().await.unwrap();
    let pair = &emulator.credentials()[0];
    let credential = Credential::new(&pair.secret_id, &pair.secret_key).unwrap();
    let transport = LoggingTransport::default();
    let profile = ClientProfile::new()
        .signed_header("X-TC-TraceId", PROFILE_VALUE)
        .http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    let client =
        CommonClient::new("sms", "2021-01-11", credential, "ap-guangzhou", profile).with_transport(transport.clone());
    let options = sdk_core::CallOptions::new().header("X-TC-Custom", CALL_VALUE);
    let sent: Result<serde_json::Value, _> = client
        .call_with(
            "DescribeSmsSignList",
            &json!({"SignIdSet": [1], "International": 0}),
            &options,
        )
        .await;
    let logged = transport.logged.lock().unwrap().join("\n");
    assert!(sent.is_ok(), "the emulator refused the forwarded request: {sent:?}");
    assert!(
        logged.contains("x-tc-traceid") && logged.contains("x-tc-custom"),
        "names stay visible: {logged}"
    );
    assert!(
        logged.contains("DescribeSmsSignList"),
        "the action stays visible: {logged}"
    );
    for secret in [PROFILE_VALUE, CALL_VALUE] {
        assert!(!logged.contains(secret), "{secret} in request Debug: {logged}");
    }
}
