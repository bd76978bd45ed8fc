//! Every parser of outside bytes in sdk-core as one function (feature `fuzz`), for the property tests
//! (`tests/parsers.rs`, a short budget in CI) and the soak binary (`tc-bench/src/bin/soak.rs`, millions of
//! cases). Not for applications: the API may change at any time.
//!
//! Each `check_*` function feeds its input to the parser the SDK uses on bytes from outside (a server's
//! answer, a file, a caller's string) and panics when a promise is broken; a panic inside the parser is a
//! finding just the same. The promises, beyond "no panic":
//!
//! - bounded memory: an SSE parser holds at most `max_event_size` bytes, whatever the chunking;
//! - the same result whatever the chunking (SSE);
//! - errors never quote what they were given (files, envelopes): a marker planted in the input never
//!   appears in an error's `Display`/`Debug` unless the parser accepted it as a non-secret name;
//! - what is accepted is safe to use: an accepted endpoint makes a URL whose host is the one given and
//!   whose path is `/`; accepted names contain only their documented characters; flattened queries are
//!   ASCII `key=value` pairs in `quote_plus` form;
//! - the server-text scrubber leaves no secret and no cut tail of one.
//!
//! Hangs: every parser here is a single pass over its input (or a bounded number of passes), so time is
//! linear in the input; the soak binary runs a watchdog that reports a case that takes too long.

use serde::de::MapAccess;

use crate::call::endpoint;
use crate::call::envelope;
use crate::credential::{file, ini};
use crate::de::{self, Members};
use crate::profile::HttpProfile;
use crate::stream::sse::{Event, SseParser};
use crate::validate;

/// A marker planted in generated inputs: no error may show it.
pub const MARKER: &str = "Zq7MARKERq7Z";

/// SSE: parses `stream` whole and cut at `cuts` (byte offsets, any order, out of range ignored) with a
/// `limit`-byte event bound. Both give the same events and the same outcome; the parser never holds more
/// than `limit` bytes; each event is then decoded as the typed stream does.
pub fn check_sse(stream: &[u8], cuts: &[usize], limit: usize) {
    let whole = parse_sse(&[stream], limit);
    let mut points: Vec<usize> = cuts.iter().copied().filter(|&c| c <= stream.len()).collect();
    points.sort_unstable();
    points.dedup();
    let mut chunks = Vec::with_capacity(points.len() + 1);
    let mut from = 0;
    for p in points {
        chunks.push(&stream[from..p]);
        from = p;
    }
    chunks.push(&stream[from..]);
    let split = parse_sse(&chunks, limit);
    assert_eq!(whole, split, "chunking changed the events");
    for event in &whole.0 {
        assert!(
            event.data().len() <= limit,
            "an event larger than the limit was dispatched"
        );
        let decoded = crate::stream::decode_event::<serde_json::Value>(event, 200);
        if let Err(e) = decoded {
            assert_no_marker(&e);
        }
    }
}

/// Events and the outcome (`Ok` or the error's text) of one parse.
fn parse_sse(chunks: &[&[u8]], limit: usize) -> (Vec<Event>, Result<(), String>) {
    let mut parser = SseParser::new(limit);
    let mut events = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        loop {
            let parsed = parser.next_event(&mut rest);
            assert!(parser.held() <= limit, "the parser holds more than the limit");
            match parsed {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(e) => return (events, Err(e.to_string())),
            }
        }
        let _ = parser.take_progress();
    }
    let end = parser.finish().map_err(|e| e.to_string());
    (events, end)
}

/// The response envelope and typed decoding: any status and body give a response or an error; an error
/// never shows the body; a response's `Response` JSON decodes (or fails) as a generated type would.
pub fn check_envelope(status: u16, body: &[u8]) {
    match envelope::parse_response(status, body.to_vec()) {
        Ok(raw) => {
            // JSON by grammar; a number beyond f64 (`1e400`) is valid JSON that a `Value` cannot hold.
            if let Err(e) = serde_json::from_str::<serde_json::Value>(raw.json()) {
                assert!(
                    e.to_string().starts_with("number out of range"),
                    "the Response object is not JSON"
                );
            }
            if let Err(e) = raw.deserialize::<Probe>() {
                assert_no_marker(&e);
            }
            let _ = raw.deserialize::<serde_json::Value>();
        }
        Err(e) => {
            assert_no_marker(&e);
        }
    }
}

