//! Decoding helpers of generated types: the shared part of their `Deserialize` impls, and lenient decoding.
//!
//! Tencent services sometimes send `null` for members the API description marks as always present, and
//! numbers or booleans as strings; response types decode both to what was meant (see [`Lenient`]).
//!
//! Compile cost decides the shape (issue 16): `#[derive(Deserialize)]` with `deserialize_with` on a field
//! expands to a field enum, a map visitor, an unused sequence visitor and one wrapper type per such field,
//! and that per-struct code dominated the build of the large product crates (type checking and borrow
//! checking all of it). Generated types instead implement [`Members`]: one small function with one match
//! arm per member, over helpers written once here ([`next_member`] finds a member by its wire name and
//! skips unknown ones; `*_member` read one value). A missing member of a lenient type keeps its default; a
//! missing required member of a request is `missing field`; an array where an object belongs is an error.

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A generated struct, decoded from a map of its members by wire name ([`deserialize_members`]).
#[doc(hidden)]
pub trait Members: Sized {
    /// The Rust name, for error messages.
    const NAME: &'static str;
    /// Wire names of the members; [`next_member`] yields indexes into this.
    const NAMES: &'static [&'static str];
    /// Reads the members from `map` (unknown ones skipped) and builds the value.
    fn from_members<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// The body of a generated `Deserialize::deserialize`: a JSON object (or any map) of members.
#[doc(hidden)]
pub fn deserialize_members<'de, D: Deserializer<'de>, T: Members>(d: D) -> Result<T, D::Error> {
    d.deserialize_struct(T::NAME, T::NAMES, MembersVisitor::<T>(PhantomData))
}

struct MembersVisitor<T>(PhantomData<T>);

impl<'de, T: Members> Visitor<'de> for MembersVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "struct {}", T::NAME)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_members(map)
    }
}

/// The index in `names` of the next member of `map` whose name is known; members with other names are
/// skipped unparsed. `None` at the end of the map.
#[doc(hidden)]
pub fn next_member<'de, A: MapAccess<'de>>(
    map: &mut A,
    names: &'static [&'static str],
) -> Result<Option<usize>, A::Error> {
    while let Some(found) = map.next_key_seed(MemberName(names))? {
        match found {
            Some(index) => return Ok(Some(index)),
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(None)
}

/// A member name → its index in the list, or `None` when unknown.
struct MemberName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for MemberName {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for MemberName {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|name| *name == v))
    }
}

/// A required member that never arrived: serde's `missing field` error.
#[doc(hidden)]
pub fn required<T, E: serde::de::Error>(value: Option<T>, name: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(name))
}

// The `*_into` helpers write the next value of `map` into a member and return `Result<(), _>`, so a
// generated `from_members` matches on the member index and applies `?` once to the whole match, not once
// per member: each `?` is a branch and an error conversion in every generated body (compile memory).

/// The next value of `map` into `place`.
#[doc(hidden)]
pub fn value_into<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A, place: &mut T) -> Result<(), A::Error> {
    *place = map.next_value()?;
    Ok(())
}

/// The next value of `map` into a required member's `Option` (`None` until it arrives).
#[doc(hidden)]
pub fn some_into<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    place: &mut Option<T>,
) -> Result<(), A::Error> {
    *place = Some(map.next_value()?);
    Ok(())
}

/// The next value of `map` into `place`, `null` as `T::default()` ([`null_as_default`]).
#[doc(hidden)]
pub fn null_as_default_into<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
    map: &mut A,
    place: &mut T,
) -> Result<(), A::Error> {
    *place = map.next_value::<Option<T>>()?.unwrap_or_default();
    Ok(())
}

/// The next value of `map` into `place`, decoded as [`lenient`] decodes.
#[doc(hidden)]
pub fn lenient_into<'de, A: MapAccess<'de>, T: Lenient + Default>(map: &mut A, place: &mut T) -> Result<(), A::Error> {
    *place = map.next_value::<Option<L<T>>>()?.map(|l| l.0).unwrap_or_default();
    Ok(())
}

/// The next value of `map` into `place`, decoded as [`lenient_opt`] decodes.
#[doc(hidden)]
pub fn lenient_opt_into<'de, A: MapAccess<'de>, T: Lenient>(
    map: &mut A,
    place: &mut Option<T>,
) -> Result<(), A::Error> {
    *place = map.next_value::<Option<L<T>>>()?.map(|l| l.0);
    Ok(())
}

