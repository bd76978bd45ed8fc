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
}
