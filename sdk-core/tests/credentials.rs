//! Credential providers over real HTTP on loopback: fake CVM metadata and STS servers started here, profile
//! files in temporary directories, the default chain, the refresh cache under concurrency, and a check that
//! no secret reaches Debug, Display, errors or tracing output.
//!
//! Every secret used in this file contains `must-not-leak`, so one substring check covers them all.
//! Tests that read or write environment variables hold `ENV` (the environment is process-global).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sdk_core::credential::{
    CvmRoleProvider, DefaultCredentialProvider, EnvProvider, OidcRoleArnProvider, ProfileFileProvider,
    StsAssumeRoleProvider, TccliProvider,
};
use sdk_core::{Credential, Error, HttpProfile, ProvideCredential};
use serde_json::{json, Value};
use tokio::net::TcpListener;

const MARK: &str = "must-not-leak";
const SOURCE_ID: &str = "AKIDsource000001";
const SOURCE_KEY: &str = "SOURCE-KEY-must-not-leak";
const SOURCE_TOKEN: &str = "SOURCE-TOKEN-must-not-leak";
const TMP_KEY: &str = "TMP-KEY-must-not-leak";
const TMP_TOKEN: &str = "TMP-TOKEN-must-not-leak";
const FILE_KEY: &str = "FILE-KEY-must-not-leak";
const FILE_TOKEN: &str = "FILE-TOKEN-must-not-leak";
const TCCLI_KEY: &str = "TCCLI-KEY-must-not-leak";
const ENV_KEY: &str = "ENV-KEY-must-not-leak";
const OIDC_TOKEN: &str = "OIDC-JWT-must-not-leak";
const EXTERNAL_ID: &str = "EXTERNAL-ID-must-not-leak";
const ROLE_ARN: &str = "qcs::cam::uin/100000000001:roleName/test-role";

static ENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ENV_VARS: [&str; 12] = [
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_SESSION_TOKEN",
    "TENCENTCLOUD_TOKEN",
    "TENCENTCLOUD_CREDENTIALS_FILE",
    "TENCENTCLOUD_PROFILE",
    "TCCLI_PROFILE",
    "TKE_REGION",
    "TKE_PROVIDER_ID",
    "TKE_WEB_IDENTITY_TOKEN_FILE",
    "TKE_ROLE_ARN",
    "TENCENTCLOUD_REGION",
];

fn set_env(vars: &[(&str, &str)]) {
    for v in ENV_VARS {
        std::env::remove_var(v);
    }
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------------------------------------------------------------------------------------------------------
// Capturing tracing output at TRACE, with a subscriber written here (no tracing-subscriber dependency).

mod capture {
    use super::*;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    pub struct Capture {
        buf: Arc<Mutex<String>>,
        next: AtomicU64,
    }

    struct Fields<'a>(&'a mut String);
    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut buf = self.buf.lock().unwrap();
            let _ = write!(buf, "span {}:", span.metadata().name());
            span.record(&mut Fields(&mut buf));
            buf.push('\n');
            Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            let mut buf = self.buf.lock().unwrap();
            values.record(&mut Fields(&mut buf));
            buf.push('\n');
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut buf = self.buf.lock().unwrap();
            let _ = write!(buf, "{} {}:", event.metadata().level(), event.metadata().target());
            event.record(&mut Fields(&mut buf));
            buf.push('\n');
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// The process-wide log buffer (installed on first use; every test calls this first).
    pub fn logs() -> Arc<Mutex<String>> {
        static BUF: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
        BUF.get_or_init(|| {
            let buf = Arc::new(Mutex::new(String::new()));
            tracing::subscriber::set_global_default(Capture {
                buf: buf.clone(),
                next: AtomicU64::new(0),
            })
            .expect("no other global subscriber");
            buf
        })
        .clone()
    }
}
use capture::logs;

// ---------------------------------------------------------------------------------------------------------
// Fake servers.

