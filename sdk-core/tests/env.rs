//! Environment-variable configuration. One test function, because the environment is process-global
//! and test functions in one binary run in parallel.

use sdk_core::credential::{EnvProvider, ProvideCredential};
use sdk_core::{Client, Credential, ServiceInfo};

static SMS: ServiceInfo = ServiceInfo {
    product: "sms",
    version: "2021-01-11",
};

const ALL: [&str; 5] = [
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_SESSION_TOKEN",
    "TENCENTCLOUD_TOKEN",
    "TENCENTCLOUD_REGION",
];

fn set(vars: &[(&str, &str)]) {
    for v in ALL {
        std::env::remove_var(v);
    }
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
}

#[tokio::test]
async fn credential_and_client_from_env() {
    set(&[]);
    let e = Credential::from_env().unwrap_err();
    assert!(e.is_credential());
    assert!(e.to_string().contains("TENCENTCLOUD_SECRET_ID"), "{e}");
    // The default chain is resolved by the first call: building the client needs no credential.
    // A forgotten TENCENTCLOUD_REGION is an error that says so (it used to become "" silently).
    let e = Client::from_env(&SMS).unwrap_err();
    assert!(
        e.is_invalid_request() && e.to_string().contains("`TENCENTCLOUD_REGION`: is not set"),
        "{e}"
    );
    set(&[("TENCENTCLOUD_REGION", "ap-guangzhou")]);
    assert_eq!(Client::from_env(&SMS).unwrap().region(), "ap-guangzhou");
    set(&[]);

    set(&[("TENCENTCLOUD_SECRET_ID", "AKIDenv")]);
    let e = Credential::from_env().unwrap_err();
    assert!(e.to_string().contains("TENCENTCLOUD_SECRET_KEY"), "{e}");

    set(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "envkey\n"),
    ]);
    let e = Credential::from_env().unwrap_err();
    assert!(e.is_credential());
    assert!(
        e.to_string().contains("SecretKey") && e.to_string().contains("whitespace"),
        "{e}"
    );
    assert!(!e.to_string().contains("envkey"), "{e}");

    set(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "envkey"),
    ]);
    let c = Credential::from_env().unwrap();
    assert_eq!((c.secret_id(), c.secret_key(), c.token()), ("AKIDenv", "envkey", None));

    set(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "envkey"),
        ("TENCENTCLOUD_TOKEN", "old-token"),
    ]);
    assert_eq!(Credential::from_env().unwrap().token(), Some("old-token"));

    set(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", "envkey"),
        ("TENCENTCLOUD_TOKEN", "old-token"),
        ("TENCENTCLOUD_SESSION_TOKEN", "session-token"),
        ("TENCENTCLOUD_REGION", "ap-singapore"),
    ]);
    assert_eq!(Credential::from_env().unwrap().token(), Some("session-token"));
    let client = Client::from_env(&SMS).unwrap();
    assert_eq!(client.region(), "ap-singapore");
    assert_eq!(client.product(), "sms");

    // EnvProvider reads the variables at each request, so rotation is picked up.
    let provider = EnvProvider;
    assert_eq!(provider.provide_credential().await.unwrap().secret_key(), "envkey");
    std::env::set_var("TENCENTCLOUD_SECRET_KEY", "rotated");
    assert_eq!(provider.provide_credential().await.unwrap().secret_key(), "rotated");

    set(&[]);
}
