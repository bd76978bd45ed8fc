//! A request goes only where the caller said (issue 14 items 6-7): product, version, action, region and
//! endpoint strings that could move the host, path or headers are refused before anything is built or sent.
//! A loopback listener stands where a hostile string would send the signed request and counts connections;
//! the emulator is the positive control (the same client shape with good strings reaches it and verifies).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sdk_core::{ClientProfile, CommonClient, Credential, HttpProfile};
use serde_json::json;

/// A listener that accepts and counts connections (and never answers).
async fn trap() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (addr, hits)
}

fn credential() -> Credential {
    Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap()
}

fn quick(profile: ClientProfile) -> ClientProfile {
    profile.retry_policy(sdk_core::RetryPolicy::none())
}

#[tokio::test]
async fn hostile_product_version_action_region_send_nothing() {
    let (trap_addr, hits) = trap().await;
    // With no endpoint, the product becomes `<product>.tencentcloudapi.com`: each of these would have put the
    // trap's address in the URL's host (the signed request, Authorization and body sent there).
    let products = [
        format!("{trap_addr}/?"),
        format!("{trap_addr}#"),
        format!("{trap_addr}?"),
        format!("{trap_addr}\\"),
        format!("x@{trap_addr}/"),
    ];
    for product in &products {
        let client = CommonClient::new(
            product.as_str(),
            "2021-01-11",
            credential(),
            "ap-guangzhou",
            quick(ClientProfile::new()),
        );
        let e = client.call_json("SendSms", &json!({})).await.unwrap_err();
        assert!(e.is_invalid_request(), "{product}: {e}");
        assert_eq!(e.parameter(), Some("product"), "{product}: {e}");
        assert!(
            !e.to_string().contains(&trap_addr),
            "the error echoes the hostile value: {e}"
        );
    }
    // Version, action and region go into headers and the signature: no CR/LF or other bytes get through.
    let endpoint = format!("http://{trap_addr}");
    let profile = || quick(ClientProfile::new().http_profile(HttpProfile::new().endpoint(endpoint.clone())));
    let cases: [(&str, &str, &str, &str); 3] = [
        ("2021-01-11\r\nX-Evil: 1", "SendSms", "ap-guangzhou", "version"),
        ("2021-01-11", "SendSms\r\nX-Evil: 1", "ap-guangzhou", "action"),
        ("2021-01-11", "SendSms", "ap-guangzhou\r\nX-Evil: 1", "region"),
    ];
    for (version, action, region, parameter) in cases {
        let client = CommonClient::new("sms", version, credential(), region, profile());
        let e = client.call_json(action, &json!({})).await.unwrap_err();
        assert_eq!(e.parameter(), Some(parameter), "{e}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a hostile string reached the network");
}

#[tokio::test]
async fn backslash_and_odd_endpoints_are_refused_before_sending() {
    let (trap_addr, hits) = trap().await;
    let endpoints = [
        format!("http://{trap_addr}\\evil"),
        format!("http://{trap_addr}\\@sms.tencentcloudapi.com"),
        format!("{trap_addr}\\"),
        format!("http://{trap_addr}%2Fevil"),
        format!("http://sms.tencentcloudapi.com@{trap_addr}"),
    ];
    for endpoint in &endpoints {
        let profile = quick(ClientProfile::new().http_profile(HttpProfile::new().endpoint(endpoint.clone())));
        let client = CommonClient::new("sms", "2021-01-11", credential(), "ap-guangzhou", profile);
        let e = client.call_json("SendSms", &json!({})).await.unwrap_err();
        assert_eq!(e.parameter(), Some("HttpProfile.endpoint"), "{endpoint}: {e}");
        // The error says its prefix once (it used to repeat "invalid request parameter ...").
        let text = e.to_string();
        assert_eq!(text.matches("HttpProfile.endpoint").count(), 1, "{text}");
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a refused endpoint was connected to");
}

#[tokio::test]
async fn good_strings_still_reach_the_emulator() {
    // Positive control: the same shapes with valid strings are sent and verified by the emulator.
    let emulator = tc_emulator::Emulator::start().await.unwrap();
    let profile = quick(ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url())));
    let client = CommonClient::new("sms", "2021-01-11", credential(), "ap-guangzhou", profile);
    let r = client
        .call_json(
            "DescribeSmsSignList",
            &json!({"SignIdSet": [tc_emulator::SEED_SIGN_ID], "International": 0}),
        )
        .await
        .unwrap();
    assert!(r["RequestId"].is_string(), "{r}");
}
