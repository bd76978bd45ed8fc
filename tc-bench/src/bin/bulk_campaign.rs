//! SMS at campaign scale: `sdk_sms::bulk` sending campaigns of 10,000, 100,000 and 1,000,000 numbers to the
//! emulator, each in its own process, against the bound that concurrency and the emulator's latency set.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin bulk_campaign -- [--sizes 10000,100000,1000000] [--concurrency 4] [--latency-ms 20] [--no-sync] [--per-number]
//! cargo run --release -p tc-bench --bin bulk_campaign -- --stores [--numbers 100000] [--latency-ms 5]
//! ```
//!
//! `--stores`: one campaign of `--numbers` through each place a campaign can live, same run, same
//! emulator: the JSON-lines journal, the SQLite store, the PostgreSQL store with one worker and with three
//! worker processes (a throwaway PostgreSQL 15 cluster in a temporary directory, as `nobody` when run as
//! root; `PG_BIN` overrides `/usr/lib/postgresql/15/bin`). Numbers per second is the campaign's size over
//! the wall time of its slowest worker; peak RSS is per worker process.
//!
//! The parent starts the emulator in a child process (`--serve`: a fixed latency on every request, so the
//! bound is `concurrency / latency` requests per second), then for each size runs one worker process
//! (`--worker N`) that sends the campaign (JSON-lines journal in a temporary file, 200 numbers per request)
//! and prints one JSON line: outcomes, requests, wall seconds, its own CPU (user + system) and peak RSS. The
//! parent adds requests/s as a share of the bound and CPU per number, and the load average. `--per-number`:
//! every number has its own template parameters (a code), so each request carries one number and the
//! campaign runs at the request-rate bound.

use std::process::{Command, Stdio};
use std::time::Duration;

use sdk_sms::bulk::pg::PgStore;
use sdk_sms::bulk::store::SqliteStore;
use sdk_sms::bulk::{BulkConfig, BulkSender, CampaignIdentity, Journal, JsonlJournal, Recipient};
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
        let store = flag("--store").unwrap_or_else(|| "jsonl".into());
        let per_number = args.iter().any(|a| a == "--per-number");
        worker(
            &url,
            n.parse().expect("--worker N"),
            concurrency,
            durable,
            &store,
            per_number,
        );
    } else if args.iter().any(|a| a == "--stores") {
        let n: usize = flag("--numbers").map_or(100_000, |v| v.parse().expect("--numbers"));
        stores(n, concurrency, latency_ms);
    } else {
        let sizes: Vec<usize> = flag("--sizes")
            .unwrap_or_else(|| "10000,100000,1000000".into())
            .split(',')
            .map(|s| s.parse().expect("--sizes"))
            .collect();
        let no_sync = args.iter().any(|a| a == "--no-sync");
        let per_number = args.iter().any(|a| a == "--per-number");
        parent(&sizes, concurrency, latency_ms, no_sync, per_number);
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

/// The journal or store a worker writes to: `jsonl` (a temporary file), `sqlite:PATH`, `postgres://...`.
fn journal(store: &str, config: &BulkConfig, temp: &std::path::Path) -> Box<dyn Journal> {
    let identity = CampaignIdentity::of(config);
    if let Some(path) = store.strip_prefix("sqlite:") {
        Box::new(SqliteStore::open(path, &identity).expect("sqlite store"))
    } else if store.starts_with("postgres://") {
        Box::new(PgStore::open(store, &identity).expect("postgres store"))
    } else {
        Box::new(JsonlJournal::open(temp).expect("journal"))
    }
}

/// The same requests without the campaign machinery: `concurrency` tasks sending one number per
/// `SendSms`, back to back. With `--per-number`, the rate a campaign is compared with besides the bound.
fn plain_worker(url: &str, numbers: usize, concurrency: usize) {
    let started = std::time::Instant::now();
    let sent = runtime().block_on(async {
        let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
        let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(url));
        let client = Client::with_profile(credential, "ap-guangzhou", profile);
        let tasks: Vec<_> = (0..concurrency)
            .map(|task| {
                let client = client.clone();
                tokio::spawn(async move {
                    let mut sent = 0u64;
                    for i in (task..numbers).step_by(concurrency) {
                        let request = sdk_sms::v20210111::SendSmsRequest::new(sdk_sms::v20210111::SendSmsRequired {
                            phone_number_set: vec![format!("+86138{i:08}")],
                            sms_sdk_app_id: tc_emulator::SEED_SDK_APP_ID.into(),
                            template_id: tc_emulator::SEED_TEMPLATE_ID.to_string(),
                        })
                        .sign_name(tc_emulator::SEED_SIGN_NAME)
                        .template_param_set(vec![format!("{:04}", i % 10_000), "5".into()]);
                        let answer = client.send_sms(&request).await.expect("SendSms");
                        sent += answer.send_status_set.iter().filter(|s| s.code == "Ok").count() as u64;
                    }
                    sent
                })
            })
            .collect();
        let mut sent = 0;
        for task in tasks {
            sent += task.await.expect("task");
        }
        sent
    });
    println!(
        "{}",
        serde_json::json!({
            "numbers": numbers,
            "sent": sent,
            "send_requests": numbers,
            "wall_s": started.elapsed().as_secs_f64(),
            "cpu_s": tc_bench::cpu_micros("self") as f64 / 1e6,
            "peak_rss_kib": tc_bench::peak_rss_kib(),
        })
    );
}

