//! Send a campaign from a CSV file with `sdk_sms::bulk`: one outcome per number in a journal, a progress
//! line on stderr, a summary at the end. Run it again with the same journal to resume after a crash: numbers
//! with an outcome are skipped, requests that were in flight are reconciled.
//!
//! ```sh
//! # No arguments, no credentials: 1,000 generated numbers (and a few malformed) to the in-process emulator.
//! cargo run -p sdk-sms --example bulk_send
//! # A CSV (`number[,param1,param2...]` per line, `#` comments; parameters in double quotes may hold commas)
//! cargo run -p sdk-sms --example bulk_send -- numbers.csv --journal campaign.jsonl
//! # Any server: credentials from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (/ _SESSION_TOKEN)
//! cargo run -p sdk-sms --example bulk_send -- numbers.csv --journal campaign.jsonl \
//!     --endpoint https://sms.tencentcloudapi.com --app 1400... --template 1234 --sign "..." --params 4370,5
//! ```
//!
//! Other options: `--region` (default `ap-guangzhou`), `--rate N` (requests/s), `--concurrency N`,
//! `--resend N` (times a number proven not sent may be sent again; default 0), `--campaign NAME` (part of
//! the campaign's identity: a journal or store of another campaign is refused), `--checks 10s,60s,300s`
//! (the reconciliation schedule; `ms`, `s`, `m` units), `--store sqlite:PATH` instead of `--journal`
//! (needs `--features sqlite`) or `--store postgres://user@host:port/database` (`--features postgres`;
//! one campaign per database): a campaign store that any number of `bulk_send` processes share, each
//! reading the same CSV (numbers are claimed at dispatch; a process that dies is taken over by another),
//! and that a `bulk_receiver` fills with delivery receipts; `--export PATH`: when the campaign is finished,
//! every number's outcome as one JSON line (`number`, `status`, `code`, `batch`, `receipt`); given with a
//! store of a finished campaign and no input, it only exports (the demo input needs no `--export`). The CSV file's SHA-256 is part of the
//! identity. Journal and store hold phone numbers: keep them private and delete them when done.
//!
//! ```sh
//! cargo run -p sdk-sms --features sqlite --example bulk_send -- numbers.csv --store sqlite:campaign.db \
//!     --campaign spring --checks 10s,60s,300s --export outcomes.jsonl   # as many processes as you like
//! ```

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Instant;

use sdk_sms::bulk::{csv, BulkConfig, BulkSender, Journal, JsonlJournal, Outcome, Recipient, ReconcilePolicy, Status};
use sdk_sms::v20210111::Client;
use sdk_sms::{ClientProfile, Credential, HttpProfile};

#[derive(Debug, Default)]
struct Args {
    csv: Option<String>,
    journal: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    app: Option<String>,
    template: Option<String>,
    sign: Option<String>,
    params: Option<String>,
    rate: Option<f64>,
    concurrency: Option<usize>,
    resend: Option<u32>,
    campaign: Option<String>,
    checks: Option<Vec<std::time::Duration>>,
    store: Option<String>,
    export: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--journal" => args.journal = Some(value()?),
            "--endpoint" => args.endpoint = Some(value()?),
            "--region" => args.region = Some(value()?),
            "--app" => args.app = Some(value()?),
            "--template" => args.template = Some(value()?),
            "--sign" => args.sign = Some(value()?),
            "--params" => args.params = Some(value()?),
            "--rate" => args.rate = Some(value()?.parse().map_err(|_| "--rate needs a number")?),
            "--concurrency" => args.concurrency = Some(value()?.parse().map_err(|_| "--concurrency needs a count")?),
            "--resend" => args.resend = Some(value()?.parse().map_err(|_| "--resend needs a count")?),
            "--campaign" => args.campaign = Some(value()?),
            "--checks" => args.checks = Some(parse_checks(&value()?)?),
            "--store" => args.store = Some(value()?),
            "--export" => args.export = Some(value()?),
            "-h" | "--help" => return Err("see the top of examples/bulk_send.rs for usage".into()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path if args.csv.is_none() => args.csv = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(args)
}

/// `10s,60s,300s` (units `ms`, `s`, `m`; empty: no reconciliation).
fn parse_checks(text: &str) -> Result<Vec<std::time::Duration>, String> {
    let bad = |item: &str| format!("--checks: `{item}` is not a delay like 500ms, 10s or 5m");
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (digits, unit) = item.split_at(item.find(|c: char| !c.is_ascii_digit()).unwrap_or(item.len()));
            let n: u64 = digits.parse().map_err(|_| bad(item))?;
            let ms = match unit {
                "ms" => n,
                "s" => n.checked_mul(1_000).ok_or_else(|| bad(item))?,
                "m" => n.checked_mul(60_000).ok_or_else(|| bad(item))?,
                _ => return Err(bad(item)),
            };
            Ok(std::time::Duration::from_millis(ms))
        })
        .collect()
}

