//! Issue 26 finding 3 (the SDK half): a server may quote what it received in its error text — the legacy
//! string-to-sign holds `Token=`, a TC3 canonical request holds `x-tc-token` when it is signed, and some
//! servers quote the signature they expected or got. The SDK removes its own secret values (SecretKey, the
//! session token, the request's signature) from any text a server sends back before keeping it, so they
//! appear in no `Display`, `Debug`, `message()`, `body_snippet()` or DEBUG log line.
//!
//! The server here is a real loopback HTTP server that answers every request with an error quoting the
//! request's whole head and body (as a verifier explaining a signature mismatch would).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::{ClientProfile, CommonClient, Credential, Error, HttpMethod, HttpProfile, SignMethod};
use serde_json::json;
use tokio::net::TcpListener;

const SECRET_KEY: &str = "SERVERTEXT-secret-key-0123456789";
const TOKEN: &str = "SERVERTEXT-session-token/with+odd=chars";

/// What the server quotes: the request line, every header and the body, as one text.
fn quote(head: &hyper::http::request::Parts, body: &[u8]) -> String {
    // The key itself first, as a server that knows it might print it beside the string it signed.
    let mut text = format!("expected with key {SECRET_KEY}\n{} {}\n", head.method, head.uri);
    for (name, value) in &head.headers {
        text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
    }
    text.push_str(&String::from_utf8_lossy(body));
    text
}

/// Serves on 127.0.0.1: `mode` "service" answers a service error quoting the request, "status" a 500 page
/// quoting it, "event" an event stream whose one event is such a service error. Returns the address and every quoted text (to check the secrets really were quoted).
async fn quoting_server(mode: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let quoted = Arc::new(Mutex::new(Vec::new()));
    let seen = quoted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            let service = service_fn(move |request: Request<Incoming>| {
                let seen = seen.clone();
                async move {
                    let (head, body) = request.into_parts();
                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let text = quote(&head, &body);
                    seen.lock().unwrap().push(text.clone());
                    if mode == "event" {
                        let event = json!({"Response": {
                            "Error": {"Code": "AuthFailure.SignatureFailure", "Message": text},
                            "RequestId": "req-server-text"}});
                        return Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "text/event-stream")
                                .body(Full::new(Bytes::from(format!("data: {event}\n\n"))))
                                .unwrap(),
                        );
                    }
                    let (status, answer) = match mode {
                        "service" => (
                            200,
                            json!({"Response": {
                                "Error": {"Code": "AuthFailure.SignatureFailure", "Message": text},
                                "RequestId": "req-server-text"}})
                            .to_string(),
                        ),
                        _ => (500, format!("<html><pre>{text}</pre></html>")),
                    };
                    Ok::<_, Infallible>(
                        Response::builder()
                            .status(status)
                            .body(Full::new(Bytes::from(answer)))
                            .unwrap(),
                    )
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}"), quoted)
}

/// Every signature value the request carried, as the server saw it (TC3 `Signature=` of `Authorization`,
/// legacy `Signature=` parameter, percent-encoded or not).
fn signatures_in(quoted: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in quoted.match_indices("Signature=") {
        let value: String = quoted[i + "Signature=".len()..]
            .chars()
            .take_while(|c| !matches!(c, '&' | ',' | ' ' | '\n' | '"'))
            .collect();
        if !value.is_empty() {
            found.push(value);
        }
    }
    found
}

async fn failing_call(mode: &'static str, sign: SignMethod, method: HttpMethod) -> (Error, String) {
    let (url, quoted) = quoting_server(mode).await;
    let mut profile = ClientProfile::new()
        .sign_method(sign)
        .http_profile(HttpProfile::new().endpoint(url).req_method(method));
    if sign == SignMethod::Tc3HmacSha256 {
        // The legacy sign methods sign no extra header.
        profile = profile.signed_header("X-TC-TraceId", "trace-1");
    }
    let credential = Credential::new("AKIDservertext00001", SECRET_KEY)
        .unwrap()
        .with_token(TOKEN);
    let client = CommonClient::new("sms", "2021-01-11", credential, "ap-guangzhou", profile);
    let request = json!({"SignIdSet": [1], "International": 0});
    let e = if mode == "event" {
        let options = sdk_core::CallOptions::new();
        let mut events = client
            .call_stream::<_, serde_json::Value>("DescribeSmsSignList", &request, &options)
            .await
            .unwrap();
        events.next().await.unwrap().unwrap_err()
    } else {
        client.call_json("DescribeSmsSignList", &request).await.unwrap_err()
    };
    let quoted = quoted.lock().unwrap().join("\n");
    (e, quoted)
}

#[tokio::test]
async fn server_text_quoting_the_request_never_shows_the_callers_secrets() {
    for mode in ["service", "status", "event"] {
        for (sign, method) in [
            (SignMethod::Tc3HmacSha256, HttpMethod::Post),
            (SignMethod::Tc3HmacSha256, HttpMethod::Get),
            (SignMethod::HmacSha1, HttpMethod::Get),
            (SignMethod::HmacSha256, HttpMethod::Post),
        ] {
            let (e, quoted) = failing_call(mode, sign, method).await;
            let signatures = signatures_in(&quoted);
            let at = format!("{mode} {sign:?} {method:?}");
            // The server really quoted the secrets: otherwise the test proves nothing.
            assert!(quoted.contains(SECRET_KEY), "{at}: {quoted}");
            assert!(
                quoted.contains(TOKEN) || quoted.contains("SERVERTEXT-session-token%2Fwith%2Bodd%3Dchars"),
                "{at}: {quoted}"
            );
            assert!(!signatures.is_empty(), "{at}: no signature quoted: {quoted}");
            let shown = format!(
                "{e}\n{e:?}\n{e:#?}\n{}\n{}",
                e.message().unwrap_or_default(),
                e.body_snippet().unwrap_or_default()
            );
            let mut secrets = vec![
                SECRET_KEY.to_owned(),
                TOKEN.to_owned(),
                "SERVERTEXT-session-token%2Fwith%2Bodd%3Dchars".to_owned(),
            ];
            secrets.extend(signatures);
            for secret in &secrets {
                assert!(!shown.contains(secret.as_str()), "{at}: {secret} shown in {shown}");
            }
            // What is not a secret stays, so the text is still useful.
            let kept = if mode != "status" {
                e.message().unwrap_or_default()
            } else {
                e.body_snippet().unwrap_or_default()
            };
            if mode != "status" {
                assert!(kept.contains("AKIDservertext00001"), "{at}: {kept}");
            }
            assert!(kept.contains("***"), "{at}: {kept}");
        }
    }
}
