//! Encoding helpers of generated types: the shared part of their `Serialize` impls.
//!
//! Compile cost decides the shape (issue 16), as for decoding in [`crate::de`]: `#[derive(Serialize)]`
//! writes a generic function per struct (a `serialize_struct`, one `serialize_field(..)?` or
//! `skip_field` per member), and in the largest product crate (csip, 2,166 structs) that was a quarter of
//! the peak memory of a debug build (borrow checking every one of those bodies). Generated types instead
//! implement [`Fields`]: one non-generic function that names each member once
//! (`out.member("Wire", &self.field)`), and [`Encode`], which says a struct is a struct. The only generic
//! code is written here, once per serializer: [`Value`]'s `Serialize`.
//!
//! Encoding rules (the only place they are decided): members in declaration order under their wire
//! names; an unset optional member (`None`) is left out, and the struct's length counts only the members
//! written; [`Binary`] as its own `Serialize` says (base64); lists as sequences.

use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::body::Binary;

/// What one member or list item holds, borrowed: the closed set of shapes generated types have.
#[doc(hidden)]
pub enum Value<'a> {
    /// An unset optional member: left out of its struct.
    Absent,
    Str(&'a str),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Binary(&'a Binary),
    /// A list of structs, lists or binaries: each item through [`Encode`].
    Seq(&'a dyn Items),
    /// Lists of scalars, written without a call per item (SendSms's 200 numbers, say).
    Strs(&'a [String]),
    I64s(&'a [i64]),
    U64s(&'a [u64]),
    F64s(&'a [f64]),
    Bools(&'a [bool]),
    /// A generated struct: its Rust name and its members.
    Struct(&'static str, &'a dyn Fields),
}

/// A value of a generated type's member: what it holds, as a [`Value`].
#[doc(hidden)]
pub trait Encode {
    fn encode(&self) -> Value<'_>;
    /// A list of these; scalars override it with their own [`Value`] variant.
    fn encode_list(list: &Vec<Self>) -> Value<'_>
    where
        Self: Sized,
    {
        Value::Seq(list)
    }
}

/// A generated struct's members, each passed to `out` with its wire name, in declaration order.
#[doc(hidden)]
pub trait Fields {
    fn fields(&self, out: &mut dyn Sink);
}

/// Receives a struct's members ([`Fields::fields`]).
#[doc(hidden)]
pub trait Sink {
    fn member(&mut self, name: &'static str, value: &dyn Encode);
}

/// A list's items, each as a [`Value`].
#[doc(hidden)]
pub trait Items {
    fn count(&self) -> usize;
    fn each(&self, f: &mut dyn FnMut(Value<'_>) -> bool);
}

/// The body of a generated `Serialize::serialize`.
#[doc(hidden)]
pub fn serialize<T: Encode + ?Sized, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    value.encode().serialize(s)
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            // Inside a struct `Absent` is skipped; only an `Option` encoded on its own gets here: JSON `null`.
            Value::Absent => s.serialize_none(),
            Value::Str(v) => s.serialize_str(v),
            Value::I64(v) => s.serialize_i64(v),
            Value::U64(v) => s.serialize_u64(v),
            Value::F64(v) => s.serialize_f64(v),
            Value::Bool(v) => s.serialize_bool(v),
            Value::Binary(v) => v.serialize(s),
            Value::Seq(items) => serialize_seq(items, s),
            Value::Strs(v) => s.collect_seq(v),
            Value::I64s(v) => s.collect_seq(v),
            Value::U64s(v) => s.collect_seq(v),
            Value::F64s(v) => s.collect_seq(v),
            Value::Bools(v) => s.collect_seq(v),
            Value::Struct(name, fields) => serialize_struct(name, fields, s),
        }
    }
}

fn serialize_seq<S: Serializer>(items: &dyn Items, s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(items.count()))?;
    let mut failed = None;
    items.each(&mut |item| match seq.serialize_element(&item) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    match failed {
        Some(e) => Err(e),
        None => seq.end(),
    }
}

fn serialize_struct<S: Serializer>(name: &'static str, fields: &dyn Fields, s: S) -> Result<S::Ok, S::Error> {
    let mut count = Count(0);
    fields.fields(&mut count);
    let mut out = StructSink::<S> {
        state: s.serialize_struct(name, count.0)?,
        failed: None,
        written: 0,
    };
    fields.fields(&mut out);
    if let Some(e) = out.failed {
        return Err(e);
    }
    // `fields` is called twice; a type whose members changed in between would break the length promise.
    if out.written != count.0 {
        return Err(S::Error::custom(format!("{name}: members changed while being written")));
    }
    out.state.end()
}

/// Counts the members that will be written (formats with a length prefix need it first).
struct Count(usize);

impl Sink for Count {
    fn member(&mut self, _: &'static str, value: &dyn Encode) {
        if !matches!(value.encode(), Value::Absent) {
            self.0 += 1;
        }
    }
}

struct StructSink<S: Serializer> {
    state: S::SerializeStruct,
    failed: Option<S::Error>,
    written: usize,
}

impl<S: Serializer> Sink for StructSink<S> {
    fn member(&mut self, name: &'static str, value: &dyn Encode) {
        if self.failed.is_some() {
            return;
        }
        let result = match value.encode() {
            Value::Absent => self.state.skip_field(name),
            v => {
                self.written += 1;
                self.state.serialize_field(name, &v)
            }
        };
        if let Err(e) = result {
            self.failed = Some(e);
        }
    }
}

impl<T: Encode> Items for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }
    fn each(&self, f: &mut dyn FnMut(Value<'_>) -> bool) {
        for item in self {
            if !f(item.encode()) {
                return;
            }
        }
    }
}

impl Encode for String {
    fn encode(&self) -> Value<'_> {
        Value::Str(self)
    }
    fn encode_list(list: &Vec<String>) -> Value<'_> {
        Value::Strs(list)
    }
}

macro_rules! encode_copy {
    ($($t:ty => $v:ident, $list:ident);*) => {$(
        impl Encode for $t {
            fn encode(&self) -> Value<'_> {
                Value::$v(*self)
            }
            fn encode_list(list: &Vec<$t>) -> Value<'_> {
                Value::$list(list)
            }
        }
    )*};
}
encode_copy!(i64 => I64, I64s; u64 => U64, U64s; f64 => F64, F64s; bool => Bool, Bools);

