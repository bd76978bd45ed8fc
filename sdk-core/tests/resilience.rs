//! Timeouts, deadlines, body limits and the retry rule at the transport level: raw loopback servers that
//! stall, trickle or flood, and mock transports that count attempts.

mod common;

use common::SMS;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sdk_core::transport::{Transport, TransportFuture};
use sdk_core::{ActionInfo, Client, ClientProfile, Credential, Error, HttpProfile, RetryPolicy};
use sdk_core::{HttpRequest, HttpResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

static READ: ActionInfo = ActionInfo {
    name: "DescribeSmsSignList",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};
static SEND: ActionInfo = ActionInfo {
    name: "SendSms",
    skip_sign: false,
    retry_safe: false,
    body: sdk_core::BodyMode::Json,
};

fn fast() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

fn client(http: HttpProfile, policy: RetryPolicy) -> Client {
    Client::new(
        &SMS,
        Credential::new("AKIDtest", "secret").unwrap(),
        "ap-guangzhou",
        ClientProfile::new().http_profile(http).retry_policy(policy),
    )
}

async fn call(c: &Client, action: &ActionInfo) -> Result<serde_json::Value, Error> {
    c.call(action, &serde_json::json!({"International": 0})).await
}

/// Reads one request head + body (Content-Length) from `s`.
async fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return;
            }
        }
    }
}

/// A loopback server that runs `answer` on each connection (after reading the request) and counts them.
async fn server<F, Fut>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                read_request(&mut s).await;
                answer(s).await;
            });
        }
    });
    (url, count)
}

async fn stall(s: TcpStream) {
    tokio::time::sleep(Duration::from_secs(30)).await;
    drop(s);
}

#[tokio::test]
async fn stalled_headers_time_out_per_attempt_and_within_the_deadline() {
    let (url, connections) = server(stall).await;
    let http = HttpProfile::new()
        .endpoint(url.as_str())
        .req_timeout(Duration::from_millis(200));

    // A read: retried after each timeout, the call ends by the deadline.
    let c = client(
        http.clone(),
        fast().max_attempts(10).deadline(Duration::from_millis(700)),
    );
    let t = Instant::now();
    let e = call(&c, &READ).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(1200), "{:?}", t.elapsed());
    assert!(connections.load(Ordering::SeqCst) >= 2);

    // SendSms: the request may have reached the service: one attempt only.
    connections.store(0, Ordering::SeqCst);
    let c = client(http, fast());
    let t = Instant::now();
    let e = call(&c, &SEND).await.unwrap_err();
    assert!(e.is_timeout() && !e.is_connect(), "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(700), "{:?}", t.elapsed());
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn trickled_body_times_out() {
    let (url, _) = server(|mut s: TcpStream| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
            .await;
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if s.write_all(b" ").await.is_err() {
                return;
            }
        }
    })
    .await;
    let http = HttpProfile::new()
        .endpoint(url.as_str())
        .req_timeout(Duration::from_millis(300));
    let c = client(http, RetryPolicy::none());
    let t = Instant::now();
    let e = call(&c, &READ).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(900), "{:?}", t.elapsed());
}

