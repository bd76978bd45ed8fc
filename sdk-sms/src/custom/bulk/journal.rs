//! Where outcomes go: the [`Journal`] trait, the JSON-lines file [`JsonlJournal`], and [`NoJournal`].
//!
//! A journal holds **phone numbers**, which are personal data: keep the file where only the campaign's
//! operators can read it, and delete it when the campaign's records are no longer needed. It holds no
//! template parameters (they may be verification codes) and no message texts from the service (they may
//! quote a number).
//!
//! # Format (one JSON object per line, field `t` says which)
//!
//! ```text
//! {"t":"campaign","identity":{"name":"spring","sms_sdk_app_id":"1400006666","template_id":"1110","sign_name":"…","params_digest":"9f…","input_digest":null},"started":1733212790}
//! {"t":"dispatch","batch":"bulk-3f2a…-17","at":1733212800,"numbers":["+8613800000000", …]}
//! {"t":"outcome","number":"+8613800000000","index":41,"batch":"bulk-3f2a…-17","status":{"kind":"sent","serial_no":"2433:…","fee":1,"code":"Ok","reconciled":false}}
//! {"t":"outcome","number":"12345","index":42,"batch":null,"status":{"kind":"rejected","code":"InvalidParameterValue.IncorrectPhoneNumber"}}
//! ```
//!
//! `campaign` is the first record, written by the first run; a run whose [`CampaignIdentity`] differs, or
//! a journal not starting with one, is refused (`BulkError::OtherCampaign`, or a journal error) before any
//! number is skipped or sent. `dispatch` is written (and flushed, by default synced) before the request is sent; an `outcome` once per
//! number when it is final. On replay, a number with an `outcome` is done; a number dispatched without one
//! was in flight at a crash and is reconciled. A last line cut off by a crash (no newline) is dropped; any
//! other line that is not a record is an error naming the file and line.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{CampaignIdentity, Outcome};

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Entry {
    /// The campaign this journal belongs to: always the first record. `started` is Unix seconds of the
    /// first run.
    Campaign { identity: CampaignIdentity, started: i64 },
    /// A request is about to be sent with these numbers (E.164) and this batch id as `SessionContext`.
    Dispatch {
        batch: String,
        /// Unix seconds (the client's clock, corrected by its server offset).
        at: i64,
        numbers: Vec<String>,
    },
    /// A number's final outcome.
    Outcome(Outcome),
}

/// Durable storage of a campaign's progress. Implementations are used from one task at a time.
///
/// The first three methods are all a single-process journal needs. The others, with defaults that fit
/// such a journal, let a shared store (`store::SqliteStore`) run one campaign from many workers: numbers
/// are claimed at dispatch, so a number is dispatched by one worker only; leases on in-flight batches are
/// renewed by [`heartbeat`](Journal::heartbeat), and a worker that has nothing left takes over batches
/// whose lease ran out ([`orphans`](Journal::orphans)) and reconciles them.
pub trait Journal: Send {
    /// Calls `visit` with every record written so far (by earlier runs), oldest first. A shared store
    /// visits only what this worker must handle: outcomes, and dispatches of batches it now holds.
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError>;
    /// Appends a record (it may stay buffered until [`commit`](Journal::commit)).
    fn append(&mut self, entry: &Entry) -> Result<(), JournalError>;
    /// Makes the records appended so far survive a crash of this process (`durable`: of the machine too).
    fn commit(&mut self, durable: bool) -> Result<(), JournalError>;

