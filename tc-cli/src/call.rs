//! One API call from the command line through sdk-core's `CommonClient`: the SDK's signing, retry rules
//! (by action name: `SendSms` is never sent twice), region breaker, credential chain and errors.
//!
//! Settings, first found wins: the option, then (for region) `TENCENTCLOUD_REGION`, then the tccli profile's
//! configure file; API version: `--version`, the configure file's `<product>.version`, the newest compiled
//! in; endpoint: `--endpoint` (a host, or a URL with scheme such as `http://127.0.0.1:9000`), the configure
//! file's `<product>.endpoint`, else `<service>.tencentcloudapi.com`.
//! Credentials: `--secretId`/`--secretKey` (and `--token`); with `--profile`, that tccli profile's
//! credential file; else sdk-core's default chain (environment, profile file, tccli default profile, CVM
//! role, TKE OIDC).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sdk_core::credential::{DefaultCredentialProvider, TccliProvider};
use sdk_core::transport::{Transport, TransportFuture};
use sdk_core::{CallOptions, ClientProfile, CommonClient, Credential, HttpProfile, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::argv::Globals;
use crate::config::Profile;
use crate::error::CliError;

/// Everything a call needs besides the request.
pub struct Target<'a> {
    pub service: &'a str,
    pub version: &'a str,
    pub action: &'a str,
    pub skip_sign: bool,
}

/// The region in force; an error when there is none (tccli's rule).
pub fn region(g: &Globals, p: &Profile) -> Result<String, CliError> {
    g.region
        .clone()
        .or_else(|| std::env::var("TENCENTCLOUD_REGION").ok().filter(|s| !s.is_empty()))
        .or_else(|| p.sys("region").map(str::to_owned))
        .ok_or_else(|| {
            CliError::config("no region: give --region, set TENCENTCLOUD_REGION or `tcli configure set region <r>`")
        })
}

fn client_profile(g: &Globals, p: &Profile, product: &str) -> Result<ClientProfile, CliError> {
    let mut http = HttpProfile::new();
    if let Some(e) = g.endpoint.as_deref().or_else(|| p.product(product, "endpoint")) {
        http = http.endpoint(e);
    }
    if let Some(t) = &g.timeout {
        let secs: u64 = t
            .parse()
            .ok()
            .filter(|s| (1..=86_400).contains(s))
            .ok_or_else(|| CliError::usage(format!("--timeout: {t:?} is not a number of seconds (1..86400)")))?;
        http = http.req_timeout(Duration::from_secs(secs));
    }
    if let Some(proxy) = &g.https_proxy {
        http = http.proxy(proxy.clone());
    }
    let mut cp = ClientProfile::new().http_profile(http);
    match g.language.as_deref().or_else(|| p.sys("language")) {
        Some("en-US") => cp = cp.language(sdk_core::Language::EnUs),
        Some("zh-CN") | None => {}
        Some(other) => return Err(CliError::usage(format!("--language: {other:?} is not zh-CN or en-US"))),
    }
    Ok(cp)
}

/// The client for `target`, with the credential source in force.
pub fn client(g: &Globals, p: &Profile, product: &str, t: &Target<'_>) -> Result<CommonClient, CliError> {
    let region = region(g, p)?;
    let profile = client_profile(g, p, product)?;
    let c = match (&g.secret_id, &g.secret_key) {
        (Some(id), Some(key)) => {
            let mut c = Credential::new(id.clone(), key.clone()).map_err(|e| CliError::from_sdk(&e))?;
            if let Some(tok) = &g.token {
                c = c.with_token(tok.clone());
            }
            CommonClient::new(t.service, t.version, c, region, profile)
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(CliError::usage("--secretId and --secretKey go together"));
        }
        (None, None) if g.profile.is_some() => {
            let tccli = TccliProvider::new().profile(p.name.clone());
            CommonClient::new(t.service, t.version, tccli, region, profile)
        }
        (None, None) => CommonClient::new(t.service, t.version, DefaultCredentialProvider::new(), region, profile),
    };
    Ok(c)
}

fn options(t: &Target<'_>) -> CallOptions {
    CallOptions::new().skip_sign(t.skip_sign)
}

/// Sends once; the `Response` object (RequestId included).
pub async fn call(client: &CommonClient, t: &Target<'_>, body: &Value) -> Result<Value, CliError> {
    let payload = serde_json::to_vec(body).map_err(|e| CliError::internal(e.to_string()))?;
    let raw = client
        .execute(t.action, &options(t), payload)
        .await
        .map_err(|e| CliError::from_sdk(&e))?;
    serde_json::from_str(raw.json())
        .map_err(|e| CliError::new(crate::error::Class::Answer, format!("answer is not JSON: {e}")))
}

/// Sends a streaming action and writes each event's data as one line as it arrives.
pub async fn stream(
    client: &CommonClient,
    t: &Target<'_>,
    body: &Value,
    out: &mut dyn std::io::Write,
) -> Result<(), CliError> {
    let payload = serde_json::to_vec(body).map_err(|e| CliError::internal(e.to_string()))?;
    let mut events = client
        .execute_stream(t.action, &options(t), payload)
        .await
        .map_err(|e| CliError::from_sdk(&e))?;
    while let Some(event) = events.next().await {
        let event = event.map_err(|e| CliError::from_sdk(&e))?;
        let data = event.data();
        if sdk_core::stream::is_end_of_stream(data) {
            continue;
        }
        writeln!(out, "{data}")
            .and_then(|_| out.flush())
            .map_err(|e| CliError::internal(format!("stdout: {e}")))?;
    }
    Ok(())
}

/// A transport that keeps the signed request and answers an empty success: `--dry-run`.
#[derive(Debug, Default, Clone)]
pub struct Capture(pub Arc<Mutex<Option<HttpRequest>>>);

impl Transport for Capture {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(request);
        Box::pin(async { Ok(HttpResponse::new(200, &br#"{"Response":{"RequestId":"dry-run"}}"#[..])) })
    }
}

/// The signed request as text, every secret masked: the SecretId but its last four characters, the
/// signature, the session token.
pub fn describe(req: &HttpRequest, secret_id: Option<&str>) -> String {
    let mut out = format!("{} {}\n", req.method.as_str(), req.url);
    for (name, value) in &req.headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        let shown = match name.as_str() {
            "authorization" => mask_authorization(&v),
            "x-tc-token" => "****".to_owned(),
            _ => v,
        };
        out.push_str(&format!("{name}: {shown}\n"));
    }
    out.push('\n');
    let body = String::from_utf8_lossy(&req.body);
    let body = match secret_id {
        Some(id) if !id.is_empty() => body.replace(id, &crate::config::mask(id)),
        _ => body.into_owned(),
    };
    out.push_str(&body);
    out.push('\n');
    out
}

fn mask_authorization(v: &str) -> String {
    // `TC3-HMAC-SHA256 Credential=AKID.../date/service/tc3_request, SignedHeaders=..., Signature=hex`
    v.split(", ")
        .map(|part| {
            if let Some(sig) = part.strip_prefix("Signature=") {
                format!("Signature={}", "*".repeat(sig.len().min(16)))
            } else if let Some((head, cred)) = part.split_once("Credential=") {
                let (id, rest) = cred.split_once('/').unwrap_or((cred, ""));
                format!("{head}Credential={}/{rest}", crate::config::mask(id))
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
