//! Settling unknown outcomes: for each number of a request that may have reached the service, ask
//! `PullSmsSendStatusByPhoneNumber` for the number's statuses around the dispatch time and look for the
//! request's batch id in their `SessionContext`. The rule (found → sent; nothing at all in the window after
//! the last check → not sent; anything else → unknown) is in the [parent module's docs](super).

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;

use super::group::Pending;
use super::pace::jitter;
use super::shared::{unix_now, Shared};
use crate::v20210111::{PullSmsSendStatusByPhoneNumberRequest, PullSmsSendStatusByPhoneNumberRequired};

/// Most statuses one query returns (the service's `Limit` bound; its `Offset` is fixed at 0, so a number
/// with more statuses than this in the window cannot be settled).
const PAGE: u64 = 100;
/// The service keeps statuses for 7 days.
const RETENTION_SECS: i64 = 7 * 24 * 3600;
/// Attempts of one status query (throttling, timeouts, 5xx: reads are safe to repeat).
const QUERY_ATTEMPTS: u32 = 5;
/// Upper bound of the first delay between query attempts (doubling).
const QUERY_BACKOFF: Duration = Duration::from_millis(200);

/// What one check says about one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// A status carries the batch id.
    Found { serial_no: String },
    /// No status at all for the number in the window.
    Absent,
    /// Statuses exist but none can be tied to the batch, or the query failed: cannot tell.
    Unclear(String),
}

/// The final word on one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Sent { serial_no: String },
    NotSent,
    Unknown(String),
}

/// Settles every number of one batch; verdicts in the order of `numbers`.
pub(crate) async fn settle(shared: &Shared, batch: &str, dispatched_at: i64, numbers: &[Pending]) -> Vec<Verdict> {
    let checks = &shared.config.reconcile.checks;
    let mut verdicts: Vec<Option<Verdict>> = vec![None; numbers.len()];
    if checks.is_empty() {
        return vec![Verdict::Unknown("reconciliation is off".into()); numbers.len()];
    }
    for (round, delay) in checks.iter().enumerate() {
        tokio::time::sleep(*delay).await;
        let last = round + 1 == checks.len();
        let mut open: Vec<usize> = (0..numbers.len()).filter(|&i| verdicts[i].is_none()).collect();
        for (i, serial_no) in from_receipts(shared, dispatched_at, numbers, &open) {
            verdicts[i] = Some(Verdict::Sent { serial_no });
        }
        open.retain(|&i| verdicts[i].is_none());
        let results: Vec<(usize, Check)> = futures_util::stream::iter(open)
            .map(|i| async move { (i, check(shared, batch, dispatched_at, &numbers[i].e164).await) })
            .buffer_unordered(shared.config.concurrency)
            .collect()
            .await;
        for (i, result) in results {
            verdicts[i] = match (result, last) {
                (Check::Found { serial_no }, _) => Some(Verdict::Sent { serial_no }),
                (Check::Absent, true) => Some(Verdict::NotSent),
                (Check::Unclear(why), true) => Some(Verdict::Unknown(why)),
                (_, false) => None,
            };
        }
        if verdicts.iter().all(Option::is_some) {
            break;
        }
    }
    verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| Verdict::Unknown("not settled".into())))
        .collect()
}

/// Receipts first: a status report for a number, received since its dispatch, settles it as sent (a number
/// goes out once per campaign; a report even of a failed delivery means the service sent it). Only the
/// numbers left are pulled. A store that cannot be read here only means pulling.
fn from_receipts(shared: &Shared, dispatched_at: i64, numbers: &[Pending], open: &[usize]) -> Vec<(usize, String)> {
    let Some(receipts) = &shared.receipts else {
        return Vec::new();
    };
    if open.is_empty() {
        return Vec::new();
    }
    let since = dispatched_at.saturating_sub(shared.config.reconcile.window_slack.as_secs() as i64);
    let wanted: Vec<String> = open.iter().map(|&i| numbers[i].e164.clone()).collect();
    match receipts.since(&wanted, since) {
        Ok(found) => {
            let settled: Vec<(usize, String)> = open
                .iter()
                .zip(found)
                .filter_map(|(&i, sid)| sid.map(|sid| (i, sid)))
                .collect();
            shared.count_receipts(settled.len() as u64);
            settled
        }
        Err(e) => {
            tracing::warn!(target: "sdk_sms::bulk", error = %e, "receipts could not be read; asking the service");
            Vec::new()
        }
    }
}

