//! Streaming answers end to end: `Client::call_stream` against the emulator's hunyuan `ChatCompletions`
//! with `"Stream": true` over loopback HTTP, every request signed and checked by the emulator's verifier.
//! Faults in the middle of a stream come from the emulator (`tc_emulator::stream`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use sdk_core::transport::{HttpTransport, Transport, TransportFuture};
use sdk_core::{
    ActionInfo, Client, ClientProfile, Credential, Error, HttpProfile, HttpRequest, RetryPolicy, ServiceInfo,
};
use tc_emulator::{Emulator, EmulatorBuilder, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

static HUNYUAN: ServiceInfo = ServiceInfo {
    product: "hunyuan",
    version: "2023-09-01",
};

/// Marked safe to repeat on purpose: so a test can show that even such an action is never sent again once
/// its stream has begun.
static CHAT: ActionInfo = ActionInfo {
    name: "ChatCompletions",
    skip_sign: false,
    retry_safe: true,
    body: sdk_core::BodyMode::Json,
};

/// The members of a hunyuan event these tests look at.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Chunk {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Choices")]
    choices: Vec<serde_json::Value>,
}

fn request(stream: bool) -> serde_json::Value {
    json!({"Model": "hunyuan-lite", "Messages": [{"Role": "user", "Content": "hello"}], "Stream": stream})
}

async fn start(builder: EmulatorBuilder) -> Emulator {
    builder.start().await.expect("the emulator starts")
}

fn client_of(emulator: &Emulator, http: HttpProfile) -> Client {
    let profile = ClientProfile::new()
        .http_profile(http.endpoint(emulator.base_url()))
        .retry_policy(RetryPolicy::new().initial_backoff(Duration::from_millis(10)));
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    Client::new(&HUNYUAN, credential, "ap-guangzhou", profile)
}

/// Reads a typed stream to its end: the events, then the error that ended it (if any).
async fn drain(stream: &mut sdk_core::EventStream<Chunk>) -> (Vec<Chunk>, Option<Error>) {
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(e) => {
                assert!(stream.next().await.is_none(), "an error ends the stream");
                return (events, Some(e));
            }
        }
    }
    (events, None)
}

#[tokio::test]
async fn events_arrive_in_order_and_typed() {
    let emulator = start(Emulator::builder().stream_events(12)).await;
    let client = client_of(&emulator, HttpProfile::new());
    let payload = serde_json::to_vec(&request(true)).unwrap();
    let mut raw = client.execute_stream(&CHAT, payload).await.unwrap();
    let mut ids = Vec::new();
    while let Some(event) = raw.next().await {
        let event = event.unwrap();
        ids.push(event.id().unwrap().to_owned());
        let _: serde_json::Value = serde_json::from_str(event.data()).unwrap();
    }
    let expected: Vec<String> = (1..=12).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected);

    let mut typed = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    assert_eq!(typed.request_id(), Some(emulator.requests()[1].request_id.as_str()));
    let (events, error) = drain(&mut typed).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.len(), 12);
    assert!(events.iter().all(|e| !e.id.is_empty() && e.choices.len() == 1));
    // Both requests were signed and verified.
    assert!(emulator.requests().iter().all(|r| r.code == "Ok"));
    assert_eq!(emulator.stream_stats().completed, 2);
}

/// Services that end a stream OpenAI-style (`data: [DONE]`, lkeap's `ChatCompletions`): the typed stream
/// ends there without an error; the raw stream shows the marker.
#[tokio::test]
async fn a_done_marker_ends_the_typed_stream() {
    let emulator = start(Emulator::builder().stream_events(3).stream_done_marker(true)).await;
    let client = client_of(&emulator, HttpProfile::new());
    let payload = serde_json::to_vec(&request(true)).unwrap();
    let mut raw = client.execute_stream(&CHAT, payload).await.unwrap();
    let mut data = Vec::new();
    while let Some(event) = raw.next().await {
        data.push(event.unwrap().data().to_owned());
    }
    assert_eq!(data.len(), 4);
    assert_eq!(data[3], "[DONE]");

    let mut typed = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut typed).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| !e.id.is_empty()));
    assert_eq!(emulator.stream_stats().completed, 2);
}

