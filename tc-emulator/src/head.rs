//! Stage 1 of an API request: its head, read once. Everything later stages and the request log ask about
//! the request's identity comes from here: the signing scheme (TC3 `Authorization`, `SKIP`, or the legacy
//! parameters of a form body or query), the action, version and region (the `X-TC-*` headers, or the legacy
//! common parameters), the `Host`, and how it was signed as the log shows it.
//!
//! Reading the head never fails: a malformed `Authorization` is kept as the error the authentication stage
//! answers, so that faults and the log still see the action.

use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::http::request::Parts;
use hyper::{HeaderMap, Method};

use crate::auth::{LegacyParams, Scheme};
use crate::catalog::parse_query;
use crate::response::ApiError;

/// The head of an API request (see the module docs).
pub(crate) struct RequestHead {
    /// The scheme, or why the `Authorization` header could not be read.
    pub scheme: Result<Scheme, ApiError>,
    /// `X-TC-Action`, or the legacy `Action` parameter; empty when missing.
    pub action: String,
    /// `X-TC-Version`, or the legacy `Version` parameter; empty when missing.
    pub version: String,
    /// `X-TC-Region`, or the legacy `Region` parameter; empty when missing.
    pub region: String,
    /// The `Host` header as received (trimmed).
    pub host: String,
    /// How it was signed, as the request log shows it.
    pub signing: Signing,
}

impl RequestHead {
    pub fn parse(parts: &Parts, body: &[u8]) -> RequestHead {
        let headers = &parts.headers;
        // Legacy signatures only when there is no Authorization header: the TC3 path pays one header lookup.
        let legacy = legacy_params(parts, body);
        let signing = Signing::of(headers, legacy.as_ref());
        let (action, version, region) = match &legacy {
            None => (
                header_str(headers, "x-tc-action"),
                header_str(headers, "x-tc-version"),
                header_str(headers, "x-tc-region"),
            ),
            Some(l) => (
                l.get("Action").unwrap_or_default(),
                l.get("Version").unwrap_or_default(),
                l.get("Region").unwrap_or_default(),
            ),
        };
        let (action, version, region) = (action.to_owned(), version.to_owned(), region.to_owned());
        let scheme = match legacy {
            Some(params) => Ok(Scheme::Legacy(params)),
            None => Scheme::detect(headers),
        };
        RequestHead {
            scheme,
            action,
            version,
            region,
            host: header_str(headers, HOST.as_str()).to_owned(),
            signing,
        }
    }
}

/// A header's value as text (trimmed), empty when missing or not visible ASCII.
pub(crate) fn header_str<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
}

/// The parameters of a legacy-signed request (`HmacSHA1`/`HmacSHA256`), or `None` for every other request.
///
/// Legacy only without an `Authorization` header, with `Signature` or `SecretId` among the parameters: the
/// query of a GET, the form body of a POST (`application/x-www-form-urlencoded`, or no Content-Type).
fn legacy_params(parts: &Parts, body: &[u8]) -> Option<LegacyParams> {
    if parts.headers.contains_key(AUTHORIZATION) {
        return None;
    }
    let pairs = if parts.method == Method::GET {
        parse_query(parts.uri.query().unwrap_or_default())
    } else if parts.method == Method::POST {
        let content_type = header_str(&parts.headers, CONTENT_TYPE.as_str());
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        if !(media_type.is_empty() || media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
            return None;
        }
        parse_query(&String::from_utf8_lossy(body))
    } else {
        return None;
    };
    LegacyParams::is_legacy(&pairs).then_some(LegacyParams { pairs })
}

/// How a request was signed, as the request log shows it (no secret: no signature, no token).
pub(crate) struct Signing {
    pub method: String,
    pub signed_headers: String,
    pub token: bool,
}

impl Signing {
    fn of(headers: &HeaderMap, legacy: Option<&LegacyParams>) -> Signing {
        if let Some(l) = legacy {
            return Signing {
                method: l.get("SignatureMethod").unwrap_or("HmacSHA1").to_owned(),
                signed_headers: String::new(),
                token: l.get("Token").is_some(),
            };
        }
        let auth = header_str(headers, AUTHORIZATION.as_str());
        let (method, signed_headers) = match auth.split_once(' ') {
            _ if auth == "SKIP" => ("SKIP", ""),
            Some(("TC3-HMAC-SHA256", rest)) => {
                let signed = rest
                    .split(',')
                    .filter_map(|part| part.trim().strip_prefix("SignedHeaders="))
                    .next()
                    .unwrap_or_default();
                ("TC3-HMAC-SHA256", signed)
            }
            _ => ("", ""),
        };
        Signing {
            method: method.to_owned(),
            signed_headers: signed_headers.to_owned(),
            token: headers.contains_key("x-tc-token"),
        }
    }
}
