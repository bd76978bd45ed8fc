//! The API pipeline, in the stages of the SDK's own call path: the head read once ([`crate::head`]), then
//! the product, authentication, the region and the names, the route (product → version → action), the
//! input decoded and validated against the spec, and the answer (a product plug-in's, or the spec's
//! example). Each stage is one function; the first that fails answers the request.

use hyper::http::request::Parts;
use hyper::Method;
use serde_json::Value;

use crate::auth::{LegacyParams, LegacyRequest, Scheme, SignedRequest, LEGACY_COMMON_PARAMS};
use crate::catalog::{parse_query, ActionEntry, VersionEntry};
use crate::head::RequestHead;
use crate::response::{success_body, ApiError};
use crate::state::Shared;

/// One API request as the pipeline reads it.
pub(crate) struct ApiRequest<'a> {
    pub parts: &'a Parts,
    pub body: &'a [u8],
    pub head: &'a RequestHead,
    pub request_id: &'a str,
}

/// What the pipeline made of a request.
pub(crate) struct Processed {
    /// The product served (for the log), empty when it could not be told.
    pub product: String,
    /// Whether the request passed authentication (the log keeps only a summary of the others).
    pub authenticated: bool,
    pub result: Result<Vec<u8>, ApiError>,
}

/// Run every stage.
pub(crate) fn process(shared: &Shared, req: &ApiRequest<'_>) -> Processed {
    let mut out = Processed {
        product: String::new(),
        authenticated: false,
        result: Ok(Vec::new()),
    };
    out.result = stages(shared, req, &mut out);
    out
}

/// Whether the request would pass authentication, without acting on it (for a request a fault answers
/// before the action: the log keeps its body only if it was the credential holder's).
pub(crate) fn would_authenticate(shared: &Shared, req: &ApiRequest<'_>) -> bool {
    let mut out = Processed {
        product: String::new(),
        authenticated: false,
        result: Ok(Vec::new()),
    };
    let _ = admit(shared, req, &mut out, shared.clock.unix());
    out.authenticated
}

/// What the stages up to the route decided.
enum Admitted<'c> {
    /// Echo mode: answer with what the verifier saw.
    Echo,
    Action(&'c VersionEntry, &'c ActionEntry),
}

fn stages(shared: &Shared, req: &ApiRequest<'_>, out: &mut Processed) -> Result<Vec<u8>, ApiError> {
    let now = shared.clock.unix();
    let (version, action) = match admit(shared, req, out, now)? {
        Admitted::Echo => {
            let scheme = req.head.scheme.as_ref().map_err(Clone::clone)?;
            return crate::echo::answer(scheme, req.parts, req.body, req.request_id);
        }
        Admitted::Action(version, action) => (version, action),
    };
    let scheme = req.head.scheme.as_ref().map_err(Clone::clone)?;
    let input = decode_input(req, scheme, version, action)?;
    version.validate(action, &input)?;
    answer(shared, version, action, &input, now, req.request_id)
}

/// The stages before the input: product, authentication, region, names, route, the `SKIP` rule. Sets
/// `out.product` and `out.authenticated` as far as it gets.
fn admit<'c>(
    shared: &'c Shared,
    req: &ApiRequest<'_>,
    out: &mut Processed,
    now: i64,
) -> Result<Admitted<'c>, ApiError> {
    let head = req.head;
    let scheme = head.scheme.as_ref().map_err(Clone::clone)?;
    match product_of(shared, head, scheme) {
        Ok(product) => out.product = product,
        Err((seen, e)) => {
            out.product = seen;
            return Err(e);
        }
    }
    if let Err(e) = authenticate(shared, req, scheme, now) {
        // The token is checked after the signature: a stale token came with a valid signature, so the
        // request was made by the SecretKey's holder (the log keeps it whole, secrets masked).
        out.authenticated = e.code == "AuthFailure.TokenFailure";
        return Err(e);
    }
    // SKIP: authenticated once the action is known to be called unsigned (below), or in echo mode.
    out.authenticated = !matches!(scheme, Scheme::Skip) || shared.echo;
    check_region(&head.region)?;
    check_names(head, scheme)?;
    if shared.echo {
        return Ok(Admitted::Echo);
    }
    if out.product.is_empty() {
        out.product = product_serving(shared, head)?;
    }
    let (version, action) = route(shared, &out.product, head)?;
    if matches!(scheme, Scheme::Skip) && !action.skip_sign {
        return Err(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            format!(
                "`Authorization: SKIP` is only accepted by actions that are called unsigned; `{}` must be signed.",
                head.action
            ),
        ));
    }
    out.authenticated = true;
    Ok(Admitted::Action(version, action))
}

