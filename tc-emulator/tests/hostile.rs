//! What one hostile or careless request can do to the emulator (issue 14 items 11, 13, 14, 15): nothing but
//! get an error. Each test failed (or killed the process) before the fix it names.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use tc_emulator::{Emulator, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The emulator still serves a normal signed request.
async fn still_serving(emu: &Emulator) {
    let resp = Call::sms(
        "DescribeSmsSignList",
        json!({"SignIdSet": [tc_emulator::SEED_SIGN_ID], "International": 0}),
    )
    .response(emu)
    .await;
    expect_ok(&resp);
}

/// Item 11: an unauthenticated GET (`Authorization: SKIP` on sts AssumeRoleWithWebIdentity) with one query key
/// of 30,000 dotted segments overflowed the stack in the recursive coerce/drop and killed the process.
#[tokio::test]
async fn deeply_nested_query_key_is_a_clear_error() {
    let emu = Emulator::start().await.unwrap();
    let key = vec!["a"; 30_000].join(".");
    let mut call = Call::get("AssumeRoleWithWebIdentity", "2018-08-13", &format!("{key}=1"));
    call.service = "sts".into();
    call.host = Some("sts.tencentcloudapi.com".into());
    call.authorization = Some("SKIP".into());
    let resp = call.response(&emu).await;
    assert_eq!(code(&resp), Some("InvalidParameter"), "{resp}");
    assert!(
        resp["Error"]["Message"].as_str().unwrap().contains("32 levels"),
        "{resp}"
    );
    still_serving(&emu).await;
}

/// Item 14: `X-TC-Timestamp` near `i64::MIN` overflowed `(ts - now).abs()` (a panic in debug builds).
#[tokio::test]
async fn extreme_timestamps_are_expired_not_overflowed() {
    let emu = Emulator::start().await.unwrap();
    for ts in [i64::MIN, i64::MIN + 1, i64::MAX, -1] {
        let mut call = Call::sms("DescribeSmsSignList", json!({"SignIdSet": [1], "International": 0}));
        // Signed now (the test's own date code is not built for such years); only the header is extreme.
        call.authorization = Some(call.authorization_for(&emu.base_url()));
        call.timestamp = ts;
        let resp = call.response(&emu).await;
        assert_eq!(code(&resp), Some("AuthFailure.SignatureExpire"), "{ts}: {resp}");
    }
    still_serving(&emu).await;
}

