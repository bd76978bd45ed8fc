//! Campaigns of any size over `SendSms` (2021-01-11): every number gets exactly one outcome, and no number
//! is sent twice.
//!
//! ```no_run
//! # async fn demo(client: sdk_sms::v20210111::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use sdk_sms::bulk::{BulkConfig, BulkSender, JsonlJournal, Recipient};
//!
//! let config = BulkConfig::new("1400006666", "1110").sign_name("腾讯云").template_params(["4370", "5"]);
//! let sender = BulkSender::new(&client, config);
//! let numbers = (0..1_000_000u64).map(|i| Recipient::new(format!("+86138{i:08}")));
//! let mut campaign = sender.send_iter(numbers, JsonlJournal::open("campaign.jsonl")?);
//! while let Some(outcome) = campaign.next().await {
//!     // one per number, as they happen: Sent, Rejected, NotSent, Unknown or Duplicate
//!     let _ = outcome;
//! }
//! let summary = campaign.finish().await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```
//!
//! # How a campaign runs
//!
//! 1. **Replay** the journal: numbers with an outcome are skipped; numbers dispatched without one were in
//!    flight when an earlier run stopped, and are reconciled (below) before any new input is read.
//! 2. **Normalize** each input number ([`normalize`]): E.164 (`+8613800000000`) or malformed. A malformed
//!    number is an outcome ([`Status::Rejected`] with [`MALFORMED_NUMBER_CODE`], the service's own code),
//!    never a failed request. A number seen before in this campaign is [`Status::Duplicate`].
//! 3. **Group** ([`group`]): the grouping key is *(region, template parameters)*: region is mainland
//!    (`+86`) or international, which `SendSms` refuses to mix; parameters are the recipient's own or the
//!    campaign's. A group is sent when it holds 200 numbers (`BulkConfig::batch_size`), at the end of the
//!    input, or when more than `max_pending_numbers` (default 10,000) wait in all groups together (the
//!    oldest group goes early).
//! 4. **Dispatch**: each request gets a batch id, `bulk-<campaign fingerprint>-<12 hex, random per
//!    run>-<sequence>` (the fingerprint: [`identity`]), sent as its
//!    `SessionContext` and written to the journal with its numbers *before* the request is sent. At most
//!    `concurrency` (default 4) requests are in flight; all requests (sends and status queries) take their
//!    turn from one shared [pace](#pacing-and-throttling).
//! 5. **Classify the answer** of each request:
//!    - answered: each number's `SendStatus`: `Ok` → [`Status::Sent`] (serial number, fee), another code →
//!      [`Status::Rejected`] with that code;
//!    - throttled (`RequestLimitExceeded*`, HTTP 429) or not connected (`Error::is_connect`): not executed,
//!      sent again after the shared pause, up to `max_send_attempts` (default 8) attempts, then
//!      [`NotSentReason::Throttled`] / [`NotSentReason::Unreachable`];
//!    - a service error for the whole request (`FailedOperation.TemplateIncorrectOrUnapproved`, ...): every
//!      number [`Status::Rejected`] with that code;
//!    - may have reached the service (timeout, connection cut after sending, 5xx, `InternalError`, an
//!      answer that cannot be decoded: [`sdk_core::Error::may_have_reached_service`] and decode errors):
//!      **never sent again**; the numbers are reconciled;
//!    - refused before sending (invalid request, no credential): [`NotSentReason::Client`].
//! 6. **Reconcile** ([`reconcile`]) unknown numbers with `PullSmsSendStatusByPhoneNumber`, per number, in
//!    the window `[dispatched - 60 s, now + 60 s]`: a status whose `SessionContext` is the batch id proves
//!    the number was sent ([`Status::Sent`], `reconciled: true`, fee unknown); so does a status of any other
//!    request of the same campaign (same fingerprint), searched from the campaign's start, so that a
//!    journal edited by hand (batch id, time) can never make a number be sent twice. Checks are made after each
//!    delay of [`ReconcilePolicy::checks`] (default 10 s, 60 s, 5 min, as reports reach the service after
//!    delivery). After the last check, a number whose statuses in the window all belong to other
//!    requests (or that has none) is proven **not sent**; one with statuses that cannot be attributed
//!    (empty `SessionContext`, which the service returns unless the account has it enabled; a full page of
//!    100 without a match, since the service's `Offset` is fixed at 0) or whose query failed, or whose
//!    window is older than the 7 days the service keeps, stays [`Status::Unknown`]. A status report
//!    reaches the service after delivery; a report that has not arrived by the last check is taken as
//!    no send, which is why resending is off by default and the checks are spread over minutes. A number
//!    answered without a `SendStatus` of its own is reconciled the same way. A proven not-sent number
//!    is sent again (new batch id) only when [`BulkConfig::resend_not_sent`] allows it, at most that many
//!    times; otherwise its outcome is [`NotSentReason::ProvenNotSent`].
//! 7. **Emit**: each final outcome is appended to the journal and delivered on the [`Campaign`] stream;
//!    at the end a [`Summary`] (counts by outcome and code, fee, duration, requests, throttling).
//!
//! # Journal
//!
//! The first record names the campaign ([`CampaignIdentity`]: name, app, template, sign, digests of the
//! parameters and of the input); a journal of another campaign is refused with
//! [`BulkError::OtherCampaign`] instead of silently skipping its numbers.
//! [`Journal`] is a trait (replay, append, commit); [`JsonlJournal`] writes one JSON object per line: a
//! `dispatch` record (batch id, Unix time, the batch's E.164 numbers) synced before each request is sent
//! (on a blocking thread, one sync for all the records written meanwhile: [`Journal::sync_handle`]),
//! and an `outcome` record per number (the [`Outcome`] as JSON: number, input index, batch id, status)
//! flushed as outcomes are decided. Replay: a number with an `outcome` is done; a number whose last
//! `dispatch` has no `outcome` after it was in flight. A line torn by a crash at the end is dropped; any
//! other bad line is an error naming file and line. [`NoJournal`] keeps nothing (no resume). Template
//! parameters are not journaled: a resumed number proven not sent is sent again from the input (which
//! must still hold it), not from the journal. Full format: [`journal`].
//!
//! # Stores: one campaign, many workers
//!
//! With feature `sqlite`, `store::SqliteStore` (one file, WAL, several processes on one machine); with
//! feature `postgres`, `pg::PgStore` (one database per campaign, workers on many machines). Both implement
//! [`Journal`] with the same model: the campaign's identity; a row per number whose primary key and
//! triggers make its outcome single and forbid dispatching it again once it has one; a row per batch with
//! its worker's lease, renewed by heartbeats; receipts keyed by `sid`. Every worker reads the same input;
//! a number is *claimed* when its batch is dispatched, so whichever worker claims it first is the only one
//! to send it. A worker whose input is over waits for the others, takes over batches whose lease ran out
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a `BEGIN IMMEDIATE` transaction on SQLite) and reconciles them
//! as above; numbers proven not sent are sent again only when resending is allowed and the batch used the
//! campaign's own parameters (a recipient's own parameters are never stored). Crate choices and costs:
//! rusqlite with bundled SQLite (no system library; about 40 s of CPU once), rust-postgres's synchronous
//! client on a thread per connection (the campaign driver calls its journal synchronously, as it does a
//! file, and no second runtime enters the caller's). sqlx was not taken: one async API for both would mean
//! an async journal and its macros' and drivers' build cost, for two stores of a few hundred lines each.
//!
//! A worker renews its leases every third of the lease (default 30 s) while its requests and checks run,
//! so a slow request never loses its lease. A worker that stops renewing (killed, or frozen or cut off from
//! the database longer than its lease)
//! is taken for dead, and the batches it held are reconciled by another; were a frozen worker to wake and
//! send a request it had not sent yet, that request's numbers could go out twice, so choose a lease longer
//! than any pause a worker may have. A worker whose input is over waits
//! while other workers hold live leases (their reconciliation may take minutes), so the last worker to
//! finish is the one that leaves the campaign complete.
//!
//! The JSON-lines journal stays, for one process without a database (no dependency) and as the readable
//! record of a single run; a store's `export` writes the outcomes as JSON lines.
//!
//! # Delivery receipts
//!
//! [`crate::callback`] parses Tencent's status-report and reply callbacks; the example `bulk_receiver` stores
//! reports into a store, deduplicated by `sid`. Reconciliation looks there first: a report for a number,
//! received since its dispatch (less the window slack), settles it as sent (a failed delivery was still
//! sent), and only numbers still unknown are pulled. A report cannot name its batch (it carries the
//! SerialNo, not the `SessionContext`), so this counts another sender's message to the same number on the
//! same app in that window as this campaign's: the error that never sends twice.
//!
//! # Pacing and throttling
//!
//! One [`pace`] per campaign. With `rate_limit = Some(r)`, request slots are `1/r` s apart. A throttled
//! request raises the shared slowdown level by one and pushes every request's next slot out by a pause
//! drawn from `[b/2, b]`, `b = min(max_pause, base_pause * 2^(level-1))`; while the level is above zero,
//! slots are also `slow_interval * 2^(level-1)` apart (capped at `max_pause`). `recover_after` successes in
//! a row lower the level by one. Defaults ([`ThrottlePolicy::default`]): `base_pause` 500 ms, `max_pause`
//! 30 s, `slow_interval` 50 ms, `recover_after` 10. Requests that were already in flight when the level
//! rose do not raise it again when they come back throttled too.
//!
//! # Memory
//!
//! Bounded by the configuration, not by the campaign's size: at most `max_pending_numbers` numbers wait in
//! groups, `concurrency` requests of 200 numbers are in flight, at most `4 * concurrency` batches are
//! reconciled at a time (input stops meanwhile), and about 2,000 outcomes wait for the consumer of the
//! stream (1,024 in the channel, and a backlog that stops input and new requests at 1,024 but still takes
//! the outcomes of requests in flight, which are kept polled so that a slow consumer never makes their
//! timers fire). What grows with the campaign is the map of numbers seen, for duplicates and resume: an
//! 8-byte [`NumberKey`] and a 1-byte origin per distinct number, 17 bytes per slot of a hash map (18 to
//! 36 MB per million numbers, by the map's load), no strings.
//!
//! # Personal data
//!
//! Numbers are personal data. They appear in the outcomes (the caller needs them) and in the journal (see
//! [`journal`]); they never appear in logs: `tracing` events (target `sdk_sms::bulk`) carry batch ids,
//! counts, codes, request ids and delays. `Debug` of [`Recipient`] and [`Outcome`] shows only a number's
//! last four digits and hides template parameters. Per-number messages from the service are not kept
//! (they may quote the number).