    /// Records a dispatch before its request is sent and says, per number, whether this worker may send
    /// it (`false`: another worker holds it or it has an outcome). `campaign_params`: the batch uses the
    /// campaign's template parameters (not recipients' own), so a worker taking it over can send its
    /// numbers proven not sent again. Default: appends [`Entry::Dispatch`] and allows all.
    fn claim(
        &mut self,
        batch: &str,
        at: i64,
        numbers: &[String],
        _campaign_params: bool,
    ) -> Result<Vec<bool>, JournalError> {
        self.append(&Entry::Dispatch {
            batch: batch.to_owned(),
            at,
            numbers: numbers.to_vec(),
        })?;
        Ok(vec![true; numbers.len()])
    }
    /// These numbers were proven not sent and may be claimed again (resending is allowed). Default: nothing
    /// to do (the journal's replay finds them in flight and reconciles them again).
    fn release(&mut self, _numbers: &[String]) -> Result<(), JournalError> {
        Ok(())
    }
    /// How often [`heartbeat`](Journal::heartbeat) must run; `None`: never (no leases).
    fn heartbeat_every(&self) -> Option<Duration> {
        None
    }
    /// Renews the leases of this worker's in-flight batches.
    fn heartbeat(&mut self) -> Result<(), JournalError> {
        Ok(())
    }
    /// Asked when this worker's input is over and its own work done.
    fn orphans(&mut self) -> Result<Orphans, JournalError> {
        Ok(Orphans::None)
    }
    /// Where reconciliation looks for delivery receipts before it asks the service.
    fn receipts(&self) -> Option<Arc<dyn Receipts>> {
        None
    }
    /// A handle that makes durable, from another thread, what [`commit`](Journal::commit)`(false)` wrote
    /// before it is called. With one, a campaign syncs its dispatch records on a blocking thread while it
    /// goes on, one sync for all the records written meanwhile (group commit); without (the default), it
    /// calls `commit(true)` after each dispatch.
    fn sync_handle(&self) -> Option<SyncHandle> {
        None
    }
}

/// See [`Journal::sync_handle`].
#[derive(Clone)]
pub struct SyncHandle(Arc<dyn Fn() -> Result<(), JournalError> + Send + Sync>);

impl SyncHandle {
    pub fn new(sync: impl Fn() -> Result<(), JournalError> + Send + Sync + 'static) -> SyncHandle {
        SyncHandle(Arc::new(sync))
    }

    /// Blocks until what was written before the call is durable.
    pub fn sync(&self) -> Result<(), JournalError> {
        (self.0)()
    }
}

impl fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncHandle")
    }
}

/// A boxed journal is a journal (a program choosing its journal at run time).
impl<J: Journal + ?Sized> Journal for Box<J> {
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        (**self).replay(visit)
    }
    fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        (**self).append(entry)
    }
    fn commit(&mut self, durable: bool) -> Result<(), JournalError> {
        (**self).commit(durable)
    }
    fn claim(
        &mut self,
        batch: &str,
        at: i64,
        numbers: &[String],
        campaign_params: bool,
    ) -> Result<Vec<bool>, JournalError> {
        (**self).claim(batch, at, numbers, campaign_params)
    }
    fn release(&mut self, numbers: &[String]) -> Result<(), JournalError> {
        (**self).release(numbers)
    }
    fn heartbeat_every(&self) -> Option<Duration> {
        (**self).heartbeat_every()
    }
    fn heartbeat(&mut self) -> Result<(), JournalError> {
        (**self).heartbeat()
    }
    fn orphans(&mut self) -> Result<Orphans, JournalError> {
        (**self).orphans()
    }
    fn receipts(&self) -> Option<Arc<dyn Receipts>> {
        (**self).receipts()
    }
    fn sync_handle(&self) -> Option<SyncHandle> {
        (**self).sync_handle()
    }
}

/// What is left of a campaign when a worker has done its part.
#[derive(Debug)]
pub enum Orphans {
    /// Nothing in flight anywhere: the campaign is complete.
    None,
    /// Other workers hold live leases: ask again after this long.
    Wait(Duration),
    /// Batches whose worker stopped renewing its lease, now held by this worker.
    Claimed(Vec<Orphan>),
}

impl Orphans {
    /// What a store's take-over found: the batches it took, else a wait while other workers' leases
    /// are live (a third of the lease, at most 5 s, so an expiry is seen soon after it happens), else none.
    pub(crate) fn after_takeover(taken: Vec<Orphan>, others_live: bool, lease: Duration) -> Orphans {
        if !taken.is_empty() {
            Orphans::Claimed(taken)
        } else if others_live {
            Orphans::Wait((lease / 3).min(Duration::from_secs(5)))
        } else {
            Orphans::None
        }
    }
}

