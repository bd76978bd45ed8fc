//! The PostgreSQL campaign store with a real PostgreSQL 15: a throwaway cluster in a temporary directory
//! on a loopback port (run as `nobody` through `setpriv` when the tests run as root, which the server
//! refuses), three worker processes (this test binary, started again as workers) on one campaign against
//! the emulator with failures after sending, one killed with SIGKILL midway. Sends are counted in the
//! emulator's own record.
//!
//! `PG_BIN` overrides the server's directory (default `/usr/lib/postgresql/15/bin`); `BULK_PG_NUMBERS` the
//! campaign's size (default 100,000).
#![cfg(feature = "postgres")]

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sdk_sms::bulk::pg::PgStore;
use sdk_sms::bulk::{BulkConfig, BulkSender, CampaignIdentity, Recipient, ReconcilePolicy};
use sdk_sms::v20210111::Client;
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, SEED_SDK_APP_ID, SEED_SIGN_NAME};

const NOBODY: u32 = 65_534;

/// A PostgreSQL cluster that lives as long as this value.
struct Cluster {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Run the server's programs as `nobody` (the tests run as root).
    drop_root: bool,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = PathBuf::from(std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        assert!(
            bin.join("initdb").is_file(),
            "PostgreSQL server programs not found in {} (set PG_BIN)",
            bin.display()
        );
        let root = std::env::temp_dir().join(format!("sdk-sms-pg-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&root).unwrap();
        let drop_root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        if drop_root {
            std::os::unix::fs::chown(&root, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cluster = Cluster {
            root,
            bin,
            port,
            drop_root,
        };
        let data = cluster.root.join("data");
        cluster.run(
            "initdb",
            &["-D", path(&data), "-U", "tc", "--auth=trust", "--no-sync", "-E", "UTF8"],
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            cluster.root.display()
        );
        let log = cluster.root.join("log");
        cluster.run(
            "pg_ctl",
            &["-D", path(&data), "-l", path(&log), "-w", "-o", &options, "start"],
        );
        cluster.port = port;
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.drop_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new database; its URL.
    fn database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run("createdb", &["-h", "127.0.0.1", "-p", &port, "-U", "tc", name]);
        format!("postgres://tc@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.root.join("data");
        let _ = self
            .command("pg_ctl")
            .args(["-D", path(&data), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn config() -> BulkConfig {
    BulkConfig::new(SEED_SDK_APP_ID, "1110")
        .campaign("pg-campaign")
        .sign_name(SEED_SIGN_NAME)
        .template_params(["4370", "5"])
        .concurrency(4)
        .resend_not_sent(1)
        .reconcile(ReconcilePolicy {
            checks: vec![Duration::from_millis(200)],
            window_slack: Duration::from_secs(60),
        })
}

fn numbers(n: usize) -> impl Iterator<Item = Recipient> + Send + 'static {
    (0..n).map(|i| Recipient::new(format!("+86136{i:08}")))
}

fn client(endpoint: &str) -> Client {
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap();
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(endpoint));
    Client::with_profile(credential, "ap-guangzhou", profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_refuses_another_campaign_and_another_schema_version() {
    let cluster = Cluster::start();
    let url = cluster.database("refuse");
    let identity = CampaignIdentity::of(&config());
    drop(PgStore::open(&url, &identity).unwrap());
    let other = CampaignIdentity::of(&config().campaign("other"));
    let err = PgStore::open(&url, &other).unwrap_err().to_string();
    assert!(err.contains("another campaign") && err.contains("name"), "{err}");

    // One outcome per number, and no re-dispatch of a settled number, are the database's rules too.
    psql(&url, "INSERT INTO batches VALUES ('b', 0, 'w', 0, true)").unwrap();
    psql(
        &url,
        "INSERT INTO numbers (number, batch, outcome) VALUES ('+8613600000000', 'b', '{}')",
    )
    .unwrap();
    let change = psql(
        &url,
        "UPDATE numbers SET outcome = 'other' WHERE number = '+8613600000000'",
    );
    assert!(change.unwrap_err().contains("a number has one outcome"));
    let redispatch = psql(&url, "UPDATE numbers SET batch = NULL WHERE number = '+8613600000000'");
    assert!(redispatch.unwrap_err().contains("never dispatched again"));
    psql(&url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'").unwrap();
    let err = PgStore::open(&url, &identity).unwrap_err().to_string();
    assert!(err.contains("schema version 99"), "{err}");
}

/// Runs one statement with the cluster's `psql`; the server's error text on failure.
fn psql(url: &str, sql: &str) -> Result<(), String> {
    let bin = PathBuf::from(std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
    let out = Command::new(bin.join("psql"))
        .args([url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Not a test: the body of a worker process (started by the test below with `--ignored --exact`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a worker process of three_worker_processes_one_killed_finish_the_campaign"]
async fn worker_process() {
    let (Ok(url), Ok(endpoint), Ok(n)) = (
        std::env::var("BULK_PG_URL"),
        std::env::var("BULK_PG_EMULATOR"),
        std::env::var("BULK_PG_N"),
    ) else {
        panic!("a worker needs BULK_PG_URL, BULK_PG_EMULATOR and BULK_PG_N");
    };
    let n: usize = n.parse().unwrap();
    let config = config();
    let store = PgStore::open(&url, &CampaignIdentity::of(&config))
        .unwrap()
        .lease(Duration::from_secs(2));
    let sender = BulkSender::new(&client(&endpoint), config);
    let summary = sender.send_iter(numbers(n), store).finish().await.unwrap();
    println!("worker summary: {}", summary.to_string().replace('\n', " | "));
}

fn spawn_worker(url: &str, endpoint: &str, n: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "worker_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("BULK_PG_URL", url)
        .env("BULK_PG_EMULATOR", endpoint)
        .env("BULK_PG_N", n.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_one_killed_finish_the_campaign() {
    let n: usize = std::env::var("BULK_PG_NUMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let cluster = Cluster::start();
    let url = cluster.database("campaign");
    let emu = Emulator::builder()
        .request_log_capacity(1_000)
        .fault(Fault::truncated_body().action("SendSms").share(0.02))
        .start()
        .await
        .unwrap();
    // Five requests answer InternalError after sending: their numbers are unknown until reconciled.
    emu.sms().fail_after_send("InternalError", 5);
    // The schema exists before the workers race to it (they would also create it once, under a lock).
    drop(PgStore::open(&url, &CampaignIdentity::of(&config())).unwrap());
    let started = std::time::Instant::now();
    let mut workers: Vec<Child> = (0..3).map(|_| spawn_worker(&url, &emu.base_url(), n)).collect();

    // Kill the first worker once about a third of the campaign has gone out.
    while emu.sms().send_counts().len() < n / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the campaign does not progress"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    workers[0].kill().unwrap(); // SIGKILL
    let killed = workers.remove(0).wait_with_output().unwrap();
    assert!(!killed.status.success());
    for worker in workers {
        let out = tokio::task::spawn_blocking(move || worker.wait_with_output().unwrap())
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "a worker failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    eprintln!(
        "{n} numbers, 3 workers (one killed): {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let counts = emu.sms().send_counts();
    assert_eq!(counts.len(), n, "every number sent");
    assert!(counts.values().all(|&c| c == 1), "none sent twice");
    let url2 = url.clone();
    let (open, export) = tokio::task::spawn_blocking(move || {
        let store = PgStore::open_existing(&url2).unwrap();
        let mut out = Vec::new();
        store.export(&mut out).unwrap();
        (store.open_numbers().unwrap(), String::from_utf8(out).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(open, 0, "nothing left in flight");
    let lines: Vec<serde_json::Value> = export.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), n, "every number has exactly one outcome");
    assert!(lines.iter().all(|l| l["status"] == "sent"));
}
