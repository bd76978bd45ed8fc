//! The small INI dialect of `~/.tencentcloud/credentials`, parsed without a dependency.
//!
//! Accepted: `[section]` headers, `key = value` (or `key=value`) lines, blank lines and whole-line comments
//! starting with `#` or `;`. Keys and values are trimmed; a repeated key keeps the last value. Anything
//! else is an error naming the line number — never the line's text, which may hold a secret.

/// One `[section]` and its keys, in file order.
#[derive(Debug, Default)]
pub(crate) struct Section {
    pub(crate) name: String,
    entries: Vec<(String, String, usize)>,
}

impl Section {
    /// The value of `key` and the line it is on.
    pub(crate) fn get(&self, key: &str) -> Option<(&str, usize)> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, line)| (v.as_str(), *line))
    }
}

/// A parse failure: 1-based line number and what was wrong (without the line's content).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) message: &'static str,
}

pub(crate) fn parse(text: &str) -> Result<Vec<Section>, ParseError> {
    let mut sections: Vec<Section> = Vec::new();
    // A UTF-8 byte order mark (Windows editors) is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let name = rest.strip_suffix(']').ok_or(ParseError {
                line,
                message: "section header without closing `]`",
            })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(ParseError {
                    line,
                    message: "empty section name",
                });
            }
            sections.push(Section {
                name: name.to_owned(),
                entries: Vec::new(),
            });
            continue;
        }
        let (key, value) = trimmed.split_once('=').ok_or(ParseError {
            line,
            message: "expected `key = value`, `[section]` or a comment",
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(ParseError {
                line,
                message: "empty key before `=`",
            });
        }
        let section = sections.last_mut().ok_or(ParseError {
            line,
            message: "`key = value` before any `[section]`",
        })?;
        section.entries.push((key.to_owned(), value.trim().to_owned(), line));
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_comments() {
        let text = "\u{feff}# comment\n; other\n\n[default]\nsecret_id = AKID1\nsecret_key=k1 \n\n[ prod ]\n  secret_id =AKID2\nsecret_id = AKID3\ntoken =\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "default");
        assert_eq!(s[0].get("secret_id"), Some(("AKID1", 5)));
        assert_eq!(s[0].get("secret_key"), Some(("k1", 6)));
        assert_eq!(s[1].name, "prod");
        assert_eq!(s[1].get("secret_id"), Some(("AKID3", 10)));
        assert_eq!(s[1].get("token"), Some(("", 11)));
        assert_eq!(s[1].get("missing"), None);
        // Values may contain `=` (base64 padding).
        let s = parse("[a]\nk = x==\n").unwrap();
        assert_eq!(s[0].get("k"), Some(("x==", 2)));
    }

    #[test]
    fn errors_name_the_line_not_the_content() {
        let e = parse("[default]\nsecret_key: hunter2\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(!e.message.contains("hunter2"));
        assert_eq!(parse("k = v\n").unwrap_err().line, 1);
        assert_eq!(parse("[a]\n[b\n").unwrap_err().line, 2);
        assert_eq!(parse("[]\n").unwrap_err().line, 1);
        assert_eq!(parse("[a]\n= v\n").unwrap_err().line, 2);
    }
}
