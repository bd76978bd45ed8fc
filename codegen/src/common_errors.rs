//! Tencent Cloud API 3.0's common error codes (公共错误码: `AuthFailure.*`, `InternalError`,
//! `RequestLimitExceeded`, `InvalidAction`, `UnsupportedRegion`, ...). Any product can answer them, but
//! products' own `errorcodes.json` list few of them, so `ErrorCode::of` answered `Other("AuthFailure...")`.
//! Every generated `ErrorCode` gets them (a product's own entry wins). Data, with its source:
//! `codegen/data/common-errorcodes.json`.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    codes: Vec<Code>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
    description: String,
}

/// The common codes, in the file's order.
pub fn codes() -> &'static [tc_spec::ErrorCode] {
    static CODES: OnceLock<Vec<tc_spec::ErrorCode>> = OnceLock::new();
    CODES.get_or_init(|| {
        let file: File = serde_json::from_str(include_str!("../data/common-errorcodes.json"))
            .expect("codegen/data/common-errorcodes.json has the documented shape");
        file.codes
            .into_iter()
            .map(|c| tc_spec::ErrorCode {
                code: c.code,
                description: c.description,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn loads_the_documented_codes() {
        let codes = super::codes();
        for c in [
            "AuthFailure.SignatureFailure",
            "AuthFailure.SecretIdNotFound",
            "InternalError",
            "UnsupportedRegion",
        ] {
            assert!(codes.iter().any(|e| e.code == c), "{c}");
        }
    }
}