/// A response type decoded with the helpers generated code uses (`sdk_core::de`): lenient numbers and
/// booleans, null as default, nested lists of members.
#[derive(Debug, Default)]
struct Probe {
    count: Option<u64>,
    total: i64,
    ok: Option<bool>,
    ratio: f64,
    names: Vec<String>,
    items: Vec<Probe>,
    id: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Probe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
        de::deserialize_members(d)
    }
}

impl Members for Probe {
    const NAME: &'static str = "Probe";
    const NAMES: &'static [&'static str] = &["Count", "Total", "Ok", "Ratio", "Names", "Items", "RequestId"];
    fn from_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<Probe, A::Error> {
        let mut out = Probe::default();
        while let Some(i) = de::next_member(&mut map, Self::NAMES)? {
            match i {
                0 => de::lenient_opt_into(&mut map, &mut out.count),
                1 => de::lenient_into(&mut map, &mut out.total),
                2 => de::lenient_opt_into(&mut map, &mut out.ok),
                3 => de::lenient_into(&mut map, &mut out.ratio),
                4 => de::null_as_default_into(&mut map, &mut out.names),
                5 => de::null_as_default_into(&mut map, &mut out.items),
                6 => de::some_into(&mut map, &mut out.id),
                _ => Ok(()),
            }?;
        }
        Ok(out)
    }
}

/// The credential files: the INI dialect, the profile file's keys and tccli's JSON. Errors name a line
/// or a key, never a value.
pub fn check_credential_files(text: &str) {
    let sections = ini::parse(text);
    if let Err(e) = &sections {
        assert!(
            e.line >= 1 && e.line <= text.lines().count().max(1),
            "line {} out of range",
            e.line
        );
    }
    // Errors list the file's profile names (names, not secrets): a marker in a section name may show.
    let marker_in_names = sections.is_ok_and(|s| s.iter().any(|s| s.name.contains(MARKER)));
    for profile in ["default", MARKER] {
        if let Err(message) = file::profile_from_text(text, profile) {
            assert_text_has_no_marker(&message, profile == MARKER || marker_in_names);
        }
    }
    if let Err(message) = file::tccli_from_text(text) {
        assert_text_has_no_marker(&message, false);
    }
}

/// The CVM metadata service's credential answer: a credential or an error that quotes no value.
pub fn check_metadata_answer(body: &str) {
    if let Err(message) = crate::credential::cvm::metadata_credential(body) {
        // `answered Code "..."` quotes the service's code on purpose.
        if !message.starts_with("answered Code") {
            assert_text_has_no_marker(&message, false);
        }
    }
}

/// Query flattening of a JSON request (GET and the legacy signatures): any bytes give pairs or an error,
/// and the encoded form is ASCII in `quote_plus` form.
pub fn check_query(json: &[u8]) {
    let Ok(params) = crate::query::Params::from_json(json) else {
        return;
    };
    let encoded = params.urlencode();
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_.-~+%=&".contains(&b);
    assert!(encoded.bytes().all(allowed), "an encoded query outside quote_plus form");
    assert_eq!(
        encoded.matches('&').count() + 1,
        params.len().max(1),
        "a pair's `&` was not encoded"
    );
}

/// `HttpProfile::endpoint` and the names that become part of a URL or a header: what is accepted makes a
/// URL with exactly that host and path `/`, and names hold only their documented characters.
pub fn check_endpoint_and_names(text: &str) {
    let mut http = HttpProfile::new();
    http.endpoint = Some(text.to_owned());
    if let Ok(found) = endpoint::resolve("sms", &http) {
        let (_, after_scheme) = found.url.split_once("://").expect("a scheme");
        assert_eq!(after_scheme, format!("{}/", found.host), "the URL is host and `/` only");
        let url =
            reqwest::Url::parse(&found.url).unwrap_or_else(|e| panic!("accepted endpoint {text:?} is no URL: {e}"));
        assert_eq!(url.path(), "/", "path smuggled into the host");
        assert!(url.query().is_none() && url.fragment().is_none() && url.username().is_empty());
        assert!(url.password().is_none() && url.host_str().is_some());
    }
    let label = |c: char| c.is_ascii_alphanumeric() || c == '-';
    if validate::product(text).is_ok() {
        assert!(!text.is_empty() && text.chars().all(label), "product");
    }
    if validate::version(text).is_ok() {
        assert!(
            text.len() == 10 && text.chars().all(|c| c.is_ascii_digit() || c == '-'),
            "version"
        );
    }
    if validate::action(text).is_ok() {
        assert!(
            !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric()),
            "action"
        );
    }
    if validate::region(text).is_ok() {
        assert!(text.chars().all(label), "region");
    }
}