#[tokio::test]
async fn a_json_answer_is_a_stream_of_one_event() {
    let emulator = start(Emulator::builder()).await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(false)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert!(error.is_none());
    assert_eq!(events.len(), 1);
    assert_eq!(emulator.stream_stats().started, 0);
}

#[tokio::test]
async fn an_error_envelope_instead_of_a_stream_is_the_service_error() {
    let emulator =
        start(Emulator::builder().fault(Fault::error_code("LimitExceeded").message("too many").first(1))).await;
    let client = client_of(&emulator, HttpProfile::new());
    let e = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap_err();
    assert!(e.is_service(), "{e}");
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(e.message(), Some("too many"));
    assert_eq!(e.request_id(), Some(emulator.requests()[0].request_id.as_str()));
    // A wrong key is refused before any stream, as for any call.
    let wrong = Client::new(
        &HUNYUAN,
        Credential::new(DEFAULT_SECRET_ID, "not-the-key").unwrap(),
        "ap-guangzhou",
        client.profile().clone(),
    );
    let e = wrong.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.SignatureFailure"));
}

#[tokio::test]
async fn an_error_event_in_the_middle_ends_the_stream_with_the_service_error() {
    let emulator = start(
        Emulator::builder()
            .stream_events(10)
            .fault(Fault::stream_error(2).message("overloaded")),
    )
    .await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert_eq!(events.len(), 2);
    let e = error.expect("the error event");
    assert!(e.is_service(), "{e}");
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(e.message(), Some("overloaded"));
    assert_eq!(e.request_id(), Some(emulator.requests()[0].request_id.as_str()));
    // InternalError of a retry-safe action, but the stream had begun: never sent again.
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn a_reset_in_the_middle_is_a_clear_error_and_not_retried() {
    let emulator = start(Emulator::builder().stream_events(10).fault(Fault::stream_reset(3))).await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert_eq!(events.len(), 3);
    let e = error.expect("the reset");
    assert!(!e.is_service(), "{e}");
    assert!(e.is_transport() || e.is_decode(), "{e}");
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn a_stall_hits_the_idle_timeout() {
    let emulator = start(Emulator::builder().stream_events(10).fault(Fault::stream_stall(1))).await;
    let client = client_of(
        &emulator,
        HttpProfile::new().stream_idle_timeout(Duration::from_millis(500)),
    );
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert_eq!(events.len(), 1);
    let e = error.expect("the idle timeout");
    assert!(e.is_timeout(), "{e}");
    assert!(e.to_string().contains("stream_idle_timeout"), "{e}");
    // The stream gave up: its connection is closed, which the emulator sees.
    wait_for(|| emulator.stream_stats().cut_by_client == 1).await;
}

#[tokio::test]
async fn a_slow_but_steady_stream_outlives_the_idle_timeout() {
    // Gaps of 150 ms, each far below the idle timeout; the whole stream (about 2.1 s) far above it.
    let emulator = start(
        Emulator::builder()
            .stream_events(15)
            .stream_delay(Duration::from_millis(150)),
    )
    .await;
    let idle = Duration::from_millis(1500);
    let client = client_of(&emulator, HttpProfile::new().stream_idle_timeout(idle));
    let started = std::time::Instant::now();
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.len(), 15);
    assert!(
        started.elapsed() > idle,
        "the stream must outlast one idle timeout to show anything"
    );
}

#[tokio::test]
async fn an_oversized_event_is_a_clear_error() {
    let emulator = start(Emulator::builder().stream_events(3)).await;
    let client = client_of(&emulator, HttpProfile::new().max_event_size(64));
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert!(events.is_empty());
    let e = error.expect("too large");
    assert!(e.is_decode(), "{e}");
    assert!(e.to_string().contains("max_event_size (64 bytes)"), "{e}");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let emulator = start(
        Emulator::builder()
            .stream_events(10_000)
            .stream_delay(Duration::from_millis(5)),
    )
    .await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    for _ in 0..2 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    wait_for(|| emulator.stream_stats().cut_by_client == 1).await;
    assert_eq!(emulator.stream_stats().completed, 0);
}

#[tokio::test]
async fn retries_happen_before_the_first_event_only() {
    // Throttled once: retried (every action), and the second attempt streams.
    let emulator = start(
        Emulator::builder()
            .stream_events(4)
            .fault(Fault::error_code("RequestLimitExceeded").first(1)),
    )
    .await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.len(), 4);
    let codes: Vec<String> = emulator.requests().into_iter().map(|r| r.code).collect();
    assert_eq!(codes, ["RequestLimitExceeded", "Ok"]);

    // An error after the first event: a retry-safe action, a retryable code, and still one request.
    let emulator = start(Emulator::builder().stream_events(4).fault(Fault::stream_error(1))).await;
    let client = client_of(&emulator, HttpProfile::new());
    let mut stream = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert_eq!(events.len(), 1);
    assert_eq!(error.unwrap().code(), Some("InternalError"));
    assert_eq!(emulator.requests().len(), 1);
}

