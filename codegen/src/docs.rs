//! Spec `document` strings (markdown with some HTML) → clean rustdoc markdown.
//!
//! * `<br>` and newlines are line breaks; separate text lines become separate paragraphs so they render as
//!   lines, list items stay together.
//! * `<p>`, `<div>`, `<blockquote>` start paragraphs; `<ul>`/`<ol>` are dropped and `<li>` becomes `- `.
//! * `<a href="u">t</a>` → `[t](u)`, `<b>`/`<strong>` → `**`, `<code>` → `` ` ``, `<i>`/`<em>`/unknown tags
//!   are removed (their text is kept).
//! * `<dx-alert title="注意">…</dx-alert>` → a `**注意**:` line, then the content.
//! * Entities are decoded and none is written: `<` and `>` left in text are escaped as `\<`/`\>` (markdown
//!   escapes, which rustdoc renders as the characters and its HTML lint does not read as tags), a `>` that
//!   opens a line stays a blockquote (`>- Note` → `> - Note`), `[x]` that is not a markdown link becomes
//!   `\[x\]` (rustdoc would read it as an intra-doc link).
//! * Leading indentation is removed (rustdoc would read 4 spaces as a Rust doctest) and fenced blocks
//!   without a language get `text`.

/// The label in front of the Chinese original when an English text comes first (see [`bilingual`]).
pub const ORIGINAL_LABEL: &str = "**中文**：";

/// One item's rustdoc from its English and Chinese texts (both already converted by [`to_rustdoc`]) and the
/// generator's own `notes` (base64, example), which belong to neither language.
///
/// Layout, decided so the summary line rustdoc shows in item lists is English wherever there is English,
/// and the original stays one glance away:
///
/// * English missing: the Chinese text, then the notes (what the generator wrote before English existed).
/// * English present: the English text, the notes, then the Chinese text as the last paragraphs, its first
///   paragraph starting with [`ORIGINAL_LABEL`] (on a paragraph of its own when the Chinese starts with a
///   list, table, heading or code block, which a prefix would break). Left out when empty or the same as
///   the English (untranslated entries).
pub fn bilingual(english: &str, notes: &str, chinese: &str) -> String {
    let mut doc = String::new();
    if english.is_empty() {
        push_para(&mut doc, chinese);
        push_para(&mut doc, notes);
        return doc;
    }
    push_para(&mut doc, english);
    push_para(&mut doc, notes);
    if !chinese.is_empty() && chinese != english {
        let first = chinese.lines().next().unwrap_or_default();
        let joiner = if starts_block(first) { "\n\n" } else { "" };
        push_para(&mut doc, &format!("{ORIGINAL_LABEL}{joiner}{chinese}"));
    }
    doc
}

/// Append `para` to `doc` as a new paragraph (a blank line between); empty ones are left out.
pub fn push_para(doc: &mut String, para: &str) {
    if para.is_empty() {
        return;
    }
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(para);
}

/// Does this markdown line start a block that text in front of it would turn into a paragraph?
fn starts_block(line: &str) -> bool {
    is_list_item(line) || line.starts_with(['|', '#']) || line.starts_with("```")
}

/// Convert one spec document string. The result has no raw HTML tags.
pub fn to_rustdoc(doc: &str) -> String {
    let mut out = String::new();
    let mut links: Vec<Option<String>> = Vec::new();
    let mut rest = doc;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        let after = &rest[lt..];
        match parse_tag(after) {
            Some((tag, len)) => {
                apply_tag(&mut out, &mut links, &tag);
                rest = &after[len..];
            }
            None => {
                out.push_str("\\<");
                rest = &after[1..];
            }
        }
    }
    push_text(&mut out, rest);
    tidy(&out)
}

/// HTML tags recognised as markup; any other `<word>` is text (escaped).
const KNOWN_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

struct Tag {
    name: String,
    closing: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// `<name attr="v" ...>` or `</name>` at the start of `s`: the tag and its byte length.
fn parse_tag(s: &str) -> Option<(Tag, usize)> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
        i += 1;
    }
    if i == start || !b[start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[start..i].to_ascii_lowercase();
    if !KNOWN_TAGS.contains(&name.as_str()) && !name.starts_with("dx-") {
        return None; // `<InstanceId>`-style placeholders are text
    }
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((Tag { name, closing, attrs }, i + 1)),
            b'/' if b.get(i + 1) == Some(&b'>') => return Some((Tag { name, closing, attrs }, i + 2)),
            _ => {}
        }
        let k0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        if i == k0 {
            return None;
        }
        let key = s[k0..i].to_ascii_lowercase();
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let end = s[i + 1..].find(*q as char)? + i + 1;
                    value = decode_entities(&s[i + 1..end]);
                    i = end + 1;
                }
                _ => {
                    let v0 = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = s[v0..i].to_string();
                }
            }
        }
        attrs.push((key, value));
    }
}