/// SHA-256 of the input file, part of the campaign's identity.
fn file_digest(path: &str) -> Result<String, String> {
    use sha2::Digest;
    let mut file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut hash = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hash).map_err(|e| format!("{path}: {e}"))?;
    Ok(sdk_sms::bulk::identity::hex(&hash.finalize()))
}

/// Reads the CSV lazily: a campaign of millions never holds them all, and a line longer than
/// `csv::MAX_LINE_CHARS` bytes is an error, never a read without end. Errors name the line, not its text
/// (which holds a phone number).
fn read_csv(path: &str) -> Result<impl Iterator<Item = Result<Recipient, String>> + Send + 'static, String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let path = path.to_owned();
    let mut reader = BufReader::new(file);
    let (mut line, mut n, mut failed) = (Vec::new(), 0u64, false);
    Ok(std::iter::from_fn(move || loop {
        if failed {
            return None;
        }
        line.clear();
        n += 1;
        let limit = csv::MAX_LINE_CHARS as u64;
        let read = match (&mut reader).take(limit + 1).read_until(b'\n', &mut line) {
            Ok(0) => return None,
            Ok(read) => read,
            Err(e) => {
                failed = true;
                return Some(Err(format!("{path} line {n}: {e}")));
            }
        };
        if read as u64 > limit && line.last() != Some(&b'\n') {
            failed = true;
            return Some(Err(format!("{path} line {n}: longer than {limit} bytes")));
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            failed = true;
            return Some(Err(format!("{path} line {n}: not UTF-8")));
        };
        if let Some(recipient) = csv::recipient(text, n == 1) {
            return Some(Ok(recipient));
        }
    }))
}

/// The demo input: generated numbers, a few malformed and one repeated.
fn demo_input() -> impl Iterator<Item = Result<Recipient, String>> + Send + 'static {
    let numbers = (0..1_000u32).map(|i| format!("+86138{i:08}"));
    let odd = ["12345", "+86 138 0000 0007", "not a number"].map(String::from);
    numbers.chain(odd).map(|n| Ok(Recipient::new(n)))
}

#[derive(Default)]
struct Progress {
    outcomes: u64,
    sent: u64,
    rejected: u64,
    other: u64,
}

impl Progress {
    fn add(&mut self, outcome: &Outcome) {
        self.outcomes += 1;
        match outcome.status {
            Status::Sent { .. } => self.sent += 1,
            Status::Rejected { .. } => self.rejected += 1,
            _ => self.other += 1,
        }
    }

    fn show(&self, started: Instant) {
        let secs = started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r{} outcomes ({} sent, {} rejected, {} other) {:.0}/s   ",
            self.outcomes,
            self.sent,
            self.rejected,
            self.other,
            self.outcomes as f64 / secs
        );
        let _ = std::io::stderr().flush();
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bulk_send: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let existing = |store: &str| {
        store
            .strip_prefix("sqlite:")
            .is_some_and(|p| std::path::Path::new(p).is_file())
    };
    if let (None, Some(store), Some(path)) = (&args.csv, &args.store, &args.export) {
        if !existing(store) {
            return Err(format!("--export without input: no store {store} to export").into());
        }
        // Export alone: the store says which campaign it is.
        return export_only(store, args.campaign.as_deref(), path);
    }
    // The emulator (when used) must stay alive for the whole run.
    let (client, _emulator) = client(&args).await?;
    let config = bulk_config(&args)?;

    let journal = open_journal(&args, &config)?;
    let input: Box<dyn Iterator<Item = Result<Recipient, String>> + Send> = match &args.csv {
        Some(path) => Box::new(read_csv(path)?),
        None => Box::new(demo_input()),
    };

