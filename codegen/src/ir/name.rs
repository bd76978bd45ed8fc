//! Pass 3, name: [`Shaped`] → [`Version`].
//!
//! Adds Rust names and Rust types, and with them the [`Version`] the later passes and the emitters work on:
//! struct names unique in the module, field names unique in their struct (requests reserve `new`, their
//! constructor), client method names that avoid the clients' own methods (`new`, `core`...), `ActionInfo`
//! static names that avoid `SERVICE`. Collisions get a numeric suffix in spec order ([`Scope`]). A name
//! with no identifier characters is [`Error::Unsupported`] with file and JSON path.
//!
//! Left for later passes: every `doc`, [`Field::redact`], [`Action::retry_safe`], [`Action::client_token`]
//! and [`Version::errors`].

use std::collections::BTreeMap;

use tc_spec::{Primitive, TypeRef};

use super::classify::{ObjectShape, Shaped};
use super::resolve::{Resolved, SpecAction, SpecObject};
use super::{Action, Field, Object, Role, Ty, Version};
use crate::naming::{pascal_ident, screaming, snake_ident, Scope};
use crate::Error;

/// Methods of the async and blocking clients themselves; actions named like them get a suffix.
const CLIENT_METHODS: [&str; 7] = [
    "new",
    "with_profile",
    "from_config",
    "from_env",
    "from_core",
    "from_async",
    "core",
];

/// Wire object name → Rust struct name.
type TypeNames<'s> = BTreeMap<&'s str, String>;

/// Name everything and lay out the [`Version`] (see the module docs).
pub fn name(shaped: &Shaped<'_>, source_root: &str) -> Result<Version, Error> {
    let resolved = &shaped.resolved;
    let (names, mut type_scope) = type_names(resolved)?;
    let mut objects = resolved
        .objects
        .iter()
        .zip(&shaped.objects)
        .map(|(object, shape)| name_object(resolved, object, shape, &names))
        .collect::<Result<Vec<_>, _>>()?;
    name_required_structs(&mut objects, &mut type_scope);
    let actions = name_actions(resolved, &names)?;
    let pv = resolved.pv;
    let metadata = &pv.api.metadata;
    Ok(Version {
        product: pv.product.clone(),
        service: metadata.service_short_name.clone(),
        module: pv.module.clone(),
        api_version: metadata.api_version.clone(),
        product_title: metadata.service_name_cn.clone().filter(|s| !s.trim().is_empty()),
        source: format!("{source_root}/{}/{}", pv.product, pv.module),
        objects,
        actions,
        errors: Vec::new(),
    })
}

fn type_names<'s>(resolved: &Resolved<'s>) -> Result<(TypeNames<'s>, Scope), Error> {
    let mut scope = Scope::default();
    let mut names = TypeNames::new();
    for object in &resolved.objects {
        let id = pascal_ident(object.name).ok_or_else(|| {
            unsupported(
                resolved,
                format!("objects.{}", object.name),
                "object name has no identifier characters".into(),
            )
        })?;
        names.insert(object.name, scope.claim(&id));
    }
    Ok((names, scope))
}

/// Whether two required members have the same type, so positional arguments could be swapped unnoticed.
pub fn swappable(required: &[&Field]) -> bool {
    required
        .iter()
        .enumerate()
        .any(|(i, a)| required[..i].iter().any(|b| b.ty == a.ty))
}

/// `<Name>Required` (`SendSmsRequest` → `SendSmsRequired`) for every request struct whose required members
/// are [`swappable`], claimed in the scope of type names after every type, action inputs (`…Request`)
/// first: a spec with both an object `UpgradeProxy` and an input `UpgradeProxyRequest` (cynosdb) gives
/// `UpgradeProxyRequired` to the input and `UpgradeProxyRequired2` to the other.
fn name_required_structs(objects: &mut [Object], scope: &mut Scope) {
    let mut wanted: Vec<usize> = (0..objects.len())
        .filter(|&i| {
            let o = &objects[i];
            let required: Vec<&Field> = o.fields.iter().filter(|f| f.plain).collect();
            o.role == Role::Request && swappable(&required)
        })
        .collect();
    wanted.sort_by_key(|&i| !objects[i].rust.ends_with("Request"));
    for i in wanted {
        let o = &mut objects[i];
        let base = format!("{}Required", o.rust.strip_suffix("Request").unwrap_or(&o.rust));
        o.required_name = Some(scope.claim(&base));
    }
}

