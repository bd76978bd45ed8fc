//! The campaign store on an SQLite file (feature `sqlite`): one campaign, any number of worker processes
//! on one machine (or one shared file system that honours SQLite's locks), crash-safe.
//!
//! # What the database holds and enforces
//!
//! ```text
//! meta(key PRIMARY KEY, value)               identity (JSON), started (Unix s), schema version (PRAGMA user_version)
//! batches(id PRIMARY KEY, at, owner, lease_until_ms, campaign_params)
//! numbers(number PRIMARY KEY, batch REFERENCES batches, outcome, code, resend_ok, resends)
//! receipts(sid PRIMARY KEY, number, report_status, errmsg, received_at)
//! ```
//!
//! - **One outcome per number**: `numbers.number` is the primary key, outcomes are written only
//!   `WHERE outcome IS NULL`, and a trigger aborts any change of an outcome once set.
//! - **No re-dispatch of a number with an outcome, by construction**: a dispatch *claims* its numbers by
//!   inserting their rows; an existing row is taken only when it has no outcome and was released (proven
//!   not sent, resending allowed), and a trigger aborts moving a number with an outcome to another batch.
//!   Two workers reading the same input therefore never send one number twice: the second claim fails.
//! - **Leases**: every batch row has an owner (a random id per open store) and `lease_until_ms`, renewed
//!   by [`Journal::heartbeat`]. A worker whose input is over takes over, in one `BEGIN IMMEDIATE`
//!   transaction (SQLite's whole-database write lock is its `FOR UPDATE SKIP LOCKED`), batches whose lease
//!   ran out and that still have numbers without an outcome, and reconciles them (never resends them
//!   blindly).
//! - **Identity and schema**: the store is bound to one [`CampaignIdentity`] when created; opening it for
//!   another is an error naming what differs. `PRAGMA user_version` is the schema version; another
//!   version is refused with an error saying which.
//! - **Receipts**: status reports written by a receiver ([`SqliteStore::record_receipts`]), deduplicated
//!   by `sid`; reconciliation reads them ([`Journal::receipts`]) before asking the service.
//!
//! Durability: WAL with `synchronous=FULL`; each claim is its own transaction, committed before the
//! request is sent; outcomes are written in one transaction per [`Journal::commit`].
//!
//! The JSON-lines journal stays: it needs no dependency, and is the export format's sibling; the store
//! replaces it when several workers share a campaign or receipts must be kept.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::journal::{Entry, Journal, JournalError, Orphan, Orphans, Receipts};
use super::records::{export_line, now_ms};
use super::{CampaignIdentity, Outcome};
use crate::callback::{ReportStatus, StatusReport};

