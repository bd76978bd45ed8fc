//! Telemetry overhead: client CPU per SendSms with the SDK's tracing and metrics off vs on, same run,
//! against the fixed loopback server of `client_overhead`.
//!
//! ```sh
//! cargo run --release -p tc-bench --features metrics --bin telemetry_overhead -- [--requests N] [--rounds R]
//! ```
//!
//! - **off**: no `tracing` subscriber, no metrics recorder (the spans are disabled, the `metrics` macros
//!   find no recorder);
//! - **on**: a `tracing-subscriber` registry at DEBUG with a layer that visits every span's fields as they
//!   are created and recorded (what an OpenTelemetry layer does first, without an exporter's own cost),
//!   and the Prometheus recorder installed (the series updated on every call; nothing scrapes).
//!
//! Each round runs one fresh worker process per mode, in alternating order; the summary gives the median
//! client CPU per call of each mode and the median of the per-round on/off ratios.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use tc_bench::median;

use tc_bench::{bind_loopback, cpu_micros, sdk_client, send_sms_request, serve_fixed};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

const CONCURRENCIES: [usize; 2] = [1, 64];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if args.first().map(String::as_str) == Some("--serve") {
        runtime().block_on(async {
            let (listener, addr) = bind_loopback().await;
            println!("listening on http://{addr}");
            serve_fixed(listener).await;
        });
    } else if let Some(mode) = flag("--worker") {
        let url = flag("--url").expect("--url");
        let c: usize = flag("--concurrency").expect("--concurrency").parse().unwrap();
        let n: usize = flag("--requests").expect("--requests").parse().unwrap();
        worker(&mode, &url, c, n);
    } else {
        let requests = flag("--requests").map_or(20_000, |v| v.parse().unwrap());
        let rounds = flag("--rounds").map_or(5, |v| v.parse().unwrap());
        parent(requests, rounds);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Visits every field of every span, as a tracing-to-OpenTelemetry layer must.
struct Visiting;

struct Sink(usize);

impl Visit for Sink {
    fn record_debug(&mut self, _field: &Field, value: &dyn std::fmt::Debug) {
        self.0 += std::hint::black_box(format!("{value:?}")).len();
    }
    fn record_str(&mut self, _field: &Field, value: &str) {
        self.0 += std::hint::black_box(value).len();
    }
    fn record_u64(&mut self, _field: &Field, value: u64) {
        self.0 += std::hint::black_box(value) as usize;
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> tracing_subscriber::Layer<S>
    for Visiting
{
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: Context<'_, S>) {
        attrs.record(&mut Sink(0));
    }
    fn on_record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>, _: Context<'_, S>) {
        values.record(&mut Sink(0));
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        event.record(&mut Sink(0));
    }
}

fn worker(mode: &str, url: &str, concurrency: usize, requests: usize) {
    // `tracing` and `metrics` alone tell the two costs apart.
    if mode == "on" || mode == "tracing" {
        let subscriber = tracing_subscriber::registry()
            .with(Visiting)
            .with(tracing_subscriber::filter::LevelFilter::DEBUG);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }
    // A subscriber that only keeps spans (no layer): what the SDK's instrumentation itself costs.
    if mode == "registry" {
        let subscriber = tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::DEBUG);
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }
    if mode == "on" || mode == "metrics" {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .unwrap();
    }
    let per_task = requests / concurrency;
    let requests = per_task * concurrency;
    let (elapsed, cpu) = runtime().block_on(async move {
        let client = sdk_client(url);
        let request = Arc::new(send_sms_request());
        let run = |n: usize| {
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (client, request) = (client.clone(), request.clone());
                    tokio::spawn(async move {
                        for _ in 0..n {
                            client.send_sms(&request).await.expect("SendSms");
                        }
                    })
                })
                .collect();
            async move {
                for t in tasks {
                    t.await.unwrap();
                }
            }
        };
        run(20).await;
        let cpu0 = cpu_micros("self");
        let started = Instant::now();
        run(per_task).await;
        (started.elapsed(), cpu_micros("self") - cpu0)
    });
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "concurrency": concurrency,
            "requests": requests,
            "rps": requests as f64 / elapsed.as_secs_f64(),
            "cpu_us_per_req": cpu as f64 / requests as f64,
        })
    );
}

fn run_worker(exe: &std::path::Path, mode: &str, url: &str, c: usize, n: usize) -> f64 {
    let output = Command::new(exe)
        .args(["--worker", mode, "--url", url])
        .args(["--concurrency", &c.to_string(), "--requests", &n.to_string()])
        .output()
        .expect("worker");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).expect("worker JSON");
    println!("{run}");
    run["cpu_us_per_req"].as_f64().unwrap()
}

fn parent(requests: usize, rounds: usize) {
    let exe = std::env::current_exe().unwrap();
    let (mut server, url) = tc_bench::start_server_child(Command::new(&exe).arg("--serve"));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "# telemetry_overhead: {requests} requests per run, {rounds} rounds, load {}",
        load.trim()
    );
    let mut summary = String::from(
        "| concurrency | CPU µs/call off | CPU µs/call on | on/off (median of rounds) |\n|---|---|---|---|\n",
    );
    for c in CONCURRENCIES {
        let (mut off, mut on, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let order: [&str; 2] = if round % 2 == 0 { ["off", "on"] } else { ["on", "off"] };
            let mut got = [0.0; 2];
            for mode in order {
                got[usize::from(mode == "on")] = run_worker(&exe, mode, &url, c, requests);
            }
            off.push(got[0]);
            on.push(got[1]);
            ratios.push(got[1] / got[0]);
        }
        summary += &format!(
            "| {c} | {:.1} | {:.1} | {:.3} |\n",
            median(off),
            median(on),
            median(ratios)
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    println!("{summary}");
}
