//! Property tests of the bulk sender's outside input: CSV lines (`bulk::csv`) and the records a journal
//! or store reads back (`Entry`, `Outcome` as JSON): no panic, bounded output, and what is written reads
//! back the same.

use proptest::prelude::*;
use sdk_sms::bulk::{csv, Entry, NotSentReason, Outcome, Status};

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        ("[0-9:a-f]{1,30}", proptest::option::of(0u64..10), any::<bool>()).prop_map(|(serial_no, fee, reconciled)| {
            Status::Sent {
                serial_no,
                fee,
                code: "Ok".into(),
                reconciled,
            }
        }),
        "[A-Za-z.]{1,40}".prop_map(|code| Status::Rejected { code }),
        Just(Status::NotSent {
            reason: NotSentReason::ProvenNotSent
        }),
        "\\PC{0,40}".prop_map(|reason| Status::Unknown { reason }),
        Just(Status::Duplicate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_csv_line_gives_at_most_its_fields_never_a_panic(line in "\\PC{0,300}") {
        let fields = csv::fields(&line);
        prop_assert!(fields.len() <= line.matches(',').count() + 1);
        prop_assert!(fields.iter().map(String::len).sum::<usize>() <= line.len());
        if let Some(r) = csv::recipient(&line, true) {
            prop_assert!(r.number.len() <= line.len());
        }
    }

    #[test]
    fn quoted_fields_round_trip(params in proptest::collection::vec("[^\\r\\n]{0,20}", 1..6)) {
        let quoted: Vec<String> = params.iter().map(|p| format!("\"{}\"", p.replace('"', "\"\""))).collect();
        let line = format!("+8613800000000,{}", quoted.join(","));
        let r = csv::recipient(&line, false).unwrap();
        let want: Vec<String> = params.iter().map(|p| p.trim().to_owned()).collect();
        prop_assert_eq!(r.params, Some(want));
    }

    #[test]
    fn records_round_trip(number in "\\+[1-9][0-9]{7,14}", index in proptest::option::of(any::<u64>()), status in status()) {
        let entry = Entry::Outcome(Outcome { number, index, batch: Some("bulk-x-1".into()), status });
        let text = serde_json::to_string(&entry).unwrap();
        prop_assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), entry);
    }

    #[test]
    fn any_bytes_are_a_record_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<Entry>(&bytes);
    }
}
