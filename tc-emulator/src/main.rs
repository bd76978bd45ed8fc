//! `tc-emulator` binary: serve the emulator until killed.
//!
//! ```text
//! tc-emulator [--port 9000] [--bind 127.0.0.1] [--secret-id ID --secret-key KEY [--token T]]
//!             [--spec-root DIR] [--clock-offset SECS] [--request-log N] [--request-log-bytes N] [--echo]
//!             [--fault SPEC]... [--latency-ms MS] [--error-code CODE] [--fault-share P] [--fault-first N]
//!             [--fault-action NAME] [--stream-events N] [--stream-delay-ms MS] [--stream-done]
//!             [--status-callback URL [--callback-delay-ms N] [--callback-loss P] [--callback-duplicates P]
//!              [--callback-seed N]]
//! ```
//!
//! `--fault` takes `KIND[,share=P|,first=N][,action=NAME][,message=TEXT][,after]` with KIND one of `latency=MS`,
//! `error=CODE`, `reset`, `502`, `truncate`, `non-json`; repeat it for several rules. The short flags
//! `--latency-ms` and `--error-code` make one rule each, scoped by `--fault-share`/`--fault-first`/`--fault-action`.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tc_emulator::{Emulator, EmulatorBuilder, Fault, StatusCallback, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const USAGE: &str = "usage: tc-emulator [--port N] [--bind IP] [--secret-id ID --secret-key KEY [--token T]] \
[--spec-root DIR] [--clock-offset SECS] [--request-log N] [--request-log-bytes N] [--echo] [--fault SPEC]... [--latency-ms MS] [--error-code CODE] \
[--fault-share P] [--fault-first N] [--fault-action NAME] [--stream-events N] [--stream-delay-ms MS] [--stream-done] \
[--status-callback URL [--callback-delay-ms N] [--callback-loss P] [--callback-duplicates P] [--callback-seed N]]";

const HELP: &str = "\
A Tencent Cloud API 3.0 server on loopback: verifies TC3 and legacy signatures, validates parameters against
the specs, answers from the examples; SMS 2021-01-11 is stateful.

