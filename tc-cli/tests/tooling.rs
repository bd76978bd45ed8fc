//! The parts of tcli around a call: configure (tccli's files), help at every level, skeleton, completions,
//! and --waiter against the emulator.

mod common;

use common::{home, strings, tcli};
use serde_json::Value;

fn run(home: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = tcli(home, &strings(args));
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), s(&out.stdout), s(&out.stderr))
}

#[test]
fn configure_writes_tccli_files_and_reads_them_back() {
    let home = home();
    let (code, _, err) = run(
        &home,
        &[
            "configure",
            "set",
            "region",
            "ap-shanghai",
            "secretId",
            "AKIDabcdefgh1234",
            "secretKey",
            "key-5678",
            "sms.version",
            "2019-07-11",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let conf: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".tccli/default.configure")).unwrap()).unwrap();
    assert_eq!(conf["_sys_param"]["region"], "ap-shanghai");
    assert_eq!(conf["sms"]["version"], "2019-07-11");
    assert_eq!(conf["tke"]["version"], "2018-05-25", "tccli's default version");
    let cred: Value =
        serde_json::from_str(&std::fs::read_to_string(home.join(".tccli/default.credential")).unwrap()).unwrap();
    assert_eq!(cred["secretKey"], "key-5678");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join(".tccli/default.credential"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (_, out, _) = run(&home, &["configure", "get", "region", "secretKey"]);
    assert_eq!(out, "region = ap-shanghai\nsecretKey = ****************5678\n");
    let (_, out, _) = run(&home, &["configure", "list"]);
    assert!(
        out.contains("secretId = ****************1234\n") && !out.contains("key-5678"),
        "{out}"
    );
    // The profile's version is used: SendSms of 2019-07-11 has `SmsSdkAppid`.
    let (code, out, err) = run(&home, &["sms", "SendSms", "--generate-cli-skeleton"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"SmsSdkAppid\": \"String\""), "{out}");
    let (code, _, err) = run(&home, &["configure", "set", "region"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn help_at_every_level_english_first() {
    let home = home();
    let (_, top, _) = run(&home, &["help"]);
    assert!(top.contains("sms") && top.contains("exit codes"), "{top}");
    let (_, product, _) = run(&home, &["sms", "help"]);
    assert!(
        product.contains("SendSms") && product.contains("2019-07-11, 2021-01-11"),
        "{product}"
    );
    let (_, action, _) = run(&home, &["sms", "SendSms", "help"]);
    let en = action.find("--PhoneNumberSet").unwrap();
    assert!(action.contains("required"), "{action}");
    assert!(
        action[en..].lines().next().unwrap().is_ascii(),
        "English first: {action}"
    );
    let (_, param, _) = run(&home, &["sms", "SendSms", "help", "--PhoneNumberSet"]);
    assert!(param.starts_with("--PhoneNumberSet (Array of String)"), "{param}");
    let (code, _, err) = run(&home, &["sms", "SendSms", "help", "--Nope"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn completions_list_products_actions_and_parameters() {
    let home = home();
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = run(&home, &["completion", shell]);
        assert_eq!(code, 0);
        assert!(out.contains("tcli __complete"), "{out}");
    }
    let (_, products, _) = run(&home, &["__complete"]);
    assert!(products.lines().any(|l| l == "sms"));
    let (_, actions, _) = run(&home, &["__complete", "sms"]);
    assert!(actions.lines().any(|l| l == "PullSmsSendStatus"));
    let (_, params, _) = run(&home, &["__complete", "sms", "SendSms"]);
    assert!(params.lines().any(|l| l == "--TemplateParamSet") && params.lines().any(|l| l == "--region"));
}

#[tokio::test(flavor = "multi_thread")]
async fn waiter_calls_until_the_expression_matches_or_times_out() {
    let emu = tc_emulator::Emulator::builder().start().await.unwrap();
    let home = home();
    let mut add = strings(&[
        "sms",
        "AddSmsTemplate",
        "--TemplateName",
        "t",
        "--TemplateContent",
        "code {1}",
        "--SmsType",
        "0",
        "--International",
        "0",
        "--Remark",
        "r",
        "--filter",
        "AddTemplateStatus.TemplateId",
    ]);
    add.extend(common::common(&emu.base_url()));
    let out = tokio::task::block_in_place(|| tcli(&home, &add));
    let id: String = serde_json::from_slice(&out.stdout).unwrap();
    let sms = emu.sms().clone();
    let approve = id.parse::<u64>().unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(600));
        sms.approve_template(approve).unwrap();
    });
    let waiter = r#"{"expr":"DescribeTemplateStatusSet[0].StatusCode","to":0,"timeout":20,"interval":0.2}"#;
    let mut wait = strings(&[
        "sms",
        "DescribeSmsTemplateList",
        "--TemplateIdSet",
        &format!("[{id}]"),
        "--International",
        "0",
        "--waiter",
        waiter,
    ]);
    wait.extend(common::common(&emu.base_url()));
    let before = emu.requests().len();
    let out = tokio::task::block_in_place(|| tcli(&home, &wait));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["DescribeTemplateStatusSet"][0]["StatusCode"], 0);
    assert!(emu.requests().len() - before >= 2, "polled until approved");

    let never = r#"{"expr":"DescribeTemplateStatusSet[0].StatusCode","to":99,"timeout":0.5,"interval":0.1}"#;
    let last = wait.iter().position(|a| a == waiter).unwrap();
    wait[last] = never.into();
    let out = tokio::task::block_in_place(|| tcli(&home, &wait));
    assert_eq!(out.status.code(), Some(6), "{}", String::from_utf8_lossy(&out.stderr));
}