fn apply_tag(out: &mut String, links: &mut Vec<Option<String>>, tag: &Tag) {
    match (tag.name.as_str(), tag.closing) {
        ("br", _) => out.push('\n'),
        ("p" | "div" | "blockquote" | "section" | "table" | "tr" | "h1" | "h2" | "h3" | "h4", _) => {
            out.push_str("\n\n")
        }
        ("ul" | "ol", _) => out.push('\n'),
        ("li", false) => out.push_str("\n- "),
        ("li", true) => out.push('\n'),
        ("td" | "th", true) => out.push(' '),
        ("b" | "strong", _) => out.push_str("**"),
        ("code", _) => out.push('`'),
        ("dx-alert", false) => {
            let title = tag.attr("title").unwrap_or("注意");
            out.push_str("\n\n**");
            push_text(out, title);
            out.push_str("**:\n");
        }
        ("dx-alert", true) => out.push_str("\n\n"),
        ("a", false) => {
            // An in-page anchor (`#4.-.E7...`) points into Tencent's web page, not the generated docs.
            let href = tag
                .attr("href")
                .filter(|h| !h.is_empty() && !h.starts_with('#'))
                .map(str::to_string);
            if href.is_some() {
                out.push('[');
            }
            links.push(href);
        }
        ("a", true) => {
            if let Some(Some(href)) = links.pop() {
                out.push_str("](");
                out.push_str(&href.replace(' ', "%20").replace('(', "%28").replace(')', "%29"));
                out.push(')');
            }
        }
        _ => {}
    }
}

/// Append decoded, markdown-escaped text; markdown links already in the text are kept as they are.
fn push_text(out: &mut String, raw: &str) {
    // Twice: some documents are encoded twice (`&amp;lt;`), and no entity may reach the output.
    let text = decode_entities(&decode_entities(raw));
    let mut rest = text.as_str();
    while let Some(i) = rest.find(['[', ']', '<', '>']) {
        escape_plain(out, &rest[..i]);
        let c = rest.as_bytes()[i];
        let tail = &rest[i..];
        match c {
            b'[' => match markdown_link_len(tail) {
                Some(len) => {
                    push_link(out, &tail[..len]);
                    rest = &tail[len..];
                    continue;
                }
                None => out.push_str("\\["),
            },
            b']' => out.push_str("\\]"),
            b'<' => out.push_str("\\<"),
            // `>` opening a line is the spec's own blockquote (`>- Note`): kept as one.
            _ if out.is_empty() || out.ends_with('\n') => out.push_str("> "),
            _ => out.push_str("\\>"),
        }
        rest = &tail[1..];
    }
    escape_plain(out, rest);
}

/// A markdown link `[text](url)` as it is, or only its text when the URL is an in-page anchor of the web
/// page the document came from (`(#4.-.E7...)`): no such anchor exists in the generated docs.
fn push_link(out: &mut String, link: &str) {
    let close = link.find("](").unwrap_or(link.len());
    if link[close..].starts_with("](#") {
        out.push_str(&link[1..close]);
    } else {
        out.push_str(link);
    }
}

/// Plain text, with every bare URL made a link: `https://x.y/1.png` becomes the autolink `<https://x.y/1.png>`,
/// and a scheme-less `www.x.y` a code span, so rustdoc's `bare_urls` lint holds for generated docs (issue 16).
/// Text inside a code span (between backticks) is left alone.
fn escape_plain(out: &mut String, s: &str) {
    let mut in_code = false;
    let mut rest = s;
    while !rest.is_empty() {
        let tick = rest.find('`').unwrap_or(rest.len());
        let (segment, after) = rest.split_at(tick);
        if in_code {
            out.push_str(segment);
        } else {
            link_bare_urls(out, segment);
        }
        if let Some(after) = after.strip_prefix('`') {
            out.push('`');
            in_code = !in_code;
            rest = after;
        } else {
            rest = after;
        }
    }
}