Options:
  --port N, --bind IP           where to listen (default 127.0.0.1, an ephemeral port)
  --secret-id ID --secret-key KEY [--token T]
                                the only credential accepted (default: the printed emulator pair)
  --spec-root DIR               serve the specs under DIR/<product>/<version>/api.json
  --clock-offset SECS           shift the emulator's clock (AuthFailure.SignatureExpire, Date header)
  --request-log N               keep the last N requests for GET /_emulator/requests (0: none)
  --request-log-bytes N         ... and at most about N bytes of them (default 64 MiB)
  --echo                        answer every verified request, of any action, with what the verifier saw
  --stream-events N             events per streaming answer (a request with \"Stream\": true; default 5)
  --stream-delay-ms MS          pause between the events of a streaming answer (default 0)
  --stream-done                 end each complete streaming answer with `data: [DONE]`
                                (mode, signed headers, common parameters, decoded parameters), to test a
                                client or signer

SMS status reports (Tencent's \"Sending Status Notification\" callback):
  --status-callback URL         after each SendSms, POST the accepted numbers' reports to http://HOST:PORT/PATH
  --callback-delay-ms N         defer each POST by N ms
  --callback-loss P             drop that share of reports (0..1)
  --callback-duplicates P       push that share of reports twice (0..1)
  --callback-seed N             seed of the loss and duplicate decisions (same seed, same reports)

Faults (--fault SPEC, repeatable; SPEC is KIND[,OPTION=VALUE...]):
  latency=MS                    delay the answer:            --fault latency=300ms
  error=CODE                    answer with a service error: --fault error=RequestLimitExceeded,first=2
  reset                         reset the connection:        --fault reset,action=SendSms
  502                           an nginx 502 HTML page:      --fault 502,share=0.1
  truncate                      cut the JSON body in half:   --fault truncate,first=1
  non-json                      a body that is not JSON:     --fault non-json,action=DescribeSmsSignList
  stream-reset=N                N events of a stream, reset: --fault stream-reset=3
  stream-stall=N                N events, then silence:      --fault stream-stall=1,first=1
  stream-error=N                N events, an error event:    --fault stream-error=2,message=overloaded
  options: first=N (only the first N matching requests), share=P (that share of them, 0..1),
           action=NAME (only that action), message=TEXT (error message),
           after (run the action first, so an SMS is sent, then fail: --fault reset,action=SendSms,after)
  shorthand: --latency-ms MS, --error-code CODE with --fault-share P, --fault-first N, --fault-action NAME

Preloaded SMS (2021-01-11), as in Tencent's SendSms guide:
  SmsSdkAppId 1400006666, SignName 腾讯云 (sign id 1110, approved),
  TemplateId 1110 \"您的验证码是{1}，请于{2}分钟内填写。\" (approved, two parameters)

Admin API (/_emulator/...): GET health needs nothing; every other path needs the header
  x-emulator-admin-token: <printed at start>, and POST/DELETE need Content-Type: application/json.
  GET requests | stats | sms/sent | sms/signs | sms/templates | faults;  POST reset | clock {\"OffsetSeconds\":N}
  | faults {\"Fault\":\"SPEC\"} | sms/{signs|templates}/ID/{approve|reject};  DELETE faults";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tc-emulator: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `--callback-*` options applied to the `--status-callback` URL.
fn callback_with(mut c: StatusCallback, options: &[(String, String)]) -> Result<StatusCallback, String> {
    for (flag, value) in options {
        let share = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("{flag} takes a share within 0..=1"))
        };
        c = match flag.as_str() {
            "--callback-delay-ms" => c.delay(Duration::from_millis(
                value.parse().map_err(|_| format!("{flag} takes milliseconds"))?,
            )),
            "--callback-loss" => c.loss(share()?),
            "--callback-duplicates" => c.duplicates(share()?),
            _ => c.seed(value.parse().map_err(|_| format!("{flag} takes a number"))?),
        };
    }
    Ok(c)
}

/// What the command line asked for, before it becomes a builder.
struct Args {
    builder: EmulatorBuilder,
    bind: IpAddr,
    port: u16,
    id: Option<String>,
    key: Option<String>,
    token: Option<String>,
    faults: Vec<Fault>,
    /// `--latency-ms`/`--error-code` rules, scoped by `share`, `first`, `action`.
    quick: Vec<Fault>,
    share: Option<f64>,
    first: Option<u64>,
    action: Option<String>,
    callback: Option<StatusCallback>,
    callback_options: Vec<(String, String)>,
}

fn run() -> Result<(), String> {
    let Some(args) = parse_args(std::env::args().skip(1))? else {
        println!("{USAGE}\n\n{HELP}");
        return Ok(());
    };
    let (builder, custom) = args.into_builder()?;
    serve(builder, custom)
}

/// The flags, or `None` for `--help`.
fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        builder: Emulator::builder(),
        bind: [127, 0, 0, 1].into(),
        port: 0,
        id: None,
        key: None,
        token: None,
        faults: Vec::new(),
        quick: Vec::new(),
        share: None,
        first: None,
        action: None,
        callback: None,
        callback_options: Vec::new(),
    };
    while let Some(flag) = argv.next() {
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--echo" => a.builder = std::mem::take(&mut a.builder).echo(true),
            "--stream-done" => a.builder = std::mem::take(&mut a.builder).stream_done_marker(true),
            _ => {}
        }
        if matches!(flag.as_str(), "--echo" | "--stream-done") {
            continue;
        }
        let value = argv.next().ok_or_else(|| format!("{flag} needs a value"));
        if !a.server_flag(&flag, &value)? {
            a.fault_flag(&flag, value)?;
        }
    }
    Ok(Some(a))
}

fn number<T: std::str::FromStr>(value: &Result<String, String>, what: &str) -> Result<T, String> {
    value.clone()?.parse().map_err(|_| what.to_owned())
}

impl Args {
    /// A flag about the server itself; `false` when `flag` is not one.
    fn server_flag(&mut self, flag: &str, value: &Result<String, String>) -> Result<bool, String> {
        let b = std::mem::take(&mut self.builder);
        self.builder = match flag {
            "--port" => {
                self.port = number(value, "--port takes a number")?;
                b
            }
            "--bind" => {
                self.bind = number(value, "--bind takes an IP address")?;
                b
            }
            "--spec-root" => b.spec_root(value.clone()?),
            "--clock-offset" => b.clock_offset(number(value, "--clock-offset takes seconds")?),
            "--request-log" => b.request_log_capacity(number(value, "--request-log takes a count")?),
            "--request-log-bytes" => {
                b.request_log_max_bytes(number(value, "--request-log-bytes takes a size in bytes")?)
            }
            "--stream-events" => b.stream_events(number(value, "--stream-events takes a count")?),
            "--stream-delay-ms" => b.stream_delay(Duration::from_millis(number(
                value,
                "--stream-delay-ms takes milliseconds",
            )?)),
            _ => {
                self.builder = b;
                return Ok(false);
            }
        };
        Ok(true)
    }

