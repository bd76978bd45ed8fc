//! The two journal findings: a journal of another campaign was silently accepted (its numbers skipped,
//! no outcome, no error), and an edited journal made a campaign with `resend_not_sent ≥ 1` send a number
//! twice. Both against the emulator over real HTTP, counting sends in the emulator's own record.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sdk_sms::bulk::{BulkConfig, BulkError, BulkSender, Entry, JsonlJournal, Recipient, ReconcilePolicy, Status};
use tc_emulator::{Emulator, SEED_SDK_APP_ID, SEED_SIGN_NAME};

use common::client;

fn config() -> BulkConfig {
    BulkConfig::new(SEED_SDK_APP_ID, "1110")
        .sign_name(SEED_SIGN_NAME)
        .template_params(["4370", "5"])
        .durable_dispatch(false)
        .reconcile(ReconcilePolicy {
            checks: vec![Duration::ZERO],
            window_slack: Duration::from_secs(60),
        })
}

fn numbers(n: usize) -> Vec<Recipient> {
    (0..n).map(|i| Recipient::new(format!("+86139{i:08}"))).collect()
}

fn journal_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sdk-sms-identity-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn records(path: &Path) -> Vec<Entry> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_records(path: &Path, records: &[Entry]) {
    let text: String = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    std::fs::write(path, text).unwrap();
}

fn max_sends(emu: &Emulator) -> usize {
    emu.sms().send_counts().values().copied().max().unwrap_or(0)
}

#[tokio::test]
async fn a_journal_of_another_campaign_is_refused_before_anything_is_skipped() {
    let emu = Emulator::start().await.unwrap();
    let path = journal_path("other");
    let first = BulkSender::new(&client(&emu), config().campaign("spring"));
    let summary = first
        .send_iter(numbers(50), JsonlJournal::open(&path).unwrap())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.sent, 50);

    // Other parameters, other name: another campaign over the same numbers and the same journal file.
    for other in [
        config().campaign("spring").template_params(["9999", "5"]),
        config().campaign("autumn"),
    ] {
        let second = BulkSender::new(&client(&emu), other);
        let mut campaign = second.send_iter(numbers(50), JsonlJournal::open(&path).unwrap());
        assert!(campaign.next().await.is_none(), "no outcome, skipped or sent");
        let err = campaign.finish().await.unwrap_err();
        assert!(matches!(err, BulkError::OtherCampaign { .. }), "{err}");
        assert!(err.to_string().contains("another campaign"), "{err}");
    }
    assert_eq!(emu.sms().send_counts().len(), 50);
    assert_eq!(max_sends(&emu), 1);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_journal_without_a_campaign_record_is_refused() {
    let emu = Emulator::start().await.unwrap();
    let path = journal_path("headless");
    write_records(
        &path,
        &[Entry::Dispatch {
            batch: "bulk-x-1".into(),
            at: 1_700_000_000,
            numbers: vec!["+8613900000000".into()],
        }],
    );
    let sender = BulkSender::new(&client(&emu), config());
    let err = sender
        .send_iter(numbers(3), JsonlJournal::open(&path).unwrap())
        .finish()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("campaign record"), "{err}");
    assert!(emu.sms().send_counts().is_empty());
    let _ = std::fs::remove_file(&path);
}

/// Runs 20 numbers to the end, then rewrites the journal with `edit` applied to its dispatch records and
/// every outcome removed, and resumes with resending allowed: each number must still be sent once.
async fn resume_after_edit(name: &str, edit: impl Fn(&mut String, &mut i64)) {
    let emu = Emulator::start().await.unwrap();
    let path = journal_path(name);
    let sender = BulkSender::new(&client(&emu), config().campaign("edited"));
    let summary = sender
        .send_iter(numbers(20), JsonlJournal::open(&path).unwrap())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.sent, 20);

    let mut edited = Vec::new();
    for record in records(&path) {
        match record {
            Entry::Dispatch {
                mut batch,
                mut at,
                numbers,
            } => {
                edit(&mut batch, &mut at);
                edited.push(Entry::Dispatch { batch, at, numbers });
            }
            Entry::Outcome(_) => {}
            other => edited.push(other),
        }
    }
    write_records(&path, &edited);

    let resender = BulkSender::new(&client(&emu), config().campaign("edited").resend_not_sent(3));
    let mut campaign = resender.send_iter(numbers(20), JsonlJournal::open(&path).unwrap());
    let mut outcomes = Vec::new();
    while let Some(o) = campaign.next().await {
        outcomes.push(o);
    }
    campaign.finish().await.unwrap();
    assert_eq!(max_sends(&emu), 1, "{name}: a number was sent twice");
    assert_eq!(outcomes.len(), 20, "{name}: the in-flight numbers are settled");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o.status, Status::Sent { reconciled: true, .. })),
        "{name}: reconciled as sent"
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn an_edited_batch_id_does_not_make_a_resend_send_twice() {
    resume_after_edit("batch", |batch, _| {
        // Same campaign prefix, another run: as if the line were copied from elsewhere.
        let cut = batch.rfind('-').unwrap();
        batch.replace_range(cut.., "-999999");
    })
    .await;
    resume_after_edit("foreign-batch", |batch, _| *batch = "bulk-0000000000000000-x-1".into()).await;
}

#[tokio::test]
async fn an_edited_dispatch_time_does_not_make_a_resend_send_twice() {
    resume_after_edit("time", |_, at| *at += 3_600).await;
}
