//! One attempt: resolve endpoint → credentials → sign → send → decode envelope. Each stage is one function;
//! [`run`] chains them. The attempt loop around it is [`super::classify::run`].

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;

use super::endpoint::{Endpoint, SetupError};
use super::envelope::{self, RawResponse};
use super::{Call, Config};
use crate::body::BodyMode;
use crate::breaker::Route;
use crate::clock;
use crate::error::Error;
use crate::http::{header, HeaderMap, HttpRequest, HttpResponse};
use crate::identity::Credential;
use crate::interceptor::{CallView, RequestView, SignedHeaders};
use crate::profile::SignMethod;
use crate::redact::OwnSecrets;
use crate::service::REQUEST_CLIENT;
use crate::token;
use crate::transport::{self, Transport};
use crate::validate;
use crate::wire::{self, RequestParts};

/// One attempt along `route`. `server_time` is set from the response's `Date` when the service rejected
/// the request as expired (the clock-skew correction needs it; otherwise `Date` is not parsed).
pub(crate) async fn run(
    config: &Config,
    call: Call<'_>,
    view: &CallView<'_>,
    payload: Bytes,
    route: Route,
    timeout: Option<Duration>,
    server_time: &mut Option<i64>,
) -> Result<RawResponse, Error> {
    let (transport, request, secrets) = prepare(config, call, view, payload, route, timeout).await?;
    let answer = async {
        let HttpResponse {
            status, headers, body, ..
        } = send(transport, request, config.profile.http_profile.max_body_size).await?;
        decode(status, &headers, body, server_time)
    };
    answer.await.map_err(|e| e.without_secrets(&secrets.list()))
}

/// Everything before sending: endpoint, transport, action name, credentials, the interceptors'
/// `before_signing`, signed request, their `before_sending`, and the secret values the request carries
/// (removed from the server's text in errors: [`OwnSecrets`]).
pub(crate) async fn prepare<'c>(
    config: &'c Config,
    call: Call<'_>,
    view: &CallView<'_>,
    payload: Bytes,
    route: Route,
    timeout: Option<Duration>,
) -> Result<(&'c dyn Transport, HttpRequest, OwnSecrets<'c>), Error> {
    let endpoint = config.endpoints.of(route)?;
    let transport = config.transport.as_ref().map_err(SetupError::to_error)?;
    validate::action(call.action)?;
    let credential = credential(config, call.skip_sign).await?;
    let mut added = SignedHeaders::default();
    config.interceptors.each(|i| i.before_signing(view, &mut added));
    let headers;
    let call = if added.added.is_empty() {
        call
    } else {
        headers = [call.headers, &added.added].concat();
        Call {
            headers: &headers,
            ..call
        }
    };
    let mut request = sign(config, call, endpoint, credential.as_deref(), payload)?;
    request.timeout = timeout;
    let mut request_view = RequestView { request: &mut request };
    config.interceptors.each(|i| i.before_sending(view, &mut request_view));
    let secrets = OwnSecrets::of(credential, &request);
    Ok((&**transport, request, secrets))
}

/// Decode envelope, and the server's time from `Date` when the service rejected the request as expired.
pub(crate) fn decode(
    status: u16,
    headers: &HeaderMap,
    body: Bytes,
    server_time: &mut Option<i64>,
) -> Result<RawResponse, Error> {
    let result = envelope::parse_response(status, body);
    if matches!(&result, Err(e) if e.code() == Some(clock::SIGNATURE_EXPIRE)) {
        let date = headers.get(header::DATE).and_then(|d| d.to_str().ok());
        *server_time = clock::server_time(date, None);
    }
    result
}

/// Credentials: none for an unsigned action, the static credential borrowed, or the provider's.
pub(crate) async fn credential(config: &Config, skip_sign: bool) -> Result<Option<Cow<'_, Credential>>, Error> {
    Ok(match &config.static_credential {
        _ if skip_sign => None,
        Some(credential) => Some(Cow::Borrowed(credential)),
        None => Some(Cow::Owned(config.credential.provide_credential().await?)),
    })
}

/// Sign: the complete request for this attempt (the clock is read here, so a re-signed attempt after a
/// clock correction carries the corrected time).
pub(crate) fn sign(
    config: &Config,
    call: Call<'_>,
    endpoint: &Endpoint,
    credential: Option<&Credential>,
    payload: Bytes,
) -> Result<HttpRequest, Error> {
    let (timestamp, nonce, request_client) = match &config.pinned {
        Some(p) => (p.timestamp, p.nonce, p.request_client.as_str()),
        // TC3 has no nonce: drawing one would cost a `getrandom` system call per attempt for nothing.
        None => {
            let nonce = match config.profile.sign_method {
                SignMethod::Tc3HmacSha256 => 0,
                SignMethod::HmacSha1 | SignMethod::HmacSha256 => wire::random_nonce(),
            };
            (config.clock.now_unix(), nonce, REQUEST_CLIENT)
        }
    };
    let signed_headers: Cow<'_, [(String, String)]> = if call.headers.is_empty() {
        Cow::Borrowed(&config.profile.signed_headers)
    } else {
        Cow::Owned([&config.profile.signed_headers[..], call.headers].concat())
    };
    let boundary = match call.body {
        BodyMode::Multipart { .. } => multipart_boundary(),
        _ => String::new(),
    };
    let parts = RequestParts {
        method: config.profile.http_profile.req_method,
        sign_method: config.profile.sign_method,
        url: &endpoint.url,
        host: &endpoint.host,
        service: &config.product,
        version: &config.version,
        action: call.action,
        region: &config.region,
        language: config.profile.language,
        request_client,
        timestamp,
        nonce,
        unsigned_payload: config.profile.unsigned_payload,
        signed_headers: &signed_headers,
        credential,
        body: match call.body {
            BodyMode::Multipart { binary_params } => wire::Body::Multipart {
                binary_params,
                boundary: &boundary,
            },
            BodyMode::OctetStream { header_prefix } => wire::Body::OctetStream {
                header_prefix,
                params: call.params,
            },
            BodyMode::Json => wire::Body::Json,
        },
    };
    wire::prepare(&parts, payload, &config.headers)
}

/// A fresh multipart boundary: 32 hex digits from the operating system's generator, so no part can be
/// crafted in advance to contain it.
fn multipart_boundary() -> String {
    let mut bytes = [0u8; 16];
    token::fill_random(&mut bytes);
    hex::encode(bytes)
}

/// Send: one exchange, and the body limit for transports that do not enforce it themselves.
pub(crate) async fn send(transport: &dyn Transport, request: HttpRequest, limit: usize) -> Result<HttpResponse, Error> {
    let response = match transport.as_default_transport() {
        Some(default) => default.send_inner(request).await?,
        None => transport.send(request).await?,
    };
    if response.body.len() > limit {
        return Err(transport::too_large(response.status, limit, &response.body));
    }
    Ok(response)
}
