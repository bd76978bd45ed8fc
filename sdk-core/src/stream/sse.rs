//! The `text/event-stream` format, as the HTML standard defines it ("Server-sent events", parsing an
//! event stream), without any I/O: chunks of bytes go in with `SseParser::next_event`, finished [`Event`]s
//! come out one at a time.
//!
//! - Lines end with CRLF, LF or CR; a CR at the end of one chunk followed by LF at the start of the next
//!   is one line end.
//! - A line starting with `:` is a comment. `field:value` (one space after the colon removed) or a bare
//!   `field` (empty value). `data` lines are joined with `"\n"`; `event` and `id` keep their last value
//!   (an `id` containing NUL is ignored, as the standard says); `retry` and unknown fields are ignored
//!   (this client never reconnects: a stream is one answer).
//! - A blank line ends the event. An event without any `data` line is no event (nothing is dispatched);
//!   `data:` with an empty value is an event with empty data.
//! - A leading byte-order mark is skipped.
//!
//! Decisions that differ from a browser's `EventSource`:
//! - Bytes that are not UTF-8 are an error, not replaced: the data is JSON, and a replaced byte would
//!   only fail later with a less clear message.
//! - The end of the stream in the middle of an event (a partial line, or data lines without the blank
//!   line) is an error (`SseParser::finish`): the standard discards such an event silently, but for
//!   one API answer it means the answer was cut off, and the caller must hear about it.
//! - Memory is bounded: the event being built (its data, `event` and `id`, and the current line) may not
//!   exceed `max_event_size` bytes; more is an error, and the parser keeps nothing of it.

use std::fmt;

/// The UTF-8 byte-order mark, skipped at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Event {
    event: Option<String>,
    id: Option<String>,
    data: String,
}

impl Event {
    /// An event with `data` only (a complete JSON answer, treated as a one-event stream).
    pub(crate) fn from_data(data: String) -> Event {
        Event {
            event: None,
            id: None,
            data,
        }
    }

    /// The `event:` field (the event type), when the server sent one.
    pub fn event(&self) -> Option<&str> {
        self.event.as_deref()
    }

    /// The `id:` field, when the server sent one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `data:` lines joined with `"\n"` (for Tencent Cloud, one JSON object).
    pub fn data(&self) -> &str {
        &self.data
    }
}

// The data is message content (a chat answer, a transcript): its length only.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("event", &self.event)
            .field("id", &self.id)
            .field("data_len", &self.data.len())
            .finish()
    }
}

/// What is wrong with a stream; the caller turns it into an [`crate::Error`] (decode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SseError {
    /// The event being built passed the limit.
    TooLarge { limit: usize },
    /// A line is not UTF-8.
    NotUtf8,
    /// The stream ended in the middle of an event.
    Truncated,
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::TooLarge { limit } => {
                write!(
                    f,
                    "an event of the stream exceeds HttpProfile.max_event_size ({limit} bytes)"
                )
            }
            SseError::NotUtf8 => f.write_str("a line of the event stream is not UTF-8"),
            SseError::Truncated => f.write_str("the event stream ended in the middle of an event (cut off)"),
        }
    }
}

/// The incremental parser. Feed it chunks as they arrive; it keeps at most one event's worth of bytes.
#[derive(Debug)]
pub(crate) struct SseParser {
    limit: usize,
    /// The current line, without its line end.
    line: Vec<u8>,
    /// The previous chunk ended with CR: a LF at the start of the next one belongs to it.
    after_cr: bool,
    /// Nothing has been read yet (a BOM may come).
    at_start: bool,
    /// The event being built; `data` is `None` until a `data` line arrives.
    data: Option<String>,
    event: Option<String>,
    id: Option<String>,
    /// Bytes of an event's data arrived since [`SseParser::take_progress`] was last asked (see there).
    progress: bool,
}

impl SseParser {
    /// A parser accepting events of at most `limit` bytes.
    pub(crate) fn new(limit: usize) -> SseParser {
        SseParser {
            limit,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            data: None,
            event: None,
            id: None,
            progress: false,
        }
    }

    /// Whether the stream made progress since the last call: a `data` line (or part of one) arrived or an
    /// event was completed. Comments, blank lines that complete nothing, and `event`/`id`/`retry`/unknown
    /// fields alone are not progress: a server can send those forever without ever answering, so they
    /// must not keep a stream's idle timer from running out (issue 26, finding 8).
    pub(crate) fn take_progress(&mut self) -> bool {
        std::mem::take(&mut self.progress)
    }

