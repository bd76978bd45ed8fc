//! Resolve endpoint, the first stage: where a client's requests go (`HttpProfile::endpoint`, or
//! `{product}.tencentcloudapi.com`), and the region breaker's backup endpoint. Resolved and validated once,
//! when the client is built; a bad endpoint is kept as a [`SetupError`] that every call reports without
//! sending anything.

use crate::breaker::{RegionBreakerProfile, Route, DEFAULT_BACKUP_REGION};
use crate::error::Error;
use crate::profile::{HttpProfile, Scheme, ROOT_DOMAIN};
use crate::validate;

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://host[:port]/`
    pub url: String,
    /// `host[:port]`, exactly as sent in `Host` and signed.
    pub host: String,
}

/// A configuration problem found when the client was built, reported by every call.
#[derive(Debug, Clone)]
pub(crate) struct SetupError {
    parameter: String,
    message: String,
}

impl SetupError {
    pub(crate) fn from_error(e: &Error) -> SetupError {
        match e.invalid_request_parts() {
            // Keep parameter and message apart, so the error rebuilt per call says its prefix once.
            Some((parameter, message)) => SetupError::new(parameter, message),
            None => SetupError::new("ClientProfile", &e.to_string()),
        }
    }

    fn new(parameter: &str, message: &str) -> SetupError {
        SetupError {
            parameter: parameter.to_owned(),
            message: message.to_owned(),
        }
    }

    pub(crate) fn to_error(&self) -> Error {
        Error::invalid_request(self.parameter.clone(), self.message.clone())
    }
}

/// The primary and (with a region breaker) backup endpoints of one client.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub primary: Result<Endpoint, SetupError>,
    pub backup: Option<Result<Endpoint, SetupError>>,
}

impl Endpoints {
    /// Product, version and region become part of the host, headers and signature: checked here, before
    /// anything is built.
    pub(crate) fn resolve(
        product: &str,
        version: &str,
        region: &str,
        http: &HttpProfile,
        breaker: Option<&RegionBreakerProfile>,
    ) -> Endpoints {
        let primary = validate::product(product)
            .and_then(|()| validate::version(version))
            .and_then(|()| required_region(region))
            .and_then(|()| validate::region(region))
            .and_then(|()| resolve(product, http))
            .map_err(|e| SetupError::from_error(&e));
        let backup = breaker.map(|b| backup(product, http, b));
        Endpoints { primary, backup }
    }

    /// The endpoint of `route`: the backup only when the breaker sent the attempt there.
    pub(crate) fn of(&self, route: Route) -> Result<&Endpoint, Error> {
        let endpoint = match (route, &self.backup) {
            (Route::Backup, Some(backup)) => backup,
            _ => &self.primary,
        };
        endpoint.as_ref().map_err(SetupError::to_error)
    }
}

/// Every call names a region: an empty one is a forgotten one (`Client::new(cred, "")`, an unset variable
/// read by hand). The few actions that need no region ignore the one they get, as Tencent's common
/// parameters document, so asking for one never stops a call that would have worked.
fn required_region(region: &str) -> Result<(), Error> {
    if region.trim().is_empty() {
        return Err(Error::invalid_request(
            "Region",
            "is empty: give the region to call, e.g. ap-guangzhou (actions that take no region ignore it)",
        ));
    }
    Ok(())
}

fn backup(product: &str, http: &HttpProfile, breaker: &RegionBreakerProfile) -> Result<Endpoint, SetupError> {
    let mut http = http.clone();
    http.endpoint = Some(
        breaker
            .backup_endpoint
            .clone()
            .unwrap_or_else(|| format!("{product}.{DEFAULT_BACKUP_REGION}.{ROOT_DOMAIN}")),
    );
    resolve(product, &http).map_err(|e| {
        let message = e
            .invalid_request_parts()
            .map_or_else(|| e.to_string(), |(_, m)| m.to_owned());
        SetupError::new("RegionBreakerProfile.backup_endpoint", &message)
    })
}

/// The endpoint `http` names for `product`. API 3.0 always signs path `/`: a base URL with a path would be
/// signed for the wrong path, so one is refused.
pub(crate) fn resolve(product: &str, http: &HttpProfile) -> Result<Endpoint, Error> {
    let invalid = |msg: &str| Error::invalid_request("HttpProfile.endpoint", msg.to_owned());
    let Some(endpoint) = http.endpoint.as_deref() else {
        let host = format!("{product}.{ROOT_DOMAIN}");
        return Ok(Endpoint {
            url: format!("{}://{host}/", http.scheme.as_str()),
            host,
        });
    };
    let (scheme, rest) = match endpoint.split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => (Scheme::Https, rest),
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => (Scheme::Http, rest),
        Some(_) => return Err(invalid("scheme must be http or https")),
        None => (http.scheme, endpoint),
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() {
        return Err(invalid("has no host"));
    }
    validate::endpoint_host(host)?;
    let host = host.to_ascii_lowercase();
    Ok(Endpoint {
        url: format!("{}://{host}/", scheme.as_str()),
        host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(e: Option<&str>) -> Result<Endpoint, Error> {
        let mut h = HttpProfile::new();
        h.endpoint = e.map(str::to_owned);
        resolve("sms", &h)
    }

    #[test]
    fn endpoints() {
        let e = endpoint(None).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("https://sms.tencentcloudapi.com/", "sms.tencentcloudapi.com")
        );
        let e = endpoint(Some("sms.ap-guangzhou.tencentcloudapi.com")).unwrap();
        assert_eq!(e.url, "https://sms.ap-guangzhou.tencentcloudapi.com/");
        let e = endpoint(Some("http://127.0.0.1:9000")).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("http://127.0.0.1:9000/", "127.0.0.1:9000")
        );
        let e = endpoint(Some("HTTPS://Example.COM:8443/")).unwrap();
        assert_eq!(
            (e.url.as_str(), e.host.as_str()),
            ("https://example.com:8443/", "example.com:8443")
        );
        let h = HttpProfile::new().scheme(Scheme::Http);
        assert_eq!(resolve("sms", &h).unwrap().url, "http://sms.tencentcloudapi.com/");
        for bad in ["ftp://x", "http://", "http://h/path", "h?x=1", "http://u:p@h", "a b"] {
            let e = endpoint(Some(bad)).unwrap_err();
            assert!(e.is_invalid_request(), "{bad}");
            assert_eq!(e.parameter(), Some("HttpProfile.endpoint"));
        }
    }
}
