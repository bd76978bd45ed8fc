//! The intermediate model: everything the emitter needs, already decided (Rust names, resolved Rust types,
//! cleaned docs, request/response shape, per-action metadata). Built from one [`ProductVersion`].

use std::collections::{BTreeMap, BTreeSet};

use tc_spec::{Primitive, ProductVersion, Status, TypeRef, Usage};

use crate::docs;
use crate::naming::{pascal_ident, screaming, snake_ident, Scope};
use crate::redaction::Redaction;
use crate::Error;

/// One API version, ready to emit.
#[derive(Debug, Clone)]
pub struct Version {
    /// Product directory name (`sms`, `autoscaling`): names the crate.
    pub product: String,
    /// `metadata.serviceShortName` (`sms`, `as`): the TC3 signing service and endpoint prefix.
    pub service: String,
    /// Rust module name (`v20210111`).
    pub module: String,
    /// Dated version (`2021-01-11`).
    pub api_version: String,
    /// Human product name from the spec (`短信`), if any.
    pub product_title: Option<String>,
    /// Where the spec lives, for the generated header (`api-specs/sms/v20210111`).
    pub source: String,
    pub objects: Vec<Object>,
    pub actions: Vec<Action>,
    pub errors: Vec<ErrorCode>,
}

/// How a struct is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Built by users: `required` members are plain, `new(required...)` + setters.
    Request,
    /// Decoded from the service: `output_required` members are plain, everything lenient.
    Response,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub wire: String,
    pub rust: String,
    pub doc: String,
    pub role: Role,
    /// Also decoded from responses: derive `Default` and decode plain fields leniently.
    pub lenient: bool,
    pub fields: Vec<Field>,
}

/// A resolved Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    I64,
    U64,
    F64,
    Bool,
    /// A generated struct (Rust name).
    Object(String),
    List(Box<Ty>),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub wire: String,
    /// Identifier text (`sms_sdk_app_id`, `r#type`, `self_`).
    pub rust: String,
    pub doc: String,
    pub ty: Ty,
    /// Plain `T` (else `Option<T>`).
    pub plain: bool,
    /// `Box<T>`: the field closes a cycle of structs.
    pub boxed: bool,
    /// Hidden in `Debug` by the redaction policy ([`crate::redaction`]).
    pub redact: Option<crate::redaction::Redaction>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub wire: String,
    /// Client method name (`send_sms`).
    pub method: String,
    /// `static` name of its `ActionInfo` (`SEND_SMS`).
    pub static_name: String,
    pub doc: String,
    /// Rust names of the request and response structs.
    pub input: String,
    pub output: String,
    pub skip_sign: bool,
    pub retry_safe: bool,
    pub status: Status,
    /// The input's string `ClientToken` member, which the generated methods fill when the caller left it
    /// unset or empty (see [`ClientToken`]).
    pub client_token: Option<ClientToken>,
}

