//! Property tests of every parser of outside bytes in the emulator, called directly (no sockets, so
//! thousands of cases run in seconds; `tests/hostile.rs` drives the same over HTTP): the request head,
//! query strings and percent decoding, JSON, multipart and octet-stream bodies, flattened parameters and
//! their validation against the specs, SMS inputs, admin bodies, fault specs, callback URLs and the secret
//! masking. Each property: no panic, and an output bounded by the input (no hang, no unbounded memory).

use std::sync::{Arc, Mutex, OnceLock};

use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, Request, StatusCode};
use proptest::prelude::*;
use serde_json::Value;

use crate::auth::CredentialStore;
use crate::catalog::{parse_query, percent_decode};
use crate::head::RequestHead;
use crate::pipeline::{process, ApiRequest};
use crate::product::{Products, StatefulProduct};
use crate::request_log::RequestLog;
use crate::state::Shared;
use crate::{Credential, Sms, StreamOptions};

/// `cases` per property, or `PROPTEST_CASES` when set (a soak run:
/// `PROPTEST_CASES=100000 cargo test --release -p tc-emulator --lib parser_props`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The emulator's state as `EmulatorBuilder::start` makes it, without a socket; made once per mode.
fn shared(echo: bool) -> &'static Shared {
    static NORMAL: OnceLock<Shared> = OnceLock::new();
    static ECHO: OnceLock<Shared> = OnceLock::new();
    let cell = if echo { &ECHO } else { &NORMAL };
    cell.get_or_init(|| new_shared(echo))
}

fn new_shared(echo: bool) -> Shared {
    let mut products = Products::default();
    products.register(Arc::new(Sms::new()));
    Shared {
        catalog: crate::specs::load(None).expect("bundled specs load"),
        creds: CredentialStore::new(&[Credential::new(crate::DEFAULT_SECRET_ID, crate::DEFAULT_SECRET_KEY)]),
        clock: crate::clock::Clock::new(0),
        faults: crate::faults::Faults::new(Vec::new()),
        products,
        echo,
        ids: crate::response::RequestIds::new(),
        log: Mutex::new(RequestLog::new(100, 1 << 20)),
        limits: crate::Limits::default(),
        admin_token: "0".repeat(32),
        stream: StreamOptions::default().bounded(),
        stream_counters: Arc::default(),
        connections_accepted: Default::default(),
        status_push: None,
    }
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("authorization".to_owned()),
        Just("content-type".to_owned()),
        Just("host".to_owned()),
        Just("x-tc-action".to_owned()),
        Just("x-tc-version".to_owned()),
        Just("x-tc-region".to_owned()),
        Just("x-tc-timestamp".to_owned()),
        Just("x-tc-token".to_owned()),
        Just("x-tc-content-sha256".to_owned()),
        "x-[a-z]{1,6}-[a-z]{1,10}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48),
        Just(b"SKIP".to_vec()),
        Just(b"sts.tencentcloudapi.com".to_vec()),
        Just(b"AssumeRoleWithWebIdentity".to_vec()),
        Just(b"2018-08-13".to_vec()),
        Just(b"multipart/form-data; boundary=B".to_vec()),
        Just(b"application/octet-stream".to_vec()),
        Just(b"application/x-www-form-urlencoded".to_vec()),
        "TC3-HMAC-SHA256 Credential=[ -~]{0,40}, SignedHeaders=[a-z;-]{0,30}, Signature=[0-9a-f]{0,64}"
            .prop_map(String::into_bytes),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        "[ -~]{0,200}".prop_map(String::into_bytes),
        "(Signature|SecretId|Action|Version|Token|Nonce|Timestamp|[A-Za-z.0-9]{1,8})=[ -~]{0,10}(&[A-Za-z.]{1,6}=[ -%'-~]{0,8}){0,6}"
            .prop_map(String::into_bytes),
        "--B\r\n(Content-Disposition: form-data; name=\"[A-Za-z]{0,6}\"(; filename=\"f\")?\r\n)?(Content-Type: application/json\r\n)?\r\n[ -~]{0,20}\r\n--B(--|\r\n)"
            .prop_map(String::into_bytes),
        (1usize..300).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        Just(br#"{"ProviderId":"p","WebIdentityToken":"t","RoleArn":"r","RoleSessionName":"s"}"#.to_vec()),
    ]
}

