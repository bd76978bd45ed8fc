//! Numbers in, requests out: normalizing and validating a number, and grouping numbers into requests of at
//! most 200 that share a region (mainland or international) and template parameters.

use std::collections::{BTreeMap, HashMap};

/// Most numbers `SendSms` takes in one request.
pub const MAX_NUMBERS_PER_REQUEST: usize = 200;

/// Where a number is: `SendSms` never mixes the two in one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// Chinese mainland (`+86`).
    Mainland,
    /// Any other country or region.
    International,
}

impl Region {
    /// `mainland` or `international`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Mainland => "mainland",
            Region::International => "international",
        }
    }
}

/// A number's identity within a campaign and its journal: the E.164 digits as an integer for a valid number
/// (at most 15 digits, never a leading zero, so distinct numbers have distinct keys), or a hash of the text
/// with the top bit set for a malformed one. Eight bytes per number, so a campaign of millions can remember
/// which numbers it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NumberKey(u64);

const MALFORMED_BIT: u64 = 1 << 63;

impl NumberKey {
    fn of_malformed(text: &str) -> NumberKey {
        // FNV-1a: stable across runs and platforms, which a journal replayed by another process needs.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        NumberKey(h | MALFORMED_BIT)
    }
}

/// A number in E.164 form (`+8613800000000`), ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Normalized {
    pub e164: String,
    pub region: Region,
    pub key: NumberKey,
}

/// Why a number cannot be sent; its key still identifies it in the journal.
#[derive(Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The trimmed text, as the journal records it.
    pub text: String,
    pub key: NumberKey,
}

/// Normalizes a number the way `SendSms` reads it, and refuses what the service would refuse.
///
/// Accepted: `+` and 8 to 15 digits without a leading zero (E.164); `00` for `+`; mainland numbers as
/// `+86`/`0086`/`86` followed by 11 digits starting with 1, or those 11 digits alone. Spaces, tabs, `-`,
/// `.` and parentheses between digits are dropped. A `+86` number must have exactly those 11 digits.
pub fn normalize(raw: &str) -> Result<Normalized, Malformed> {
    let text = raw.trim();
    let malformed = || Malformed {
        text: text.to_owned(),
        key: NumberKey::of_malformed(text),
    };
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = if let Some(rest) = compact.strip_prefix('+') {
        rest
    } else if let Some(rest) = compact.strip_prefix("00") {
        rest
    } else if is_mainland_subscriber(&compact) {
        return Ok(mainland(&compact));
    } else if compact.len() == 13 && compact.starts_with("86") {
        &compact
    } else {
        return Err(malformed());
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    if let Some(subscriber) = digits.strip_prefix("86") {
        return if is_mainland_subscriber(subscriber) {
            Ok(mainland(subscriber))
        } else {
            Err(malformed())
        };
    }
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return Err(malformed());
    }
    Ok(Normalized {
        e164: format!("+{digits}"),
        region: Region::International,
        key: digits_key(digits),
    })
}

fn is_mainland_subscriber(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

fn mainland(subscriber: &str) -> Normalized {
    let digits = format!("86{subscriber}");
    Normalized {
        key: digits_key(&digits),
        e164: format!("+{digits}"),
        region: Region::Mainland,
    }
}

fn digits_key(digits: &str) -> NumberKey {
    // At most 15 digits: always fits, far below the malformed bit.
    NumberKey(digits.parse().unwrap_or(u64::MAX >> 1))
}

/// The key of a number as the journal spells it (E.164 for valid numbers, the trimmed text otherwise).
pub fn key_of(number: &str) -> NumberKey {
    match normalize(number) {
        Ok(n) => n.key,
        Err(m) => m.key,
    }
}

/// A valid number waiting for its request.
#[derive(Clone)]
pub struct Pending {
    /// Position in the input (0-based); `None` for numbers taken over from a journal.
    pub index: Option<u64>,
    pub e164: String,
    pub key: NumberKey,
    /// Times this number was sent again after being proven not sent.
    pub resends: u32,
}

/// What numbers of one request must share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey {
    pub region: Region,
    pub params: Vec<String>,
}

/// Numbers for one `SendSms` request.
pub struct Group {
    pub key: GroupKey,
    pub numbers: Vec<Pending>,
}

/// Open groups, filled number by number. A group leaves when it is full; when more than `max_pending`
/// numbers wait in all, the oldest group leaves early (smaller), so memory stays bounded however many
/// distinct parameter sets the input has.
pub struct Grouper {
    open: HashMap<GroupKey, (u64, Vec<Pending>)>,
    /// Opening order: sequence → key, oldest first.
    order: BTreeMap<u64, GroupKey>,
    next_seq: u64,
    pending: usize,
    batch_size: usize,
    max_pending: usize,
}