pub use super::records::DEFAULT_LEASE;
pub use super::records::SCHEMA_VERSION;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    owner TEXT NOT NULL,
    lease_until_ms INTEGER NOT NULL,
    campaign_params INTEGER NOT NULL
);
CREATE TABLE numbers (
    number TEXT PRIMARY KEY,
    batch TEXT REFERENCES batches(id),
    outcome TEXT,
    code TEXT,
    resend_ok INTEGER NOT NULL DEFAULT 0,
    resends INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX numbers_open ON numbers(batch) WHERE outcome IS NULL;
CREATE TABLE receipts (
    sid TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    report_status TEXT NOT NULL,
    errmsg TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX receipts_number ON receipts(number, received_at);
CREATE TRIGGER one_outcome BEFORE UPDATE OF outcome ON numbers WHEN OLD.outcome IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a number has one outcome'); END;
CREATE TRIGGER no_redispatch BEFORE UPDATE OF batch ON numbers WHEN OLD.outcome IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a number with an outcome is never dispatched again'); END;
";

/// A campaign store on an SQLite file; implements [`Journal`] (pass it to `BulkSender::send_*`).
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
    owner: String,
    lease: Duration,
    /// Outcomes appended since the last commit.
    pending: Vec<Outcome>,
    identity: CampaignIdentity,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("owner", &self.owner)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

fn err(path: &Path, what: &str, e: impl std::fmt::Display) -> JournalError {
    JournalError::new(format!("store {}: {what}: {e}", path.display()))
}

impl SqliteStore {
    /// Opens (or creates) the store at `path` for the campaign `identity`
    /// (`CampaignIdentity::of(&config)`). Refused: a store of another campaign, or of another schema
    /// version.
    pub fn open(path: impl AsRef<Path>, identity: &CampaignIdentity) -> Result<SqliteStore, JournalError> {
        let path = path.as_ref().to_path_buf();
        let conn = connect(&path)?;
        let store = SqliteStore {
            conn,
            owner: sdk_core::idempotency_token(),
            lease: DEFAULT_LEASE,
            pending: Vec::new(),
            identity: identity.clone(),
            path,
        };
        store.bind()?;
        Ok(store)
    }

    /// Opens an existing store for whatever campaign it holds (to export it, or to look at it): no
    /// identity to compare. Refused: a file that is not a store of this schema version.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<SqliteStore, JournalError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(JournalError::new(format!("store {}: no such file", path.display())));
        }
        let conn = connect(&path)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|x| err(&path, "cannot read the schema version", x))?;
        if version != SCHEMA_VERSION {
            return Err(JournalError::new(format!(
                "store {}: schema version {version}, this build reads version {SCHEMA_VERSION} only",
                path.display()
            )));
        }
        let mut store = SqliteStore {
            conn,
            owner: sdk_core::idempotency_token(),
            lease: DEFAULT_LEASE,
            pending: Vec::new(),
            identity: CampaignIdentity::of(&super::BulkConfig::new("", "")),
            path,
        };
        store.identity = store.stored_identity()?;
        Ok(store)
    }

    /// The campaign this store belongs to.
    pub fn identity(&self) -> &CampaignIdentity {
        &self.identity
    }

    /// Lease of this worker's in-flight batches (renewed every third of it). Default 30 s.
    pub fn lease(mut self, lease: Duration) -> SqliteStore {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// Creates the schema in an empty file, or checks version and identity of an existing one.
    fn bind(&self) -> Result<(), JournalError> {
        let e = |what: &str, x: rusqlite::Error| err(&self.path, what, x);
        let tx = self.conn.unchecked_transaction().map_err(|x| e("cannot begin", x))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|x| e("cannot read the schema version", x))?;
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|x| e("cannot read the schema", x))?;
        if version == 0 && tables == 0 {
            tx.execute_batch(SCHEMA).map_err(|x| e("cannot create the schema", x))?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|x| e("cannot set the schema version", x))?;
            let identity = serde_json::to_string(&self.identity).map_err(|x| err(&self.path, "identity", x))?;
            tx.execute(
                "INSERT INTO meta VALUES ('identity', ?1), ('started', ?2)",
                params![identity, now_ms() / 1000],
            )
            .map_err(|x| e("cannot write the campaign", x))?;
        } else if version != SCHEMA_VERSION {
            return Err(JournalError::new(format!(
                "store {}: schema version {version}, this build reads version {SCHEMA_VERSION} only{}",
                self.path.display(),
                if version == 0 { " (not a campaign store)" } else { "" }
            )));
        }
        tx.commit().map_err(|x| e("cannot commit", x))?;
        let stored = self.stored_identity()?;
        if let Some(differs) = self.identity.mismatch(&stored) {
            return Err(JournalError::new(format!(
                "store {} belongs to another campaign (differs in {differs}): refusing it",
                self.path.display()
            )));
        }
        Ok(())
    }

    fn stored_identity(&self) -> Result<CampaignIdentity, JournalError> {
        let text: String = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'identity'", [], |r| r.get(0))
            .map_err(|x| err(&self.path, "cannot read the campaign", x))?;
        serde_json::from_str(&text).map_err(|x| err(&self.path, "the campaign record is damaged", x))
    }

    fn started(&self) -> Result<i64, JournalError> {
        let text: String = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'started'", [], |r| r.get(0))
            .map_err(|x| err(&self.path, "cannot read the start time", x))?;
        text.parse()
            .map_err(|x| err(&self.path, "the start time is damaged", x))
    }

    /// Stores status reports (a receiver calls this); a report whose `sid` is stored already is ignored.
    /// Returns how many were new.
    pub fn record_receipts(&mut self, reports: &[StatusReport]) -> Result<usize, JournalError> {
        record_receipts(&mut self.conn, &self.path, reports)
    }

    /// Numbers without an outcome (in flight somewhere); 0 when the campaign is complete.
    pub fn open_numbers(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT count(*) FROM numbers WHERE outcome IS NULL", [], |r| r.get(0))
            .map_err(|x| err(&self.path, "cannot count", x))
    }

    /// Writes every number's outcome as one JSON line (`number`, `status`, `code`, `batch`, and the
    /// delivery `receipt` status when one arrived), in number order. Returns how many.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<u64, JournalError> {
        let e = |x: rusqlite::Error| err(&self.path, "cannot export", x);
        let mut statement = self
            .conn
            .prepare(
                "SELECT n.number, n.outcome, (SELECT r.report_status FROM receipts r WHERE r.number = n.number \
                 ORDER BY r.received_at DESC LIMIT 1) FROM numbers n WHERE n.outcome IS NOT NULL ORDER BY n.number",
            )
            .map_err(e)?;
        let mut rows = statement.query([]).map_err(e)?;
        let mut count = 0;
        while let Some(row) = rows.next().map_err(e)? {
            let (number, outcome, receipt): (String, String, Option<String>) =
                (row.get(0).map_err(e)?, row.get(1).map_err(e)?, row.get(2).map_err(e)?);
            let outcome: Outcome =
                serde_json::from_str(&outcome).map_err(|x| err(&self.path, "a stored outcome is damaged", x))?;
            let line = export_line(&number, &outcome, receipt.as_deref());
            writeln!(out, "{line}").map_err(|x| err(&self.path, "cannot write the export", x))?;
            count += 1;
        }
        Ok(count)
    }

    fn visit_outcomes(&self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        let e = |x: rusqlite::Error| err(&self.path, "cannot read outcomes", x);
        let mut statement = self
            .conn
            .prepare("SELECT outcome FROM numbers WHERE outcome IS NOT NULL")
            .map_err(e)?;
        let mut rows = statement.query([]).map_err(e)?;
        while let Some(row) = rows.next().map_err(e)? {
            let text: String = row.get(0).map_err(e)?;
            let outcome: Outcome =
                serde_json::from_str(&text).map_err(|x| err(&self.path, "a stored outcome is damaged", x))?;
            visit(Entry::Outcome(outcome));
        }
        Ok(())
    }

    /// In one write transaction: batches whose lease ran out and that have numbers without an outcome
    /// become this worker's; returns them as dispatches, and whether others still hold live leases.
    fn take_expired(&mut self) -> Result<(Vec<Orphan>, bool), JournalError> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| err(&path, "cannot take over batches", x);
        let now = now_ms();
        let until = now + self.lease.as_millis() as i64;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let open: Vec<(String, i64, i64, String, bool)> = {
            let mut statement = tx
                .prepare(
                    "SELECT b.id, b.at, b.lease_until_ms, b.owner, b.campaign_params FROM batches b WHERE EXISTS \
                     (SELECT 1 FROM numbers n WHERE n.batch = b.id AND n.outcome IS NULL)",
                )
                .map_err(e)?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .map_err(e)?;
            rows.collect::<Result<_, _>>().map_err(e)?
        };
        let mut taken = Vec::new();
        let mut others_live = false;
        for (id, at, lease_until, owner, campaign_params) in open {
            if owner != self.owner && lease_until >= now {
                others_live = true;
                continue;
            }
            tx.execute(
                "UPDATE batches SET owner = ?1, lease_until_ms = ?2 WHERE id = ?3",
                params![self.owner, until, id],
            )
            .map_err(e)?;
            let numbers: Vec<String> = {
                let mut statement = tx
                    .prepare("SELECT number FROM numbers WHERE batch = ?1 AND outcome IS NULL")
                    .map_err(e)?;
                let rows = statement.query_map([&id], |r| r.get(0)).map_err(e)?;
                rows.collect::<Result<_, _>>().map_err(e)?
            };
            taken.push(Orphan {
                batch: id,
                at,
                numbers,
                campaign_params,
            });
        }
        tx.commit().map_err(e)?;
        Ok((taken, others_live))
    }

    /// A second connection for reading receipts while the campaign runs.
    fn receipt_reader(&self) -> Result<Arc<dyn Receipts>, JournalError> {
        Ok(Arc::new(ReceiptReader {
            conn: Mutex::new(connect(&self.path)?),
            path: self.path.clone(),
        }))
    }
}

