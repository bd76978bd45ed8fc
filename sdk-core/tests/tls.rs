//! HTTPS with a private certificate authority, as behind a TLS-inspecting corporate proxy: a CA and a
//! certificate for `localhost`/`127.0.0.1` are made per run (rcgen), a TLS front on loopback (tokio-rustls,
//! ring provider) presents that certificate and pipes the decrypted bytes to the emulator in echo mode, which
//! verifies the signature as usual. Without `HttpProfile::certification` the handshake must fail as a
//! certificate problem before anything reaches the emulator; with it the call must succeed.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use common::{Mode, SEND_SMS};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use sdk_core::{Client, Error, HttpProfile};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{crypto::ring, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A private CA (PEM, for the client) and a server configuration whose certificate it signed.
struct PrivatePki {
    ca_pem: String,
    server: Arc<ServerConfig>,
}

fn private_pki() -> PrivatePki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "sdk-core test corporate CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(server.der().to_vec())], key)
        .unwrap();
    PrivatePki {
        ca_pem,
        server: Arc::new(config),
    }
}

/// Accepts TLS on an ephemeral loopback port and pipes each connection to `backend`. Returns the front's
/// address; its task ends with the test's runtime.
async fn tls_front(server: Arc<ServerConfig>, backend: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(server);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is the expected outcome of some tests: the connection just ends.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    front
}

/// The emulator behind a TLS front with a certificate of a fresh private CA.
async fn start() -> (common::Verifier, SocketAddr, PrivatePki) {
    let verifier = common::start().await;
    let pki = private_pki();
    let front = tls_front(pki.server.clone(), verifier.emulator.addr()).await;
    (verifier, front, pki)
}

async fn send(client: &Client) -> Result<Value, Error> {
    client.call(&SEND_SMS, &json!({"SmsSdkAppId": "1400000000"})).await
}

/// A file under cargo's per-target scratch directory, unique to this test.
fn scratch_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sdk-core-tls");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn assert_tc3_verified(verifier: &common::Verifier) {
    let seen = verifier.last();
    assert!(matches!(seen.verdict, Ok(Mode::Tc3 { .. })), "{:?}", seen.verdict);
}

#[tokio::test]
async fn built_in_roots_refuse_a_private_ca_as_a_certificate_problem() {
    let (verifier, front, _pki) = start().await;
    let e = send(&common::one_attempt_client(
        HttpProfile::new().endpoint(format!("https://{front}")),
    ))
    .await
    .unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    assert!(!e.may_have_reached_service(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("invalid peer certificate") && text.contains("UnknownIssuer"),
        "{text}"
    );
    assert_eq!(verifier.count(), 0, "nothing may pass a refused handshake");
}

#[tokio::test]
async fn certification_file_trusts_the_private_ca() {
    let (verifier, front, pki) = start().await;
    let ca_file = scratch_file("ca.pem", pki.ca_pem.as_bytes());
    let http = HttpProfile::new()
        .endpoint(format!("https://{front}"))
        .certification(&ca_file);
    let r = send(&common::one_attempt_client(http)).await.unwrap();
    assert_eq!(r["Mode"], "TC3-HMAC-SHA256");
    assert_eq!(r["Params"]["SmsSdkAppId"], "1400000000");
    assert_tc3_verified(&verifier);
    std::fs::remove_file(ca_file).unwrap();
}

#[tokio::test]
async fn certification_pem_by_host_name_among_other_blocks() {
    let (verifier, front, pki) = start().await;
    // A bundle: an unrelated CA first, then a key block (skipped), then the one that signed the server.
    let other = private_pki().ca_pem;
    let key = KeyPair::generate().unwrap().serialize_pem();
    let bundle = format!("{other}{key}{}", pki.ca_pem);
    let http = HttpProfile::new()
        .endpoint(format!("https://localhost:{}", front.port()))
        .certification_pem(bundle);
    let r = send(&common::one_attempt_client(http)).await.unwrap();
    assert_eq!(r["Mode"], "TC3-HMAC-SHA256");
    assert_tc3_verified(&verifier);
}

#[tokio::test]
async fn a_different_private_ca_is_still_refused() {
    let (verifier, front, _pki) = start().await;
    let http = HttpProfile::new()
        .endpoint(format!("https://{front}"))
        .certification_pem(private_pki().ca_pem);
    let e = send(&common::one_attempt_client(http)).await.unwrap_err();
    // Same subject name as the server's issuer, so rustls finds it and rejects the signature.
    assert!(
        e.is_connect() && e.to_string().contains("invalid peer certificate"),
        "{e}"
    );
    assert_eq!(verifier.count(), 0);
}

#[tokio::test]
async fn unreadable_or_invalid_certification_fails_every_call_naming_the_field() {
    let (verifier, front, pki) = start().await;
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-dir/ca.pem");
    let not_pem = scratch_file("not-pem.txt", b"this is not a certificate\n");
    let too_large = scratch_file(
        "huge.pem",
        &vec![b'A'; sdk_core::transport::MAX_CERTIFICATION_FILE_SIZE as usize + 1],
    );
    let der_inside = pki
        .ca_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let cases: Vec<(HttpProfile, &str)> = vec![
        (HttpProfile::new().certification(&missing), "cannot read"),
        (HttpProfile::new().certification(&not_pem), "no PEM certificate"),
        (HttpProfile::new().certification(&too_large), "larger than"),
        (HttpProfile::new().certification_pem(der_inside), "no PEM certificate"),
        (
            HttpProfile::new().certification_pem("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            "certificate 1 is not a valid X.509 certificate",
        ),
        (
            HttpProfile::new().certification_pem(format!("{}-----BEGIN CERTIFICATE-----\nMIIB\n", pki.ca_pem)),
            "after 1 good certificate(s)",
        ),
    ];
    for (http, want) in cases {
        let c = common::one_attempt_client(http.endpoint(format!("https://{front}")));
        for _ in 0..2 {
            let e = send(&c).await.unwrap_err();
            assert!(e.is_invalid_request(), "{e:?}");
            assert_eq!(e.parameter(), Some("HttpProfile.certification"), "{e}");
            assert!(e.to_string().contains(want), "want {want:?} in {e}");
        }
    }
    let e = send(&common::one_attempt_client(HttpProfile::new().certification(&missing)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no-such-dir"), "the path is named: {e}");
    assert_eq!(verifier.count(), 0, "a setup error sends nothing");
    std::fs::remove_file(not_pem).unwrap();
    std::fs::remove_file(too_large).unwrap();
}

#[tokio::test]
async fn a_handshake_that_never_ends_is_a_connect_timeout() {
    // Accepts TCP and then says nothing: the TLS handshake never completes.
    let address = common::silent_server().await;
    let http = HttpProfile::new()
        .endpoint(format!("https://{address}"))
        .connect_timeout(std::time::Duration::from_millis(200))
        .req_timeout(std::time::Duration::from_secs(30));
    let e = send(&common::one_attempt_client(http)).await.unwrap_err();
    // Nothing was sent: a connect timeout (retried for every action), not a request timeout.
    assert!(e.is_connect() && e.is_timeout(), "{e:?}");
    assert!(!e.may_have_reached_service(), "{e:?}");
}
