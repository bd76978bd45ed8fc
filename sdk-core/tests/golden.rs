//! Byte-for-byte comparison with the official Python SDK.
//!
//! `fixtures/python_sdk_requests.json` holds what tencentcloud-sdk-python (CommonClient, pinned timestamp
//! 1700000000 and nonce 11886) puts on the wire in each signing mode; `tools/python_golden.py` makes it.
//! Each case is rebuilt here through the real `Client` (profile, credential, `execute`), with the same
//! pinned timestamp, nonce and `RequestClient` string (`with_pinned_inputs`), sent to a transport that
//! captures the request instead of sending it, and compared: method, URL (host, path, query), every
//! header (including `Authorization`) and the body.
//!
//! What differs by design, and how it is handled:
//! - TC3 POST bodies: Python sends `json.dumps` output (`", "` separators, `\uXXXX` escapes); our `call`
//!   sends compact UTF-8 JSON. The cases pass Python's body bytes to `execute`, so the signature over the
//!   same bytes must match exactly; `typed_request_flattens_in_field_order` covers our own serialization.
//! - `RequestClient`: `SDK_PYTHON_3.1.153` vs `SDK_RUST_<version>`; pinned to Python's value here
//!   (`real_request_client_only_changes_request_client` checks what changes with ours).
//! - Language: Python always sends `zh-CN` unless told otherwise; we send none unless set, so cases
//!   without a language set `Language::ZhCn` explicitly.
//! - Legacy signatures: Python's captured headers lack `Host` (its HTTP library adds it); ours carry it
//!   and it must equal the fixture's host.

mod common;

