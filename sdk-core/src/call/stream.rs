//! Open a stream, the last stage of an attempt for a streaming answer (instead of decode envelope): the
//! request goes out as any other ([`super::attempt::prepare`]), through
//! [`crate::Transport::send_streaming`], and the answer is judged by its headers.
//!
//! - `Content-Type: text/event-stream` (with or without parameters): the attempt succeeds as soon as the
//!   headers are in, and the body becomes a [`crate::stream::EventStream`]. From here on nothing is retried.
//! - anything else: the body is read whole (within `HttpProfile::max_body_size`) and decoded as a normal
//!   answer ([`super::attempt::decode`]), so an `Error` envelope is the same service error as for `call`,
//!   retried by the same rule. A successful JSON answer (a service that did not stream) becomes a stream
//!   of one event, its `Response` object.

use std::time::Duration;

use bytes::{Bytes, BytesMut};

use super::attempt;
use super::classify::Answer;
use super::{Call, Config};
use crate::breaker::Route;
use crate::error::Error;
use crate::http::{header, HeaderMap};
use crate::interceptor::CallView;
use crate::stream::Opened;
use crate::transport::{self, ByteStream};

/// The header in which the service names a stream's RequestId (a stream has no `Response` object).
const REQUEST_ID: &str = "x-tc-requestid";

/// The media type of a server-sent event stream.
const EVENT_STREAM: &str = "text/event-stream";

impl Answer for Opened {
    fn status(&self) -> u16 {
        self.status
    }
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// One attempt at opening the stream.
pub(crate) async fn attempt(
    config: &Config,
    call: Call<'_>,
    view: &CallView<'_>,
    payload: Bytes,
    route: Route,
    timeout: Option<Duration>,
    server_time: &mut Option<i64>,
) -> Result<Opened, Error> {
    let (transport, request, secrets) = attempt::prepare(config, call, view, payload, route, timeout).await?;
    match open(config, transport, request, server_time).await {
        Ok(opened) => Ok(opened.with_secrets(secrets.list())),
        Err(e) => Err(e.without_secrets(&secrets.list())),
    }
}

async fn open(
    config: &Config,
    transport: &dyn crate::transport::Transport,
    request: crate::http::HttpRequest,
    server_time: &mut Option<i64>,
) -> Result<Opened, Error> {
    let response = transport.send_streaming(request).await?;
    if is_event_stream(&response.headers) {
        let request_id = response
            .headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        return Ok(Opened::events(response.status, request_id, response.body));
    }
    let limit = config.profile.http_profile.max_body_size;
    let body = read_all(response.body, response.status, limit).await?;
    let answer = attempt::decode(response.status, &response.headers, body, server_time)?;
    let request_id = answer.request_id().map(str::to_owned);
    Ok(Opened::single(answer.status(), request_id, answer.json().to_owned()))
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media_type = value.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case(EVENT_STREAM)
}

/// A body that is not a stream, at most `limit` bytes of it.
async fn read_all(mut body: ByteStream, status: u16, limit: usize) -> Result<Bytes, Error> {
    let mut all = BytesMut::new();
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let chunk = chunk?;
        if all.len() + chunk.len() > limit {
            return Err(transport::too_large(status, limit, &all));
        }
        all.extend_from_slice(&chunk);
    }
    Ok(all.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HeaderValue;

    #[test]
    fn event_stream_content_types() {
        for (value, expected) in [
            ("text/event-stream", true),
            ("text/event-stream; charset=utf-8", true),
            ("Text/Event-Stream", true),
            ("application/json", false),
            ("text/event-streams", false),
            ("", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_event_stream(&headers), expected, "{value}");
        }
        assert!(!is_event_stream(&HeaderMap::new()));
    }
}
