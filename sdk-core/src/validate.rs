//! One home for the rules on caller-given strings that become part of a URL or a header: product, version,
//! action, region and endpoint host. Each check runs before anything is built or sent, and its error names
//! the parameter and what is allowed, never echoing the value (it may be anything a caller passed on).
//!
//! Decisions:
//! - **Product** is the first DNS label of `<product>.tencentcloudapi.com` and the TC3 signing service:
//!   lower-case ASCII letters and digits, inner `-`, 1..=63 bytes (a DNS label). Every tccli product
//!   (`cvm`, `sms`, `tke`, `as`...) fits. A `:`, `/`, `?`, `#`, `\`, `@` or `.` can never change the host.
//! - **Version** is an API date, `YYYY-MM-DD`, as every API 3.0 version is.
//! - **Action** is an ASCII letter followed by ASCII letters and digits, at most 128 bytes (API 3.0 action
//!   names are UpperCamelCase words).
//! - **Region** is lower-case ASCII letters, digits and `-`, at most 64 bytes (`ap-guangzhou`,
//!   `na-siliconvalley`). A client also refuses an empty one (`call/endpoint.rs`); a request built with
//!   [`crate::wire`] alone may have none and then sends no `X-TC-Region`.
//! - **Endpoint host** is `host[:port]`: a DNS name (ASCII letters, digits, `-`, `.`) or a bracketed IPv6
//!   literal, and a decimal port 1..=65535. A name whose last label is a number must be a dotted-quad IPv4
//!   address, and an IPv6 literal a valid one (a URL parser reads them as addresses). Anything a URL parser might read differently from the `Host`
//!   header we sign — `\`, `%`, `@`, `/`, `?`, `#`, spaces — is refused.

use crate::error::Error;

/// Checks a product name (see the module docs).
pub fn product(name: &str) -> Result<(), Error> {
    if is_dns_label(name) {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "product",
            "must be a DNS label: lower-case ASCII letters, digits and inner '-', at most 63 bytes (e.g. \"cvm\")",
        ))
    }
}

/// Checks an API version (`YYYY-MM-DD`).
pub fn version(version: &str) -> Result<(), Error> {
    let b = version.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if shape {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "version",
            "must be an API version date YYYY-MM-DD (e.g. \"2021-01-11\")",
        ))
    }
}

/// Checks an action name.
pub fn action(action: &str) -> Result<(), Error> {
    let b = action.as_bytes();
    let ok =
        !b.is_empty() && b.len() <= 128 && b[0].is_ascii_alphabetic() && b.iter().all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "action",
            "must be an ASCII letter followed by ASCII letters and digits, at most 128 bytes (e.g. \"SendSms\")",
        ))
    }
}

/// Checks a region's characters (empty passes here; a client refuses it before this check).
pub fn region(region: &str) -> Result<(), Error> {
    let ok = region.len() <= 64
        && region
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "region",
            "must be lower-case ASCII letters, digits and '-', at most 64 bytes (e.g. \"ap-guangzhou\")",
        ))
    }
}

/// Checks the `host[:port]` part of an endpoint (already without scheme and trailing `/`).
pub fn endpoint_host(host: &str) -> Result<(), Error> {
    if is_host_port(host) {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "HttpProfile.endpoint",
            "must be host[:port] or scheme://host[:port] with a DNS name or [IPv6] host and a port 1-65535, \
             without path, query, user info or backslash",
        ))
    }
}

fn is_host_port(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        let v6_ok = v6.parse::<std::net::Ipv6Addr>().is_ok();
        return v6_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(is_port));
    }
    match s.split_once(':') {
        Some((host, port)) => is_dns_name(host) && is_port(port),
        None => is_dns_name(s),
    }
}

fn is_port(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 5
        && p.bytes().all(|c| c.is_ascii_digit())
        && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
}

/// Dot-separated DNS labels (any case), at most 253 bytes; one trailing dot (a fully qualified name) allowed.
fn is_dns_name(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    let labels_ok =
        !name.is_empty() && name.len() <= 253 && name.split('.').all(|l| is_dns_label(&l.to_ascii_lowercase()));
    // A URL parser reads a name whose last label is a number (`1`, `0x1f`) as an IPv4 address, so such a
    // name must be a dotted-quad address (what the URL parser would reject is refused here, with a clear
    // error, instead of failing when the request is built).
    labels_ok && (!ends_in_number(name) || name.parse::<std::net::Ipv4Addr>().is_ok())
}

/// The WHATWG URL standard's "ends in a number": the last label is decimal digits or `0x` and hex digits.
fn ends_in_number(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or_default();
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|c| c.is_ascii_digit()))
}

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products() {
        for ok in ["cvm", "sms", "as", "tke", "a1", "x-y"] {
            assert!(product(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "CVM",
            "host:80/?",
            "a#b",
            "a?b",
            "a\\b",
            "a.b",
            "a@b",
            "-a",
            "a-",
            "a b",
            &"a".repeat(64),
        ] {
            let e = product(bad).unwrap_err();
            assert_eq!(e.parameter(), Some("product"), "{bad}");
        }
    }

    #[test]
    fn versions_actions_regions() {
        assert!(version("2021-01-11").is_ok());
        for bad in ["", "2021-1-11", "2021/01/11", "2021-01-11\r\nX: y", "２０２１-01-11"] {
            assert!(version(bad).is_err(), "{bad:?}");
        }
        assert!(action("SendSms").is_ok() && action("sendSms").is_ok());
        for bad in [
            "",
            "1Send",
            "Send Sms",
            "Send\r\nX-Evil: 1",
            "Send/../x",
            &"A".repeat(129),
        ] {
            assert!(action(bad).is_err(), "{bad:?}");
        }
        for ok in ["", "ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi"] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in ["AP-GUANGZHOU", "ap guangzhou", "ap-gz\r\n", "ap/gz", &"a".repeat(65)] {
            assert!(region(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn endpoint_hosts() {
        for ok in [
            "sms.tencentcloudapi.com",
            "127.0.0.1:9000",
            "localhost",
            "Example.COM:8443",
            "[::1]:8080",
            "[::1]",
            "sms.tencentcloudapi.com.",
        ] {
            assert!(endpoint_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "evil.com\\@sms.tencentcloudapi.com",
            "sms.tencentcloudapi.com\\evil",
            "a%2fb",
            "u@h",
            "h:0",
            "h:65536",
            "h:",
            "h:80:80",
            "[::1",
            "[]:80",
            "[::1]x",
            ".",
            "a..b",
            "-a.com",
            "h/x",
            "h?x",
            "h#x",
            "a b",
            // Found by tests/parsers.rs: a name whose last label is a number is an IPv4 address to a URL
            // parser, so it must be one; and an IPv6 literal must be one.
            "tencentcloudapi127.0.0.1",
            "65536065536",
            "1.2.3.256",
            "host.0x1f",
            "[:::::]",
            "[1.2]",
        ] {
            assert!(endpoint_host(bad).is_err(), "{bad:?}");
        }
    }
}