mod campaign;
pub mod csv;
pub mod group;
mod group_sync;
pub mod identity;
pub mod journal;
pub mod pace;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod reconcile;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub mod records;
mod shared;
#[cfg(feature = "sqlite")]
pub mod store;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use campaign::{BulkError, BulkSender, Campaign};
pub use group::{normalize, NumberKey, Region, MAX_NUMBERS_PER_REQUEST};
pub use identity::CampaignIdentity;
pub use journal::{Entry, Journal, JournalError, JsonlJournal, NoJournal, Orphan, Orphans, Receipts, SyncHandle};

/// The code of a malformed number's [`Status::Rejected`]: the service's own code for it.
pub const MALFORMED_NUMBER_CODE: &str = "InvalidParameterValue.IncorrectPhoneNumber";

/// One number of the input, with its own template parameters when they differ from the campaign's.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient {
    pub number: String,
    /// `None`: the campaign's [`BulkConfig::template_params`].
    pub params: Option<Vec<String>>,
}

impl Recipient {
    pub fn new(number: impl Into<String>) -> Recipient {
        Recipient {
            number: number.into(),
            params: None,
        }
    }

    /// This recipient's own template parameters.
    pub fn params<S: Into<String>>(mut self, params: impl IntoIterator<Item = S>) -> Recipient {
        self.params = Some(params.into_iter().map(Into::into).collect());
        self
    }
}

