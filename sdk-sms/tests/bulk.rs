//! The bulk sender against the emulator over real HTTP: sizes around the 200-number limit, mixed regions,
//! malformed and repeated numbers, throttling, failures after and before the send is recorded, and a crash
//! followed by a resume from the journal. Every test checks, through the emulator's own record, that no
//! number was sent twice and that every input number has exactly one outcome.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use sdk_sms::bulk::{
    BulkConfig, BulkSender, Entry, JsonlJournal, NoJournal, NotSentReason, Outcome, Recipient, ReconcilePolicy, Status,
    Summary, ThrottlePolicy, MALFORMED_NUMBER_CODE,
};
use tc_emulator::{Emulator, Fault, SEED_SDK_APP_ID, SEED_SIGN_NAME};

use common::client;

/// Short pauses and one immediate reconciliation check, so the suite stays quick; nothing asserts timing.
fn config() -> BulkConfig {
    BulkConfig::new(SEED_SDK_APP_ID, "1110")
        .sign_name(SEED_SIGN_NAME)
        .template_params(["4370", "5"])
        .durable_dispatch(false)
        .throttle(ThrottlePolicy {
            base_pause: Duration::from_millis(4),
            max_pause: Duration::from_millis(40),
            slow_interval: Duration::from_millis(1),
            recover_after: 3,
        })
        .reconcile(ReconcilePolicy {
            checks: vec![Duration::ZERO],
            window_slack: Duration::from_secs(60),
        })
}

fn mainland(n: usize, from: usize) -> Vec<String> {
    (from..from + n).map(|i| format!("+86138{i:08}")).collect()
}

async fn run(sender: &BulkSender, numbers: &[String]) -> (Vec<Outcome>, Summary) {
    let input: Vec<Recipient> = numbers.iter().map(|n| Recipient::new(n.clone())).collect();
    let mut campaign = sender.send_iter(input, NoJournal);
    let mut outcomes = Vec::new();
    while let Some(o) = campaign.next().await {
        outcomes.push(o);
    }
    (outcomes, campaign.finish().await.unwrap())
}

/// One outcome per input position, and the emulator delivered each number at most once — exactly once
/// for each outcome that says `Sent`.
fn assert_exactly_once(emulator: &Emulator, inputs: usize, outcomes: &[Outcome]) {
    let indexes: HashSet<u64> = outcomes.iter().filter_map(|o| o.index).collect();
    assert_eq!(indexes.len(), outcomes.len(), "an input position has two outcomes");
    assert_eq!(outcomes.len(), inputs, "every input has an outcome");
    assert_sent_once(emulator, outcomes.iter());
}

fn assert_sent_once<'a>(emulator: &Emulator, outcomes: impl Iterator<Item = &'a Outcome>) {
    let counts = emulator.sms().send_counts();
    if let Some((_, n)) = counts.iter().find(|(_, n)| **n > 1) {
        panic!("a number was sent {n} times");
    }
    let sent: HashSet<&str> = outcomes
        .filter(|o| matches!(o.status, Status::Sent { .. }))
        .map(|o| o.number.as_str())
        .collect();
    let delivered: HashSet<&str> = counts.keys().map(String::as_str).collect();
    assert_eq!(
        sent, delivered,
        "outcomes that say Sent are exactly the numbers delivered"
    );
}

fn send_sms_requests(emulator: &Emulator) -> Vec<tc_emulator::RecordedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.action == "SendSms")
        .collect()
}

fn batch_sizes(emulator: &Emulator) -> Vec<usize> {
    send_sms_requests(emulator)
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["PhoneNumberSet"].as_array().unwrap().len()
        })
        .collect()
}

#[tokio::test]
async fn one_number_is_sent_with_its_serial_fee_and_batch_id() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let (outcomes, summary) = run(&sender, &["138 0000 0001".to_owned()]).await;
    assert_exactly_once(&emu, 1, &outcomes);
    let sent = &emu.sms().sent()[0];
    let o = &outcomes[0];
    assert_eq!(o.number, "+8613800000001", "normalized before sending");
    assert_eq!(
        o.status,
        Status::Sent {
            serial_no: sent.serial_no.clone(),
            fee: Some(1),
            code: "Ok".into(),
            reconciled: false
        }
    );
    assert_eq!(
        o.batch.as_deref(),
        Some(sent.session_context.as_str()),
        "the batch id is the SessionContext"
    );
    assert!(sent.session_context.starts_with("bulk-"));
    assert_eq!((summary.sent, summary.send_requests, summary.fee_total), (1, 1, 1));
    assert_eq!(summary.by_code.get("Ok"), Some(&1));
}