async fn raw_exchange(emu: &Emulator, request: &[u8]) -> String {
    let mut s = TcpStream::connect(emu.base_url().trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Item 13: bodies were buffered whole before authentication (a 256 MiB unauthenticated POST was read).
#[tokio::test]
async fn oversized_bodies_are_refused_before_reading() {
    let limits = Limits {
        max_body_bytes: 4096,
        ..Limits::default()
    };
    let emu = Emulator::builder().limits(limits).start().await.unwrap();
    // Declared too large, nothing sent after the headers: answered from the headers alone.
    let declared =
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n";
    let answer = raw_exchange(&emu, declared).await;
    assert!(answer.contains("RequestSizeLimitExceeded"), "{answer}");
    // Chunked, no length declared: cut off at the limit.
    let mut chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(format!("{:x}\r\n{}\r\n", 2000, "a".repeat(2000)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&emu, &chunked).await;
    assert!(answer.contains("RequestSizeLimitExceeded"), "{answer}");
    still_serving(&emu).await;
}

/// Item 13: half-sent headers held a connection open indefinitely (200 of them stayed 40 s).
#[tokio::test]
async fn slow_headers_and_bodies_are_cut_off() {
    let limits = Limits {
        request_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let emu = Emulator::builder().limits(limits).start().await.unwrap();
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), half.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "a connection with half-sent headers was kept open");
    // A body that never arrives after complete headers: answered with an error, not held.
    let stalled = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
    let answer = raw_exchange(&emu, stalled).await;
    assert!(answer.contains("RequestTimeout"), "{answer}");
    still_serving(&emu).await;
}

/// Item 15: `/_emulator/*` accepted `text/plain` POSTs with no check, so any web page could drive (or, with
/// `--bind 0.0.0.0`, read) a loopback emulator.
#[tokio::test]
async fn admin_paths_need_the_token_and_json() {
    let emu = Emulator::start().await.unwrap();
    let base = emu.base_url();
    let plain = client();
    let status = |r: reqwest::Response| r.status().as_u16();
    let r = plain
        .post(format!("{base}/_emulator/reset"))
        .header("Content-Type", "text/plain")
        .send()
        .await;
    assert_eq!(status(r.unwrap()), 403, "a browser-style POST without the token");
    let r = plain.get(format!("{base}/_emulator/sms/sent")).send().await;
    assert_eq!(status(r.unwrap()), 403, "reading sent codes without the token");
    let r = plain
        .post(format!("{base}/_emulator/reset"))
        .header(tc_emulator::ADMIN_TOKEN_HEADER, "0".repeat(32))
        .header("Content-Type", "application/json")
        .send()
        .await;
    assert_eq!(status(r.unwrap()), 403, "a wrong token");
    let r = plain
        .post(format!("{base}/_emulator/reset"))
        .header(tc_emulator::ADMIN_TOKEN_HEADER, emu.admin_token())
        .header("Content-Type", "text/plain")
        .send()
        .await;
    assert_eq!(status(r.unwrap()), 415, "the token but a form/text content type");
    let r = admin_client(&emu).post(format!("{base}/_emulator/reset")).send().await;
    assert_eq!(status(r.unwrap()), 200);
    let health: Value = plain
        .get(format!("{base}/_emulator/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["ok"], true, "health stays open for readiness checks");
    assert_eq!(emu.admin_token().len(), 32);
    let other = Emulator::start().await.unwrap();
    assert_ne!(emu.admin_token(), other.admin_token(), "random per start");
}

/// Query string, headers (name, raw value bytes) and body of one hostile request.
type HostileRequest = (String, Vec<(String, Vec<u8>)>, Vec<u8>);

fn hostile_request() -> impl Strategy<Value = HostileRequest> {
    let key = prop_oneof![
        "[A-Za-z.]{0,40}",
        (1usize..200).prop_map(|n| vec!["Filters"; n].join(".")),
        (1usize..2000).prop_map(|n| "k".repeat(n)),
    ];
    let query = proptest::collection::vec((key, "[ -~]{0,20}"), 0..4).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '#', ' '], "_")))
            .collect::<Vec<_>>()
            .join("&")
    });
    let header_value = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        Just(b"SKIP".to_vec()),
        "TC3-HMAC-SHA256 Credential=[ -~]{0,40}, SignedHeaders=[a-z;]{0,20}, Signature=[0-9a-f]{0,70}"
            .prop_map(String::into_bytes),
    ];
    let header_name = prop_oneof![
        Just("Authorization".to_owned()),
        Just("X-TC-Timestamp".to_owned()),
        Just("X-TC-Action".to_owned()),
        Just("X-TC-Version".to_owned()),
        Just("Content-Type".to_owned()),
        Just("X-TC-Token".to_owned()),
        "X-[A-Za-z]{1,10}",
    ];
    let headers = proptest::collection::vec((header_name, header_value), 0..6);
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        (1usize..400).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        (1usize..400).prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
    ];
    (query, headers, body)
}

/// A property test: hostile queries, headers and bodies never panic the emulator, and it keeps answering.
#[test]
fn hostile_requests_never_kill_the_emulator() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(Emulator::start()).unwrap();
    let base = emu.base_url();
    let http = client();
    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |((query, headers, body) in hostile_request())| {
        let status = rt.block_on(async {
            let mut rb = http.post(format!("{base}/?{query}")).body(body.clone());
            for (name, value) in &headers {
                if let Ok(v) = reqwest::header::HeaderValue::from_bytes(value) {
                    rb = rb.header(name.as_str(), v);
                }
            }
            rb.send().await.map(|r| r.status().as_u16())
        });
        // Any answer is fine; no answer (a dead server or a dropped connection) is not.
        prop_assert!(status.is_ok(), "no answer: {status:?}");
    });
    rt.block_on(still_serving(&emu));
}

/// Item 12: a template parameter holding `{2}` was substituted again (35 KB of parameters made 100 MB of text,
/// then cloned per number). One pass: parameters are copied as sent.
#[tokio::test]
async fn template_parameters_are_not_expanded_again() {
    let emu = Emulator::start().await.unwrap();
    let first = "{2}{1}".repeat(2000);
    let body = json!({
        "PhoneNumberSet": ["+8618501234444", "+8618501234445"],
        "SmsSdkAppId": tc_emulator::SEED_SDK_APP_ID,
        "SignName": tc_emulator::SEED_SIGN_NAME,
        "TemplateId": tc_emulator::SEED_TEMPLATE_ID.to_string(),
        "TemplateParamSet": [first, "{1}"],
    });
    let _ = Call::sms("SendSms", body).response(&emu).await;
    let sent = emu.sms().sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    for s in &sent {
        assert!(
            s.text.contains(&format!("您的验证码是{first}，请于{{1}}分钟内填写。")),
            "{}",
            s.text
        );
        assert!(s.text.len() < 20_000, "expanded: {} bytes", s.text.len());
    }
}

