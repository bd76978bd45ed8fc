//! Streaming overhead: hunyuan `ChatCompletions` with `Stream: true` through the generated SDK
//! (`chat_completions_stream`: SSE parsing, typed decoding of every event) vs raw `reqwest` reading the same
//! SSE bytes (same pre-signed request, chunks counted, no parsing), and vs raw `reqwest` that also splits
//! the events and decodes each into the same type with plain `serde_json` (what a hand-written client of
//! typed events does at least), from the same emulator, in the same run. A fourth reader is the SDK without
//! the typed decoding (`EventStream::into_raw`: the same transport, SSE parsing, limits and idle timer,
//! events handed out as text): that is what the SDK adds over raw bytes.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin stream_overhead -- [--events 20000] [--rounds 7]
//! ```
//!
//! The emulator runs in a child process (`--serve`), so its CPU and memory are not the client's; it answers
//! every stream with the events of the API's streaming example, repeated. Each round runs the SDK and the
//! raw client once each, in alternating order, on streams of `--events` events, and measures time to the
//! first complete event and events per second; the summary gives medians and per-round SDK/raw ratios.
//! Then the SDK reads one stream of 10,000, one of 100,000 and one of 1,000,000 events with heap counting on: the peak of
//! live heap bytes while streaming must not grow with the stream's length. (All are longer than what
//! hyper's connection read buffer holds, ≈ 408 KiB, which fills when the server outpaces the client.) The load average is printed too.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tc_bench::median;

