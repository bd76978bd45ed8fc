//! SMS at campaign scale: `sdk_sms::bulk` sending campaigns of 10,000, 100,000 and 1,000,000 numbers to the
//! emulator, each in its own process, against the bound that concurrency and the emulator's latency set.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin bulk_campaign -- [--sizes 10000,100000,1000000] [--concurrency 4] [--latency-ms 20] [--no-sync]
//! ```
//!
//! The parent starts the emulator in a child process (`--serve`: a fixed latency on every request, so the
//! bound is `concurrency / latency` requests per second), then for each size runs one worker process
//! (`--worker N`) that sends the campaign (JSON-lines journal in a temporary file, 200 numbers per request)
//! and prints one JSON line: outcomes, requests, wall seconds, its own CPU (user + system) and peak RSS. The
//! parent adds requests/s as a share of the bound and CPU per number, and the load average.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use sdk_sms::bulk::{BulkConfig, BulkSender, JsonlJournal, Recipient};
use sdk_sms::v20210111::Client;
use sdk_sms::{ClientProfile, Credential, HttpProfile};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let latency_ms: u64 = flag("--latency-ms").map_or(20, |v| v.parse().expect("--latency-ms"));
    let concurrency: usize = flag("--concurrency").map_or(4, |v| v.parse().expect("--concurrency"));
    if args.first().map(String::as_str) == Some("--serve") {
        serve(latency_ms);
    } else if let Some(n) = flag("--worker") {
        let url = flag("--url").expect("--url");
        let durable = !args.iter().any(|a| a == "--no-sync");
        worker(&url, n.parse().expect("--worker N"), concurrency, durable);
    } else {
        let sizes: Vec<usize> = flag("--sizes")
            .unwrap_or_else(|| "10000,100000,1000000".into())
            .split(',')
            .map(|s| s.parse().expect("--sizes"))
            .collect();
        let no_sync = args.iter().any(|a| a == "--no-sync");
        parent(&sizes, concurrency, latency_ms, no_sync);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The emulator with a fixed latency, until killed.
fn serve(latency_ms: u64) {
    runtime().block_on(async {
        let emulator = tc_emulator::Emulator::builder()
            .fault(tc_emulator::Fault::latency(Duration::from_millis(latency_ms)))
            .request_log_capacity(0)
            .start()
            .await
            .expect("emulator");
        println!("listening on {}", emulator.base_url());
        std::future::pending::<()>().await;
    });
}

fn worker(url: &str, numbers: usize, concurrency: usize, durable: bool) {
    let journal_path = std::env::temp_dir().join(format!("bulk-campaign-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&journal_path);
    let summary = runtime().block_on(async {
        let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
        let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(url));
        let client = Client::with_profile(credential, "ap-guangzhou", profile);
        let config = BulkConfig::new(tc_emulator::SEED_SDK_APP_ID, tc_emulator::SEED_TEMPLATE_ID.to_string())
            .sign_name(tc_emulator::SEED_SIGN_NAME)
            .template_params(["4370", "5"])
            .concurrency(concurrency)
            .durable_dispatch(durable);
        let sender = BulkSender::new(&client, config);
        // Generated lazily: the input is never in memory as a whole.
        let input = (0..numbers as u64).map(|i| Recipient::new(format!("+86138{i:08}")));
        let mut campaign = sender.send_iter(input, JsonlJournal::open(&journal_path).expect("journal"));
        let mut outcomes = 0u64;
        while campaign.next().await.is_some() {
            outcomes += 1;
        }
        let summary = campaign.finish().await.expect("campaign");
        assert_eq!(outcomes as usize, numbers, "one outcome per number");
        summary
    });
    let _ = std::fs::remove_file(&journal_path);
    let cpu_us = tc_bench::cpu_micros("self");
    println!(
        "{}",
        serde_json::json!({
            "numbers": numbers,
            "sent": summary.sent,
            "send_requests": summary.send_requests,
            "wall_s": summary.duration.as_secs_f64(),
            "cpu_s": cpu_us as f64 / 1e6,
            "peak_rss_kib": tc_bench::peak_rss_kib(),
        })
    );
}

fn parent(sizes: &[usize], concurrency: usize, latency_ms: u64, no_sync: bool) {
    let exe = std::env::current_exe().expect("exe");
    let mut server = Command::new(&exe)
        .args(["--serve", "--latency-ms", &latency_ms.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("server address")
        .to_owned();
    let bound = concurrency as f64 * 1000.0 / latency_ms as f64;
    println!(
        "# bulk_campaign: concurrency {concurrency}, emulator latency {latency_ms} ms (bound {bound:.0} requests/s), \
         200 numbers per request, journal synced before each request: {}, load average {}",
        !no_sync,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    println!("\n| numbers | sent | requests | wall s | requests/s | of bound | client CPU µs/number | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|");
    for &n in sizes {
        let out = Command::new(&exe)
            .args([
                "--worker",
                &n.to_string(),
                "--url",
                &url,
                "--concurrency",
                &concurrency.to_string(),
            ])
            .output()
            .expect("worker");
        assert!(
            out.status.success(),
            "worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("worker JSON");
        let requests = r["send_requests"].as_f64().unwrap();
        let wall = r["wall_s"].as_f64().unwrap();
        let rps = requests / wall;
        println!(
            "| {n} | {} | {requests} | {wall:.2} | {rps:.1} | {:.2} | {:.1} | {:.1} |",
            r["sent"],
            rps / bound,
            r["cpu_s"].as_f64().unwrap() * 1e6 / n as f64,
            r["peak_rss_kib"].as_f64().unwrap() / 1024.0
        );
    }
    println!(
        "\n# load average at the end: {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let _ = server.kill();
    let _ = server.wait();
}
