//! Client overhead: SendSms through the generated SDK client vs raw HTTP clients posting the same pre-signed
//! bytes, against the same loopback server, in the same run; the official Python and Go SDKs as peers.
//!
//! ```sh
//! TC_GO_SDK_SRC=path/to/tencentcloud-sdk-go \
//!   cargo run --release -p tc-bench --bin client_overhead -- [--requests N] [--rounds R] [--no-python] [--no-go]
//! ```
//!
//! The parent process checks once that the SDK's request and the replayed bytes pass the emulator's
//! verifier, starts the fixed loopback server (`--serve`, a child process), then for concurrency 1 and 64
//! runs R rounds; each round runs one fresh worker process per client, in rotating order, so peak RSS and the
//! allocation counters belong to one client alone. Clients: `sdk`; `raw` (reqwest replaying the SDK's bytes,
//! the baseline); `hyper` (hyper-util replaying them: the floor under any Rust client); `python` and `go` (the
//! official SDKs: `python_reference.py`, `go_reference/main.go`, skipped with a note when their toolchain or
//! source is missing). It prints one line per run and a summary with medians, min–max spread and per-round
//! ratios to `raw`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tc_bench::{
    alloc_counts, bind_loopback, cpu_micros, median, peak_rss_kib, presigned_request, raw_parts, reset_alloc_counts,
    sdk_client, send_sms_request, serve_fixed, CountingAlloc,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CONCURRENCIES: [usize; 2] = [1, 64];
const PYTHON: &str = "/tmp/ref/bin/python";
/// Metrics only meaningful with `--count-allocs`.
const ALLOC_METRICS: [&str; 3] = ["peak_heap_kib", "alloc_bytes_per_req", "allocs_per_req"];
/// The Rust clients measured in every round, the baseline second.
const RUST_CLIENTS: [&str; 3] = ["sdk", "raw", "hyper"];

type Call = Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;
type Run = serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let number = |name: &str, default: usize| flag(name).map_or(default, |v| v.parse().expect(name));
    if args.first().map(String::as_str) == Some("--serve") {
        return serve();
    }
    if let Some(mode) = flag("--worker") {
        if args.iter().any(|a| a == "--count-allocs") {
            tc_bench::enable_alloc_counting();
        }
        let url = flag("--url").expect("--url");
        return worker(&mode, &url, number("--concurrency", 1), number("--requests", 20_000));
    }
    let peers = Peers {
        python: !args.iter().any(|a| a == "--no-python") && Path::new(PYTHON).exists(),
        go: if args.iter().any(|a| a == "--no-go") {
            None
        } else {
            go_peer()
        },
    };
    parent(number("--requests", 20_000), number("--rounds", 5), &peers);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The fixed-answer server, in its own process so its CPU time is measured apart and it does not count
/// towards the client's memory or allocations.
fn serve() {
    runtime().block_on(async {
        let (listener, addr) = bind_loopback().await;
        println!("listening on http://{addr}");
        serve_fixed(listener).await;
    });
}

/// One SendSms through `mode`'s client.
async fn client_call(mode: &str, url: &str) -> Call {
    match mode {
        "sdk" => {
            let client = sdk_client(url);
            let request = Arc::new(send_sms_request());
            Arc::new(move || {
                let (client, request) = (client.clone(), request.clone());
                Box::pin(async move {
                    let response = client.send_sms(&request).await.expect("SendSms");
                    assert_eq!(response.send_status_set.len(), 1);
                })
            })
        }
        "raw" => {
            let (url, headers, body) = raw_parts(&presigned_request(url).await);
            let client = reqwest::Client::new();
            Arc::new(move || {
                let request = client.post(url.as_str()).headers(headers.clone()).body(body.clone());
                Box::pin(async move {
                    let response = request.send().await.expect("POST");
                    assert!(response.status().is_success());
                    assert!(!response.bytes().await.expect("body").is_empty());
                })
            })
        }
        "hyper" => hyper_call(url).await,
        other => panic!("unknown mode {other}"),
    }
}

/// hyper-util's pooled client posting the SDK's bytes: no layer between the caller and hyper.
async fn hyper_call(url: &str) -> Call {
    use http_body_util::{BodyExt, Full};
    let (url, headers, body) = raw_parts(&presigned_request(url).await);
    let uri: hyper::Uri = url.parse().expect("URL");
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<bytes::Bytes>>();
    Arc::new(move || {
        let mut request = hyper::Request::new(Full::new(body.clone()));
        *request.method_mut() = hyper::Method::POST;
        *request.uri_mut() = uri.clone();
        *request.headers_mut() = headers.clone();
        let client = client.clone();
        Box::pin(async move {
            let response = client.request(request).await.expect("POST");
            assert!(response.status().is_success());
            assert!(!response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes()
                .is_empty());
        })
    })
}