/// Deserializes `Option<T>` and maps `None` (JSON `null`) to `T::default()`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Scalars as services and the API examples sometimes send them: a JSON number *or* a string holding one
/// (`"12"`, `" 3.5 "`), booleans also as `"true"`/`"false"` or `0`/`1`, integers also as floats with no
/// fraction (`2.0`), strings also as a number or boolean (kept as text), recursively in lists. Anything else
/// (`"x"` for a number, out of range, an object for a string) is still an error.
/// Used through [`lenient`] and [`lenient_opt`]; public only because their bounds name it.
#[doc(hidden)]
pub trait Lenient: Sized {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Adapter: deserializes a `T: Lenient` through serde.
struct L<T>(T);

impl<'de, T: Lenient> Deserialize<'de> for L<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_lenient(d).map(L)
    }
}

/// Like [`null_as_default`], and numbers/booleans may arrive as strings (see [`Lenient`]).
pub fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient + Default,
{
    Ok(Option::<L<T>>::deserialize(deserializer)?
        .map(|l| l.0)
        .unwrap_or_default())
}

/// For `Option` fields: `null` → `None`, numbers/booleans may arrive as strings (see [`Lenient`]).
pub fn lenient_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    Ok(Option::<L<T>>::deserialize(deserializer)?.map(|l| l.0))
}

