//! What every request of a campaign shares (client, configuration, pace, counters), and the two small
//! rules both the driver ([`super::campaign`]) and reconciliation ([`super::reconcile`]) use. Its own module
//! so that the driver depends on reconciliation and not the other way round.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::identity::CampaignIdentity;
use super::journal::Receipts;
use super::BulkConfig;
use crate::v20210111::Client;

/// What every request of a campaign shares.
pub(crate) struct Shared {
    pub client: Client,
    pub config: BulkConfig,
    pub pace: super::pace::Pace,
    pub identity: CampaignIdentity,
    /// `bulk-<fingerprint>-`: every batch id of this campaign starts with it (see [`CampaignIdentity`]).
    pub batch_prefix: String,
    /// Unix seconds when the campaign was first started (its journal's or store's record); `i64::MAX`
    /// until known. Reconciliation proves "not sent" over the window from here, not from a dispatch time
    /// alone, so an edited dispatch time cannot hide an earlier send.
    pub campaign_started: AtomicI64,
    /// Delivery receipts the journal or store has, looked at before the service is asked.
    pub receipts: Option<Arc<dyn Receipts>>,
    pub send_requests: AtomicU64,
    pub status_queries: AtomicU64,
    pub throttled: AtomicU64,
    pub from_receipts: AtomicU64,
}

impl Shared {
    pub fn new(client: Client, config: BulkConfig, receipts: Option<Arc<dyn Receipts>>) -> Shared {
        let identity = CampaignIdentity::of(&config);
        Shared {
            batch_prefix: format!("bulk-{}-", identity.fingerprint()),
            identity,
            campaign_started: AtomicI64::new(i64::MAX),
            receipts,
            pace: super::pace::Pace::new(config.rate_limit, config.throttle),
            client,
            config,
            send_requests: AtomicU64::new(0),
            status_queries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            from_receipts: AtomicU64::new(0),
        }
    }

    pub fn count_status_query(&self) {
        self.status_queries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_receipts(&self, n: u64) {
        self.from_receipts.fetch_add(n, Ordering::Relaxed);
    }

    pub fn count_throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
}

/// Unix seconds as the service sees them (the client's learned clock offset applied).
pub(crate) fn unix_now(client: &Client) -> i64 {
    let local = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    local + client.core().clock_offset()
}
