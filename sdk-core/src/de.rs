//! Lenient decoding helpers used by generated response types.
//!
//! Tencent services sometimes send `null` for members the API description marks as always present;
//! generated code puts `#[serde(default, deserialize_with = "sdk_core::de::null_as_default")]` on such
//! plain fields so `null` and absence both decode to the type's default instead of failing the call.

use serde::{Deserialize, Deserializer};

/// Deserializes `Option<T>` and maps `None` (JSON `null`) to `T::default()`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Numbers and booleans as services and the API examples sometimes send them: a JSON number *or* a string
/// holding one (`"12"`, `" 3.5 "`), booleans also as `"true"`/`"false"` or `0`/`1`, integers also as floats
/// with no fraction (`2.0`), recursively in lists. Anything else (`"x"`, out of range) is still an error.
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
