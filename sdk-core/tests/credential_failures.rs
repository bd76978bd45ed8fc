//! Issue 26 finding 11: the CVM metadata provider and STS failing with HTTP 500 made 6 requests in 2 s
//! where docs/security.md said 1–2. The cause: a credential fetch of the STS providers went through the
//! STS client's own retry policy (a 500 is retried: 3 attempts a fetch) under the cache's shared backoff,
//! and the backoff's jitter (½–1 of 1 s, 2 s, ...) allows a third fetch within 2 s. Now a fetch is one
//! request (the cache's backoff is the one retry rule for credentials), and the documented figure is what
//! the code does: one request at once, then at most one per backoff interval — at most 3 in the first 2 s.
//!
//! The servers are real loopback HTTP servers answering 500 to everything and counting requests.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::credential::{CvmRoleProvider, StsAssumeRoleProvider};
use sdk_core::{Credential, HttpProfile, ProvideCredential};
use tokio::net::TcpListener;

const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/test-role";

/// A loopback server answering every request `500` with an HTML page; returns its URL and request count.
async fn failing_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counted = counted.clone();
            let service = service_fn(move |_: Request<Incoming>| {
                counted.fetch_add(1, Ordering::SeqCst);
                async {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .status(500)
                            .body(Full::new(Bytes::from_static(b"<html>internal error</html>")))
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
    (url, hits)
}

fn sts_provider(url: &str) -> StsAssumeRoleProvider {
    let source = Credential::new("AKIDsourcefailing01", "SOURCE-KEY").unwrap();
    StsAssumeRoleProvider::new(source, ROLE_ARN, "s").http_profile(HttpProfile::new().endpoint(url))
}

/// 50 calls in a row, all inside the first backoff interval (at least 0.5 s; the calls after the first
/// answer at once from the cache): exactly one request, for STS and for the CVM metadata service.
#[tokio::test]
async fn a_failing_source_gets_one_request_per_backoff_interval() {
    let (url, hits) = failing_server().await;
    let sts = sts_provider(&url);
    for _ in 0..50 {
        let e = sts.provide_credential().await.unwrap_err();
        assert!(e.is_credential() && e.to_string().contains("500"), "{e}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1, "STS requests for 50 calls");

    let (url, hits) = failing_server().await;
    let cvm = CvmRoleProvider::new().endpoint(&url);
    for _ in 0..50 {
        let e = cvm.provide_credential().await.unwrap_err();
        assert!(e.is_credential() && e.to_string().contains("500"), "{e}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1, "metadata requests for 50 calls");
}

/// The documented figure: 32 callers calling in a loop for 2 s make at most 3 requests (at 0, after the
/// first backoff of 0.5–1 s, after the second of 1–2 s), STS and CVM alike; the review counted 6.
#[tokio::test]
async fn thirty_two_callers_for_two_seconds_make_at_most_three_requests() {
    let (sts_url, sts_hits) = failing_server().await;
    let (cvm_url, cvm_hits) = failing_server().await;
    let sts: Arc<dyn ProvideCredential> = Arc::new(sts_provider(&sts_url));
    let cvm: Arc<dyn ProvideCredential> = Arc::new(CvmRoleProvider::new().endpoint(&cvm_url));
    let until = Instant::now() + Duration::from_secs(2);
    let mut callers = tokio::task::JoinSet::new();
    for i in 0..32 {
        let provider = if i % 2 == 0 { sts.clone() } else { cvm.clone() };
        callers.spawn(async move {
            let mut calls = 0u32;
            while Instant::now() < until {
                assert!(provider.provide_credential().await.is_err());
                calls += 1;
                tokio::task::yield_now().await;
            }
            calls
        });
    }
    let mut calls = 0;
    while let Some(n) = callers.join_next().await {
        calls += n.unwrap();
    }
    assert!(calls > 100, "callers kept calling: {calls}");
    for (what, hits) in [("STS", &sts_hits), ("CVM", &cvm_hits)] {
        let n = hits.load(Ordering::SeqCst);
        assert!((1..=3).contains(&n), "{what}: {n} requests in 2 s for {calls} calls");
    }
}
