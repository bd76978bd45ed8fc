//! End-to-end tests over real HTTP on loopback.
//!
//! The scripted server here records requests and answers what each test needs (bodies, statuses, delays);
//! it does not verify signatures. Where a signature matters, the test runs against the emulator in echo
//! mode (`common`), the repository's one independent verifier.

mod common;

use common::{SEND_SMS, SMS};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::transport::TransportFuture;
use sdk_core::{
    ActionInfo, Client, ClientProfile, Credential, Error, HttpProfile, Language, ProvideCredential, Transport,
};
use sdk_core::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

const SECRET_ID: &str = "AKIDtestSecretId0000000000000000000";
const SECRET_KEY: &str = "TESTSECRETKEYvalue-must-never-leak";
const TOKEN: &str = "TESTSESSIONTOKEN-must-never-leak";

static UNSIGNED_ACTION: ActionInfo = ActionInfo {
    name: "AssumeRoleWithWebIdentity",
    skip_sign: true,
    retry_safe: false,
    body: sdk_core::BodyMode::Json,
};

// ---------------------------------------------------------------------------------------------------------
// The server side: record the request, answer with a canned reply.

#[derive(Debug, Clone)]
struct Recorded {
    /// Client address of the connection, to see connection reuse.
    peer: SocketAddr,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "header {name} sent more than once");
        first
    }
}

struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

fn json_reply(body: &str) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        body: body.to_owned(),
    }
}

type Log = Arc<Mutex<Vec<Recorded>>>;

