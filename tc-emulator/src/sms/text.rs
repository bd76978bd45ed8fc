//! Message text: placeholders of a template, rendering in one pass, and the fee (billed parts).

use std::collections::BTreeSet;

/// Distinct placeholder numbers `{n}` in a template, ascending.
pub fn placeholders(content: &str) -> Vec<u32> {
    let mut found = BTreeSet::new();
    let mut rest = content;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(n) = after[..close].parse() {
                    found.insert(n);
                }
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    found.into_iter().collect()
}

/// The template with each `{n}` replaced by its parameter, in one pass over the template: a parameter is
/// copied as it is, never scanned again (a parameter holding `{2}` used to be expanded again, so 35 KB of
/// parameters grew into 100 MB of text). The result is at most the template plus each parameter per slot.
pub(super) fn render(content: &str, slots: &[u32], params: &[String]) -> String {
    let value_of = |n: u32| slots.iter().position(|s| *s == n).and_then(|i| params.get(i));
    let mut out = String::with_capacity(content.len() + params.iter().map(String::len).sum::<usize>());
    let mut rest = content;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let slot = after
            .find('}')
            .filter(|&close| close > 0 && after[..close].bytes().all(|b| b.is_ascii_digit()))
            .and_then(|close| Some((close, value_of(after[..close].parse().ok()?)?)));
        match slot {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Billed messages for a text: ≤ 70 characters is one, longer ones are split in 67-character parts.
pub fn fee_of(text: &str) -> u64 {
    let len = text.chars().count() as u64;
    if len <= 70 {
        1
    } else {
        len.div_ceil(67)
    }
}
