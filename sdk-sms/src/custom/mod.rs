//! Hand-written additions to the generated `sdk-sms` crate (see docs/design.md, "Hand-written additions").
//!
//! - [`bulk`]: campaigns of any size over `SendSms` 2021-01-11 — grouping into requests of at most 200,
//!   shared throttling backoff, one outcome per number, reconciliation of unknown outcomes, a resumable
//!   journal, and campaign stores on SQLite (feature `sqlite`) and PostgreSQL (feature `postgres`) shared by
//!   many workers.
//! - [`callback`]: typed parsers of the status-report and reply callbacks, and their answers.

#[cfg(feature = "v20210111")]
pub mod bulk;

pub mod callback;
