//! Issue 26 findings 6 and 7: files the SDK reads (credential and token files, `HttpProfile::certification`)
//! are checked on the opened handle, not on the path, so a FIFO (or a symlink flipped to one between a check
//! and the open) is an error at once instead of a thread blocked until a writer appears.
//!
//! A hang shows as a probe that does not answer within a generous bound (10 s, where an answer takes
//! microseconds): the bound detects a hang, it does not measure speed.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, SystemTime};

use sdk_core::credential::ProfileFileProvider;
use sdk_core::{ClientProfile, CommonClient, Credential, HttpProfile, ProvideCredential};

const HANG: Duration = Duration::from_secs(10);

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sdk-core-hostile-files-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `work` on its own thread and waits for it at most [`HANG`]; `None` when it hung. A hung thread is
/// released by opening `fifo` for writing (so the test process does not keep a blocked thread).
fn within_bound<T: Send + 'static>(fifo: &Path, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    match rx.recv_timeout(HANG) {
        Ok(value) => Some(value),
        Err(_) => {
            let _ = std::fs::OpenOptions::new().write(true).open(fifo);
            None
        }
    }
}

/// Finding 6: a symlink flipped between a valid profile file and a FIFO while a provider reads through it.
/// Checking the path and then opening it let the open land on the FIFO (2 hangs in 300 flips in the review);
/// every read now ends, with the credential or with "not a regular file".
#[test]
fn symlink_flipped_to_a_fifo_never_hangs_a_credential_read() {
    let dir = TempDir::new("flip");
    let real = dir.join("credentials");
    std::fs::write(
        &real,
        "[default]\nsecret_id = AKIDflip000000001\nsecret_key = KEY-flip\n",
    )
    .unwrap();
    // A modified time in the future: never served from the unchanged-file snapshot, always opened.
    let future = SystemTime::now() + Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&real)
        .unwrap()
        .set_modified(future)
        .unwrap();
    let fifo = dir.join("fifo");
    if !mkfifo(&fifo) {
        eprintln!("no mkfifo: skipped");
        return;
    }
    let link = dir.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (stop, link, real, fifo, tmp) = (stop.clone(), link.clone(), real.clone(), fifo.clone(), dir.join("tmp"));
        std::thread::spawn(move || {
            let mut flips = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for target in [&fifo, &real] {
                    let _ = std::fs::remove_file(&tmp);
                    std::os::unix::fs::symlink(target, &tmp).unwrap();
                    std::fs::rename(&tmp, &link).unwrap();
                    flips += 1;
                }
            }
            flips
        })
    };
    let provider = ProfileFileProvider::new().path(&link);
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..1500 {
        let provider = provider.clone();
        let read = within_bound(&fifo, move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(provider.provide_credential())
        });
        let Some(read) = read else {
            stop.store(true, Ordering::Relaxed);
            panic!("a credential read hung on the FIFO after {ok} reads and {refused} refusals");
        };
        match read {
            Ok(credential) => {
                assert_eq!(credential.secret_key(), "KEY-flip");
                ok += 1;
            }
            Err(e) => {
                assert!(e.to_string().contains("not a regular file"), "{e}");
                refused += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flipper.join().unwrap();
    assert!(
        flips > 0 && ok + refused == 1500,
        "{flips} flips, {ok} ok, {refused} refused"
    );
}

/// Finding 7: `HttpProfile::certification` naming a FIFO blocked `CommonClient::new` forever; it is now
/// refused at once, through the same reader as credential files, and the first call reports it.
#[test]
fn certification_naming_a_fifo_is_refused_at_once() {
    let dir = TempDir::new("cert-fifo");
    let fifo = dir.join("ca.pem");
    if !mkfifo(&fifo) {
        eprintln!("no mkfifo: skipped");
        return;
    }
    let path = fifo.clone();
    let built = within_bound(&fifo, move || {
        let profile =
            ClientProfile::new().http_profile(HttpProfile::new().endpoint("127.0.0.1:9").certification(&path));
        let client = CommonClient::new(
            "sms",
            "2021-01-11",
            Credential::new("AKIDcertfifo00001", "KEY").unwrap(),
            "ap-guangzhou",
            profile,
        );
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(client.call_json("DescribeSmsSignList", &serde_json::json!({})))
    });
    let e = built
        .expect("building a client with a FIFO as certification file hung")
        .unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("HttpProfile.certification") && shown.contains("not a regular file"),
        "{shown}"
    );

    // The size rule too: a file larger than the bound is refused without being read whole.
    let big = dir.join("big.pem");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(sdk_core::transport::MAX_CERTIFICATION_FILE_SIZE + 1)
        .unwrap();
    let client = CommonClient::new(
        "sms",
        "2021-01-11",
        Credential::new("AKIDcertbig000001", "KEY").unwrap(),
        "ap-guangzhou",
        ClientProfile::new().http_profile(HttpProfile::new().endpoint("127.0.0.1:9").certification(&big)),
    );
    let e = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(client.call_json("DescribeSmsSignList", &serde_json::json!({})))
        .unwrap_err();
    assert!(e.to_string().contains("more than"), "{e}");
}
