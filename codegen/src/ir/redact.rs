//! Pass 5, redact: sets [`Field::redact`](super::Field::redact) of every field from the redaction policy
//! ([`crate::redaction`]): by product and wire name, and for text members also by what their documentation
//! says they hold (so a phone number under an unforeseen name is masked too). Runs after `document`.
//!
//! Decision: masking a phone number keeps its last digits, which only makes sense for text; a field the
//! policy calls a phone number but that is not a string (or a list of strings) is hidden whole, as a secret.

use super::{Field, Ty, Version};
use crate::redaction::{self, Redaction};

/// Mark the fields of `version` that `Debug` hides.
pub fn redact(version: &mut Version) {
    for object in &mut version.objects {
        for field in &mut object.fields {
            field.redact = redaction_of(&version.product, field);
        }
    }
}

fn redaction_of(product: &str, field: &Field) -> Option<Redaction> {
    let redaction = redaction::classify(product, &field.wire).or_else(|| by_document(field))?;
    Some(match (redaction, &field.ty) {
        (Redaction::Phone, Ty::String) => Redaction::Phone,
        (Redaction::Phone, Ty::List(inner)) if **inner == Ty::String => Redaction::Phone,
        (Redaction::Phone, _) => Redaction::Secret,
        (other, _) => other,
    })
}

/// The documentation rule, for text members (`String` or a list of them) only: a number or a flag whose
/// doc mentions phone numbers is a count or a switch, not one.
fn by_document(field: &Field) -> Option<Redaction> {
    let text = match &field.ty {
        Ty::String => true,
        Ty::List(inner) => **inner == Ty::String,
        _ => false,
    };
    text.then(|| redaction::by_document(&field.doc)).flatten()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::one_action;

    #[test]
    fn fields_are_marked_by_name_and_phone_masks_only_text() {
        let v = one_action(json!([
            {"name": "PhoneNumber", "type": "string", "member": "string"},
            {"name": "PhoneNumberSet", "type": "list", "member": "string"},
            {"name": "MobileCount", "type": "int", "member": "int64"},
            {"name": "SecretKey", "type": "string", "member": "string"},
            {"name": "ClientToken", "type": "string", "member": "string"},
            {"name": "Name", "type": "string", "member": "string"},
        ]));
        let marks: Vec<_> = v.objects[0].fields.iter().map(|f| f.redact).collect();
        assert_eq!(
            marks,
            [
                Some(Redaction::Phone),
                Some(Redaction::Phone),
                Some(Redaction::Secret),
                Some(Redaction::Secret),
                None,
                None
            ]
        );
    }
}
