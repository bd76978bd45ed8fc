//! Streaming answers: actions such as hunyuan's `ChatCompletions` with `Stream: true` answer
//! `Content-Type: text/event-stream`, one JSON object of the response type per event. Generated crates
//! call [`crate::Client::call_stream`] from `<action>_stream` methods; the answer is an [`EventStream`].
//!
//! Where a stream sits on the request path: the attempt loop (retries, clock skew, region breaker) runs
//! until the stream's headers are in (`call::stream`); then this module reads the body: [`sse`] splits it
//! into events, [`RawEventStream`] bounds the wait between bytes and turns failures into the one
//! [`Error`], [`EventStream`] decodes each event leniently into the response type. One non-generic
//! engine; only the last decode is generic.
//!
//! Decisions:
//! - **Timeouts.** `HttpProfile::req_timeout` bounds each attempt until the headers arrive (a model may
//!   take long before its first token). After that, `HttpProfile::stream_idle_timeout` bounds every
//!   wait for progress: no event data for that long is a timeout error. SSE comments, keep-alive blank
//!   lines and fields without data are not progress (`SseParser::take_progress`), so a server sending only
//!   those cannot hold `next()` forever (issue 26, finding 8). A slow but steady stream may run for any
//!   time, unless `HttpProfile::stream_deadline` (off by default) bounds the whole stream.
//! - **Retries only before the first event.** Once the headers are in, nothing is sent again: events
//!   already delivered cannot be taken back, and the request (a chat turn) is not safe to repeat.
//! - **Errors.** An `Error` envelope instead of a stream is the same service error as for a normal call
//!   (and retried by the same rule). An event whose data has `Error` with a `Code` (top level, or inside
//!   `Response`) becomes a service error with Code, Message and RequestId, and ends the stream. The
//!   official Python SDK yields such events as data and leaves the check to the caller; here they are the
//!   one `Error`, as everywhere else. Product-specific error members of the response type (hunyuan's
//!   `ErrorMsg`) stay data of the typed event.
//! - **End of stream.** Any error ends the stream: the next call to `next` says `None`. A stream cut off
//!   inside an event is an error (see [`sse`]), a reset is a transport error, an event that is not JSON or
//!   does not match the type is a decode error naming the JSON path; none of them panics.
//! - **Memory.** One event at most `HttpProfile::max_event_size` bytes; the body is never collected.
//! - **Dropping** an [`EventStream`] drops the connection's body, which closes the connection (it cannot
//!   go back to the pool with unread bytes).
//! - **A JSON answer that is not an error** (the service did not stream) is a stream of one event: its
//!   `Response` object.

pub mod sse;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures_core::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::profile::HttpProfile;
use crate::transport::ByteStream;
pub use sse::Event;
use sse::SseParser;

/// The start of a streaming answer, as the attempt loop hands it over.
pub(crate) struct Opened {
    pub status: u16,
    pub request_id: Option<String>,
    body: OpenedBody,
    /// The caller's secret values in the request: removed from the server's text in error events.
    secrets: Vec<String>,
}

enum OpenedBody {
    Events(ByteStream),
    /// A complete JSON answer (its `Response` object): one event.
    Single(String),
}

impl Opened {
    pub(crate) fn events(status: u16, request_id: Option<String>, body: ByteStream) -> Opened {
        Opened {
            status,
            request_id,
            body: OpenedBody::Events(body),
            secrets: Vec::new(),
        }
    }

    pub(crate) fn single(status: u16, request_id: Option<String>, response_json: String) -> Opened {
        Opened {
            status,
            request_id,
            body: OpenedBody::Single(response_json),
            secrets: Vec::new(),
        }
    }

    /// The same stream, removing `secrets` from the server's text of its error events (see
    /// `redact::OwnSecrets`).
    pub(crate) fn with_secrets(mut self, secrets: Vec<String>) -> Opened {
        self.secrets = secrets;
        self
    }
}