#[derive(Debug, Clone)]
struct Rec {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Rec {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct Fake {
    url: String,
    log: Arc<Mutex<Vec<Rec>>>,
}

impl Fake {
    fn count(&self, pred: impl Fn(&Rec) -> bool) -> usize {
        self.log.lock().unwrap().iter().filter(|r| pred(r)).count()
    }
    fn hits(&self) -> usize {
        self.log.lock().unwrap().len()
    }
    fn last(&self) -> Rec {
        self.log.lock().unwrap().last().cloned().unwrap()
    }
}

type Handler = dyn Fn(&Rec, usize) -> (u16, String) + Send + Sync;

/// Serves every request with `handler(request, index of the request)`, after `delay` (so that concurrent
/// callers pile up while a refresh is in flight). Requests are logged when they arrive.
async fn fake(delay: Duration, handler: impl Fn(&Rec, usize) -> (u16, String) + Send + Sync + 'static) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<Rec>>> = Arc::default();
    let handler: Arc<Handler> = Arc::new(handler);
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (handler, log) = (handler.clone(), log2.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req: Request<Incoming>| {
                    let (handler, log) = (handler.clone(), log.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let rec = Rec {
                            method: parts.method.to_string(),
                            path: parts.uri.path().to_owned(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                                .collect(),
                            body: body.collect().await.unwrap().to_bytes().to_vec(),
                        };
                        let index = {
                            let mut log = log.lock().unwrap();
                            log.push(rec.clone());
                            log.len() - 1
                        };
                        tokio::time::sleep(delay).await;
                        let (status, body) = handler(&rec, index);
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(status)
                                .header("Content-Type", "application/json")
                                .body(Full::new(Bytes::from(body)))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Fake {
        url: format!("http://{addr}"),
        log,
    }
}

const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

fn meta_credential(expired_time: i64) -> String {
    json!({
        "TmpSecretId": "AKIDcvmtmp000001",
        "TmpSecretKey": TMP_KEY,
        "Token": TMP_TOKEN,
        "ExpiredTime": expired_time,
        "Expiration": "2030-01-01T00:00:00Z",
        "Code": "Success",
    })
    .to_string()
}

/// A metadata service with role `test-role` whose n-th credential request is answered by `credential(n)`.
async fn metadata(delay: Duration, credential: impl Fn(usize) -> (u16, String) + Send + Sync + 'static) -> Fake {
    let n = AtomicUsize::new(0);
    fake(delay, move |rec, _| {
        assert_eq!(rec.method, "GET");
        if rec.path == ROLE_PATH {
            (200, "test-role".into())
        } else if rec.path == format!("{ROLE_PATH}test-role") {
            credential(n.fetch_add(1, Ordering::SeqCst))
        } else {
            (404, "not found".into())
        }
    })
    .await
}

fn is_cred_request(r: &Rec) -> bool {
    r.path.ends_with("/test-role")
}

fn sts_ok(id: &str, expired_time: i64) -> String {
    json!({"Response": {
        "Credentials": {"TmpSecretId": id, "TmpSecretKey": TMP_KEY, "Token": TMP_TOKEN},
        "ExpiredTime": expired_time,
        "Expiration": "2030-01-01T00:00:00Z",
        "RequestId": "req-sts",
    }})
    .to_string()
}

fn sts_error(code: &str, message: &str) -> String {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "req-err"}}).to_string()
}

/// A fake STS: AssumeRole must carry a TC3 `Authorization` for the source SecretId and the source token;
/// AssumeRoleWithWebIdentity must be `Authorization: SKIP`. The n-th such request is answered by
/// `answer(n, request)`. It does not verify signatures: the emulator does that
/// (`sts_signatures_are_verified_by_the_emulator`), the repository's one verifier.
async fn sts(delay: Duration, answer: impl Fn(usize, &Rec) -> (u16, String) + Send + Sync + 'static) -> Fake {
    let n = AtomicUsize::new(0);
    fake(delay, move |rec, _| {
        let action = rec.header("x-tc-action").unwrap_or("");
        let checked = match action {
            "AssumeRole" => {
                let scope = format!("TC3-HMAC-SHA256 Credential={SOURCE_ID}/");
                match (rec.header("authorization"), rec.header("x-tc-token")) {
                    (Some(auth), Some(SOURCE_TOKEN)) if auth.starts_with(&scope) => Ok(()),
                    (auth, token) => Err(format!("Authorization {auth:?}, X-TC-Token {token:?}")),
                }
            }
            "AssumeRoleWithWebIdentity" => match rec.header("authorization") {
                Some("SKIP") if rec.header("x-tc-token").is_none() => Ok(()),
                other => Err(format!("Authorization {other:?}")),
            },
            other => Err(format!("action {other}")),
        };
        if let Err(why) = checked {
            return (200, sts_error("AuthFailure.SignatureFailure", &why));
        }
        assert_eq!(rec.header("x-tc-version"), Some("2018-08-13"));
        answer(n.fetch_add(1, Ordering::SeqCst), rec)
    })
    .await
}

/// The provider's AssumeRole against the emulator's verifier: a correct source credential (with its token)
/// gets the temporary keys; a wrong key is refused, and the error is a credential error with the code and
/// the role.
#[tokio::test]
async fn sts_signatures_are_verified_by_the_emulator() {
    let emu = tc_emulator::Emulator::builder()
        .temporary_credential(SOURCE_ID, SOURCE_KEY, SOURCE_TOKEN)
        .start()
        .await
        .unwrap();
    let http = || HttpProfile::new().endpoint(format!("{}/", emu.base_url()));
    let c = StsAssumeRoleProvider::new(source(), ROLE_ARN, "rust-test")
        .region("ap-guangzhou")
        .http_profile(http())
        .provide_credential()
        .await
        .unwrap();
    assert!(!c.secret_id().is_empty() && c.token().is_some());
    let wrong = Credential::new(SOURCE_ID, "WRONG-KEY-must-not-leak")
        .unwrap()
        .with_token(SOURCE_TOKEN);
    let e = StsAssumeRoleProvider::new(wrong, ROLE_ARN, "rust-test")
        .region("ap-guangzhou")
        .http_profile(http())
        .provide_credential()
        .await
        .unwrap_err();
    assert!(
        e.is_credential() && e.to_string().contains("AuthFailure.SignatureFailure"),
        "{e}"
    );
    assert!(
        e.to_string().contains(ROLE_ARN) && !e.to_string().contains("WRONG-KEY"),
        "{e}"
    );
    let requests = emu.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].code.as_str(), requests[0].action.as_str()),
        ("Ok", "AssumeRole")
    );
}

fn source() -> Credential {
    Credential::new(SOURCE_ID, SOURCE_KEY).unwrap().with_token(SOURCE_TOKEN)
}

// ---------------------------------------------------------------------------------------------------------
// Temporary directories.

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sdk-core-credentials-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PROFILE_FILE: &str = ".tencentcloud/credentials";

fn profile_text() -> String {
    format!(
        "# the SDKs' profile file\n[default]\nsecret_id = AKIDfiledefault1\nsecret_key = {FILE_KEY}\n\n\
         [prod]\nsecret_id=AKIDfileprod0001\nsecret_key={FILE_KEY}\ntoken = {FILE_TOKEN}\n"
    )
}

