//! Parity with tccli 3.1.189.1: for every command line in `fixtures/tccli/golden.json` (made by
//! `tools/tccli_golden.py` from tccli itself), tcli sends the same action, version, region and parameters
//! (as the emulator's verifier saw them, in echo mode), and `--output json` prints byte for byte what tccli
//! printed for the same answer (served by a canned loopback server).

mod common;

use common::{home, tcli, Canned};
use serde_json::Value;

fn fixtures() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/tccli/golden.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The case's command line for tcli, with its files written under `home`.
fn argv(case: &Value, home: &std::path::Path) -> Vec<String> {
    let dir = home.join("files");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in case["files"].as_object().unwrap() {
        std::fs::write(dir.join(name), text.as_str().unwrap()).unwrap();
    }
    case["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().replace("{dir}", dir.to_str().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_equal_what_tccli_sends() {
    let emu = tc_emulator::Emulator::builder().echo(true).start().await.unwrap();
    let fx = fixtures();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let home = home();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut args = argv(case, &home);
        args.extend(common::common(&emu.base_url()));
        let before = emu.requests().len();
        let out = tokio::task::block_in_place(|| tcli(&home, &args));
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let log = emu.requests();
        assert_eq!(log.len(), before + 1, "{name}: one request");
        let seen = &log[before];
        let want = &case["request"];
        assert_eq!(seen.code, "Ok", "{name}: the emulator verified the signature");
        assert_eq!(seen.action, want["action"], "{name}");
        assert_eq!(seen.version, want["version"], "{name}");
        let region = seen
            .headers
            .iter()
            .find(|(k, _)| k == "x-tc-region")
            .map(|(_, v)| v.as_str());
        assert_eq!(region, want["region"].as_str(), "{name}");
        let params: Value = serde_json::from_str(&seen.body).unwrap();
        assert_eq!(params, want["params"], "{name}: parameters");
    }
}

#[test]
fn json_output_equals_what_tccli_prints() {
    let server = Canned::start();
    let fx = fixtures();
    let home = home();
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        *server.answer.lock().unwrap() = serde_json::to_string(&case["answer"]).unwrap();
        let mut args = argv(case, &home);
        args.extend(common::common(&server.url));
        let out = tcli(&home, &args);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            case["stdout"].as_str().unwrap(),
            "{name}"
        );
    }
}