#[tokio::test]
async fn non_stream_non_json_answers_are_decode_errors() {
    let emulator = start(Emulator::builder().fault(Fault::non_json_body())).await;
    let client = client_of(&emulator, HttpProfile::new());
    let e = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap_err();
    assert!(e.is_decode(), "{e}");
    let emulator = start(Emulator::builder().fault(Fault::bad_gateway())).await;
    let client = client_of(&emulator, HttpProfile::new());
    let e = client.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap_err();
    assert_eq!(e.status(), Some(502), "{e}");
}

#[tokio::test]
async fn the_common_client_streams_any_action_by_name() {
    let emulator = start(Emulator::builder().stream_events(5)).await;
    let profile = client_of(&emulator, HttpProfile::new()).profile().clone();
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let common = sdk_core::CommonClient::new("hunyuan", "2023-09-01", credential, "ap-guangzhou", profile);
    let mut stream = common
        .call_stream::<_, serde_json::Value>("ChatCompletions", &request(true), &Default::default())
        .await
        .unwrap();
    let mut n = 0;
    while let Some(event) = stream.next().await {
        assert!(event.unwrap()["Choices"].is_array());
        n += 1;
    }
    assert_eq!(n, 5);
}

/// A transport that implements only `send`: the default `send_streaming` still delivers every event.
#[derive(Debug)]
struct SendOnly(HttpTransport);

impl Transport for SendOnly {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.0.send(request)
    }
}

#[tokio::test]
async fn custom_transports_stream_through_the_default_send_streaming() {
    let emulator = start(Emulator::builder().stream_events(6)).await;
    let client = client_of(&emulator, HttpProfile::new());
    let custom = client.with_transport(SendOnly(HttpTransport::new(&HttpProfile::new()).unwrap()));
    let mut stream = custom.call_stream::<_, Chunk>(&CHAT, &request(true)).await.unwrap();
    let (events, error) = drain(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(events.len(), 6);
}

#[cfg(feature = "blocking")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_client_iterates_over_the_same_stream() {
    let emulator = start(Emulator::builder().stream_events(5).fault(Fault::stream_error(3))).await;
    let client = sdk_core::blocking::Client::from_async(client_of(&emulator, HttpProfile::new()));
    let items: Vec<Result<Chunk, Error>> =
        tokio::task::spawn_blocking(move || client.call_stream::<_, Chunk>(&CHAT, &request(true)).unwrap().collect())
            .await
            .unwrap();
    assert_eq!(items.len(), 4);
    assert!(items[..3].iter().all(Result::is_ok));
    assert_eq!(items[3].as_ref().unwrap_err().code(), Some("InternalError"));
}

/// Waits until `done` holds (the emulator sees a closed connection a moment after the client closes it);
/// fails after 10 s.
async fn wait_for(done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached within 10 s");
}