/// The events of a streaming answer, untyped: [`Event`]s in order, then `None`. The engine behind
/// [`EventStream`]; use it directly to see `event:`/`id:` fields or decode events yourself.
pub struct RawEventStream {
    body: Option<ByteStream>,
    parser: SseParser,
    /// The unread rest of the last chunk: events are parsed from it one at a time, as they are asked for,
    /// so what is held is that chunk (hyper's buffer, not a copy) and one event.
    pending: Bytes,
    /// A complete JSON answer, the one event of its stream.
    single: Option<Event>,
    idle_timeout: Duration,
    /// When the idle timer runs out (moved on by progress only), and the timer that wakes the task then.
    idle_deadline: tokio::time::Instant,
    idle: Pin<Box<tokio::time::Sleep>>,
    /// `HttpProfile::stream_deadline` from the opening, when set.
    deadline: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
    status: u16,
    request_id: Option<String>,
    done: bool,
    /// The caller's secret values in the request, removed from errors the server's events carry.
    secrets: Vec<String>,
}

impl fmt::Debug for RawEventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawEventStream")
            .field("status", &self.status)
            .field("buffered_bytes", &self.pending.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl RawEventStream {
    /// Must be called inside a tokio runtime (the idle timer).
    pub(crate) fn new(opened: Opened, profile: &HttpProfile) -> RawEventStream {
        let (body, single) = match opened.body {
            OpenedBody::Events(body) => (Some(body), None),
            OpenedBody::Single(json) => (None, Some(Event::from_data(json))),
        };
        RawEventStream {
            body,
            parser: SseParser::new(profile.max_event_size),
            pending: Bytes::new(),
            single,
            idle_timeout: profile.stream_idle_timeout,
            idle_deadline: tokio::time::Instant::now() + profile.stream_idle_timeout,
            idle: Box::pin(tokio::time::sleep(profile.stream_idle_timeout)),
            deadline: profile.stream_deadline.map(|d| (d, Box::pin(tokio::time::sleep(d)))),
            status: opened.status,
            request_id: opened.request_id,
            done: false,
            secrets: opened.secrets,
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's RequestId: the `X-TC-RequestId` header of a stream, or `Response.RequestId` of a JSON
    /// answer; `None` when the service sent neither.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The next event, `None` at the end or after an error.
    pub async fn next(&mut self) -> Option<Result<Event, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Polls for the next event.
    pub fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event, Error>>> {
        if let Some(event) = self.single.take() {
            return Poll::Ready(Some(Ok(event)));
        }
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(e) = self.timed_out(cx) {
                return self.fail(e);
            }
            if !self.pending.is_empty() {
                let mut rest: &[u8] = &self.pending;
                let parsed = self.parser.next_event(&mut rest);
                let read = self.pending.len() - rest.len();
                self.pending.advance(read);
                if self.parser.take_progress() {
                    self.idle_deadline = tokio::time::Instant::now() + self.idle_timeout;
                    self.idle.as_mut().reset(self.idle_deadline);
                }
                match parsed {
                    Ok(Some(event)) => return Poll::Ready(Some(Ok(event))),
                    Ok(None) => {}
                    Err(e) => return self.fail(Error::decode(e.to_string(), Some(self.status), &[])),
                }
            }
            let Some(body) = self.body.as_mut() else {
                self.done = true;
                return Poll::Ready(None);
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => self.pending = chunk,
                Poll::Ready(Some(Err(e))) => return self.fail(e),
                Poll::Ready(None) => {
                    self.body = None;
                    self.done = true;
                    if let Err(e) = self.parser.finish() {
                        return self.fail(Error::decode(e.to_string(), Some(self.status), &[]));
                    }
                }
                Poll::Pending => {
                    return match self.timed_out(cx) {
                        Some(e) => self.fail(e),
                        None => Poll::Pending,
                    };
                }
            }
        }
    }

    /// The timeout error when the idle timer or the stream's deadline has run out; otherwise both timers
    /// are registered to wake the task. Checked on every turn of the read loop, not only when the body is
    /// pending, so a server flooding keep-alives cannot keep the loop from seeing the time.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        if let Some((limit, deadline)) = &mut self.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                return Some(Error::timeout(format!(
                    "the stream lasted longer than {limit:?} (HttpProfile.stream_deadline)"
                )));
            }
        }
        let idle_over = tokio::time::Instant::now() >= self.idle_deadline;
        if idle_over || self.idle.as_mut().poll(cx).is_ready() {
            return Some(Error::timeout(format!(
                "no event data on the stream for {:?} (HttpProfile.stream_idle_timeout; comments and \
                 keep-alives do not count)",
                self.idle_timeout
            )));
        }
        None
    }

    fn fail(&mut self, e: Error) -> Poll<Option<Result<Event, Error>>> {
        Poll::Ready(Some(Err(self.end(e))))
    }

    /// Ends the stream with `e`: the body (and so the connection) is dropped now.
    fn end(&mut self, e: Error) -> Error {
        self.close();
        e
    }

    /// Ends the stream: the body (and so the connection) is dropped now, `next` gives `None`.
    fn close(&mut self) {
        self.body = None;
        self.pending = Bytes::new();
        self.single = None;
        self.done = true;
    }

    /// The typed form of this stream.
    pub fn typed<T: DeserializeOwned>(self) -> EventStream<T> {
        EventStream {
            raw: self,
            _type: PhantomData,
        }
    }
}