impl Grouper {
    pub fn new(batch_size: usize, max_pending: usize) -> Grouper {
        Grouper {
            open: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            pending: 0,
            batch_size: batch_size.clamp(1, MAX_NUMBERS_PER_REQUEST),
            max_pending: max_pending.max(1),
        }
    }

    /// Numbers waiting in open groups.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Adds a number; returns the groups that are ready (full, or pushed out by the memory bound).
    pub fn add(&mut self, key: GroupKey, number: Pending) -> Vec<Group> {
        let mut ready = Vec::new();
        let slot = match self.open.get_mut(&key) {
            Some(slot) => slot,
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.order.insert(seq, key.clone());
                self.open.entry(key.clone()).or_insert((seq, Vec::new()))
            }
        };
        slot.1.push(number);
        self.pending += 1;
        if slot.1.len() >= self.batch_size {
            ready.extend(self.close(&key));
        }
        while self.pending > self.max_pending {
            let Some((_, oldest)) = self.order.first_key_value() else {
                break;
            };
            let oldest = oldest.clone();
            ready.extend(self.close(&oldest));
        }
        ready
    }

    /// Every open group, oldest first (at the end of the input).
    pub fn drain(&mut self) -> Vec<Group> {
        let keys: Vec<GroupKey> = self.order.values().cloned().collect();
        keys.iter().filter_map(|k| self.close(k)).collect()
    }

    fn close(&mut self, key: &GroupKey) -> Option<Group> {
        let (seq, numbers) = self.open.remove(key)?;
        self.order.remove(&seq);
        self.pending -= numbers.len();
        Some(Group {
            key: key.clone(),
            numbers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_mainland_number_are_one_key() {
        let want = normalize("+8613800001234").ok().unwrap();
        assert_eq!(want.region, Region::Mainland);
        for s in [
            "008613800001234",
            "8613800001234",
            "13800001234",
            " 138-0000-1234 ",
            "+86 138 0000 1234",
        ] {
            let n = normalize(s).ok().unwrap();
            assert_eq!((n.e164.as_str(), n.key), ("+8613800001234", want.key), "{s}");
        }
    }

    #[test]
    fn international_and_malformed() {
        let hk = normalize("+852 6123 4567").ok().unwrap();
        assert_eq!((hk.e164.as_str(), hk.region), ("+85261234567", Region::International));
        assert_eq!(normalize("0085261234567").ok().unwrap().key, hk.key);
        for bad in [
            "",
            "+86123",
            "+8623800001234",
            "12345",
            "+0123456789",
            "abc",
            "+1234567",
            "+1234567890123456",
            "+12a4567890",
        ] {
            let m = normalize(bad).err().unwrap();
            assert_eq!(m.key, key_of(bad), "{bad}");
            assert!(m.key.0 & MALFORMED_BIT != 0, "{bad}");
        }
        assert_ne!(key_of("abc"), key_of("abd"));
    }

    fn pending(i: u64) -> Pending {
        Pending {
            index: Some(i),
            e164: format!("+86138{i:08}"),
            key: NumberKey(i),
            resends: 0,
        }
    }

    fn key(region: Region, p: &str) -> GroupKey {
        GroupKey {
            region,
            params: vec![p.into()],
        }
    }

    #[test]
    fn groups_fill_to_the_batch_size_and_never_mix() {
        let mut g = Grouper::new(200, 10_000);
        let mut ready = Vec::new();
        for i in 0..401 {
            let region = if i % 2 == 0 {
                Region::Mainland
            } else {
                Region::International
            };
            ready.extend(g.add(key(region, "x"), pending(i)));
        }
        assert_eq!(ready.len(), 2);
        assert!(ready.iter().all(|b| b.numbers.len() == 200));
        assert_eq!(g.pending(), 1);
        let rest = g.drain();
        assert_eq!((rest.len(), rest[0].numbers.len(), g.pending()), (1, 1, 0));
    }

    #[test]
    fn the_memory_bound_pushes_the_oldest_group_out() {
        let mut g = Grouper::new(200, 3);
        assert!(g.add(key(Region::Mainland, "a"), pending(0)).is_empty());
        assert!(g.add(key(Region::Mainland, "b"), pending(1)).is_empty());
        assert!(g.add(key(Region::Mainland, "a"), pending(2)).is_empty());
        let out = g.add(key(Region::Mainland, "c"), pending(3));
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].key.params[0].as_str(), out[0].numbers.len()), ("a", 2));
        assert_eq!(g.pending(), 2);
    }
}