use common::{SEND_SMS, SMS};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sdk_core::transport::TransportFuture;
use sdk_core::{
    ActionInfo, Client, ClientProfile, Credential, HttpMethod, HttpProfile, Language, SignMethod, Transport,
};
use sdk_core::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Fixture {
    secret_id: String,
    secret_key: String,
    timestamp: i64,
    nonce: u64,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    product: String,
    version: String,
    action: String,
    /// Raw text, so the member order is the one Python iterated.
    params: Box<RawValue>,
    sign_method: String,
    method: String,
    unsigned_payload: bool,
    token: Option<String>,
    language: Option<String>,
    region: String,
    host: String,
    path: String,
    query: String,
    headers: BTreeMap<String, String>,
    body: String,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/python_sdk_requests.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

static DESCRIBE_TEMPLATES: ActionInfo = ActionInfo {
    name: "DescribeSmsTemplateList",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

/// Captures requests and answers each with an empty successful `Response`.
#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Vec<HttpRequest>>>);

impl Transport for Capture {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.0.lock().unwrap().push(request);
        Box::pin(async { Ok(HttpResponse::new(200, &br#"{"Response":{"RequestId":"golden"}}"#[..])) })
    }
}

impl Capture {
    fn last(&self) -> HttpRequest {
        self.0.lock().unwrap().pop().expect("a request was sent")
    }
}

fn client_for(fx: &Fixture, case: &Case, request_client: Option<&str>) -> (Client, Capture) {
    assert_eq!(
        (case.product.as_str(), case.version.as_str()),
        (SMS.product, SMS.version)
    );
    let mut credential = Credential::new(fx.secret_id.clone(), fx.secret_key.clone()).unwrap();
    if let Some(token) = &case.token {
        credential = credential.with_token(token.clone());
    }
    let method = match case.method.as_str() {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        other => panic!("method {other}"),
    };
    let sign_method = match case.sign_method.as_str() {
        "TC3-HMAC-SHA256" => SignMethod::Tc3HmacSha256,
        "HmacSHA1" => SignMethod::HmacSha1,
        "HmacSHA256" => SignMethod::HmacSha256,
        other => panic!("sign method {other}"),
    };
    let language = match case.language.as_deref() {
        None | Some("zh-CN") => Language::ZhCn, // Python's default
        Some("en-US") => Language::EnUs,
        Some(other) => panic!("language {other}"),
    };
    let profile = ClientProfile::new()
        .sign_method(sign_method)
        .language(language)
        .unsigned_payload(case.unsigned_payload)
        .http_profile(HttpProfile::new().req_method(method));
    let capture = Capture::default();
    let mut client = Client::new(&SMS, credential, case.region.clone(), profile).with_transport(capture.clone());
    if let Some(rc) = request_client {
        client = client.with_pinned_inputs(fx.timestamp, fx.nonce, rc);
    } else {
        client = client.with_pinned_inputs(fx.timestamp, fx.nonce, sdk_core::REQUEST_CLIENT);
    }
    (client, capture)
}

fn action(case: &Case) -> &'static ActionInfo {
    match case.action.as_str() {
        "SendSms" => &SEND_SMS,
        "DescribeSmsTemplateList" => &DESCRIBE_TEMPLATES,
        other => panic!("action {other}"),
    }
}

fn is_tc3_post(case: &Case) -> bool {
    case.sign_method == "TC3-HMAC-SHA256" && case.method == "POST"
}

/// The payload handed to `execute`: Python's exact body for TC3 POST (so the signatures cover the same
/// bytes), else the parameters (flattened by our code).
fn payload(case: &Case) -> Vec<u8> {
    if is_tc3_post(case) {
        case.body.as_bytes().to_vec()
    } else {
        case.params.get().as_bytes().to_vec()
    }
}

fn expected_url(case: &Case) -> String {
    let base = format!("https://{}{}", case.host, case.path);
    if case.query.is_empty() {
        base
    } else {
        format!("{base}?{}", case.query)
    }
}

fn python_request_client(case: &Case) -> String {
    if let Some(rc) = case.headers.get("X-TC-RequestClient") {
        return rc.clone();
    }
    let data = if case.body.is_empty() { &case.query } else { &case.body };
    data.split('&')
        .find_map(|kv| kv.strip_prefix("RequestClient="))
        .expect("legacy cases carry RequestClient")
        .to_owned()
}

/// Header names are case-insensitive; ours are sent lower-case (as HTTP/1.1 clients commonly do), Python's
/// are captured as its SDK spells them.
fn headers_map(r: &HttpRequest) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in &r.headers {
        let v = v.to_str().unwrap().to_owned();
        assert!(map.insert(k.as_str().to_owned(), v).is_none(), "header {k} twice");
    }
    map
}

fn python_headers(case: &Case) -> BTreeMap<String, String> {
    case.headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

#[tokio::test]
async fn every_python_case_is_byte_identical() {
    let fx = fixture();
    assert_eq!(fx.cases.len(), 10);
    for case in &fx.cases {
        let (client, capture) = client_for(&fx, case, Some(&python_request_client(case)));
        client.execute(action(case), payload(case)).await.unwrap();
        let sent = capture.last();
        let name = &case.name;

        assert_eq!(sent.method.as_str(), case.method, "{name}: method");
        assert_eq!(sent.url, expected_url(case), "{name}: URL (host, path, query)");
        assert_eq!(
            String::from_utf8(sent.body.to_vec()).unwrap(),
            case.body,
            "{name}: body"
        );
        let ours = headers_map(&sent);
        if case.sign_method == "TC3-HMAC-SHA256" {
            // Every header, Authorization included.
            assert_eq!(ours, python_headers(case), "{name}: headers");
        } else {
            let mut expected = python_headers(case);
            expected.insert("host".into(), case.host.clone());
            assert_eq!(ours, expected, "{name}: headers");
            assert!(sent.url.contains("Signature=") || case.body.contains("Signature="));
        }
    }
}

#[tokio::test]
async fn real_request_client_only_changes_request_client() {
    let fx = fixture();
    for case in &fx.cases {
        let (client, capture) = client_for(&fx, case, None);
        client.execute(action(case), payload(case)).await.unwrap();
        let sent = capture.last();
        let ours = headers_map(&sent);
        let python_rc = python_request_client(case);
        let rust_rc = sdk_core::REQUEST_CLIENT;
        assert!(rust_rc.starts_with("SDK_RUST_"));
        if case.sign_method == "TC3-HMAC-SHA256" {
            // The header is not signed: everything else, Authorization included, is unchanged.
            let mut expected = python_headers(case);
            expected.insert("x-tc-requestclient".into(), rust_rc.to_owned());
            assert_eq!(ours, expected, "{}", case.name);
            assert_eq!(sent.url, expected_url(case));
        } else {
            // The parameter is signed: the same parameters except RequestClient and Signature.
            let data = if case.method == "GET" {
                sent.url.split_once('?').unwrap().1.to_owned()
            } else {
                String::from_utf8(sent.body.to_vec()).unwrap()
            };
            let python = if case.method == "GET" { &case.query } else { &case.body };
            let strip = |s: &str, rc: &str| -> Vec<String> {
                s.split('&')
                    .filter(|kv| !kv.starts_with("Signature="))
                    .map(|kv| kv.replace(&format!("RequestClient={rc}"), "RequestClient=*"))
                    .collect()
            };
            assert_eq!(strip(&data, rust_rc), strip(python, &python_rc), "{}", case.name);
        }
    }
}

/// A generated-style request struct: members serialize in field order, which is the query order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSmsRequest {
    phone_number_set: Vec<String>,
    sms_sdk_app_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sign_name: Option<String>,
    template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_param_set: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_context: Option<String>,
}

#[tokio::test]
async fn typed_request_flattens_in_field_order() {
    let fx = fixture();
    let request = SendSmsRequest {
        phone_number_set: vec!["+8613800000000".into(), "+8613800000001".into()],
        sms_sdk_app_id: "1400006666".into(),
        sign_name: Some("腾讯云".into()),
        template_id: "1110".into(),
        template_param_set: Some(vec!["4370".into(), "5".into()]),
        session_context: None,
    };
    for name in ["tc3_get", "hmac_sha256_get_token", "hmac_sha1_post", "tc3_post"] {
        let case = fx.cases.iter().find(|c| c.name == name).unwrap();
        let (client, capture) = client_for(&fx, case, Some(&python_request_client(case)));
        let _: serde_json::Value = client.call(&SEND_SMS, &request).await.unwrap();
        let sent = capture.last();
        if is_tc3_post(case) {
            // Compact UTF-8 JSON instead of Python's json.dumps; same parameters.
            let body = String::from_utf8(sent.body.to_vec()).unwrap();
            assert_eq!(
                body,
                r#"{"PhoneNumberSet":["+8613800000000","+8613800000001"],"SmsSdkAppId":"1400006666","SignName":"腾讯云","TemplateId":"1110","TemplateParamSet":["4370","5"]}"#
            );
            let ours: serde_json::Value = serde_json::from_str(&body).unwrap();
            let python: serde_json::Value = serde_json::from_str(&case.body).unwrap();
            assert_eq!(ours, python);
            assert_eq!(sent.header("content-type"), Some("application/json"));
        } else {
            assert_eq!(sent.url, expected_url(case), "{name}");
            assert_eq!(String::from_utf8(sent.body.to_vec()).unwrap(), case.body, "{name}");
        }
    }
}
