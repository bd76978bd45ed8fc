//! The generated stream methods against the emulator: typed events in order, `Stream` set by the method,
//! and the blocking iterator.
// The spec marks ChatCompletions deprecated (Tencent points to its OpenAI-compatible endpoint); it is still
// served, and it is the API's streaming action.
#![allow(deprecated)]

use std::time::Duration;

use sdk_hunyuan::v20230901::{ChatCompletionsRequest, Client, Message};
use sdk_hunyuan::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn client_of(emulator: &Emulator) -> Client {
    let profile = ClientProfile::new().http_profile(
        HttpProfile::new()
            .endpoint(emulator.base_url())
            .stream_idle_timeout(Duration::from_secs(5)),
    );
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    Client::with_profile(credential, "ap-guangzhou", profile)
}

fn request() -> ChatCompletionsRequest {
    ChatCompletionsRequest::new("hunyuan-lite", vec![Message::new("user").content("hello")])
}

#[tokio::test]
async fn chat_completions_stream_yields_typed_deltas_in_order() {
    let emulator = Emulator::builder().stream_events(7).start().await.unwrap();
    let client = client_of(&emulator);
    // `Stream` left unset: the stream method asks for a stream itself.
    let mut events = client.chat_completions_stream(&request()).await.unwrap();
    let mut deltas = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.unwrap();
        let choice = &event.choices.as_ref().unwrap()[0];
        assert!(event.id.as_deref().is_some_and(|id| !id.is_empty()));
        deltas.push(choice.delta.as_ref().unwrap().content.clone().unwrap_or_default());
    }
    assert_eq!(deltas.len(), 7);
    let sent: serde_json::Value = serde_json::from_str(&emulator.requests()[0].body).unwrap();
    assert_eq!(sent["Stream"], true);
    // The same deltas, in the same order, as the API's streaming example the emulator replays.
    let mut again = client.chat_completions_stream(&request().stream(true)).await.unwrap();
    for expected in &deltas {
        let event = again.next().await.unwrap().unwrap();
        let delta = event.choices.unwrap().remove(0).delta.unwrap();
        assert_eq!(&delta.content.unwrap_or_default(), expected);
    }
    assert!(again.next().await.is_none());
}

#[tokio::test]
async fn the_non_stream_method_still_gets_one_answer() {
    let emulator = Emulator::start().await.unwrap();
    let response = client_of(&emulator).chat_completions(&request()).await.unwrap();
    assert!(!response.request_id.is_empty());
    assert_eq!(emulator.stream_stats().started, 0);
}

#[tokio::test]
async fn the_non_stream_method_asked_for_a_stream_names_the_stream_method() {
    let emulator = Emulator::builder().stream_events(3).start().await.unwrap();
    let e = client_of(&emulator)
        .chat_completions(&request().stream(true))
        .await
        .unwrap_err();
    assert!(e.is_decode(), "{e}");
    assert!(e.to_string().contains("`_stream` method"), "{e}");
    assert_eq!(emulator.stream_stats().started, 1);
}

#[cfg(feature = "blocking")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_stream_method_is_an_iterator() {
    let emulator = Emulator::builder()
        .stream_events(4)
        .fault(tc_emulator::Fault::stream_error(2))
        .start()
        .await
        .unwrap();
    let client = sdk_hunyuan::v20230901::blocking::Client::from_async(client_of(&emulator));
    let items: Vec<_> =
        tokio::task::spawn_blocking(move || client.chat_completions_stream(&request()).unwrap().collect())
            .await
            .unwrap();
    assert_eq!(items.len(), 3);
    assert!(items[..2].iter().all(Result::is_ok));
    let e = items[2].as_ref().unwrap_err();
    assert_eq!(e.code(), Some("InternalError"));
}
