//! Wire shapes of answers: `{"Response":{...,"RequestId":".."}}` and `{"Response":{"Error":{..},"RequestId":..}}`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// An API error as the service reports it (always HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn to_body(&self, request_id: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "Response": {
                "Error": {"Code": self.code, "Message": self.message},
                "RequestId": request_id,
            }
        }))
        .expect("JSON values serialize")
    }
}

/// Fresh UUID-v4-shaped request ids: a per-process random seed plus a counter, mixed by splitmix64.
#[derive(Debug)]
pub(crate) struct RequestIds {
    seed: u64,
    counter: AtomicU64,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RequestIds {
    pub fn new() -> RequestIds {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        RequestIds {
            seed: splitmix(nanos ^ addr.rotate_left(32) ^ u64::from(std::process::id())),
            counter: AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = splitmix(self.seed ^ n);
        let b = splitmix(a ^ n.rotate_left(17));
        let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }
}

/// A success answer pre-serialized around its RequestId: `prefix + id + "\"}}"`.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    prefix: Vec<u8>,
}

impl Template {
    /// From an example output `{"Response": {...}}` (its RequestId is replaced). `None` if it is not that shape.
    pub fn from_example(output: &str) -> Option<Template> {
        let v: Value = serde_json::from_str(output).ok()?;
        let Value::Object(mut resp) = v.get("Response")?.clone() else {
            return None;
        };
        resp.remove("RequestId");
        Some(Template::from_response_fields(&resp))
    }

    pub fn from_response_fields(resp: &serde_json::Map<String, Value>) -> Template {
        let mut s = serde_json::to_string(resp).expect("JSON values serialize");
        s.pop(); // the closing brace
        let mut prefix = String::from("{\"Response\":");
        prefix.push_str(&s);
        if !resp.is_empty() {
            prefix.push(',');
        }
        prefix.push_str("\"RequestId\":\"");
        Template {
            prefix: prefix.into_bytes(),
        }
    }

    pub fn render(&self, request_id: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.prefix.len() + request_id.len() + 3);
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(request_id.as_bytes());
        out.extend_from_slice(b"\"}}");
        out
    }
}

/// Serialize a success answer built by hand: `fields` is the Response object without RequestId.
pub(crate) fn success_body(fields: serde_json::Map<String, Value>, request_id: &str) -> Vec<u8> {
    let mut fields = fields;
    fields.insert("RequestId".into(), Value::String(request_id.to_owned()));
    let mut root = serde_json::Map::with_capacity(1);
    root.insert("Response".into(), Value::Object(fields));
    serde_json::to_vec(&Value::Object(root)).expect("JSON values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_replaces_request_id() {
        let t = Template::from_example(r#"{"Response":{"A":1,"RequestId":"x"}}"#).unwrap();
        let body = t.render("abc");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Response"]["A"], 1);
        assert_eq!(v["Response"]["RequestId"], "abc");
        let t = Template::from_example(r#"{"Response":{"RequestId":"x"}}"#).unwrap();
        let v: Value = serde_json::from_slice(&t.render("abc")).unwrap();
        assert_eq!(v, serde_json::json!({"Response":{"RequestId":"abc"}}));
    }

    #[test]
    fn request_ids_are_uuid_like_and_fresh() {
        let ids = RequestIds::new();
        let a = ids.next();
        let b = ids.next();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
    }
}
