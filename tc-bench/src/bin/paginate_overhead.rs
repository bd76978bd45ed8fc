//! Paginator overhead: walking SMS templates with the generated `describe_sms_template_list_items` vs the
//! loop a caller writes by hand (`Offset += page length` until an empty page), same requests, same emulator,
//! interleaved in the same run.
//!
//! ```sh
//! cargo run --release -p tc-bench --bin paginate_overhead -- [--templates 1000] [--rounds 21]
//! ```
//!
//! Both walks send the same requests (pages of 100, then the empty page); the figure is the per-round ratio
//! paginator time / hand-written time (median and range), with the load average. What the paginator adds
//! per page: setting the offset in the serialized request and reading the list length from the raw
//! answer before decoding it.

use std::time::Instant;

use sdk_sms::v20210111::{AddSmsTemplateRequest, AddSmsTemplateRequired, Client, DescribeSmsTemplateListRequest};
use sdk_sms::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

const INTERNATIONAL: u64 = 1;
const WALKS_PER_ROUND: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let templates = flag("--templates", 1000);
    let rounds = flag("--rounds", 21);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(templates, rounds));
}

async fn run(templates: usize, rounds: usize) {
    let emu = Emulator::start().await.expect("emulator");
    let credential = Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).expect("credential");
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emu.base_url()));
    let client = Client::with_profile(credential, "ap-guangzhou", profile);
    for i in 0..templates {
        let request = AddSmsTemplateRequest::new(AddSmsTemplateRequired {
            template_name: format!("t{i}"),
            template_content: "Your code is {1}".into(),
            sms_type: 0,
            international: INTERNATIONAL,
            remark: "bench".into(),
        });
        client.add_sms_template(&request).await.expect("template added");
    }
    // Both walks see every template once, before anything is timed.
    assert_eq!(by_hand(&client).await, templates);
    assert_eq!(by_paginator(&client).await, templates);
    let mut ratios = Vec::new();
    for round in 0..rounds {
        let (mut hand, mut paged) = (0.0, 0.0);
        for walk in 0..WALKS_PER_ROUND * 2 {
            // Alternate which goes first, so neither always runs on a warmer machine.
            let paginator_now = (walk + round) % 2 == 0;
            let start = Instant::now();
            if paginator_now {
                by_paginator(&client).await;
                paged += start.elapsed().as_secs_f64();
            } else {
                by_hand(&client).await;
                hand += start.elapsed().as_secs_f64();
            }
        }
        ratios.push(paged / hand);
    }
    ratios.sort_by(f64::total_cmp);
    let pages = templates / 100 + 1;
    println!("{templates} templates, {pages} requests per walk, {rounds} rounds of {WALKS_PER_ROUND} walks each way");
    println!(
        "paginator / hand-written loop: median {:.3}x (min {:.3}x, max {:.3}x)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    println!(
        "load average: {}",
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
}

/// The loop a caller writes without paginators; returns the templates seen.
async fn by_hand(client: &Client) -> usize {
    let mut offset = 0;
    loop {
        let request = DescribeSmsTemplateListRequest::new(INTERNATIONAL)
            .offset(offset)
            .limit(100);
        let page = client.describe_sms_template_list(&request).await.expect("page");
        let n = page.describe_template_status_set.len() as u64;
        if n == 0 {
            return offset as usize;
        }
        offset += n;
    }
}

async fn by_paginator(client: &Client) -> usize {
    let mut items = client.describe_sms_template_list_items(&DescribeSmsTemplateListRequest::new(INTERNATIONAL));
    let mut seen = 0;
    while let Some(item) = items.next_item().await {
        item.expect("item");
        seen += 1;
    }
    seen
}