macro_rules! lenient_int {
    ($t:ty) => {
        impl Lenient for $t {
            fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!(
                            "an integer (",
                            stringify!($t),
                            ") or a string holding one"
                        ))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$t, E> {
                        <$t>::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$t, E> {
                        <$t>::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$t, E> {
                        if v.fract() == 0.0 && v >= <$t>::MIN as f64 && v <= <$t>::MAX as f64 {
                            Ok(v as $t)
                        } else {
                            Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
                        }
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        let t = v.trim();
                        if let Ok(n) = t.parse::<$t>() {
                            return Ok(n);
                        }
                        match t.parse::<f64>() {
                            Ok(f) if f.is_finite() => self.visit_f64(f),
                            _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                        }
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}
lenient_int!(i64);
lenient_int!(u64);

impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = f64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<f64, E> {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean, 0/1, or \"true\"/\"false\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
                match v.trim() {
                    t if t.eq_ignore_ascii_case("true") || t == "1" => Ok(true),
                    t if t.eq_ignore_ascii_case("false") || t == "0" => Ok(false),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Strings as the services and examples sometimes send them: a JSON number or boolean where the API says
/// string (an ID as `12`) is kept as its JSON text (`"12"`, `"true"`); a float is written as Rust writes it
/// (`1.5`; `1e21` becomes `"1000000000000000000000"`). Objects and arrays are still an error.
impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string (or a number or boolean, kept as its text)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<L<T>>::deserialize(d)?;
        Ok(v.into_iter().map(|l| l.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Resp {
        #[serde(rename = "Count", default, deserialize_with = "super::null_as_default")]
        count: u64,
        #[serde(rename = "Names", default, deserialize_with = "super::null_as_default")]
        names: Vec<String>,
    }

    #[test]
    fn null_missing_and_present() {
        let r: Resp = serde_json::from_str(r#"{"Count": null, "Names": null}"#).unwrap();
        assert_eq!(
            r,
            Resp {
                count: 0,
                names: vec![]
            }
        );
        let r: Resp = serde_json::from_str(r#"{"Other": 1}"#).unwrap();
        assert_eq!(
            r,
            Resp {
                count: 0,
                names: vec![]
            }
        );
        let r: Resp = serde_json::from_str(r#"{"Count": 3, "Names": ["a"]}"#).unwrap();
        assert_eq!(
            r,
            Resp {
                count: 3,
                names: vec!["a".into()]
            }
        );
        assert!(serde_json::from_str::<Resp>(r#"{"Count": "x"}"#).is_err());
    }

    #[derive(Deserialize, Debug, PartialEq, Default)]
    struct Loose {
        #[serde(rename = "N", default, deserialize_with = "super::lenient")]
        n: i64,
        #[serde(rename = "U", default, deserialize_with = "super::lenient_opt")]
        u: Option<u64>,
        #[serde(rename = "F", default, deserialize_with = "super::lenient")]
        f: f64,
        #[serde(rename = "B", default, deserialize_with = "super::lenient_opt")]
        b: Option<bool>,
        #[serde(rename = "L", default, deserialize_with = "super::lenient")]
        l: Vec<Vec<i64>>,
    }

    #[test]
    fn numbers_in_strings() {
        let r: Loose = serde_json::from_str(r#"{"N":"-12","U":" 7 ","F":"1.5","B":"true","L":[["1",2.0]]}"#).unwrap();
        assert_eq!(
            (r.n, r.u, r.f, r.b, r.l),
            (-12, Some(7), 1.5, Some(true), vec![vec![1, 2]])
        );
        let r: Loose = serde_json::from_str(r#"{"N":null,"U":null,"B":1}"#).unwrap();
        assert_eq!((r.n, r.u, r.b), (0, None, Some(true)));
        for bad in [
            r#"{"N":"x"}"#,
            r#"{"U":-1}"#,
            r#"{"N":1.5}"#,
            r#"{"B":"yes"}"#,
            r#"{"U":"1e30"}"#,
        ] {
            assert!(serde_json::from_str::<Loose>(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod lenient_string_tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Ids {
        #[serde(rename = "Id", default, deserialize_with = "super::lenient")]
        id: String,
        #[serde(rename = "Ids", default, deserialize_with = "super::lenient_opt")]
        ids: Option<Vec<String>>,
    }

    #[test]
    fn numbers_and_booleans_where_a_string_belongs_keep_their_text() {
        let r: Ids = serde_json::from_str(r#"{"Id":12,"Ids":["a",-3,1.5,true,"é"]}"#).unwrap();
        assert_eq!(r.id, "12");
        assert_eq!(r.ids.unwrap(), ["a", "-3", "1.5", "true", "é"]);
        let r: Ids = serde_json::from_str(r#"{"Id":null,"Ids":null}"#).unwrap();
        assert_eq!((r.id.as_str(), r.ids), ("", None));
        for bad in [r#"{"Id":{}}"#, r#"{"Id":[1]}"#, r#"{"Ids":[{}]}"#, r#"{"Ids":"x"}"#] {
            let e = serde_json::from_str::<Ids>(bad).unwrap_err().to_string();
            assert!(
                e.contains("a string (or a number or boolean") || e.contains("a sequence"),
                "{bad}: {e}"
            );
        }
    }
}

#[cfg(test)]
mod members_tests {
    use serde::de::MapAccess;
    use serde::Deserialize;

    use super::{lenient_into, next_member, null_as_default_into, required, some_into, value_into, Members};

    /// As the generator writes a request: `Id` required, `Tags` optional.
    #[derive(Debug, PartialEq)]
    struct Strict {
        id: String,
        tags: Option<Vec<String>>,
    }

    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize_members(d)
        }
    }

    impl Members for Strict {
        const NAME: &'static str = "Strict";
        const NAMES: &'static [&'static str] = &["Id", "Tags"];
        fn from_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let (mut id, mut tags) = (None, None);
            while let Some(i) = next_member(&mut map, Self::NAMES)? {
                match i {
                    0 => some_into(&mut map, &mut id),
                    1 => value_into(&mut map, &mut tags),
                    _ => Ok(()),
                }?;
            }
            Ok(Self {
                id: required(id, "Id")?,
                tags,
            })
        }
    }

    /// As the generator writes a response: everything defaults.
    #[derive(Debug, PartialEq, Default)]
    struct Loose {
        count: u64,
        name: String,
    }

    impl<'de> Deserialize<'de> for Loose {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            super::deserialize_members(d)
        }
    }

    impl Members for Loose {
        const NAME: &'static str = "Loose";
        const NAMES: &'static [&'static str] = &["Count", "Name"];
        fn from_members<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut out = Self::default();
            while let Some(i) = next_member(&mut map, Self::NAMES)? {
                match i {
                    0 => lenient_into(&mut map, &mut out.count),
                    1 => null_as_default_into(&mut map, &mut out.name),
                    _ => Ok(()),
                }?;
            }
            Ok(out)
        }
    }

    #[test]
    fn unknown_members_are_skipped_and_required_ones_checked() {
        let s: Strict = serde_json::from_str(r#"{"X":{"deep":[1,{"a":null}]},"Id":"i-1","Tags":null}"#).unwrap();
        assert_eq!(
            s,
            Strict {
                id: "i-1".into(),
                tags: None
            }
        );
        let err = serde_json::from_str::<Strict>(r#"{"Tags":["a"]}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `Id`"), "{err}");
        let err = serde_json::from_str::<Strict>(r#"["i-1"]"#).unwrap_err();
        assert!(err.to_string().contains("expected struct Strict"), "{err}");
        assert!(serde_json::from_str::<Strict>(r#"{"Id":null}"#).is_err());
    }

    #[test]
    fn lenient_members_default_on_null_or_absence() {
        let l: Loose = serde_json::from_str(r#"{"Count":"7","Name":null,"Other":[]}"#).unwrap();
        assert_eq!(
            l,
            Loose {
                count: 7,
                name: String::new()
            }
        );
        assert_eq!(serde_json::from_str::<Loose>("{}").unwrap(), Loose::default());
        assert!(serde_json::from_str::<Loose>(r#"{"Count":"x"}"#).is_err());
        assert!(serde_json::from_str::<Loose>(r#"{"Name":5}"#).is_err());
    }

    /// The path of a mismatch still names the member (the runtime's decode errors rely on it).
    #[test]
    fn paths_name_the_member() {
        let mut de = serde_json::Deserializer::from_str(r#"{"Count":"x"}"#);
        let err = serde_path_to_error::deserialize::<_, Loose>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "Count");
    }
}
