//! Idempotency tokens for actions with a `ClientToken` parameter.
//!
//! Generated methods call [`idempotency_token`] once per call when the caller left `ClientToken` unset;
//! the request is serialized once and the same bytes are sent on every retry attempt, so the service sees
//! one token per logical call and can de-duplicate.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh random token shaped like a UUID v4 (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`, lowercase hex).
///
/// The 122 random bits come from SipHash keyed by std's `RandomState` (per-thread keys from the operating
/// system's random source) over the clock, a process-wide counter and the process id: unpredictable enough
/// for de-duplication keys and unique in practice, with no dependency. Not for secrets.
pub fn idempotency_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let half = |lane: u8| {
        // Each `RandomState::new()` has different keys (per-thread random keys, advanced on every call).
        let mut h = RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(count);
        h.write_u32(std::process::id());
        h.write_u8(lane);
        h.finish()
    };
    let mut bytes = ((u128::from(half(0)) << 64) | u128::from(half(1))).to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = format!("{:032x}", u128::from_be_bytes(bytes));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::idempotency_token;
    use std::collections::HashSet;

    fn assert_uuid_v4_shape(t: &str) {
        assert_eq!(t.len(), 36, "{t}");
        for (i, c) in t.char_indices() {
            match i {
                8 | 13 | 18 | 23 => assert_eq!(c, '-', "{t}"),
                14 => assert_eq!(c, '4', "{t}"),
                19 => assert!("89ab".contains(c), "{t}"),
                _ => assert!(c.is_ascii_digit() || ('a'..='f').contains(&c), "{t}"),
            }
        }
    }

    #[test]
    fn shaped_like_uuid_v4_and_unique_across_threads() {
        let per_thread: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..5000).map(|_| idempotency_token()).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut seen = HashSet::new();
        for t in per_thread.iter().flatten() {
            assert_uuid_v4_shape(t);
            assert!(seen.insert(t.as_str()), "duplicate token {t}");
        }
        assert_eq!(seen.len(), 20_000);
    }

    #[test]
    fn bits_are_spread() {
        // Every hex position that is random takes many values over a few hundred tokens.
        let tokens: Vec<String> = (0..400).map(|_| idempotency_token()).collect();
        for i in (0..36).filter(|i| ![8, 13, 14, 18, 23].contains(i)) {
            let distinct: HashSet<u8> = tokens.iter().map(|t| t.as_bytes()[i]).collect();
            let want = if i == 19 { 4 } else { 12 };
            assert!(distinct.len() >= want, "position {i}: {distinct:?}");
        }
    }
}