fn tccli_text(id: &str) -> String {
    json!({"secretId": id, "secretKey": TCCLI_KEY, "region": "ap-guangzhou"}).to_string()
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------------------
// Profile files.

#[tokio::test]
async fn profile_file_profiles_paths_and_errors() {
    logs();
    let _env = ENV.lock().await;
    set_env(&[]);
    let home = TempDir::new("profile");
    let file = home.write(PROFILE_FILE, &profile_text());
    let base = || ProfileFileProvider::new().home_dir(home.path()).system_path(None);

    let c = base().provide_credential().await.unwrap();
    assert_eq!(
        (c.secret_id(), c.secret_key(), c.token()),
        ("AKIDfiledefault1", FILE_KEY, None)
    );
    let c = base().profile("prod").provide_credential().await.unwrap();
    assert_eq!((c.secret_id(), c.token()), ("AKIDfileprod0001", Some(FILE_TOKEN)));
    set_env(&[("TENCENTCLOUD_PROFILE", "prod")]);
    assert_eq!(
        base().provide_credential().await.unwrap().secret_id(),
        "AKIDfileprod0001"
    );

    // $TENCENTCLOUD_CREDENTIALS_FILE wins over ~/.tencentcloud, and must exist.
    let other = home.write(
        "elsewhere.ini",
        &format!("[default]\nsecret_id=AKIDelsewhere001\nsecret_key={FILE_KEY}\n"),
    );
    set_env(&[("TENCENTCLOUD_CREDENTIALS_FILE", other.to_str().unwrap())]);
    assert_eq!(
        base().provide_credential().await.unwrap().secret_id(),
        "AKIDelsewhere001"
    );
    let missing = home.path().join("missing.ini");
    set_env(&[("TENCENTCLOUD_CREDENTIALS_FILE", missing.to_str().unwrap())]);
    let e = base().provide_credential().await.unwrap_err();
    assert!(e.is_credential() && e.to_string().contains("missing.ini"), "{e}");
    set_env(&[]);

    // The system-wide file is used when there is no file under $HOME.
    let etc = TempDir::new("etc");
    let system = etc.write(
        "credentials",
        &format!("[default]\nsecret_id=AKIDsystem000001\nsecret_key={FILE_KEY}\n"),
    );
    let empty_home = TempDir::new("empty-home");
    let p = ProfileFileProvider::new()
        .home_dir(empty_home.path())
        .system_path(Some(system.clone()));
    assert_eq!(p.provide_credential().await.unwrap().secret_id(), "AKIDsystem000001");
    let e = ProfileFileProvider::new()
        .home_dir(empty_home.path())
        .system_path(Some(etc.path().join("nope")))
        .provide_credential()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("no file at") && e.to_string().contains("nope"),
        "{e}"
    );

    // Errors name the file and the line or key, never the value.
    let cases: [(&str, &[&str]); 5] = [
        (
            "[default]\nsecret_id = AKIDx\nsecret_key: {KEY}\n",
            &["line 3", "key = value"],
        ),
        ("secret_key = {KEY}\n", &["line 1", "before any `[section]`"]),
        ("[default]\nsecret_id = AKIDx\n", &["[default]", "`secret_key`"]),
        (
            "[other]\nsecret_id = AKIDx\nsecret_key = {KEY}\n",
            &["no [default] profile", "profiles: other"],
        ),
        (
            "[default]\nsecret_id =\nsecret_key = {KEY}\n",
            &["[default]", "`secret_id`"],
        ),
    ];
    for (text, wants) in cases {
        let text = text.replace("{KEY}", FILE_KEY);
        std::fs::write(&file, &text).unwrap();
        let e = base().provide_credential().await.unwrap_err();
        let s = e.to_string();
        assert!(e.is_credential(), "{s}");
        assert!(s.contains(file.to_str().unwrap()), "{s}");
        for want in wants {
            assert!(s.contains(want), "{s} lacks {want}");
        }
        assert!(!s.contains(MARK) && !format!("{e:?}").contains(MARK), "{s}");
    }
    // Unreadable: a directory where the file should be.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir_all(&file).unwrap();
    let e = base().provide_credential().await.unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");
}

#[tokio::test]
async fn tccli_files() {
    logs();
    let _env = ENV.lock().await;
    set_env(&[]);
    let home = TempDir::new("tccli");
    home.write(".tccli/default.credential", &tccli_text("AKIDtcclidefault"));
    home.write(
        ".tccli/work.credential",
        &json!({"secretId": "AKIDtccliwork001", "secretKey": TCCLI_KEY, "token": TMP_TOKEN}).to_string(),
    );
    let p = TccliProvider::new().home_dir(home.path());
    let c = p.provide_credential().await.unwrap();
    assert_eq!(
        (c.secret_id(), c.secret_key(), c.token()),
        ("AKIDtcclidefault", TCCLI_KEY, None)
    );
    set_env(&[("TCCLI_PROFILE", "work")]);
    assert_eq!(p.provide_credential().await.unwrap().token(), Some(TMP_TOKEN));
    set_env(&[]);
    let c = TccliProvider::new().home_dir(home.path()).profile("work");
    assert_eq!(c.provide_credential().await.unwrap().secret_id(), "AKIDtccliwork001");

    for (text, want) in [
        (
            format!("{{\"secretId\": \"AKIDx\", \"secretKey\": \"{TCCLI_KEY}\""),
            "not valid JSON (line 1",
        ),
        (json!({"secretId": "AKIDx"}).to_string(), "no `secretKey`"),
        (
            json!({"secretId": "AKIDx", "secretKey": 5}).to_string(),
            "`secretKey` is not a string",
        ),
    ] {
        let path = home.write(".tccli/bad.credential", &text);
        let e = TccliProvider::new()
            .home_dir(home.path())
            .profile("bad")
            .provide_credential()
            .await
            .unwrap_err();
        let s = e.to_string();
        assert!(s.contains(path.to_str().unwrap()) && s.contains(want), "{s}");
        assert!(!s.contains(MARK), "{s}");
    }
    let e = TccliProvider::new()
        .home_dir(home.path())
        .profile("absent")
        .provide_credential()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("absent.credential"), "{e}");
}

// ---------------------------------------------------------------------------------------------------------
// CVM role.

#[tokio::test]
async fn cvm_role_discovery_credentials_and_errors() {
    logs();
    let meta = metadata(Duration::ZERO, |_| (200, meta_credential(now() + 3600))).await;
    let p = CvmRoleProvider::new().endpoint(&meta.url);
    let c = p.provide_credential().await.unwrap();
    assert_eq!(
        (c.secret_id(), c.secret_key(), c.token()),
        ("AKIDcvmtmp000001", TMP_KEY, Some(TMP_TOKEN))
    );
    // Cached: no second request; the role name was asked once.
    p.provide_credential().await.unwrap();
    assert_eq!(meta.hits(), 2);
    assert_eq!(meta.count(|r| r.path == ROLE_PATH), 1);

    // A given role skips discovery.
    let meta = metadata(Duration::ZERO, |_| (200, meta_credential(now() + 3600))).await;
    CvmRoleProvider::new()
        .endpoint(&meta.url)
        .role("test-role")
        .provide_credential()
        .await
        .unwrap();
    assert_eq!((meta.hits(), meta.count(is_cred_request)), (1, 1));

    // 404 on the role list: no role bound.
    let none = fake(Duration::ZERO, |_, _| (404, "<html>404</html>".into())).await;
    let e = CvmRoleProvider::new()
        .endpoint(&none.url)
        .provide_credential()
        .await
        .unwrap_err();
    assert!(
        e.is_credential() && e.to_string().contains("no CAM role is bound"),
        "{e}"
    );

    for (status, body, want) in [
        (200, json!({"Code": "Failure"}).to_string(), "Code \"Failure\""),
        (
            200,
            format!("{{\"TmpSecretKey\": \"{TMP_KEY}\", \"ExpiredTime\": \"soon\"}}"),
            "not the expected JSON",
        ),
        (
            200,
            json!({"TmpSecretId": "AKIDx", "TmpSecretKey": TMP_KEY, "Code": "Success"}).to_string(),
            "no ExpiredTime",
        ),
        (500, "oops".to_owned(), "HTTP 500"),
    ] {
        let meta = metadata(Duration::ZERO, move |_| (status, body.clone())).await;
        let e = CvmRoleProvider::new()
            .endpoint(&meta.url)
            .provide_credential()
            .await
            .unwrap_err();
        let s = e.to_string();
        assert!(e.is_credential() && s.contains(want), "{s}");
        assert!(!s.contains(MARK) && !format!("{e:?}").contains(MARK), "{s}");
    }
}

