//! Property tests of the callback parsers (outside bytes): no panic and a bounded answer on any input,
//! every well-formed report parses back to what was written, and `Debug` never shows a whole number.

use proptest::prelude::*;
use sdk_sms::callback::{parse_replies, parse_status_reports, ReportStatus, MAX_BODY_BYTES};

fn report_json(mobile: &str, status: &str, sid: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "user_receive_time": "2026-12-07 10:00:00", "nationcode": "86", "mobile": mobile,
        "report_status": status, "errmsg": "DELIVRD", "description": description, "sid": sid,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_reports_or_an_error_never_a_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        match parse_status_reports(&body) {
            Ok(reports) => prop_assert!(reports.len() <= body.len()),
            Err(e) => prop_assert!(e.answer().len() < 512),
        }
        let _ = parse_replies(&body);
    }

    #[test]
    fn json_shaped_noise_never_panics(body in r#"[\[\]{}",:0-9a-z_ \\]{0,400}"#) {
        let _ = parse_status_reports(body.as_bytes());
        let _ = parse_replies(body.as_bytes());
    }

    #[test]
    fn well_formed_reports_round_trip_and_hide_the_number(
        items in proptest::collection::vec(("1[3-9][0-9]{9}", any::<bool>(), "[0-9a-f:]{1,40}", "\\PC{0,60}"), 1..20)
    ) {
        let body: Vec<_> = items
            .iter()
            .map(|(m, ok, sid, d)| report_json(m, if *ok { "SUCCESS" } else { "FAIL" }, sid, d))
            .collect();
        let bytes = serde_json::to_vec(&body).unwrap();
        let parsed = parse_status_reports(&bytes).unwrap();
        prop_assert_eq!(parsed.len(), items.len());
        for (r, (m, ok, sid, d)) in parsed.iter().zip(&items) {
            prop_assert_eq!(&r.mobile, m);
            prop_assert_eq!(&r.sid, sid);
            prop_assert_eq!(&r.description, d);
            prop_assert_eq!(r.report_status, if *ok { ReportStatus::Success } else { ReportStatus::Fail });
            let shown = format!("{:?}", r);
            prop_assert!(!shown.contains(m.as_str()));
        }
    }
}

#[test]
fn a_body_over_the_limit_is_refused_without_parsing() {
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    assert!(parse_status_reports(&body)
        .unwrap_err()
        .to_string()
        .contains("longer than"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_status_reports(body.as_bytes()).is_err());
}