/// The facts a paginator reads from a page, and the server time read from `Date` or a message. (The
/// "page" kind of case also feeds its text to [`check_metadata_answer`].)
pub fn check_page_and_clock(json: &str) {
    let _ = crate::paginate::fuzz_page(json);
    let _ = crate::clock::server_time(Some(json), Some(json));
}

/// The server-text scrubber: after it, no secret (of those made of other characters than `*`) and no cut
/// tail of one of at least 4 bytes is left in the text.
pub fn check_scrub(text: &str, secrets: &[String]) {
    let mut scrubbed = text.to_owned();
    crate::error::scrub(&mut scrubbed, secrets);
    for secret in secrets.iter().filter(|s| !s.is_empty() && !s.contains('*')) {
        assert!(!scrubbed.contains(secret.as_str()), "a secret survived");
        for n in 4..secret.len() {
            if secret.is_char_boundary(n) {
                assert!(!scrubbed.ends_with(&secret[..n]), "a cut tail of a secret survived");
            }
        }
    }
}

/// An error shows no planted value. Shown on purpose, so not checked: a service error's Code and Message
/// (the server's own words), a RequestId, and member names in a JSON path (names, not values; the
/// generator plants the marker in values only).
fn assert_no_marker(e: &crate::error::Error) {
    if e.is_service() || e.request_id().is_some_and(|id| id.contains(MARKER)) {
        return;
    }
    let shown = without_paths(&format!("{e} {e:?}"));
    assert!(!shown.contains(MARKER), "an error quoted its input: {shown}");
}

/// `text` without the JSON paths of decode errors (`` at `Items[0].Name` ``): member names, which raw
/// generated text may spell with the marker.
fn without_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("at `") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "at `".len()..];
        rest = after.find('`').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

/// `allowed_as_name`: the marker was given as the profile name, which errors do name.
fn assert_text_has_no_marker(message: &str, allowed_as_name: bool) {
    if allowed_as_name {
        return;
    }
    assert!(!message.contains(MARKER), "an error quoted its input: {message}");
}

/// A small deterministic generator (SplitMix64): the same seed gives the same case, so a failure found by
/// the soak binary is replayed by its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of case `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// Up to `max` random bytes.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// One of `items`.
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// Pieces of hostile text: grammar tokens of the formats, separators, escapes, odd Unicode, the marker.
const PIECES: [&str; 40] = [
    "data:", "data: ", "event:", "id:", "retry:", ":", "\n", "\r", "\r\n", "\n\n", " ", "\u{feff}", "\0", "{", "}",
    "[", "]", "\"", "\\", ",", "=", "&", "%", "%2F", "+", "?", "#", "@", "/", ".", "-", "é", "語", "\u{202e}", "null",
    "true", "1e400", "-0", MARKER, "Response",
];

/// Text of `max` pieces or random characters.
pub fn gen_text(rng: &mut Rng, max: usize) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(max + 1) {
        if rng.one_in(4) {
            text.push(char::from_u32(rng.below(0x800) as u32).unwrap_or('x'));
        } else {
            text.push_str(rng.pick(&PIECES));
        }
    }
    text
}

/// JSON-shaped bytes: mostly valid, with member names the SDK reads, sometimes broken (cut, a byte
/// replaced), sometimes nested deeper than any parser's limit.
pub fn gen_json(rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    let depth = if rng.one_in(50) { 200 + rng.below(400) } else { 4 };
    json_value(rng, depth, &mut out);
    let mut bytes = out.into_bytes();
    if rng.one_in(5) && !bytes.is_empty() {
        let at = rng.below(bytes.len());
        match rng.below(3) {
            0 => bytes.truncate(at),
            1 => bytes[at] = rng.next_u64() as u8,
            _ => bytes.extend_from_slice(gen_text(rng, 4).as_bytes()),
        }
    }
    bytes
}

