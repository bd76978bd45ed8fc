//! Pass 4, document: fills every `doc` of a named [`Version`] from the spec.
//!
//! Adds rustdoc text (converted by [`crate::docs`]): an object's document; a field's document, plus a note
//! for base64 (`binary`) members and the spec's example as a code span; an action's title with its wire
//! name (`Sends SMS messages (SendSms)`), then its document. Paragraphs are joined by a blank line, empty
//! ones left out.
//!
//! Two languages: when the version has English documents ([`tc_spec::ApiDocs`], from `api_en.json`), each
//! item's English text comes first and the Chinese original after it ([`docs::bilingual`] has the layout);
//! items are paired by wire name (action, object, object + member), so an English entry for a name the
//! Chinese spec lacks is never looked at, and an item without English keeps its Chinese text alone. The
//! Chinese action title drops the wire name when it follows an English title that has it.
//!
//! The Chinese original is always kept, not replaced: it is the text Tencent keeps current, and the English
//! edition sometimes lags behind it (SMS 2021-01-11 `SignType` still lists signature types the Chinese text
//! says are no longer accepted), so a reader who sees the two differ has the original right there.

use tc_spec::{ActionDocs, ObjectDocs, Primitive, TypeRef};

use super::resolve::{Resolved, SpecMember, SpecObject};
use super::{Object, Version};
use crate::docs::{self, push_para};

/// Fill the docs of `version`, which [`super::name`] built from `resolved` (same items, same order).
pub fn document(resolved: &Resolved<'_>, version: &mut Version) {
    let english = resolved.pv.english.as_ref();
    for (object, spec) in version.objects.iter_mut().zip(&resolved.objects) {
        document_object(spec, english.and_then(|e| e.objects.get(spec.name)), object);
    }
    for (action, spec) in version.actions.iter_mut().zip(&resolved.actions) {
        debug_assert_eq!(action.wire, spec.name);
        let en = english.and_then(|e| e.actions.get(spec.name));
        action.doc = action_doc(spec.name, spec.spec, en);
    }
}

fn document_object(spec: &SpecObject<'_>, english: Option<&ObjectDocs>, object: &mut Object) {
    debug_assert_eq!(object.wire, spec.name);
    let en = english.map_or("", |e| e.document.as_str());
    object.doc = docs::bilingual(&docs::to_rustdoc(en), "", &docs::to_rustdoc(&spec.spec.document));
    for (field, member) in object.fields.iter_mut().zip(&spec.members) {
        debug_assert_eq!(field.wire, member.spec.name);
        let en = english.and_then(|e| e.member(&member.spec.name)).unwrap_or_default();
        field.doc = member_doc(member, en);
    }
}

/// An example value that says nothing: empty, or the specs' "none" placeholders (`无`, `null`, `None`, `-`).
fn is_placeholder(example: &str) -> bool {
    matches!(example.trim(), "" | "无" | "null" | "None" | "none" | "-" | "N/A")
}