    let sender = BulkSender::new(&client, config.clone());
    let mut campaign = sender.try_send_stream(futures_util::stream::iter(input), journal);
    let (started, mut progress) = (Instant::now(), Progress::default());
    while let Some(outcome) = campaign.next().await {
        progress.add(&outcome);
        if progress.outcomes % 100 == 0 {
            progress.show(started);
        }
    }
    progress.show(started);
    eprintln!();
    let summary = campaign.finish().await?;
    print!("{summary}");
    if let Some(path) = &args.export {
        export(&args, &config, path)?;
    }
    Ok(())
}

/// The SMS client: to `--endpoint`, Tencent Cloud (with `TENCENTCLOUD_SECRET_ID`), or a local emulator,
/// returned too so that it lives as long as the campaign.
async fn client(args: &Args) -> Result<(Client, Option<tc_emulator::Emulator>), Box<dyn std::error::Error>> {
    let use_emulator = args.endpoint.is_none() && std::env::var_os("TENCENTCLOUD_SECRET_ID").is_none();
    let (credential, endpoint, emulator) = if use_emulator {
        let emulator = tc_emulator::Emulator::start().await?;
        eprintln!(
            "no --endpoint and no TENCENTCLOUD_SECRET_ID: sending to the local emulator at {}",
            emulator.base_url()
        );
        let credential = Credential::new(tc_emulator::DEFAULT_SECRET_ID, tc_emulator::DEFAULT_SECRET_KEY)?;
        (credential, Some(emulator.base_url()), Some(emulator))
    } else {
        (Credential::from_env()?, args.endpoint.clone(), None)
    };
    let mut http = HttpProfile::new();
    if let Some(endpoint) = endpoint {
        http = http.endpoint(endpoint);
    }
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| env_or("TENCENTCLOUD_REGION", "ap-guangzhou"));
    let client = Client::with_profile(credential, region, ClientProfile::new().http_profile(http));
    Ok((client, emulator))
}

/// The campaign's configuration from the arguments (and `SMS_*` variables, then the demo's defaults).
fn bulk_config(args: &Args) -> Result<BulkConfig, Box<dyn std::error::Error>> {
    let params = args.params.clone().unwrap_or_else(|| "4370,5".into());
    let mut config = BulkConfig::new(
        args.app
            .clone()
            .unwrap_or_else(|| env_or("SMS_SDK_APP_ID", "1400006666")),
        args.template
            .clone()
            .unwrap_or_else(|| env_or("SMS_TEMPLATE_ID", "1110")),
    )
    .sign_name(args.sign.clone().unwrap_or_else(|| env_or("SMS_SIGN_NAME", "腾讯云")))
    .template_params(csv::fields(&params))
    .resend_not_sent(args.resend.unwrap_or(0));
    if let Some(rate) = args.rate {
        config = config.rate_limit(rate);
    }
    if let Some(n) = args.concurrency {
        config = config.concurrency(n);
    }
    if let Some(name) = &args.campaign {
        config = config.campaign(name.clone());
    }
    if let Some(checks) = &args.checks {
        config = config.reconcile(ReconcilePolicy {
            checks: checks.clone(),
            ..ReconcilePolicy::default()
        });
    }
    if let Some(path) = &args.csv {
        config = config.input_digest(file_digest(path)?);
    }
    Ok(config)
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

/// The journal (`--journal`, default `bulk_send.journal.jsonl`) or the store (`--store`).
fn open_journal(args: &Args, config: &BulkConfig) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    match args.store.as_deref() {
        Some(store) if args.journal.is_some() => Err(format!("--store {store} and --journal: give one").into()),
        Some(store) => open_store(store, config),
        None => {
            let path = args.journal.clone().unwrap_or_else(|| "bulk_send.journal.jsonl".into());
            eprintln!("journal: {path} (holds phone numbers: keep it private)");
            Ok(Box::new(JsonlJournal::open(&path)?))
        }
    }
}

fn open_store(store: &str, config: &BulkConfig) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    let identity = sdk_sms::bulk::CampaignIdentity::of(config);
    if let Some(path) = store.strip_prefix("sqlite:") {
        eprintln!("store: {path} (holds phone numbers: keep it private)");
        return sqlite_store(path, &identity);
    }
    if is_postgres(store) {
        return postgres_store(store, &identity);
    }
    Err(unsupported_store(store))
}

