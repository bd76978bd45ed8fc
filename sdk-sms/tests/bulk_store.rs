//! The SQLite campaign store against the emulator over real HTTP: identity and schema checks, two workers
//! on one campaign, a stopped worker's batches taken over and reconciled, and delivery receipts pushed by
//! the emulator to the example receiver (a real hyper server) settling unknown outcomes before, during
//! and after reconciliation. Sends are counted in the emulator's own record.
#![cfg(feature = "sqlite")]

mod common;
#[path = "../examples/bulk_receiver/server.rs"]
mod server;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use sdk_sms::bulk::store::{ReceiptWriter, SqliteStore, SCHEMA_VERSION};
use sdk_sms::bulk::{BulkConfig, BulkSender, CampaignIdentity, Recipient, ReconcilePolicy, Summary};
use tc_emulator::{Emulator, Fault, StatusCallback, SEED_SDK_APP_ID, SEED_SIGN_NAME};

use common::client;

fn config(checks: &[u64]) -> BulkConfig {
    BulkConfig::new(SEED_SDK_APP_ID, "1110")
        .campaign("store-test")
        .sign_name(SEED_SIGN_NAME)
        .template_params(["4370", "5"])
        .concurrency(2)
        .reconcile(ReconcilePolicy {
            checks: checks.iter().map(|&ms| Duration::from_millis(ms)).collect(),
            window_slack: Duration::from_secs(60),
        })
}

fn numbers(n: usize) -> Vec<Recipient> {
    (0..n).map(|i| Recipient::new(format!("+86137{i:08}"))).collect()
}

fn store_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sdk-sms-store-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn open(path: &PathBuf, config: &BulkConfig) -> SqliteStore {
    SqliteStore::open(path, &CampaignIdentity::of(config))
        .unwrap()
        .lease(Duration::from_millis(600))
}

