//! Issue 26 finding 9 over real HTTP: a loopback list service that cycles its pages A, B, A, B (ignoring the
//! offset, or answering a fresh next token each time) ends the walk with an error after the first repeated
//! page, and one that never ends is stopped by the page limit. The server counts the requests it answered.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::paginate::{Pages, Paging, Style};
use sdk_core::{ActionInfo, Client, ClientProfile, Credential, Error, HttpProfile, ServiceInfo};
use serde_json::{json, Value};
use tokio::net::TcpListener;

static DEMO: ServiceInfo = ServiceInfo {
    product: "demo",
    version: "2020-01-01",
};

static LIST: ActionInfo = ActionInfo {
    name: "ListThings",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

static BY_OFFSET: Paging = Paging {
    style: Style::Offset {
        offset: "Offset",
        limit: "Limit",
        default_limit: None,
    },
    list: "Things",
    total: None,
    within: None,
};

static BY_TOKEN: Paging = Paging {
    style: Style::Token {
        request: "NextToken",
        response: "NextToken",
        limit: None,
        default_limit: None,
    },
    list: "Things",
    total: None,
    within: None,
};

/// How the server answers the n-th request (0-based), given the request's JSON.
type Answer = fn(usize, &Value) -> Value;

async fn list_server(answer: Answer) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counted = counted.clone();
            let service = service_fn(move |request: Request<Incoming>| {
                let counted = counted.clone();
                async move {
                    let body = request
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let n = counted.fetch_add(1, Ordering::SeqCst);
                    let mut response = answer(n, &sent);
                    response["RequestId"] = json!(format!("req-{n}"));
                    let text = json!({ "Response": response }).to_string();
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
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

fn client(url: &str) -> Client {
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(url));
    Client::new(
        &DEMO,
        Credential::new("AKIDpagingcycle01", "KEY").unwrap(),
        "ap-guangzhou",
        profile,
    )
}

/// Pages until the end: the number of good pages and the error that ended the walk, if any.
async fn walk(mut pages: Pages<Value>) -> (usize, Option<Error>) {
    let mut good = 0;
    while let Some(page) = pages.next_page().await {
        match page {
            Ok(_) => good += 1,
            Err(e) => {
                assert!(pages.next_page().await.is_none(), "an error ends the stream");
                return (good, Some(e));
            }
        }
        assert!(good < 1000, "the walk did not end");
    }
    (good, None)
}

/// Pages A, B, A, B, ...: the n-th answer is list A or B whatever was asked.
fn cycling(n: usize, _: &Value) -> Value {
    json!({ "Things": if n.is_multiple_of(2) { ["a1", "a2"] } else { ["b1", "b2"] } })
}

#[tokio::test]
async fn offset_pages_cycling_a_b_a_b_end_with_an_error() {
    let (url, hits) = list_server(cycling).await;
    let (good, e) = walk(Pages::new(client(&url), &LIST, &BY_OFFSET, &json!({}))).await;
    let e = e.expect("the cycle is an error");
    assert!(e.is_decode() && e.to_string().contains("already sent"), "{e}");
    assert_eq!(
        (good, hits.load(Ordering::SeqCst)),
        (3, 3),
        "A, B, then A again ends it"
    );
}

#[tokio::test]
async fn fresh_tokens_over_cycling_pages_end_with_an_error() {
    fn fresh_tokens(n: usize, sent: &Value) -> Value {
        let mut page = cycling(n, sent);
        page["NextToken"] = json!(format!("fresh-token-{n}"));
        page
    }
    let (url, hits) = list_server(fresh_tokens).await;
    let (good, e) = walk(Pages::new(client(&url), &LIST, &BY_TOKEN, &json!({}))).await;
    let e = e.expect("the cycle is an error");
    assert!(!e.to_string().contains("fresh-token"), "tokens stay out of errors: {e}");
    assert_eq!((good, hits.load(Ordering::SeqCst)), (3, 3));
}

#[tokio::test]
async fn a_list_that_never_ends_is_stopped_by_the_page_limit() {
    fn endless(n: usize, _: &Value) -> Value {
        json!({ "Things": [format!("item-{n}")] })
    }
    let (url, hits) = list_server(endless).await;
    let pages = Pages::new(client(&url), &LIST, &BY_OFFSET, &json!({})).max_pages(5);
    let (good, e) = walk(pages).await;
    let e = e.expect("the limit is an error, not a silent end");
    assert!(
        e.to_string().contains("5 pages") && e.to_string().contains("max_pages"),
        "{e}"
    );
    assert_eq!((good, hits.load(Ordering::SeqCst)), (5, 5));
}
