//! Issue 26 finding 8: a server could hold `next()` of a stream forever, since every byte (SSE comments,
//! keep-alive blank lines) reset the idle timer. Now only bytes of events are progress, and
//! `HttpProfile::stream_deadline` (off by default) bounds a whole stream.
//!
//! The server is a real loopback HTTP/1.1 server written on a TCP socket, so it can trickle bytes as a
//! hostile one would. The 10 s bounds below detect a hang; they do not measure speed.

use std::time::Duration;

use sdk_core::{ActionInfo, Client, ClientProfile, Credential, Error, HttpProfile, RetryPolicy, ServiceInfo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static HUNYUAN: ServiceInfo = ServiceInfo {
    product: "hunyuan",
    version: "2023-09-01",
};

static CHAT: ActionInfo = ActionInfo {
    name: "ChatCompletions",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

const HANG: Duration = Duration::from_secs(10);

/// Reads one request (head and `Content-Length` body) from `socket`.
async fn read_request(socket: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

/// Serves one stream: the head, one event, then `tick` every 20 ms until the client goes away.
async fn trickling_server(tick: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                read_request(&mut socket).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
                let first = b"data: {\"Id\":\"1\"}\n\n";
                if socket.write_all(head.as_bytes()).await.is_err() || socket.write_all(first).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if socket.write_all(tick).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn client(endpoint: String, http: HttpProfile) -> Client {
    let profile = ClientProfile::new()
        .http_profile(http.endpoint(endpoint))
        .retry_policy(RetryPolicy::new().max_attempts(1));
    Client::new(
        &HUNYUAN,
        Credential::new("AKIDstreamhold001", "KEY-stream-hold").unwrap(),
        "ap-guangzhou",
        profile,
    )
}

/// Reads events until an error, or `None` when the stream did not end within [`HANG`].
async fn until_error(client: &Client) -> Option<(usize, Error)> {
    let payload = br#"{"Model":"hunyuan-lite","Stream":true}"#.to_vec();
    let mut stream = client.execute_stream(&CHAT, payload).await.unwrap();
    let read = async {
        let mut events = 0;
        loop {
            match stream.next().await {
                Some(Ok(_)) => events += 1,
                Some(Err(e)) => return (events, e),
                None => panic!("the stream ended without an error after {events} events"),
            }
        }
    };
    tokio::time::timeout(HANG, read).await.ok()
}

#[tokio::test]
async fn keep_alive_comments_do_not_hold_a_stream_past_the_idle_timeout() {
    for tick in [&b":\n"[..], b"\n", b": keep-alive\r\n\r\n"] {
        let endpoint = trickling_server(tick).await;
        let http = HttpProfile::new().stream_idle_timeout(Duration::from_millis(300));
        let (events, e) = until_error(&client(endpoint, http))
            .await
            .unwrap_or_else(|| panic!("keep-alives {tick:?} held the stream past its idle timeout"));
        assert_eq!(events, 1, "{tick:?}");
        assert!(e.is_timeout(), "{tick:?}: {e}");
        assert!(e.to_string().contains("stream_idle_timeout"), "{e}");
    }
}

#[tokio::test]
async fn a_stream_deadline_bounds_a_stream_that_keeps_sending_events() {
    let endpoint = trickling_server(b"data: {\"Id\":\"more\"}\n\n").await;
    // Off by default: a steady stream is not cut (it is still going after 30 events).
    let steady = client(endpoint.clone(), HttpProfile::new());
    let payload = br#"{"Model":"hunyuan-lite","Stream":true}"#.to_vec();
    let mut stream = steady.execute_stream(&CHAT, payload).await.unwrap();
    for _ in 0..30 {
        let event = tokio::time::timeout(HANG, stream.next()).await.expect("an event comes");
        assert!(matches!(event, Some(Ok(_))), "{event:?}");
    }
    drop(stream);

    let http = HttpProfile::new().stream_deadline(Some(Duration::from_millis(400)));
    let (events, e) = until_error(&client(endpoint, http))
        .await
        .expect("the deadline ended the stream");
    assert!(events >= 1, "{events}");
    assert!(e.is_timeout(), "{e}");
    assert!(e.to_string().contains("stream_deadline"), "{e}");
}