const NAMES: [&str; 16] = [
    "Response",
    "Error",
    "Code",
    "Message",
    "RequestId",
    "Count",
    "Total",
    "TotalCount",
    "Ok",
    "Ratio",
    "Names",
    "Items",
    "Data",
    "NextToken",
    "Limit",
    MARKER,
];

fn json_value(rng: &mut Rng, depth: usize, out: &mut String) {
    let choice = if depth == 0 { 3 + rng.below(5) } else { rng.below(8) };
    match choice {
        0 | 1 => {
            out.push('{');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                json_string(rng.pick(&NAMES), out);
                out.push(':');
                json_value(rng, depth - 1, out);
            }
            out.push('}');
        }
        2 => {
            out.push('[');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                json_value(rng, depth - 1, out);
            }
            out.push(']');
        }
        3 => out.push_str(rng.pick(&[
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1.5",
            "1e300",
            "18446744073709551616",
        ])),
        4 => out.push_str(&(rng.next_u64() as i64).to_string()),
        _ => json_string(&gen_text(rng, 6), out),
    }
}

fn json_string(text: &str, out: &mut String) {
    out.push_str(&serde_json::Value::from(text).to_string());
}

/// Deep nesting alone (`[[[[...` or `{"a":{"a":...`), `levels` deep: the shape that overflows a stack.
pub fn gen_deep(rng: &mut Rng, levels: usize) -> Vec<u8> {
    let (open, close) = if rng.one_in(2) {
        ("[", "]")
    } else {
        ("{\"Items\":", "}")
    };
    let mut out = open.repeat(levels);
    out.push('1');
    if rng.one_in(2) {
        out.push_str(&close.repeat(levels));
    }
    out.into_bytes()
}

/// The kinds of case, each one parser family.
pub const KINDS: [&str; 7] = ["sse", "envelope", "files", "query", "endpoint", "page", "scrub"];

/// Generates case `seed` of `kind` and checks it (see the `check_*` functions). Panics on a broken promise.
pub fn run_case(kind: &str, seed: u64) {
    let mut rng = Rng::new(seed ^ (kind.len() as u64) << 56);
    match kind {
        "sse" => {
            let stream = gen_sse(&mut rng);
            let cuts: Vec<usize> = (0..rng.below(6)).map(|_| rng.below(stream.len() + 1)).collect();
            let limit = *rng.pick(&[&16usize, &64, &1024]);
            check_sse(&stream, &cuts, limit);
        }
        "envelope" => {
            let status = *rng.pick(&[&200u16, &200, &400, &500, &503, &0, &999]);
            let body = if rng.one_in(20) {
                {
                    let levels = 100 + rng.below(5000);
                    gen_deep(&mut rng, levels)
                }
            } else {
                gen_envelope(&mut rng)
            };
            check_envelope(status, &body);
        }
        "files" => check_credential_files(&gen_ini(&mut rng)),
        "query" => {
            let json = if rng.one_in(20) {
                {
                    let levels = 100 + rng.below(5000);
                    gen_deep(&mut rng, levels)
                }
            } else {
                gen_json(&mut rng)
            };
            check_query(&json);
        }
        "endpoint" => check_endpoint_and_names(&gen_endpoint(&mut rng)),
        "page" => {
            let text = String::from_utf8_lossy(&gen_envelope(&mut rng)).into_owned();
            check_page_and_clock(&text);
            check_metadata_answer(&text);
        }
        "scrub" => {
            let secrets: Vec<String> = (0..rng.below(4)).map(|_| gen_secret(&mut rng)).collect();
            let mut text = gen_text(&mut rng, 8);
            for s in &secrets {
                if rng.one_in(2) {
                    let cut = if rng.one_in(3) { rng.below(s.len() + 1) } else { s.len() };
                    text.push_str(&s[..cut]);
                    text.push_str(&gen_text(&mut rng, 2));
                }
            }
            check_scrub(&text, &secrets);
        }
        other => panic!("no case kind {other:?}"),
    }
}