impl From<&str> for Recipient {
    fn from(number: &str) -> Recipient {
        Recipient::new(number)
    }
}

impl From<String> for Recipient {
    fn from(number: String) -> Recipient {
        Recipient::new(number)
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("number", &sdk_core::redact::Phone(&self.number))
            .field("params", &sdk_core::redact::Secret(&self.params))
            .finish()
    }
}

/// A number's one final outcome.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// E.164 for a valid number; the trimmed input text for a malformed one.
    pub number: String,
    /// Position in the input (0-based); `None` for a number taken over from the journal of an earlier run.
    pub index: Option<u64>,
    /// The batch id (`SessionContext`) of the request that decided it, if any.
    pub batch: Option<String>,
    pub status: Status,
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcome")
            .field("number", &sdk_core::redact::Phone(&self.number))
            .field("index", &self.index)
            .field("batch", &self.batch)
            .field("status", &self.status)
            .finish()
    }
}

/// What happened to a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Status {
    /// The service accepted it (`code` is `Ok`). `fee` is unknown (`None`) when the outcome was found by
    /// reconciliation, which reports no fee.
    Sent {
        serial_no: String,
        fee: Option<u64>,
        code: String,
        reconciled: bool,
    },
    /// The service (or, for a malformed number, the sender beforehand) refused it with this code.
    Rejected { code: String },
    /// Certainly not sent.
    NotSent { reason: NotSentReason },
    /// May or may not have been sent: reconciliation could not tell. Never sent again by the sender.
    Unknown { reason: String },
    /// The number appeared earlier in the input; that occurrence has its outcome.
    Duplicate,
}