/// The product: the Host's first label when it names a served product, else the credential scope's service
/// (TC3), the only product serving Action + Version (legacy: empty here, resolved by [`product_serving`]),
/// the only product (SKIP). An error comes with the product the log names (the Host's, on a mismatch).
fn product_of(shared: &Shared, head: &RequestHead, scheme: &Scheme) -> Result<String, (String, ApiError)> {
    let host_label = head.host.split(['.', ':']).next().unwrap_or_default();
    let host_product = shared.catalog.has_product(host_label).then(|| host_label.to_owned());
    match (scheme, host_product) {
        (Scheme::Tc3(a), Some(p)) if a.service != p => {
            let message = format!(
                "The credential scope service `{}` does not match the product `{p}` of the Host.",
                a.service
            );
            Err((p, ApiError::new("AuthFailure.SignatureFailure", message)))
        }
        (_, Some(p)) => Ok(p),
        (Scheme::Tc3(a), None) => Ok(a.service.clone()),
        (Scheme::Legacy(_), None) => Ok(String::new()),
        (Scheme::Skip, None) if shared.echo => Ok(String::new()),
        (Scheme::Skip, None) => match shared.catalog.served().as_slice() {
            [(p, _), rest @ ..] if rest.iter().all(|(q, _)| q == p) => Ok(p.clone()),
            _ => Err((
                String::new(),
                ApiError::new(
                    "InvalidAction",
                    "Unsigned request: send Host `<product>.tencentcloudapi.com` to name the product.",
                ),
            )),
        },
    }
}

/// The signature (TC3 or legacy), timestamp and token; `SKIP` passes here and is checked against the
/// action later.
fn authenticate(shared: &Shared, req: &ApiRequest<'_>, scheme: &Scheme, now: i64) -> Result<(), ApiError> {
    let parts = req.parts;
    match scheme {
        Scheme::Tc3(auth) => {
            let signed = SignedRequest {
                method: parts.method.as_str(),
                query: parts.uri.query().unwrap_or_default(),
                headers: &parts.headers,
                body: req.body,
            };
            shared.creds.verify_tc3(auth, &signed, now).map(|_| ())
        }
        Scheme::Legacy(params) => {
            let signed = LegacyRequest {
                method: parts.method.as_str(),
                host: &req.head.host,
                path: parts.uri.path(),
                params,
            };
            shared.creds.verify_legacy(&signed, now).map(|_| ())
        }
        Scheme::Skip => Ok(()),
    }
}

/// Tencent Cloud's public regions (the `Region` values of the API 3.0 documentation's region list).
const KNOWN_REGIONS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-beijing-fsi",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-jakarta",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-taipei",
    "ap-tokyo",
    "eu-frankfurt",
    "eu-moscow",
    "na-ashburn",
    "na-siliconvalley",
    "na-toronto",
    "sa-saopaulo",
];

/// As the service answers a misspelt region (`ap-guangzhuo`); a request without one (the SDK never sends
/// such, other clients may) is served.
fn check_region(region: &str) -> Result<(), ApiError> {
    if region.is_empty() || KNOWN_REGIONS.contains(&region) {
        return Ok(());
    }
    let shown: String = region.chars().take(64).collect();
    Err(ApiError::new(
        "UnsupportedRegion",
        format!("The region `{shown}` is not supported."),
    ))
}

/// Action and version are present.
fn check_names(head: &RequestHead, scheme: &Scheme) -> Result<(), ApiError> {
    let (action_from, version_from) = match scheme {
        Scheme::Legacy(_) => ("`Action`", "`Version`"),
        _ => ("`Action` (X-TC-Action)", "`Version` (X-TC-Version)"),
    };
    for (value, from) in [(&head.action, action_from), (&head.version, version_from)] {
        if value.is_empty() {
            return Err(ApiError::new(
                "MissingParameter",
                format!("The request is missing a required parameter {from}."),
            ));
        }
    }
    Ok(())
}

