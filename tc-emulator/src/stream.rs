//! Streaming answers: a request with `"Stream": true` in its JSON body (TC3 POST) that succeeds is answered
//! `Content-Type: text/event-stream`, as hunyuan's `ChatCompletions` and the other streaming actions are.
//!
//! - Events come from the spec: the `data: {...}` lines of the action's first example that shows a stream
//!   (each re-serialized on one line), repeated in order until the configured count is reached; without
//!   such an example, the action's JSON example's `Response` object. Each event is `id: <n>` (1, 2, ...)
//!   plus one `data:` line, ended by a blank line.
//! - [`StreamOptions`]: how many events (capped at [`MAX_STREAM_EVENTS`]) and the delay between them
//!   ([`crate::EmulatorBuilder::stream_events`], `stream_delay`; CLI `--stream-events`, `--stream-delay-ms`),
//!   and whether a complete stream ends with `data: [DONE]` (`stream_done_marker`, `--stream-done`).
//!   Events are made as the client reads them (a few KiB at a time), so a long stream holds no memory.
//! - Faults in the middle of a stream (`faults.rs`): `stream-reset=N` (N events, then a TCP reset),
//!   `stream-stall=N` (N events, then silence until the client gives up, at most [`STALL_LIMIT`]),
//!   `stream-error=N` (N events, then an error event `{"Response":{"Error":{..},"RequestId":..}}`, end).
//!   They apply to streaming answers only; other requests they hit are served normally.
//! - [`StreamStats`]: streams started, completed, and cut by the client (the body was dropped before its
//!   end: the client closed the connection), so a test can see that dropping a stream closes it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;

/// Most events one stream may have.
pub const MAX_STREAM_EVENTS: u64 = 10_000_000;
/// Default number of events of a stream.
pub const DEFAULT_STREAM_EVENTS: u64 = 5;
/// Longest delay between events accepted (a longer one is capped).
pub const MAX_STREAM_DELAY: Duration = Duration::from_secs(60);
/// How long a `stream-stall` fault keeps the connection silent before ending the stream.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);
/// Bytes of events gathered into one write when there is no delay.
const BATCH_BYTES: usize = 16 * 1024;

/// How streaming answers are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Events per stream, at most [`MAX_STREAM_EVENTS`].
    pub events: u64,
    /// Pause before each event after the first, at most [`MAX_STREAM_DELAY`].
    pub delay: Duration,
    /// End each complete stream with `data: [DONE]`, as lkeap's `ChatCompletions` example shows (the
    /// OpenAI-style end marker).
    pub done_marker: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            events: DEFAULT_STREAM_EVENTS,
            delay: Duration::ZERO,
            done_marker: false,
        }
    }
}

impl StreamOptions {
    /// The options within the caps.
    pub fn bounded(self) -> StreamOptions {
        StreamOptions {
            events: self.events.min(MAX_STREAM_EVENTS),
            delay: self.delay.min(MAX_STREAM_DELAY),
            done_marker: self.done_marker,
        }
    }
}

/// What happened to the streams served so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamStats {
    /// Streaming answers begun.
    pub started: u64,
    /// Streams sent to their end (including an error event or an emulated reset).
    pub completed: u64,
    /// Streams whose client closed the connection before the end.
    pub cut_by_client: u64,
}

#[derive(Debug, Default)]
pub(crate) struct StreamCounters {
    started: AtomicU64,
    completed: AtomicU64,
    cut_by_client: AtomicU64,
}

impl StreamCounters {
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            started: self.started.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
            cut_by_client: self.cut_by_client.load(Ordering::Relaxed),
        }
    }
}

/// A fault in the middle of a stream, after `after` events.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StreamFault {
    Reset { after: u64 },
    Stall { after: u64 },
    ErrorEvent { after: u64, code: String, message: String },
}

impl StreamFault {
    fn after(&self) -> u64 {
        match self {
            StreamFault::Reset { after } | StreamFault::Stall { after } | StreamFault::ErrorEvent { after, .. } => {
                *after
            }
        }
    }
}

/// Whether the request body is a JSON object with `"Stream": true`.
pub(crate) fn wants_stream(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Flag {
        #[serde(rename = "Stream")]
        stream: Option<Value>,
    }
    // Cheap test first: most requests do not mention it.
    if !body.windows(8).any(|w| w == b"\"Stream\"") {
        return false;
    }
    serde_json::from_slice::<Flag>(body).is_ok_and(|f| f.stream == Some(Value::Bool(true)))
}

/// The `data:` lines of an example that shows a stream, each one JSON object on one line.
pub(crate) fn example_events(output: &str) -> Vec<Bytes> {
    output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("data:"))
        .filter_map(|data| match serde_json::from_str::<Value>(data.trim()) {
            Ok(v @ Value::Object(_)) => serde_json::to_string(&v).ok().map(Bytes::from),
            _ => None,
        })
        .collect()
}

/// One event from a complete answer body: its `Response` object.
pub(crate) fn answer_event(answer: &[u8]) -> Option<Bytes> {
    let v: Value = serde_json::from_slice(answer).ok()?;
    let response = v.get("Response")?;
    serde_json::to_string(response).ok().map(Bytes::from)
}

enum State {
    Streaming,
    /// Waiting before the reset, so the events already written reach the client first.
    Resetting(Pin<Box<tokio::time::Sleep>>),
    Stalled(Pin<Box<tokio::time::Sleep>>),
    Done,
}