#[tokio::test]
async fn metadata_absent_fails_fast() {
    logs();
    let url = closed_port().await;
    let started = Instant::now();
    let e = CvmRoleProvider::new()
        .endpoint(&url)
        .provide_credential()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(e.is_credential() && e.to_string().contains("unreachable"), "{e}");

    // A metadata host that accepts but never answers: the request timeout bounds it.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    let e = CvmRoleProvider::new()
        .endpoint(&url)
        .timeout(Duration::from_millis(300))
        .provide_credential()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(e.to_string().contains("unreachable"), "{e}");
    drop(silent);
}

/// 1,000 concurrent callers on an empty cache, then on a credential inside the refresh margin, then on a
/// fresh one: one request per refresh, none when fresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_cause_one_refresh() {
    logs();
    // First credential expires in 2 minutes (inside the 5-minute margin), the next in an hour.
    let meta = metadata(Duration::from_millis(200), |n| {
        (200, meta_credential(now() + if n == 0 { 120 } else { 3600 }))
    })
    .await;
    // The refresh floor off: this test is about the stale path itself.
    let p = Arc::new(
        CvmRoleProvider::new()
            .endpoint(&meta.url)
            .min_refresh_interval(Duration::ZERO),
    );
    let burst = |p: Arc<CvmRoleProvider>| async move {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..1000 {
            let p = p.clone();
            set.spawn(async move { p.provide_credential().await.map(|c| c.secret_key().to_owned()) });
        }
        let mut n = 0;
        while let Some(r) = set.join_next().await {
            assert_eq!(r.unwrap().unwrap(), TMP_KEY);
            n += 1;
        }
        n
    };
    assert_eq!(burst(p.clone()).await, 1000);
    assert_eq!(
        meta.count(is_cred_request),
        1,
        "empty cache: one fetch for 1,000 callers"
    );
    assert_eq!(meta.count(|r| r.path == ROLE_PATH), 1);

    // Stale: one caller refreshes, the others keep using the cached credential without waiting.
    let started = Instant::now();
    assert_eq!(burst(p.clone()).await, 1000);
    assert_eq!(meta.count(is_cred_request), 2, "stale: one refresh for 1,000 callers");
    assert!(started.elapsed() < Duration::from_secs(5));

    assert_eq!(burst(p.clone()).await, 1000);
    assert_eq!(meta.count(is_cred_request), 2, "fresh: no request");
    assert_eq!(meta.count(|r| r.path == ROLE_PATH), 1, "role name remembered");
}

#[tokio::test]
async fn refresh_margin_failures_and_expiry() {
    let logs = logs();
    // 1st: expires in 100 s; 2nd: 500. With a 60 s margin the first is fresh.
    let meta = metadata(Duration::ZERO, |n| match n {
        0 => (200, meta_credential(now() + 100)),
        _ => (500, "metadata broken".into()),
    })
    .await;
    let p = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .refresh_margin(Duration::from_secs(60));
    p.provide_credential().await.unwrap();
    p.provide_credential().await.unwrap();
    assert_eq!(meta.count(is_cred_request), 1, "fresh with a 60 s margin");

    // Default 5-minute margin: stale, the refresh fails, the cached credential is used with a warning.
    let meta = metadata(Duration::ZERO, |n| match n {
        0 => (200, meta_credential(now() + 100)),
        _ => (500, "metadata broken".into()),
    })
    .await;
    let p = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .min_refresh_interval(Duration::ZERO);
    p.provide_credential().await.unwrap();
    let c = p.provide_credential().await.unwrap();
    assert_eq!(c.secret_key(), TMP_KEY);
    assert_eq!(meta.count(is_cred_request), 2, "refresh attempted");
    {
        let text = logs.lock().unwrap();
        let warn = text
            .lines()
            .find(|l| l.starts_with("WARN") && l.contains("using the cached one") && l.contains("HTTP 500"))
            .unwrap_or_else(|| panic!("no warning in:\n{text}"));
        assert!(warn.contains("CVM role"), "{warn}");
    }
    // Right after a failure the still-valid credential is used without hammering the service.
    p.provide_credential().await.unwrap();
    assert_eq!(meta.count(is_cred_request), 2);

    // Past expiry and failing: an error with the cause.
    let meta = metadata(Duration::ZERO, |n| match n {
        0 => (200, meta_credential(now() - 10)),
        _ => (500, "metadata broken".into()),
    })
    .await;
    // Without the refresh floor (it is tested in `refresh_floor_and_shared_backoff`).
    let p = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .min_refresh_interval(Duration::ZERO);
    // A credential just issued is used once even if the local clock says it expired (clock skew).
    assert_eq!(p.provide_credential().await.unwrap().secret_key(), TMP_KEY);
    let e = p.provide_credential().await.unwrap_err();
    let s = e.to_string();
    assert!(
        e.is_credential() && s.contains("expired at") && s.contains("HTTP 500"),
        "{s}"
    );
    assert!(std::error::Error::source(&e).is_some());

    // Past expiry and the service recovers: refreshed.
    let meta = metadata(Duration::ZERO, |n| {
        (200, meta_credential(now() + if n == 0 { -10 } else { 3600 }))
    })
    .await;
    let p = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .min_refresh_interval(Duration::ZERO);
    p.provide_credential().await.unwrap();
    p.provide_credential().await.unwrap();
    p.provide_credential().await.unwrap();
    assert_eq!(meta.count(is_cred_request), 2);
}

