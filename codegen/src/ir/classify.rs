//! Pass 2, classify: [`Resolved`] → [`Shaped`].
//!
//! Adds how each struct and field is shaped, from the graph of objects that members refer to:
//!
//! * **Role.** An object reachable from an action input, or marked `usage: in/both`, is a [`Role::Request`]
//!   (users build it); everything else is a [`Role::Response`].
//! * **Leniency.** Responses, and requests also reachable from an output or marked `usage: out/both`, decode
//!   leniently (missing or null → default).
//! * **Plain or `Option`.** Request members the spec marks `required` are plain; response members marked
//!   `output_required` are plain, and so is the `RequestId` of an action output — unless the spec says the
//!   value may be null (`value_allowed_null`): then `Option`, so a `null` is `None` and never turns into a
//!   `0` or `""` that looks like a real value. (A missing plain member still decodes to its default.)
//! * **Boxing.** A member of object type that leads back to its own struct through direct (non-list)
//!   members is boxed, which is what a recursive struct needs (a `Vec` already is indirection).

use std::collections::{BTreeMap, BTreeSet};

use tc_spec::{TypeRef, Usage};

use super::resolve::{Resolved, SpecMember, SpecObject};
use super::Role;

/// [`Resolved`] plus the shape of every object and member.
#[derive(Debug)]
pub struct Shaped<'s> {
    pub resolved: Resolved<'s>,
    /// One per `resolved.objects`, same order.
    pub objects: Vec<ObjectShape>,
}

/// How one struct is shaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectShape {
    pub role: Role,
    /// Also decoded from responses: derive `Default` and decode plain fields leniently.
    pub lenient: bool,
    /// One per member of the resolved object, same order.
    pub members: Vec<MemberShape>,
}

/// How one field is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberShape {
    /// Plain `T` (else `Option<T>`).
    pub plain: bool,
    /// `Box<T>`: the field closes a cycle of structs.
    pub boxed: bool,
}

/// Which objects a member refers to: object name → object names.
type Graph<'s> = BTreeMap<&'s str, BTreeSet<&'s str>>;

/// Decide roles, leniency, plain fields and boxing (see the module docs).
pub fn classify(resolved: Resolved<'_>) -> Shaped<'_> {
    let objects = {
        let context = Context::new(&resolved);
        resolved.objects.iter().map(|o| context.shape(o)).collect()
    };
    Shaped { resolved, objects }
}

/// What shaping one object needs to know about the others (borrowed from the resolved spec).
struct Context<'r> {
    /// Reachable from an input (or marked in/both).
    requests: BTreeSet<&'r str>,
    /// Reachable from an output (or marked out/both).
    responses: BTreeSet<&'r str>,
    /// Action outputs, whose `RequestId` is always there.
    outputs: BTreeSet<&'r str>,
    /// Edges through direct object members only (not lists).
    direct: Graph<'r>,
}

impl<'r> Context<'r> {
    fn new(resolved: &'r Resolved<'_>) -> Self {
        let all = graph(resolved, true);
        let inputs = seeds(resolved, &[Usage::In, Usage::Both], |a| &a.input);
        let outputs = seeds(resolved, &[Usage::Out, Usage::Both], |a| &a.output);
        Context {
            requests: closure(&all, inputs),
            responses: closure(&all, outputs),
            outputs: resolved.actions.iter().map(|a| a.spec.output.as_str()).collect(),
            direct: graph(resolved, false),
        }
    }

    fn shape(&self, object: &SpecObject<'_>) -> ObjectShape {
        let role = if self.requests.contains(object.name) {
            Role::Request
        } else {
            Role::Response
        };
        ObjectShape {
            role,
            lenient: role == Role::Response || self.responses.contains(object.name),
            members: object
                .members
                .iter()
                .map(|m| self.member(object.name, role, m))
                .collect(),
        }
    }

    fn member(&self, owner: &str, role: Role, member: &SpecMember<'_>) -> MemberShape {
        let is_request_id = self.outputs.contains(owner) && member.spec.name == "RequestId";
        // A disabled member is never required: the service no longer reads or fills it.
        let plain = !member.spec.disabled
            && match role {
                Role::Request => member.spec.required,
                Role::Response => (member.spec.output_required && !member.spec.value_allowed_null) || is_request_id,
            };
        let boxed = match &member.ty {
            TypeRef::Object(target) => target == owner || closure(&self.direct, vec![target.as_str()]).contains(owner),
            _ => false,
        };
        MemberShape { plain, boxed }
    }
}

/// The object graph; `through_lists` also follows list members (to any depth of nesting).
fn graph<'r>(resolved: &'r Resolved<'_>, through_lists: bool) -> Graph<'r> {
    let mut graph = Graph::new();
    for object in &resolved.objects {
        let targets = graph.entry(object.name).or_default();
        for m in &object.members {
            match &m.ty {
                TypeRef::Object(target) => {
                    targets.insert(target.as_str());
                }
                TypeRef::List(inner) if through_lists => targets.extend(object_in(inner)),
                _ => {}
            }
        }
    }
    graph
}