/// An example value as one line of code: the specs break some with HTML (`<br>`, `<li>`), which a code span
/// would show as it is, so each such tag becomes a space; entities (cfs `size &gt;4096`, also encoded twice)
/// become their characters, which a code span shows as they are.
fn example_text(example: &str) -> String {
    let example = docs::decode_entities(&docs::decode_entities(example));
    let mut out = String::with_capacity(example.len());
    let mut rest = example.as_str();
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let tag = ["<br>", "<br/>", "<br />", "<li>", "</li>"]
            .into_iter()
            .find(|t| tail.get(..t.len()).is_some_and(|h| h.eq_ignore_ascii_case(t)));
        match tag {
            Some(t) => {
                out.push(' ');
                rest = &tail[t.len()..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn member_doc(member: &SpecMember<'_>, english: &str) -> String {
    let mut notes = String::new();
    if member.spec.disabled {
        push_para(
            &mut notes,
            "Disabled by the API: kept, as the official SDKs keep it, but the service may ignore it.",
        );
    }
    if matches!(member.ty, TypeRef::Primitive(Primitive::Binary)) {
        push_para(&mut notes, "Binary data, base64-encoded on the wire.");
    }
    let example = member.spec.example.as_deref().filter(|e| !is_placeholder(e));
    if let Some(example) = example.filter(|e| !says_example(&[english, &member.spec.document], e)) {
        push_para(
            &mut notes,
            &format!("Example: {}", docs::code_span(&example_text(example))),
        );
    }
    docs::bilingual(
        &docs::to_rustdoc(english),
        &notes,
        &docs::to_rustdoc(&member.spec.document),
    )
}

/// Whether a document already gives `example` as its example (`Example: Qsms`, `示例：Qsms`), so the
/// generator's own `Example:` line would repeat it.
fn says_example(documents: &[&str], example: &str) -> bool {
    let example = example.trim();
    documents.iter().any(|doc| {
        let doc = doc.to_lowercase();
        [
            "example: ",
            "example:",
            "e.g. ",
            "示例：",
            "示例:",
            "例如：",
            "例如:",
            "例如",
        ]
        .iter()
        .any(|lead| doc.contains(&format!("{lead}{}", example.to_lowercase())))
    })
}

fn action_doc(wire: &str, action: &tc_spec::Action, english: Option<&ActionDocs>) -> String {
    let mut en = String::new();
    if let Some(e) = english {
        en = titled(&e.name, Some(wire));
        push_para(&mut en, &docs::to_rustdoc(&e.document));
    }
    // The wire name is said once, in the first title.
    let wire_in_chinese = english.is_none_or(|e| e.name.trim().is_empty());
    let mut zh = titled(&action.name, wire_in_chinese.then_some(wire));
    push_para(&mut zh, &docs::to_rustdoc(&action.document));
    docs::bilingual(&en, "", &zh)
}

/// `title (Wire)`, or the title alone without a wire name, or nothing when the title is blank.
fn titled(title: &str, wire: Option<&str>) -> String {
    let title = title.trim();
    match (title.is_empty(), wire) {
        (true, _) => String::new(),
        (false, Some(wire)) => format!("{} ({wire})", docs::to_rustdoc(title)),
        (false, None) => docs::to_rustdoc(title),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::ir;
    use crate::testing::{ir, spec_with_english};

    #[test]
    fn html_line_tags_in_examples_become_spaces() {
        assert_eq!(super::example_text("a<br>b<BR/>c<br />d"), "a b c d");
        assert_eq!(super::example_text("取值：<br><li>NORMAL</li>"), "取值：  NORMAL ");
        assert_eq!(super::example_text("x < 3 <b>"), "x < 3 <b>");
    }

    #[test]
    fn entities_in_examples_become_their_characters() {
        assert_eq!(super::example_text("where size &gt;4096"), "where size >4096");
        assert_eq!(super::example_text("&amp;lt;7.50"), "<7.50");
        assert_eq!(super::example_text("Q&A; 2"), "Q&A; 2");
    }

    #[test]
    fn english_first_then_chinese_and_chinese_alone_without_english() {
        let pv = spec_with_english(
            json!({
                "GoRequest": {"document": "走的请求。", "members": [
                    {"name": "Name", "type": "string", "member": "string", "document": "名称。", "example": "x"},
                    {"name": "Blob", "type": "binary", "member": "binary", "document": "数据。"},
                    {"name": "List", "type": "string", "member": "string", "document": "<ul><li>一</li><li>二</li></ul>"},
                    {"name": "Same", "type": "int", "member": "int64", "document": "Count."},
                ]},
                "GoResponse": {"document": "走的响应。", "members": []},
            }),
            json!({
                "Go": {"name": "走", "document": "走一趟。", "input": "GoRequest", "output": "GoResponse"},
                "Stay": {"name": "留", "document": "留下。", "input": "GoRequest", "output": "GoResponse"},
                "Wait": {"name": "等", "document": "等待。", "input": "GoRequest", "output": "GoResponse"},
            }),
            json!({
                "GoRequest": {"document": "The <b>request</b>.", "members": [
                    {"name": "Name", "document": "The name."},
                    {"name": "Blob", "document": "Data."},
                    {"name": "List", "document": "Two items:"},
                    {"name": "Same", "document": "Count."},
                    {"name": "Ghost", "document": "Not in api.json."},
                ]},
                "Phantom": {"document": "Not in api.json either.", "members": []},
            }),
            json!({
                "Go": {"name": "Goes", "document": "Goes once."},
                "Wait": {"document": "Waits."},
                "Vanish": {"name": "Vanishes", "document": "Not in api.json."},
            }),
        );
        let v = ir::build(&pv, "specs").unwrap();
        let request = v.objects.iter().find(|o| o.wire == "GoRequest").unwrap();
        assert_eq!(request.doc, "The **request**.\n\n**中文**：走的请求。");
        let docs: Vec<_> = request.fields.iter().map(|f| f.doc.as_str()).collect();
        assert_eq!(
            docs,
            [
                "The name.\n\nExample: `x`\n\n**中文**：名称。",
                "Data.\n\nBinary data, base64-encoded on the wire.\n\n**中文**：数据。",
                "Two items:\n\n**中文**：\n\n- 一\n- 二",
                "Count.",
            ]
        );
        let response = v.objects.iter().find(|o| o.wire == "GoResponse").unwrap();
        assert_eq!(response.doc, "走的响应。", "no English entry: Chinese alone");

        let action = |wire: &str| v.actions.iter().find(|a| a.wire == wire).unwrap().doc.as_str();
        assert_eq!(action("Go"), "Goes (Go)\n\nGoes once.\n\n**中文**：走\n\n走一趟。");
        assert_eq!(action("Stay"), "留 (Stay)\n\n留下。");
        assert_eq!(
            action("Wait"),
            "Waits.\n\n**中文**：等 (Wait)\n\n等待。",
            "without an English title the wire name stays with the Chinese one"
        );

        let all: String = v
            .objects
            .iter()
            .flat_map(|o| std::iter::once(&o.doc).chain(o.fields.iter().map(|f| &f.doc)))
            .chain(v.actions.iter().map(|a| &a.doc))
            .cloned()
            .collect();
        assert!(
            !all.contains("api.json"),
            "an English entry without a Chinese item was used: {all}"
        );
        assert_eq!(v.objects.len(), 2, "English entries add no objects");
        assert_eq!(v.actions.len(), 3, "English entries add no actions");
    }

    #[test]
    fn docs_of_objects_fields_and_actions() {
        let v = ir(
            json!({
                "GoRequest": {"document": "The <b>input</b>.", "members": [
                    {"name": "Off", "type": "string", "member": "string", "disabled": true, "document": "Off."},
                    {"name": "Blob", "type": "binary", "member": "binary", "document": "Bytes.", "example": "aGk="},
                    {"name": "Tick", "type": "string", "member": "string", "document": "", "example": "a`b"},
                    {"name": "Bare", "type": "int", "member": "int64", "example": "  "},
                    {"name": "None", "type": "string", "member": "string", "document": "无例子。", "example": "无"},
                ]},
                "GoResponse": {"members": []},
            }),
            json!({
                "Go": {"name": " 走 ", "document": "Goes.<br>Fast.", "input": "GoRequest", "output": "GoResponse"},
                "Untitled": {"document": "No title.", "input": "GoRequest", "output": "GoResponse"},
            }),
        );
        let request = &v.objects[0];
        assert_eq!(request.doc, "The **input**.");
        let docs: Vec<_> = request
            .fields
            .iter()
            .map(|f| (f.wire.as_str(), f.doc.as_str()))
            .collect();
        assert_eq!(
            docs,
            [
                (
                    "Off",
                    "Off.\n\nDisabled by the API: kept, as the official SDKs keep it, but the service may ignore it."
                ),
                (
                    "Blob",
                    "Bytes.\n\nBinary data, base64-encoded on the wire.\n\nExample: `aGk=`"
                ),
                ("Tick", "Example: ``a`b``"),
                ("Bare", ""),
                ("None", "无例子。"),
            ]
        );
        assert_eq!(
            v.actions[0].doc, "走 (Go)\n\nGoes.\n\nFast.",
            "a `<br>` separates paragraphs"
        );
        assert_eq!(v.actions[1].doc, "No title.");
    }
}
