//! The generated paginators of the golden edge crate, over real HTTP: the emulator serves the edge fixture
//! spec (`tests/fixtures/`) and answers its three list actions from `tc_emulator::PagedLists` (offset with
//! a total, page number with a total, next token without one). Pages are capped at 10 items by the
//! server, whatever size the paginator asks for.

#[rustfmt::skip]
#[allow(dead_code, deprecated, unused_imports)]
#[path = "golden/edge/src/v20200101/mod.rs"]
mod edge;

use sdk_core::{ClientProfile, Credential, Error, HttpProfile, RetryPolicy};
use serde_json::{json, Value};
use tc_emulator::{Emulator, Fault, PageStyle, PagedAction, PagedLists, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn widget(i: u64) -> Value {
    json!(format!("w-{i}"))
}
fn thing(i: u64) -> Value {
    json!({"Id": i})
}

fn lists() -> PagedLists {
    let action = |action: &str, style, list: &str, total: Option<&str>, item| PagedAction {
        action: action.into(),
        style,
        list: list.into(),
        total: total.map(Into::into),
        within: None,
        item,
    };
    let offset = || PageStyle::Offset {
        offset: "Offset".into(),
        limit: "Limit".into(),
    };
    PagedLists::new(
        "edge",
        "2020-01-01",
        vec![
            action("DescribeWidgets", offset(), "WidgetIdSet", Some("TotalCount"), widget),
            PagedAction {
                within: Some("Data".into()),
                ..action("DescribeThingPage", offset(), "Things", Some("TotalCount"), thing)
            },
            action(
                "ListPagedThings",
                PageStyle::Page {
                    page: "PageNumber".into(),
                    size: "PageSize".into(),
                    first: 1,
                },
                "Things",
                Some("Total"),
                thing,
            ),
            action(
                "ScanThings",
                PageStyle::Token {
                    request: "NextToken".into(),
                    response: "NextToken".into(),
                },
                "Things",
                None,
                thing,
            ),
        ],
    )
    .max_page(10)
    .default_page(10)
}

async fn start() -> (Emulator, PagedLists, edge::Client) {
    let lists = lists();
    let emu = Emulator::builder()
        .spec_root(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
        .product(lists.clone())
        .start()
        .await
        .unwrap();
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new()
        .http_profile(HttpProfile::new().endpoint(emu.base_url()))
        .retry_policy(RetryPolicy::none());
    let client = edge::Client::with_profile(credential, "ap-guangzhou", profile);
    (emu, lists, client)
}

/// The JSON bodies of the requests to `action` since the emulator had recorded `mark` requests.
fn requests_of(emu: &Emulator, action: &str, mark: usize) -> Vec<Value> {
    emu.requests()
        .into_iter()
        .skip(mark)
        .filter(|r| r.action == action)
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect()
}

async fn collect<T>(
    mut items: sdk_core::paginate::Items<impl serde::de::DeserializeOwned, T>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    while let Some(item) = items.next_item().await {
        out.push(item?);
    }
    Ok(out)
}

/// Lengths 0, 1, exactly one (capped) page and many pages, with the requests each walk needs.
const CASES: [(u64, usize); 4] = [(0, 1), (1, 1), (10, 1), (37, 4)];

#[tokio::test]
async fn offset_walks_every_length_and_stops_at_the_total() {
    let (emu, lists, client) = start().await;
    for (len, requests) in CASES {
        let mark = emu.requests().len();
        lists.set_length(len);
        let ids = collect(client.describe_widgets_items(&edge::DescribeWidgetsRequest::new()))
            .await
            .unwrap();
        assert_eq!(ids, (0..len).map(|i| format!("w-{i}")).collect::<Vec<_>>());
        let sent = requests_of(&emu, "DescribeWidgets", mark);
        assert_eq!(sent.len(), requests, "length {len}: {sent:?}");
        // No documented maximum: the limit is left to the service; the offset advances by what came back.
        let offsets: Vec<u64> = sent.iter().map(|r| r["Offset"].as_u64().unwrap()).collect();
        assert_eq!(offsets, (0..requests as u64).map(|p| p * 10).collect::<Vec<_>>());
        assert!(sent.iter().all(|r| r.get("Limit").is_none()), "{sent:?}");
    }
}

#[tokio::test]
async fn a_list_inside_an_object_is_walked_through_it() {
    let (emu, lists, client) = start().await;
    for (len, requests) in CASES {
        let mark = emu.requests().len();
        lists.set_length(len);
        let request = edge::DescribeWidgetsRequest::new();
        let things = collect(client.describe_thing_page_items(&request)).await.unwrap();
        assert_eq!(
            things.iter().map(|t| t.id).collect::<Vec<_>>(),
            (0..len).collect::<Vec<_>>()
        );
        assert_eq!(
            requests_of(&emu, "DescribeThingPage", mark).len(),
            requests,
            "length {len}"
        );
    }
    let mut pages = client.describe_thing_page_pages(&edge::DescribeWidgetsRequest::new());
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(page.data.and_then(|d| d.total_count), Some(37));
}

#[tokio::test]
async fn page_numbers_walk_every_length_with_the_documented_size() {
    let (emu, lists, client) = start().await;
    for (len, requests) in CASES {
        let mark = emu.requests().len();
        lists.set_length(len);
        let things = collect(client.list_paged_things_items(&edge::ListPagedThingsRequest::new()))
            .await
            .unwrap();
        assert_eq!(
            things.iter().map(|t| t.id).collect::<Vec<_>>(),
            (0..len).collect::<Vec<_>>()
        );
        let sent = requests_of(&emu, "ListPagedThings", mark);
        assert_eq!(sent.len(), requests, "length {len}");
        for (i, r) in sent.iter().enumerate() {
            // "最大值为50" in the spec: sent when the caller sets no size (the server caps it at 10).
            assert_eq!(
                (r["PageNumber"].as_u64(), r["PageSize"].as_u64()),
                (Some(i as u64 + 1), Some(50))
            );
        }
    }
    // A size and a start page the caller sets are kept; the position counts the pages skipped.
    lists.set_length(20);
    let mark = emu.requests().len();
    let request = edge::ListPagedThingsRequest::new().page_number(3).page_size(4);
    let things = collect(client.list_paged_things_items(&request)).await.unwrap();
    assert_eq!(
        things.iter().map(|t| t.id).collect::<Vec<_>>(),
        (8..20).collect::<Vec<_>>()
    );
    assert_eq!(requests_of(&emu, "ListPagedThings", mark).len(), 3);
}

#[tokio::test]
async fn tokens_walk_every_length_until_no_token() {
    let (emu, lists, client) = start().await;
    for (len, requests) in CASES {
        let mark = emu.requests().len();
        lists.set_length(len);
        let things = collect(client.scan_things_items(&edge::ScanThingsRequest::new()))
            .await
            .unwrap();
        assert_eq!(
            things.iter().map(|t| t.id).collect::<Vec<_>>(),
            (0..len).collect::<Vec<_>>()
        );
        let sent = requests_of(&emu, "ScanThings", mark);
        assert_eq!(sent.len(), requests, "length {len}");
        assert_eq!(
            sent[0].get("NextToken"),
            None,
            "the first page is asked without a token"
        );
        assert!(sent.iter().all(|r| r["Limit"] == 20), "documented 最多20: {sent:?}");
    }
}

#[tokio::test]
async fn a_server_that_repeats_its_token_ends_the_walk_with_an_error() {
    let (emu, lists, client) = start().await;
    lists.set_length(37);
    lists.set_repeat_token(true);
    // Started from a token, the answer names the same token again: the page, then the error.
    let mut pages = client.scan_things_pages(&edge::ScanThingsRequest::new().next_token("p10"));
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.things.unwrap_or_default().len(), 10);
    let err = pages.next_page().await.unwrap().unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.to_string().contains("next token it had already been sent"), "{err}");
    assert!(!err.to_string().contains("p10"), "tokens stay out of errors: {err}");
    assert!(pages.next_page().await.is_none(), "the stream is over after the error");
    // From the start, the second page is the first again: caught as a page served twice.
    let mark = emu.requests().len();
    let err = collect(client.scan_things_items(&edge::ScanThingsRequest::new()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("same page twice"), "{err}");
    assert_eq!(requests_of(&emu, "ScanThings", mark).len(), 2);
}

#[tokio::test]
async fn a_total_that_changes_between_pages_is_followed() {
    let (emu, lists, client) = start().await;
    // Shrinks from 30 to 15 after the first page: the walk ends at the new total.
    lists.set_length(30);
    let mut pages = client.describe_widgets_pages(&edge::DescribeWidgetsRequest::new());
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!((first.widget_id_set.len(), first.total_count), (10, 30));
    lists.set_length(15);
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!((second.widget_id_set.len(), second.total_count), (5, 15));
    assert!(pages.next_page().await.is_none());
    assert_eq!(pages.items_seen(), 15);
    // Grows from 15 to 25 after the first page: the walk goes on to the new end.
    lists.set_length(15);
    let mark = emu.requests().len();
    let mut items = client.describe_widgets_items(&edge::DescribeWidgetsRequest::new());
    for _ in 0..10 {
        items.next_item().await.unwrap().unwrap();
    }
    lists.set_length(25);
    let rest = collect(items).await.unwrap();
    assert_eq!(rest.len(), 15);
    assert_eq!(requests_of(&emu, "DescribeWidgets", mark).len(), 3);
}

#[tokio::test]
async fn an_error_mid_walk_ends_the_stream_with_that_error() {
    let (emu, lists, client) = start().await;
    lists.set_length(30);
    let mark = emu.requests().len();
    let mut pages = client.list_paged_things_pages(&edge::ListPagedThingsRequest::new());
    assert!(pages.next_page().await.unwrap().is_ok());
    emu.add_fault(Fault::error_code("ResourceUnavailable").action("ListPagedThings"));
    let err = pages.next_page().await.unwrap().unwrap_err();
    assert_eq!(err.code(), Some("ResourceUnavailable"));
    assert!(pages.next_page().await.is_none());
    assert_eq!(
        requests_of(&emu, "ListPagedThings", mark).len(),
        2,
        "nothing sent after the error"
    );
}

#[tokio::test]
async fn pages_are_fetched_only_when_asked_for() {
    let (emu, lists, client) = start().await;
    lists.set_length(37);
    let mark = emu.requests().len();
    let mut items = client.scan_things_items(&edge::ScanThingsRequest::new());
    assert!(
        requests_of(&emu, "ScanThings", mark).is_empty(),
        "building the stream sends nothing"
    );
    for _ in 0..11 {
        items.next_item().await.unwrap().unwrap();
    }
    assert_eq!(
        requests_of(&emu, "ScanThings", mark).len(),
        2,
        "the 11th item needs the second page only"
    );
}

#[test]
fn blocking_iterators_walk_the_same_pages() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (emu, lists, client) = rt.block_on(start());
    lists.set_length(23);
    let blocking = edge::blocking::Client::from_async(client);
    let ids: Vec<u64> = blocking
        .list_paged_things_items(&edge::ListPagedThingsRequest::new())
        .map(|t| t.unwrap().id)
        .collect();
    assert_eq!(ids, (0..23).collect::<Vec<_>>());
    let pages: Vec<_> = blocking
        .scan_things_pages(&edge::ScanThingsRequest::new())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(pages.len(), 3);
    lists.set_repeat_token(true);
    let last = blocking
        .scan_things_items(&edge::ScanThingsRequest::new())
        .last()
        .unwrap();
    assert!(last.unwrap_err().is_decode());
    drop(emu);
}