/// What one measured run gives.
struct Measured {
    elapsed: Duration,
    cpu_micros: u64,
    allocs: tc_bench::AllocCounts,
    latencies: Vec<u32>,
}

/// One measured run of `requests` calls, `concurrency` at a time; prints one JSON line.
fn worker(mode: &str, url: &str, concurrency: usize, requests: usize) {
    let per_task = requests / concurrency;
    let requests = per_task * concurrency;
    let measured = runtime().block_on(async {
        let call = client_call(mode, url).await;
        // Warm-up: open `concurrency` pooled connections and touch every code path once.
        run_tasks(&call, concurrency, 20).await;
        let cpu0 = cpu_micros("self");
        reset_alloc_counts();
        let started = Instant::now();
        let latencies = run_tasks(&call, concurrency, per_task).await;
        Measured {
            elapsed: started.elapsed(),
            cpu_micros: cpu_micros("self") - cpu0,
            allocs: alloc_counts(),
            latencies,
        }
    });
    let Measured {
        elapsed,
        cpu_micros,
        allocs,
        mut latencies,
    } = measured;
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let per_request = |x: f64| x / requests as f64;
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "concurrency": concurrency,
            "requests": requests,
            "rps": requests as f64 / elapsed.as_secs_f64(),
            "p50_us": pct(0.50),
            "p99_us": pct(0.99),
            "cpu_us_per_req": per_request(cpu_micros as f64),
            "alloc_bytes_per_req": per_request(allocs.bytes as f64),
            "allocs_per_req": per_request(allocs.allocs as f64),
            "peak_heap_kib": allocs.peak_live_bytes / 1024,
            "peak_rss_kib": peak_rss_kib(),
        })
    );
}