/// Every line of the store's export, by number.
fn exported(path: &PathBuf, config: &BulkConfig) -> HashMap<String, serde_json::Value> {
    let mut out = Vec::new();
    open(path, config).export(&mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["number"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

fn assert_each_sent_once(emu: &Emulator, n: usize) {
    let counts = emu.sms().send_counts();
    assert_eq!(counts.len(), n, "every number sent");
    assert!(counts.values().all(|&c| c == 1), "none sent twice");
}

#[tokio::test]
async fn a_store_of_another_campaign_or_schema_version_is_refused() {
    let path = store_path("refuse");
    let config = config(&[0]);
    drop(open(&path, &config));
    let other = CampaignIdentity::of(&config.clone().campaign("another"));
    let err = SqliteStore::open(&path, &other).unwrap_err().to_string();
    assert!(err.contains("another campaign") && err.contains("name"), "{err}");

    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(raw);
    let err = SqliteStore::open(&path, &CampaignIdentity::of(&config))
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("schema version {}", SCHEMA_VERSION + 1)), "{err}");
    assert!(ReceiptWriter::open(&path).is_err());

    let not_a_store = store_path("not-a-store");
    std::fs::write(&not_a_store, b"numbers,params\n").unwrap();
    assert!(SqliteStore::open(&not_a_store, &CampaignIdentity::of(&config)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_store_send_each_number_once() {
    let emu = Emulator::start().await.unwrap();
    let path = store_path("two");
    let config = config(&[0]);
    let a = BulkSender::new(&client(&emu), config.clone());
    let b = BulkSender::new(&client(&emu), config.clone());
    let (sa, sb) = tokio::join!(
        a.send_iter(numbers(3_000), open(&path, &config)).finish(),
        b.send_iter(numbers(3_000), open(&path, &config)).finish(),
    );
    let (sa, sb): (Summary, Summary) = (sa.unwrap(), sb.unwrap());
    assert_eq!(sa.sent + sb.sent, 3_000, "{sa}{sb}");
    assert!(sa.sent > 0 && sb.sent > 0, "both worked: {} and {}", sa.sent, sb.sent);
    assert_each_sent_once(&emu, 3_000);
    let export = exported(&path, &config);
    assert_eq!(export.len(), 3_000);
    assert!(export.values().all(|v| v["status"] == "sent" && v["code"] == "Ok"));
    assert_eq!(open(&path, &config).open_numbers().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_workers_batches_are_taken_over_and_reconciled_never_resent() {
    let emu = Emulator::start().await.unwrap();
    // The first worker's requests are cut after the send: their numbers wait for reconciliation, which
    // this worker would only do in an hour. It stops (dropped, as a crash) holding them.
    emu.set_faults(vec![Fault::truncated_body().action("SendSms").first(3)]);
    let path = store_path("takeover");
    let slow = config(&[3_600_000]);
    let config = config(&[0]);
    let first = BulkSender::new(&client(&emu), slow);
    let mut campaign = first.send_iter(numbers(2_000), open(&path, &config));
    for _ in 0..300 {
        campaign.next().await.expect("outcomes from the first worker");
    }
    drop(campaign);
    let held = open(&path, &config).open_numbers().unwrap();
    assert!(held >= 200, "the stopped worker held unsettled numbers: {held}");

    // The second worker (resend allowed) reads the same input, skips what the first one holds, and at
    // the end takes the stopped worker's batches over once their lease has run out.
    let second = BulkSender::new(&client(&emu), config.clone().resend_not_sent(2));
    let summary = second
        .send_iter(numbers(2_000), open(&path, &config))
        .finish()
        .await
        .unwrap();
    assert!(summary.reconciled >= held, "{summary}");
    assert_each_sent_once(&emu, 2_000);
    let export = exported(&path, &config);
    assert_eq!(export.len(), 2_000, "every number has its one outcome");
    assert!(export.values().all(|v| v["status"] == "sent"));
    assert_eq!(open(&path, &config).open_numbers().unwrap(), 0);
}

/// An emulator pushing status reports to the example receiver, which writes them into the store at
/// `path` (created first, as a worker would).
async fn emulator_with_receiver(
    path: &PathBuf,
    config: &BulkConfig,
    delay: Duration,
) -> (Emulator, tokio::task::JoinHandle<()>) {
    drop(open(path, config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let receiver = server::Receiver::new(ReceiptWriter::open(path).unwrap());
    let task = tokio::spawn(server::serve(listener, receiver));
    let emu = Emulator::builder()
        .status_callback(StatusCallback::new(url).delay(delay).duplicates(0.3))
        .start()
        .await
        .unwrap();
    (emu, task)
}

/// Waits until the emulator has pushed every status report (the push is asynchronous).
async fn pushed(emu: &Emulator) {
    for _ in 0..1_000 {
        if emu.callback_stats().pending == 0 && emu.callbacks_sent() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("status reports still pending: {:?}", emu.callback_stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_settle_unknowns_without_asking_the_service() {
    let path = store_path("receipts");
    let config = config(&[300, 2_000]);
    let (emu, receiver) = emulator_with_receiver(&path, &config, Duration::ZERO).await;
    // Three requests answer InternalError after sending: 600 unknown outcomes.
    emu.sms().fail_after_send("InternalError", 3);
    let sender = BulkSender::new(&client(&emu), config.clone());
    let summary = sender
        .send_iter(numbers(1_000), open(&path, &config))
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.settled_by_receipt, 600, "{summary}");
    assert_eq!(
        summary.status_queries, 0,
        "no PullSmsSendStatusByPhoneNumber: {summary}"
    );
    assert_each_sent_once(&emu, 1_000);
    pushed(&emu).await;
    let export = exported(&path, &config);
    assert!(export
        .values()
        .all(|v| v["status"] == "sent" && v["receipt"] == "SUCCESS"));
    receiver.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_arriving_during_and_after_reconciliation() {
    let path = store_path("receipts-late");
    // During: the first check's queries fail (statuses unclear), the receipts arrive before the second.
    let config = config(&[100, 1_500, 1_500]);
    let (emu, receiver) = emulator_with_receiver(&path, &config, Duration::from_millis(700)).await;
    emu.sms().fail_after_send("InternalError", 1);
    emu.set_faults(vec![Fault::error_code("UnauthorizedOperation.SmsSdkAppIdVerifyFail")
        .action("PullSmsSendStatusByPhoneNumber")
        .first(200)]);
    let sender = BulkSender::new(&client(&emu), config.clone());
    let summary = sender
        .send_iter(numbers(200), open(&path, &config))
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.settled_by_receipt, 200, "{summary}");
    assert_each_sent_once(&emu, 200);

    // After: a campaign settled by pulling (no receiver yet) gets its receipts later; they are stored
    // once each (duplicates pushed), and the outcomes stay as they were.
    let path = store_path("receipts-after");
    let config = config.reconcile(ReconcilePolicy {
        checks: vec![Duration::ZERO],
        window_slack: Duration::from_secs(60),
    });
    let (emu, receiver_after) = emulator_with_receiver(&path, &config, Duration::from_millis(1_500)).await;
    emu.sms().fail_after_send("InternalError", 1);
    let sender = BulkSender::new(&client(&emu), config.clone());
    let summary = sender
        .send_iter(numbers(200), open(&path, &config))
        .finish()
        .await
        .unwrap();
    assert_eq!((summary.settled_by_receipt, summary.reconciled), (0, 200), "{summary}");
    pushed(&emu).await;
    let export = exported(&path, &config);
    assert_eq!(export.len(), 200);
    assert!(export
        .values()
        .all(|v| v["status"] == "sent" && v["receipt"] == "SUCCESS"));
    assert!(
        emu.callback_stats().duplicated > 0,
        "duplicates were pushed and ignored"
    );
    receiver.abort();
    receiver_after.abort();
}

#[tokio::test]
async fn a_malformed_callback_body_is_answered_with_an_error_and_stored_nowhere() {
    let path = store_path("malformed");
    let config = config(&[0]);
    drop(open(&path, &config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let receiver = server::Receiver::new(ReceiptWriter::open(&path).unwrap());
    let task = tokio::spawn(server::serve(listener, receiver.clone()));
    let good = r#"[{"user_receive_time":"2026-12-07 10:00:00","nationcode":"86","mobile":"13700000001","report_status":"SUCCESS","errmsg":"DELIVRD","description":"ok","sid":"s-1"}]"#;
    let bad = good.replace("SUCCESS", "DONE");
    for (body, want_status, want_result) in [(bad.as_str(), 400, 1), ("{", 400, 1), (good, 200, 0), (good, 200, 0)] {
        let (status, answer) = post(addr, body).await;
        assert_eq!(status, want_status, "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["result"], want_result);
    }
    assert_eq!(
        receiver.stored.load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the good report once"
    );
    assert_eq!(receiver.refused.load(std::sync::atomic::Ordering::Relaxed), 2);
    task.abort();
}

/// One HTTP/1.1 POST over a plain TCP stream; returns status and body.
async fn post(addr: std::net::SocketAddr, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// Not a test: the body of the worker process the next test kills (started with `--ignored --exact`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a worker process of a_worker_killed_with_sigkill_is_resumed_and_sends_nothing_twice"]
async fn sqlite_worker_process() {
    let (Ok(path), Ok(endpoint)) = (std::env::var("BULK_SQLITE_PATH"), std::env::var("BULK_SQLITE_EMULATOR")) else {
        panic!("a worker needs BULK_SQLITE_PATH and BULK_SQLITE_EMULATOR");
    };
    // Reconciliation an hour away: what is unknown when the process dies stays in flight in the store.
    let config = config(&[3_600_000]);
    let store = SqliteStore::open(&path, &CampaignIdentity::of(&config))
        .unwrap()
        .lease(Duration::from_secs(1));
    let credential = sdk_sms::Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY).unwrap();
    let profile = sdk_sms::ClientProfile::new().http_profile(sdk_sms::HttpProfile::new().endpoint(endpoint));
    let client = sdk_sms::v20210111::Client::with_profile(credential, "ap-guangzhou", profile);
    let sender = BulkSender::new(&client, config.rate_limit(40.0));
    sender.send_iter(numbers(5_000), store).finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_with_sigkill_is_resumed_and_sends_nothing_twice() {
    let emu = Emulator::start().await.unwrap();
    emu.set_faults(vec![Fault::truncated_body().action("SendSms").share(0.2)]);
    let path = store_path("sigkill");
    let config = config(&[0]);
    drop(open(&path, &config));
    let mut worker = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "sqlite_worker_process", "--test-threads=1"])
        .env("BULK_SQLITE_PATH", &path)
        .env("BULK_SQLITE_EMULATOR", emu.base_url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while emu.sms().send_counts().len() < 1_500 {
        assert!(
            worker.try_wait().unwrap().is_none(),
            "the worker ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.kill().unwrap(); // SIGKILL
    worker.wait().unwrap();
    let held = open(&path, &config).open_numbers().unwrap();
    assert!(held > 0, "the killed worker held unsettled numbers");

    let resumed = BulkSender::new(&client(&emu), config.clone().resend_not_sent(1));
    emu.clear_faults();
    let summary = resumed
        .send_iter(numbers(5_000), open(&path, &config))
        .finish()
        .await
        .unwrap();
    assert!(summary.reconciled >= held, "{summary}");
    assert_each_sent_once(&emu, 5_000);
    let export = exported(&path, &config);
    assert_eq!(export.len(), 5_000);
    assert!(export.values().all(|v| v["status"] == "sent"));
}
