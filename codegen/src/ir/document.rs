//! Pass 4, document: fills every `doc` of a named [`Version`] from the spec.
//!
//! Adds rustdoc text (converted by [`crate::docs`]): an object's document; a field's document, plus a note
//! for base64 (`binary`) members and the spec's example as a code span; an action's Chinese title with its
//! wire name (`发送短信 (SendSms)`), then its document. Paragraphs are joined by a blank line, empty ones
//! left out.

use tc_spec::{Primitive, TypeRef};

use super::resolve::{Resolved, SpecMember, SpecObject};
use super::{Object, Version};
use crate::docs;

/// Fill the docs of `version`, which [`super::name`] built from `resolved` (same items, same order).
pub fn document(resolved: &Resolved<'_>, version: &mut Version) {
    for (object, spec) in version.objects.iter_mut().zip(&resolved.objects) {
        document_object(spec, object);
    }
    for (action, spec) in version.actions.iter_mut().zip(&resolved.actions) {
        debug_assert_eq!(action.wire, spec.name);
        action.doc = action_doc(spec.name, spec.spec);
    }
}

fn document_object(spec: &SpecObject<'_>, object: &mut Object) {
    debug_assert_eq!(object.wire, spec.name);
    object.doc = docs::to_rustdoc(&spec.spec.document);
    for (field, member) in object.fields.iter_mut().zip(&spec.members) {
        debug_assert_eq!(field.wire, member.spec.name);
        field.doc = member_doc(member);
    }
}

fn member_doc(member: &SpecMember<'_>) -> String {
    let mut doc = docs::to_rustdoc(&member.spec.document);
    if matches!(member.ty, TypeRef::Primitive(Primitive::Binary)) {
        push_para(&mut doc, "Binary data, base64-encoded on the wire.");
    }
    if let Some(example) = member.spec.example.as_deref().filter(|e| !e.trim().is_empty()) {
        push_para(&mut doc, &format!("Example: {}", docs::code_span(example)));
    }
    doc
}

fn action_doc(wire: &str, action: &tc_spec::Action) -> String {
    let mut doc = String::new();
    if !action.name.trim().is_empty() {
        doc = format!("{} ({wire})", docs::to_rustdoc(action.name.trim()));
    }
    push_para(&mut doc, &docs::to_rustdoc(&action.document));
    doc
}

fn push_para(doc: &mut String, para: &str) {
    if para.is_empty() {
        return;
    }
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(para);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::ir;

    #[test]
    fn docs_of_objects_fields_and_actions() {
        let v = ir(
            json!({
                "GoRequest": {"document": "The <b>input</b>.", "members": [
                    {"name": "Off", "type": "string", "member": "string", "disabled": true, "document": "Off."},
                    {"name": "Blob", "type": "binary", "member": "binary", "document": "Bytes.", "example": "aGk="},
                    {"name": "Tick", "type": "string", "member": "string", "document": "", "example": "a`b"},
                    {"name": "Bare", "type": "int", "member": "int64", "example": "  "},
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
                    "Blob",
                    "Bytes.\n\nBinary data, base64-encoded on the wire.\n\nExample: `aGk=`"
                ),
                ("Tick", "Example: ``a`b``"),
                ("Bare", ""),
            ]
        );
        assert_eq!(
            v.actions[0].doc, "走 (Go)\n\nGoes.\n\nFast.",
            "a `<br>` separates paragraphs"
        );
        assert_eq!(v.actions[1].doc, "No title.");
    }
}
