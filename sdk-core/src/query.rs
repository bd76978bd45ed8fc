//! Request parameters as flat `key=value` pairs, for GET requests and the legacy signatures.
//!
//! Byte-compatible with the official Python SDK (`AbstractClient._format_params` + `urllib.parse.urlencode`):
//!
//! - nested objects and lists are flattened depth-first with `.`-joined keys: `{"Filters":[{"Values":["a"]}]}`
//!   → `Filters.0.Values.0=a`; empty lists and objects contribute nothing;
//! - the order is the JSON object order as serialized (struct field order for generated types), read
//!   straight from the JSON text so it does not depend on `serde_json`'s map ordering;
//! - `null` members are dropped (Python skips `None`);
//! - values are formatted like Python's `str()`: booleans `True`/`False`, integers in decimal, floats like
//!   `repr(float)` (`1.0`, `0.0001`, `1e-05`, `1e+16`), strings as they are;
//! - a key produced twice keeps its first position and its last value (Python's `dict.update`);
//! - [`urlencode`] encodes like `quote_plus`: alphanumerics and `_.-~` as they are, space as `+`, every
//!   other UTF-8 byte as `%XX` (uppercase hex).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Ordered parameters; a repeated key replaces the value in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Flattens a JSON object (the serialized request). `null` is no parameters; any other non-object is
    /// an error, as in the official SDKs.
    pub fn from_json(json: &[u8]) -> Result<Params, serde_json::Error> {
        let mut params = Params::new();
        let mut de = serde_json::Deserializer::from_slice(json);
        Flatten {
            prefix: None,
            out: &mut params,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(params)
    }

    /// Sets `key` to `value`: appended if new, replaced in place if present.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.index.get(&key) {
            Some(&i) => self.pairs[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.pairs.len());
                self.pairs.push((key, value));
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&i| self.pairs[i].1.as_str())
    }

    /// The pairs in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// No pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `k=v&k=v` in order, encoded with [`urlencode_component`].
    pub fn urlencode(&self) -> String {
        urlencode(&self.pairs)
    }
}

/// `k=v&k=v`, each key and value encoded like Python's `quote_plus`.
pub fn urlencode(pairs: &[(String, String)]) -> String {
    let mut out = String::with_capacity(pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        urlencode_into(&mut out, k);
        out.push('=');
        urlencode_into(&mut out, v);
    }
    out
}

/// One key or value encoded like Python's `urllib.parse.quote_plus`.
pub fn urlencode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    urlencode_into(&mut out, s);
    out
}

fn urlencode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, positional for exponents in [-4, 16), otherwise
/// scientific with a sign and at least two exponent digits.
pub fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{v:e}"); // e.g. "-1.2345e-7", shortest round-trip digits
    let (mantissa, exp) = sci.split_once('e').expect("LowerExp always has an exponent");
    let exp: i32 = exp.parse().expect("LowerExp exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                format!("{sign}{digits}{}.0", "0".repeat(int_len - digits.len()))
            } else {
                format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
        }
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
    }
}

/// Streams a JSON value into [`Params`] under `prefix`.
struct Flatten<'a> {
    prefix: Option<&'a str>,
    out: &'a mut Params,
}

impl Flatten<'_> {
    fn key(&self, member: &str) -> String {
        match self.prefix {
            Some(p) if !p.is_empty() => format!("{p}.{member}"),
            _ => member.to_owned(),
        }
    }

    fn scalar<E: de::Error>(self, value: String) -> Result<(), E> {
        match self.prefix {
            Some(p) => {
                self.out.set(p, value);
                Ok(())
            }
            None => Err(E::custom("request parameters must be a JSON object")),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Flatten<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Flatten<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(if v { "True" } else { "False" }.to_owned())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(python_float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.scalar(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.prefix.is_none() {
            return Err(de::Error::custom("request parameters must be a JSON object"));
        }
        let mut i = 0usize;
        loop {
            let key = self.key(&i.to_string());
            let seed = Flatten {
                prefix: Some(&key),
                out: &mut *self.out,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(member) = map.next_key::<Cow<'de, str>>()? {
            let key = self.key(&member);
            map.next_value_seed(Flatten {
                prefix: Some(&key),
                out: &mut *self.out,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(json: &str) -> Vec<(String, String)> {
        Params::from_json(json.as_bytes()).unwrap().pairs().to_vec()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn nested_in_document_order() {
        let got = flat(
            r#"{"Zeta":1,"Filters":[{"Name":"n","Values":["a","b"]},{"Name":"m","Values":[]}],
                "Alpha":{"B":true,"A":false},"Skip":null,"Empty":{},"F":1.5}"#,
        );
        assert_eq!(
            got,
            pairs(&[
                ("Zeta", "1"),
                ("Filters.0.Name", "n"),
                ("Filters.0.Values.0", "a"),
                ("Filters.0.Values.1", "b"),
                ("Filters.1.Name", "m"),
                ("Alpha.B", "True"),
                ("Alpha.A", "False"),
                ("F", "1.5"),
            ])
        );
    }

    #[test]
    fn top_level_must_be_object_or_null() {
        assert!(flat("null").is_empty());
        assert!(flat("{}").is_empty());
        for bad in ["1", "\"s\"", "[1]", "true", "{", "{} x"] {
            assert!(Params::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn repeated_key_keeps_position_last_value() {
        assert_eq!(flat(r#"{"a.0":1,"b":2,"a":[3]}"#), pairs(&[("a.0", "3"), ("b", "2")]));
    }

    #[test]
    fn integers_and_big_numbers() {
        assert_eq!(
            flat(r#"{"a":-5,"b":18446744073709551615,"c":0}"#),
            pairs(&[("a", "-5"), ("b", "18446744073709551615"), ("c", "0")])
        );
    }

    #[test]
    fn python_float_repr() {
        // Each expected value is Python 3's repr(float(x)).
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (123456.789, "123456.789"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (-2.5e-300, "-2.5e-300"),
            (1e100, "1e+100"),
            (9007199254740993.0, "9007199254740992.0"),
            (f64::MAX, "1.7976931348623157e+308"),
        ];
        for (v, want) in cases {
            assert_eq!(python_float(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn quote_plus() {
        assert_eq!(urlencode_component("aZ09_.-~"), "aZ09_.-~");
        assert_eq!(urlencode_component("a b+c/d=e&f"), "a+b%2Bc%2Fd%3De%26f");
        assert_eq!(urlencode_component("腾讯云"), "%E8%85%BE%E8%AE%AF%E4%BA%91");
        assert_eq!(urlencode_component("*!'()"), "%2A%21%27%28%29");
        assert_eq!(
            urlencode(&pairs(&[("PhoneNumberSet.0", "+86 1"), ("k", "")])),
            "PhoneNumberSet.0=%2B86+1&k="
        );
    }
}
