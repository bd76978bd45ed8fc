//! Pass 6, retry: sets [`Action::retry_safe`](super::Action::retry_safe) and
//! [`Action::client_token`](super::Action::client_token) from the action's name and its
//! input struct.
//!
//! The retry rule lives in `tc-rules` ([`tc_rules::is_retry_safe`], re-exported by the runtime as
//! `sdk_core::retry::is_retry_safe`): one rule for generated and dynamic actions;
//! `codegen/tests/retry_rule.rs` checks the emitted statics against the runtime's over every spec. An
//! input with a `ClientToken` member makes an action retry-safe; when that member is a string, the generated
//! methods fill it when the caller left it unset ([`ClientToken`]).

use super::{ClientToken, Object, Ty, Version};

const TOKEN: &str = "ClientToken";

/// Decide, per action, whether it may be re-sent and which field carries its idempotency token.
pub fn retry(version: &mut Version) {
    let Version { objects, actions, .. } = version;
    for action in actions {
        let input = objects.iter().find(|o| o.rust == action.input);
        // A disabled token is one the service no longer reads: it de-duplicates nothing.
        let has_token = input.is_some_and(|o| o.fields.iter().any(|f| f.wire == TOKEN && !f.disabled));
        action.retry_safe = tc_rules::is_retry_safe(&action.wire, has_token);
        action.client_token = input.and_then(client_token);
    }
}

/// The input's string `ClientToken` field (a boxed or non-string one cannot be filled with a token).
fn client_token(input: &Object) -> Option<ClientToken> {
    let field = input
        .fields
        .iter()
        .find(|f| f.wire == TOKEN && f.ty == Ty::String && !f.boxed && !f.disabled)?;
    Some(ClientToken {
        field: field.rust.clone(),
        required: field.plain,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::ir;

    #[test]
    fn retry_safety_and_token_fields() {
        let v = ir(
            json!({
                "Plain": {"members": [{"name": "Name", "type": "string", "member": "string"}]},
                "Optional": {"members": [{"name": "ClientToken", "type": "string", "member": "string"}]},
                "Required": {"members": [{"name": "ClientToken", "type": "string", "member": "string", "required": true}]},
                "Numeric": {"members": [{"name": "ClientToken", "type": "int", "member": "int64"}]},
                "Off": {"members": [{"name": "ClientToken", "type": "string", "member": "string", "disabled": true}]},
                "Out": {"members": []},
            }),
            json!({
                "DescribeThings": {"input": "Plain", "output": "Out"},
                "CreateThing": {"input": "Plain", "output": "Out"},
                "CreateOptional": {"input": "Optional", "output": "Out"},
                "CreateRequired": {"input": "Required", "output": "Out"},
                "CreateNumeric": {"input": "Numeric", "output": "Out"},
                "CreateOff": {"input": "Off", "output": "Out"},
            }),
        );
        let got: Vec<_> = v
            .actions
            .iter()
            .map(|a| {
                let token = a.client_token.as_ref().map(|t| (t.field.as_str(), t.required));
                (a.wire.as_str(), a.retry_safe, token)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("CreateNumeric", true, None),
                ("CreateOff", false, None),
                ("CreateOptional", true, Some(("client_token", false))),
                ("CreateRequired", true, Some(("client_token", true))),
                ("CreateThing", false, None),
                ("DescribeThings", true, None),
            ]
        );
    }
}