/// Why a number was certainly not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotSentReason {
    /// Still throttled after `max_send_attempts` attempts.
    Throttled,
    /// No connection could be made after `max_send_attempts` attempts.
    Unreachable,
    /// The request may have reached the service, and reconciliation proved it did not send this number.
    ProvenNotSent,
    /// Refused on the client side before sending (invalid request, no usable credential).
    Client(String),
}

impl Status {
    /// The key of [`Summary::by_code`]: the service code, or `NotSent.<Reason>`, `Unknown`, `Duplicate`.
    pub fn code(&self) -> &str {
        match self {
            Status::Sent { code, .. } | Status::Rejected { code } => code,
            Status::NotSent { reason } => match reason {
                NotSentReason::Throttled => "NotSent.Throttled",
                NotSentReason::Unreachable => "NotSent.Unreachable",
                NotSentReason::ProvenNotSent => "NotSent.ProvenNotSent",
                NotSentReason::Client(_) => "NotSent.Client",
            },
            Status::Unknown { .. } => "Unknown",
            Status::Duplicate => "Duplicate",
        }
    }
}

/// How throttling slows the campaign down (see the [module docs](self#pacing-and-throttling)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Upper bound of the first pause. Default 500 ms.
    pub base_pause: Duration,
    /// Cap of any pause and of the slowdown interval. Default 30 s.
    pub max_pause: Duration,
    /// Spacing between requests at slowdown level 1 (doubling per level). Default 50 ms.
    pub slow_interval: Duration,
    /// Successes in a row that lower the slowdown level by one. Default 10.
    pub recover_after: u32,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            base_pause: Duration::from_millis(500),
            max_pause: Duration::from_secs(30),
            slow_interval: Duration::from_millis(50),
            recover_after: 10,
        }
    }
}

/// When unknown outcomes are checked (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcilePolicy {
    /// Delays before each check, counted from the previous one (the first from when the outcome became
    /// unknown). A number not proven sent by the last check and without any status in the window is proven
    /// not sent. Default 10 s, 60 s, 300 s. Empty: no reconciliation, unknowns stay unknown.
    pub checks: Vec<Duration>,
    /// Widening of the query window on both sides, for clock differences. Default 60 s.
    pub window_slack: Duration,
}