/// The body of a streaming answer.
pub(crate) struct SseBody {
    events: Vec<Bytes>,
    sent: u64,
    options: StreamOptions,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    fault: Option<StreamFault>,
    request_id: String,
    /// Set to close the connection with RST (the server's `ResettableStream`).
    reset: Arc<AtomicBool>,
    counters: Arc<StreamCounters>,
    state: State,
    /// The stream reached its planned end (normal, error event, reset or stall that timed out).
    finished: bool,
}

impl SseBody {
    pub(crate) fn new(
        events: Vec<Bytes>,
        options: StreamOptions,
        fault: Option<StreamFault>,
        request_id: String,
        reset: Arc<AtomicBool>,
        counters: Arc<StreamCounters>,
    ) -> SseBody {
        counters.started.fetch_add(1, Ordering::Relaxed);
        SseBody {
            events,
            sent: 0,
            options: options.bounded(),
            pause: None,
            fault,
            request_id,
            reset,
            counters,
            state: State::Streaming,
            finished: false,
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.counters.completed.fetch_add(1, Ordering::Relaxed);
        }
        self.state = State::Done;
    }

    /// The next events to write, or what to do instead.
    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, &'static str>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Resetting(pause) => {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.reset.store(true, Ordering::Relaxed);
                    self.finish();
                    return Poll::Ready(Some(Err("emulated reset in the middle of a stream")));
                }
                State::Stalled(stall) => {
                    if stall.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.finish();
                    return Poll::Ready(None);
                }
                State::Streaming => {}
            }
            if let Some(pause) = &mut self.pause {
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.pause = None;
            }
            if let Some(fault) = self.fault.as_ref().filter(|f| f.after() <= self.sent) {
                match fault.clone() {
                    StreamFault::Reset { .. } => {
                        self.state = State::Resetting(Box::pin(tokio::time::sleep(Duration::from_millis(50))));
                    }
                    StreamFault::Stall { .. } => {
                        self.state = State::Stalled(Box::pin(tokio::time::sleep(STALL_LIMIT)));
                    }
                    StreamFault::ErrorEvent { code, message, .. } => {
                        let error = serde_json::json!({"Response": {
                            "Error": {"Code": code, "Message": message},
                            "RequestId": self.request_id,
                        }});
                        self.finish();
                        return Poll::Ready(Some(Ok(Bytes::from(format!("data: {error}\n\n")))));
                    }
                }
                continue;
            }
            if self.sent >= self.options.events || self.events.is_empty() {
                self.finish();
                if self.options.done_marker {
                    return Poll::Ready(Some(Ok(Bytes::from_static(b"data: [DONE]\n\n"))));
                }
                return Poll::Ready(None);
            }
            return Poll::Ready(Some(Ok(self.next_batch())));
        }
    }

    /// One event when there is a delay, else as many as fit in [`BATCH_BYTES`] (up to the fault point).
    fn next_batch(&mut self) -> Bytes {
        let stop = self
            .fault
            .as_ref()
            .map_or(self.options.events, |f| f.after().min(self.options.events));
        let mut out = BytesMut::with_capacity(BATCH_BYTES + 512);
        loop {
            let data = &self.events[(self.sent % self.events.len() as u64) as usize];
            self.sent += 1;
            out.put_slice(b"id: ");
            out.put_slice(self.sent.to_string().as_bytes());
            out.put_slice(b"\ndata: ");
            out.put_slice(data);
            out.put_slice(b"\n\n");
            if !self.options.delay.is_zero() {
                self.pause = Some(Box::pin(tokio::time::sleep(self.options.delay)));
                break;
            }
            if self.sent >= stop || out.len() >= BATCH_BYTES {
                break;
            }
        }
        out.freeze()
    }
}

impl Drop for SseBody {
    fn drop(&mut self) {
        if !self.finished {
            self.counters.cut_by_client.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_flag() {
        assert!(wants_stream(br#"{"Model":"m","Stream":true}"#));
        assert!(!wants_stream(br#"{"Model":"m","Stream":false}"#));
        assert!(!wants_stream(br#"{"Model":"m"}"#));
        assert!(!wants_stream(br#"{"Stream":"true"}"#));
        assert!(!wants_stream(b"not json \"Stream\""));
    }

    #[test]
    fn example_data_lines() {
        let output = "HTTP/1.1 200 OK\nContent-Type: text/event-stream\n\ndata: {\"A\":1}\n\t\ndata: {\ndata: [1]\ndata: {\"A\":2}\n";
        let events = example_events(output);
        assert_eq!(
            events,
            [Bytes::from_static(b"{\"A\":1}"), Bytes::from_static(b"{\"A\":2}")]
        );
        assert_eq!(
            answer_event(br#"{"Response":{"B":2}}"#),
            Some(Bytes::from_static(b"{\"B\":2}"))
        );
        assert_eq!(answer_event(b"{}"), None);
    }

    #[test]
    fn options_are_capped() {
        let o = StreamOptions {
            events: u64::MAX,
            delay: Duration::from_secs(3600),
            done_marker: true,
        }
        .bounded();
        assert!(o.done_marker);
        assert_eq!((o.events, o.delay), (MAX_STREAM_EVENTS, MAX_STREAM_DELAY));
    }
}
