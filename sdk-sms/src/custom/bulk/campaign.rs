//! The campaign driver: one future that reads the input, groups, dispatches, classifies answers, settles
//! unknowns and emits outcomes; and [`Campaign`], the stream that polls it. Nothing is spawned but the
//! journal's syncs (blocking threads, see [`super::group_sync`]): dropping the campaign stops everything at
//! once (what a crash does), and the journal says where to resume.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::stream::{self, BoxStream, FuturesUnordered};
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::group::{self, GroupKey, Grouper, NumberKey, Pending};
use super::group_sync::GroupSync;
use super::journal::{Entry, Journal, JournalError, Orphans};
use super::reconcile::{self, Verdict};
use super::shared::{unix_now, Shared};
use super::{BulkConfig, NotSentReason, Outcome, Recipient, Status, Summary, MALFORMED_NUMBER_CODE};
use crate::v20210111::{Client, SendSmsRequest, SendSmsRequired, SendStatus};

/// Outcomes waiting for the consumer before the campaign stops taking input.
const OUTCOME_BUFFER: usize = 1024;
/// Upper bound of the first delay before a request that could not connect is tried again (doubling, 5 s cap).
const CONNECT_BACKOFF: Duration = Duration::from_millis(200);

/// Sends campaigns with one client and one configuration; each `send_*` call starts a [`Campaign`].
#[derive(Clone)]
pub struct BulkSender {
    client: Client,
    config: BulkConfig,
}

impl fmt::Debug for BulkSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl BulkSender {
    /// Uses `client`'s credential, region, endpoint and timeouts. The sender makes one attempt per call and
    /// decides itself what is sent again (throttled and unconnected requests, never unknown ones), so the
    /// client's retry policy is replaced by a single attempt with the same deadline.
    pub fn new(client: &Client, config: BulkConfig) -> BulkSender {
        let core = client.core();
        let single = core.profile().retry_policy.clone().max_attempts(1);
        BulkSender {
            client: Client::from_core(core.with_retry_policy(single)),
            config,
        }
    }