fn connect(path: &Path) -> Result<Connection, JournalError> {
    let conn = Connection::open(path).map_err(|x| err(path, "cannot open", x))?;
    conn.busy_timeout(Duration::from_secs(60))
        .and_then(|()| conn.pragma_update(None, "journal_mode", "WAL"))
        .and_then(|()| conn.pragma_update(None, "synchronous", "FULL"))
        .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
        .map_err(|x| err(path, "cannot configure", x))?;
    Ok(conn)
}

fn record_receipts(conn: &mut Connection, path: &Path, reports: &[StatusReport]) -> Result<usize, JournalError> {
    let e = |x: rusqlite::Error| err(path, "cannot store receipts", x);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)?;
    let mut new = 0;
    {
        let mut insert = tx
            .prepare_cached("INSERT OR IGNORE INTO receipts VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(e)?;
        for r in reports {
            let status = match r.report_status {
                ReportStatus::Success => "SUCCESS",
                ReportStatus::Fail => "FAIL",
            };
            // A report without a readable time counts as received now.
            let at = r.received_at().unwrap_or(now_ms() / 1000);
            new += insert
                .execute(params![r.sid, r.e164(), status, r.errmsg, at])
                .map_err(e)?;
        }
    }
    tx.commit().map_err(e)?;
    Ok(new)
}