/// A batch taken over from a worker that stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub batch: String,
    /// Unix seconds of its dispatch.
    pub at: i64,
    /// Its numbers without an outcome (E.164).
    pub numbers: Vec<String>,
    /// It was sent with the campaign's template parameters.
    pub campaign_params: bool,
}

/// Delivery receipts (status reports) received for a campaign's numbers.
pub trait Receipts: Send + Sync {
    /// For each number (E.164), the `sid` (SerialNo) of a receipt for it received at or after `since`
    /// (Unix seconds), if any.
    fn since(&self, numbers: &[String], since: i64) -> Result<Vec<Option<String>>, JournalError>;
}

/// A journal that keeps nothing: no resume after a crash.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoJournal;

impl Journal for NoJournal {
    fn replay(&mut self, _visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        Ok(())
    }
    fn append(&mut self, _entry: &Entry) -> Result<(), JournalError> {
        Ok(())
    }
    fn commit(&mut self, _durable: bool) -> Result<(), JournalError> {
        Ok(())
    }
}

/// Longest line read back: a record of 200 numbers is about 4 KB.
const MAX_LINE_BYTES: u64 = 1 << 20;

/// The JSON-lines journal file (see the [module docs](self) for the format).
#[derive(Debug)]
pub struct JsonlJournal {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl JsonlJournal {
    /// Opens (or creates) the journal at `path`; earlier records stay and are replayed.
    pub fn open(path: impl AsRef<Path>) -> Result<JsonlJournal, JournalError> {
        let path = path.as_ref().to_path_buf();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| JournalError::io(&path, None, "cannot open", e))?;
        Ok(JsonlJournal {
            path,
            writer: BufWriter::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_all(&self, visit: &mut dyn FnMut(Entry)) -> Result<Option<u64>, JournalError> {
        let file = File::open(&self.path).map_err(|e| JournalError::io(&self.path, None, "cannot read", e))?;
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let (mut number, mut complete_bytes) = (0u64, 0u64);
        loop {
            line.clear();
            number += 1;
            let read = (&mut reader)
                .take(MAX_LINE_BYTES + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| JournalError::io(&self.path, Some(number), "cannot read", e))?;
            if read == 0 {
                return Ok(None);
            }
            if line.last() != Some(&b'\n') {
                if read as u64 > MAX_LINE_BYTES {
                    return Err(JournalError::format(&self.path, number, "line longer than 1 MiB"));
                }
                // Cut off by a crash while writing: everything before it stands.
                return Ok(Some(complete_bytes));
            }
            complete_bytes += read as u64;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let entry: Entry = serde_json::from_slice(&line).map_err(|e| {
                JournalError::format(
                    &self.path,
                    number,
                    // serde's message can quote a value (a phone number): say only where and what kind.
                    &format!(
                        "not a journal record ({:?} error at column {})",
                        e.classify(),
                        e.column()
                    ),
                )
            })?;
            visit(entry);
        }
    }
}

impl Journal for JsonlJournal {
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        self.commit(false)?;
        if let Some(keep) = self.read_all(visit)? {
            // Drop the torn last line so the next record starts on a line of its own.
            let file = self.writer.get_mut();
            file.set_len(keep)
                .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
                .map_err(|e| JournalError::io(&self.path, None, "cannot drop the torn last line of", e))?;
        }
        Ok(())
    }

    fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| JournalError::io(&self.path, None, "cannot encode a record for", e.into()))?;
        line.push(b'\n');
        self.writer
            .write_all(&line)
            .map_err(|e| JournalError::io(&self.path, None, "cannot write", e))
    }

    fn commit(&mut self, durable: bool) -> Result<(), JournalError> {
        self.writer
            .flush()
            .map_err(|e| JournalError::io(&self.path, None, "cannot write", e))?;
        if durable {
            self.writer
                .get_ref()
                .sync_data()
                .map_err(|e| JournalError::io(&self.path, None, "cannot sync", e))?;
        }
        Ok(())
    }