use sdk_core::transport::{Transport, TransportFuture};
use sdk_core::{Error, HttpRequest};
use sdk_hunyuan::v20230901::{ChatCompletionsRequest, ChatCompletionsResponse, Client, Message};
use sdk_hunyuan::{ClientProfile, Credential, HttpProfile};
use tc_bench::{alloc_counts, enable_alloc_counting, live_bytes, reset_alloc_counts, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let events: u64 = flag("--events").map_or(20_000, |v| v.parse().expect("--events N"));
    if args.first().map(String::as_str) == Some("--serve") {
        serve(events);
    } else {
        let rounds: usize = flag("--rounds").map_or(7, |v| v.parse().expect("--rounds N"));
        parent(events, rounds);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Four emulators (the throughput streams, and 10,000 / 100,000 / 1,000,000 events for memory), until killed.
fn serve(events: u64) {
    runtime().block_on(async {
        let mut running = Vec::new();
        for n in [events, 10_000, 100_000, 1_000_000] {
            let emulator = tc_emulator::Emulator::builder()
                .stream_events(n)
                .request_log_capacity(0)
                .start()
                .await
                .expect("emulator");
            println!("{}", emulator.base_url());
            running.push(emulator);
        }
        std::future::pending::<()>().await;
    });
}

#[allow(deprecated)] // ChatCompletions: see sdk-hunyuan/examples/chat_stream.rs
fn parent(events: u64, rounds: usize) {
    let exe = std::env::current_exe().expect("own path");
    let mut server = Command::new(&exe)
        .args(["--serve", "--events", &events.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut url = || lines.next().expect("a URL").expect("a line");
    let (main_url, small_url, large_url, huge_url) = (url(), url(), url(), url());
    let load_before = loadavg();
    let rt = runtime();
    let mut sdk_runs = Vec::new();
    let mut raw_runs = Vec::new();
    let mut decode_runs = Vec::new();
    let mut sdk_raw_runs = Vec::new();
    rt.block_on(async {
        let client = client(&main_url);
        let raw = reqwest::Client::new();
        // Warm up both (connections, first-use costs), and check the raw bytes are events the SDK reads.
        let warm = sdk_stream(&client).await;
        let warm_raw = raw_stream(&raw, presigned(&main_url).await).await;
        assert_eq!(
            (warm.events, warm_raw.events),
            (events, events),
            "both read every event"
        );
        let warm_decode = raw_stream_decoded(&raw, presigned(&main_url).await).await;
        assert_eq!(warm_decode.events, events, "the decoding reader reads every event");
        assert_eq!(
            sdk_raw_stream(&client).await.events,
            events,
            "the SDK's raw stream reads every event"
        );
        for round in 0..rounds {
            // Each reader goes first, second, third and fourth in turn.
            for k in 0..4 {
                match (round + k) % 4 {
                    0 => sdk_runs.push(sdk_stream(&client).await),
                    1 => raw_runs.push(raw_stream(&raw, presigned(&main_url).await).await),
                    2 => decode_runs.push(raw_stream_decoded(&raw, presigned(&main_url).await).await),
                    _ => sdk_raw_runs.push(sdk_raw_stream(&client).await),
                }
            }
        }
    });
    // Time to first event from many samples: pairs of 10,000-event streams (read to the end, so the
    // connection is pooled again), alternating which goes first. One sample per long stream per round is
    // too few for a latency of a few milliseconds on a shared machine.
    let first_events: Vec<(Duration, Duration)> = rt.block_on(async {
        let client = client(&small_url);
        let raw = reqwest::Client::new();
        let mut pairs = Vec::new();
        for i in 0..FIRST_EVENT_PAIRS {
            let presigned = presigned(&small_url).await;
            let pair = if i % 2 == 0 {
                let sdk = sdk_stream(&client).await.first;
                (sdk, raw_stream(&raw, presigned).await.first)
            } else {
                let raw = raw_stream(&raw, presigned).await.first;
                (sdk_stream(&client).await.first, raw)
            };
            pairs.push(pair);
        }
        pairs
    });
    let memory: Vec<(u64, i64)> = [(10_000u64, &small_url), (100_000, &large_url), (1_000_000, &huge_url)]
        .into_iter()
        .map(|(n, url)| {
            let client = client(url);
            enable_alloc_counting();
            reset_alloc_counts();
            let before = live_bytes();
            let run = rt.block_on(sdk_stream(&client));
            assert_eq!(run.events, n);
            (n, alloc_counts().peak_live_bytes - before)
        })
        .collect();
    let _ = server.kill();
    let _ = server.wait();
    report(events, &sdk_runs, &raw_runs, &memory, &load_before);
    print_throughput_ratio(
        "SDK / raw reqwest that also decodes each event into the same type",
        &sdk_runs,
        &decode_runs,
        "that reader's",
    );
    print_throughput_ratio(
        "SDK raw events (no typed decoding) / raw reqwest counting bytes",
        &sdk_raw_runs,
        &raw_runs,
        "goal >= 0.95; the SDK raw reader's",
    );
    let ratios: Vec<f64> = first_events.iter().map(|(s, r)| ms(*s) / ms(*r)).collect();
    let (min, max) = spread(&ratios);
    println!(
        "time to first event, {} pairs of 10,000-event streams: SDK median {:.3} ms, raw {:.3} ms; \
         SDK/raw per pair: median {:.3} (min {min:.3}, max {max:.3}); goal <= 1.10",
        first_events.len(),
        median(first_events.iter().map(|p| ms(p.0)).collect()),
        median(first_events.iter().map(|p| ms(p.1)).collect()),
        median(ratios.clone()),
    );
}

/// Pairs of streams (SDK, raw) measured for the time to the first event.
const FIRST_EVENT_PAIRS: usize = 101;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Per-round events/s of `a` over `b`: median and range, then `a`'s own median rate (named by `a_name`).
fn print_throughput_ratio(what: &str, a: &[Run], b: &[Run], a_name: &str) {
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.events_per_sec() / y.events_per_sec())
        .collect();
    let (min, max) = spread(&ratios);
    println!(
        "events/s, {what}: median {:.3} (min {min:.3}, max {max:.3}); {a_name} median {:.0} events/s",
        median(ratios.clone()),
        median(a.iter().map(Run::events_per_sec).collect()),
    );
}

struct Run {
    events: u64,
    first: Duration,
    total: Duration,
}

impl Run {
    fn events_per_sec(&self) -> f64 {
        self.events as f64 / self.total.as_secs_f64()
    }
}

fn client(url: &str) -> Client {
    let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).expect("key");
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(url));
    Client::with_profile(credential, "ap-guangzhou", profile)
}

fn request() -> ChatCompletionsRequest {
    ChatCompletionsRequest::new("hunyuan-lite", vec![Message::new("user").content("hello")]).stream(true)
}

#[allow(deprecated)]
async fn sdk_stream(client: &Client) -> Run {
    let started = Instant::now();
    let mut stream = client.chat_completions_stream(&request()).await.expect("stream");
    let mut first = None;
    let mut events = 0;
    while let Some(event) = stream.next().await {
        let event = event.expect("event");
        std::hint::black_box(&event);
        first.get_or_insert_with(|| started.elapsed());
        events += 1;
    }
    Run {
        events,
        first: first.unwrap_or_default(),
        total: started.elapsed(),
    }
}

/// The SDK's stream without the typed decoding: events as the SSE parser hands them out.
#[allow(deprecated)]
async fn sdk_raw_stream(client: &Client) -> Run {
    let started = Instant::now();
    let mut stream = client
        .chat_completions_stream(&request())
        .await
        .expect("stream")
        .into_raw();
    let mut first = None;
    let mut events = 0;
    while let Some(event) = stream.next().await {
        let event = event.expect("event");
        std::hint::black_box(event.data());
        first.get_or_insert_with(|| started.elapsed());
        events += 1;
    }
    Run {
        events,
        first: first.unwrap_or_default(),
        total: started.elapsed(),
    }
}

/// The SDK's own signed request for one stream, captured before sending (valid for five minutes).
#[allow(deprecated)]
async fn presigned(url: &str) -> HttpRequest {
    #[derive(Debug, Clone, Default)]
    struct Capture(Arc<Mutex<Option<HttpRequest>>>);
    impl Transport for Capture {
        fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
            *self.0.lock().expect("lock") = Some(request);
            Box::pin(async { Err(Error::transport("captured, not sent")) })
        }
    }
    let capture = Capture::default();
    let client = client(url).core().with_transport(capture.clone());
    let client = Client::from_core(client.with_retry_policy(sdk_core::RetryPolicy::none()));
    let _ = client.chat_completions_stream(&request()).await;
    let request = capture.0.lock().expect("lock").take();
    request.expect("a captured request")
}