/// One status query for one number, with retries.
async fn check(shared: &Shared, batch: &str, dispatched_at: i64, number: &str) -> Check {
    let slack = shared.config.reconcile.window_slack.as_secs() as i64;
    let now = unix_now(&shared.client);
    if now - dispatched_at.saturating_sub(slack).max(0) > RETENTION_SECS {
        return Check::Unclear("dispatched longer ago than the service keeps statuses (7 days)".into());
    }
    // From the campaign's start, not only from this dispatch: a status of any request of the campaign
    // proves the number was sent, whatever a journal says about when (or by which batch) it was.
    let started = shared
        .campaign_started
        .load(Ordering::Relaxed)
        .min(dispatched_at)
        .saturating_sub(slack)
        .max(0);
    let begin = started.max(now - RETENTION_SECS + slack);
    let clipped = begin > started;
    let request = PullSmsSendStatusByPhoneNumberRequest::new(PullSmsSendStatusByPhoneNumberRequired {
        begin_time: begin as u64,
        offset: 0,
        limit: PAGE,
        phone_number: number.to_owned(),
        sms_sdk_app_id: shared.config.sms_sdk_app_id.clone(),
    })
    .end_time((now + slack) as u64);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let ticket = shared.pace.turn().await;
        shared.count_status_query();
        let error = match shared.client.pull_sms_send_status_by_phone_number(&request).await {
            Ok(answer) => {
                shared.pace.succeeded();
                return match judge(batch, &shared.batch_prefix, &answer.pull_sms_send_status_set) {
                    Check::Absent if clipped => Check::Unclear(
                        "the campaign started longer ago than the service keeps statuses (7 days)".into(),
                    ),
                    found_or_unclear => found_or_unclear,
                };
            }
            Err(e) => e,
        };
        if error.is_throttling() {
            shared.count_throttled();
            shared.pace.throttled(ticket);
        }
        if attempt >= QUERY_ATTEMPTS || !(error.is_throttling() || may_retry_read(&error)) {
            tracing::warn!(
                target: "sdk_sms::bulk",
                batch,
                code = error.code(),
                attempts = attempt,
                "status query failed; the number stays unknown"
            );
            return Check::Unclear(format!("status query failed: {}", error.code().unwrap_or("no answer")));
        }
        if !error.is_throttling() {
            tokio::time::sleep(jitter(QUERY_BACKOFF.saturating_mul(1 << (attempt - 1)))).await;
        }
    }
}

/// A read may be repeated after any failure that is not the service refusing the query itself.
fn may_retry_read(e: &sdk_core::Error) -> bool {
    e.is_connect()
        || e.is_timeout()
        || e.is_transport()
        || e.is_decode()
        || e.status().is_some_and(|s| s >= 500)
        || e.code().is_some_and(|c| c.starts_with("InternalError"))
}

/// The batch's own status proves the send; so does a status of another request of the same campaign
/// (same `bulk-<fingerprint>-` prefix): a number goes out once per campaign, so that status is this
/// number's send, and taking it as "not sent" would send it twice.
fn judge(batch: &str, campaign_prefix: &str, statuses: &[crate::v20210111::PullSmsSendStatus]) -> Check {
    let own = statuses.iter().find(|s| s.session_context == batch);
    let campaign = || statuses.iter().find(|s| s.session_context.starts_with(campaign_prefix));
    if let Some(s) = own.or_else(campaign) {
        return Check::Found {
            serial_no: s.serial_no.clone(),
        };
    }
    if statuses.is_empty() {
        return Check::Absent;
    }
    if statuses.len() as u64 >= PAGE {
        return Check::Unclear("a full page of statuses without this batch".into());
    }
    if statuses.iter().any(|s| s.session_context.is_empty()) {
        return Check::Unclear("statuses without SessionContext cannot be tied to the batch".into());
    }
    // Every status belongs to another request: this batch's did not arrive.
    Check::Absent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v20210111::PullSmsSendStatus;

    fn status(context: &str) -> PullSmsSendStatus {
        PullSmsSendStatus {
            session_context: context.into(),
            serial_no: format!("serial-{context}"),
            ..PullSmsSendStatus::default()
        }
    }

    #[test]
    fn only_the_batch_id_proves_a_send_and_only_silence_proves_none() {
        let p = "bulk-0123456789abcdef-";
        let b1 = "bulk-0123456789abcdef-r-1";
        assert_eq!(
            judge(b1, p, &[status("b0"), status(b1)]),
            Check::Found {
                serial_no: format!("serial-{b1}")
            }
        );
        assert_eq!(judge(b1, p, &[]), Check::Absent);
        assert_eq!(judge(b1, p, &[status("bulk-fedcba9876543210-r-1")]), Check::Absent);
        assert!(matches!(judge(b1, p, &[status("")]), Check::Unclear(_)));
        let full: Vec<_> = (0..PAGE).map(|i| status(&format!("x{i}"))).collect();
        assert!(matches!(judge(b1, p, &full), Check::Unclear(_)));
    }

    #[test]
    fn another_request_of_the_same_campaign_proves_the_number_sent() {
        let p = "bulk-0123456789abcdef-";
        let other = "bulk-0123456789abcdef-r-7";
        assert_eq!(
            judge("bulk-0123456789abcdef-s-1", p, &[status("x"), status(other)]),
            Check::Found {
                serial_no: format!("serial-{other}")
            }
        );
    }
}
