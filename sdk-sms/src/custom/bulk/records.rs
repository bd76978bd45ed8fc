//! What both campaign stores (SQLite, PostgreSQL) write and read the same way: the export line, the
//! clock of leases, and the schema's version.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Outcome, Status};

/// The schema version both stores write and accept (SQLite: `PRAGMA user_version`; PostgreSQL: the
/// `schema_version` row of `meta`).
pub const SCHEMA_VERSION: i64 = 1;

/// Default lease of an in-flight batch (renewed every third of it).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// Milliseconds since the Unix epoch (leases).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `sent`, `rejected`, `not_sent`, `unknown` or `duplicate`.
pub fn status_kind(status: &Status) -> &'static str {
    match status {
        Status::Sent { .. } => "sent",
        Status::Rejected { .. } => "rejected",
        Status::NotSent { .. } => "not_sent",
        Status::Unknown { .. } => "unknown",
        Status::Duplicate => "duplicate",
    }
}

/// One line of an export: `number`, `status`, `code`, `batch`, and the latest receipt's status.
pub fn export_line(number: &str, outcome: &Outcome, receipt: Option<&str>) -> String {
    serde_json::json!({
        "number": number,
        "status": status_kind(&outcome.status),
        "code": outcome.status.code(),
        "batch": outcome.batch,
        "receipt": receipt,
    })
    .to_string()
}