// ---------------------------------------------------------------------------------------------------------
// STS.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sts_assume_role_signed_by_source_and_cached() {
    logs();
    let server = sts(Duration::from_millis(200), |_, rec| {
        assert_eq!(rec.header("x-tc-action"), Some("AssumeRole"));
        assert_eq!(rec.header("x-tc-region"), Some("ap-shanghai"));
        let body = rec.json();
        assert_eq!(body["RoleArn"], ROLE_ARN);
        assert_eq!(body["RoleSessionName"], "rust-test");
        assert_eq!(body["DurationSeconds"], 3600);
        assert_eq!(body["ExternalId"], EXTERNAL_ID);
        assert!(body.get("Policy").is_none());
        (200, sts_ok("AKIDststmp000001", now() + 3600))
    })
    .await;
    let p = Arc::new(
        StsAssumeRoleProvider::new(source(), ROLE_ARN, "rust-test")
            .duration_seconds(3600)
            .unwrap()
            .external_id(EXTERNAL_ID)
            .region("ap-shanghai")
            .http_profile(HttpProfile::new().endpoint(&server.url)),
    );
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let p = p.clone();
        set.spawn(async move { p.provide_credential().await });
    }
    while let Some(r) = set.join_next().await {
        let c = r.unwrap().unwrap();
        assert_eq!(
            (c.secret_id(), c.secret_key(), c.token()),
            ("AKIDststmp000001", TMP_KEY, Some(TMP_TOKEN))
        );
    }
    assert_eq!(server.hits(), 1, "1,000 concurrent callers, one AssumeRole");

    // STS errors are credential errors with the code.
    let denied = sts(Duration::ZERO, |_, _| {
        (200, sts_error("AuthFailure.UnauthorizedOperation", "no"))
    })
    .await;
    let e = StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
        .http_profile(HttpProfile::new().endpoint(&denied.url))
        .provide_credential()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("AuthFailure.UnauthorizedOperation"), "{e}");
    let partial = sts(Duration::ZERO, |_, _| {
        (200, json!({"Response": {"Credentials": {"TmpSecretId": "AKIDx", "TmpSecretKey": TMP_KEY, "Token": TMP_TOKEN}, "RequestId": "r-9"}}).to_string())
    })
    .await;
    let e = StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
        .http_profile(HttpProfile::new().endpoint(&partial.url))
        .provide_credential()
        .await
        .unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("no ExpiredTime") && s.contains("r-9") && !s.contains(MARK),
        "{s}"
    );

    // Unreachable STS fails within its connect timeout.
    let url = closed_port().await;
    let e = StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
        .http_profile(HttpProfile::new().endpoint(&url))
        .provide_credential()
        .await
        .unwrap_err();
    assert!(e.is_credential(), "{e}");

    // DurationSeconds in (0, 43200].
    for bad in [0, 43201] {
        let e = StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
            .duration_seconds(bad)
            .unwrap_err();
        assert_eq!(e.parameter(), Some("DurationSeconds"), "{e}");
    }
    assert!(StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
        .duration_seconds(43200)
        .is_ok());
}

