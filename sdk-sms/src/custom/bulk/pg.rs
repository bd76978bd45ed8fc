//! The campaign store on PostgreSQL (feature `postgres`): one campaign per database (or per schema, with
//! `options=-csearch_path=...` in the URL), workers on any number of machines.
//!
//! Same tables, rules and [`Journal`] behaviour as the SQLite store (see [`super::store`] for the model):
//! the primary key on `numbers.number` and a trigger keep one outcome per number and forbid moving a
//! number with an outcome to another batch; a claim is one `INSERT ... SELECT unnest(...) ON CONFLICT ...
//! RETURNING` (one round trip per batch); a worker with nothing left takes over batches whose lease ran
//! out with `SELECT ... FOR UPDATE SKIP LOCKED`, so two idle workers never take the same batch and never
//! wait for each other. The schema version is the `schema_version` row of `meta`; the schema is created
//! under an advisory lock so workers starting together create it once.
//!
//! The client is rust-postgres's synchronous one, on a thread of its own per connection: the campaign
//! driver calls the store synchronously (as it does the SQLite file), and this keeps a second runtime out
//! of the caller's.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::{Client, NoTls};

use super::journal::{Entry, Journal, JournalError, Orphan, Orphans, Receipts};
use super::records::{export_line, now_ms, DEFAULT_LEASE, SCHEMA_VERSION};
use super::{CampaignIdentity, Outcome};
use crate::callback::{ReportStatus, StatusReport};

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    owner TEXT NOT NULL,
    lease_until_ms BIGINT NOT NULL,
    campaign_params BOOLEAN NOT NULL
);
CREATE TABLE numbers (
    number TEXT PRIMARY KEY,
    batch TEXT REFERENCES batches(id),
    outcome TEXT,
    code TEXT,
    resend_ok BOOLEAN NOT NULL DEFAULT false,
    resends INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX numbers_open ON numbers(batch) WHERE outcome IS NULL;
CREATE TABLE receipts (
    sid TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    report_status TEXT NOT NULL,
    errmsg TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX receipts_number ON receipts(number, received_at);
CREATE FUNCTION campaign_number_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.outcome IS NOT NULL AND NEW.outcome IS DISTINCT FROM OLD.outcome THEN
        RAISE EXCEPTION 'a number has one outcome';
    END IF;
    IF OLD.outcome IS NOT NULL AND NEW.batch IS DISTINCT FROM OLD.batch THEN
        RAISE EXCEPTION 'a number with an outcome is never dispatched again';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER one_outcome BEFORE UPDATE ON numbers FOR EACH ROW EXECUTE FUNCTION campaign_number_guard();
";

/// Advisory lock key under which the schema is created.
const SCHEMA_LOCK: i64 = 0x0074_635f_6275_6c6b; // "tc_bulk"

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// A connection on its own thread; jobs run one at a time, in order.
struct Connection {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Connection {
    fn open(url: &str) -> Result<Connection, JournalError> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e| JournalError::new(format!("store postgres: not a connection URL: {e}")))?;
        let (ready_tx, ready_rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sdk-sms-pg".into())
            .spawn(move || match config.connect(NoTls) {
                Ok(mut client) => {
                    let _ = ready_tx.send(Ok(()));
                    for job in jobs_rx {
                        job(&mut client);
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                }
            })
            .map_err(|e| JournalError::new(format!("store postgres: cannot start its thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Connection {
                jobs: Mutex::new(jobs_tx),
            }),
            Ok(Err(e)) => Err(JournalError::new(format!("store postgres: cannot connect: {e}"))),
            Err(_) => Err(JournalError::new("store postgres: the connection thread stopped")),
        }
    }

    /// Runs `f` on the connection and waits for its result.
    fn call<R: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&mut Client) -> Result<R, postgres::Error> + Send + 'static,
    ) -> Result<R, JournalError> {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |client| {
            let _ = tx.send(f(client));
        });
        let sent = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).send(job);
        if sent.is_err() {
            return Err(JournalError::new(format!(
                "store postgres: {what}: the connection is gone"
            )));
        }
        match rx.recv() {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => Err(JournalError::new(format!("store postgres: {what}: {}", describe(&e)))),
            Err(_) => Err(JournalError::new(format!(
                "store postgres: {what}: the connection is gone"
            ))),
        }
    }
}

