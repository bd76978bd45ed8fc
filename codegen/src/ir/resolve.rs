//! Pass 1, resolve: [`ProductVersion`] → [`Resolved`].
//!
//! Adds the resolved [`TypeRef`] of every member and checks that every action's input and output object
//! exists, so later passes can index without failing. A broken spec is an [`Error::Spec`] with file and
//! JSON path, never a panic. Every member is resolved and kept, disabled ones too (a broken disabled member is
//! still a broken spec): the official SDKs keep them, and code written against them must still compile; later
//! passes make them optional and mark them deprecated.

use std::path::{Path, PathBuf};

use tc_spec::{ProductVersion, SpecError, TypeRef};

use crate::Error;

/// The spec with every reference checked and every member type resolved. Borrows the spec.
#[derive(Debug)]
pub struct Resolved<'s> {
    pub pv: &'s ProductVersion,
    /// The `api.json` the objects and actions come from, for errors of later passes.
    pub api_file: PathBuf,
    /// In spec order (sorted by wire name).
    pub objects: Vec<SpecObject<'s>>,
    /// In spec order (sorted by wire name).
    pub actions: Vec<SpecAction<'s>>,
}

/// One spec object with its enabled members.
#[derive(Debug)]
pub struct SpecObject<'s> {
    /// Wire name (`SendSmsRequest`).
    pub name: &'s str,
    pub spec: &'s tc_spec::Object,
    pub members: Vec<SpecMember<'s>>,
}

/// One member (enabled or disabled) and its resolved type.
#[derive(Debug)]
pub struct SpecMember<'s> {
    /// Position in the spec's `members` (disabled ones count), for error paths.
    pub index: usize,
    pub spec: &'s tc_spec::Member,
    pub ty: TypeRef,
}

/// One action; its input and output objects exist.
#[derive(Debug)]
pub struct SpecAction<'s> {
    /// Wire name (`SendSms`).
    pub name: &'s str,
    pub spec: &'s tc_spec::Action,
}

/// Resolve every member type and check every action's objects (see the module docs).
pub fn resolve(pv: &ProductVersion) -> Result<Resolved<'_>, Error> {
    let api_file = pv.dir.join("api.json");
    let objects = pv
        .api
        .objects
        .iter()
        .map(|(name, object)| resolve_object(pv, &api_file, name, object))
        .collect::<Result<Vec<_>, _>>()?;
    let actions = pv
        .api
        .actions
        .iter()
        .map(|(name, action)| check_action(pv, &api_file, name, action))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Resolved {
        pv,
        api_file,
        objects,
        actions,
    })
}

fn resolve_object<'s>(
    pv: &'s ProductVersion,
    api_file: &Path,
    name: &'s str,
    object: &'s tc_spec::Object,
) -> Result<SpecObject<'s>, Error> {
    let mut members = Vec::new();
    for (index, spec) in object.members.iter().enumerate() {
        let ty = spec.type_ref(&pv.api.objects).map_err(|message| {
            Error::Spec(SpecError {
                file: api_file.to_path_buf(),
                path: format!("objects.{name}.members[{index}].member"),
                message,
            })
        })?;
        members.push(SpecMember { index, spec, ty });
    }
    Ok(SpecObject {
        name,
        spec: object,
        members,
    })
}

fn check_action<'s>(
    pv: &ProductVersion,
    api_file: &Path,
    name: &'s str,
    action: &'s tc_spec::Action,
) -> Result<SpecAction<'s>, Error> {
    for (field, object) in [("input", &action.input), ("output", &action.output)] {
        if !pv.api.objects.contains_key(object) {
            return Err(Error::Spec(SpecError {
                file: api_file.to_path_buf(),
                path: format!("actions.{name}.{field}"),
                message: format!("unknown object {object:?}"),
            }));
        }
    }
    Ok(SpecAction { name, spec: action })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tc_spec::Primitive;

    use super::*;
    use crate::testing::spec;

    #[test]
    fn types_are_resolved_and_disabled_members_kept() {
        let pv = spec(
            json!({"GoRequest": {"members": [
                {"name": "Ids", "type": "list", "member": "Item"},
                {"name": "Gone", "type": "string", "member": "string", "disabled": true},
                {"name": "When", "type": "string", "member": "datetime"}
            ]}, "Item": {"members": []}, "GoResponse": {"members": []}}),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let resolved = resolve(&pv).unwrap();
        let go = resolved.objects.iter().find(|o| o.name == "GoRequest").unwrap();
        let found: Vec<_> = go
            .members
            .iter()
            .map(|m| (m.index, m.spec.name.as_str(), &m.ty))
            .collect();
        assert_eq!(
            found,
            [
                (0, "Ids", &TypeRef::List(Box::new(TypeRef::Object("Item".into())))),
                (1, "Gone", &TypeRef::Primitive(Primitive::String)),
                (2, "When", &TypeRef::Primitive(Primitive::DateTime)),
            ]
        );
        assert_eq!(resolved.actions.len(), 1);
        assert_eq!(resolved.actions[0].name, "Go");
    }

    #[test]
    fn an_unknown_member_type_names_file_and_path_even_when_disabled() {
        let pv = spec(
            json!({"A": {"members": [
                {"name": "Ok", "type": "string", "member": "string"},
                {"name": "Bad", "type": "object", "member": "Missing", "disabled": true}
            ]}}),
            json!({}),
        );
        let err = resolve(&pv).unwrap_err().to_string();
        assert!(err.contains("api.json: objects.A.members[1].member:"), "{err}");
        assert!(err.contains("Missing"), "{err}");
    }

    #[test]
    fn an_action_with_an_unknown_output_is_an_error() {
        let pv = spec(
            json!({"GoRequest": {"members": []}}),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let err = resolve(&pv).unwrap_err().to_string();
        assert!(
            err.ends_with("api.json: actions.Go.output: unknown object \"GoResponse\""),
            "{err}"
        );
    }
}
