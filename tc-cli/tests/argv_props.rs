//! Property tests: no command line makes the parser, the request builder (with the shared validator) or
//! the printer panic; each either works or returns an error. Nothing here sends a request.

use proptest::prelude::*;
use serde_json::Value;
use tc_cli::argv::{self, Globals};

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("--".to_string()),
        Just("--region".to_string()),
        Just("--cli-unfold-argument".to_string()),
        Just("--cli-input-json".to_string()),
        Just("--PhoneNumberSet".to_string()),
        Just("--Limit".to_string()),
        Just("--PhoneNumberSet.0".to_string()),
        Just("--TemplateParamSet.1".to_string()),
        Just("[\"+86\"]".to_string()),
        Just("{}".to_string()),
        "--[A-Za-z0-9.]{0,12}",
        "[ -~]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parsing_and_building_never_panic(args in prop::collection::vec(token(), 0..12), unfold in any::<bool>()) {
        let Ok(mut a) = argv::parse(&args) else { return Ok(()) };
        a.globals.unfold |= unfold;
        let l = tc_cli::specs::load("sms", None).unwrap();
        let input = l.schema.input("SendSms").unwrap();
        if let Ok(body) = tc_cli::params::build(&l.schema, input, &a.params, &a.globals) {
            // Whatever is built has passed the validator.
            prop_assert!(l.schema.validate(input, &body).is_ok());
        }
    }

    #[test]
    fn printing_never_panics(text in "[\\[\\]{}\",:0-9a-zA-Z.e\\-]{0,64}", format in prop_oneof![Just("json"), Just("text"), Just("table")]) {
        let Ok(v) = serde_json::from_str::<Value>(&text) else { return Ok(()) };
        let l = tc_cli::specs::load("sms", None).unwrap();
        let shape = tc_cli::output::Shape { schema: &l.schema, object: l.schema.object_by_name("SendSmsResponse") };
        let _ = tc_cli::output::render(&v, shape, format, None);
        let _ = tc_cli::output::render(&v, shape, format, Some("SendStatusSet[0]"));
    }
}

#[test]
fn globals_default_is_nothing_set() {
    assert_eq!(argv::parse(&[]).unwrap().globals, Globals::default());
}