    /// A campaign over numbers from an iterator (read lazily: a million numbers are never all in memory).
    pub fn send_iter<I>(&self, input: I, journal: impl Journal + 'static) -> Campaign
    where
        I: IntoIterator<Item = Recipient>,
        I::IntoIter: Send + 'static,
    {
        self.try_send_stream(
            stream::iter(input.into_iter().map(Ok::<_, std::convert::Infallible>)),
            journal,
        )
    }

    /// A campaign over numbers from an async stream.
    pub fn send_stream<S>(&self, input: S, journal: impl Journal + 'static) -> Campaign
    where
        S: Stream<Item = Recipient> + Send + 'static,
    {
        self.try_send_stream(input.map(Ok::<_, std::convert::Infallible>), journal)
    }

    /// A campaign over a stream whose items may fail (a bad line in a file): the first error ends the
    /// campaign with [`BulkError::Input`] after the requests in flight are settled; outcomes so far are in
    /// the journal, so a corrected input resumes where it stopped.
    pub fn try_send_stream<S, E>(&self, input: S, journal: impl Journal + 'static) -> Campaign
    where
        S: Stream<Item = Result<Recipient, E>> + Send + 'static,
        E: fmt::Display,
    {
        let input = input.map(|r| r.map_err(|e| e.to_string())).boxed();
        let (tx, rx) = mpsc::channel(OUTCOME_BUFFER);
        let receipts = journal.receipts();
        let shared = Arc::new(Shared::new(self.client.clone(), self.config.clone(), receipts));
        let driver = Driver::new(shared, Box::new(journal));
        Campaign {
            driver: Some(Box::pin(driver.run(input, tx))),
            outcomes: rx,
            result: None,
        }
    }
}

type Driving = Pin<Box<dyn Future<Output = Result<Summary, BulkError>> + Send>>;

/// A running campaign: a stream of outcomes, one per input number, as they happen. It makes progress only
/// while polled (`next`, or [`finish`](Campaign::finish)); dropping it stops the campaign (requests in
/// flight are abandoned, their numbers reconciled by the next run over the same journal).
pub struct Campaign {
    driver: Option<Driving>,
    outcomes: mpsc::Receiver<Outcome>,
    result: Option<Result<Summary, BulkError>>,
}

impl fmt::Debug for Campaign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Campaign")
            .field("running", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Campaign {
    /// The next outcome; `None` when the campaign is over (then [`finish`](Campaign::finish) says how).
    pub async fn next(&mut self) -> Option<Outcome> {
        std::future::poll_fn(|cx| self.poll_outcome(cx)).await
    }

    /// Runs the campaign to its end (outcomes not yet taken are still journaled) and returns the summary.
    pub async fn finish(mut self) -> Result<Summary, BulkError> {
        while self.next().await.is_some() {}
        self.result.take().unwrap_or(Err(BulkError::Stopped))
    }

    fn poll_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outcome>> {
        if let Some(driver) = self.driver.as_mut() {
            if let Poll::Ready(result) = driver.as_mut().poll(cx) {
                // Dropping the driver drops the sending half: the receiver ends after what is buffered.
                self.driver = None;
                self.result = Some(result);
            }
        }
        self.outcomes.poll_recv(cx)
    }
}

impl Stream for Campaign {
    type Item = Outcome;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome>> {
        self.get_mut().poll_outcome(cx)
    }
}

/// Why a campaign ended before its input did.
#[derive(Debug)]
#[non_exhaustive]
pub enum BulkError {
    /// The journal failed: no outcome can be recorded, so the campaign stops.
    Journal(JournalError),
    /// The journal (or store) belongs to another campaign: these parts of the identity differ.
    OtherCampaign { differs: String },
    /// The input stream failed at this position (0-based).
    Input { index: u64, message: String },
    /// The campaign ended without a result (not expected: kept so that `finish` never panics).
    Stopped,
}

impl fmt::Display for BulkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BulkError::Journal(e) => write!(f, "{e}"),
            BulkError::OtherCampaign { differs } => write!(
                f,
                "the journal belongs to another campaign (differs in {differs}): refusing it rather than skipping its numbers"
            ),
            BulkError::Input { index, message } => write!(f, "input item {index}: {message}"),
            BulkError::Stopped => f.write_str("the campaign stopped before its end"),
        }
    }
}

impl std::error::Error for BulkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BulkError::Journal(e) => Some(e),
            _ => None,
        }
    }
}

impl From<JournalError> for BulkError {
    fn from(e: JournalError) -> Self {
        BulkError::Journal(e)
    }
}

/// One request's numbers and what they share.
struct Batch {
    id: String,
    group: GroupKey,
    numbers: Vec<Pending>,
    at: i64,
}

/// A batch whose numbers may have reached the service.
struct Unsettled {
    id: String,
    /// `None` for batches taken over from a journal (their parameters are not journaled).
    group: Option<GroupKey>,
    numbers: Vec<Pending>,
    at: i64,
    reason: String,
}

/// What a request settled, and what it left for reconciliation.
struct Sent {
    outcomes: Vec<Outcome>,
    /// Numbers that may have reached the service without a known outcome.
    unknown: Option<Unsettled>,
}

impl Sent {
    fn done(outcomes: Vec<Outcome>) -> Sent {
        Sent {
            outcomes,
            unknown: None,
        }
    }
}

struct Driver {
    shared: Arc<Shared>,
    journal: Box<dyn Journal>,
    /// Outcomes journaled and waiting for the stream's consumer.
    backlog: VecDeque<Outcome>,
    /// Every number of this campaign so far, and where its outcome is (see [`Seen`]).
    seen: HashMap<NumberKey, Seen>,
    grouper: Grouper,
    ready: VecDeque<Batch>,
    /// Dispatched batches waiting for their record to be synced (durable dispatch, a journal that can
    /// sync from another thread).
    unsynced: Option<GroupSync<Batch>>,
    summary: Summary,
    run_id: String,
    next_batch: u64,
    started: Instant,
    /// The input has ended (or failed).
    input_done: bool,
}

/// Where a number seen before has its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// In the journal of an earlier run (or being settled from it): the input's occurrence is skipped.
    Journal,
    /// Earlier in this run's input: another occurrence is a [`Status::Duplicate`].
    ThisRun,
}