fn is_postgres(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

#[cfg(feature = "sqlite")]
fn sqlite_store(
    path: &str,
    identity: &sdk_sms::bulk::CampaignIdentity,
) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    Ok(Box::new(sdk_sms::bulk::store::SqliteStore::open(path, identity)?))
}

#[cfg(not(feature = "sqlite"))]
fn sqlite_store(_: &str, _: &sdk_sms::bulk::CampaignIdentity) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    Err("--store sqlite:PATH needs the example built with `--features sqlite`".into())
}

#[cfg(feature = "postgres")]
fn postgres_store(
    url: &str,
    identity: &sdk_sms::bulk::CampaignIdentity,
) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    Ok(Box::new(sdk_sms::bulk::pg::PgStore::open(url, identity)?))
}

#[cfg(not(feature = "postgres"))]
fn postgres_store(
    _: &str,
    _: &sdk_sms::bulk::CampaignIdentity,
) -> Result<Box<dyn Journal>, Box<dyn std::error::Error>> {
    Err("--store postgres://... needs the example built with `--features postgres`".into())
}

fn unsupported_store(store: &str) -> Box<dyn std::error::Error> {
    format!(
        "--store: `{}` is neither sqlite:PATH nor postgres://...",
        store.split(':').next().unwrap_or("")
    )
    .into()
}

/// Writes every number's outcome as JSON lines, if the campaign is finished (no number in flight anywhere).
fn export(args: &Args, config: &BulkConfig, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let Some(store) = args.store.as_deref() else {
        return Err("--export needs --store".into());
    };
    let identity = sdk_sms::bulk::CampaignIdentity::of(config);
    export_only(store, Some(&identity.name), path)
}

/// Written to `PATH.partial` and renamed when complete: a refused or failed export leaves no file.
fn export_only(store: &str, campaign: Option<&str>, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let partial = format!("{path}.partial");
    let mut out = std::io::BufWriter::new(File::create(&partial).map_err(|e| format!("{partial}: {e}"))?);
    let written = export_to(store, campaign, &mut out).and_then(|n| Ok(out.flush().map(|()| n)?));
    drop(out);
    let n = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, path).map_err(|e| format!("{path}: {e}"))?;
    eprintln!("exported {n} outcomes to {path}");
    Ok(())
}

fn export_to(store: &str, campaign: Option<&str>, out: &mut dyn Write) -> Result<u64, Box<dyn std::error::Error>> {
    if let Some(db) = store.strip_prefix("sqlite:") {
        export_sqlite(db, campaign, out)
    } else if is_postgres(store) {
        export_postgres(store, campaign, out)
    } else {
        Err(unsupported_store(store))
    }
}

/// The export's rule in one place: the right campaign, and nothing in flight.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn check_export(stored: &str, campaign: Option<&str>, open: u64) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(name) = campaign.filter(|name| *name != stored) {
        return Err(format!("--campaign {name}: the store holds campaign `{stored}`").into());
    }
    if open > 0 {
        return Err(format!("--export: {open} numbers are still in flight; not finished, nothing exported").into());
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
fn export_sqlite(db: &str, campaign: Option<&str>, out: &mut dyn Write) -> Result<u64, Box<dyn std::error::Error>> {
    let store = sdk_sms::bulk::store::SqliteStore::open_existing(db)?;
    check_export(&store.identity().name, campaign, store.open_numbers()?)?;
    Ok(store.export(out)?)
}

#[cfg(not(feature = "sqlite"))]
fn export_sqlite(_: &str, _: Option<&str>, _: &mut dyn Write) -> Result<u64, Box<dyn std::error::Error>> {
    Err("--store sqlite:PATH needs the example built with `--features sqlite`".into())
}

#[cfg(feature = "postgres")]
fn export_postgres(url: &str, campaign: Option<&str>, out: &mut dyn Write) -> Result<u64, Box<dyn std::error::Error>> {
    let store = sdk_sms::bulk::pg::PgStore::open_existing(url)?;
    check_export(&store.identity().name, campaign, store.open_numbers()?)?;
    Ok(store.export(out)?)
}

#[cfg(not(feature = "postgres"))]
fn export_postgres(_: &str, _: Option<&str>, _: &mut dyn Write) -> Result<u64, Box<dyn std::error::Error>> {
    Err("--store postgres://... needs the example built with `--features postgres`".into())
}