#[tokio::test]
async fn sts_default_duration_and_region() {
    logs();
    let server = sts(Duration::ZERO, |_, rec| {
        assert_eq!(rec.header("x-tc-region"), Some("ap-guangzhou"));
        assert_eq!(rec.json()["DurationSeconds"], 7200);
        (200, sts_ok("AKIDststmp000002", now() + 7200))
    })
    .await;
    let p = StsAssumeRoleProvider::new(EnvProvider, ROLE_ARN, "s");
    // The source is asked only when STS is called; a source failure is reported with the role.
    let p = p.http_profile(HttpProfile::new().endpoint(&server.url));
    let _env = ENV.lock().await;
    set_env(&[]);
    let e = p.provide_credential().await.unwrap_err();
    assert!(e.to_string().contains("TENCENTCLOUD_SECRET_ID"), "{e}");
    // A failed attempt holds further ones back for the shared backoff (≤ FIRST_FAILURE_BACKOFF).
    tokio::time::sleep(sdk_core::credential::FIRST_FAILURE_BACKOFF).await;
    set_env(&[
        ("TENCENTCLOUD_SECRET_ID", SOURCE_ID),
        ("TENCENTCLOUD_SECRET_KEY", SOURCE_KEY),
        ("TENCENTCLOUD_SESSION_TOKEN", SOURCE_TOKEN),
    ]);
    assert_eq!(p.provide_credential().await.unwrap().secret_id(), "AKIDststmp000002");
    set_env(&[]);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn oidc_unsigned_with_token_from_file() {
    logs();
    let dir = TempDir::new("oidc");
    let token_file = dir.write("token", &format!("{OIDC_TOKEN}-1\n"));
    let server = sts(Duration::ZERO, |n, rec| {
        assert_eq!(rec.header("x-tc-action"), Some("AssumeRoleWithWebIdentity"));
        assert_eq!(rec.header("x-tc-region"), Some("ap-beijing"));
        let body = rec.json();
        assert_eq!(body["ProviderId"], "oidc-provider");
        assert_eq!(body["RoleArn"], ROLE_ARN);
        assert_eq!(body["WebIdentityToken"], format!("{OIDC_TOKEN}-{}", n + 1));
        assert_eq!(body["DurationSeconds"], 7200);
        assert!(body["RoleSessionName"]
            .as_str()
            .unwrap()
            .starts_with("tencentcloud-rust-sdk-"));
        // The first credential is inside the refresh margin, so the next call refreshes.
        (200, sts_ok("AKIDoidctmp00001", now() + if n == 0 { 60 } else { 3600 }))
    })
    .await;
    let p = OidcRoleArnProvider::new("ap-beijing", "oidc-provider", &token_file, ROLE_ARN)
        .http_profile(HttpProfile::new().endpoint(&server.url))
        .min_refresh_interval(Duration::ZERO);
    assert_eq!(p.provide_credential().await.unwrap().token(), Some(TMP_TOKEN));
    // TKE rotates the token file: the refresh reads the new token.
    std::fs::write(&token_file, format!("{OIDC_TOKEN}-2")).unwrap();
    p.provide_credential().await.unwrap();
    assert_eq!(server.hits(), 2);
    assert_eq!(server.last().header("authorization"), Some("SKIP"));
    let text = logs().lock().unwrap().clone();
    assert!(!text.contains("AuthFailure"), "the fake rejected a request:\n{text}");

    let e = OidcRoleArnProvider::new("ap-beijing", "p", dir.path().join("absent"), ROLE_ARN)
        .http_profile(HttpProfile::new().endpoint(&server.url))
        .provide_credential()
        .await
        .unwrap_err();
    assert!(e.is_credential() && e.to_string().contains("absent"), "{e}");
}

// ---------------------------------------------------------------------------------------------------------
// The default chain.

#[tokio::test]
async fn default_chain_order_rules_and_report() {
    logs();
    let _env = ENV.lock().await;
    set_env(&[]);
    let home = TempDir::new("chain");
    let absent = closed_port().await;
    let chain = |cvm: &str| {
        DefaultCredentialProvider::new()
            .home_dir(home.path())
            .system_credentials_file(None)
            .cvm(CvmRoleProvider::new().endpoint(cvm))
    };

    // Nothing anywhere: the error lists every step and why.
    let e = chain(&absent).provide_credential().await.unwrap_err();
    let s = e.to_string();
    assert!(e.is_credential(), "{s}");
    for want in [
        "1. environment: TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY are not set",
        "2. profile file: TENCENTCLOUD_CREDENTIALS_FILE is not set and there is no file at",
        "3. tccli profile: no file at",
        "4. CVM role: CVM role: metadata service",
        "5. TKE OIDC: TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN are not set",
    ] {
        assert!(s.contains(want), "{s}\n lacks {want}");
    }

    // Order: tccli < profile file < environment.
    home.write(".tccli/default.credential", &tccli_text("AKIDtcclidefault"));
    let c = chain(&absent);
    assert_eq!(c.provide_credential().await.unwrap().secret_id(), "AKIDtcclidefault");
    assert_eq!(c.chosen_step(), Some("tccli profile"));
    home.write(PROFILE_FILE, &profile_text());
    assert_eq!(
        chain(&absent).provide_credential().await.unwrap().secret_id(),
        "AKIDfiledefault1"
    );
    set_env(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenvironment1"),
        ("TENCENTCLOUD_SECRET_KEY", ENV_KEY),
    ]);
    let c = chain(&absent);
    assert_eq!(c.provide_credential().await.unwrap().secret_id(), "AKIDenvironment1");
    assert_eq!(c.chosen_step(), Some("environment"));

    // Configured but broken stops the chain, even though later steps would work.
    set_env(&[("TENCENTCLOUD_SECRET_ID", "AKIDenvironment1")]);
    let e = chain(&absent).provide_credential().await.unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("stopped at step 1 (environment)") && s.contains("TENCENTCLOUD_SECRET_KEY"),
        "{s}"
    );
    set_env(&[]);
    let file = home.write(
        PROFILE_FILE,
        &format!("[default]\nsecret_id = AKIDx\nsecret_key {FILE_KEY}\n"),
    );
    let e = chain(&absent).provide_credential().await.unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("step 2 (profile file)") && s.contains("line 3") && !s.contains(MARK),
        "{s}"
    );
    std::fs::remove_file(&file).unwrap();
    std::fs::remove_file(home.path().join(".tccli/default.credential")).unwrap();

    // CVM role, when there are no keys and no files; the choice is remembered.
    let meta = metadata(Duration::ZERO, |_| (200, meta_credential(now() + 3600))).await;
    let c = chain(&meta.url);
    assert_eq!(c.provide_credential().await.unwrap().secret_id(), "AKIDcvmtmp000001");
    assert_eq!(c.chosen_step(), Some("CVM role"));
    home.write(".tccli/default.credential", &tccli_text("AKIDtcclidefault"));
    assert_eq!(
        c.provide_credential().await.unwrap().secret_id(),
        "AKIDcvmtmp000001",
        "sticky"
    );
    std::fs::remove_file(home.path().join(".tccli/default.credential")).unwrap();

    // TKE OIDC when the metadata service says no role is bound; partial TKE variables are broken.
    let no_role = fake(Duration::ZERO, |_, _| (404, String::new())).await;
    set_env(&[("TKE_REGION", "ap-beijing"), ("TKE_ROLE_ARN", ROLE_ARN)]);
    let e = chain(&no_role.url).provide_credential().await.unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("step 5 (TKE OIDC)") && s.contains("TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE are not"),
        "{s}"
    );
    let server = sts(Duration::ZERO, |_, _| (200, sts_ok("AKIDoidctmp00002", now() + 3600))).await;
    let token_file = home.write("token", OIDC_TOKEN);
    set_env(&[
        ("TKE_REGION", "ap-beijing"),
        ("TKE_PROVIDER_ID", "oidc-provider"),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap()),
        ("TKE_ROLE_ARN", ROLE_ARN),
    ]);
    let from_env = OidcRoleArnProvider::from_tke_env().unwrap().unwrap();
    let from_env = from_env.http_profile(HttpProfile::new().endpoint(&server.url));
    assert_eq!(
        from_env.provide_credential().await.unwrap().secret_id(),
        "AKIDoidctmp00002"
    );
    assert_eq!(server.last().json()["WebIdentityToken"], OIDC_TOKEN);
    let c = chain(&no_role.url).sts_http_profile(HttpProfile::new().endpoint(&server.url));
    assert_eq!(c.provide_credential().await.unwrap().secret_id(), "AKIDoidctmp00002");
    assert_eq!(c.chosen_step(), Some("TKE OIDC"));
    assert_eq!(server.hits(), 2);
    assert_eq!(server.last().header("authorization"), Some("SKIP"));
    set_env(&[]);
    assert!(OidcRoleArnProvider::from_tke_env().unwrap().is_none());
}

// ---------------------------------------------------------------------------------------------------------
// Secrets never printed.