impl Default for ReconcilePolicy {
    fn default() -> Self {
        ReconcilePolicy {
            checks: vec![
                Duration::from_secs(10),
                Duration::from_secs(60),
                Duration::from_secs(300),
            ],
            window_slack: Duration::from_secs(60),
        }
    }
}

/// What to send and how. `Debug` hides the template parameters (they may be codes or names).
#[derive(Clone)]
#[non_exhaustive]
pub struct BulkConfig {
    /// The campaign's name, part of its [`CampaignIdentity`]. Default empty.
    pub campaign: String,
    /// A digest of the input the caller computed, part of the identity. Default none.
    pub input_digest: Option<String>,
    pub sms_sdk_app_id: String,
    pub template_id: String,
    /// Required by the service for mainland numbers.
    pub sign_name: Option<String>,
    /// Parameters of recipients without their own.
    pub template_params: Vec<String>,
    /// Numbers per request, 1..=200. Default 200.
    pub batch_size: usize,
    /// `SendSms` requests in flight at once. Default 4.
    pub concurrency: usize,
    /// Requests per second, sends and status queries together. Default none; a value that is not a
    /// positive finite number also means none.
    pub rate_limit: Option<f64>,
    /// Attempts of a request that is throttled or cannot connect. Default 8.
    pub max_send_attempts: u32,
    /// How many times a number proven not sent may be sent again. Default 0: never.
    pub resend_not_sent: u32,
    /// Numbers waiting in groups, at most. Default 10,000.
    pub max_pending_numbers: usize,
    /// Sync the journal to disk after each dispatch record (not only flush it). Default true.
    pub durable_dispatch: bool,
    pub throttle: ThrottlePolicy,
    pub reconcile: ReconcilePolicy,
}

impl fmt::Debug for BulkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkConfig")
            .field("campaign", &self.campaign)
            .field("input_digest", &self.input_digest)
            .field("sms_sdk_app_id", &self.sms_sdk_app_id)
            .field("template_id", &self.template_id)
            .field("sign_name", &self.sign_name)
            .field("template_params", &sdk_core::redact::Secret(&self.template_params))
            .field("batch_size", &self.batch_size)
            .field("concurrency", &self.concurrency)
            .field("rate_limit", &self.rate_limit)
            .field("max_send_attempts", &self.max_send_attempts)
            .field("resend_not_sent", &self.resend_not_sent)
            .field("max_pending_numbers", &self.max_pending_numbers)
            .field("durable_dispatch", &self.durable_dispatch)
            .field("throttle", &self.throttle)
            .field("reconcile", &self.reconcile)
            .finish()
    }
}

impl BulkConfig {
    pub fn new(sms_sdk_app_id: impl Into<String>, template_id: impl Into<String>) -> BulkConfig {
        BulkConfig {
            campaign: String::new(),
            input_digest: None,
            sms_sdk_app_id: sms_sdk_app_id.into(),
            template_id: template_id.into(),
            sign_name: None,
            template_params: Vec::new(),
            batch_size: MAX_NUMBERS_PER_REQUEST,
            concurrency: 4,
            rate_limit: None,
            max_send_attempts: 8,
            resend_not_sent: 0,
            max_pending_numbers: 10_000,
            durable_dispatch: true,
            throttle: ThrottlePolicy::default(),
            reconcile: ReconcilePolicy::default(),
        }
    }

    /// Names the campaign (part of its identity: a journal or store of another name is refused).
    pub fn campaign(mut self, name: impl Into<String>) -> Self {
        self.campaign = name.into();
        self
    }

    /// A digest of the input (part of the identity: a journal or store of another input is refused).
    pub fn input_digest(mut self, digest: impl Into<String>) -> Self {
        self.input_digest = Some(digest.into());
        self
    }

    pub fn sign_name(mut self, sign_name: impl Into<String>) -> Self {
        self.sign_name = Some(sign_name.into());
        self
    }

