//! Group commit of dispatch records: the journal is synced on a blocking thread while the campaign goes on,
//! and one sync covers every dispatch written before it began.
//!
//! A dispatch record must be on disk before its request is sent. Syncing it on the campaign's own task, as
//! each batch was dispatched, stopped the whole campaign for every sync (0.25 ms at the median on these
//! machines' disks): answers waited, and so did the next dispatches, so at one number per request the
//! campaign fell to 0.90 of the rate the emulator allowed. Here a batch whose record is written and flushed
//! waits in a queue; a sync starts as soon as none is running, covering everything written so far; when it
//! ends, the batches it covers are sent and, if more were written meanwhile, the next sync starts. A batch
//! is never sent before a sync that began after its record was written has succeeded; a failed sync fails
//! the campaign with the journal's error and sends nothing more.

use std::collections::VecDeque;

use tokio::task::JoinHandle;

use super::journal::{JournalError, SyncHandle};

pub(super) struct GroupSync<T> {
    handle: SyncHandle,
    /// Records written (a sequence number per record).
    written: u64,
    /// The sync running now and the last record it covers.
    running: Option<(u64, JoinHandle<Result<(), JournalError>>)>,
    /// Items whose record is written but not yet known to be durable, oldest first.
    waiting: VecDeque<(u64, T)>,
}

impl<T> GroupSync<T> {
    pub(super) fn new(handle: SyncHandle) -> GroupSync<T> {
        GroupSync {
            handle,
            written: 0,
            running: None,
            waiting: VecDeque::new(),
        }
    }

    /// `item`'s record was written and flushed: it waits for the next sync that begins from now on.
    pub(super) fn push(&mut self, item: T) {
        self.written += 1;
        self.waiting.push_back((self.written, item));
        self.start();
    }

    /// Items waiting for a sync.
    pub(super) fn len(&self) -> usize {
        self.waiting.len()
    }

    pub(super) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    fn start(&mut self) {
        let newest = self.waiting.back().map_or(0, |(seq, _)| *seq);
        if self.running.is_none() && newest > 0 {
            let handle = self.handle.clone();
            self.running = Some((newest, tokio::task::spawn_blocking(move || handle.sync())));
        }
    }

    /// Waits for the running sync to end (forever when none runs) and returns the items it made durable.
    /// Cancel-safe: dropped before the end, the sync keeps running and a later call takes its result.
    pub(super) async fn synced(&mut self) -> Result<Vec<T>, JournalError> {
        let Some((covers, task)) = &mut self.running else {
            return std::future::pending().await;
        };
        let covers = *covers;
        let result = task.await;
        self.running = None;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(stopped) => {
                return Err(JournalError::new(format!(
                    "the journal's sync did not finish: {stopped}"
                )))
            }
        }
        let mut durable = Vec::new();
        while self.waiting.front().is_some_and(|(seq, _)| *seq <= covers) {
            durable.push(self.waiting.pop_front().expect("front exists").1);
        }
        self.start();
        Ok(durable)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    /// A 20 ms sync that counts its runs, and can be made to fail.
    fn slow_sync(runs: Arc<AtomicU32>, fail: bool) -> SyncHandle {
        SyncHandle::new(move || {
            std::thread::sleep(Duration::from_millis(20));
            runs.fetch_add(1, Ordering::SeqCst);
            match fail {
                true => Err(JournalError::new("disk gone")),
                false => Ok(()),
            }
        })
    }

    #[tokio::test]
    async fn items_written_during_a_sync_wait_for_the_next_one() {
        let runs = Arc::new(AtomicU32::new(0));
        let mut sync = GroupSync::new(slow_sync(runs.clone(), false));
        assert!(!sync.is_running());
        sync.push(1);
        assert!(sync.is_running());
        // Written after the first sync began: not covered by it, and no second sync while it runs.
        sync.push(2);
        sync.push(3);
        assert_eq!(sync.synced().await.unwrap(), [1]);
        assert_eq!(sync.len(), 2);
        assert!(
            sync.is_running(),
            "the next sync starts at once for what was written meanwhile"
        );
        assert_eq!(sync.synced().await.unwrap(), [2, 3]);
        assert_eq!((sync.len(), sync.is_running()), (0, false));
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "one sync for the two records written during the first"
        );
    }

    #[tokio::test]
    async fn a_failed_sync_releases_nothing() {
        let mut sync = GroupSync::new(slow_sync(Default::default(), true));
        sync.push("batch");
        let error = sync.synced().await.unwrap_err();
        assert!(error.to_string().contains("disk gone"), "{error}");
        assert_eq!(sync.len(), 1, "the batch stays unsent");
    }

    #[tokio::test]
    async fn cancelled_waits_keep_the_sync() {
        let mut sync = GroupSync::new(slow_sync(Default::default(), false));
        sync.push(7);
        let early = tokio::time::timeout(Duration::from_millis(1), sync.synced()).await;
        assert!(early.is_err(), "a 20 ms sync ended within 1 ms");
        assert_eq!(sync.synced().await.unwrap(), [7]);
    }
}
