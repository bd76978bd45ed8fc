//! Client overhead: SendSms through the generated SDK client vs raw `reqwest` posting the same pre-signed
//! bytes, against the same loopback server, in the same run; the official Python SDK as a second reference.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin client_overhead -- [--requests N] [--rounds R] [--no-python]
//! ```
//!
//! The parent process checks once that both request kinds pass the emulator's verifier, starts the fixed
//! loopback server (`--serve`, a child process), then for concurrency 1 and 64 runs R rounds; each round runs
//! one fresh worker process per client (`--worker sdk|raw`), in alternating order, so peak RSS and the
//! allocation counters belong to one client alone. It prints one line per run and a summary with medians,
//! min–max spread and per-round SDK/raw ratios.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tc_bench::{
    alloc_counts, bind_loopback, cpu_micros, peak_rss_kib, presigned_request, raw_parts, reset_alloc_counts,
    sdk_client, send_sms_request, serve_fixed, CountingAlloc,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CONCURRENCIES: [usize; 2] = [1, 64];
const PYTHON: &str = "/tmp/ref/bin/python";
/// Metrics only meaningful with `--count-allocs`.
const ALLOC_METRICS: [&str; 3] = ["peak_heap_kib", "alloc_bytes_per_req", "allocs_per_req"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if args.first().map(String::as_str) == Some("--serve") {
        serve();
    } else if let Some(mode) = flag("--worker") {
        let url = flag("--url").expect("--url");
        let concurrency: usize = flag("--concurrency").expect("--concurrency").parse().unwrap();
        let requests: usize = flag("--requests").expect("--requests").parse().unwrap();
        if args.iter().any(|a| a == "--count-allocs") {
            tc_bench::enable_alloc_counting();
        }
        worker(&mode, &url, concurrency, requests);
    } else {
        let requests: usize = flag("--requests").map_or(20_000, |v| v.parse().unwrap());
        let rounds: usize = flag("--rounds").map_or(5, |v| v.parse().unwrap());
        let python = !args.iter().any(|a| a == "--no-python") && std::path::Path::new(PYTHON).exists();
        parent(requests, rounds, python);
    }
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

/// One measured run; prints one JSON line.
fn worker(mode: &str, url: &str, concurrency: usize, requests: usize) {
    let rt = runtime();
    let per_task = requests / concurrency;
    let requests = per_task * concurrency;
    let result = rt.block_on(async move {
        let call: Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync> =
            match mode {
                "sdk" => {
                    let client = sdk_client(url);
                    let request = Arc::new(send_sms_request());
                    Arc::new(move || {
                        let client = client.clone();
                        let request = request.clone();
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
                            let body = response.bytes().await.expect("body");
                            assert!(!body.is_empty());
                        })
                    })
                }
                other => panic!("unknown mode {other}"),
            };
        // Warm-up: open `concurrency` pooled connections and touch every code path once.
        let warm: Vec<_> = (0..concurrency)
            .map(|_| {
                let call = call.clone();
                tokio::spawn(async move {
                    for _ in 0..20 {
                        call().await;
                    }
                })
            })
            .collect();
        for w in warm {
            w.await.unwrap();
        }
        let mut latencies: Vec<Vec<u32>> = (0..concurrency).map(|_| Vec::with_capacity(per_task)).collect();
        let cpu0 = cpu_micros("self");
        reset_alloc_counts();
        let started = Instant::now();
        let tasks: Vec<_> = latencies
            .drain(..)
            .map(|mut lat| {
                let call = call.clone();
                tokio::spawn(async move {
                    for _ in 0..per_task {
                        let t = Instant::now();
                        call().await;
                        lat.push(t.elapsed().as_micros() as u32);
                    }
                    lat
                })
            })
            .collect();
        for t in tasks {
            latencies.push(t.await.unwrap());
        }
        let elapsed = started.elapsed();
        let allocs = alloc_counts();
        let cpu = cpu_micros("self") - cpu0;
        (elapsed, cpu, allocs, latencies)
    });
    let (elapsed, cpu, allocs, latencies) = result;
    let mut all: Vec<u32> = latencies.into_iter().flatten().collect();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "concurrency": concurrency,
            "requests": requests,
            "rps": requests as f64 / elapsed.as_secs_f64(),
            "p50_us": pct(0.50),
            "p99_us": pct(0.99),
            "cpu_us_per_req": cpu as f64 / requests as f64,
            "alloc_bytes_per_req": allocs.bytes as f64 / requests as f64,
            "allocs_per_req": allocs.allocs as f64 / requests as f64,
            "peak_heap_kib": allocs.peak_live_bytes / 1024,
            "peak_rss_kib": peak_rss_kib(),
        })
    );
}

/// Checks the SDK's request and the raw baseline's pre-signed bytes against the emulator's verifier.
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
        let text = reqwest::Client::new()
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .expect("raw POST to the emulator")
            .text()
            .await
            .unwrap();
        assert!(
            text.contains(r#""Code":"Ok""#),
            "raw request rejected by the emulator: {text}"
        );
    });
}