/// Issue 13: a misspelt region (`ap-guangzhuo`) succeeded against the emulator; the service answers
/// `UnsupportedRegion`.
#[tokio::test]
async fn unknown_regions_are_unsupported() {
    let emu = Emulator::start().await.unwrap();
    let base = emu.base_url();
    let call = Call::sms(
        "DescribeSmsSignList",
        json!({"SignIdSet": [tc_emulator::SEED_SIGN_ID], "International": 0}),
    );
    let auth = call.authorization_for(&base);
    let send = |region: &'static str| {
        let auth = auth.clone();
        let call = &call;
        let base = base.clone();
        async move {
            let r = client()
                .post(format!("{base}/"))
                .body(call.body.clone())
                .header("Authorization", auth)
                .header("Content-Type", &call.content_type)
                .header("X-TC-Action", &call.action)
                .header("X-TC-Version", &call.version)
                .header("X-TC-Timestamp", call.timestamp.to_string())
                .header("X-TC-Region", region)
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()["Response"].clone()
        }
    };
    let typo = send("ap-guangzhuo").await;
    assert_eq!(code(&typo), Some("UnsupportedRegion"), "{typo}");
    expect_ok(&send("ap-beijing").await);
}

/// Issue 26 finding 2: the request log kept whole bodies of unauthenticated requests (150 × 10 MB held
/// 1.43 GB). Such a request is kept as a summary, and the log is bounded by bytes.
#[tokio::test]
async fn unauthenticated_bodies_are_not_kept_and_the_log_is_bounded_by_bytes() {
    let emu = Emulator::builder()
        .request_log_max_bytes(4 << 20)
        .start()
        .await
        .unwrap();
    let big = "x".repeat(1 << 20);
    let http = client();
    for _ in 0..20 {
        // As a web page could send it: text/plain, no preflight, no signature.
        let r = http
            .post(emu.base_url())
            .header("Content-Type", "text/plain")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let log = emu.requests();
    assert_eq!(log.len(), 20);
    assert!(
        log.iter()
            .all(|r| r.body.len() < 200 && r.body.contains("1048576 bytes")),
        "{:?}",
        log[0].body
    );
    assert!(emu.request_log_bytes() < 100_000, "{}", emu.request_log_bytes());
    // Signed requests keep their bodies, within the byte bound: the oldest go first.
    for i in 0..10 {
        let body = json!({"SignIdSet": [1110], "International": 0, "Padding": format!("{i}{big}")});
        let resp = Call::sms("DescribeSmsSignList", body).response(&emu).await;
        assert_eq!(code(&resp), Some("UnknownParameter"), "{resp}");
    }
    let log = emu.requests();
    assert!(emu.request_log_bytes() <= 4 << 20, "{}", emu.request_log_bytes());
    let kept_big: Vec<_> = log.iter().filter(|r| r.body.len() > 1 << 20).collect();
    assert!((2..=4).contains(&kept_big.len()), "{}", kept_big.len());
    let newest = &log.last().unwrap().body;
    assert!(
        newest.contains("\"Padding\":\"9xxx") && newest.len() > 1 << 20,
        "the newest is kept whole"
    );
}

/// Issue 26 finding 3: error answers quoted the session token (TC3 canonical request with a signed
/// `x-tc-token`; the legacy string to sign with `Token=`).
#[tokio::test]
async fn signature_errors_never_quote_the_session_token() {
    let token = "session-token-d41d8cd98f00b204";
    let emu = Emulator::builder()
        .temporary_credential("AKIDTEMP", "temp-key", token)
        .start()
        .await
        .unwrap();
    let mut call = Call::sms("DescribeSmsSignList", json!({"SignIdSet": [1110], "International": 0}));
    call.secret_id = "AKIDTEMP".into();
    call.secret_key = "a-wrong-key".into();
    call.extra_signed = vec![("x-tc-token".into(), token.into())];
    let text = call.send(&emu).await.unwrap().text().await.unwrap();
    assert!(
        text.contains("AuthFailure.SignatureFailure") && text.contains("x-tc-token:***"),
        "{text}"
    );
    assert!(!text.contains(token), "{text}");

    let mut legacy = legacy::LegacyCall::sms(
        "DescribeSmsSignList",
        &[("SignIdSet.0", "1110"), ("International", "0")],
    );
    legacy.secret_id = "AKIDTEMP".into();
    legacy.secret_key = "a-wrong-key".into();
    legacy.token = Some(token.into());
    let text = legacy.send(&emu).await.text().await.unwrap();
    assert!(
        text.contains("AuthFailure.SignatureFailure") && text.contains("Token=***"),
        "{text}"
    );
    assert!(!text.contains(token), "{text}");
}

/// Issue 26 finding 3: `--echo` Params and the request log returned `WebIdentityToken` (a bearer credential).
#[tokio::test]
async fn echo_and_the_request_log_mask_secret_members() {
    let secret = "eyJhbGciOiJSUzI1NiJ9.web-identity";
    let body = json!({
        "ProviderId": "OIDC", "WebIdentityToken": secret, "RoleArn": "qcs::cam::uin/1:roleName/r",
        "RoleSessionName": "s", "Nested": {"Password": secret}
    });
    for echo in [true, false] {
        let emu = Emulator::builder().echo(echo).start().await.unwrap();
        let mut call = Call::new("AssumeRoleWithWebIdentity", "2018-08-13", body.clone());
        call.service = "sts".into();
        call.host = Some("sts.tencentcloudapi.com".into());
        call.authorization = Some("SKIP".into());
        let text = call.send(&emu).await.unwrap().text().await.unwrap();
        assert!(!text.contains(secret), "echo {echo}: {text}");
        if echo {
            let answer: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(answer["Response"]["Params"]["WebIdentityToken"], "***", "{text}");
            assert_eq!(answer["Response"]["Params"]["RoleArn"], "qcs::cam::uin/1:roleName/r");
        }
        let log = admin_get(&emu, "requests").await.to_string();
        assert!(
            !log.contains(secret) && log.contains("qcs::cam::uin"),
            "echo {echo}: {log}"
        );
        assert!(emu.requests().iter().all(|r| !r.body.contains(secret)));
    }
}

/// Issue 26 finding 10: `POST /_emulator/clock {"OffsetSeconds": i64::MAX}` made every later request panic.
#[tokio::test]
async fn out_of_range_clock_offsets_are_refused_or_clamped() {
    let emu = Emulator::start().await.unwrap();
    for offset in [i64::MAX, i64::MIN, -(1i64 << 62)] {
        let r = admin_client(&emu)
            .post(format!("{}/_emulator/clock", emu.base_url()))
            .body(json!({"OffsetSeconds": offset}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{offset}");
        assert!(r.text().await.unwrap().contains("within"));
    }
    assert_eq!(emu.clock_offset(), 0);
    still_serving(&emu).await;
    // The Rust API clamps: the clock stays usable, health and admin answer.
    emu.set_clock_offset(i64::MAX);
    assert_eq!(emu.clock_offset(), tc_emulator::clock::MAX_CLOCK_OFFSET_SECS);
    let health = client()
        .get(format!("{}/_emulator/health", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let resp = Call::sms("DescribeSmsSignList", json!({"SignIdSet": [1110], "International": 0}))
        .response(&emu)
        .await;
    assert_eq!(code(&resp), Some("AuthFailure.SignatureExpire"), "{resp}");
    emu.set_clock_offset(i64::MIN);
    assert!(emu.now() < 0);
    emu.set_clock_offset(0);
    still_serving(&emu).await;
}

/// A fault answers before the action, yet the log still tells a signed request (body kept) from a
/// stranger's (summary only).
#[tokio::test]
async fn faulted_requests_keep_bodies_only_when_signed() {
    let emu = Emulator::builder()
        .fault(tc_emulator::Fault::error_code("InternalError"))
        .start()
        .await
        .unwrap();
    let signed = Call::sms("DescribeSmsSignList", json!({"SignIdSet": [1110], "International": 0}));
    assert_eq!(code(&signed.response(&emu).await), Some("InternalError"));
    let r = client()
        .post(emu.base_url())
        .header("Content-Type", "text/plain")
        .body("x".repeat(10_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let log = emu.requests();
    assert!(log[0].body.contains("SignIdSet"), "{:?}", log[0].body);
    assert!(log[1].body.contains("10000 bytes not kept"), "{:?}", log[1].body);
}