impl Stream for RawEventStream {
    type Item = Result<Event, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

/// The data of the event some services (lkeap's `ChatCompletions`, as its API example shows) send last, as
/// OpenAI-style APIs do: it is no response, so the typed stream ends there; the raw stream passes it on.
/// (`cargo xtask gen-all` reads the API examples by the same rule.)
pub const END_OF_STREAM: &str = "[DONE]";

/// Whether an event's data is the end marker [`END_OF_STREAM`] (blanks around it allowed).
pub fn is_end_of_stream(data: &str) -> bool {
    data.trim() == END_OF_STREAM
}

/// The events of a streaming answer, each decoded into `T` (the action's response type) as leniently as a
/// normal answer. A [`futures_core::Stream`]; also `next().await` without any stream extension trait.
/// Dropping it closes the connection.
pub struct EventStream<T> {
    raw: RawEventStream,
    _type: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EventStream").field(&self.raw).finish()
    }
}

impl<T: DeserializeOwned> EventStream<T> {
    /// The next event, `None` at the end of the stream or after an error.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| self.poll_typed(cx)).await
    }

    /// See [`RawEventStream::request_id`].
    pub fn request_id(&self) -> Option<&str> {
        self.raw.request_id()
    }

    /// The untyped stream inside.
    pub fn into_raw(self) -> RawEventStream {
        self.raw
    }

    fn poll_typed(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        let item = match self.raw.poll_event(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(item) => item,
        };
        if let Some(Ok(event)) = &item {
            if is_end_of_stream(event.data()) {
                self.raw.close();
                return Poll::Ready(None);
            }
        }
        Poll::Ready(item.map(|event| {
            let decoded = event.and_then(|event| decode_event(&event, self.raw.status));
            decoded.map_err(|e| {
                let e = e.without_secrets(&self.raw.secrets);
                self.raw.end(e)
            })
        }))
    }
}

impl<T: DeserializeOwned> Stream for EventStream<T> {
    type Item = Result<T, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_typed(cx)
    }
}

/// The members of an event's data that say it is an error.
#[derive(Deserialize)]
struct ErrorHead<'a> {
    #[serde(rename = "Error")]
    error: Option<ErrorBody>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "Response", borrow)]
    response: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// One event's data as `T`, or the error it carries. Only data mentioning `Error` or `Response` is looked