#[tokio::test]
async fn two_hundred_fit_one_request_and_two_hundred_one_take_two() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let (outcomes, _) = run(&sender, &mainland(200, 0)).await;
    assert_exactly_once(&emu, 200, &outcomes);
    assert_eq!(batch_sizes(&emu), [200]);

    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let (outcomes, summary) = run(&sender, &mainland(201, 0)).await;
    assert_exactly_once(&emu, 201, &outcomes);
    let mut sizes = batch_sizes(&emu);
    sizes.sort();
    assert_eq!(sizes, [1, 200]);
    assert_eq!(summary.sent, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_numbers_take_fifty_requests_and_each_is_sent_once() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config().concurrency(8));
    let numbers = mainland(10_000, 0);
    let (outcomes, summary) = run(&sender, &numbers).await;
    assert_exactly_once(&emu, 10_000, &outcomes);
    assert_eq!(emu.sms().send_counts().len(), 10_000);
    assert_eq!(
        (summary.sent, summary.send_requests, summary.fee_total),
        (10_000, 50, 10_000)
    );
    assert!(batch_sizes(&emu).iter().all(|&n| n == 200));
    let batches: HashSet<&str> = outcomes.iter().filter_map(|o| o.batch.as_deref()).collect();
    assert_eq!(batches.len(), 50, "one batch id per request");
}

#[tokio::test]
async fn numbers_from_an_async_stream_with_their_own_parameters() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    // Two parameter sets interleaved: each request carries one set only.
    let input = futures_util::stream::iter(
        (0..300).map(|i| Recipient::new(format!("+86139{i:08}")).params([format!("{}", i % 2), "5".into()])),
    );
    let mut campaign = sender.send_stream(input, NoJournal);
    let mut outcomes = Vec::new();
    while let Some(o) = campaign.next().await {
        outcomes.push(o);
    }
    assert_exactly_once(&emu, 300, &outcomes);
    for sent in emu.sms().sent() {
        let i: usize = sent.phone_number[6..].parse().unwrap();
        assert_eq!(
            sent.params,
            [format!("{}", i % 2), "5".to_owned()],
            "parameters follow the recipient"
        );
    }
    let mut sizes = batch_sizes(&emu);
    sizes.sort();
    assert_eq!(sizes, [150, 150]);
}