#[tokio::test]
async fn endless_chunked_body_hits_the_size_limit_early() {
    let (url, _) = server(|mut s: TcpStream| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
        // Up to 1 GiB unless the client hangs up first.
        for _ in 0..65_536 {
            if s.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let http = HttpProfile::new().endpoint(url.as_str()).max_body_size(64 * 1024);
    let c = client(http, fast());
    let t = Instant::now();
    let e = call(&c, &READ).await.unwrap_err();
    assert!(e.is_decode(), "{e:?}");
    assert!(e.to_string().contains("max_body_size"), "{e}");
    assert_eq!(e.status(), Some(200));
    assert!(e.body_snippet().unwrap().len() <= sdk_core::SNIPPET_LIMIT);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

    // A declared Content-Length over the limit fails before reading the body.
    let (url, _) = server(|mut s: TcpStream| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n{\"Response\":")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let c = client(HttpProfile::new().endpoint(url.as_str()).max_body_size(1024), fast());
    let e = call(&c, &READ).await.unwrap_err();
    assert!(e.is_decode() && e.to_string().contains("max_body_size"), "{e}");
}

#[tokio::test]
async fn refused_connection_is_retried_even_for_send_sms() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = client(HttpProfile::new().endpoint(url.as_str()), fast());
    let e = call(&c, &SEND).await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
}

/// A transport that fails the first `failures` attempts with `make()`, then answers a success.
#[derive(Debug)]
struct Flaky {
    failures: usize,
    make: fn() -> Error,
    attempts: Arc<AtomicUsize>,
}

impl Transport for Flaky {
    fn send(&self, _request: HttpRequest) -> TransportFuture<'_> {
        let n = self.attempts.fetch_add(1, Ordering::SeqCst);
        let result = if n < self.failures {
            Err((self.make)())
        } else {
            Ok(HttpResponse::new(200, br#"{"Response":{"RequestId":"r"}}"#.to_vec()))
        };
        Box::pin(async move { result })
    }
}

async fn attempts(make: fn() -> Error, action: &ActionInfo, policy: RetryPolicy) -> (bool, usize) {
    let counter = Arc::new(AtomicUsize::new(0));
    let c = client(HttpProfile::new(), policy).with_transport(Flaky {
        failures: 2,
        make,
        attempts: counter.clone(),
    });
    let ok = call(&c, action).await.is_ok();
    (ok, counter.load(Ordering::SeqCst))
}

#[tokio::test]
async fn the_retry_rule_per_failure_and_action() {
    let not_sent: [fn() -> Error; 3] = [
        || Error::connect("connection refused"),
        || Error::connect_timeout("connect timed out"),
        || Error::service("RequestLimitExceeded", "slow down", Some("r".into()), 200),
    ];
    let maybe_sent: [fn() -> Error; 4] = [
        || Error::timeout("timed out"),
        || Error::transport("connection reset"),
        || Error::status_error(503, b"<html>"),
        || Error::service("InternalError", "oops", Some("r".into()), 200),
    ];
    for make in not_sent {
        assert_eq!(attempts(make, &SEND, fast()).await, (true, 3), "{}", make());
        assert_eq!(attempts(make, &READ, fast()).await, (true, 3), "{}", make());
    }
    for make in maybe_sent {
        assert_eq!(attempts(make, &SEND, fast()).await, (false, 1), "{}", make());
        assert_eq!(attempts(make, &READ, fast()).await, (true, 3), "{}", make());
        assert_eq!(
            attempts(make, &SEND, fast().retry_unsafe(true)).await,
            (true, 3),
            "{}",
            make()
        );
    }
    for make in [
        (|| Error::service("FailedOperation.X", "no", None, 200)) as fn() -> Error,
        || Error::decode("not JSON", Some(200), b"x"),
        || Error::status_error(400, b"bad"),
    ] {
        assert_eq!(attempts(make, &READ, fast()).await, (false, 1), "{}", make());
    }
    // max_attempts bounds retries; none() makes one attempt.
    assert_eq!(
        attempts(|| Error::connect("refused"), &READ, fast().max_attempts(2)).await,
        (false, 2)
    );
    assert_eq!(
        attempts(|| Error::connect("refused"), &READ, RetryPolicy::none()).await,
        (false, 1)
    );
}

/// A transport that never answers.
#[derive(Debug)]
struct Hang;

impl Transport for Hang {
    fn send(&self, _request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn deadline_bounds_a_custom_transport_too() {
    let http = HttpProfile::new().req_timeout(Duration::from_secs(60));
    let c = client(http, fast().deadline(Duration::from_millis(300))).with_transport(Hang);
    let t = Instant::now();
    let e = call(&c, &READ).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.to_string().contains("deadline"), "{e}");
    assert!(t.elapsed() < Duration::from_millis(800), "{:?}", t.elapsed());

    // Per-attempt timeout for a custom transport: a read is retried until the deadline.
    let http = HttpProfile::new().req_timeout(Duration::from_millis(100));
    let c = client(http, fast().max_attempts(100).deadline(Duration::from_millis(500))).with_transport(Hang);
    let t = Instant::now();
    assert!(call(&c, &READ).await.unwrap_err().is_timeout());
    let elapsed = t.elapsed();
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1000),
        "{elapsed:?}"
    );
}