fn link_bare_urls(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some((start, len, scheme)) = next_bare_url(rest) {
        out.push_str(&rest[..start]);
        let url = &rest[start..start + len];
        if scheme {
            out.push('<');
            out.push_str(url);
            out.push('>');
        } else {
            out.push_str(&code_span(url));
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
}

/// The next URL in `text`: (byte start, byte length, has a scheme). A URL runs over the characters URLs are
/// made of, less trailing punctuation that ends the sentence around it.
fn next_bare_url(text: &str) -> Option<(usize, usize, bool)> {
    let mut from = 0;
    loop {
        let rel = ["https://", "http://", "www."]
            .iter()
            .filter_map(|p| text[from..].find(p).map(|i| (i, *p)))
            .min_by_key(|(i, _)| *i)?;
        let start = from + rel.0;
        let scheme = rel.1 != "www.";
        let body = &text[start..];
        let mut len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-._~:/?#@!$&'()*+,;=%".contains(c)))
            .unwrap_or(body.len());
        while len > 0 {
            let last = body.as_bytes()[len - 1];
            let unbalanced_paren = last == b')' && body[..len].matches('(').count() < body[..len].matches(')').count();
            if b".,;:!?'\"".contains(&last) || unbalanced_paren {
                len -= 1;
            } else {
                break;
            }
        }
        let word_start =
            start == 0 || !text[..start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/');
        let host = &body[rel.1.len()..len];
        if word_start && (host.contains('.') || (scheme && !host.is_empty())) {
            return Some((start, len, scheme));
        }
        from = start + rel.1.len();
    }
}

/// Length of `[text](url)` at the start of `s`, if it is one (no nested brackets, no newline in the URL).
fn markdown_link_len(s: &str) -> Option<usize> {
    let close = s.find(']')?;
    if s[1..close].contains('[') || s[1..close].is_empty() {
        return None;
    }
    let after = &s[close + 1..];
    if !after.starts_with('(') {
        return None;
    }
    let end = after.find(')')?;
    if after[..end].contains(['\n', ' ', '<', '>']) {
        return None;
    }
    Some(close + 1 + end + 1)
}

/// Decode the HTML entities the specs use (named basics and numeric ones).
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        // Entity names are ASCII; look for `;` within the first 12 bytes without slicing inside a character.
        let semi = tail.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|e| {
            let name = &tail[1..e];
            let c = match name {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                // Spaces of any width are one space in rustdoc (trtc and gme indent with `&emsp;`).
                "nbsp" | "emsp" | "ensp" | "thinsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trim lines, collapse blank runs, give fences a language, and separate plain text lines into paragraphs.
fn tidy(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace("****", "");
    let mut lines: Vec<String> = Vec::new();
    let mut in_fence = false;
    for line in s.split('\n') {
        let t = if in_fence { line.trim_end() } else { line.trim() };
        if t.starts_with("```") {
            if !in_fence && t == "```" {
                lines.push("```text".into());
            } else {
                lines.push(t.into());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            lines.push(t.into());
            continue;
        }
        if t == "-" {
            continue; // an empty list item
        }
        let is_item = is_list_item(t);
        let is_table = t.starts_with('|');
        if let Some(prev) = lines.last() {
            let prev_plain =
                !prev.is_empty() && !is_list_item(prev) && !prev.starts_with('|') && !prev.starts_with("```");
            let plain = !t.is_empty() && !is_item && !is_table;
            if prev_plain && plain {
                lines.push(String::new());
            } else if is_list_item(prev) && plain && !t.starts_with("**") {
                // text right after a list is a new paragraph, not a lazy continuation of the item
                lines.push(String::new());
            }
        }
        if is_item
            && lines.last().is_some_and(|l| l.is_empty())
            && lines.len() >= 2
            && is_list_item(&lines[lines.len() - 2])
        {
            lines.pop(); // keep a list tight
        }
        if t.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(t.to_string());
    }
    if in_fence {
        lines.push("```".into());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn is_list_item(line: &str) -> bool {
    line.starts_with("- ") || line.starts_with("* ") || {
        let d = line.bytes().take_while(u8::is_ascii_digit).count();
        d > 0 && line[d..].starts_with(". ")
    }
}

/// Does `s` contain something that looks like a raw HTML tag (`<x`, `</x`, not the escaped `\<x`)? Used by
/// tests.
pub fn has_html_tag(s: &str) -> bool {
    s.match_indices('<').any(|(i, _)| {
        if s[..i].ends_with('\\') {
            return false;
        }
        let t = &s[i + 1..];
        let t = t.strip_prefix('/').unwrap_or(t);
        t.starts_with(|c: char| c.is_ascii_alphabetic())
    })
}

/// An inline code span holding `text` (a longer fence when the text has backticks).
pub fn code_span(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let mut fence = "`".to_string();
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_next_to_multibyte_text() {
        // Found by generating every tccli spec: a `&` followed by CJK text within 12 bytes used to panic.
        assert_eq!(decode_entities("&gt; 类型时使用"), "> 类型时使用");
        assert_eq!(decode_entities("A&类型时使用;"), "A&类型时使用;");
        assert_eq!(decode_entities("&#x4e2d;&amp"), "中&amp");
        assert_eq!(decode_entities("a&emsp;b&ensp;c"), "a b c");
    }

    #[test]
    fn alert_list_and_links() {
        let doc = "签名，可前往 [国内短信](https://x.y/a) 查看。\n<dx-alert infotype=\"notice\" title=\"注意\"><ul><li>发送国内短信该参数必填。\n</li><li>非必填。</li></ul></dx-alert>";
        assert_eq!(
            to_rustdoc(doc),
            "签名，可前往 [国内短信](https://x.y/a) 查看。\n\n**注意**:\n\n- 发送国内短信该参数必填。\n- 非必填。"
        );
    }

    #[test]
    fn anchors_breaks_entities_and_blockquotes() {
        let doc = "A<br>B<br/>请参阅 <a href=\"https://c.d/1\">审核标准。</a>&quot;x&quot; &amp; 1 &lt; 2";
        assert_eq!(
            to_rustdoc(doc),
            "A\n\nB\n\n请参阅 [审核标准。](https://c.d/1)\"x\" & 1 \\< 2"
        );
        let doc = "<blockquote class=\"d\"><div class=\"t\" style=\"x: y;\"><i class=\"icon\"></i>说明：</div><p></p><ul><li>一<b>粗</b>二</li></ul></blockquote>";
        assert_eq!(to_rustdoc(doc), "说明：\n\n- 一**粗**二");
        assert_eq!(
            to_rustdoc("<p>去掉前缀<code>data:image/jpeg;base64,</code>再赋值</p>"),
            "去掉前缀`data:image/jpeg;base64,`再赋值"
        );
    }

    #[test]
    fn rustdoc_hazards_are_escaped() {
        assert_eq!(
            to_rustdoc("取值 [0, 100] 之间 a<x c>d"),
            "取值 \\[0, 100\\] 之间 a\\<x c\\>d"
        );
        assert_eq!(to_rustdoc("填 <InstanceId> 即可"), "填 \\<InstanceId\\> 即可");
        assert_eq!(
            to_rustdoc("    indented code?\n```\nx\n```"),
            "indented code?\n```text\nx\n```"
        );
        assert_eq!(to_rustdoc("a &amp;lt;b&gt; c"), "a \\<b\\> c");
        assert_eq!(to_rustdoc(">- Note: a\n>- b"), "> - Note: a\n\n> - b");
        assert_eq!(
            to_rustdoc("参考 [示例](#4.-.E7.A4) 与 <a href=\"#x\">此处</a>"),
            "参考 示例 与 此处"
        );
        assert!(!has_html_tag(&to_rustdoc("x &lt;script&gt; y")));
        assert!(has_html_tag("a <b>"));
        assert!(!has_html_tag("1 < 2"));
    }

    #[test]
    fn bare_urls_become_links() {
        assert_eq!(
            to_rustdoc("如\"https://example.com/1.png\"，或 http://a.b/c?d=1&e=2。"),
            "如\"<https://example.com/1.png>\"，或 <http://a.b/c?d=1&e=2>。"
        );
        assert_eq!(to_rustdoc("见 (https://a.b/x_(y))."), "见 (<https://a.b/x_(y)>).");
        assert_eq!(to_rustdoc("访问 www.qq.com 即可"), "访问 `www.qq.com` 即可");
        assert_eq!(to_rustdoc("`https://in.code/x` stays"), "`https://in.code/x` stays");
        assert_eq!(to_rustdoc("[链接](https://a.b/c) kept"), "[链接](https://a.b/c) kept");
        assert_eq!(to_rustdoc("not a url: awww.x, http://"), "not a url: awww.x, http://");
    }

    #[test]
    fn bilingual_layout() {
        assert_eq!(bilingual("", "Example: `1`", "签名。"), "签名。\n\nExample: `1`");
        assert_eq!(
            bilingual("Signature.", "Example: `1`", "签名。\n\n注：不可重复。"),
            "Signature.\n\nExample: `1`\n\n**中文**：签名。\n\n注：不可重复。"
        );
        assert_eq!(
            bilingual("Notes:", "", "- 一\n- 二"),
            "Notes:\n\n**中文**：\n\n- 一\n- 二",
            "a list keeps its own paragraph"
        );
        assert_eq!(bilingual("Same.", "", "Same."), "Same.");
        assert_eq!(bilingual("Only English.", "", ""), "Only English.");
        assert_eq!(bilingual("", "", ""), "");
    }

    #[test]
    fn code_spans() {
        assert_eq!(code_span("1400006666"), "`1400006666`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
    }
}
