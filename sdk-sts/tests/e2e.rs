//! End to end: generated STS client → sdk-core → the emulator (which serves every product under `api-specs/`
//! from its examples and verifies TC3 with its own code). Checks a signed action's typed response and that
//! `skip_sign` actions (AssumeRoleWithWebIdentity) go out unsigned (`Authorization: SKIP`) and are accepted.

use sdk_sts::v20180813::{
    AssumeRoleRequest, AssumeRoleRequired, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityRequired, Client,
    ErrorCode, GetCallerIdentityRequest, SERVICE,
};
use sdk_sts::{ClientProfile, Credential, HttpProfile};
use tc_emulator::{Emulator, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};

fn client_for(emulator: &Emulator, credential: Credential) -> Client {
    let profile = ClientProfile::new().http_profile(HttpProfile::new().endpoint(emulator.base_url()));
    Client::with_profile(credential, "ap-guangzhou", profile)
}

fn web_identity_request() -> AssumeRoleWithWebIdentityRequest {
    AssumeRoleWithWebIdentityRequest::new(AssumeRoleWithWebIdentityRequired {
        provider_id: "OIDC".into(),
        web_identity_token: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into(),
        role_arn: "qcs::cam::uin/798****:roleName/test-role".into(),
        role_session_name: "session-1".into(),
    })
    .duration_seconds(3600)
}

#[test]
fn service_is_the_signing_name() {
    assert_eq!((SERVICE.product, SERVICE.version), ("sts", "2018-08-13"));
}

#[tokio::test]
async fn signed_actions_return_typed_responses() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(
        &emulator,
        Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap(),
    );

    let me = client
        .get_caller_identity(&GetCallerIdentityRequest::new())
        .await
        .unwrap();
    assert!(me.arn.as_deref().is_some_and(|a| a.starts_with("qcs::")), "{me:?}");
    assert!(me.account_id.as_deref().is_some_and(|a| !a.is_empty()), "{me:?}");
    assert!(!me.request_id.is_empty());

    let role = client
        .assume_role(
            &AssumeRoleRequest::new(AssumeRoleRequired {
                role_arn: "qcs::cam::uin/12345678:roleName/testRoleName".into(),
                role_session_name: "session-1".into(),
            })
            .duration_seconds(7200),
        )
        .await
        .unwrap();
    assert!(!role.credentials.token.is_empty(), "{role:?}");
    assert!(!role.credentials.tmp_secret_id.is_empty());
    assert!(role.expired_time > 0, "{role:?}");

    let last = emulator.requests().pop().unwrap();
    assert_eq!((last.product.as_str(), last.action.as_str()), ("sts", "AssumeRole"));
    assert_eq!(last.version, "2018-08-13");
    assert_eq!(last.code, "Ok");
}

#[tokio::test]
async fn skip_sign_action_is_sent_unsigned_and_accepted() {
    // The emulator knows no credential at all: anything signed is refused, `Authorization: SKIP` is accepted
    // only for actions whose spec has `skip_sign`.
    let emulator = Emulator::builder().without_default_credential().start().await.unwrap();
    // Unsigned requests name their product only by Host, so address `sts.tencentcloudapi.com` as usual and
    // reach the emulator as an HTTP proxy.
    let profile = ClientProfile::new().http_profile(
        HttpProfile::new()
            .endpoint("http://sts.tencentcloudapi.com")
            .proxy(emulator.base_url()),
    );
    let credential = Credential::new("AKIDunknown0000000000000000000000", "nope").unwrap();
    let client = Client::with_profile(credential, "ap-guangzhou", profile);

    let response = client
        .assume_role_with_web_identity(&web_identity_request())
        .await
        .unwrap();
    assert!(!response.credentials.token.is_empty(), "{response:?}");
    assert!(!response.expiration.is_empty());
    let last = emulator.requests().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.code.as_str()),
        ("AssumeRoleWithWebIdentity", "Ok")
    );
    assert_eq!(last.header("host"), Some("sts.tencentcloudapi.com"));

    // The same client's signed call is refused: the success above did not depend on a signature.
    let err = client
        .get_caller_identity(&GetCallerIdentityRequest::new())
        .await
        .unwrap_err();
    assert!(err.is_service(), "{err:?}");
    let code = ErrorCode::of(&err).unwrap();
    assert!(code.as_str().starts_with("AuthFailure"), "{code}");
}

/// Issue 14 item 2: generated types holding secrets printed them in `Debug` (TmpSecretKey, Token, the OIDC
/// token). The generator's redaction policy now hides them; the values come from a real call to the emulator.
#[tokio::test]
async fn secrets_in_generated_types_never_print() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(
        &emulator,
        Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY).unwrap(),
    );
    let role = client
        .assume_role(&AssumeRoleRequest::new(AssumeRoleRequired {
            role_arn: "qcs::cam::uin/12345678:roleName/testRoleName".into(),
            role_session_name: "s".into(),
        }))
        .await
        .unwrap();
    let key = role.credentials.tmp_secret_key.clone();
    let token = role.credentials.token.clone();
    assert!(
        key.len() > 4 && token.len() > 4,
        "the example answer has credentials: {}",
        role.request_id
    );
    let shown = format!("{role:?} {role:#?} {:?}", role.credentials);
    assert!(!shown.contains(&key) && !shown.contains(&token), "{shown}");
    assert!(
        shown.contains(&role.credentials.tmp_secret_id),
        "non-secret members still print: {shown}"
    );

    let request = web_identity_request();
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("eyJhbGciOiJSUzI1NiJ9") && shown.contains("session-1"),
        "{shown}"
    );
}