/// What a replay says about the journal's campaign record.
#[derive(Default)]
struct Head {
    /// The first record, when it is a campaign record.
    first: Option<(super::CampaignIdentity, i64)>,
    /// Records other than campaign records.
    records: u64,
    /// A campaign record after the first record.
    misplaced: bool,
}

impl Head {
    fn campaign(&mut self, identity: super::CampaignIdentity, started: i64) {
        if self.first.is_some() || self.records > 0 {
            self.misplaced = true;
        } else {
            self.first = Some((identity, started));
        }
    }
}

type Work = Pin<Box<dyn Future<Output = Sent> + Send>>;
type Settling = Pin<Box<dyn Future<Output = (Unsettled, Vec<Verdict>)> + Send>>;

impl Driver {
    fn new(shared: Arc<Shared>, journal: Box<dyn Journal>) -> Driver {
        let grouper = Grouper::new(shared.config.batch_size, shared.config.max_pending_numbers);
        let unsynced = match shared.config.durable_dispatch {
            true => journal.sync_handle().map(GroupSync::new),
            false => None,
        };
        Driver {
            unsynced,
            shared,
            journal,
            backlog: VecDeque::new(),
            seen: HashMap::new(),
            grouper,
            ready: VecDeque::new(),
            summary: Summary::default(),
            run_id: sdk_core::idempotency_token().replace('-', "")[..12].to_owned(),
            next_batch: 0,
            started: Instant::now(),
            input_done: false,
        }
    }

    async fn run(
        mut self,
        mut input: BoxStream<'static, Result<Recipient, String>>,
        out: mpsc::Sender<Outcome>,
    ) -> Result<Summary, BulkError> {
        self.resume().await?;
        let concurrency = self.shared.config.concurrency.max(1);
        let max_settling = 4 * concurrency;
        let mut sending: FuturesUnordered<Work> = FuturesUnordered::new();
        let mut settling: FuturesUnordered<Settling> = FuturesUnordered::new();
        let (mut index, mut input_error) = (0u64, None);
        let mut heartbeat = self.journal.heartbeat_every().map(tokio::time::interval);
        loop {
            self.start_ready(&mut sending, concurrency)?;
            let input_done = self.input_done;
            let want_input = !input_done
                && self.ready.is_empty()
                && self.backlog.len() < OUTCOME_BUFFER
                && settling.len() < max_settling;
            let syncing = self.unsynced.as_ref().is_some_and(GroupSync::is_running);
            if !want_input && sending.is_empty() && !syncing && settling.is_empty() && self.backlog.is_empty() {
                if !input_done || !self.ready.is_empty() {
                    continue;
                }
                if self.sweep(&mut settling).await? {
                    break;
                }
                continue;
            }
            tokio::select! {
                _ = tick(&mut heartbeat) => self.journal.heartbeat()?,
                Some(sent) = sending.next(), if !sending.is_empty() => {
                    self.emit_all(sent.outcomes)?;
                    if let Some(unsettled) = sent.unknown {
                        settling.push(self.settle(unsettled));
                    }
                }
                Some((unsettled, verdicts)) = settling.next(), if !settling.is_empty() => {
                    self.settled(unsettled, verdicts)?;
                }
                durable = synced(&mut self.unsynced), if syncing => {
                    for batch in durable? {
                        sending.push(Box::pin(send(self.shared.clone(), batch)));
                    }
                }
                permit = out.reserve(), if !self.backlog.is_empty() => match permit {
                    Ok(permit) => permit.send(self.backlog.pop_front().expect("backlog is not empty")),
                    // The receiver is gone (it lives as long as this future): the outcomes are journaled.
                    Err(_) => self.backlog.clear(),
                },
                item = input.next(), if want_input => match item {
                    Some(Ok(recipient)) => {
                        self.accept(index, recipient)?;
                        index += 1;
                    }
                    Some(Err(message)) => {
                        input_error = Some(BulkError::Input { index, message });
                        self.input_done = true;
                        self.flush_groups();
                    }
                    None => {
                        self.input_done = true;
                        self.flush_groups();
                    }
                },
                else => {}
            }
        }
        self.finished(input_error)
    }