impl Journal for SqliteStore {
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        visit(Entry::Campaign {
            identity: self.stored_identity()?,
            started: self.started()?,
        });
        self.visit_outcomes(visit)?;
        // Batches of workers that stopped are this worker's to reconcile; live workers' are left alone
        // (their numbers are refused at claim).
        let (taken, _) = self.take_expired()?;
        for orphan in taken {
            visit(Entry::Dispatch {
                batch: orphan.batch,
                at: orphan.at,
                numbers: orphan.numbers,
            });
        }
        Ok(())
    }

    fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        match entry {
            Entry::Outcome(o) => self.pending.push(o.clone()),
            // The campaign record is written at creation; dispatches go through `claim`.
            Entry::Campaign { .. } | Entry::Dispatch { .. } => {}
        }
        Ok(())
    }

    fn commit(&mut self, _durable: bool) -> Result<(), JournalError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |x: rusqlite::Error| err(&path, "cannot write outcomes", x);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO numbers (number, outcome, code) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(number) DO UPDATE SET outcome = excluded.outcome, code = excluded.code \
                     WHERE numbers.outcome IS NULL",
                )
                .map_err(e)?;
            for o in &self.pending {
                let json = serde_json::to_string(o).map_err(|x| err(&path, "cannot encode an outcome", x))?;
                insert.execute(params![o.number, json, o.status.code()]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        self.pending.clear();
        Ok(())
    }

    fn claim(
        &mut self,
        batch: &str,
        at: i64,
        numbers: &[String],
        campaign_params: bool,
    ) -> Result<Vec<bool>, JournalError> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| err(&path, "cannot claim numbers", x);
        let until = now_ms() + self.lease.as_millis() as i64;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        tx.execute(
            "INSERT INTO batches (id, at, owner, lease_until_ms, campaign_params) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![batch, at, self.owner, until, campaign_params],
        )
        .map_err(e)?;
        let mut claimed = Vec::with_capacity(numbers.len());
        {
            let mut claim = tx
                .prepare_cached(
                    "INSERT INTO numbers (number, batch) VALUES (?1, ?2) ON CONFLICT(number) DO UPDATE \
                     SET batch = excluded.batch, resend_ok = 0, resends = numbers.resends + 1 \
                     WHERE numbers.outcome IS NULL AND numbers.resend_ok = 1",
                )
                .map_err(e)?;
            for n in numbers {
                claimed.push(claim.execute(params![n, batch]).map_err(e)? == 1);
            }
        }
        tx.commit().map_err(e)?;
        Ok(claimed)
    }

    fn release(&mut self, numbers: &[String]) -> Result<(), JournalError> {
        let path = self.path.clone();
        let e = |x: rusqlite::Error| err(&path, "cannot release numbers", x);
        let tx = self.conn.transaction().map_err(e)?;
        {
            let mut release = tx
                .prepare_cached("UPDATE numbers SET resend_ok = 1 WHERE number = ?1 AND outcome IS NULL")
                .map_err(e)?;
            for n in numbers {
                release.execute([n]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    fn heartbeat_every(&self) -> Option<Duration> {
        Some(self.lease / 3)
    }

    fn heartbeat(&mut self) -> Result<(), JournalError> {
        let until = now_ms() + self.lease.as_millis() as i64;
        self.conn
            .execute(
                "UPDATE batches SET lease_until_ms = ?1 WHERE owner = ?2 AND EXISTS \
                 (SELECT 1 FROM numbers n WHERE n.batch = batches.id AND n.outcome IS NULL)",
                params![until, self.owner],
            )
            .map(drop)
            .map_err(|x| err(&self.path, "cannot renew leases", x))
    }

    fn orphans(&mut self) -> Result<Orphans, JournalError> {
        self.commit(true)?;
        let (taken, others_live) = self.take_expired()?;
        Ok(Orphans::after_takeover(taken, others_live, self.lease))
    }

    fn receipts(&self) -> Option<Arc<dyn Receipts>> {
        match self.receipt_reader() {
            Ok(reader) => Some(reader),
            Err(e) => {
                tracing::warn!(target: "sdk_sms::bulk", error = %e, "receipts unavailable; reconciliation will ask the service");
                None
            }
        }
    }
}

struct ReceiptReader {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Receipts for ReceiptReader {
    fn since(&self, numbers: &[String], since: i64) -> Result<Vec<Option<String>>, JournalError> {
        let conn = self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let e = |x: rusqlite::Error| err(&self.path, "cannot read receipts", x);
        let mut find = conn
            .prepare_cached("SELECT sid FROM receipts WHERE number = ?1 AND received_at >= ?2 LIMIT 1")
            .map_err(e)?;
        numbers
            .iter()
            .map(|n| find.query_row(params![n, since], |r| r.get(0)).optional().map_err(e))
            .collect()
    }
}

/// A handle for a receiver process: stores receipts into a campaign's store without binding to its
/// identity (the receiver serves whatever campaign the file holds).
pub struct ReceiptWriter {
    conn: Connection,
    path: PathBuf,
}

impl ReceiptWriter {
    /// Opens an existing store of this schema version.
    pub fn open(path: impl AsRef<Path>) -> Result<ReceiptWriter, JournalError> {
        let path = path.as_ref().to_path_buf();
        let conn = connect(&path)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|x| err(&path, "cannot read the schema version", x))?;
        if version != SCHEMA_VERSION {
            return Err(JournalError::new(format!(
                "store {}: schema version {version}, this build reads version {SCHEMA_VERSION} only",
                path.display()
            )));
        }
        Ok(ReceiptWriter { conn, path })
    }

    /// See [`SqliteStore::record_receipts`].
    pub fn record(&mut self, reports: &[StatusReport]) -> Result<usize, JournalError> {
        record_receipts(&mut self.conn, &self.path, reports)
    }
}

impl std::fmt::Debug for ReceiptWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