    /// Credentials, faults and the status callback.
    fn fault_flag(&mut self, flag: &str, value: Result<String, String>) -> Result<(), String> {
        match flag {
            "--secret-id" => self.id = Some(value?),
            "--secret-key" => self.key = Some(value?),
            "--token" => self.token = Some(value?),
            "--fault" => self.faults.push(value?.parse::<Fault>()?),
            "--latency-ms" => self.quick.push(Fault::latency(Duration::from_millis(number(
                &value,
                "--latency-ms takes milliseconds",
            )?))),
            "--error-code" => self.quick.push(Fault::error_code(value?)),
            "--fault-share" => self.share = Some(number(&value, "--fault-share takes 0..=1")?),
            "--fault-first" => self.first = Some(number(&value, "--fault-first takes a count")?),
            "--fault-action" => self.action = Some(value?),
            "--status-callback" => self.callback = Some(StatusCallback::new(value?)),
            "--callback-delay-ms" | "--callback-loss" | "--callback-duplicates" | "--callback-seed" => {
                self.callback_options.push((flag.to_owned(), value?))
            }
            other => return Err(format!("unknown argument {other}")),
        }
        Ok(())
    }

    /// The builder, and the custom credential when one was given (to print).
    fn into_builder(mut self) -> Result<(EmulatorBuilder, Option<(String, String)>), String> {
        let mut builder = std::mem::take(&mut self.builder);
        for mut f in std::mem::take(&mut self.quick) {
            if let Some(p) = self.share {
                f = f.share(p);
            }
            if let Some(n) = self.first {
                f = f.first(n);
            }
            if let Some(a) = &self.action {
                f = f.action(a.clone());
            }
            self.faults.push(f);
        }
        for f in self.faults {
            builder = builder.fault(f);
        }
        match (self.callback, self.callback_options.first()) {
            (Some(c), _) => builder = builder.status_callback(callback_with(c, &self.callback_options)?),
            (None, Some((flag, _))) => return Err(format!("{flag} needs --status-callback URL")),
            (None, None) => {}
        }
        let custom = match (self.id, self.key) {
            (Some(id), Some(key)) => {
                builder = match self.token {
                    Some(t) => builder.temporary_credential(id.clone(), key.clone(), t),
                    None => builder.credential(id.clone(), key.clone()),
                };
                Some((id, key))
            }
            (None, None) => None,
            _ => return Err("--secret-id and --secret-key go together".into()),
        };
        if custom.is_some() {
            builder = builder.without_default_credential();
        }
        Ok((builder.bind(SocketAddr::new(self.bind, self.port)), custom))
    }
}

/// Start, print what a user needs, serve until killed.
fn serve(builder: EmulatorBuilder, custom: Option<(String, String)>) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let emulator = builder.start().await.map_err(|e| e.to_string())?;
        let (sid, skey) = custom.unwrap_or_else(|| (DEFAULT_SECRET_ID.into(), DEFAULT_SECRET_KEY.into()));
        println!("tc-emulator listening on {}", emulator.base_url());
        println!("TENCENTCLOUD_SECRET_ID={sid}");
        println!("TENCENTCLOUD_SECRET_KEY={skey}");
        println!(
            "SMS preloaded: SmsSdkAppId={} SignName={} TemplateId={} (\"{}\")",
            tc_emulator::SEED_SDK_APP_ID,
            tc_emulator::SEED_SIGN_NAME,
            tc_emulator::SEED_TEMPLATE_ID,
            tc_emulator::SEED_TEMPLATE_CONTENT
        );
        println!(
            "admin: header {}: {}",
            tc_emulator::ADMIN_TOKEN_HEADER,
            emulator.admin_token()
        );
        for (p, v) in emulator.served() {
            println!("serving {p} {v}");
        }
        for h in emulator.fault_hits() {
            println!("fault {}", h.fault);
        }
        std::future::pending::<()>().await;
        #[allow(unreachable_code)]
        Ok::<(), String>(())
    })
}
