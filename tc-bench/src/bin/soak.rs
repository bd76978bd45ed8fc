//! Soak of every sdk-core parser of outside bytes (issue 26): millions of generated hostile cases through
//! `sdk_core::fuzz::run_case` — the same checks and generator as `sdk-core/tests/parsers.rs`, which runs a
//! short budget in CI — watching for a panic, a hang and memory growth.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin soak -- [--cases 1000000] [--first-seed 0]
//! ```
//!
//! `--cases` is per kind (SSE, envelope, files, query, endpoint, page, scrub). Each case is generated from
//! its seed, so a failure is replayed with `--first-seed SEED --cases 1`. A watchdog thread fails the run
//! when one case takes longer than 10 s (a hang: every parser is a single pass over at most a few KiB);
//! the resident set size is sampled every 100,000 cases and the run fails if it grows by more than
//! 64 MiB over the first sample (unbounded memory). Panics are caught per case, reported with the kind and
//! seed, and make the exit status 1.
//!
//! Lives in tc-bench (not an example of sdk-core) because it is a long run that needs a release build, as
//! the other binaries here do, and keeps sdk-core's published package free of it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sdk_core::fuzz;

/// One case taking longer than this is a hang.
const HANG: Duration = Duration::from_secs(10);
/// Growth of the resident set over the first sample that counts as unbounded memory.
const RSS_GROWTH_LIMIT: u64 = 64 * 1024 * 1024;
const SAMPLE_EVERY: u64 = 100_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let cases = flag("--cases", 1_000_000);
    let first = flag("--first-seed", 0);
    // Quiet panics: each is reported once below with its kind and seed.
    std::panic::set_hook(Box::new(|_| {}));
    let progress = Arc::new(AtomicU64::new(0));
    watchdog(progress.clone());
    let started = Instant::now();
    let mut failures = 0u64;
    let mut rss = RssWatch::new();
    for (k, kind) in fuzz::KINDS.iter().enumerate() {
        let kind_started = Instant::now();
        for seed in first..first + cases {
            progress.store(((k as u64) << 56) | (seed & ((1 << 56) - 1)), Ordering::Relaxed);
            if let Err(panic) = std::panic::catch_unwind(|| fuzz::run_case(kind, seed)) {
                failures += 1;
                let what = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("?");
                println!("FAIL kind={kind} seed={seed} (replay: --first-seed {seed} --cases 1): {what}");
            }
            if seed % SAMPLE_EVERY == 0 {
                rss.sample();
            }
        }
        println!(
            "{kind:>9}: {cases} cases in {:.1} s",
            kind_started.elapsed().as_secs_f64()
        );
    }
    rss.sample();
    let total = cases * fuzz::KINDS.len() as u64;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "total: {total} cases in {elapsed:.1} s ({:.0} cases/s), {failures} failures; RSS first {} KiB, max {} KiB",
        total as f64 / elapsed,
        rss.first / 1024,
        rss.max / 1024
    );
    let grew = rss.max.saturating_sub(rss.first);
    if grew > RSS_GROWTH_LIMIT {
        println!("FAIL: resident memory grew by {} KiB", grew / 1024);
        failures += 1;
    }
    std::process::exit(if failures == 0 { 0 } else { 1 });
}

/// Fails the run when the case in progress has not changed for [`HANG`].
fn watchdog(progress: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        let mut last = u64::MAX;
        loop {
            std::thread::sleep(HANG);
            let now = progress.load(Ordering::Relaxed);
            if now == last {
                let kind = fuzz::KINDS.get((now >> 56) as usize).copied().unwrap_or("?");
                println!("FAIL: hang in kind={kind} seed={}", now & ((1 << 56) - 1));
                std::process::exit(2);
            }
            last = now;
        }
    });
}

/// Samples of the resident set size (Linux `/proc/self/statm`; zero elsewhere).
struct RssWatch {
    first: u64,
    max: u64,
    sampled: bool,
}

impl RssWatch {
    fn new() -> RssWatch {
        RssWatch {
            first: 0,
            max: 0,
            sampled: false,
        }
    }

    fn sample(&mut self) {
        let rss = resident_bytes();
        if !self.sampled {
            self.first = rss;
            self.sampled = true;
        }
        self.max = self.max.max(rss);
    }
}

fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
