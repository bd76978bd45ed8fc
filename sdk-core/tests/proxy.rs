//! `HttpProfile::proxy`: the default transport sends through the proxy (through reqwest, which implements
//! proxies), and without one straight to the endpoint (its own client). The proxy here is a plain HTTP
//! forward proxy on loopback that records each request line and pipes the connection to the emulator,
//! which verifies the signature as usual.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::{Mode, SEND_SMS};
use sdk_core::{Client, HttpProfile};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A forward proxy for `http://` targets: the request lines it saw, and its address.
async fn recording_proxy(backend: SocketAddr) -> (Arc<Mutex<Vec<String>>>, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let lines = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let lines = lines.clone();
            tokio::spawn(async move {
                let mut head = vec![0u8; 4096];
                let Ok(n) = client.read(&mut head).await else { return };
                let text = String::from_utf8_lossy(&head[..n]).into_owned();
                lines
                    .lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_owned());
                let Ok(mut server) = TcpStream::connect(backend).await else {
                    return;
                };
                if server.write_all(&head[..n]).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (seen, address)
}

async fn send(client: &Client) -> Value {
    client
        .call(&SEND_SMS, &json!({"SmsSdkAppId": "1400000000"}))
        .await
        .expect("SendSms")
}

#[tokio::test]
async fn a_configured_proxy_carries_the_request() {
    let verifier = common::start().await;
    let (seen, proxy) = recording_proxy(verifier.emulator.addr()).await;
    let http = HttpProfile::new()
        .endpoint(verifier.endpoint())
        .proxy(format!("http://{proxy}"));
    send(&common::one_attempt_client(http)).await;
    let lines = seen.lock().unwrap().clone();
    let target = format!("POST http://{}/ HTTP/1.1", verifier.emulator.addr());
    assert_eq!(lines, [target], "the proxy must see the request, in absolute form");
    assert!(
        matches!(verifier.last().verdict, Ok(Mode::Tc3 { .. })),
        "{:?}",
        verifier.last().verdict
    );
}

#[tokio::test]
async fn without_a_proxy_the_request_goes_straight_to_the_endpoint() {
    let verifier = common::start().await;
    let (seen, _proxy) = recording_proxy(verifier.emulator.addr()).await;
    send(&common::one_attempt_client(
        HttpProfile::new().endpoint(verifier.endpoint()),
    ))
    .await;
    send(&common::one_attempt_client(
        HttpProfile::new().endpoint(verifier.endpoint()),
    ))
    .await;
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(verifier.count(), 2);
    assert!(
        matches!(verifier.last().verdict, Ok(Mode::Tc3 { .. })),
        "{:?}",
        verifier.last().verdict
    );
}