impl Encode for Binary {
    fn encode(&self) -> Value<'_> {
        Value::Binary(self)
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self) -> Value<'_> {
        T::encode_list(self)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self) -> Value<'_> {
        match self {
            Some(v) => v.encode(),
            None => Value::Absent,
        }
    }
}

impl<T: Encode + ?Sized> Encode for Box<T> {
    fn encode(&self) -> Value<'_> {
        (**self).encode()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// What the generator writes for `Node { Name: String, Size: Option<u64>, Tags: Vec<String>,
    /// Kids: Option<Vec<Node>>, Next: Option<Box<Node>>, Data: Option<Binary>, Ok: bool, Ratio: f64,
    /// Delta: i64, Ids: Option<Vec<i64>> }`.
    #[derive(Default)]
    struct Node {
        name: String,
        size: Option<u64>,
        tags: Vec<String>,
        kids: Option<Vec<Node>>,
        next: Option<Box<Node>>,
        data: Option<Binary>,
        ok: bool,
        ratio: f64,
        delta: i64,
        ids: Option<Vec<i64>>,
    }
    impl Serialize for Node {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self, s)
        }
    }
    impl Encode for Node {
        fn encode(&self) -> Value<'_> {
            Value::Struct("Node", self)
        }
    }
    impl Fields for Node {
        fn fields(&self, out: &mut dyn Sink) {
            out.member("Name", &self.name);
            out.member("Size", &self.size);
            out.member("Tags", &self.tags);
            out.member("Kids", &self.kids);
            out.member("Next", &self.next);
            out.member("Data", &self.data);
            out.member("Ok", &self.ok);
            out.member("Ratio", &self.ratio);
            out.member("Delta", &self.delta);
            out.member("Ids", &self.ids);
        }
    }

    #[test]
    fn members_in_order_unset_optionals_left_out_nesting_and_lists() {
        let node = Node {
            name: "root".into(),
            size: Some(u64::MAX),
            tags: vec!["a".into(), "b".into()],
            kids: Some(vec![Node {
                name: "kid".into(),
                ..Node::default()
            }]),
            next: Some(Box::new(Node {
                delta: -3,
                ..Node::default()
            })),
            data: Some(Binary(vec![0u8, 1, 255].into())),
            ok: true,
            ratio: 0.5,
            delta: i64::MIN,
            ids: Some(vec![-1, 2]),
        };
        let text = serde_json::to_string(&node).unwrap();
        assert_eq!(
            text,
            format!(
                "{{\"Name\":\"root\",\"Size\":{},\"Tags\":[\"a\",\"b\"],\"Kids\":[{{\"Name\":\"kid\",\"Tags\":[],\
                 \"Ok\":false,\"Ratio\":0.0,\"Delta\":0}}],\"Next\":{{\"Name\":\"\",\"Tags\":[],\"Ok\":false,\
                 \"Ratio\":0.0,\"Delta\":-3}},\"Data\":\"AAH/\",\"Ok\":true,\"Ratio\":0.5,\"Delta\":{},\"Ids\":[-1,2]}}",
                u64::MAX,
                i64::MIN
            )
        );
        let empty = serde_json::to_value(Node::default()).unwrap();
        assert_eq!(
            empty,
            json!({"Name": "", "Tags": [], "Ok": false, "Ratio": 0.0, "Delta": 0})
        );
    }

    /// An I/O error in the middle of a nested list comes back as the error; nothing panics.
    #[test]
    fn an_error_inside_a_list_or_struct_is_returned() {
        struct FullAfter(usize);
        impl std::io::Write for FullAfter {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if buf.len() > self.0 {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let node = Node {
            kids: Some(vec![
                Node::default(),
                Node {
                    name: "x".repeat(100),
                    ..Node::default()
                },
            ]),
            ..Node::default()
        };
        let whole = serde_json::to_vec(&node).unwrap().len();
        for room in [0, 1, 30, 80, whole - 1] {
            let err = serde_json::to_writer(FullAfter(room), &node).unwrap_err();
            assert!(err.to_string().contains("disk full"), "{room}: {err}");
        }
        serde_json::to_writer(FullAfter(whole), &node).unwrap();
    }

    /// A type whose members change between the counting pass and the writing pass is an error, not a
    /// length that lies to the serializer.
    #[test]
    fn members_that_change_while_written_are_an_error() {
        struct Flaky(std::cell::Cell<bool>);
        impl Serialize for Flaky {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize(self, s)
            }
        }
        impl Encode for Flaky {
            fn encode(&self) -> Value<'_> {
                Value::Struct("Flaky", self)
            }
        }
        impl Fields for Flaky {
            fn fields(&self, out: &mut dyn Sink) {
                let now = self.0.replace(true);
                out.member("A", &now.then_some(1u64));
            }
        }
        let err = serde_json::to_string(&Flaky(false.into())).unwrap_err();
        assert!(err.to_string().contains("Flaky: members changed"), "{err}");
    }
}
