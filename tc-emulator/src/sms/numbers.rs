//! Phone numbers as SendSms reads them: Chinese mainland spellings (`+86`, `0086`, `86` + 11 digits, bare
//! 11 digits starting with 1) and E.164 international numbers, with their country code and ISO code.

/// A number of `PhoneNumberSet`, classified.
#[derive(Debug)]
pub(super) enum Number {
    Valid {
        mainland: bool,
        e164: String,
        country_code: String,
        subscriber: String,
        iso: &'static str,
    },
    Invalid,
}

const COUNTRY_CODES: &[(&str, &str)] = &[
    ("852", "HK"),
    ("853", "MO"),
    ("886", "TW"),
    ("1", "US"),
    ("7", "RU"),
    ("33", "FR"),
    ("44", "GB"),
    ("49", "DE"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("91", "IN"),
];

/// The E.164 digits (without `+`) of a valid number, as the history's key.
pub(super) fn e164_digits(raw: &str) -> Option<u64> {
    match classify(raw) {
        Number::Valid { e164, .. } => e164[1..].parse().ok(),
        Number::Invalid => None,
    }
}

pub(super) fn classify(raw: &str) -> Number {
    let s = raw.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mainland_rest = if let Some(r) = s.strip_prefix("+86") {
        Some(r)
    } else if let Some(r) = s.strip_prefix("0086") {
        Some(r)
    } else if s.len() == 13 && s.starts_with("86") && digits(s) {
        Some(&s[2..])
    } else if s.len() == 11 && s.starts_with('1') && digits(s) {
        Some(s)
    } else {
        None
    };
    if let Some(rest) = mainland_rest {
        if rest.len() == 11 && rest.starts_with('1') && digits(rest) {
            return Number::Valid {
                mainland: true,
                e164: format!("+86{rest}"),
                country_code: "86".into(),
                subscriber: rest.to_owned(),
                iso: "CN",
            };
        }
        return Number::Invalid;
    }
    let Some(d) = s.strip_prefix('+') else {
        return Number::Invalid;
    };
    if !digits(d) || !(8..=15).contains(&d.len()) || d.starts_with('0') {
        return Number::Invalid;
    }
    let (cc, iso) = COUNTRY_CODES
        .iter()
        .find(|(cc, _)| d.starts_with(cc))
        .map(|(cc, iso)| ((*cc).to_owned(), *iso))
        .unwrap_or_else(|| (d[..2].to_owned(), ""));
    Number::Valid {
        mainland: false,
        e164: format!("+{d}"),
        subscriber: d[cc.len()..].to_owned(),
        country_code: cc,
        iso,
    }
}
