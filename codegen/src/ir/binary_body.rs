//! Pass `binary_body`: [`super::Action::binary_body`] from `binary-bodies.json` ([`tc_spec::BinaryBodies`]), the
//! one fact about an action that its API description does not carry (the official SDK's clients do).
//!
//! Runs after [`super::build`] (in `generate_version`), since its input comes from outside the spec.
//! Decisions: an action the file lists but this spec lacks is ignored (the SDK may be newer than the spec);
//! a listed binary parameter that is not a `binary` member of the action's input is an error naming the
//! file, since the generated method would upload the wrong thing.

use std::path::Path;

use tc_spec::{BinaryBodies, BinaryBody};

use super::{Ty, Version};
use crate::Error;

/// Sets the binary body of every action of `v` (product directory `product`, version directory `module`)
/// that `bodies` lists; `file` names the data file in errors.
pub fn binary_body(v: &mut Version, product: &str, bodies: &BinaryBodies, file: &Path) -> Result<(), Error> {
    for i in 0..v.actions.len() {
        let Some(body) = bodies.get(product, &v.module, &v.actions[i].wire) else {
            continue;
        };
        if let BinaryBody::Multipart { binary_params } = body {
            for param in binary_params {
                check_binary_member(v, i, param, file)?;
            }
        }
        v.actions[i].binary_body = Some(body.clone());
    }
    Ok(())
}

fn check_binary_member(v: &Version, action: usize, param: &str, file: &Path) -> Result<(), Error> {
    let a = &v.actions[action];
    let input = v.objects.iter().find(|o| o.rust == a.input);
    let member = input.and_then(|o| o.fields.iter().find(|f| f.wire == param));
    match member {
        Some(f) if f.ty == Ty::Binary => Ok(()),
        _ => Err(Error::Unsupported {
            file: file.to_path_buf(),
            path: format!("{}/{}/{}", v.product, v.module, a.wire),
            message: format!("binary parameter `{param}` is not a `binary` member of {}", a.input),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::ir;

    fn bodies(text: &str) -> BinaryBodies {
        BinaryBodies::parse(Path::new("binary-bodies.json"), text).unwrap()
    }

    fn version() -> Version {
        ir(
            json!({
                "UpReq": {"members": [
                    {"name": "File", "type": "binary", "member": "binary", "required": true},
                    {"name": "Name", "type": "string", "member": "string"},
                ]},
                "R": {"members": []},
            }),
            json!({"Up": {"input": "UpReq", "output": "R"}, "Other": {"input": "R", "output": "R"}}),
        )
    }

    #[test]
    fn listed_actions_get_their_body_and_others_stay_json() {
        let mut v = version();
        let b = bodies(
            r#"{"source": "s", "tool": "t", "actions": [
            {"product": "demo", "version": "v20200101", "action": "Up", "mode": "multipart", "binary_params": ["File"]},
            {"product": "demo", "version": "v20200101", "action": "NotInSpec", "mode": "multipart", "binary_params": ["X"]}]}"#,
        );
        binary_body(&mut v, "demo", &b, Path::new("f")).unwrap();
        let up = v.actions.iter().find(|a| a.wire == "Up").unwrap();
        assert!(matches!(up.binary_body, Some(BinaryBody::Multipart { .. })));
        assert!(v
            .actions
            .iter()
            .find(|a| a.wire == "Other")
            .unwrap()
            .binary_body
            .is_none());
    }

    #[test]
    fn a_binary_parameter_that_is_not_binary_is_an_error() {
        let mut v = version();
        let b = bodies(
            r#"{"source": "s", "tool": "t", "actions": [
            {"product": "demo", "version": "v20200101", "action": "Up", "mode": "multipart", "binary_params": ["Name"]}]}"#,
        );
        let e = binary_body(&mut v, "demo", &b, Path::new("f")).unwrap_err().to_string();
        assert!(e.contains("demo/v20200101/Up") && e.contains("`Name`"), "{e}");
    }
}