/// Starts a server answering every request with `reply(&recorded)`. Signature failures are answered with
/// a service error `AuthFailure.SignatureFailure` whose message says what did not match.
async fn serve(reply: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> (SocketAddr, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let reply = Arc::new(reply);
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            let log = log2.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let reply = reply.clone();
                    let log = log.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.unwrap().to_bytes().to_vec();
                        let rec = Recorded {
                            peer,
                            method: parts.method.to_string(),
                            path: parts.uri.path().to_owned(),
                            query: parts.uri.query().unwrap_or("").to_owned(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                                .collect(),
                            body,
                        };
                        let r = reply(&rec);
                        log.lock().unwrap().push(rec);
                        let resp = Response::builder()
                            .status(r.status)
                            .header("Content-Type", r.content_type)
                            .body(Full::new(Bytes::from(r.body)))
                            .unwrap();
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, log)
}

/// UTC date by walking years and months (deliberately a different algorithm from the SDK's).
fn date_of(ts: i64) -> String {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = ts / 86_400;
    let mut year = 1970;
    while days >= if leap(year) { 366 } else { 365 } {
        days -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let months = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= months[month] {
        days -= months[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

// ---------------------------------------------------------------------------------------------------------
// The client side.

#[derive(Serialize)]
struct SendSmsRequest {
    #[serde(rename = "PhoneNumberSet")]
    phone_number_set: Vec<String>,
    #[serde(rename = "SmsSdkAppId")]
    sms_sdk_app_id: String,
    #[serde(rename = "TemplateParamSet")]
    template_param_set: Vec<String>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct SendStatus {
    #[serde(rename = "SerialNo", default)]
    serial_no: Option<String>,
    #[serde(rename = "Code", default, deserialize_with = "sdk_core::de::null_as_default")]
    code: String,
    #[serde(rename = "Fee", default, deserialize_with = "sdk_core::de::null_as_default")]
    fee: u64,
}

#[derive(Deserialize, Debug, PartialEq)]
struct SendSmsResponse {
    #[serde(
        rename = "SendStatusSet",
        default,
        deserialize_with = "sdk_core::de::null_as_default"
    )]
    send_status_set: Vec<SendStatus>,
    #[serde(rename = "RequestId", default, deserialize_with = "sdk_core::de::null_as_default")]
    request_id: String,
}

fn request() -> SendSmsRequest {
    SendSmsRequest {
        phone_number_set: vec!["+8613800000000".into()],
        sms_sdk_app_id: "1400000000".into(),
        template_param_set: vec!["验证码 1234".into()],
    }
}

fn credential() -> Credential {
    Credential::new(SECRET_ID, SECRET_KEY).unwrap()
}

fn client_for(addr: SocketAddr, credential: impl ProvideCredential + 'static, profile: ClientProfile) -> Client {
    let http = profile.http_profile.clone().endpoint(format!("http://{addr}"));
    Client::new(&SMS, credential, "ap-guangzhou", profile.http_profile(http))
}

const OK_BODY: &str = r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1","Code":"Ok","Fee":null,"Extra":1}],"Unknown":{"a":[1,2]},"RequestId":"req-ok-1"}}"#;

#[tokio::test]
async fn call_is_signed_and_decodes_typed_response() {
    let (addr, log) = serve(|_| json_reply(OK_BODY)).await;
    let client = client_for(addr, credential(), ClientProfile::new().language(Language::EnUs));
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;

    let resp: SendSmsResponse = client.call(&SEND_SMS, &request()).await.unwrap();

    assert_eq!(
        resp,
        SendSmsResponse {
            send_status_set: vec![SendStatus {
                serial_no: Some("5000:1".into()),
                code: "Ok".into(),
                fee: 0
            }],
            request_id: "req-ok-1".into(),
        }
    );
    let rec = log.lock().unwrap()[0].clone();
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.path, "/");
    assert_eq!(rec.query, "");
    assert_eq!(rec.body, serde_json::to_vec(&request()).unwrap());
    // As the Python and Go SDKs send it (see sdk_core::sign::JSON_CONTENT_TYPE).
    assert_eq!(rec.header("content-type"), Some("application/json"));
    assert_eq!(rec.header("host"), Some(addr.to_string().as_str()));
    assert_eq!(rec.header("x-tc-action"), Some("SendSms"));
    assert_eq!(rec.header("x-tc-version"), Some("2021-01-11"));
    assert_eq!(rec.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(rec.header("x-tc-language"), Some("en-US"));
    assert_eq!(
        rec.header("x-tc-requestclient"),
        Some(concat!("SDK_RUST_", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(rec.header("x-tc-token"), None);
    assert_eq!(rec.header("x-tc-content-sha256"), None);
    let ts: i64 = rec.header("x-tc-timestamp").unwrap().parse().unwrap();
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((before..=after).contains(&ts), "{before} <= {ts} <= {after}");
    assert!(rec.header("authorization").unwrap().starts_with(&format!(
        "TC3-HMAC-SHA256 Credential={SECRET_ID}/{}/sms/tc3_request, ",
        date_of(ts)
    )));

    // execute gives the raw Response object and its RequestId.
    let raw = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap();
    assert_eq!(raw.request_id(), Some("req-ok-1"));
    assert!(raw.json().starts_with(r#"{"SendStatusSet""#) && raw.json().ends_with(r#""RequestId":"req-ok-1"}"#));
}

#[tokio::test]
async fn sequential_calls_reuse_one_connection_across_clones() {
    let (addr, log) = serve(|_| json_reply(OK_BODY)).await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let clone = client.clone();
    for c in [&client, &clone, &client] {
        let _: SendSmsResponse = c.call(&SEND_SMS, &request()).await.unwrap();
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 3);
    assert!(
        log.iter().all(|r| r.peer == log[0].peer),
        "{:?}",
        log.iter().map(|r| r.peer).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn concurrent_calls_from_clones() {
    let (addr, log) = serve(|_| json_reply(OK_BODY)).await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                let _: SendSmsResponse = c.call(&SEND_SMS, &request()).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(log.lock().unwrap().len(), 12);
}

#[tokio::test]
async fn an_empty_region_is_a_clear_error_and_nothing_is_sent() {
    let v = common::start().await;
    let http = HttpProfile::new().endpoint(v.endpoint());
    let cred = Credential::new(common::SECRET_ID, common::SECRET_KEY).unwrap();
    for region in ["", "  "] {
        let client = Client::new(
            &SMS,
            cred.clone(),
            region,
            ClientProfile::new().http_profile(http.clone()),
        );
        let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
        assert!(e.is_invalid_request(), "{e}");
        assert_eq!(e.parameter(), Some("Region"));
        assert!(e.to_string().contains("ap-guangzhou"), "{e}");
    }
    assert_eq!(v.count(), 0, "nothing was sent");
    // The positive control: a region, and no language header unless one is set.
    let client = Client::new(&SMS, cred, "ap-guangzhou", ClientProfile::new().http_profile(http));
    client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap();
    let rec = v.last();
    assert!(matches!(rec.verdict, Ok(common::Mode::Tc3 { .. })), "{:?}", rec.verdict);
    assert_eq!(rec.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(rec.header("x-tc-language"), None);
}

#[tokio::test]
async fn token_is_sent_and_signature_still_valid() {
    let (addr, log) = serve(|_| json_reply(OK_BODY)).await;
    let client = client_for(addr, credential().with_token(TOKEN), ClientProfile::new());
    let _: SendSmsResponse = client.call(&SEND_SMS, &request()).await.unwrap();
    let rec = log.lock().unwrap()[0].clone();
    assert_eq!(rec.header("x-tc-token"), Some(TOKEN));
    // Valid with the token: the emulator checks both.
    let v = common::start().await;
    let cred = Credential::new(common::TOKEN_SECRET_ID, common::SECRET_KEY)
        .unwrap()
        .with_token(common::TOKEN);
    let http = HttpProfile::new().endpoint(v.endpoint());
    let client = Client::new(&SMS, cred, "ap-guangzhou", ClientProfile::new().http_profile(http));
    client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap();
    assert!(
        matches!(&v.last().verdict, Ok(common::Mode::Tc3 { token: Some(_), .. })),
        "{:?}",
        v.last().verdict
    );
}

#[tokio::test]
async fn unsigned_payload_header_and_signature() {
    let (addr, log) = serve(|_| json_reply(OK_BODY)).await;
    let client = client_for(addr, credential(), ClientProfile::new().unsigned_payload(true));
    let _: SendSmsResponse = client.call(&SEND_SMS, &request()).await.unwrap();
    let rec = log.lock().unwrap()[0].clone();
    // The signature over it is checked by the emulator in tests/modes.rs (`unsigned_payload_post_and_get`).
    assert_eq!(rec.header("x-tc-content-sha256"), Some("UNSIGNED-PAYLOAD"));
}

/// A provider that always fails: proves skip_sign needs no credential, and that failures propagate.
#[derive(Debug)]
struct NoCredential;

impl ProvideCredential for NoCredential {
    fn provide_credential(&self) -> Pin<Box<dyn Future<Output = Result<Credential, Error>> + Send + '_>> {
        Box::pin(async { Err(Error::credential("no credential configured")) })
    }
}

#[tokio::test]
async fn skip_sign_sends_skip_without_credential() {
    let (addr, log) = serve(|_| json_reply(r#"{"Response":{"Credentials":{},"RequestId":"r"}}"#)).await;
    let client = client_for(addr, NoCredential, ClientProfile::new());
    let raw = client.execute(&UNSIGNED_ACTION, b"{}".to_vec()).await.unwrap();
    assert_eq!(raw.request_id(), Some("r"));
    let rec = log.lock().unwrap()[0].clone();
    assert_eq!(rec.header("authorization"), Some("SKIP"));
    assert_eq!(rec.header("x-tc-action"), Some("AssumeRoleWithWebIdentity"));

    // The same client fails before sending anything when the action must be signed.
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_credential(), "{e}");
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn service_error_is_typed() {
    let (addr, _log) = serve(|_| {
        json_reply(
            r#"{"Response":{"Error":{"Code":"FailedOperation.InsufficientBalanceInSmsPackage","Message":"balance too low"},"RequestId":"abc"}}"#,
        )
    })
    .await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client
        .call::<_, SendSmsResponse>(&SEND_SMS, &request())
        .await
        .unwrap_err();
    assert!(e.is_service(), "{e}");
    assert_eq!(e.code(), Some("FailedOperation.InsufficientBalanceInSmsPackage"));
    assert_eq!(e.message(), Some("balance too low"));
    assert_eq!(e.request_id(), Some("abc"));
    assert_eq!(e.status(), Some(200));
    assert_eq!(
        e.to_string(),
        "[FailedOperation.InsufficientBalanceInSmsPackage] balance too low (RequestId: abc)"
    );
}

#[tokio::test]
async fn bad_gateway_html_is_status_error_with_snippet() {
    let (addr, _log) = serve(|_| Reply {
        status: 502,
        content_type: "text/html",
        body: format!("<html><body>502 Bad Gateway</body></html>{}", "x".repeat(2000)),
    })
    .await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_status(), "{e}");
    assert_eq!(e.status(), Some(502));
    let snippet = e.body_snippet().unwrap();
    assert!(snippet.starts_with("<html><body>502 Bad Gateway"), "{snippet}");
    assert!(snippet.len() <= sdk_core::SNIPPET_LIMIT);
    assert!(e.to_string().contains("502"));
}

#[tokio::test]
async fn non_2xx_with_service_error_body_prefers_service_error() {
    let (addr, _log) = serve(|_| Reply {
        status: 500,
        content_type: "application/json",
        body: r#"{"Response":{"Error":{"Code":"InternalError","Message":"oops"},"RequestId":"r5"}}"#.into(),
    })
    .await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_service(), "{e}");
    assert_eq!(
        (e.code(), e.status(), e.request_id()),
        (Some("InternalError"), Some(500), Some("r5"))
    );
}

#[tokio::test]
async fn truncated_json_is_decode_error() {
    let (addr, _log) = serve(|_| json_reply(r#"{"Response":{"SendStatusSet":[{"SerialNo":"#)).await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_decode(), "{e}");
    assert_eq!(e.status(), Some(200));
    assert!(e.body_snippet().unwrap().contains("SendStatusSet"));
    // serde's error is summarized (where, not values) instead of kept as the source: its text quotes values.
    assert!(e.to_string().contains("line 1"), "{e}");
    assert!(std::error::Error::source(&e).is_none());
}

#[tokio::test]
async fn response_of_wrong_shape_is_decode_error_with_request_id() {
    let (addr, _log) =
        serve(|_| json_reply(r#"{"Response":{"SendStatusSet":"not a list","RequestId":"r-shape"}}"#)).await;
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client
        .call::<_, SendSmsResponse>(&SEND_SMS, &request())
        .await
        .unwrap_err();
    assert!(e.is_decode(), "{e}");
    assert_eq!(e.request_id(), Some("r-shape"));
    assert!(e.body_snippet().unwrap().contains("not a list"));
    // Display and Debug say where and what was expected, never the value found.
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("Response.SendStatusSet") && !shown.contains("not a list"),
        "{shown}"
    );
}

#[tokio::test]
async fn body_over_limit_is_rejected() {
    let big = format!(r#"{{"Response":{{"Blob":"{}","RequestId":"r"}}}}"#, "a".repeat(4096));
    let (addr, _log) = serve(move |_| json_reply(&big)).await;
    let profile = ClientProfile::new().http_profile(HttpProfile::new().max_body_size(1024));
    let client = client_for(addr, credential(), profile);
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_decode(), "{e}");
    assert!(e.to_string().contains("max_body_size"), "{e}");
}

#[tokio::test]
async fn server_that_never_answers_times_out() {
    let addr = common::silent_server().await;
    let http = HttpProfile::new().req_timeout(Duration::from_millis(300));
    let client = client_for(addr, credential(), ClientProfile::new().http_profile(http));
    let started = std::time::Instant::now();
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(!e.is_connect() && !e.is_status());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn refused_connection_is_connect_error() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    }; // dropped: nothing listens there now
    let client = client_for(addr, credential(), ClientProfile::new());
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    assert!(!e.is_timeout());
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test]
async fn invalid_endpoint_is_reported_by_the_call() {
    let http = HttpProfile::new().endpoint("http://127.0.0.1:1/some/path");
    let client = Client::new(
        &SMS,
        credential(),
        "ap-guangzhou",
        ClientProfile::new().http_profile(http),
    );
    let e = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
    assert_eq!(e.parameter(), Some("HttpProfile.endpoint"));
}

// ---------------------------------------------------------------------------------------------------------
// A custom transport.

#[derive(Debug, Default)]
struct Canned {
    seen: Mutex<Vec<HttpRequest>>,
}

impl Transport for Canned {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.seen.lock().unwrap().push(request);
        Box::pin(async {
            Ok(HttpResponse::new(
                200,
                br#"{"Response":{"RequestId":"canned"}}"#.to_vec(),
            ))
        })
    }
}

#[tokio::test]
async fn custom_transport_gets_the_signed_request() {
    let canned = Arc::new(Canned::default());
    #[derive(Debug)]
    struct Shared(Arc<Canned>);
    impl Transport for Shared {
        fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
            self.0.send(request)
        }
    }
    let client =
        Client::new(&SMS, credential(), "ap-guangzhou", ClientProfile::new()).with_transport(Shared(canned.clone()));
    let raw = client.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap();
    assert_eq!(raw.request_id(), Some("canned"));
    let seen = canned.seen.lock().unwrap();
    assert_eq!(seen[0].url, "https://sms.tencentcloudapi.com/");
    assert_eq!(seen[0].header("host"), Some("sms.tencentcloudapi.com"));
    assert!(seen[0]
        .header("authorization")
        .unwrap()
        .starts_with("TC3-HMAC-SHA256 Credential="));
    let dbg = format!("{:?}", seen[0]);
    assert!(!dbg.contains("Signature="), "{dbg}");
}

// ---------------------------------------------------------------------------------------------------------
// Secrets never show up in Debug or Display.

#[tokio::test]
async fn no_secrets_in_debug_or_display() {
    let cred = credential().with_token(TOKEN);
    let mut texts = vec![format!("{cred:?}"), cred.to_string()];

    let mut errors: Vec<Error> = Vec::new();
    errors.push(Credential::new(SECRET_ID, format!(" {SECRET_KEY}")).unwrap_err());
    errors.push(Credential::new(format!("{SECRET_ID} "), SECRET_KEY).unwrap_err());

    let (addr, _log) = serve(|rec| {
        let action = rec.header("x-tc-action").unwrap_or("");
        match action {
            "Service" => json_reply(r#"{"Response":{"Error":{"Code":"X.Y","Message":"m"},"RequestId":"r"}}"#),
            "Status" => Reply {
                status: 503,
                content_type: "text/plain",
                body: "unavailable".into(),
            },
            _ => json_reply("{\"Response\""),
        }
    })
    .await;
    let client = client_for(addr, cred.clone(), ClientProfile::new());
    for name in ["Service", "Status", "Decode"] {
        let action: &'static ActionInfo = Box::leak(Box::new(ActionInfo {
            name,
            skip_sign: false,
            retry_safe: false,
            body: sdk_core::BodyMode::Json,
        }));
        errors.push(client.execute(action, b"{}".to_vec()).await.unwrap_err());
    }
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    errors.push(
        client_for(refused, cred.clone(), ClientProfile::new())
            .execute(&SEND_SMS, b"{}".to_vec())
            .await
            .unwrap_err(),
    );
    errors.push(Error::timeout("deadline"));
    errors.push(Error::invalid_request("PhoneNumberSet", "must not be empty"));
    let bad_proxy = ClientProfile::new().http_profile(HttpProfile::new().proxy(format!("http://u:{SECRET_KEY}@[::1")));
    let with_bad_proxy = Client::new(&SMS, cred.clone(), "ap-guangzhou", bad_proxy);
    errors.push(with_bad_proxy.execute(&SEND_SMS, b"{}".to_vec()).await.unwrap_err());

    let kinds = |e: &Error| {
        [
            e.is_service(),
            e.is_status(),
            e.is_decode(),
            e.is_connect(),
            e.is_timeout(),
            e.is_invalid_request(),
            e.is_credential(),
        ]
    };
    let mut covered = [false; 7];
    for e in &errors {
        for (c, k) in covered.iter_mut().zip(kinds(e)) {
            *c |= k;
        }
        texts.push(format!("{e:?}"));
        texts.push(e.to_string());
        texts.push(format!("{e:#?}"));
    }
    assert_eq!(covered, [true; 7], "every error kind is checked");
    texts.push(format!("{client:?}"));
    texts.push(format!("{with_bad_proxy:?}"));

    for t in &texts {
        assert!(!t.contains(SECRET_KEY), "secret key in: {t}");
        assert!(!t.contains(TOKEN), "token in: {t}");
        assert!(!t.contains("Signature="), "signature in: {t}");
    }
}
