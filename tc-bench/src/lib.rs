//! Shared pieces of the benchmarks in BENCHMARKS.md: the SendSms request, a counting global allocator, the
//! minimal loopback server, and capturing the exact bytes the SDK sends so the raw baseline posts the same.
//!
//! Every figure is a ratio against a baseline measured in the same run on the same machine; see
//! `BENCHMARKS.md` at the repository root for the commands and the results.

pub mod go_peer;
pub mod pg;

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::transport::{Transport, TransportFuture};
use sdk_core::{HttpRequest, HttpResponse};
use sdk_sms::v20210111::{Client, SendSmsRequest, SendSmsRequired};
use sdk_sms::{ClientProfile, Credential, HttpProfile};

/// SecretId used everywhere (the emulator's, so the same requests also pass its verifier).
pub const SECRET_ID: &str = tc_emulator::DEFAULT_SECRET_ID;
/// SecretKey paired with [`SECRET_ID`].
pub const SECRET_KEY: &str = tc_emulator::DEFAULT_SECRET_KEY;
/// Region sent with every request.
pub const REGION: &str = "ap-guangzhou";

/// The request every benchmark sends: the emulator's seed app, sign and two-parameter template.
pub fn send_sms_request() -> SendSmsRequest {
    SendSmsRequest::new(SendSmsRequired {
        phone_number_set: vec!["+8618501234444".into()],
        sms_sdk_app_id: "1400006666".into(),
        template_id: "1110".into(),
    })
    .sign_name("腾讯云")
    .template_param_set(vec!["4370".into(), "5".into()])
}

/// A real-looking SendSms answer (shape and size of Tencent's documented example), served as is by
/// [`serve_fixed`] whatever the request.
pub const SEND_SMS_RESPONSE: &str = concat!(
    r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","#,
    r#""PhoneNumber":"+8618501234444","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","#,
    r#""IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#
);

/// The generated SMS client pointed at `base_url` (`http://127.0.0.1:PORT`).
pub fn sdk_client(base_url: &str) -> Client {
    let credential = Credential::new(SECRET_ID, SECRET_KEY).expect("valid credential");
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(base_url));
    Client::with_profile(credential, REGION, profile)
}

/// A transport that keeps the request it is given and answers [`SEND_SMS_RESPONSE`].
#[derive(Debug, Default, Clone)]
struct Capture(Arc<Mutex<Option<HttpRequest>>>);

impl Transport for Capture {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        *self.0.lock().unwrap() = Some(request);
        Box::pin(async { Ok(HttpResponse::new(200, SEND_SMS_RESPONSE.as_bytes().to_vec())) })
    }
}

/// The exact request (URL, headers including `Authorization`, body) the SDK sends for
/// [`send_sms_request`] to `base_url`, signed now. The raw baseline posts these bytes over and over.
pub async fn presigned_request(base_url: &str) -> HttpRequest {
    let capture = Capture::default();
    let client = Client::from_core(sdk_client(base_url).core().with_transport(capture.clone()));
    client.send_sms(&send_sms_request()).await.expect("captured call");
    let request = capture.0.lock().unwrap().take();
    request.expect("the SDK sent a request")
}

/// A `reqwest` request builder for `request`, as a hand-written caller would post pre-signed bytes.
pub fn raw_parts(request: &HttpRequest) -> (String, reqwest::header::HeaderMap, Bytes) {
    (request.url.clone(), request.headers.clone(), request.body.clone())
}

/// Serves [`SEND_SMS_RESPONSE`] to every request on `listener` (HTTP/1.1, keep-alive), without looking at
/// the request beyond reading its body: the cheapest server that still behaves like one, so that client
/// costs dominate the measurement. Runs until the process ends.
pub async fn serve_fixed(listener: tokio::net::TcpListener) {
    let body = Bytes::from_static(SEND_SMS_RESPONSE.as_bytes());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let body = body.clone();
                async move {
                    // Read the request body as a real server would, then answer.
                    let _ = request.into_body().collect().await;
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("Content-Type", "application/json")
                            .body(Full::new(body))
                            .expect("static response"),
                    )
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Binds `127.0.0.1:0` for [`serve_fixed`].
pub async fn bind_loopback() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// A global allocator that counts what passes through it. Install it with
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;` in a benchmark binary.
///
/// A `realloc` counts as one allocation of the new size (as dhat does). Counting is off until
/// [`enable_alloc_counting`]: the atomics cost ~10% of a request's CPU and more to the client that allocates
/// more, so throughput and latency runs leave it off.
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);

/// Starts counting (for the rest of the process).
pub fn enable_alloc_counting() {
    COUNTING.store(true, Relaxed);
}

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

/// Counters of [`CountingAlloc`] since the last [`reset_alloc_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocCounts {
    /// Number of allocations (including reallocations).
    pub allocs: u64,
    /// Bytes requested by those allocations.
    pub bytes: u64,
    /// Highest number of live heap bytes counted since counting started (allocations made before
    /// [`enable_alloc_counting`] are not known, and their frees are not subtracted).
    pub peak_live_bytes: i64,
}

/// Zeroes the allocation counters and sets the peak to the current live bytes.
pub fn reset_alloc_counts() {
    ALLOCS.store(0, Relaxed);
    ALLOC_BYTES.store(0, Relaxed);
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

/// Live heap bytes counted now (relative to when counting started).
pub fn live_bytes() -> i64 {
    LIVE.load(Relaxed)
}

/// The counters now.
pub fn alloc_counts() -> AllocCounts {
    AllocCounts {
        allocs: ALLOCS.load(Relaxed),
        bytes: ALLOC_BYTES.load(Relaxed),
        peak_live_bytes: PEAK.load(Relaxed),
    }
}

fn record_alloc(size: usize) {
    if !COUNTING.load(Relaxed) {
        return;
    }
    ALLOCS.fetch_add(1, Relaxed);
    ALLOC_BYTES.fetch_add(size as u64, Relaxed);
    let live = LIVE.fetch_add(size as i64, Relaxed) + size as i64;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are plain atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record_alloc(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record_alloc(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        record_alloc(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

/// `VmHWM` (peak resident set size) of this process in KiB, from `/proc/self/status`; 0 where unavailable.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// User + system CPU time of process `pid` (`self` or a number) in microseconds, from `/proc/PID/stat`.
pub fn cpu_micros(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the `(comm)`; utime and stime are fields 14 and 15 of the whole line.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // USER_HZ is 100 on every Linux we run on.
    ticks * 10_000
}

/// The median of `values` (the mean of the two middle ones for an even count); NaN-free input assumed.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Starts a benchmark's server child (`command`, its stdout piped) and reads the URL from its first line,
/// `listening on URL`.
pub fn start_server_child(command: &mut std::process::Command) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = command.stdout(std::process::Stdio::piped()).spawn().expect("server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("server address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("server address")
        .to_owned();
    (child, url)
}
