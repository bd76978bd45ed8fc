//! Streaming answers on the wire, read by a plain HTTP client (not the SDK's parser): `"Stream": true`
//! gets `text/event-stream` with numbered events from the spec's streaming example, and stream faults cut
//! the stream where asked.

mod common;

use common::*;
use serde_json::{json, Value};
use tc_emulator::{Emulator, Fault};

fn chat(stream: bool) -> Call {
    let mut call = Call::new(
        "ChatCompletions",
        "2023-09-01",
        json!({"Model": "hunyuan-lite", "Messages": [{"Role": "user", "Content": "hi"}], "Stream": stream}),
    );
    call.service = "hunyuan".into();
    call
}

/// The `(id, data)` of each event in `body` (events end with a blank line).
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let mut id = String::new();
            let mut data = Value::Null;
            for line in e.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = serde_json::from_str(v).expect("each data line is one JSON object");
                }
            }
            (id, data)
        })
        .collect()
}

#[tokio::test]
async fn stream_true_is_answered_with_numbered_events() {
    let emu = Emulator::builder().stream_events(9).start().await.unwrap();
    let response = chat(true).send(&emu).await.unwrap();
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/event-stream");
    let request_id = header("x-tc-requestid");
    let body = response.text().await.unwrap();
    assert!(body.ends_with("\n\n"), "the last event is complete");
    let events = events(&body);
    let ids: Vec<&str> = events.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert!(events.iter().all(|(_, data)| data["Choices"].is_array()));
    assert_eq!(emu.requests()[0].request_id, request_id);
    let stats = emu.stream_stats();
    assert_eq!((stats.started, stats.completed, stats.cut_by_client), (1, 1, 0));
    // Without `Stream`, the one JSON answer.
    let answer = chat(false).response(&emu).await;
    expect_ok(&answer);
}

#[tokio::test]
async fn an_error_event_ends_the_stream() {
    let emu = Emulator::builder()
        .stream_events(9)
        .fault(Fault::stream_error(2).message("overloaded"))
        .start()
        .await
        .unwrap();
    let body = chat(true).send(&emu).await.unwrap().text().await.unwrap();
    let events = events(&body);
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].1["Response"]["Error"]["Code"], "InternalError");
    assert_eq!(events[2].1["Response"]["Error"]["Message"], "overloaded");
}

#[tokio::test]
async fn a_stream_reset_cuts_the_connection_after_n_events() {
    let emu = Emulator::builder()
        .stream_events(50)
        .fault(Fault::stream_reset(3))
        .start()
        .await
        .unwrap();
    let mut response = chat(true).send(&emu).await.unwrap();
    let mut body = Vec::new();
    let failure = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert!(failure.is_some(), "the body ends in an error, not a clean end");
    assert_eq!(events(&String::from_utf8(body).unwrap()).len(), 3);
}

#[tokio::test]
async fn stream_faults_leave_other_answers_alone() {
    let emu = Emulator::builder().fault(Fault::stream_reset(0)).start().await.unwrap();
    expect_ok(&chat(false).response(&emu).await);
    assert_eq!(emu.stream_stats().started, 0);
}
