//! TC3 signing of a SendSms request: `sdk_core::sign::sign` (canonical request → string to sign → derived
//! key → Authorization header) vs the primitive chain no signer can beat, measured in the same run:
//! SHA-256 of the payload, SHA-256 of the canonical request, three HMAC-SHA256 for the derived key, one
//! HMAC-SHA256 for the signature, on inputs of exactly the sizes the signer hashes (no formatting, no hex).
//!
//! ```sh
//! cargo bench -p tc-bench --bench signing
//! ```
//!
//! After criterion's two estimates (measured one after the other), an interleaved measurement alternates
//! batches of both within each of 21 rounds and prints the per-round ratio `sign/chain`: on a shared,
//! noisy machine that ratio is the figure to quote (`RATIO median (min–max)`).

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use sdk_core::sign::{sign, Payload, SignParams, JSON_CONTENT_TYPE};

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

struct Inputs {
    body: Vec<u8>,
    canonical_request: Vec<u8>,
    string_to_sign: Vec<u8>,
    secret: Vec<u8>,
    date: Vec<u8>,
}

fn params(body: &[u8]) -> SignParams<'_> {
    SignParams {
        method: "POST",
        host: "sms.tencentcloudapi.com",
        path: "/",
        query: "",
        content_type: JSON_CONTENT_TYPE,
        payload: Payload::Bytes(body),
        timestamp: 1_767_225_600,
        service: "sms",
        secret_id: tc_bench::SECRET_ID,
        secret_key: tc_bench::SECRET_KEY,
        extra_headers: &[],
    }
}

fn inputs() -> Inputs {
    let body = serde_json::to_vec(&tc_bench::send_sms_request()).unwrap();
    // The chain works on the very strings the signer builds, computed once here.
    let signed = sign(&params(&body));
    Inputs {
        canonical_request: signed.canonical_request.into_bytes(),
        string_to_sign: signed.string_to_sign.into_bytes(),
        secret: format!("TC3{}", tc_bench::SECRET_KEY).into_bytes(),
        date: signed.date.into_bytes(),
        body,
    }
}

/// What any TC3 signer must compute, and nothing else.
fn chain(i: &Inputs) -> impl Sized {
    let payload_hash = Sha256::digest(black_box(&i.body));
    let request_hash = Sha256::digest(black_box(&i.canonical_request));
    let k_date = hmac(black_box(&i.secret), black_box(&i.date));
    let k_service = hmac(&k_date, b"sms");
    let k_signing = hmac(&k_service, b"tc3_request");
    let signature = hmac(&k_signing, black_box(&i.string_to_sign));
    (payload_hash, request_hash, signature)
}

fn signing(c: &mut Criterion) {
    let i = inputs();
    let params = params(&i.body);
    let mut group = c.benchmark_group("tc3_sign_send_sms");
    group.bench_function("sdk_core::sign", |b| {
        b.iter(|| sign(black_box(&params)).authorization);
    });
    group.bench_function("primitive_chain", |b| {
        b.iter(|| chain(&i));
    });
    group.finish();
}

/// Alternates batches of the signer and the chain, 21 rounds; prints the per-round time ratio.
fn interleaved() {
    let i = inputs();
    let params = params(&i.body);
    const BATCH: u32 = 20_000;
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..BATCH {
            f();
        }
        t.elapsed().as_secs_f64() * 1e9 / f64::from(BATCH)
    };
    let mut rows = Vec::new();
    for round in 0..21 {
        let mut s = || {
            black_box(sign(black_box(&params)).authorization);
        };
        let mut c = || {
            black_box(chain(&i));
        };
        let (sign_ns, chain_ns) = if round % 2 == 0 {
            let a = time(&mut s);
            (a, time(&mut c))
        } else {
            let b = time(&mut c);
            (time(&mut s), b)
        };
        rows.push((sign_ns / chain_ns, sign_ns, chain_ns));
    }
    rows.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let (ratio, sign_ns, chain_ns) = rows[rows.len() / 2];
    println!(
        "RATIO sdk_core::sign / primitive_chain = {ratio:.2} (min {:.2}, max {:.2}; median round: {sign_ns:.0} ns vs {chain_ns:.0} ns)",
        rows[0].0,
        rows[rows.len() - 1].0
    );
}

criterion_group!(benches, signing);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` / clippy builds run this binary without `--bench`: keep that fast.
    if std::env::args().any(|a| a == "--bench") {
        interleaved();
    }
}