fn worker(url: &str, numbers: usize, concurrency: usize, durable: bool, store: &str, per_number: bool) {
    if store == "plain" {
        return plain_worker(url, numbers, concurrency);
    }
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
        let journal = journal(store, &config, &journal_path);
        let sender = BulkSender::new(&client, config);
        // Generated lazily: the input is never in memory as a whole.
        let input = (0..numbers as u64).map(move |i| {
            let recipient = Recipient::new(format!("+86138{i:08}"));
            match per_number {
                true => recipient.params([format!("{:04}", i % 10_000), "5".to_owned()]),
                false => recipient,
            }
        });
        let mut campaign = sender.send_iter(input, journal);
        // On a worker thread of the runtime, like the plain loop's tasks and a server's handler: polled
        // from `block_on`, every answer would wake the main thread from another one.
        let (outcomes, summary) = tokio::spawn(async move {
            let mut outcomes = 0u64;
            while campaign.next().await.is_some() {
                outcomes += 1;
            }
            (outcomes, campaign.finish().await.expect("campaign"))
        })
        .await
        .expect("campaign task");
        if store == "jsonl" {
            assert_eq!(outcomes as usize, numbers, "one outcome per number");
        }
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

/// Starts the emulator process; its URL.
fn start_server(exe: &std::path::Path, latency_ms: u64) -> (std::process::Child, String) {
    tc_bench::start_server_child(Command::new(exe).args(["--serve", "--latency-ms", &latency_ms.to_string()]))
}

fn parent(sizes: &[usize], concurrency: usize, latency_ms: u64, no_sync: bool, per_number: bool) {
    let exe = std::env::current_exe().expect("exe");
    let (mut server, url) = start_server(&exe, latency_ms);
    let bound = concurrency as f64 * 1000.0 / latency_ms as f64;
    println!(
        "# bulk_campaign: concurrency {concurrency}, emulator latency {latency_ms} ms (bound {bound:.0} requests/s), \
         {} per request, journal synced before each request: {}, load average {}",
        if per_number {
            "1 number (per-number parameters)"
        } else {
            "200 numbers"
        },
        !no_sync,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    println!("\n| numbers | sent | requests | wall s | requests/s | of bound | client CPU µs/number | peak RSS MiB |");
    println!("|---|---|---|---|---|---|---|---|");
    let stores: &[&str] = if per_number { &["plain", "jsonl"] } else { &["jsonl"] };
    for (&n, &store) in sizes.iter().flat_map(|n| stores.iter().map(move |s| (n, s))) {
        let out = Command::new(&exe)
            .args([
                "--worker",
                &n.to_string(),
                "--url",
                &url,
                "--concurrency",
                &concurrency.to_string(),
            ])
            .args(["--store", store])
            .args(per_number.then_some("--per-number"))
            .args(no_sync.then_some("--no-sync"))
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
            "| {n}{} | {} | {requests} | {wall:.2} | {rps:.1} | {:.2} | {:.1} | {:.1} |",
            if store == "plain" { " (plain SendSms loop)" } else { "" },
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

/// Runs `workers` worker processes of one campaign at once; their JSON lines.
fn run_workers(
    exe: &std::path::Path,
    url: &str,
    n: usize,
    concurrency: usize,
    store: &str,
    workers: usize,
) -> Vec<serde_json::Value> {
    let children: Vec<_> = (0..workers)
        .map(|_| {
            Command::new(exe)
                .args([
                    "--worker",
                    &n.to_string(),
                    "--url",
                    url,
                    "--concurrency",
                    &concurrency.to_string(),
                    "--store",
                    store,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("worker")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("worker");
            assert!(
                out.status.success(),
                "worker failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).expect("worker JSON")
        })
        .collect()
}

fn stores(n: usize, concurrency: usize, latency_ms: u64) {
    let exe = std::env::current_exe().expect("exe");
    let (mut server, url) = start_server(&exe, latency_ms);
    let cluster = tc_bench::pg::Cluster::start();
    let dir = std::env::temp_dir().join(format!("bulk-stores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "# bulk_campaign --stores: {n} numbers, concurrency {concurrency} per worker, emulator latency {latency_ms} ms \
         (bound {:.0} numbers/s per worker), load average {}",
        concurrency as f64 * 200_000.0 / latency_ms.max(1) as f64,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    println!("\n| where | workers | numbers/s | of journal | wall s (slowest) | peak RSS MiB per worker |");
    println!("|---|---|---|---|---|---|");
    let runs = [
        ("JSON-lines journal", "jsonl".to_owned(), 1),
        (
            "SQLite store",
            format!("sqlite:{}", dir.join("campaign.db").display()),
            1,
        ),
        ("PostgreSQL store", cluster.database("one"), 1),
        ("PostgreSQL store", cluster.database("three"), 3),
    ];
    let mut baseline = None;
    for (name, store, workers) in runs {
        let results = run_workers(&exe, &url, n, concurrency, &store, workers);
        let wall = results
            .iter()
            .map(|r| r["wall_s"].as_f64().unwrap())
            .fold(0.0, f64::max);
        let rate = n as f64 / wall;
        let base = *baseline.get_or_insert(rate);
        let rss: Vec<String> = results
            .iter()
            .map(|r| format!("{:.1}", r["peak_rss_kib"].as_f64().unwrap() / 1024.0))
            .collect();
        println!(
            "| {name} | {workers} | {rate:.0} | {:.2} | {wall:.2} | {} |",
            rate / base,
            rss.join(", ")
        );
    }
    println!(
        "\n# load average at the end: {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = server.kill();
    let _ = server.wait();
}