#[tokio::test]
async fn secrets_never_in_debug_display_errors_or_logs() {
    let logs = logs();
    let dir = TempDir::new("secrets");
    let mut texts: Vec<String> = Vec::new();
    fn show(texts: &mut Vec<String>, what: &dyn std::fmt::Debug, display: Option<&dyn std::fmt::Display>) {
        texts.push(format!("{what:?}"));
        texts.push(format!("{what:#?}"));
        if let Some(d) = display {
            texts.push(d.to_string());
        }
    }

    let meta = metadata(Duration::ZERO, |n| match n {
        0 => (200, meta_credential(now() - 1)),
        _ => (200, format!("{{\"TmpSecretKey\": \"{TMP_KEY}\", \"ExpiredTime\": []}}")),
    })
    .await;
    let server = sts(Duration::ZERO, |n, _| match n {
        0 => (200, sts_ok("AKIDststmp000003", now() + 3600)),
        _ => (
            200,
            format!("{{\"Response\": {{\"Credentials\": {{\"TmpSecretKey\": \"{TMP_KEY}\", \"Token\": 7}}}}}}"),
        ),
    })
    .await;
    let token_file = dir.write("token", OIDC_TOKEN);
    let profile = dir.write("credentials", &profile_text());
    let bad_profile = dir.write("bad", &format!("[default]\nsecret_id = AKIDx\n{FILE_KEY}\n"));
    dir.write(".tccli/default.credential", &tccli_text("AKIDtcclidefault"));
    dir.write(
        ".tccli/bad.credential",
        &format!("{{\"secretKey\": \"{TCCLI_KEY}\" \"x\"}}"),
    );

    let cvm = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .min_refresh_interval(Duration::ZERO);
    let assume = StsAssumeRoleProvider::new(source(), ROLE_ARN, "s")
        .external_id(EXTERNAL_ID)
        .policy(format!("{{\"statement\": \"{MARK}\"}}"))
        .http_profile(HttpProfile::new().endpoint(&server.url));
    let oidc = OidcRoleArnProvider::new("ap-beijing", "p", &token_file, ROLE_ARN)
        .http_profile(HttpProfile::new().endpoint(&server.url));
    let file = ProfileFileProvider::new().path(&profile).profile("prod");
    let tccli = TccliProvider::new().home_dir(dir.path());
    let chain = DefaultCredentialProvider::new()
        .home_dir(dir.path())
        .system_credentials_file(None);

    let mut credentials = vec![
        cvm.provide_credential().await.unwrap(),
        assume.provide_credential().await.unwrap(),
        file.provide_credential().await.unwrap(),
        tccli.provide_credential().await.unwrap(),
        source(),
    ];
    let mut errors: Vec<Error> = vec![
        cvm.provide_credential().await.unwrap_err(),
        oidc.provide_credential().await.unwrap_err(),
        ProfileFileProvider::new()
            .path(&bad_profile)
            .provide_credential()
            .await
            .unwrap_err(),
        TccliProvider::new()
            .home_dir(dir.path())
            .profile("bad")
            .provide_credential()
            .await
            .unwrap_err(),
        Credential::new("AKIDx", format!(" {FILE_KEY}")).unwrap_err(),
        StsAssumeRoleProvider::new(
            Credential::new(SOURCE_ID, "WRONG-must-not-leak").unwrap(),
            ROLE_ARN,
            "s",
        )
        .http_profile(HttpProfile::new().endpoint(&server.url))
        .provide_credential()
        .await
        .unwrap_err(),
    ];
    {
        let _env = ENV.lock().await;
        set_env(&[
            ("TENCENTCLOUD_SECRET_ID", "AKIDenvironment1"),
            ("TENCENTCLOUD_SECRET_KEY", ENV_KEY),
        ]);
        credentials.push(chain.provide_credential().await.unwrap());
        credentials.push(EnvProvider.provide_credential().await.unwrap());
        set_env(&[("TENCENTCLOUD_SECRET_KEY", &format!("{ENV_KEY} "))]);
        errors.push(EnvProvider.provide_credential().await.unwrap_err());
        errors.push(
            DefaultCredentialProvider::new()
                .home_dir(dir.path())
                .provide_credential()
                .await
                .unwrap_err(),
        );
        set_env(&[]);
    }
    for c in &credentials {
        show(&mut texts, c, Some(c));
    }
    for e in &errors {
        show(&mut texts, e, Some(e));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            texts.push(s.to_string());
            texts.push(format!("{s:?}"));
            source = s.source();
        }
    }
    show(&mut texts, &cvm, None);
    show(&mut texts, &assume, None);
    show(&mut texts, &oidc, None);
    show(&mut texts, &file, None);
    show(&mut texts, &tccli, None);
    show(&mut texts, &chain, None);
    show(&mut texts, &EnvProvider, None);
    let client = sdk_core::Client::new(
        &sdk_core::credential::sts::STS,
        assume,
        "ap-guangzhou",
        sdk_core::ClientProfile::default(),
    );
    show(&mut texts, &client, None);

    for text in &texts {
        assert!(!text.contains(MARK), "secret in output: {text}");
    }
    assert!(
        texts.iter().any(|t| t.contains("AKIDstst")),
        "credentials were formatted"
    );
    let logged = logs.lock().unwrap().clone();
    assert!(!logged.is_empty(), "tracing output was captured");
    assert!(!logged.contains(MARK), "secret in tracing output:\n{logged}");
}

/// Issue 14 item 1: a 200 answer holding valid temporary credentials in an envelope the runtime cannot accept
/// (numeric `RequestId`, trailing bytes, a mistyped member) used to put `TmpSecretKey` and `Token` into the
/// error's Display (a body snippet), DEBUG attempt events and the WARN refresh event.
#[tokio::test]
async fn sts_envelope_errors_never_carry_the_temporary_keys() {
    let logs = logs();
    let creds = json!({"TmpSecretId": "AKIDststmp000009", "TmpSecretKey": TMP_KEY, "Token": TMP_TOKEN});
    let bodies = [
        json!({"Response": {"Credentials": creds, "ExpiredTime": now() + 3600, "RequestId": 12345}}).to_string(),
        format!(
            "{}garbage",
            json!({"Response": {"Credentials": creds, "ExpiredTime": now() + 3600, "RequestId": "r"}})
        ),
        json!({"Response": {"Credentials": creds, "ExpiredTime": TMP_KEY, "RequestId": "r"}}).to_string(),
    ];
    for body in bodies {
        // First answer valid but inside the refresh margin (so a refresh is due with a usable cached
        // credential: the WARN path); every later answer is the malformed one.
        let server = sts(Duration::ZERO, move |n, _| match n {
            0 => (200, sts_ok("AKIDststmp000008", now() + 120)),
            _ => (200, body.clone()),
        })
        .await;
        let p =
            StsAssumeRoleProvider::new(source(), ROLE_ARN, "s").http_profile(HttpProfile::new().endpoint(&server.url));
        let _ = p.provide_credential().await.unwrap();
        let _ = p.provide_credential().await; // refresh fails; the cached credential may still be returned
        let fresh =
            StsAssumeRoleProvider::new(source(), ROLE_ARN, "s2").http_profile(HttpProfile::new().endpoint(&server.url));
        let _ = fresh.provide_credential().await; // consumes answer 0
        let e = fresh.provide_credential().await;
        let fail =
            StsAssumeRoleProvider::new(source(), ROLE_ARN, "s3").http_profile(HttpProfile::new().endpoint(&server.url));
        let e2 = fail.provide_credential().await.unwrap_err();
        let mut texts = vec![e2.to_string(), format!("{e2:?}"), format!("{e2:#?}")];
        if let Err(e) = e {
            texts.push(format!("{e} {e:?}"));
        }
        let mut source = std::error::Error::source(&e2);
        while let Some(s) = source {
            texts.push(format!("{s} {s:?}"));
            source = s.source();
        }
        for t in &texts {
            assert!(
                !t.contains(TMP_KEY) && !t.contains(TMP_TOKEN),
                "temporary key in error: {t}"
            );
        }
        assert!(e2.is_credential(), "{e2}");
    }
    let logged = logs.lock().unwrap().clone();
    assert!(!logged.is_empty(), "tracing output was captured");
    assert!(
        !logged.contains(TMP_KEY) && !logged.contains(TMP_TOKEN),
        "temporary key logged:\n{logged}"
    );
}