#[tokio::test]
async fn mainland_and_international_never_share_a_request() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let mut numbers = Vec::new();
    for i in 0..250 {
        numbers.push(format!("+86137{i:08}"));
        numbers.push(format!("+8526{i:07}"));
    }
    let (outcomes, _) = run(&sender, &numbers).await;
    assert_exactly_once(&emu, 500, &outcomes);
    for r in send_sms_requests(&emu) {
        assert_ne!(
            r.code,
            "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let set = body["PhoneNumberSet"].as_array().unwrap();
        let mainland = set.iter().filter(|n| n.as_str().unwrap().starts_with("+86")).count();
        assert!(mainland == 0 || mainland == set.len(), "a request mixes regions");
    }
    // The mainland sign and template do not serve international numbers: the service's code, per number.
    for o in &outcomes {
        match (&o.status, o.number.starts_with("+86")) {
            (Status::Sent { .. }, true) => {}
            (Status::Rejected { code }, false) => assert_eq!(code, "FailedOperation.SignatureIncorrectOrUnapproved"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn malformed_and_repeated_numbers_are_outcomes_not_failed_requests() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let numbers: Vec<String> = [
        "+8613600000001",
        "12345",
        "+86136000",
        "0086 136 0000 0001",
        "not a number",
        "+8613600000002",
        "12345",
    ]
    .map(String::from)
    .to_vec();
    let (outcomes, summary) = run(&sender, &numbers).await;
    assert_exactly_once(&emu, numbers.len(), &outcomes);
    let by_index: HashMap<u64, &Status> = outcomes.iter().map(|o| (o.index.unwrap(), &o.status)).collect();
    let rejected = Status::Rejected {
        code: MALFORMED_NUMBER_CODE.into(),
    };
    assert!(matches!(by_index[&0], Status::Sent { .. }));
    assert_eq!(by_index[&1], &rejected);
    assert_eq!(by_index[&2], &rejected);
    assert_eq!(by_index[&3], &Status::Duplicate, "another spelling of the first number");
    assert_eq!(by_index[&4], &rejected);
    assert!(matches!(by_index[&5], Status::Sent { .. }));
    assert_eq!(by_index[&6], &Status::Duplicate);
    assert_eq!(
        emu.sms().attempts().len(),
        2,
        "malformed numbers never reach the service"
    );
    assert_eq!((summary.sent, summary.rejected, summary.duplicates), (2, 3, 2));
    assert_eq!(summary.by_code.get(MALFORMED_NUMBER_CODE), Some(&3));
}

#[tokio::test]
async fn throttling_slows_everyone_and_every_throttled_request_is_sent_once_later() {
    let emu = Emulator::builder()
        .fault(Fault::error_code("RequestLimitExceeded").first(5).action("SendSms"))
        .start()
        .await
        .unwrap();
    let sender = BulkSender::new(&client(&emu), config().concurrency(4));
    let (outcomes, summary) = run(&sender, &mainland(1_000, 0)).await;
    assert_exactly_once(&emu, 1_000, &outcomes);
    assert_eq!(summary.sent, 1_000);
    assert_eq!((summary.throttled, summary.send_requests), (5, 10));
    assert!(
        summary.max_slowdown_level >= 1,
        "the whole sender slowed down: {summary}"
    );
    let codes: Vec<String> = send_sms_requests(&emu).into_iter().map(|r| r.code).collect();
    assert_eq!(codes.iter().filter(|c| *c == "RequestLimitExceeded").count(), 5);
}

#[tokio::test]
async fn the_rate_limit_spaces_every_request() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config().batch_size(1).concurrency(4).rate_limit(40.0));
    let (outcomes, summary) = run(&sender, &mainland(11, 0)).await;
    assert_exactly_once(&emu, 11, &outcomes);
    // Eleven requests at 40/s: at least 250 ms from the first to the last (a lower bound only).
    assert_eq!(summary.send_requests, 11);
    assert!(summary.duration >= Duration::from_millis(250), "{summary}");
}

#[tokio::test]
async fn throttled_beyond_the_attempt_limit_is_not_sent() {
    let emu = Emulator::builder()
        .fault(Fault::error_code("RequestLimitExceeded.PhoneNumberCountLimit").action("SendSms"))
        .start()
        .await
        .unwrap();
    let sender = BulkSender::new(&client(&emu), config().max_send_attempts(3));
    let (outcomes, summary) = run(&sender, &mainland(10, 0)).await;
    assert_exactly_once(&emu, 10, &outcomes);
    assert!(outcomes.iter().all(|o| o.status
        == Status::NotSent {
            reason: NotSentReason::Throttled
        }));
    assert_eq!((summary.send_requests, summary.throttled), (3, 3));
}

#[tokio::test]
async fn a_cut_answer_after_the_send_is_reconciled_as_sent_not_sent_again() {
    // Truncated bodies are produced after the emulator has handled (and recorded) the send.
    let emu = Emulator::builder()
        .fault(Fault::truncated_body().share(0.5).action("SendSms"))
        .start()
        .await
        .unwrap();
    let sender = BulkSender::new(&client(&emu), config().resend_not_sent(1));
    let (outcomes, summary) = run(&sender, &mainland(1_000, 0)).await;
    assert_exactly_once(&emu, 1_000, &outcomes);
    let reconciled = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o.status,
                Status::Sent {
                    reconciled: true,
                    fee: None,
                    ..
                }
            )
        })
        .count();
    assert_eq!(reconciled, 400, "two of five requests were cut");
    assert_eq!((summary.sent, summary.reconciled, summary.resent), (1_000, 400, 0));
    assert_eq!(summary.send_requests, 5, "an unknown batch is never sent again");
    assert_eq!(summary.status_queries, 400);
}