fn name_object(
    resolved: &Resolved<'_>,
    object: &SpecObject<'_>,
    shape: &ObjectShape,
    names: &TypeNames<'_>,
) -> Result<Object, Error> {
    let mut scope = match shape.role {
        Role::Request => Scope::with_reserved(&["new"]),
        Role::Response => Scope::default(),
    };
    let mut fields = Vec::new();
    for (member, member_shape) in object.members.iter().zip(&shape.members) {
        let id = snake_ident(&member.spec.name).ok_or_else(|| {
            unsupported(
                resolved,
                format!("objects.{}.members[{}].name", object.name, member.index),
                format!("member name {:?} has no identifier characters", member.spec.name),
            )
        })?;
        fields.push(Field {
            wire: member.spec.name.clone(),
            rust: scope.claim(&id),
            doc: String::new(),
            ty: rust_type(&member.ty, names),
            plain: member_shape.plain,
            boxed: member_shape.boxed,
            redact: None,
            disabled: member.spec.disabled,
        });
    }
    Ok(Object {
        wire: object.name.to_string(),
        rust: names[object.name].clone(),
        doc: String::new(),
        role: shape.role,
        lenient: shape.lenient,
        fields,
        required_name: None,
    })
}

fn name_actions(resolved: &Resolved<'_>, names: &TypeNames<'_>) -> Result<Vec<Action>, Error> {
    let mut methods = Scope::with_reserved(&CLIENT_METHODS);
    let mut statics = Scope::with_reserved(&["SERVICE"]);
    let mut actions = Vec::new();
    for action in &resolved.actions {
        let no_identifier = || {
            unsupported(
                resolved,
                format!("actions.{}", action.name),
                "action name has no identifier characters".into(),
            )
        };
        let method = snake_ident(action.name).ok_or_else(no_identifier)?;
        let static_name = screaming(action.name).ok_or_else(no_identifier)?;
        actions.push(named_action(
            action,
            methods.claim(&method),
            statics.claim(&static_name),
            names,
        ));
    }
    Ok(actions)
}

fn named_action(action: &SpecAction<'_>, method: String, static_name: String, names: &TypeNames<'_>) -> Action {
    Action {
        wire: action.name.to_string(),
        method,
        static_name,
        doc: String::new(),
        input: names[action.spec.input.as_str()].clone(),
        output: names[action.spec.output.as_str()].clone(),
        skip_sign: action.spec.skip_sign,
        retry_safe: false,
        status: action.spec.status,
        client_token: None,
        example: None,
        binary_body: None,
        streaming: None,
        paging: None,
    }
}

/// The Rust type of a resolved member type; objects by their Rust struct name.
fn rust_type(t: &TypeRef, names: &TypeNames<'_>) -> Ty {
    match t {
        TypeRef::Primitive(p) => match p {
            Primitive::String | Primitive::DateTime | Primitive::Date | Primitive::DateTimeIso => Ty::String,
            Primitive::Binary => Ty::Binary,
            Primitive::Int64 => Ty::I64,
            Primitive::UInt64 => Ty::U64,
            Primitive::Float => Ty::F64,
            Primitive::Bool => Ty::Bool,
        },
        TypeRef::Object(o) => Ty::Object(names.get(o.as_str()).cloned().unwrap_or_else(|| o.clone())),
        TypeRef::List(inner) => Ty::List(Box::new(rust_type(inner, names))),
    }
}

