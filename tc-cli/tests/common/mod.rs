//! Running the built `tcli` as a process, with its own HOME and no TENCENTCLOUD_* settings, and a canned
//! answer server for output tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static HOMES: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty HOME for one test.
pub fn home() -> PathBuf {
    let n = HOMES.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("tcli-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tcli args...` with `home` as HOME.
pub fn tcli(home: &std::path::Path, args: &[String]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tcli"));
    cmd.args(args).env("HOME", home).env_remove("TCCLI_PROFILE");
    for (k, _) in std::env::vars() {
        if k.starts_with("TENCENTCLOUD_") || k.starts_with("TKE_") {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("run tcli")
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Common options for a call to `base_url` with the emulator's default credential.
pub fn common(base_url: &str) -> Vec<String> {
    strings(&[
        "--region",
        "ap-guangzhou",
        "--secretId",
        tc_emulator::DEFAULT_SECRET_ID,
        "--secretKey",
        tc_emulator::DEFAULT_SECRET_KEY,
        "--endpoint",
        base_url,
    ])
}

/// One request as the canned server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A loopback server answering every request with `{"Response": answer}` (set per test), recording what
/// it received. Serves one connection at a time on a thread; ends with the test process.
pub struct Canned {
    pub url: String,
    pub answer: Arc<Mutex<String>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Canned {
    pub fn start() -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new(String::from("{}")));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (a, s) = (answer.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &a, &s);
            }
        });
        Canned { url, answer, seen }
    }
}

fn serve(stream: std::net::TcpStream, answer: &Mutex<String>, seen: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut headers = Vec::new();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
                if k == "content-length" {
                    len = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        seen.lock().unwrap().push(Seen {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let data = format!("{{\"Response\": {}}}", answer.lock().unwrap());
        let mut w = &stream;
        write!(
            w,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{data}",
            data.len()
        )?;
        w.flush()?;
    }
}