/// The action side picked by `pick` of every action, and the objects whose `usage` is one of `usages`.
fn seeds<'r>(resolved: &'r Resolved<'_>, usages: &[Usage], pick: fn(&tc_spec::Action) -> &str) -> Vec<&'r str> {
    let mut seeds: Vec<&str> = resolved.actions.iter().map(|a| pick(a.spec)).collect();
    let marked = resolved
        .objects
        .iter()
        .filter(|o| o.spec.usage.is_some_and(|u| usages.contains(&u)));
    seeds.extend(marked.map(|o| o.name));
    seeds
}

/// The object a (nested) list holds, if any.
fn object_in(t: &TypeRef) -> Option<&str> {
    match t {
        TypeRef::Object(o) => Some(o),
        TypeRef::List(inner) => object_in(inner),
        TypeRef::Primitive(_) => None,
    }
}

/// Every object reachable from `seeds`, seeds included.
fn closure<'r>(graph: &Graph<'r>, seeds: Vec<&'r str>) -> BTreeSet<&'r str> {
    let mut seen = BTreeSet::new();
    let mut stack = seeds;
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            if let Some(next) = graph.get(n) {
                stack.extend(next.iter().copied());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::ir::resolve::resolve;
    use crate::testing::spec;

    fn shapes(objects: Value, actions: Value) -> BTreeMap<String, ObjectShape> {
        let pv = spec(objects, actions);
        let shaped = classify(resolve(&pv).unwrap());
        let names = shaped.resolved.objects.iter().map(|o| o.name.to_string());
        names.zip(shaped.objects).collect()
    }

    fn member(name: &str, member: &str, extra: Value) -> Value {
        let kind = match member {
            "string" => "string",
            "int64" => "int",
            _ => "object",
        };
        let mut m = json!({"name": name, "type": kind, "member": member});
        m.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        m
    }

    #[test]
    fn roles_and_leniency_follow_reachability_and_usage() {
        let shapes = shapes(
            json!({
                "GoRequest": {"members": [{"name": "Filters", "type": "list", "member": "Filter"}]},
                "GoResponse": {"members": [{"name": "Set", "type": "list", "member": "Filter"}]},
                "Filter": {"members": []},
                "Marked": {"members": [], "usage": "in"},
                "Stray": {"members": []},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let role = |n: &str| (shapes[n].role, shapes[n].lenient);
        assert_eq!(role("GoRequest"), (Role::Request, false));
        assert_eq!(
            role("Filter"),
            (Role::Request, true),
            "in both directions through lists"
        );
        assert_eq!(role("Marked"), (Role::Request, false));
        assert_eq!(role("GoResponse"), (Role::Response, true));
        assert_eq!(role("Stray"), (Role::Response, true));
    }

    #[test]
    fn plain_fields_depend_on_role_and_request_id() {
        let shapes = shapes(
            json!({
                "GoRequest": {"members": [
                    member("Need", "string", json!({"required": true})),
                    member("May", "string", json!({"output_required": true})),
                ]},
                "GoResponse": {"members": [
                    member("Always", "int64", json!({"output_required": true})),
                    member("OrNull", "int64", json!({"output_required": true, "value_allowed_null": true})),
                    member("Sometimes", "int64", json!({"required": true})),
                    member("RequestId", "string", json!({})),
                ]},
                "Other": {"members": [member("RequestId", "string", json!({}))]},
            }),
            json!({"Go": {"input": "GoRequest", "output": "GoResponse"}}),
        );
        let plain = |n: &str| shapes[n].members.iter().map(|m| m.plain).collect::<Vec<_>>();
        assert_eq!(plain("GoRequest"), [true, false]);
        assert_eq!(plain("GoResponse"), [true, false, false, true], "null allowed: Option");
        assert_eq!(plain("Other"), [false], "RequestId is plain only in action outputs");
    }

    #[test]
    fn only_direct_cycles_are_boxed() {
        let shapes = shapes(
            json!({
                "Node": {"members": [
                    member("Parent", "Node", json!({})),
                    {"name": "Children", "type": "list", "member": "Node"},
                    member("Leaf", "Leaf", json!({})),
                    member("Ping", "Ping", json!({})),
                ]},
                "Leaf": {"members": [member("Size", "int64", json!({}))]},
                "Ping": {"members": [member("Back", "Node", json!({}))]},
            }),
            json!({}),
        );
        let boxed = |n: &str| shapes[n].members.iter().map(|m| m.boxed).collect::<Vec<_>>();
        assert_eq!(boxed("Node"), [true, false, false, true]);
        assert_eq!(boxed("Ping"), [true]);
        assert_eq!(boxed("Leaf"), [false]);
    }
}
