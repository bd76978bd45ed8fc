//! The emulator's clock: the host clock plus a configurable offset, and the few calendar helpers we need
//! (UTC date of a timestamp for the TC3 credential scope, `YYYYMMDDHH` for SMS statistics) without a date crate.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest clock offset accepted, either way: 100 years. Larger ones are clamped to it (and refused by the
/// admin API), so no offset can overflow the clock's arithmetic.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 100 * 366 * 86_400;

/// Host clock shifted by an offset in seconds that can change while the server runs.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// `offset_secs` is clamped to ±[`MAX_CLOCK_OFFSET_SECS`].
    pub fn new(offset_secs: i64) -> Clock {
        Clock {
            offset_secs: AtomicI64::new(clamp(offset_secs)),
        }
    }

    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// `secs` is clamped to ±[`MAX_CLOCK_OFFSET_SECS`].
    pub fn set_offset(&self, secs: i64) {
        self.offset_secs.store(clamp(secs), Ordering::Relaxed);
    }

    /// The emulator's "now" (the host clock when the offset cannot be applied on this platform).
    pub fn now(&self) -> SystemTime {
        let off = self.offset();
        let host = SystemTime::now();
        let shifted = if off >= 0 {
            host.checked_add(Duration::from_secs(off.unsigned_abs()))
        } else {
            host.checked_sub(Duration::from_secs(off.unsigned_abs()))
        };
        shifted.unwrap_or(host)
    }

    /// The emulator's "now" in Unix seconds.
    pub fn unix(&self) -> i64 {
        unix_secs(self.now())
    }
}

fn clamp(secs: i64) -> i64 {
    secs.clamp(-MAX_CLOCK_OFFSET_SECS, MAX_CLOCK_OFFSET_SECS)
}

pub fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01. Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// UTC `YYYY-MM-DD` of a Unix timestamp, as in the TC3 credential scope.
pub fn utc_date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parse SMS statistics time `YYYYMMDDHH` (UTC+8, as the console shows it) into Unix seconds.
pub fn parse_yyyymmddhh_cst(s: &str) -> Option<i64> {
    if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    let h: i64 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 - 8 * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(1_551_113_065), "2019-02-25");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        for days in [-1000, 0, 59, 10_957, 19_000, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(
            parse_yyyymmddhh_cst("2021050108"),
            Some(days_from_civil(2021, 5, 1) * 86_400)
        );
        assert_eq!(parse_yyyymmddhh_cst("2021133108"), None);
    }
}
