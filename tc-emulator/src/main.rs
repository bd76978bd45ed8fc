//! `tc-emulator` binary: serve the emulator until killed.
//!
//! ```text
//! tc-emulator [--port 9000] [--bind 127.0.0.1] [--secret-id ID --secret-key KEY [--token T]]
//!             [--spec-root DIR] [--clock-offset SECS] [--request-log N]
//!             [--fault SPEC]... [--latency-ms MS] [--error-code CODE] [--fault-share P] [--fault-first N]
//!             [--fault-action NAME]
//! ```
//!
//! `--fault` takes `KIND[,share=P|,first=N][,action=NAME][,message=TEXT]` with KIND one of `latency=MS`,
//! `error=CODE`, `reset`, `502`, `truncate`, `non-json`; repeat it for several rules. The short flags
//! `--latency-ms` and `--error-code` make one rule each, scoped by `--fault-share`/`--fault-first`/`--fault-action`.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tc_emulator::{Emulator, Fault, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const USAGE: &str = "usage: tc-emulator [--port N] [--bind IP] [--secret-id ID --secret-key KEY [--token T]] \
[--spec-root DIR] [--clock-offset SECS] [--request-log N] [--fault SPEC]... [--latency-ms MS] [--error-code CODE] \
[--fault-share P] [--fault-first N] [--fault-action NAME]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tc-emulator: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
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
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
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
            "--fault" => faults.push(value()?.parse::<Fault>()?),
            "--latency-ms" => quick.push(Fault::latency(Duration::from_millis(
                value()?.parse().map_err(|_| "--latency-ms takes milliseconds")?,
            ))),
            "--error-code" => quick.push(Fault::error_code(value()?)),
            "--fault-share" => share = Some(value()?.parse::<f64>().map_err(|_| "--fault-share takes 0..=1")?),
            "--fault-first" => first = Some(value()?.parse::<u64>().map_err(|_| "--fault-first takes a count")?),
            "--fault-action" => action = Some(value()?),
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
