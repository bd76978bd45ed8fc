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
//! `--resend N` (times a number proven not sent may be sent again; default 0). The journal holds phone
//! numbers: keep it private and delete it when done.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use sdk_sms::bulk::{BulkConfig, BulkSender, JsonlJournal, Outcome, Recipient, Status};
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
            "-h" | "--help" => return Err("see the top of examples/bulk_send.rs for usage".into()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            path if args.csv.is_none() => args.csv = Some(path.to_owned()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(args)
}

/// One CSV line: fields split on commas; a field in double quotes may hold commas (`""` is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_owned()),
            (c, _) => field.push(c),
        }
    }
    fields.push(field.trim().to_owned());
    fields
}

/// Reads the CSV lazily: a campaign of millions never holds them all. Errors name the line, not its text
/// (which holds a phone number).
fn read_csv(path: &str) -> Result<impl Iterator<Item = Result<Recipient, String>> + Send + 'static, String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let path = path.to_owned();
    let lines = BufReader::new(file).lines().enumerate();
    Ok(lines.filter_map(move |(n, line)| {
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err(format!("{path} line {}: {e}", n + 1))),
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || (n == 0 && trimmed.starts_with("number")) {
            return None;
        }
        let mut fields = csv_fields(trimmed).into_iter();
        let number = fields.next().unwrap_or_default();
        let params: Vec<String> = fields.collect();
        let recipient = Recipient::new(number);
        Some(Ok(if params.is_empty() {
            recipient
        } else {
            recipient.params(params)
        }))
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
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());

    // The emulator (when used) must stay alive for the whole run.
    let use_emulator = args.endpoint.is_none() && std::env::var_os("TENCENTCLOUD_SECRET_ID").is_none();
    let (credential, endpoint, _emulator) = if use_emulator {
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
        .unwrap_or_else(|| env("TENCENTCLOUD_REGION", "ap-guangzhou"));
    let client = Client::with_profile(credential, region, ClientProfile::new().http_profile(http));

    let params = args.params.clone().unwrap_or_else(|| "4370,5".into());
    let mut config = BulkConfig::new(
        args.app.clone().unwrap_or_else(|| env("SMS_SDK_APP_ID", "1400006666")),
        args.template.clone().unwrap_or_else(|| env("SMS_TEMPLATE_ID", "1110")),
    )
    .sign_name(args.sign.clone().unwrap_or_else(|| env("SMS_SIGN_NAME", "腾讯云")))
    .template_params(csv_fields(&params))
    .resend_not_sent(args.resend.unwrap_or(0));
    if let Some(rate) = args.rate {
        config = config.rate_limit(rate);
    }
    if let Some(n) = args.concurrency {
        config = config.concurrency(n);
    }

    let journal_path = args.journal.clone().unwrap_or_else(|| "bulk_send.journal.jsonl".into());
    let journal = JsonlJournal::open(&journal_path)?;
    eprintln!("journal: {journal_path} (holds phone numbers: keep it private)");
    let input: Box<dyn Iterator<Item = Result<Recipient, String>> + Send> = match &args.csv {
        Some(path) => Box::new(read_csv(path)?),
        None => Box::new(demo_input()),
    };

    let sender = BulkSender::new(&client, config);
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
    Ok(())
}