fn unsupported(resolved: &Resolved<'_>, path: String, message: String) -> Error {
    Error::Unsupported {
        file: resolved.api_file.clone(),
        path,
        message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ir::classify::classify;
    use crate::ir::resolve::resolve;
    use crate::testing::spec;

    fn named(pv: &tc_spec::ProductVersion) -> Result<Version, Error> {
        name(&classify(resolve(pv)?), "specs")
    }

    #[test]
    fn required_structs_never_collide_with_types_or_each_other() {
        // cynosdb: an object `UpgradeProxy` used by the input `UpgradeProxyRequest`, both with two required
        // strings; and a spec type already named like a required struct.
        let two = json!([
            {"name": "A", "type": "string", "member": "string", "required": true},
            {"name": "B", "type": "string", "member": "string", "required": true},
        ]);
        let mut input = two.as_array().unwrap().clone();
        input.push(json!({"name": "P", "type": "list", "member": "UpgradeProxy"}));
        let pv = spec(
            json!({
                "UpgradeProxy": {"members": two, "usage": "in"},
                "UpgradeProxyRequest": {"members": input},
                "GoRequest": {"members": two},
                "GoRequired": {"members": [], "usage": "out"},
                "Out": {"members": []},
            }),
            json!({
                "UpgradeProxy": {"input": "UpgradeProxyRequest", "output": "Out"},
                "Go": {"input": "GoRequest", "output": "Out"},
            }),
        );
        let v = named(&pv).unwrap();
        let required: Vec<_> = v
            .objects
            .iter()
            .filter_map(|o| Some((o.rust.as_str(), o.required_name.as_deref()?)))
            .collect();
        assert_eq!(
            required,
            [
                ("GoRequest", "GoRequired2"),
                ("UpgradeProxy", "UpgradeProxyRequired2"),
                ("UpgradeProxyRequest", "UpgradeProxyRequired")
            ]
        );
        // A request without two required members of one type has none.
        assert!(v.objects.iter().all(|o| o.rust != "Out" || o.required_name.is_none()));
    }

    #[test]
    fn names_are_unique_per_scope_and_avoid_reserved_ones() {
        let pv = spec(
            json!({
                "NewRequest": {"members": [
                    {"name": "new", "type": "string", "member": "string"},
                    {"name": "TemplateID", "type": "list", "member": "int64"},
                    {"name": "TemplateId", "type": "object", "member": "new_response"},
                ]},
                "new_response": {"members": []},
                "NewResponse": {"members": [{"name": "new", "type": "string", "member": "string"}]},
            }),
            json!({
                "New": {"input": "NewRequest", "output": "NewResponse"},
                "Service": {"input": "NewRequest", "output": "new_response"},
            }),
        );
        let v = named(&pv).unwrap();
        let objects: Vec<_> = v.objects.iter().map(|o| (o.wire.as_str(), o.rust.as_str())).collect();
        assert_eq!(
            objects,
            [
                ("NewRequest", "NewRequest"),
                ("NewResponse", "NewResponse"),
                ("new_response", "NewResponse2")
            ]
        );
        let request = &v.objects[0];
        let fields: Vec<_> = request.fields.iter().map(|f| (f.rust.as_str(), &f.ty)).collect();
        assert_eq!(
            fields,
            [
                ("new_2", &Ty::String),
                ("template_id", &Ty::List(Box::new(Ty::I64))),
                ("template_id_2", &Ty::Object("NewResponse2".into())),
            ]
        );
        assert_eq!(v.objects[1].fields[0].rust, "new", "only requests reserve `new`");
        let actions: Vec<_> = v
            .actions
            .iter()
            .map(|a| (a.method.as_str(), a.static_name.as_str(), a.output.as_str()))
            .collect();
        assert_eq!(
            actions,
            [("new_2", "NEW", "NewResponse"), ("service", "SERVICE2", "NewResponse2")]
        );
        assert_eq!(v.source, "specs/demo/v20200101");
        assert!(v.objects.iter().all(|o| o.doc.is_empty()) && v.errors.is_empty());
    }

    #[test]
    fn a_member_name_without_identifier_characters_is_unsupported_with_its_path() {
        let pv = spec(
            json!({"A": {"members": [
                {"name": "Off", "type": "string", "member": "string", "disabled": true},
                {"name": "---", "type": "string", "member": "string"},
            ]}}),
            json!({}),
        );
        let err = named(&pv).unwrap_err().to_string();
        assert_eq!(
            err,
            "specs/demo/v20200101/api.json: objects.A.members[1].name: unsupported: member name \"---\" has no \
             identifier characters"
        );
    }

    #[test]
    fn an_action_name_without_identifier_characters_is_unsupported() {
        let pv = spec(
            json!({"R": {"members": []}}),
            json!({"-": {"input": "R", "output": "R"}}),
        );
        let err = named(&pv).unwrap_err().to_string();
        assert!(
            err.ends_with("actions.-: unsupported: action name has no identifier characters"),
            "{err}"
        );
    }
}