    fn sync_handle(&self) -> Option<SyncHandle> {
        // A second descriptor of the same open file: syncing it syncs what this one wrote.
        let file = self.writer.get_ref().try_clone().ok()?;
        let path = self.path.clone();
        Some(SyncHandle::new(move || {
            file.sync_data()
                .map_err(|e| JournalError::io(&path, None, "cannot sync", e))
        }))
    }
}

/// A journal could not be read or written; says which file and, when reading, which line.
#[derive(Debug)]
pub struct JournalError {
    path: Option<PathBuf>,
    line: Option<u64>,
    message: String,
    source: Option<std::io::Error>,
}

impl JournalError {
    fn io(path: &Path, line: Option<u64>, what: &str, source: std::io::Error) -> JournalError {
        JournalError {
            path: Some(path.to_path_buf()),
            line,
            message: format!("{what} the journal"),
            source: Some(source),
        }
    }

    fn format(path: &Path, line: u64, message: &str) -> JournalError {
        JournalError {
            path: Some(path.to_path_buf()),
            line: Some(line),
            message: message.to_owned(),
            source: None,
        }
    }

    /// For [`Journal`] implementations outside this crate.
    pub fn new(message: impl Into<String>) -> JournalError {
        JournalError {
            path: None,
            line: None,
            message: message.into(),
            source: None,
        }
    }

    /// The journal file, when the journal is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The line (1-based) a replay failed at.
    pub fn line(&self) -> Option<u64> {
        self.line
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("journal")?;
        if let Some(p) = &self.path {
            write!(f, " {}", p.display())?;
        }
        if let Some(l) = self.line {
            write!(f, " line {l}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::Status;

    fn temp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("sdk-sms-journal-{name}-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    fn replayed(j: &mut JsonlJournal) -> Result<Vec<Entry>, JournalError> {
        let mut all = Vec::new();
        j.replay(&mut |e| all.push(e))?;
        Ok(all)
    }

    fn dispatch(batch: &str) -> Entry {
        Entry::Dispatch {
            batch: batch.into(),
            at: 1_700_000_000,
            numbers: vec!["+8613800000000".into()],
        }
    }

    #[test]
    fn records_round_trip_and_a_torn_last_line_is_dropped() {
        let path = temp("torn");
        let outcome = Entry::Outcome(Outcome {
            number: "+8613800000000".into(),
            index: Some(0),
            batch: Some("b1".into()),
            status: Status::Rejected { code: "X".into() },
        });
        {
            let mut j = JsonlJournal::open(&path).unwrap();
            j.append(&dispatch("b1")).unwrap();
            j.append(&outcome).unwrap();
            j.commit(true).unwrap();
        }
        // A crash in the middle of writing the next record.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"t":"dispatch","batch":"b2","at":17"#).unwrap();
        drop(f);

        let mut j = JsonlJournal::open(&path).unwrap();
        assert_eq!(replayed(&mut j).unwrap(), [dispatch("b1"), outcome.clone()]);
        j.append(&dispatch("b3")).unwrap();
        j.commit(false).unwrap();
        let mut j = JsonlJournal::open(&path).unwrap();
        assert_eq!(replayed(&mut j).unwrap(), [dispatch("b1"), outcome, dispatch("b3")]);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_bad_line_in_the_middle_names_file_and_line_without_quoting_it() {
        let path = temp("bad");
        let line = serde_json::to_string(&dispatch("b1")).unwrap();
        std::fs::write(
            &path,
            format!("{line}\n{{\"t\":\"outcome\",\"number\":+8613912345678}}\n{line}\n"),
        )
        .unwrap();
        let mut j = JsonlJournal::open(&path).unwrap();
        let err = replayed(&mut j).unwrap_err();
        assert_eq!(err.line(), Some(2));
        let text = err.to_string();
        assert!(
            text.contains(&path.display().to_string()) && text.contains("line 2"),
            "{text}"
        );
        assert!(!text.contains("13912345678"), "{text}");
        let _ = std::fs::remove_file(&path);
    }
}