    /// Starts ready batches while fewer than `concurrency` requests are in flight and the consumer keeps up.
    fn start_ready(&mut self, sending: &mut FuturesUnordered<Work>, concurrency: usize) -> Result<(), BulkError> {
        while sending.len() + self.unsynced.as_ref().map_or(0, GroupSync::len) < concurrency
            && self.backlog.len() < OUTCOME_BUFFER
        {
            let Some(batch) = self.ready.pop_front() else {
                break;
            };
            match (self.dispatch(batch)?, &mut self.unsynced) {
                (None, _) => {}
                (Some(batch), Some(unsynced)) => unsynced.push(batch),
                (Some(batch), None) => sending.push(Box::pin(send(self.shared.clone(), batch))),
            }
        }
        Ok(())
    }

    /// Syncs the journal and totals the run.
    fn finished(mut self, input_error: Option<BulkError>) -> Result<Summary, BulkError> {
        self.journal.commit(true)?;
        self.summary.duration = self.started.elapsed();
        self.summary.send_requests = self.shared.send_requests.load(Ordering::Relaxed);
        self.summary.status_queries = self.shared.status_queries.load(Ordering::Relaxed);
        self.summary.throttled = self.shared.throttled.load(Ordering::Relaxed);
        self.summary.settled_by_receipt = self.shared.from_receipts.load(Ordering::Relaxed);
        self.summary.max_slowdown_level = self.shared.pace.max_level();
        tracing::info!(
            target: "sdk_sms::bulk",
            outcomes = self.summary.outcomes,
            sent = self.summary.sent,
            rejected = self.summary.rejected,
            not_sent = self.summary.not_sent,
            unknown = self.summary.unknown,
            requests = self.summary.send_requests,
            throttled = self.summary.throttled,
            "campaign finished"
        );
        match input_error {
            Some(e) => Err(e),
            None => Ok(self.summary),
        }
    }

    /// Replays the journal: done numbers are skipped later; numbers in flight at a crash are settled now,
    /// before any input is read, so a number proven not sent can be sent again from the input.
    async fn resume(&mut self) -> Result<(), BulkError> {
        let mut batches: HashMap<String, i64> = HashMap::new();
        let mut in_flight: HashMap<NumberKey, (String, String)> = HashMap::new();
        let mut head = Head::default();
        let seen = &mut self.seen;
        self.journal.replay(&mut |entry| match entry {
            Entry::Campaign { identity, started } => head.campaign(identity, started),
            Entry::Dispatch { batch, at, numbers } => {
                head.records += 1;
                for n in numbers {
                    in_flight.insert(group::key_of(&n), (n, batch.clone()));
                }
                batches.insert(batch, at);
            }
            Entry::Outcome(o) => {
                head.records += 1;
                let key = group::key_of(&o.number);
                in_flight.remove(&key);
                seen.insert(key, Seen::Journal);
            }
        })?;
        self.bind(head)?;
        if in_flight.is_empty() {
            return Ok(());
        }
        let mut by_batch: HashMap<String, Vec<Pending>> = HashMap::new();
        for (number, batch) in in_flight.into_values() {
            by_batch
                .entry(batch)
                .or_default()
                .push(taken_over(&mut self.seen, number));
        }
        tracing::info!(
            target: "sdk_sms::bulk",
            batches = by_batch.len(),
            numbers = by_batch.values().map(Vec::len).sum::<usize>(),
            "resuming: settling requests that were in flight when the last run stopped"
        );
        let jobs: FuturesUnordered<Settling> = by_batch
            .into_iter()
            .map(|(id, numbers)| {
                self.settle(Unsettled {
                    at: batches.get(&id).copied().unwrap_or(0),
                    id,
                    group: None,
                    numbers,
                    reason: "in flight when an earlier run stopped".into(),
                })
            })
            .collect();
        let results = self.with_heartbeat(jobs.collect::<Vec<_>>()).await?;
        for (unsettled, verdicts) in results {
            self.settled(unsettled, verdicts)?;
        }
        // Outcomes of the resumed batches wait in the backlog; the main loop delivers them.
        Ok(())
    }