#[tokio::test]
async fn resets_and_bad_gateways_after_the_send_are_reconciled_as_sent() {
    // `after`: the emulator sends the SMS, then resets the connection or answers an nginx 502.
    let emu = Emulator::builder()
        .fault(Fault::connection_reset().first(1).action("SendSms").after_action())
        .fault(Fault::bad_gateway().first(1).action("SendSms").after_action())
        .start()
        .await
        .unwrap();
    let sender = BulkSender::new(&client(&emu), config().concurrency(1).resend_not_sent(1));
    let (outcomes, summary) = run(&sender, &mainland(1_000, 0)).await;
    assert_exactly_once(&emu, 1_000, &outcomes);
    assert_eq!((summary.sent, summary.reconciled, summary.resent), (1_000, 400, 0));
    assert_eq!(
        summary.send_requests, 5,
        "a batch that may have been sent is never sent again"
    );
    let codes: Vec<String> = send_sms_requests(&emu).into_iter().map(|r| r.code).collect();
    assert_eq!(codes[..2], ["Fault.Reset", "Fault.BadGateway"]);
}

#[tokio::test]
async fn an_internal_error_after_the_send_is_reconciled_as_sent() {
    let emu = Emulator::start().await.unwrap();
    // The first two requests are recorded, then answered `InternalError`.
    emu.sms().fail_after_send("InternalError", 2);
    let sender = BulkSender::new(&client(&emu), config().concurrency(2).resend_not_sent(1));
    let (outcomes, summary) = run(&sender, &mainland(1_000, 0)).await;
    assert_exactly_once(&emu, 1_000, &outcomes);
    assert_eq!((summary.sent, summary.reconciled, summary.resent), (1_000, 400, 0));
    assert_eq!(summary.send_requests, 5, "an unknown batch is never sent again");
    let failed: Vec<String> = send_sms_requests(&emu).into_iter().map(|r| r.code).collect();
    assert_eq!(failed.iter().filter(|c| *c == "InternalError").count(), 2);
}

#[tokio::test]
async fn failures_before_the_send_are_proven_not_sent_and_resent_only_when_allowed() {
    // A reset and a 502 answered before the emulator handles the request: nothing was sent.
    let faults = || {
        Emulator::builder()
            .fault(Fault::connection_reset().first(1).action("SendSms"))
            .fault(Fault::bad_gateway().first(1).action("SendSms"))
    };
    let emu = faults().start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config().concurrency(1));
    let (outcomes, summary) = run(&sender, &mainland(600, 0)).await;
    assert_exactly_once(&emu, 600, &outcomes);
    let proven = Status::NotSent {
        reason: NotSentReason::ProvenNotSent,
    };
    assert_eq!(outcomes.iter().filter(|o| o.status == proven).count(), 400);
    assert_eq!((summary.sent, summary.not_sent, summary.reconciled), (200, 400, 400));

    let emu = faults().start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config().concurrency(1).resend_not_sent(1));
    let (outcomes, summary) = run(&sender, &mainland(600, 0)).await;
    assert_exactly_once(&emu, 600, &outcomes);
    assert_eq!((summary.sent, summary.resent, summary.send_requests), (600, 400, 5));
}

#[tokio::test]
async fn unknown_stays_unknown_when_reconciliation_is_off() {
    let emu = Emulator::builder()
        .fault(Fault::bad_gateway().first(1).action("SendSms"))
        .start()
        .await
        .unwrap();
    let config = config().reconcile(ReconcilePolicy {
        checks: vec![],
        window_slack: Duration::from_secs(60),
    });
    let sender = BulkSender::new(&client(&emu), config.resend_not_sent(5));
    let (outcomes, summary) = run(&sender, &mainland(5, 0)).await;
    assert_exactly_once(&emu, 5, &outcomes);
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Unknown { .. })));
    assert_eq!((summary.unknown, summary.send_requests), (5, 1));
    assert_eq!(summary.by_code.get("Unknown"), Some(&5));
}

#[tokio::test]
async fn a_request_level_error_rejects_each_of_its_numbers_with_the_code() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config().template_params(["only one"]));
    let (outcomes, _) = run(&sender, &mainland(3, 0)).await;
    assert_exactly_once(&emu, 3, &outcomes);
    for o in outcomes {
        assert_eq!(
            o.status,
            Status::Rejected {
                code: "FailedOperation.TemplateParamSetNotMatchApprovedTemplate".into()
            }
        );
    }
}