    /// Reads lines from the front of `chunk` until an event is complete and returns it, with `chunk`
    /// advanced past what was read; `Ok(None)` when the chunk ran out first (a partial line is kept).
    /// One event at a time, so a large chunk is never split into many events held at once; a line that
    /// lies whole in the chunk is read where it is, not copied.
    pub(crate) fn next_event(&mut self, chunk: &mut &[u8]) -> Result<Option<Event>, SseError> {
        let mut rest: &[u8] = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while !rest.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', rest) else {
                let partial = self.extend_line(rest);
                *chunk = &[];
                return partial.map(|()| None);
            };
            let line = &rest[..end];
            let ending = rest[end];
            rest = &rest[end + 1..];
            if ending == b'\r' {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            *chunk = rest;
            let event = if self.line.is_empty() {
                self.check_size(line.len())?;
                self.process_line(line)?
            } else {
                self.extend_line(line)?;
                let whole = std::mem::take(&mut self.line);
                let event = self.process_line(&whole);
                // Keep the allocation for the next partial line.
                self.line = whole;
                self.line.clear();
                event?
            };
            if event.is_some() {
                return Ok(event);
            }
        }
        *chunk = rest;
        Ok(None)
    }

    /// The stream ended: an error when it ended inside an event.
    pub(crate) fn finish(&self) -> Result<(), SseError> {
        let pending = !self.line.is_empty() || self.data.is_some();
        if pending {
            return Err(SseError::Truncated);
        }
        Ok(())
    }

    /// Bytes held for the event being built.
    pub(crate) fn held(&self) -> usize {
        self.line.len()
            + self.data.as_ref().map_or(0, String::len)
            + self.event.as_ref().map_or(0, String::len)
            + self.id.as_ref().map_or(0, String::len)
    }

    /// `more` bytes may be added to what the event holds, else the event is dropped and it is an error.
    fn check_size(&mut self, more: usize) -> Result<(), SseError> {
        if self.held() + more > self.limit {
            self.reset();
            return Err(SseError::TooLarge { limit: self.limit });
        }
        Ok(())
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        self.check_size(bytes.len())?;
        self.line.extend_from_slice(bytes);
        // A long `data` line still arriving is progress; a long comment is not.
        self.progress |= self.line.starts_with(b"data");
        Ok(())
    }

    fn reset(&mut self) {
        self.line = Vec::new();
        self.data = None;
        self.event = None;
        self.id = None;
    }

    /// One whole line; the event when the line is the blank one that completes it.
    fn process_line(&mut self, mut line: &[u8]) -> Result<Option<Event>, SseError> {
        if std::mem::take(&mut self.at_start) {
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(None);
        }
        let line = std::str::from_utf8(line).map_err(|_| {
            self.reset();
            SseError::NotUtf8
        })?;
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        // No second size check: the line counted `data:` too, more than the joining "\n" adds.
        self.progress |= field == "data";
        match field {
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        Ok(None)
    }

    /// The blank line: the event is complete (or, without data, is no event).
    fn dispatch(&mut self) -> Option<Event> {
        let event = self.event.take();
        let id = self.id.take();
        let data = self.data.take()?;
        self.progress = true;
        Some(Event { event, id, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]], limit: usize) -> (Vec<Event>, Result<(), SseError>) {
        let mut parser = SseParser::new(limit);
        let mut out = Vec::new();
        for chunk in chunks {
            let mut rest = *chunk;
            loop {
                match parser.next_event(&mut rest) {
                    Ok(Some(event)) => out.push(event),
                    Ok(None) => break,
                    Err(e) => return (out, Err(e)),
                }
            }
        }
        let end = parser.finish();
        (out, end)
    }

    fn parse(text: &[u8]) -> (Vec<Event>, Result<(), SseError>) {
        parse_chunks(&[text], 1 << 20)
    }

    fn data(events: &[Event]) -> Vec<&str> {
        events.iter().map(Event::data).collect()
    }

    #[test]
    fn only_event_data_is_progress() {
        let mut parser = SseParser::new(1 << 20);
        for idle in [
            &b": keep-alive\n"[..],
            b"\n\n\r\n",
            b"retry: 5\nid: 3\nevent: x\nfoo\n",
            b": partial comm",
        ] {
            let mut rest = idle;
            assert_eq!(parser.next_event(&mut rest), Ok(None));
            assert!(!parser.take_progress(), "{idle:?}");
        }
        let mut parser = SseParser::new(1 << 20);
        let mut rest: &[u8] = b"data: par";
        assert_eq!(parser.next_event(&mut rest), Ok(None));
        assert!(parser.take_progress(), "part of a data line");
        assert!(!parser.take_progress(), "asked once");
        let mut rest: &[u8] = b"tial\n\n";
        assert!(parser.next_event(&mut rest).unwrap().is_some());
        assert!(parser.take_progress());
    }

    #[test]
    fn every_line_ending_and_every_split_gives_the_same_events() {
        let text = "data: {\"a\":1}\n\n: comment\nevent: delta\nid: 7\ndata: x\ndata:y\n\n";
        for ending in ["\n", "\r\n", "\r"] {
            let bytes = text.replace('\n', ending).into_bytes();
            // Every split point, including inside CRLF.
            for cut in 0..=bytes.len() {
                let (events, end) = parse_chunks(&[&bytes[..cut], &bytes[cut..]], 1 << 20);
                assert_eq!(end, Ok(()), "{ending:?} cut {cut}");
                assert_eq!(data(&events), ["{\"a\":1}", "x\ny"], "{ending:?} cut {cut}");
                assert_eq!(events[1].event(), Some("delta"));
                assert_eq!(events[1].id(), Some("7"));
                assert_eq!(events[0].event(), None);
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let bytes = b"data: 1\r\n\r\ndata: 2\r\n\r\n";
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        let (events, end) = parse_chunks(&chunks, 64);
        assert_eq!(end, Ok(()));
        assert_eq!(data(&events), ["1", "2"]);
    }

    #[test]
    fn field_forms() {
        // No space, two spaces (one is kept), bare field name, colon inside the value.
        let (events, end) = parse(b"data:a\n\ndata:  b\n\ndata\n\ndata: {\"k\":\"v:w\"}\n\n");
        assert_eq!(end, Ok(()));
        assert_eq!(data(&events), ["a", " b", "", "{\"k\":\"v:w\"}"]);
    }

    #[test]
    fn no_data_is_no_event() {
        let (events, end) = parse(b"event: ping\nid: 1\n\n: keep-alive\n\n\n\nretry: 10\nfoo: bar\n\n");
        assert_eq!(end, Ok(()));
        assert!(events.is_empty());
        // The dropped event's fields do not leak into the next one.
        let (events, _) = parse(b"event: ping\n\ndata: x\n\n");
        assert_eq!(events[0].event(), None);
    }

    #[test]
    fn id_with_nul_is_ignored_and_bom_skipped() {
        let (events, end) = parse(b"\xEF\xBB\xBFid: a\0b\ndata: x\n\n");
        assert_eq!(end, Ok(()));
        assert_eq!(events[0].id(), None);
        assert_eq!(events[0].data(), "x");
    }

    #[test]
    fn partial_last_event_is_truncation() {
        for text in [&b"data: 1\n\ndata: 2\n"[..], b"data: 1\n\ndata: 2", b"data: 1\n\nev"] {
            let (events, end) = parse(text);
            assert_eq!(data(&events), ["1"], "{text:?}");
            assert_eq!(end, Err(SseError::Truncated), "{text:?}");
        }
        // A clean end after a complete event, or an empty stream, is fine.
        assert_eq!(parse(b"data: 1\n\n").1, Ok(()));
        assert_eq!(parse(b"").1, Ok(()));
        assert_eq!(parse(b"data: 1\r\n\r").1, Ok(()));
    }

    #[test]
    fn oversized_event_is_an_error_and_memory_stays_bounded() {
        let limit = 16;
        // One long line arriving in small chunks.
        let long = [b'a'; 100];
        let mut chunks: Vec<&[u8]> = vec![b"data: "];
        chunks.extend(long.chunks(3));
        let (events, end) = parse_chunks(&chunks, limit);
        assert!(events.is_empty());
        assert_eq!(end, Err(SseError::TooLarge { limit }));
        // Many short data lines adding up.
        let lines = "data: 12345\n".repeat(5);
        assert_eq!(
            parse_chunks(&[lines.as_bytes()], limit).1,
            Err(SseError::TooLarge { limit })
        );
        // A line of exactly the limit is accepted.
        let (events, end) = parse_chunks(&[b"data:0123456789a\n\n"], limit);
        assert_eq!(end, Ok(()));
        assert_eq!(events[0].data(), "0123456789a");
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert_eq!(parse(b"data: \xff\xfe\n\n").1, Err(SseError::NotUtf8));
        // In a comment it does not matter.
        assert_eq!(parse(b": \xff\ndata: ok\n\n").1, Ok(()));
    }

    #[test]
    fn debug_shows_no_data() {
        let (events, _) = parse(b"data: secret code 4370\n\n");
        let debug = format!("{:?}", events[0]);
        assert!(!debug.contains("4370"), "{debug}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x: u32 = 0x9e37_79b9;
        for _ in 0..300 {
            let bytes: Vec<u8> = (0..200)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    b"data:event:id: \r\n\n\xff\xEFxy{}\0"[x as usize % 24]
                })
                .collect();
            let cut = x as usize % bytes.len();
            let _ = parse_chunks(&[&bytes[..cut], &bytes[cut..]], 64);
        }
    }
}