/// The server's message (never a value of ours: statements carry numbers only as parameters).
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// A campaign store on PostgreSQL; implements [`Journal`].
pub struct PgStore {
    url: String,
    conn: Connection,
    owner: String,
    lease: Duration,
    pending: Vec<Outcome>,
    identity: CampaignIdentity,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never shown.
        f.debug_struct("PgStore")
            .field("owner", &self.owner)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`) and binds the store to `identity`,
    /// creating the schema in an empty database. Refused: another campaign's store, another schema version.
    pub fn open(url: &str, identity: &CampaignIdentity) -> Result<PgStore, JournalError> {
        let store = PgStore {
            url: url.to_owned(),
            conn: Connection::open(url)?,
            owner: sdk_core::idempotency_token(),
            lease: DEFAULT_LEASE,
            pending: Vec::new(),
            identity: identity.clone(),
        };
        let stored = store.bind(Some(identity))?;
        if let Some(differs) = identity.mismatch(&stored) {
            return Err(JournalError::new(format!(
                "store postgres belongs to another campaign (differs in {differs}): refusing it"
            )));
        }
        Ok(store)
    }

    /// Connects to an existing store for whatever campaign it holds (export, receipts).
    pub fn open_existing(url: &str) -> Result<PgStore, JournalError> {
        let mut store = PgStore {
            url: url.to_owned(),
            conn: Connection::open(url)?,
            owner: sdk_core::idempotency_token(),
            lease: DEFAULT_LEASE,
            pending: Vec::new(),
            identity: CampaignIdentity::of(&super::BulkConfig::new("", "")),
        };
        store.identity = store.bind(None)?;
        Ok(store)
    }

    /// See `SqliteStore::lease`.
    pub fn lease(mut self, lease: Duration) -> PgStore {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// The campaign this store belongs to.
    pub fn identity(&self) -> &CampaignIdentity {
        &self.identity
    }

    /// Creates the schema (when `create` and the database has none) and returns the stored identity.
    fn bind(&self, create: Option<&CampaignIdentity>) -> Result<CampaignIdentity, JournalError> {
        let identity = create.map(|i| serde_json::to_string(i).unwrap_or_default());
        let (version, stored) = self.conn.call("cannot open the campaign", move |c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            let exists: bool = tx.query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?.get(0);
            if !exists {
                let Some(identity) = identity else {
                    return Ok((None, None));
                };
                tx.batch_execute(SCHEMA)?;
                let started = (now_ms() / 1000).to_string();
                tx.execute(
                    "INSERT INTO meta VALUES ('schema_version', $1), ('identity', $2), ('started', $3)",
                    &[&SCHEMA_VERSION.to_string(), &identity, &started],
                )?;
            }
            let version: Option<String> = tx
                .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
                .map(|r| r.get(0));
            let stored: Option<String> = tx
                .query_opt("SELECT value FROM meta WHERE key = 'identity'", &[])?
                .map(|r| r.get(0));
            tx.commit()?;
            Ok((version, stored))
        })?;
        let version =
            version.ok_or_else(|| JournalError::new("store postgres: not a campaign store (no schema version)"))?;
        if version != SCHEMA_VERSION.to_string() {
            return Err(JournalError::new(format!(
                "store postgres: schema version {version}, this build reads version {SCHEMA_VERSION} only"
            )));
        }
        let stored = stored.ok_or_else(|| JournalError::new("store postgres: the campaign record is missing"))?;
        serde_json::from_str(&stored)
            .map_err(|e| JournalError::new(format!("store postgres: the campaign record is damaged: {e}")))
    }

    /// See `SqliteStore::record_receipts`.
    pub fn record_receipts(&mut self, reports: &[StatusReport]) -> Result<usize, JournalError> {
        let (mut sids, mut numbers, mut statuses, mut errmsgs, mut times) = (vec![], vec![], vec![], vec![], vec![]);
        for r in reports {
            sids.push(r.sid.clone());
            numbers.push(r.e164());
            statuses.push(match r.report_status {
                ReportStatus::Success => "SUCCESS".to_owned(),
                ReportStatus::Fail => "FAIL".to_owned(),
            });
            errmsgs.push(r.errmsg.clone());
            times.push(r.received_at().unwrap_or(now_ms() / 1000));
        }
        self.conn.call("cannot store receipts", move |c| {
            c.execute(
                "INSERT INTO receipts SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
                 ON CONFLICT (sid) DO NOTHING",
                &[&sids, &numbers, &statuses, &errmsgs, &times],
            )
            .map(|n| n as usize)
        })
    }

    /// Numbers without an outcome (in flight somewhere); 0 when the campaign is complete.
    pub fn open_numbers(&self) -> Result<u64, JournalError> {
        self.conn.call("cannot count", |c| {
            let n: i64 = c
                .query_one("SELECT count(*) FROM numbers WHERE outcome IS NULL", &[])?
                .get(0);
            Ok(n as u64)
        })
    }

    /// See `SqliteStore::export`.
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<u64, JournalError> {
        let rows: Vec<(String, String, Option<String>)> = self.conn.call("cannot export", |c| {
            let rows = c.query(
                "SELECT n.number, n.outcome, (SELECT r.report_status FROM receipts r WHERE r.number = n.number \
                 ORDER BY r.received_at DESC LIMIT 1) FROM numbers n WHERE n.outcome IS NOT NULL ORDER BY n.number",
                &[],
            )?;
            Ok(rows.into_iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
        })?;
        for (number, outcome, receipt) in &rows {
            let outcome: Outcome = serde_json::from_str(outcome)
                .map_err(|e| JournalError::new(format!("store postgres: a stored outcome is damaged: {e}")))?;
            writeln!(out, "{}", export_line(number, &outcome, receipt.as_deref()))
                .map_err(|e| JournalError::new(format!("cannot write the export: {e}")))?;
        }
        Ok(rows.len() as u64)
    }

    fn take_expired(&mut self) -> Result<(Vec<Orphan>, bool), JournalError> {
        let owner = self.owner.clone();
        let lease_ms = self.lease.as_millis() as i64;
        self.conn.call("cannot take over batches", move |c| {
            let now = now_ms();
            let mut tx = c.transaction()?;
            let expired = tx.query(
                "SELECT id, at, campaign_params FROM batches b WHERE (lease_until_ms < $1 OR owner = $2) AND EXISTS \
                 (SELECT 1 FROM numbers n WHERE n.batch = b.id AND n.outcome IS NULL) FOR UPDATE SKIP LOCKED",
                &[&now, &owner],
            )?;
            let ids: Vec<String> = expired.iter().map(|r| r.get(0)).collect();
            tx.execute(
                "UPDATE batches SET owner = $1, lease_until_ms = $2 WHERE id = ANY($3)",
                &[&owner, &(now + lease_ms), &ids],
            )?;
            let open = tx.query(
                "SELECT batch, number FROM numbers WHERE batch = ANY($1) AND outcome IS NULL",
                &[&ids],
            )?;
            let others_live: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM batches b WHERE owner <> $1 AND EXISTS \
                     (SELECT 1 FROM numbers n WHERE n.batch = b.id AND n.outcome IS NULL))",
                    &[&owner],
                )?
                .get(0);
            tx.commit()?;
            let mut orphans: Vec<Orphan> = expired
                .iter()
                .map(|r| Orphan {
                    batch: r.get(0),
                    at: r.get(1),
                    numbers: Vec::new(),
                    campaign_params: r.get(2),
                })
                .collect();
            for row in open {
                let batch: String = row.get(0);
                if let Some(o) = orphans.iter_mut().find(|o| o.batch == batch) {
                    o.numbers.push(row.get(1));
                }
            }
            Ok((orphans, others_live))
        })
    }
}

impl Journal for PgStore {
    fn replay(&mut self, visit: &mut dyn FnMut(Entry)) -> Result<(), JournalError> {
        let (started, outcomes) = self.conn.call("cannot read the campaign", |c| {
            let started: String = c.query_one("SELECT value FROM meta WHERE key = 'started'", &[])?.get(0);
            let rows = c.query("SELECT outcome FROM numbers WHERE outcome IS NOT NULL", &[])?;
            Ok((
                started,
                rows.into_iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>(),
            ))
        })?;
        visit(Entry::Campaign {
            identity: self.identity.clone(),
            started: started.parse().unwrap_or(0),
        });
        for text in outcomes {
            let outcome: Outcome = serde_json::from_str(&text)
                .map_err(|e| JournalError::new(format!("store postgres: a stored outcome is damaged: {e}")))?;
            visit(Entry::Outcome(outcome));
        }
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
        if let Entry::Outcome(o) = entry {
            self.pending.push(o.clone());
        }
        Ok(())
    }

    fn commit(&mut self, _durable: bool) -> Result<(), JournalError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let (mut numbers, mut outcomes, mut codes) = (vec![], vec![], vec![]);
        for o in self.pending.drain(..) {
            outcomes.push(
                serde_json::to_string(&o).map_err(|e| JournalError::new(format!("cannot encode an outcome: {e}")))?,
            );
            codes.push(o.status.code().to_owned());
            numbers.push(o.number);
        }
        self.conn.call("cannot write outcomes", move |c| {
            c.execute(
                "INSERT INTO numbers (number, outcome, code) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) \
                 ON CONFLICT (number) DO UPDATE SET outcome = excluded.outcome, code = excluded.code \
                 WHERE numbers.outcome IS NULL",
                &[&numbers, &outcomes, &codes],
            )
            .map(drop)
        })
    }

    fn claim(
        &mut self,
        batch: &str,
        at: i64,
        numbers: &[String],
        campaign_params: bool,
    ) -> Result<Vec<bool>, JournalError> {
        let (batch, owner, wanted) = (batch.to_owned(), self.owner.clone(), numbers.to_vec());
        let until = now_ms() + self.lease.as_millis() as i64;
        let claimed: Vec<String> = self.conn.call("cannot claim numbers", move |c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "INSERT INTO batches (id, at, owner, lease_until_ms, campaign_params) VALUES ($1, $2, $3, $4, $5)",
                &[&batch, &at, &owner, &until, &campaign_params],
            )?;
            let rows = tx.query(
                "INSERT INTO numbers (number, batch) SELECT unnest($1::text[]), $2 ON CONFLICT (number) DO UPDATE \
                 SET batch = excluded.batch, resend_ok = false, resends = numbers.resends + 1 \
                 WHERE numbers.outcome IS NULL AND numbers.resend_ok RETURNING number",
                &[&wanted, &batch],
            )?;
            tx.commit()?;
            Ok(rows.into_iter().map(|r| r.get(0)).collect())
        })?;
        let claimed: std::collections::HashSet<String> = claimed.into_iter().collect();
        Ok(numbers.iter().map(|n| claimed.contains(n)).collect())
    }

    fn release(&mut self, numbers: &[String]) -> Result<(), JournalError> {
        let numbers = numbers.to_vec();
        self.conn.call("cannot release numbers", move |c| {
            c.execute(
                "UPDATE numbers SET resend_ok = true WHERE number = ANY($1) AND outcome IS NULL",
                &[&numbers],
            )
            .map(drop)
        })
    }

    fn heartbeat_every(&self) -> Option<Duration> {
        Some(self.lease / 3)
    }

    fn heartbeat(&mut self) -> Result<(), JournalError> {
        let (owner, until) = (self.owner.clone(), now_ms() + self.lease.as_millis() as i64);
        self.conn.call("cannot renew leases", move |c| {
            c.execute(
                "UPDATE batches b SET lease_until_ms = $1 WHERE owner = $2 AND EXISTS \
                 (SELECT 1 FROM numbers n WHERE n.batch = b.id AND n.outcome IS NULL)",
                &[&until, &owner],
            )
            .map(drop)
        })
    }

    fn orphans(&mut self) -> Result<Orphans, JournalError> {
        self.commit(true)?;
        let (taken, others_live) = self.take_expired()?;
        Ok(Orphans::after_takeover(taken, others_live, self.lease))
    }

    fn receipts(&self) -> Option<Arc<dyn Receipts>> {
        match Connection::open(&self.url) {
            Ok(conn) => Some(Arc::new(ReceiptReader { conn })),
            Err(e) => {
                tracing::warn!(target: "sdk_sms::bulk", error = %e, "receipts unavailable; reconciliation will ask the service");
                None
            }
        }
    }
}

struct ReceiptReader {
    conn: Connection,
}

impl Receipts for ReceiptReader {
    fn since(&self, numbers: &[String], since: i64) -> Result<Vec<Option<String>>, JournalError> {
        let wanted = numbers.to_vec();
        let found: Vec<(String, String)> = self.conn.call("cannot read receipts", move |c| {
            let rows = c.query(
                "SELECT DISTINCT ON (number) number, sid FROM receipts WHERE number = ANY($1) AND received_at >= $2",
                &[&wanted, &since],
            )?;
            Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
        })?;
        let found: std::collections::HashMap<String, String> = found.into_iter().collect();
        Ok(numbers.iter().map(|n| found.get(n).cloned()).collect())
    }
}