/// Issue 14 item 10: the metadata answer is capped (it used to be read whole: 64 MiB accepted).
#[tokio::test]
async fn cvm_metadata_body_is_capped() {
    let cap = sdk_core::credential::cvm::MAX_METADATA_BODY;
    let meta = metadata(Duration::ZERO, move |_| {
        (200, format!("{{\"TmpSecretKey\": \"{}\"}}", "k".repeat(cap + 1)))
    })
    .await;
    let e = CvmRoleProvider::new()
        .endpoint(&meta.url)
        .provide_credential()
        .await
        .unwrap_err();
    assert!(
        e.is_credential() && e.to_string().contains(&format!("more than {cap} bytes")),
        "{e}"
    );
    // An answer at the cap's scale that is valid still works (the cap is not below real answers).
    let meta = metadata(Duration::ZERO, |_| (200, meta_credential(now() + 3600))).await;
    assert!(CvmRoleProvider::new()
        .endpoint(&meta.url)
        .provide_credential()
        .await
        .is_ok());
}

/// Issue 14 item 8: an `ExpiredTime` in the past or inside the margin made every call fetch again (50 calls →
/// 50 STS requests), and with nothing cached and STS failing fast, 32 callers made 485 requests in 2 s.
#[tokio::test]
async fn refresh_floor_and_shared_backoff() {
    logs();
    for expired_time in [now() - 3600, now() + 10, now() + 200] {
        let server = sts(Duration::ZERO, move |_, _| {
            (200, sts_ok("AKIDststmp000010", expired_time))
        })
        .await;
        let p =
            StsAssumeRoleProvider::new(source(), ROLE_ARN, "s").http_profile(HttpProfile::new().endpoint(&server.url));
        for _ in 0..50 {
            p.provide_credential().await.unwrap();
        }
        assert_eq!(
            server.hits(),
            1,
            "ExpiredTime {expired_time}: one fetch per refresh window"
        );
    }
    // The CVM role likewise.
    let meta = metadata(Duration::ZERO, |_| (200, meta_credential(now() - 10))).await;
    let cvm = CvmRoleProvider::new().endpoint(&meta.url);
    for _ in 0..50 {
        cvm.provide_credential().await.unwrap();
    }
    assert_eq!(meta.count(is_cred_request), 1);

    // Nothing cached, STS failing fast: 32 callers calling in a loop for 1.5 s share one attempt per backoff
    // interval (1 s, then 2 s: at most 2 attempts in that time), and get the last failure meanwhile.
    let failing = sts(Duration::ZERO, |_, _| {
        (200, sts_error("ResourceNotFound.RoleNotExist", "down"))
    })
    .await;
    let p = Arc::new(
        StsAssumeRoleProvider::new(source(), ROLE_ARN, "s").http_profile(HttpProfile::new().endpoint(&failing.url)),
    );
    let until = Instant::now() + Duration::from_millis(1500);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let p = p.clone();
        set.spawn(async move {
            let mut errors = 0;
            while Instant::now() < until {
                let e = p.provide_credential().await.unwrap_err();
                assert!(e.is_credential() && e.to_string().contains("RoleNotExist"), "{e}");
                errors += 1;
                tokio::task::yield_now().await;
            }
            errors
        });
    }
    let mut calls = 0;
    while let Some(n) = set.join_next().await {
        calls += n.unwrap();
    }
    assert!(calls > 100, "callers kept calling: {calls}");
    assert!(
        (1..=2).contains(&failing.hits()),
        "{} STS requests for {calls} calls",
        failing.hits()
    );
}

/// Issue 14 item 9: credential files were read whole with blocking std::fs on every call (a 100 MiB file took
/// 2.4 s a call; a FIFO blocked a runtime thread). Now: type and size checked before opening, read on the
/// blocking pool.
#[tokio::test(flavor = "current_thread")]
async fn credential_files_are_capped_and_never_block_the_runtime() {
    let dir = TempDir::new("caps");
    let cap = sdk_core::credential::file::MAX_CREDENTIAL_FILE_BYTES as usize;
    let big = dir.write("big", &format!("{}\n{}", profile_text(), "#".repeat(cap)));
    let e = ProfileFileProvider::new()
        .path(&big)
        .provide_credential()
        .await
        .unwrap_err();
    assert!(
        e.is_credential() && e.to_string().contains("big") && e.to_string().contains("more than"),
        "{e}"
    );

    let token_file = dir.write("token", &"t".repeat(cap + 1));
    let e = OidcRoleArnProvider::new("ap-beijing", "p", &token_file, ROLE_ARN)
        .provide_credential()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("more than"), "{e}");

    // A FIFO: an error at once, and the (single-threaded) runtime keeps running other tasks meanwhile.
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let ticker = tokio::spawn(async { tokio::time::sleep(Duration::from_millis(10)).await });
        let read = tokio::time::timeout(
            Duration::from_secs(5),
            ProfileFileProvider::new().path(&fifo).provide_credential(),
        )
        .await;
        let e = read.expect("reading a FIFO did not block").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        tokio::time::timeout(Duration::from_secs(5), ticker)
            .await
            .unwrap()
            .unwrap();
    }
}

/// Issue 14 item 9, re-reading: a credential file whose modified time and length did not change (and that has
/// been quiet for 2 s) is served from the last read; a changed one is read again.
#[tokio::test]
async fn unchanged_credential_files_are_not_read_again() {
    let dir = TempDir::new("snapshot");
    let text = |key: &str| format!("[default]\nsecret_id = AKIDsnapshot0001\nsecret_key = {key}\n");
    let path = dir.write("credentials", &text("KEY-AAAA"));
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let set_old = |p: &Path| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
    };
    set_old(&path);
    let provider = ProfileFileProvider::new().path(&path);
    assert_eq!(provider.provide_credential().await.unwrap().secret_key(), "KEY-AAAA");
    // Same length, same (old) time: not read again, so the first contents are still served.
    std::fs::write(&path, text("KEY-BBBB")).unwrap();
    set_old(&path);
    assert_eq!(provider.provide_credential().await.unwrap().secret_key(), "KEY-AAAA");
    // Changed length: read again.
    std::fs::write(&path, text("KEY-CCCCC")).unwrap();
    assert_eq!(provider.provide_credential().await.unwrap().secret_key(), "KEY-CCCCC");
}
