//! Random values of the SDK: idempotency tokens for actions with a `ClientToken` parameter, and the random
//! numbers behind legacy `Nonce`s (`wire::random_nonce`) and retry jitter (`retry::jitter`).
//!
//! Generated methods call [`idempotency_token`] once per call when the caller left `ClientToken` unset;
//! the request is serialized once and the same bytes are sent on every retry attempt, so the service sees
//! one token per logical call and can de-duplicate.
//!
//! Randomness comes from the operating system's CSPRNG through `getrandom` (the crate std and `rand` build
//! on; 0.4, as tc-emulator). A token then cannot be guessed by another tenant of a shared account, and
//! nonces cannot be predicted. `getrandom` reports failure instead of panicking: only where the platform
//! has no usable source (a kernel without `getrandom(2)` and no `/dev/urandom`, a sandbox forbidding both);
//! then [`fill_random`] falls back to hashing the clock, a process-wide counter, the process and thread,
//! which stays unique but is predictable, and says so once in a WARN log. The UUID layout (version and
//! variant bits, text form) is the `uuid` crate's, built without its `rng` features, whose generator panics
//! when the operating system's source fails.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh random token in the UUID version 4 form (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`,
/// lowercase hex): 122 random bits from the operating system's CSPRNG.
pub fn idempotency_token() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A random `u64` (see [`fill_random`]).
pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    fill_random(&mut bytes);
    u64::from_ne_bytes(bytes)
}

/// Fills `buf` from the operating system's CSPRNG, or, where it fails, from the fallback described in the
/// module documentation. Never panics.
pub(crate) fn fill_random(buf: &mut [u8]) {
    if let Err(e) = getrandom::fill(buf) {
        static WARNED: AtomicBool = AtomicBool::new(false);
        if !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %e, "no operating-system random source; tokens and nonces are unique but predictable");
        }
        fill_unique(buf);
    }
}

/// Unique but predictable bytes: SipHash with fixed keys over the clock, a process-wide counter, the
/// process and the thread, one block of 8 bytes at a time.
fn fill_unique(buf: &mut [u8]) {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for chunk in buf.chunks_mut(8) {
        let mut h = DefaultHasher::new();
        (nanos, COUNTER.fetch_add(1, Ordering::Relaxed), std::process::id()).hash(&mut h);
        std::thread::current().id().hash(&mut h);
        chunk.copy_from_slice(&h.finish().to_ne_bytes()[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn fallback_bytes_are_unique() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let mut bytes = [0u8; 12];
            fill_unique(&mut bytes);
            assert!(seen.insert(bytes), "repeated {bytes:?}");
        }
    }

    #[test]
    fn random_u64_spreads_over_the_high_bits() {
        // 64 draws with the top bit clear has probability 2^-64 from a working source.
        assert!((0..64).any(|_| random_u64() >> 63 == 1));
        assert!((0..64).any(|_| random_u64() >> 63 == 0));
    }
}