/// The pre-signed request through plain reqwest; the answer must be a 200.
async fn send_raw(raw: &reqwest::Client, request: &HttpRequest) -> reqwest::Response {
    let response = raw
        .post(&request.url)
        .headers(request.headers.clone())
        .body(request.body.clone())
        .send()
        .await
        .expect("raw send");
    assert_eq!(response.status(), 200);
    response
}

/// Raw reqwest: the same bytes out, the body read chunk by chunk; an event is complete at each blank line.
async fn raw_stream(raw: &reqwest::Client, request: HttpRequest) -> Run {
    let started = Instant::now();
    let mut response = send_raw(raw, &request).await;
    let mut first = None;
    let mut events = 0;
    let mut last = 0u8;
    while let Some(chunk) = response.chunk().await.expect("raw chunk") {
        // Count "\n\n" across chunk boundaries: the least any reader must do to know an event ended.
        for &b in chunk.iter() {
            if b == b'\n' && last == b'\n' {
                events += 1;
                first.get_or_insert_with(|| started.elapsed());
            }
            last = b;
        }
    }
    Run {
        events,
        first: first.unwrap_or_default(),
        total: started.elapsed(),
    }
}

/// Raw reqwest doing what any reader of typed events must: split the bytes into events at blank lines and
/// decode each `data:` line into `ChatCompletionsResponse` with plain `serde_json` (no error checks, no
/// limits, no timeouts: the least a hand-written client does).
async fn raw_stream_decoded(raw: &reqwest::Client, request: HttpRequest) -> Run {
    let started = Instant::now();
    let mut response = send_raw(raw, &request).await;
    let mut first = None;
    let mut events = 0;
    let mut line: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("raw chunk") {
        for part in chunk.split_inclusive(|&b| b == b'\n') {
            line.extend_from_slice(part);
            if !line.ends_with(b"\n") {
                continue;
            }
            if let Some(data) = line.strip_prefix(b"data: ") {
                let event: ChatCompletionsResponse = serde_json::from_slice(data).expect("an event");
                std::hint::black_box(&event);
                events += 1;
                first.get_or_insert_with(|| started.elapsed());
            }
            line.clear();
        }
    }
    Run {
        events,
        first: first.unwrap_or_default(),
        total: started.elapsed(),
    }
}

fn spread(v: &[f64]) -> (f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (min, max)
}

fn report(events: u64, sdk: &[Run], raw: &[Run], memory: &[(u64, i64)], load_before: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "# stream_overhead: {} rounds of {events}-event streams, SDK and raw alternating",
        sdk.len()
    );
    println!("| round | SDK first event ms | raw first event ms | SDK events/s | raw events/s | SDK/raw events/s |");
    println!("|---|---|---|---|---|---|");
    let mut throughput = Vec::new();
    let mut first = Vec::new();
    for (i, (s, r)) in sdk.iter().zip(raw).enumerate() {
        let ratio = s.events_per_sec() / r.events_per_sec();
        throughput.push(ratio);
        first.push(ms(r.first) / ms(s.first));
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.0} | {:.3} |",
            i + 1,
            ms(s.first),
            ms(r.first),
            s.events_per_sec(),
            r.events_per_sec(),
            ratio
        );
    }
    let (tmin, tmax) = spread(&throughput);
    let (fmin, fmax) = spread(&first);
    println!(
        "\nevents/s, SDK/raw: median {:.3} (min {tmin:.3}, max {tmax:.3}); goal >= 0.95",
        median(throughput.clone())
    );
    println!(
        "time to first event, raw/SDK (1.0 = as fast as raw): median {:.3} (min {fmin:.3}, max {fmax:.3})",
        median(first.clone())
    );
    println!(
        "medians: SDK {:.2} ms to first event, {:.0} events/s; raw {:.2} ms, {:.0} events/s",
        median(sdk.iter().map(|r| ms(r.first)).collect()),
        median(sdk.iter().map(Run::events_per_sec).collect()),
        median(raw.iter().map(|r| ms(r.first)).collect()),
        median(raw.iter().map(Run::events_per_sec).collect()),
    );
    for (n, peak) in memory {
        println!(
            "SDK peak heap growth while reading a {n}-event stream: {:.1} KiB",
            *peak as f64 / 1024.0
        );
    }
    println!("load average: before {load_before}, after {}", loadavg());
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