fn journal_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sdk-sms-bulk-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn journal_outcomes(path: &PathBuf) -> Vec<Outcome> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| match serde_json::from_str::<Entry>(line).unwrap() {
            Entry::Outcome(o) => Some(o),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_campaign_resumes_from_its_journal_and_sends_nothing_twice() {
    // Request 1 is cut after the send, request 2 fails before it: both wait for reconciliation when the
    // first run "crashes" (its campaign is dropped), with more requests possibly in flight.
    let emu = Emulator::builder()
        .fault(Fault::truncated_body().first(1).action("SendSms"))
        .fault(Fault::bad_gateway().first(1).action("SendSms"))
        .start()
        .await
        .unwrap();
    let numbers = mainland(2_000, 0);
    let input = || numbers.clone().into_iter().map(Recipient::new);
    let path = journal_path("crash");

    let never = ReconcilePolicy {
        checks: vec![Duration::from_secs(3600)],
        window_slack: Duration::from_secs(60),
    };
    let first = BulkSender::new(&client(&emu), config().concurrency(2).reconcile(never));
    let mut campaign = first.send_iter(input(), JsonlJournal::open(&path).unwrap());
    let mut seen_first = 0;
    while seen_first < 600 {
        campaign.next().await.expect("the first run delivers outcomes");
        seen_first += 1;
    }
    drop(campaign);
    let sent_before = emu.sms().send_counts().len();
    assert!((800..2_000).contains(&sent_before), "{sent_before}");

    let second = BulkSender::new(&client(&emu), config().concurrency(2).resend_not_sent(1));
    let mut campaign = second.send_iter(input(), JsonlJournal::open(&path).unwrap());
    while campaign.next().await.is_some() {}
    let summary = campaign.finish().await.unwrap();
    assert!(summary.skipped_from_journal >= 800, "{summary}");
    assert!(
        summary.reconciled >= 400,
        "both failed batches settled on resume: {summary}"
    );

    let outcomes = journal_outcomes(&path);
    let mut per_number: HashMap<&str, usize> = HashMap::new();
    for o in &outcomes {
        *per_number.entry(o.number.as_str()).or_default() += 1;
    }
    assert_eq!(per_number.len(), 2_000, "every number has an outcome in the journal");
    assert!(per_number.values().all(|&n| n == 1), "and only one");
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Sent { .. })));
    assert_sent_once(&emu, outcomes.iter());
    assert_eq!(emu.sms().send_counts().len(), 2_000);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_finished_campaign_run_again_sends_nothing() {
    let emu = Emulator::start().await.unwrap();
    let path = journal_path("rerun");
    let sender = BulkSender::new(&client(&emu), config());
    let numbers = mainland(250, 0);
    let input = || numbers.clone().into_iter().map(Recipient::new);
    let summary = sender
        .send_iter(input(), JsonlJournal::open(&path).unwrap())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.sent, 250);
    let summary = sender
        .send_iter(input(), JsonlJournal::open(&path).unwrap())
        .finish()
        .await
        .unwrap();
    assert_eq!(
        (summary.outcomes, summary.skipped_from_journal, summary.send_requests),
        (0, 250, 0)
    );
    let outcomes = journal_outcomes(&path);
    assert_eq!(outcomes.len(), 250, "one outcome per number, all from the first run");
    assert_sent_once(&emu, outcomes.iter());
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_failing_input_ends_the_campaign_with_its_position_after_settling_what_was_read() {
    let emu = Emulator::start().await.unwrap();
    let sender = BulkSender::new(&client(&emu), config());
    let input = futures_util::stream::iter((0..5).map(|i| {
        if i == 3 {
            Err("line 4: two columns expected")
        } else {
            Ok(Recipient::new(format!("+86135{i:08}")))
        }
    }));
    let mut campaign = sender.try_send_stream(input, NoJournal);
    let mut outcomes = Vec::new();
    while let Some(o) = campaign.next().await {
        outcomes.push(o);
    }
    let err = campaign.finish().await.unwrap_err();
    assert_eq!(err.to_string(), "input item 3: line 4: two columns expected");
    // What was read before the error is sent, once each.
    assert_exactly_once(&emu, 3, &outcomes);
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Sent { .. })));
}

