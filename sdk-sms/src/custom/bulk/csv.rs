//! The CSV input of a campaign (`bulk_send`'s format): one recipient per line, `number[,param1,...]`;
//! a field in double quotes may hold commas (`""` is a quote); blank lines, `#` comments and a first line
//! starting with `number` (a header) are skipped. Fields are trimmed. A line is never an error: a bad
//! number becomes a `Rejected` outcome later, like any malformed number.

use super::Recipient;

/// Longest line taken whole; a longer one is cut here (its number then fails to normalize, an outcome,
/// and memory stays bounded whatever the file holds).
pub const MAX_LINE_CHARS: usize = 64 * 1024;

/// The fields of one line.
pub fn fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().take(MAX_LINE_CHARS).peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_owned()),
            (c, _) => field.push(c),
        }
    }
    fields.push(field.trim().to_owned());
    fields
}

/// The recipient on one line, or `None` for a blank, comment or header line (`first`: the file's first
/// line, where a header may be).
pub fn recipient(line: &str, first: bool) -> Option<Recipient> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') || (first && trimmed.starts_with("number")) {
        return None;
    }
    let mut fields = fields(trimmed).into_iter();
    let number = fields.next().unwrap_or_default();
    let params: Vec<String> = fields.collect();
    let recipient = Recipient::new(number);
    Some(if params.is_empty() {
        recipient
    } else {
        recipient.params(params)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_hold_commas_and_quotes() {
        assert_eq!(
            fields(r#"+8613800000000, "a, ""b""" ,5"#),
            ["+8613800000000", r#"a, "b""#, "5"]
        );
        let r = recipient("13800000000,4370,5", false).unwrap();
        assert_eq!(r.params.as_deref(), Some(&["4370".to_owned(), "5".to_owned()][..]));
        assert!(recipient("number,code", true).is_none() && recipient("# x", false).is_none());
        assert!(recipient("number,code", false).is_some());
    }
}