/// at twice; the common event is parsed once.
pub(crate) fn decode_event<T: DeserializeOwned>(event: &Event, status: u16) -> Result<T, Error> {
    let data = event.data();
    let mut json = data;
    if data.contains("\"Error\"") || data.contains("\"Response\"") {
        let head: ErrorHead<'_> = serde_json::from_str(data).map_err(|e| not_json(&e, status))?;
        if let Some(e) = service_error(head.error, head.request_id, status) {
            return Err(e);
        }
        if let Some(response) = head.response.filter(|r| r.get().starts_with('{')) {
            let inner: ErrorHead<'_> = serde_json::from_str(response.get()).map_err(|e| not_json(&e, status))?;
            if let Some(e) = service_error(inner.error, inner.request_id, status) {
                return Err(e);
            }
            json = response.get();
        }
    }
    // Plain serde first: tracking the JSON path costs on every event, and is only needed to explain a
    // failure, so a failed event is decoded a second time for its path.
    if let Ok(event) = serde_json::from_str(json) {
        return Ok(event);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let event = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let what = format!(
            "an event of the stream does not match the expected type at `{}`: {}",
            e.path(),
            crate::error::json_error_summary(e.inner())
        );
        Error::decode(what, Some(status), &[])
    })?;
    // What else made the first attempt fail: text after the JSON value.
    de.end().map_err(|e| not_json(&e, status))?;
    Ok(event)
}

fn service_error(error: Option<ErrorBody>, request_id: Option<String>, status: u16) -> Option<Error> {
    let error = error?;
    let code = error.code.filter(|c| !c.is_empty())?;
    Some(Error::service(
        code,
        error.message.unwrap_or_default(),
        request_id,
        status,
    ))
}

fn not_json(e: &serde_json::Error, status: u16) -> Error {
    let what = format!(
        "an event of the stream is not valid JSON: {}",
        crate::error::json_error_summary(e)
    );
    Error::decode(what, Some(status), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, Default)]
    #[serde(default)]
    struct Delta {
        #[serde(rename = "Content")]
        content: String,
        #[serde(rename = "N")]
        n: u32,
    }

    fn event(data: &str) -> Event {
        Event::from_data(data.to_owned())
    }

    #[test]
    fn events_decode_leniently() {
        let d: Delta = decode_event(&event(r#"{"Content":"hi","N":2,"Unknown":[1]}"#), 200).unwrap();
        assert_eq!((d.content.as_str(), d.n), ("hi", 2));
        let d: Delta = decode_event(&event(r#"{"Response":{"Content":"wrapped"}}"#), 200).unwrap();
        assert_eq!(d.content, "wrapped");
        let d: Delta = decode_event(&event(r#"{"Content":"x","Error":null}"#), 200).unwrap();
        assert_eq!(d.content, "x");
    }

    #[test]
    fn error_events_are_service_errors() {
        for data in [
            r#"{"Error":{"Code":"InternalError","Message":"boom"},"RequestId":"r-1"}"#,
            r#"{"Response":{"Error":{"Code":"InternalError","Message":"boom"},"RequestId":"r-1"}}"#,
        ] {
            let e = decode_event::<Delta>(&event(data), 200).unwrap_err();
            assert!(e.is_service(), "{data}");
            assert_eq!(e.code(), Some("InternalError"));
            assert_eq!(e.message(), Some("boom"));
            assert_eq!(e.request_id(), Some("r-1"));
        }
    }

    #[test]
    fn only_the_whole_marker_ends_a_stream() {
        for data in ["[DONE]", " [DONE]\n", "\t[DONE] "] {
            assert!(is_end_of_stream(data), "{data:?}");
        }
        for data in ["", "[DONE]x", "[done]", r#"{"Content":"[DONE]"}"#, "\"[DONE]\""] {
            assert!(!is_end_of_stream(data), "{data:?}");
        }
    }

    #[test]
    fn a_mismatch_names_its_json_path() {
        let e = decode_event::<Delta>(&event(r#"{"Content":"x","N":"seven"}"#), 200).unwrap_err();
        assert!(e.to_string().contains("at `N`"), "{e}");
    }

    #[test]
    fn malformed_events_are_decode_errors_without_content() {
        for data in [
            "not json",
            r#"{"Content":"#,
            r#"{"Content":"secret 4370","N":"x"}"#,
            "",
            r#"{"N":1} x"#,
        ] {
            let e = decode_event::<Delta>(&event(data), 200).unwrap_err();
            assert!(e.is_decode(), "{data}: {e}");
            assert!(!e.to_string().contains("4370"), "{e}");
        }
        let e = decode_event::<Delta>(&event(r#"{"Error":"x"}"#), 200).unwrap_err();
        assert!(e.is_decode(), "{e}");
    }
}
