//! `tc-emulator` binary: serve the emulator until killed.
//!
//! ```text
//! tc-emulator [--port 9000] [--bind 127.0.0.1] [--secret-id ID --secret-key KEY [--token T]]
//!             [--spec-root DIR] [--clock-offset SECS] [--request-log N] [--echo]
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

use tc_emulator::{Emulator, Fault, StatusCallback, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const USAGE: &str = "usage: tc-emulator [--port N] [--bind IP] [--secret-id ID --secret-key KEY [--token T]] \
[--spec-root DIR] [--clock-offset SECS] [--request-log N] [--echo] [--fault SPEC]... [--latency-ms MS] [--error-code CODE] \
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

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut builder = Emulator::builder();
    let mut bind: IpAddr = [127, 0, 0, 1].into();
    let mut port = 0u16;
    let (mut id, mut key, mut token) = (None, None, None);
    let mut faults = Vec::new();
    let mut quick = Vec::new();
    let (mut share, mut first, mut action) = (None, None, None);
    let mut callback: Option<StatusCallback> = None;
    let mut callback_options = Vec::new();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}\n\n{HELP}");
                return Ok(());
            }
            "--port" => port = value()?.parse().map_err(|_| "--port takes a number")?,
            "--bind" => bind = value()?.parse().map_err(|_| "--bind takes an IP address")?,
            "--secret-id" => id = Some(value()?),
            "--secret-key" => key = Some(value()?),
            "--token" => token = Some(value()?),
            "--spec-root" => builder = builder.spec_root(value()?),
            "--clock-offset" => {
                builder = builder.clock_offset(value()?.parse().map_err(|_| "--clock-offset takes seconds")?)
            }
            "--request-log" => {
                builder = builder.request_log_capacity(value()?.parse().map_err(|_| "--request-log takes a count")?)
            }
            "--echo" => builder = builder.echo(true),
            "--stream-events" => {
                builder = builder.stream_events(value()?.parse().map_err(|_| "--stream-events takes a count")?)
            }
            "--stream-done" => builder = builder.stream_done_marker(true),
            "--stream-delay-ms" => {
                builder = builder.stream_delay(Duration::from_millis(
                    value()?.parse().map_err(|_| "--stream-delay-ms takes milliseconds")?,
                ))
            }
            "--fault" => faults.push(value()?.parse::<Fault>()?),
            "--latency-ms" => quick.push(Fault::latency(Duration::from_millis(
                value()?.parse().map_err(|_| "--latency-ms takes milliseconds")?,
            ))),
            "--error-code" => quick.push(Fault::error_code(value()?)),
            "--fault-share" => share = Some(value()?.parse::<f64>().map_err(|_| "--fault-share takes 0..=1")?),
            "--fault-first" => first = Some(value()?.parse::<u64>().map_err(|_| "--fault-first takes a count")?),
            "--fault-action" => action = Some(value()?),
            "--status-callback" => callback = Some(StatusCallback::new(value()?)),
            "--callback-delay-ms" | "--callback-loss" | "--callback-duplicates" | "--callback-seed" => {
                callback_options.push((flag.clone(), value()?))
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    for mut f in quick {
        if let Some(p) = share {
            f = f.share(p);
        }
        if let Some(n) = first {
            f = f.first(n);
        }
        if let Some(a) = &action {
            f = f.action(a.clone());
        }
        faults.push(f);
    }
    for f in faults {
        builder = builder.fault(f);
    }
    match (callback, callback_options.first()) {
        (Some(c), _) => builder = builder.status_callback(callback_with(c, &callback_options)?),
        (None, Some((flag, _))) => return Err(format!("{flag} needs --status-callback URL")),
        (None, None) => {}
    }
    let custom = match (id, key) {
        (Some(id), Some(key)) => {
            builder = match token {
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
    builder = builder.bind(SocketAddr::new(bind, port));
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