/// A legacy request to a bare host (`127.0.0.1:PORT`) names no product: the one serving the action.
fn product_serving(shared: &Shared, head: &RequestHead) -> Result<String, ApiError> {
    let (action, version) = (&head.action, &head.version);
    match shared.catalog.products_serving(version, action).as_slice() {
        [p] => Ok((*p).to_owned()),
        [] => Err(ApiError::new(
            "InvalidAction",
            format!("The action `{action}` of version `{version}` is not found in any product."),
        )),
        several => Err(ApiError::new(
            "InvalidAction",
            format!(
                "The action `{action}` of version `{version}` exists in several products ({}): \
                 send Host `<product>.tencentcloudapi.com` to name one.",
                several.join(", ")
            ),
        )),
    }
}

/// Product → version → action, in the catalog.
fn route<'c>(
    shared: &'c Shared,
    product: &str,
    head: &RequestHead,
) -> Result<(&'c VersionEntry, &'c ActionEntry), ApiError> {
    let (action_name, version_name) = (&head.action, &head.version);
    let Some(version) = shared.catalog.version(product, version_name) else {
        return Err(ApiError::new(
            "InvalidAction",
            format!("The requested version `{version_name}` of product `{product}` is not supported."),
        ));
    };
    let Some(action) = version.actions.get(action_name.as_str()) else {
        return Err(ApiError::new(
            "InvalidAction",
            format!("The action `{action_name}` is not found in `{product}` version `{version_name}`."),
        ));
    };
    Ok((version, action))
}

/// The action's input as JSON, from whichever form it came in: legacy parameters, multipart parts,
/// octet-stream headers, a GET query, or a JSON body (empty means `{}`).
fn decode_input(
    req: &ApiRequest<'_>,
    scheme: &Scheme,
    version: &VersionEntry,
    action: &ActionEntry,
) -> Result<Value, ApiError> {
    let headers = &req.parts.headers;
    if let Scheme::Legacy(params) = scheme {
        return version.query_to_json(action, &legacy_action_params(params, version, action));
    }
    match crate::body::upload(headers, req.body)? {
        Some(crate::body::Upload::Multipart(map)) => return Ok(Value::Object(map)),
        Some(crate::body::Upload::OctetStream { .. }) => {
            let pairs = crate::body::octet_stream_pairs(headers, version.input_members(action));
            return version.query_to_json(action, &pairs);
        }
        None => {}
    }
    if req.parts.method == Method::GET {
        return version.query_to_json(action, &parse_query(req.parts.uri.query().unwrap_or_default()));
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(req.body).map_err(|e| {
        ApiError::new(
            "FailedOperation.JsonParseFail",
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

/// The action's own parameters of a legacy request: all but the common ones. `Region` and `Language` are
/// common parameters unless the action's input declares a member of that name, which then gets the value
/// too (the flattened form cannot tell the two apart).
fn legacy_action_params(params: &LegacyParams, version: &VersionEntry, action: &ActionEntry) -> Vec<(String, String)> {
    params
        .pairs
        .iter()
        .filter(|(k, _)| {
            !LEGACY_COMMON_PARAMS.contains(&k.as_str())
                || (matches!(k.as_str(), "Region" | "Language") && version.input_has_member(action, k))
        })
        .cloned()
        .collect()
}

/// A stateful product's answer when one is registered for the action, else the spec's example.
fn answer(
    shared: &Shared,
    version: &VersionEntry,
    action: &ActionEntry,
    input: &Value,
    now: i64,
    request_id: &str,
) -> Result<Vec<u8>, ApiError> {
    if let Some(stateful) = shared.products.get(&version.product, &version.version) {
        if let Some(r) = stateful.handle(&action.name, input, now) {
            return r.map(|fields| success_body(fields, request_id));
        }
    }
    Ok(match &action.example {
        Some(t) => t.render(request_id),
        None => success_body(Default::default(), request_id),
    })
}