type Run = serde_json::Value;
/// One round: SDK, raw reqwest, Python (when run).
type Round = (Run, Run, Option<Run>);

fn run_worker(exe: &std::path::Path, server_pid: &str, mode: &str, url: &str, c: usize, n: usize) -> Run {
    run_worker_with(exe, server_pid, mode, url, c, n, false)
}

fn run_worker_with(
    exe: &std::path::Path,
    server_pid: &str,
    mode: &str,
    url: &str,
    c: usize,
    n: usize,
    count_allocs: bool,
) -> Run {
    let server_cpu0 = cpu_micros(server_pid);
    let output = if mode == "python" {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python_reference.py");
        Command::new(PYTHON)
            .args([script, url, &c.to_string(), &n.to_string()])
            .output()
            .expect("python")
    } else {
        Command::new(exe)
            .args(["--worker", mode, "--url", url])
            .args(["--concurrency", &c.to_string(), "--requests", &n.to_string()])
            .args(count_allocs.then_some("--count-allocs"))
            .output()
            .expect("worker")
    };
    assert!(
        output.status.success(),
        "{mode} worker failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut run: Run = serde_json::from_slice(&output.stdout).expect("worker JSON");
    let requests = run["requests"].as_f64().unwrap();
    // Includes the warm-up requests, so an upper bound of the server's cost per measured request.
    run["server_cpu_us_per_req"] = ((cpu_micros(server_pid) - server_cpu0) as f64 / requests).into();
    println!("{run}");
    run
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn spread(v: &[f64]) -> String {
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    format!("{} ({}–{})", fmt(median(v.to_vec())), fmt(min), fmt(max))
}

fn fmt(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn parent(requests: usize, rounds: usize, python: bool) {
    sanity_check();
    let exe = std::env::current_exe().unwrap();
    let mut server = Command::new(&exe)
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let server_pid = server.id().to_string();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("server address")
        .to_owned();
    std::thread::sleep(Duration::from_millis(100));

    println!(
        "# client_overhead: {requests} requests per run, {rounds} rounds, {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
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
    let mut summary = String::new();
    for c in CONCURRENCIES {
        let mut runs: Vec<Round> = Vec::new();
        for round in 0..rounds {
            let (sdk, raw) = if round % 2 == 0 {
                let sdk = run_worker(&exe, &server_pid, "sdk", &url, c, requests);
                (sdk, run_worker(&exe, &server_pid, "raw", &url, c, requests))
            } else {
                let raw = run_worker(&exe, &server_pid, "raw", &url, c, requests);
                (run_worker(&exe, &server_pid, "sdk", &url, c, requests), raw)
            };
            // Python is ~20x slower: fewer requests, same server.
            let py = python.then(|| run_worker(&exe, &server_pid, "python", &url, c, (requests / 10).max(c * 10)));
            runs.push((sdk, raw, py));
        }
        // Allocation figures come from one extra run per client with the counting allocator on.
        let counted = (
            run_worker_with(&exe, &server_pid, "sdk", &url, c, requests, true),
            run_worker_with(&exe, &server_pid, "raw", &url, c, requests, true),
        );
        let col = |f: &dyn Fn(&Round) -> Option<f64>| -> Vec<f64> { runs.iter().filter_map(f).collect() };
        summary += &format!(
            "\n### concurrency {c}: median (min–max) of {rounds} rounds; allocations from one counted run each\n\n"
        );
        summary += "| metric | SDK | raw reqwest | SDK/raw (per-round ratios) | Python SDK | Python/raw |\n";
        summary += "|---|---|---|---|---|---|\n";
        for (key, label) in metrics {
            if ALLOC_METRICS.contains(&key) {
                let (sdk, raw) = (counted.0[key].as_f64().unwrap(), counted.1[key].as_f64().unwrap());
                summary += &format!(
                    "| {label} | {} | {} | {} | – | – |\n",
                    fmt(sdk),
                    fmt(raw),
                    fmt(sdk / raw)
                );
                continue;
            }
            let sdk = col(&|r| r.0[key].as_f64());
            let raw = col(&|r| r.1[key].as_f64());
            let ratios = col(&|r| Some(r.0[key].as_f64()? / r.1[key].as_f64()?));
            let py = col(&|r| r.2.as_ref()?[key].as_f64());
            let py_ratio = col(&|r| Some(r.2.as_ref()?[key].as_f64()? / r.1[key].as_f64()?));
            let opt = |v: &[f64]| if v.is_empty() { "–".to_owned() } else { spread(v) };
            summary += &format!(
                "| {label} | {} | {} | {} | {} | {} |\n",
                spread(&sdk),
                spread(&raw),
                spread(&ratios),
                opt(&py),
                opt(&py_ratio)
            );
        }
    }
    println!("{summary}");
    let _ = server.kill();
    let _ = server.wait();
}