    /// Runs `work` while renewing this worker's leases (a resume may reconcile for minutes).
    async fn with_heartbeat<T>(&mut self, work: impl Future<Output = T>) -> Result<T, BulkError> {
        let mut heartbeat = self.journal.heartbeat_every().map(tokio::time::interval);
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return Ok(done),
                _ = tick(&mut heartbeat) => self.journal.heartbeat()?,
            }
        }
    }

    /// Checks the journal's campaign record against this campaign's identity, or writes it into an empty
    /// journal. A journal of another campaign, or without a campaign record, is refused before anything
    /// is sent or skipped.
    fn bind(&mut self, head: Head) -> Result<(), BulkError> {
        if head.misplaced {
            return Err(BulkError::Journal(JournalError::new(
                "a campaign record that is not the journal's first record (two journals joined?)",
            )));
        }
        let started = match head.first {
            Some((stored, started)) => {
                if let Some(differs) = self.shared.identity.mismatch(&stored) {
                    return Err(BulkError::OtherCampaign { differs });
                }
                started
            }
            None if head.records == 0 => {
                let started = unix_now(&self.shared.client);
                self.journal.append(&Entry::Campaign {
                    identity: self.shared.identity.clone(),
                    started,
                })?;
                self.journal.commit(true)?;
                started
            }
            None => {
                return Err(BulkError::Journal(JournalError::new(
                    "the journal does not start with a campaign record (another format, or not a campaign journal)",
                )))
            }
        };
        self.shared.campaign_started.store(started, Ordering::Relaxed);
        Ok(())
    }

    /// Normalizes one input number and files it in its group.
    fn accept(&mut self, index: u64, recipient: Recipient) -> Result<(), BulkError> {
        let normalized = match group::normalize(&recipient.number) {
            Ok(n) => n,
            Err(malformed) => {
                if let Some(seen) = self.seen.insert(malformed.key, Seen::ThisRun) {
                    return self.seen_before(index, malformed.text, malformed.key, seen);
                }
                let outcome = Outcome {
                    number: malformed.text,
                    index: Some(index),
                    batch: None,
                    status: Status::Rejected {
                        code: MALFORMED_NUMBER_CODE.into(),
                    },
                };
                return self.emit_all(vec![outcome]);
            }
        };
        if let Some(seen) = self.seen.insert(normalized.key, Seen::ThisRun) {
            return self.seen_before(index, normalized.e164, normalized.key, seen);
        }
        let key = GroupKey {
            region: normalized.region,
            params: recipient
                .params
                .unwrap_or_else(|| self.shared.config.template_params.clone()),
        };
        let pending = Pending {
            index: Some(index),
            e164: normalized.e164,
            key: normalized.key,
            resends: 0,
        };
        for group in self.grouper.add(key, pending) {
            self.ready_batch(group.key, group.numbers);
        }
        Ok(())
    }

    /// A number seen before: from the journal it is skipped silently, in this run it is a duplicate.
    fn seen_before(&mut self, index: u64, number: String, key: NumberKey, seen: Seen) -> Result<(), BulkError> {
        if seen == Seen::Journal {
            self.seen.insert(key, Seen::Journal);
            self.summary.skipped_from_journal += 1;
            return Ok(());
        }
        let outcome = Outcome {
            number,
            index: Some(index),
            batch: None,
            status: Status::Duplicate,
        };
        // Not journaled: the number's own outcome is, and a resume skips this occurrence as done.
        self.summary.count(&outcome);
        self.backlog.push_back(outcome);
        Ok(())
    }

    fn flush_groups(&mut self) {
        for group in self.grouper.drain() {
            self.ready_batch(group.key, group.numbers);
        }
    }

    fn ready_batch(&mut self, group: GroupKey, numbers: Vec<Pending>) {
        self.next_batch += 1;
        let id = format!("{}{}-{}", self.shared.batch_prefix, self.run_id, self.next_batch);
        self.ready.push_back(Batch {
            id,
            group,
            numbers,
            at: 0,
        });
    }

    /// Claims the batch's numbers in the journal and keeps those this worker holds; `None` when another
    /// worker holds them all. The claim is durable on return, or flushed and left to the group sync.
    fn dispatch(&mut self, mut batch: Batch) -> Result<Option<Batch>, BulkError> {
        batch.at = unix_now(&self.shared.client);
        let numbers: Vec<String> = batch.numbers.iter().map(|p| p.e164.clone()).collect();
        let campaign_params = batch.group.params == self.shared.config.template_params;
        let claimed = self.journal.claim(&batch.id, batch.at, &numbers, campaign_params)?;
        self.journal
            .commit(self.shared.config.durable_dispatch && self.unsynced.is_none())?;
        let before = batch.numbers.len();
        let mut mask = claimed.into_iter();
        batch.numbers.retain(|_| mask.next().unwrap_or(false));
        self.summary.skipped_from_journal += (before - batch.numbers.len()) as u64;
        Ok((!batch.numbers.is_empty()).then_some(batch))
    }

    /// With the input over and nothing in flight here: takes over batches of workers that stopped (a
    /// shared store), waits while others still work, and says whether the campaign is complete.
    async fn sweep(&mut self, settling: &mut FuturesUnordered<Settling>) -> Result<bool, BulkError> {
        match self.journal.orphans()? {
            Orphans::None => Ok(true),
            Orphans::Wait(pause) => {
                tokio::time::sleep(pause).await;
                self.journal.heartbeat()?;
                Ok(false)
            }
            Orphans::Claimed(batches) => {
                for orphan in batches {
                    tracing::info!(target: "sdk_sms::bulk", batch = %orphan.batch, numbers = orphan.numbers.len(), "taking over a batch whose worker stopped");
                    // Its numbers proven not sent can go again only with parameters known here.
                    let group = orphan.numbers.first().filter(|_| orphan.campaign_params).and_then(|n| {
                        let region = group::normalize(n).ok()?.region;
                        Some(GroupKey {
                            region,
                            params: self.shared.config.template_params.clone(),
                        })
                    });
                    let numbers = orphan
                        .numbers
                        .into_iter()
                        .map(|n| taken_over(&mut self.seen, n))
                        .collect();
                    settling.push(self.settle(Unsettled {
                        id: orphan.batch,
                        group,
                        numbers,
                        at: orphan.at,
                        reason: "its worker stopped renewing its lease".into(),
                    }));
                }
                Ok(false)
            }
        }
    }

    fn settle(&self, unsettled: Unsettled) -> Settling {
        let shared = self.shared.clone();
        tracing::warn!(
            target: "sdk_sms::bulk",
            batch = %unsettled.id,
            numbers = unsettled.numbers.len(),
            reason = %unsettled.reason,
            "outcome unknown; reconciling (never sent again unless proven not sent)"
        );
        Box::pin(async move {
            let verdicts = reconcile::settle(&shared, &unsettled.id, unsettled.at, &unsettled.numbers).await;
            (unsettled, verdicts)
        })
    }

    /// Turns verdicts into outcomes, or into a new batch for numbers proven not sent when resending is on.
    fn settled(&mut self, unsettled: Unsettled, verdicts: Vec<Verdict>) -> Result<(), BulkError> {
        let (mut sent, mut not_sent, mut unknown) = (0u32, 0u32, 0u32);
        let mut again = Vec::new();
        let mut outcomes = Vec::with_capacity(verdicts.len());
        for (number, verdict) in unsettled.numbers.into_iter().zip(verdicts) {
            let status = match verdict {
                Verdict::Sent { serial_no } => {
                    sent += 1;
                    Status::Sent {
                        serial_no,
                        fee: None,
                        code: "Ok".into(),
                        reconciled: true,
                    }
                }
                Verdict::NotSent => {
                    not_sent += 1;
                    let allowed = number.resends < self.shared.config.resend_not_sent;
                    match (&unsettled.group, allowed) {
                        (Some(_), true) => {
                            again.push(Pending {
                                resends: number.resends + 1,
                                ..number
                            });
                            continue;
                        }
                        (None, true) if !self.input_done => {
                            // Parameters are not journaled: the input still has this number, so it is sent
                            // from there (forget it was seen).
                            self.journal.release(std::slice::from_ref(&number.e164))?;
                            self.seen.remove(&number.key);
                            self.summary.resent += 1;
                            continue;
                        }
                        // Taken over after the input ended: nothing to send it from.
                        (None, true) | (_, false) => Status::NotSent {
                            reason: NotSentReason::ProvenNotSent,
                        },
                    }
                }
                Verdict::Unknown(reason) => {
                    unknown += 1;
                    Status::Unknown { reason }
                }
            };
            outcomes.push(Outcome {
                number: number.e164,
                index: number.index,
                batch: Some(unsettled.id.clone()),
                status,
            });
        }
        self.summary.reconciled += u64::from(sent + not_sent);
        tracing::info!(
            target: "sdk_sms::bulk",
            batch = %unsettled.id,
            sent,
            not_sent,
            unknown,
            resend = again.len(),
            "reconciled"
        );
        if let (Some(group), false) = (unsettled.group, again.is_empty()) {
            let numbers: Vec<String> = again.iter().map(|p| p.e164.clone()).collect();
            self.journal.release(&numbers)?;
            self.summary.resent += again.len() as u64;
            self.ready_batch(group, again);
        }
        self.emit_all(outcomes)
    }

    /// Journals outcomes (flushed, not synced: a lost outcome only means a reconciliation on resume) and
    /// queues them for the stream.
    fn emit_all(&mut self, outcomes: Vec<Outcome>) -> Result<(), BulkError> {
        for outcome in outcomes {
            self.journal.append(&Entry::Outcome(outcome.clone()))?;
            self.summary.count(&outcome);
            self.backlog.push_back(outcome);
        }
        self.journal.commit(false)?;
        Ok(())
    }
}

