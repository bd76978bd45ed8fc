//! A member the API says may be null decodes a `null` as `None`, never as a value that looks real (`""`);
//! other members keep the lenient decoding (missing or null → default).

use sdk_sts::v20180813::GetFederationTokenResponse;

#[test]
fn null_is_none_where_the_api_allows_it() {
    let base = r#""Credentials": {"Token": "t", "TmpSecretId": "id", "TmpSecretKey": "k"}, "ExpiredTime": 1, "RequestId": "r""#;
    let null: GetFederationTokenResponse = serde_json::from_str(&format!(r#"{{{base}, "Expiration": null}}"#)).unwrap();
    assert_eq!(null.expiration, None);
    let set: GetFederationTokenResponse =
        serde_json::from_str(&format!(r#"{{{base}, "Expiration": "2030-01-01T00:00:00Z"}}"#)).unwrap();
    assert_eq!(set.expiration.as_deref(), Some("2030-01-01T00:00:00Z"));
    let missing: GetFederationTokenResponse = serde_json::from_str(&format!("{{{base}}}")).unwrap();
    assert_eq!(missing.expiration, None);
    // A member without `value_allowed_null` keeps its lenient default.
    let lenient: GetFederationTokenResponse =
        serde_json::from_str(r#"{"Credentials": null, "ExpiredTime": null, "RequestId": "r"}"#).unwrap();
    assert_eq!(lenient.expired_time, 0);
}