/// An event stream: lines of fields, comments and blanks with every line ending, JSON data.
pub fn gen_sse(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.one_in(10) {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    for _ in 0..rng.below(12) {
        match rng.below(6) {
            0 | 1 => {
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(&gen_envelope(rng));
            }
            2 => out.extend_from_slice(gen_text(rng, 6).as_bytes()),
            3 => out.extend_from_slice(rng.pick(&[&b":keep-alive"[..], b"event: delta", b"id: 7", b"retry: 1"])),
            4 => out.extend(rng.bytes(8)),
            _ => {}
        }
        out.extend_from_slice(rng.pick(&[&b"\n"[..], b"\r\n", b"\r", b"\n\n", b"\r\n\r\n", b""]));
    }
    out
}

/// A response body: an envelope around generated JSON, or anything JSON-shaped.
pub fn gen_envelope(rng: &mut Rng) -> Vec<u8> {
    if rng.one_in(3) {
        return gen_json(rng);
    }
    let inner = gen_json(rng);
    let mut out = br#"{"Response":"#.to_vec();
    if rng.one_in(3) {
        out.extend_from_slice(br#"{"Error":{"Code":"#);
        out.extend_from_slice(rng.pick(&[&br#""InternalError""#[..], b"null", b"\"\"", b"5"]));
        let mut message = String::new();
        json_string(&gen_text(rng, 4), &mut message);
        out.extend_from_slice(br#","Message":"#);
        out.extend_from_slice(message.as_bytes());
        out.extend_from_slice(br#"},"RequestId":"r"}"#);
    } else {
        out.extend_from_slice(&inner);
    }
    out.push(b'}');
    if rng.one_in(10) {
        out.extend(rng.bytes(4));
    }
    out
}

/// A credential file: INI lines (sections, keys, comments, junk) or tccli JSON.
pub fn gen_ini(rng: &mut Rng) -> String {
    if rng.one_in(3) {
        return String::from_utf8_lossy(&gen_json(rng)).into_owned();
    }
    let mut out = String::new();
    for _ in 0..rng.below(10) {
        match rng.below(6) {
            0 => out.push_str(&format!(
                "[{}]",
                rng.pick(&["default", "prod", "", " default ", MARKER])
            )),
            1..=3 => {
                let key = rng.pick(&["secret_id", "secret_key", "token", "", "x"]);
                let value = if rng.one_in(2) {
                    format!("{MARKER}{}", gen_text(rng, 2))
                } else {
                    gen_text(rng, 3)
                };
                out.push_str(&format!("{key}{}{value}", rng.pick(&[" = ", "=", " : ", ""])));
            }
            4 => out.push_str(rng.pick(&["# comment", "; comment", "", "   "])),
            _ => out.push_str(&gen_text(rng, 4)),
        }
        out.push_str(rng.pick(&["\n", "\r\n", "\r", ""]));
    }
    out
}

/// An endpoint or a name: host-like pieces, ports, schemes and the characters a URL parser treats
/// specially.
pub fn gen_endpoint(rng: &mut Rng) -> String {
    const PARTS: [&str; 28] = [
        "http://",
        "https://",
        "HTTP://",
        "ftp://",
        "sms",
        "tencentcloudapi",
        "com",
        ".",
        "-",
        ":",
        "443",
        "0",
        "65536",
        "[",
        "]",
        "::1",
        "127.0.0.1",
        "@",
        "/",
        "\\",
        "?",
        "#",
        "%2e",
        " ",
        "\t",
        "2021-01-11",
        "ap-guangzhou",
        "SendSms",
    ];
    let mut out = String::new();
    for _ in 0..rng.below(8) {
        if rng.one_in(6) {
            out.push(char::from_u32(rng.below(0x250) as u32).unwrap_or('x'));
        } else {
            out.push_str(rng.pick(&PARTS));
        }
    }
    out
}

/// A secret as the SDK's credentials have them: base64-ish characters, 4 to 40 of them.
fn gen_secret(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-";
    (0..4 + rng.below(37))
        .map(|_| CHARS[rng.below(CHARS.len())] as char)
        .collect()
}