/// Method, query, headers (name, raw value), body.
type RawRequest = (Method, String, Vec<(String, Vec<u8>)>, Vec<u8>);

fn request() -> impl Strategy<Value = RawRequest> {
    let method = prop_oneof![Just(Method::POST), Just(Method::GET), Just(Method::PUT)];
    let query = "[ -~&&[^# ]]{0,60}";
    let headers = proptest::collection::vec((header_name(), header_value()), 0..8);
    (method, query, headers, body())
}

fn parts(method: Method, query: &str, headers: &[(String, Vec<u8>)]) -> Parts {
    let uri = format!("/?{}", query.replace(|c: char| !c.is_ascii_graphic(), "_"));
    let mut builder = Request::builder().method(method).uri(uri.as_str());
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            builder = builder.header(n, v);
        }
    }
    let request = builder.body(()).or_else(|_| Request::builder().uri("/").body(()));
    request.expect("a plain request builds").into_parts().0
}

proptest! {
    #![proptest_config(config(1024))]

    /// Query strings: every pair comes from the input, decoded text is never longer than its input.
    #[test]
    fn query_strings_decode_within_their_input(q in "[ -~]{0,200}", raw in proptest::collection::vec(any::<u8>(), 0..100)) {
        let pairs = parse_query(&q);
        prop_assert!(pairs.len() <= q.matches('&').count() + 1);
        prop_assert!(pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() <= q.len());
        let text = String::from_utf8_lossy(&raw);
        prop_assert!(percent_decode(&text).len() <= text.len() * 3);
        let masked = crate::secrets::redact_form(&q);
        prop_assert!(masked.len() <= q.len() + 4 * (q.matches('&').count() + 1));
    }

    /// Bodies as the log keeps them: no panic, bounded, and a secret under a secret name never survives.
    #[test]
    fn masking_bounds_and_hides(body in body(), secret in "[a-z0-9]{12,20}") {
        let shown = crate::secrets::redact_body(&body);
        prop_assert!(shown.len() <= body.len() * 3 + 64);
        let json = format!(r#"{{"A":{{"SessionToken":"{secret}"}},"B":[{{"Password":"{secret}"}}]}}"#);
        prop_assert!(!crate::secrets::redact_body(json.as_bytes()).contains(&secret));
        let form = format!("A=1&Token={secret}&Signature={secret}");
        prop_assert!(!crate::secrets::redact_body(form.as_bytes()).contains(&secret));
    }

    /// Multipart and octet-stream bodies: an upload or a clear error, at most `MAX_PARTS` parameters.
    #[test]
    fn uploads_parse_or_refuse(body in body(), boundary in "[A-Za-z0-9'()+_,./:=?-]{0,80}") {
        let mut headers = hyper::HeaderMap::new();
        let ct = format!("multipart/form-data; boundary={boundary}");
        if let Ok(v) = HeaderValue::from_str(&ct) {
            headers.insert(hyper::header::CONTENT_TYPE, v);
        }
        if let Ok(Some(crate::body::Upload::Multipart(map))) = crate::body::upload(&headers, &body) {
            prop_assert!(map.len() <= crate::body::MAX_PARTS);
        }
        headers.insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        headers.insert("x-cls-topicid", HeaderValue::from_static("t"));
        prop_assert!(matches!(crate::body::upload(&headers, &body), Ok(Some(_))));
        let pairs = crate::body::octet_stream_pairs(&headers, ["TopicId", "Other"].into_iter());
        prop_assert_eq!(pairs.len(), 1);
    }

    /// Fault specs (`--fault`, `POST /_emulator/faults`) and callback URLs parse or refuse, never panic.
    #[test]
    fn fault_specs_and_callback_urls(spec in "[ -~]{0,60}", url in "(http://)?[ -~]{0,60}") {
        let _ = spec.parse::<crate::Fault>();
        if crate::StatusCallback::new(url.clone()).checked().is_ok() {
            prop_assert!(url.starts_with("http://") && !url.contains(['\r', '\n', ' ']));
        }
    }
}

proptest! {
    #![proptest_config(config(384))]

    /// The request head and every pipeline stage after it, echo and normal mode: an answer or an API
    /// error, never a panic; error messages quote no more than a bounded part of the input.
    #[test]
    fn any_request_gets_an_answer((method, query, headers, body) in request(), echo in any::<bool>()) {
        let shared = shared(echo);
        let parts = parts(method, &query, &headers);
        let head = RequestHead::parse(&parts, &body);
        let req = ApiRequest { parts: &parts, body: &body, head: &head, request_id: "id" };
        let out = process(shared, &req);
        if let Err(e) = &out.result {
            prop_assert!(!e.code.is_empty());
            let bound = 2048 + body.len() + query.len() * 3;
            prop_assert!(e.message.len() <= bound, "{} > {}", e.message.len(), bound);
        }
    }

    /// Flattened parameters and JSON inputs of every SMS and STS action: converted and validated against the
    /// spec, then answered by the SMS plug-in, without a panic.
    #[test]
    fn inputs_validate_then_answer(
        pairs in proptest::collection::vec(("[A-Za-z]{1,16}(\\.[0-9A-Za-z]{1,3}){0,4}", "[ -~]{0,12}"), 0..8),
        json in "[ -~]{0,120}",
        which in any::<prop::sample::Index>(),
    ) {
        let shared = shared(false);
        let sms = Sms::new();
        for (product, version) in [("sms", "2021-01-11"), ("sts", "2018-08-13")] {
            let v = shared.catalog.version(product, version).expect("bundled");
            let names: Vec<&String> = v.actions.keys().collect();
            let action = &v.actions[names[which.index(names.len())].as_str()];
            let pairs: Vec<(String, String)> = pairs.clone();
            if let Ok(input) = v.query_to_json(action, &pairs) {
                if v.validate(action, &input).is_ok() && product == "sms" {
                    let _ = sms.handle(&action.name, &input, 0);
                }
            }
            if let Ok(input) = serde_json::from_str::<Value>(&json) {
                if v.validate(action, &input).is_ok() && product == "sms" {
                    let _ = sms.handle(&action.name, &input, 0);
                }
            }
        }
    }

    /// Admin bodies: any bytes to any admin path are answered (2xx or 4xx), and the clock stays usable.
    #[test]
    fn admin_bodies_are_answered(
        path in prop_oneof![
            Just("clock"), Just("faults"), Just("reset"), Just("requests"), Just("stats"),
            Just("sms/signs/1110/approve"), Just("sms/templates/1/reject"), Just("nothing/here"),
        ],
        method in prop_oneof![Just(Method::POST), Just(Method::GET), Just(Method::DELETE)],
        body in prop_oneof![
            body(),
            any::<i64>().prop_map(|n| format!(r#"{{"OffsetSeconds":{n}}}"#).into_bytes()),
            any::<f64>().prop_map(|n| format!(r#"{{"OffsetSeconds":{n}}}"#).into_bytes()),
            "[ -~]{0,40}".prop_map(|f| serde_json::json!({"Fault": f, "ReviewReply": f}).to_string().into_bytes()),
        ],
    ) {
        // Its own state: admin requests change it (clock, faults, reset).
        static ADMIN: OnceLock<Shared> = OnceLock::new();
        let shared = ADMIN.get_or_init(|| new_shared(false));
        let uri = format!("/_emulator/{path}");
        let mut parts = Request::builder().method(method).uri(uri.as_str()).body(()).expect("request").into_parts().0;
        parts.headers.insert(crate::ADMIN_TOKEN_HEADER, HeaderValue::from_static("00000000000000000000000000000000"));
        parts.headers.insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let answer = crate::admin::handle(shared, &parts, &body);
        prop_assert!(answer.status().is_success() || answer.status().is_client_error());
        prop_assert!(answer.status() != StatusCode::INTERNAL_SERVER_ERROR);
        let _ = shared.clock.now();
        prop_assert!(shared.clock.offset().unsigned_abs() <= crate::clock::MAX_CLOCK_OFFSET_SECS.unsigned_abs());
    }
}
