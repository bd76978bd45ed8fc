//! tcli against the emulator started here: the SMS flows of the seed guide (send, pull status, statistics,
//! add template), a hunyuan stream printed event by event, `--all`, `--dry-run`, and errors: checked ones
//! send nothing, service ones print `[Code] message (RequestId)`, each with its documented exit code.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{home, strings, tcli};
use serde_json::{json, Value};
use tc_emulator::{Emulator, PageStyle, PagedAction, PagedLists};

const APP: &str = tc_emulator::SEED_SDK_APP_ID;

fn call(emu: &Emulator, home: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = strings(args);
    all.extend(common::common(&emu.base_url()));
    tokio::task::block_in_place(|| tcli(home, &all))
}

fn json_out(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sms_send_pull_statistics_and_add_template() {
    let emu = Emulator::builder().start().await.unwrap();
    let home = home();
    let template = tc_emulator::SEED_TEMPLATE_ID.to_string();
    let sent = json_out(&call(
        &emu,
        &home,
        &[
            "sms",
            "SendSms",
            "--PhoneNumberSet",
            r#"["+8613800000000","+8613900000001"]"#,
            "--SmsSdkAppId",
            APP,
            "--TemplateId",
            &template,
            "--SignName",
            tc_emulator::SEED_SIGN_NAME,
            "--TemplateParamSet",
            r#"["1234","5"]"#,
        ],
    ));
    let set = sent["SendStatusSet"].as_array().unwrap();
    assert_eq!(set.len(), 2);
    assert!(set.iter().all(|s| s["Code"] == "Ok"), "{sent}");
    assert_eq!(emu.sms().send_count("+8613800000000"), 1);

    let pulled = json_out(&call(
        &emu,
        &home,
        &["sms", "PullSmsSendStatus", "--Limit", "10", "--SmsSdkAppId", APP],
    ));
    let serials: Vec<&Value> = pulled["PullSmsSendStatusSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["SerialNo"])
        .collect();
    assert!(serials.contains(&&set[0]["SerialNo"]), "{pulled}");

    let now = chrono_hour();
    let stats = json_out(&call(
        &emu,
        &home,
        &[
            "sms",
            "SendStatusStatistics",
            "--BeginTime",
            &now.0,
            "--EndTime",
            &now.1,
            "--SmsSdkAppId",
            APP,
            "--Limit",
            "0",
            "--Offset",
            "0",
        ],
    ));
    assert_eq!(stats["SendStatusStatistics"]["RequestCount"], 2, "{stats}");

    let added = call(
        &emu,
        &home,
        &[
            "sms",
            "AddSmsTemplate",
            "--TemplateName",
            "登录",
            "--TemplateContent",
            "您的验证码是{1}",
            "--SmsType",
            "0",
            "--International",
            "0",
            "--Remark",
            "test",
            "--filter",
            "AddTemplateStatus.TemplateId",
        ],
    );
    let id = json_out(&added);
    assert!(id.as_str().is_some_and(|s| !s.is_empty()), "{id}");
}

/// The current hour and the next as `yyyymmddhh` (UTC+8, as SMS statistics take them), from the system
/// clock without a date library.
fn chrono_hour() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 8 * 3600;
    let fmt = |s: u64| {
        let days = s / 86_400;
        let (y, m, d) = civil(days as i64);
        format!("{y:04}{m:02}{d:02}{:02}", (s % 86_400) / 3600)
    };
    (fmt(secs - 86_400), fmt(secs + 3600))
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[tokio::test(flavor = "multi_thread")]
async fn checked_errors_send_nothing_and_exit_2() {
    let emu = Emulator::builder().start().await.unwrap();
    let home = home();
    let cases: &[(&[&str], &str)] = &[
        (&["smss", "SendSms"], "Did you mean `sms`"),
        (&["sms", "SendSm"], "Did you mean `SendSms`?"),
        (
            &[
                "sms",
                "SendSms",
                "--PhoneNumberSet",
                r#"["+86138"]"#,
                "--SmsSdkAppid",
                APP,
                "--TemplateId",
                "1",
            ],
            "Did you mean `SmsSdkAppId`?",
        ),
        (
            &["sms", "SendSms", "--SmsSdkAppId", APP, "--TemplateId", "1"],
            "[MissingParameter]",
        ),
        (
            &[
                "sms",
                "SendSms",
                "--PhoneNumberSet",
                "+86138",
                "--SmsSdkAppId",
                APP,
                "--TemplateId",
                "1",
            ],
            "invalid JSON",
        ),
        (
            &["sms", "PullSmsSendStatus", "--Limit", "ten", "--SmsSdkAppId", APP],
            "invalid integer",
        ),
        (
            &[
                "sms",
                "SendSms",
                "--cli-input-json",
                r#"{"PhoneNumberSet":"x","SmsSdkAppId":"1","TemplateId":"1"}"#,
            ],
            "`PhoneNumberSet` is incorrect",
        ),
        (
            &["sms", "SendSms", "--version", "2000-01-01"],
            "available: 2019-07-11, 2021-01-11",
        ),
    ];
    for (args, want) in cases {
        let out = call(&emu, &home, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    assert!(emu.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn service_errors_print_code_message_request_id_and_are_sent_once() {
    let emu = Emulator::builder().start().await.unwrap();
    let home = home();
    let out = call(
        &emu,
        &home,
        &[
            "sms",
            "SendSms",
            "--PhoneNumberSet",
            r#"["+8613800000000"]"#,
            "--SmsSdkAppId",
            "1400000000",
            "--TemplateId",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let rid = &emu.requests()[0].request_id;
    assert!(
        err.starts_with("[UnauthorizedOperation.SmsSdkAppIdVerifyFail] "),
        "{err}"
    );
    assert!(err.trim_end().ends_with(&format!("({rid})")), "{err}");
    assert_eq!(emu.requests().len(), 1);

    // A wrong key: the emulator's verifier refuses the signature.
    let mut args = strings(&["sts", "GetCallerIdentity"]);
    args.extend(common::common(&emu.base_url()));
    let key = args.iter().position(|a| a == "--secretKey").unwrap() + 1;
    args[key] = "wrong".into();
    let out = tokio::task::block_in_place(|| tcli(&home, &args));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("[AuthFailure.SignatureFailure]"));

    // Nothing listening: a network error, exit 4.
    let mut args = strings(&["sts", "GetCallerIdentity"]);
    args.extend(common::common("http://127.0.0.1:1"));
    let out = tokio::task::block_in_place(|| tcli(&home, &args));
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn hunyuan_stream_prints_each_event_as_it_arrives() {
    let emu = Emulator::builder()
        .stream_events(4)
        .stream_delay(std::time::Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let mut args = strings(&[
        "hunyuan",
        "ChatCompletions",
        "--Model",
        "hunyuan-lite",
        "--Messages",
        r#"[{"Role":"user","Content":"hi"}]"#,
        "--Stream",
        "true",
    ]);
    args.extend(common::common(&emu.base_url()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcli"))
        .args(&args)
        .env("HOME", home())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(first.get("Choices").is_some(), "{first}");
    // The first event is out while the server is still sending the others.
    assert!(child.try_wait().unwrap().is_none(), "printed only at the end");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success());
    assert_eq!(rest.len() + 1, 4, "{rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn all_follows_every_page_into_one_answer() {
    let paged = PagedLists::new(
        "cvm",
        "2017-03-12",
        vec![PagedAction {
            action: "DescribeInstances".into(),
            style: PageStyle::Offset {
                offset: "Offset".into(),
                limit: "Limit".into(),
            },
            list: "InstanceSet".into(),
            total: Some("TotalCount".into()),
            within: None,
            item: |i| json!({"InstanceId": format!("ins-{i}")}),
        }],
    )
    .max_page(10);
    paged.set_length(25);
    let specs = concat!(env!("CARGO_MANIFEST_DIR"), "/../codegen/tests/sample-specs");
    let emu = Emulator::builder()
        .spec_root(specs)
        .product(paged)
        .start()
        .await
        .unwrap();
    let home = home();
    let out = call(
        &emu,
        &home,
        &[
            "cvm",
            "DescribeInstances",
            "--all",
            "--Limit",
            "10",
            "--filter",
            "InstanceSet[].InstanceId",
        ],
    );
    let ids = json_out(&out);
    let want: Vec<String> = (0..25).map(|i| format!("ins-{i}")).collect();
    assert_eq!(ids, json!(want));
    assert_eq!(emu.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_a_signed_request_with_secrets_masked_and_sends_nothing() {
    let emu = Emulator::builder().start().await.unwrap();
    let out = call(
        &emu,
        &home(),
        &[
            "sts",
            "GetCallerIdentity",
            "--dry-run",
            "--token",
            "session-token-secret",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(&format!("POST {}/", emu.base_url())), "{text}");
    assert!(
        text.contains("authorization: TC3-HMAC-SHA256 Credential=****************"),
        "{text}"
    );
    assert!(text.contains("Signature=****"), "{text}");
    for secret in [
        tc_emulator::DEFAULT_SECRET_KEY,
        tc_emulator::DEFAULT_SECRET_ID,
        "session-token-secret",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(emu.requests().is_empty());
}