/// The batches a finished sync made durable; pending while no sync runs.
async fn synced(unsynced: &mut Option<GroupSync<Batch>>) -> Result<Vec<Batch>, JournalError> {
    match unsynced {
        Some(unsynced) => unsynced.synced().await,
        None => std::future::pending().await,
    }
}

/// The next heartbeat, or never when the journal has no leases.
async fn tick(heartbeat: &mut Option<tokio::time::Interval>) {
    match heartbeat {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// A number of a batch taken over from an earlier run or a stopped worker: remembered as done elsewhere
/// (its input occurrence is skipped) while it is reconciled.
fn taken_over(seen: &mut HashMap<NumberKey, Seen>, e164: String) -> Pending {
    let key = group::key_of(&e164);
    seen.insert(key, Seen::Journal);
    Pending {
        index: None,
        e164,
        key,
        resends: 0,
    }
}

/// Sends one batch until it is answered, may have reached the service, or is given up as not sent.
async fn send(shared: Arc<Shared>, batch: Batch) -> Sent {
    let config = &shared.config;
    let mut request = SendSmsRequest::new(SendSmsRequired {
        phone_number_set: batch.numbers.iter().map(|p| p.e164.clone()).collect(),
        sms_sdk_app_id: config.sms_sdk_app_id.clone(),
        template_id: config.template_id.clone(),
    })
    .session_context(batch.id.clone());
    if let Some(sign) = &config.sign_name {
        request = request.sign_name(sign.clone());
    }
    if !batch.group.params.is_empty() {
        request = request.template_param_set(batch.group.params.clone());
    }
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let ticket = shared.pace.turn().await;
        shared.send_requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let error = match shared.client.send_sms(&request).await {
            Ok(answer) => {
                shared.pace.succeeded();
                let answered = answered(&batch, answer.send_status_set);
                let sent = answered
                    .outcomes
                    .iter()
                    .filter(|o| matches!(o.status, Status::Sent { .. }))
                    .count();
                tracing::info!(
                    target: "sdk_sms::bulk",
                    batch = %batch.id,
                    region = batch.group.region.as_str(),
                    numbers = batch.numbers.len(),
                    sent,
                    not_ok = answered.outcomes.len() - sent,
                    without_status = answered.unknown.as_ref().map_or(0, |u| u.numbers.len()),
                    attempt,
                    request_id = %answer.request_id,
                    latency_ms = started.elapsed().as_millis() as u64,
                    "SendSms answered"
                );
                return answered;
            }
            Err(e) => e,
        };
        let retry = if error.is_throttling() {
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            let (pause, level) = shared.pace.throttled(ticket);
            tracing::warn!(
                target: "sdk_sms::bulk",
                batch = %batch.id,
                code = error.code().unwrap_or("HTTP 429"),
                attempt,
                pause_ms = pause.as_millis() as u64,
                level,
                "throttled; the whole campaign slows down"
            );
            Some(NotSentReason::Throttled)
        } else if error.is_connect() {
            tracing::warn!(target: "sdk_sms::bulk", batch = %batch.id, attempt, "could not connect; not sent");
            tokio::time::sleep(super::pace::jitter(
                CONNECT_BACKOFF.saturating_mul(1 << (attempt - 1).min(5)),
            ))
            .await;
            Some(NotSentReason::Unreachable)
        } else {
            None
        };
        match retry {
            Some(reason) if attempt >= config.max_send_attempts => {
                return Sent::done(all(&batch, Status::NotSent { reason }));
            }
            Some(_) => continue,
            None => return failed(&batch, &error, attempt),
        }
    }
}

/// A request that failed for good, or may have reached the service.
fn failed(batch: &Batch, error: &sdk_core::Error, attempt: u32) -> Sent {
    let may_have_reached = error.may_have_reached_service()
        || error.is_decode()
        || error.is_timeout() && !error.is_connect()
        || error.is_transport() && !error.is_connect()
        || error.is_status();
    tracing::warn!(
        target: "sdk_sms::bulk",
        batch = %batch.id,
        numbers = batch.numbers.len(),
        code = error.code(),
        status = error.status(),
        may_have_reached,
        attempt,
        "SendSms failed"
    );
    if may_have_reached {
        return Sent {
            outcomes: Vec::new(),
            unknown: Some(batch.unsettled(batch.numbers.clone(), unknown_reason(error))),
        };
    }
    let status = match error.code() {
        Some(code) if error.is_service() => Status::Rejected { code: code.to_owned() },
        _ => Status::NotSent {
            reason: NotSentReason::Client(error.to_string()),
        },
    };
    Sent::done(all(batch, status))
}

fn unknown_reason(e: &sdk_core::Error) -> String {
    if let Some(code) = e.code() {
        format!("service error {code}")
    } else if let Some(status) = e.status() {
        format!("HTTP {status}")
    } else if e.is_timeout() {
        "timeout".into()
    } else if e.is_decode() {
        "answer could not be decoded".into()
    } else {
        "connection failed after sending".into()
    }
}

fn all(batch: &Batch, status: Status) -> Vec<Outcome> {
    batch
        .numbers
        .iter()
        .map(|p| Outcome {
            number: p.e164.clone(),
            index: p.index,
            batch: Some(batch.id.clone()),
            status: status.clone(),
        })
        .collect()
}

/// Each number's `SendStatus`, matched by its E.164 spelling (the service answers in E.164). A number the
/// answer says nothing about may have gone out: it is reconciled like an unknown request.
fn answered(batch: &Batch, statuses: Vec<SendStatus>) -> Sent {
    let mut by_number: HashMap<String, SendStatus> =
        statuses.into_iter().map(|s| (s.phone_number.clone(), s)).collect();
    let mut outcomes = Vec::with_capacity(batch.numbers.len());
    let mut missing = Vec::new();
    for p in &batch.numbers {
        let status = match by_number.remove(&p.e164) {
            Some(s) if s.code == "Ok" => Status::Sent {
                serial_no: s.serial_no,
                fee: Some(s.fee),
                code: s.code,
                reconciled: false,
            },
            Some(s) => Status::Rejected { code: s.code },
            None => {
                missing.push(p.clone());
                continue;
            }
        };
        outcomes.push(Outcome {
            number: p.e164.clone(),
            index: p.index,
            batch: Some(batch.id.clone()),
            status,
        });
    }
    let unknown =
        (!missing.is_empty()).then(|| batch.unsettled(missing, "the answer has no status for these numbers".into()));
    Sent { outcomes, unknown }
}

impl Batch {
    fn unsettled(&self, numbers: Vec<Pending>, reason: String) -> Unsettled {
        Unsettled {
            id: self.id.clone(),
            group: Some(self.group.clone()),
            numbers,
            at: self.at,
            reason,
        }
    }
}
