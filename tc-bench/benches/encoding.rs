//! Encoding a request to JSON: the generated `Serialize` (`sdk_core::ser`: one non-generic member list per
//! struct, the generic code written once) vs `#[derive(Serialize)]` on a struct with the same members, wire
//! names and skip rules, measured in the same run. The generated form was chosen for compile cost (issue
//! 16); this says what it costs at run time. Two SendSms requests: one number, and 200 numbers (the most a
//! call takes).
//!
//! ```sh
//! cargo bench -p tc-bench --bench encoding
//! ```
//!
//! Prints criterion's estimates, then per case the interleaved ratio `generated/derive` over 21 rounds
//! (`RATIO median (min–max)`), the figure to quote on a shared machine.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use serde::Serialize;

use sdk_sms::v20210111::SendSmsRequest;

/// `SendSmsRequest` as `#[derive(Serialize)]` would encode it.
#[derive(Serialize)]
struct DerivedSendSms {
    #[serde(rename = "PhoneNumberSet")]
    phone_number_set: Vec<String>,
    #[serde(rename = "SmsSdkAppId")]
    sms_sdk_app_id: String,
    #[serde(rename = "TemplateId")]
    template_id: String,
    #[serde(rename = "SignName", skip_serializing_if = "Option::is_none")]
    sign_name: Option<String>,
    #[serde(rename = "TemplateParamSet", skip_serializing_if = "Option::is_none")]
    template_param_set: Option<Vec<String>>,
    #[serde(rename = "ExtendCode", skip_serializing_if = "Option::is_none")]
    extend_code: Option<String>,
    #[serde(rename = "SessionContext", skip_serializing_if = "Option::is_none")]
    session_context: Option<String>,
    #[serde(rename = "SenderId", skip_serializing_if = "Option::is_none")]
    sender_id: Option<String>,
}

fn derived(r: &SendSmsRequest) -> DerivedSendSms {
    DerivedSendSms {
        phone_number_set: r.phone_number_set.clone(),
        sms_sdk_app_id: r.sms_sdk_app_id.clone(),
        template_id: r.template_id.clone(),
        sign_name: r.sign_name.clone(),
        template_param_set: r.template_param_set.clone(),
        extend_code: r.extend_code.clone(),
        session_context: r.session_context.clone(),
        sender_id: r.sender_id.clone(),
    }
}

/// The two cases: (name, generated request, its derived twin). Both must encode to the same bytes.
fn cases() -> Vec<(&'static str, SendSmsRequest, DerivedSendSms)> {
    let one = tc_bench::send_sms_request();
    let mut many = tc_bench::send_sms_request();
    many.phone_number_set = (0..200).map(|i| format!("+86185{i:08}")).collect();
    [("send_sms_1_number", one), ("send_sms_200_numbers", many)]
        .into_iter()
        .map(|(name, r)| {
            let d = derived(&r);
            assert_eq!(
                serde_json::to_vec(&r).unwrap(),
                serde_json::to_vec(&d).unwrap(),
                "{name}: the generated and derived encodings differ"
            );
            (name, r, d)
        })
        .collect()
}

fn encoding(c: &mut Criterion) {
    for (name, generated, derived) in cases() {
        let mut group = c.benchmark_group(name);
        let mut buf = Vec::with_capacity(16 * 1024);
        group.bench_function("generated", |b| {
            b.iter(|| {
                buf.clear();
                serde_json::to_writer(&mut buf, black_box(&generated)).unwrap();
            })
        });
        group.bench_function("derive", |b| {
            b.iter(|| {
                buf.clear();
                serde_json::to_writer(&mut buf, black_box(&derived)).unwrap();
            })
        });
        group.finish();
    }
}

/// Alternates batches of both encoders, 21 rounds per case; prints the per-round time ratio.
fn interleaved() {
    for (name, generated, derived) in cases() {
        let batch: u32 = if name.ends_with("1_number") { 200_000 } else { 5_000 };
        let mut buf = Vec::with_capacity(16 * 1024);
        let mut time = |value: &dyn erased::Encode| {
            let t = Instant::now();
            for _ in 0..batch {
                buf.clear();
                value.encode(&mut buf);
            }
            t.elapsed().as_secs_f64() * 1e9 / f64::from(batch)
        };
        let mut rows = Vec::new();
        for round in 0..21 {
            let (g, d) = if round % 2 == 0 {
                let g = time(&generated);
                (g, time(&derived))
            } else {
                let d = time(&derived);
                (time(&generated), d)
            };
            rows.push((g / d, g, d));
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (ratio, g, d) = rows[rows.len() / 2];
        println!(
            "RATIO {name}: generated / derive = {ratio:.2} (min {:.2}, max {:.2}; median round: {g:.0} ns vs {d:.0} ns)",
            rows[0].0,
            rows[rows.len() - 1].0
        );
    }
}

/// One call shape for both encoders in the interleaved loop (the call itself is the same for both).
mod erased {
    pub trait Encode {
        fn encode(&self, buf: &mut Vec<u8>);
    }
    impl<T: serde::Serialize> Encode for T {
        fn encode(&self, buf: &mut Vec<u8>) {
            serde_json::to_writer(buf, std::hint::black_box(self)).unwrap();
        }
    }
}

criterion_group!(benches, encoding);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` / clippy builds run this binary without `--bench`: keep that fast.
    if std::env::args().any(|a| a == "--bench") {
        interleaved();
    }
}