    pub fn template_params<S: Into<String>>(mut self, params: impl IntoIterator<Item = S>) -> Self {
        self.template_params = params.into_iter().map(Into::into).collect();
        self
    }

    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.clamp(1, MAX_NUMBERS_PER_REQUEST);
        self
    }

    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn rate_limit(mut self, requests_per_second: f64) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    pub fn max_send_attempts(mut self, n: u32) -> Self {
        self.max_send_attempts = n.max(1);
        self
    }

    pub fn resend_not_sent(mut self, times: u32) -> Self {
        self.resend_not_sent = times;
        self
    }

    pub fn max_pending_numbers(mut self, n: usize) -> Self {
        self.max_pending_numbers = n.max(1);
        self
    }

    pub fn durable_dispatch(mut self, yes: bool) -> Self {
        self.durable_dispatch = yes;
        self
    }

    pub fn throttle(mut self, policy: ThrottlePolicy) -> Self {
        self.throttle = policy;
        self
    }

    pub fn reconcile(mut self, policy: ReconcilePolicy) -> Self {
        self.reconcile = policy;
        self
    }
}

/// Totals of a campaign run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Outcomes delivered by this run (duplicates included).
    pub outcomes: u64,
    pub sent: u64,
    pub rejected: u64,
    pub not_sent: u64,
    pub unknown: u64,
    pub duplicates: u64,
    /// Input numbers skipped because the journal or store already had their outcome, or (a shared store)
    /// another worker claimed them.
    pub skipped_from_journal: u64,
    /// Outcomes per [`Status::code`].
    pub by_code: BTreeMap<String, u64>,
    /// Sum of the known fees of sent numbers.
    pub fee_total: u64,
    /// Sent numbers whose fee is unknown (found by reconciliation).
    pub fee_unknown: u64,
    pub duration: Duration,
    /// `SendSms` requests made (attempts included).
    pub send_requests: u64,
    /// `PullSmsSendStatusByPhoneNumber` requests made.
    pub status_queries: u64,
    /// Throttling answers seen (`RequestLimitExceeded*`, HTTP 429).
    pub throttled: u64,
    /// Highest shared slowdown level reached (0: never slowed down; see [`pace`]).
    pub max_slowdown_level: u32,
    /// Numbers whose unknown outcome was settled by reconciliation (sent or proven not sent).
    pub reconciled: u64,
    /// Numbers sent again after being proven not sent.
    pub resent: u64,
    /// Unknown numbers settled by a delivery receipt in the store, without asking the service.
    pub settled_by_receipt: u64,
}

impl Summary {
    fn count(&mut self, outcome: &Outcome) {
        self.outcomes += 1;
        *self.by_code.entry(outcome.status.code().to_owned()).or_default() += 1;
        match &outcome.status {
            Status::Sent { fee, .. } => {
                self.sent += 1;
                match fee {
                    Some(f) => self.fee_total += f,
                    None => self.fee_unknown += 1,
                }
            }
            Status::Rejected { .. } => self.rejected += 1,
            Status::NotSent { .. } => self.not_sent += 1,
            Status::Unknown { .. } => self.unknown += 1,
            Status::Duplicate => self.duplicates += 1,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} outcomes in {:.1} s: {} sent, {} rejected, {} not sent, {} unknown, {} duplicates; {} skipped (journal)",
            self.outcomes,
            self.duration.as_secs_f64(),
            self.sent,
            self.rejected,
            self.not_sent,
            self.unknown,
            self.duplicates,
            self.skipped_from_journal
        )?;
        writeln!(
            f,
            "fee {} (+{} unknown); {} SendSms requests, {} status queries, {} throttled (slowdown level up to {}), {} reconciled ({} by receipt), {} resent",
            self.fee_total,
            self.fee_unknown,
            self.send_requests,
            self.status_queries,
            self.throttled,
            self.max_slowdown_level,
            self.reconciled,
            self.settled_by_receipt,
            self.resent
        )?;
        for (code, n) in &self.by_code {
            writeln!(f, "  {code}: {n}")?;
        }
        Ok(())
    }
}