/// An idempotency token in an action's input. The runtime serializes a request once and sends the same
/// bytes on every retry attempt, so a token chosen before serializing is stable across attempts; the
/// generated method (async and blocking) fills an unset one with `sdk_core::idempotency_token()`, on a
/// copy of the request (only then: a request that has a token is sent as it is).
#[derive(Debug, Clone)]
pub struct ClientToken {
    /// Rust field name in the request struct (`client_token`).
    pub field: String,
    /// A plain `String` (the spec marks it required; filled when empty) rather than `Option<String>`.
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct ErrorCode {
    pub code: String,
    pub variant: String,
    pub description: String,
}

/// The retry rule lives in the runtime ([`sdk_core::retry::is_retry_safe`]): one rule for generated and dynamic
/// actions; `codegen/tests/retry_rule.rs` checks the emitted statics against it over every spec.
pub fn retry_safe(action: &str, input_members: &[tc_spec::Member]) -> bool {
    let has_token = input_members.iter().any(|m| m.name == "ClientToken" && !m.disabled);
    sdk_core::retry::is_retry_safe(action, has_token)
}

/// Build the intermediate model of one product version. `source_root` is how the spec root is named in
/// generated headers (`api-specs`).
pub fn build(pv: &ProductVersion, source_root: &str) -> Result<Version, Error> {
    let api_file = pv.dir.join("api.json");
    let api = &pv.api;
    let unsupported = |path: String, message: String| Error::Unsupported {
        file: api_file.clone(),
        path,
        message,
    };

    // Resolve every member type first: a broken spec is an error with file + JSON path, never a panic.
    let mut types: BTreeMap<(&str, usize), TypeRef> = BTreeMap::new();
    for (name, object) in &api.objects {
        for (i, m) in object.members.iter().enumerate() {
            let t = m.type_ref(&api.objects).map_err(|msg| {
                Error::Spec(tc_spec::SpecError {
                    file: api_file.clone(),
                    path: format!("objects.{name}.members[{i}].member"),
                    message: msg,
                })
            })?;
            types.insert((name.as_str(), i), t);
        }
    }
    for (name, action) in &api.actions {
        for (field, object) in [("input", &action.input), ("output", &action.output)] {
            if !api.objects.contains_key(object) {
                return Err(Error::Spec(tc_spec::SpecError {
                    file: api_file.clone(),
                    path: format!("actions.{name}.{field}"),
                    message: format!("unknown object {object:?}"),
                }));
            }
        }
    }

    // Which objects are built by users and which are decoded.
    let edges = |direct_only: bool| -> BTreeMap<&str, BTreeSet<&str>> {
        let mut g: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (name, object) in &api.objects {
            let e = g.entry(name.as_str()).or_default();
            for (i, m) in object.members.iter().enumerate() {
                if m.disabled {
                    continue;
                }
                match &types[&(name.as_str(), i)] {
                    TypeRef::Object(o) => {
                        e.insert(o.as_str());
                    }
                    TypeRef::List(inner) if !direct_only => {
                        if let Some(o) = object_of(inner) {
                            e.insert(o);
                        }
                    }
                    _ => {}
                }
            }
        }
        g
    };
    let all_edges = edges(false);
    let direct_edges = edges(true);
    let seeds = |usage: &[Usage], pick: fn(&tc_spec::Action) -> &str| -> Vec<&str> {
        let mut v: Vec<&str> = api.actions.values().map(pick).collect();
        v.extend(
            api.objects
                .iter()
                .filter(|(_, o)| o.usage.is_some_and(|u| usage.contains(&u)))
                .map(|(n, _)| n.as_str()),
        );
        v
    };
    let in_reach = closure(&all_edges, seeds(&[Usage::In, Usage::Both], |a| &a.input));
    let out_reach = closure(&all_edges, seeds(&[Usage::Out, Usage::Both], |a| &a.output));
    let outputs: BTreeSet<&str> = api.actions.values().map(|a| a.output.as_str()).collect();

    // Type names, unique in the module.
    let mut type_scope = Scope::default();
    let mut rust_names: BTreeMap<&str, String> = BTreeMap::new();
    for name in api.objects.keys() {
        let id = pascal_ident(name).ok_or_else(|| {
            unsupported(
                format!("objects.{name}"),
                "object name has no identifier characters".into(),
            )
        })?;
        rust_names.insert(name, type_scope.claim(&id));
    }

    let mut objects = Vec::new();
    for (name, object) in &api.objects {
        let role = if in_reach.contains(name.as_str()) {
            Role::Request
        } else {
            Role::Response
        };
        let lenient = role == Role::Response || out_reach.contains(name.as_str());
        let mut scope = if role == Role::Request {
            Scope::with_reserved(&["new"])
        } else {
            Scope::default()
        };
        let mut fields = Vec::new();
        for (i, m) in object.members.iter().enumerate() {
            if m.disabled {
                continue;
            }
            let id = snake_ident(&m.name).ok_or_else(|| {
                unsupported(
                    format!("objects.{name}.members[{i}].name"),
                    format!("member name {:?} has no identifier characters", m.name),
                )
            })?;
            let tref = &types[&(name.as_str(), i)];
            let ty = rust_type(tref, &rust_names);
            let boxed = match tref {
                TypeRef::Object(o) => o == name || closure(&direct_edges, vec![o.as_str()]).contains(name.as_str()),
                _ => false,
            };
            let is_request_id = outputs.contains(name.as_str()) && m.name == "RequestId";
            let plain = match role {
                Role::Request => m.required,
                Role::Response => m.output_required || is_request_id,
            };
            let mut doc = docs::to_rustdoc(&m.document);
            if matches!(tref, TypeRef::Primitive(Primitive::Binary)) {
                push_para(&mut doc, "Binary data, base64-encoded on the wire.");
            }
            if let Some(ex) = m.example.as_deref().filter(|e| !e.trim().is_empty()) {
                push_para(&mut doc, &format!("Example: {}", docs::code_span(ex)));
            }
            let redact = crate::redaction::classify(&pv.product, &m.name).map(|r| match (r, &ty) {
                // Masking keeps digits of strings; anything else holding a phone number is hidden whole.
                (Redaction::Phone, Ty::String) => r,
                (Redaction::Phone, Ty::List(inner)) if **inner == Ty::String => r,
                (Redaction::Phone, _) => Redaction::Secret,
                _ => r,
            });
            fields.push(Field {
                wire: m.name.clone(),
                rust: scope.claim(&id),
                doc,
                ty,
                plain,
                boxed,
                redact,
            });
        }
        objects.push(Object {
            wire: name.clone(),
            rust: rust_names[name.as_str()].clone(),
            doc: docs::to_rustdoc(&object.document),
            role,
            lenient,
            fields,
        });
    }

    // Names of the async and blocking clients' own methods; actions named like them get a suffix.
    let mut method_scope =
        Scope::with_reserved(&["new", "with_profile", "from_env", "from_core", "from_async", "core"]);
    let mut static_scope = Scope::with_reserved(&["SERVICE"]);
    let mut actions = Vec::new();
    for (name, action) in &api.actions {
        let method = snake_ident(name).ok_or_else(|| {
            unsupported(
                format!("actions.{name}"),
                "action name has no identifier characters".into(),
            )
        })?;
        let stat = screaming(name).ok_or_else(|| {
            unsupported(
                format!("actions.{name}"),
                "action name has no identifier characters".into(),
            )
        })?;
        let mut doc = String::new();
        if !action.name.trim().is_empty() {
            doc = format!("{} ({name})", docs::to_rustdoc(action.name.trim()));
        }
        push_para(&mut doc, &docs::to_rustdoc(&action.document));
        actions.push(Action {
            wire: name.clone(),
            method: method_scope.claim(&method),
            static_name: static_scope.claim(&stat),
            doc,
            input: rust_names[action.input.as_str()].clone(),
            output: rust_names[action.output.as_str()].clone(),
            skip_sign: action.skip_sign,
            retry_safe: retry_safe(name, &api.objects[&action.input].members),
            status: action.status,
            client_token: client_token(&objects, &action.input),
        });
    }

    let codes_file = pv.dir.join("errorcodes.json");
    let mut variant_scope = Scope::with_reserved(&["Other"]);
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    let mut sorted: Vec<(usize, &tc_spec::ErrorCode)> = pv.error_codes.iter().enumerate().collect();
    // Tencent's common codes, which any product can answer, unless the product lists the code itself.
    let own: BTreeSet<&str> = pv.error_codes.iter().map(|e| e.code.as_str()).collect();
    sorted.extend(
        crate::common_errors::codes()
            .iter()
            .filter(|c| !own.contains(c.code.as_str()))
            .map(|c| (usize::MAX, c)),
    );
    sorted.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    for (i, e) in sorted {
        if !seen.insert(e.code.as_str()) {
            continue; // listed twice: one variant
        }
        let joined: String = e.code.split('.').map(crate::naming::pascal).collect();
        let variant = pascal_ident(&joined).ok_or_else(|| Error::Unsupported {
            file: codes_file.clone(),
            path: format!("[{i}].code"),
            message: format!("error code {:?} has no identifier characters", e.code),
        })?;
        errors.push(ErrorCode {
            code: e.code.clone(),
            variant: variant_scope.claim(&variant),
            description: e.description.clone(),
        });
    }

    Ok(Version {
        product: pv.product.clone(),
        service: api.metadata.service_short_name.clone(),
        module: pv.module.clone(),
        api_version: api.metadata.api_version.clone(),
        product_title: api.metadata.service_name_cn.clone().filter(|s| !s.trim().is_empty()),
        source: format!("{source_root}/{}/{}", pv.product, pv.module),
        objects,
        actions,
        errors,
    })
}

/// The `ClientToken` field of input object `input` when it is a string (disabled members have no field).
fn client_token(objects: &[Object], input: &str) -> Option<ClientToken> {
    let object = objects.iter().find(|o| o.wire == input)?;
    let field = object
        .fields
        .iter()
        .find(|f| f.wire == "ClientToken" && f.ty == Ty::String && !f.boxed)?;
    Some(ClientToken {
        field: field.rust.clone(),
        required: field.plain,
    })
}

fn object_of(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Object(o) => Some(o),
        TypeRef::List(inner) => object_of(inner),
        TypeRef::Primitive(_) => None,
    }
}

fn closure<'a>(g: &BTreeMap<&'a str, BTreeSet<&'a str>>, seeds: Vec<&'a str>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = seeds;
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            if let Some(next) = g.get(n) {
                stack.extend(next.iter().copied());
            }
        }
    }
    seen
}

fn rust_type(t: &TypeRef, names: &BTreeMap<&str, String>) -> Ty {
    match t {
        TypeRef::Primitive(p) => match p {
            Primitive::String | Primitive::DateTime | Primitive::Date | Primitive::DateTimeIso | Primitive::Binary => {
                Ty::String
            }
            Primitive::Int64 => Ty::I64,
            Primitive::UInt64 => Ty::U64,
            Primitive::Float => Ty::F64,
            Primitive::Bool => Ty::Bool,
        },
        TypeRef::Object(o) => Ty::Object(names.get(o.as_str()).cloned().unwrap_or_else(|| o.clone())),
        TypeRef::List(inner) => Ty::List(Box::new(rust_type(inner, names))),
    }
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