/// `concurrency` tasks making `calls` calls each; the latency of every call in µs.
async fn run_tasks(call: &Call, concurrency: usize, calls: usize) -> Vec<u32> {
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    call().await;
                    latencies.push(t.elapsed().as_micros() as u32);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::with_capacity(concurrency * calls);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// Checks the SDK's request and the replayed pre-signed bytes against the emulator's verifier.
fn sanity_check() {
    runtime().block_on(async {
        let emulator = tc_emulator::Emulator::start().await.expect("emulator");
        let url = emulator.base_url();
        let response = sdk_client(&url)
            .send_sms(&send_sms_request())
            .await
            .expect("SDK SendSms on the emulator");
        assert_eq!(response.send_status_set[0].code, "Ok");
        let (url, headers, body) = raw_parts(&presigned_request(&url).await);
        let answer = reqwest::Client::new()
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let text = answer.expect("raw POST to the emulator").text().await.unwrap();
        assert!(
            text.contains(r#""Code":"Ok""#),
            "replayed request rejected by the emulator: {text}"
        );
    });
}

/// The official SDKs that can run here.
struct Peers {
    python: bool,
    go: Option<PathBuf>,
}

fn go_peer() -> Option<PathBuf> {
    match tc_bench::go_peer::build() {
        Ok(binary) => Some(binary),
        Err(why) => {
            println!("# Go SDK peer skipped: {why}");
            None
        }
    }
}

/// The loopback server process and its address.
struct Server {
    child: Child,
    pid: String,
    url: String,
}

fn start_server(exe: &Path) -> Server {
    let (child, url) = tc_bench::start_server_child(Command::new(exe).arg("--serve"));
    std::thread::sleep(Duration::from_millis(100));
    let pid = child.id().to_string();
    Server { child, pid, url }
}

/// One run of `mode`'s client; the server's CPU per request is added to its figures.
fn run_client(exe: &Path, server: &Server, mode: &str, c: usize, n: usize, count_allocs: bool, peers: &Peers) -> Run {
    let server_cpu0 = cpu_micros(&server.pid);
    let (c_text, n_text) = (c.to_string(), n.to_string());
    let mut command = match mode {
        "python" => {
            let mut command = Command::new(PYTHON);
            command.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/python_reference.py"));
            command.args([&server.url, &c_text, &n_text]);
            command
        }
        "go" => {
            let mut command = Command::new(peers.go.as_ref().expect("go peer"));
            command.args([&server.url, &c_text, &n_text]);
            command
        }
        _ => {
            let mut command = Command::new(exe);
            command.args([
                "--worker",
                mode,
                "--url",
                &server.url,
                "--concurrency",
                &c_text,
                "--requests",
                &n_text,
            ]);
            command.args(count_allocs.then_some("--count-allocs"));
            command
        }
    };
    let output = command.output().expect("worker");
    assert!(
        output.status.success(),
        "{mode} worker failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut run: Run = serde_json::from_slice(&output.stdout).expect("worker JSON");
    let requests = run["requests"].as_f64().unwrap();
    // Includes the warm-up requests, so an upper bound of the server's cost per measured request.
    run["server_cpu_us_per_req"] = ((cpu_micros(&server.pid) - server_cpu0) as f64 / requests).into();
    println!("{run}");
    run
}

/// The clients of one round, in rotating order; the official SDKs (slower) after them.
fn round(exe: &Path, server: &Server, c: usize, n: usize, index: usize, peers: &Peers) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for i in 0..RUST_CLIENTS.len() {
        let mode = RUST_CLIENTS[(index + i) % RUST_CLIENTS.len()];
        runs.push(run_client(exe, server, mode, c, n, false, peers));
    }
    if peers.python {
        // Python is ~20x slower: fewer requests, same server.
        runs.push(run_client(exe, server, "python", c, (n / 10).max(c * 10), false, peers));
    }
    if peers.go.is_some() {
        runs.push(run_client(exe, server, "go", c, n, false, peers));
    }
    runs
}

fn parent(requests: usize, rounds: usize, peers: &Peers) {
    sanity_check();
    let exe = std::env::current_exe().unwrap();
    let mut server = start_server(&exe);
    println!(
        "# client_overhead: {requests} requests per run, {rounds} rounds, {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let mut summary = String::new();
    for c in CONCURRENCIES {
        let runs: Vec<Vec<Run>> = (0..rounds)
            .map(|r| round(&exe, &server, c, requests, r, peers))
            .collect();
        // Allocation figures come from one extra run per Rust client with the counting allocator on.
        let counted: Vec<Run> = RUST_CLIENTS
            .iter()
            .map(|mode| run_client(&exe, &server, mode, c, requests, true, peers))
            .collect();
        summary += &table(c, rounds, &runs, &counted);
    }
    println!("{summary}");
    println!(
        "# load average at the end {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// The summary of one concurrency: per metric and client the median (min–max) and the median of the
/// per-round ratios to `raw`.
fn table(c: usize, rounds: usize, runs: &[Vec<Run>], counted: &[Run]) -> String {
    let metrics = [
        ("rps", "requests/s"),
        ("p50_us", "p50 µs"),
        ("p99_us", "p99 µs"),
        ("cpu_us_per_req", "client CPU µs/req"),
        ("server_cpu_us_per_req", "server CPU µs/req"),
        ("peak_rss_kib", "peak RSS KiB"),
        ("peak_heap_kib", "peak heap KiB"),
        ("alloc_bytes_per_req", "bytes allocated/req"),
        ("allocs_per_req", "allocations/req"),
    ];
    let clients = ["sdk", "raw", "hyper", "python", "go"];
    let find = |round: &[Run], mode: &str| round.iter().find(|r| r["mode"] == mode).cloned();
    let mut out =
        format!("\n### concurrency {c}: median (min–max) of {rounds} rounds; ratio: median of per-round x/raw\n\n");
    out += "| metric | SDK | raw reqwest | raw hyper | Python SDK | Go SDK | SDK/raw | hyper/raw | Python/raw | Go/raw |\n";
    out += "|---|---|---|---|---|---|---|---|---|---|\n";
    for (key, label) in metrics {
        let mut cells = Vec::new();
        let mut ratios = Vec::new();
        for mode in clients {
            let (values, per_round): (Vec<f64>, Vec<f64>) = if ALLOC_METRICS.contains(&key) {
                let value = find(counted, mode).and_then(|r| r[key].as_f64());
                let raw = find(counted, "raw").and_then(|r| r[key].as_f64());
                (
                    value.into_iter().collect(),
                    value.zip(raw).map(|(v, r)| v / r).into_iter().collect(),
                )
            } else {
                let value = |round: &Vec<Run>| find(round, mode).and_then(|r| r[key].as_f64());
                let raw = |round: &Vec<Run>| find(round, "raw").and_then(|r| r[key].as_f64());
                (
                    runs.iter().filter_map(value).collect(),
                    runs.iter().filter_map(|r| Some(value(r)? / raw(r)?)).collect(),
                )
            };
            cells.push(spread(&values));
            if mode != "raw" {
                ratios.push(if per_round.is_empty() {
                    "–".to_owned()
                } else {
                    fmt(median(per_round))
                });
            }
        }
        out += &format!("| {label} | {} | {} |\n", cells.join(" | "), ratios.join(" | "));
    }
    out
}

fn spread(v: &[f64]) -> String {
    if v.is_empty() {
        return "–".to_owned();
    }
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if v.len() == 1 {
        return fmt(min);
    }
    format!("{} ({}–{})", fmt(median(v.to_vec())), fmt(min), fmt(max))
}

fn fmt(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}