/// A JSON-lines journal whose syncs are watched: before each sync, every `SendSms` the emulator has
/// received must belong to a batch whose dispatch record an earlier sync made durable.
struct WatchedJournal {
    inner: JsonlJournal,
    emulator: std::sync::Arc<Emulator>,
    /// Batches whose dispatch record was synced; `None` once a request was seen before its record's sync.
    synced: std::sync::Arc<std::sync::Mutex<Option<HashSet<String>>>>,
    fail: bool,
}

impl sdk_sms::bulk::Journal for WatchedJournal {
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), sdk_sms::bulk::JournalError> {
        self.inner.replay(visit)
    }
    fn append(&mut self, entry: &Entry) -> Result<(), sdk_sms::bulk::JournalError> {
        self.inner.append(entry)
    }
    fn commit(&mut self, durable: bool) -> Result<(), sdk_sms::bulk::JournalError> {
        self.inner.commit(durable)
    }
    fn sync_handle(&self) -> Option<sdk_sms::bulk::SyncHandle> {
        let (inner, emulator, synced, fail) = (
            self.inner.sync_handle()?,
            self.emulator.clone(),
            self.synced.clone(),
            self.fail,
        );
        let path = self.inner.path().to_owned();
        Some(sdk_sms::bulk::SyncHandle::new(move || {
            let mut synced = synced.lock().unwrap();
            if let Some(batches) = synced.as_mut() {
                let early = send_sms_requests(&emulator).iter().any(|r| {
                    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                    !batches.contains(body["SessionContext"].as_str().unwrap())
                });
                if early {
                    *synced = None;
                    return Ok(());
                }
                // Read before syncing: what the sync below covers.
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    if let Ok(Entry::Dispatch { batch, .. }) = serde_json::from_str(line) {
                        batches.insert(batch);
                    }
                }
            }
            match fail {
                true => Err(sdk_sms::bulk::JournalError::new("the disk is gone")),
                false => inner.sync(),
            }
        }))
    }
}

fn watched(emulator: &std::sync::Arc<Emulator>, name: &str, fail: bool) -> (WatchedJournal, PathBuf) {
    let path = journal_path(name);
    let journal = WatchedJournal {
        inner: JsonlJournal::open(&path).unwrap(),
        emulator: emulator.clone(),
        synced: std::sync::Arc::new(std::sync::Mutex::new(Some(HashSet::new()))),
        fail,
    };
    (journal, path)
}

fn own_parameters(n: usize) -> impl Iterator<Item = Recipient> {
    mainland(n, 0)
        .into_iter()
        .enumerate()
        .map(|(i, number)| Recipient::new(number).params([format!("{:04}", i), "5".to_owned()]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_dispatches_are_synced_in_groups_and_always_before_their_request() {
    let emu = std::sync::Arc::new(Emulator::start().await.unwrap());
    let (journal, path) = watched(&emu, "group-sync", false);
    let synced = journal.synced.clone();
    let sender = BulkSender::new(&client(&emu), config().durable_dispatch(true).concurrency(8));
    // Own parameters: one number per request, 300 dispatch records.
    let mut campaign = sender.send_iter(own_parameters(300), journal);
    let mut outcomes = Vec::new();
    while let Some(o) = campaign.next().await {
        outcomes.push(o);
    }
    let summary = campaign.finish().await.unwrap();
    assert_eq!((summary.sent, summary.send_requests), (300, 300));
    assert_exactly_once(&emu, 300, &outcomes);
    let synced = synced
        .lock()
        .unwrap()
        .take()
        .expect("a request reached the emulator before its record's sync");
    assert_eq!(synced.len(), 300, "every dispatch record was synced");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_failing_sync_ends_the_campaign_before_anything_is_sent() {
    let emu = std::sync::Arc::new(Emulator::start().await.unwrap());
    let (journal, path) = watched(&emu, "failed-sync", true);
    let sender = BulkSender::new(&client(&emu), config().durable_dispatch(true).concurrency(4));
    let error = sender
        .send_iter(own_parameters(20), journal)
        .finish()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("the disk is gone"), "{error}");
    assert_eq!(
        send_sms_requests(&emu).len(),
        0,
        "nothing sent without a durable dispatch record"
    );
    let _ = std::fs::remove_file(&path);
}
