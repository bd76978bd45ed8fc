//! Property tests of every parser of outside bytes in sdk-core (issue 26, "close the classes"): the
//! response envelope and typed decoding, server-sent events, the credential files (INI profile file,
//! tccli JSON), query flattening, endpoint and name validation, the paginator's page reader, the clock's
//! `Date` reader, and the server-text scrubber. The checks themselves are `sdk_core::fuzz::check_*`
//! (shared with the soak binary, `tc-bench/src/bin/soak.rs`, which runs millions of cases); here each runs
//! a short budget: grammar-shaped cases by seed, and raw bytes from proptest.

use proptest::prelude::*;
use sdk_core::fuzz;

/// Cases per property: a few seconds in all on a loaded 2-core machine.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sse_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("sse", seed);
    }

    #[test]
    fn sse_raw_bytes(stream in prop::collection::vec(any::<u8>(), 0..512),
                     cuts in prop::collection::vec(0usize..512, 0..6),
                     limit in prop::sample::select(vec![1usize, 8, 64, 1024])) {
        fuzz::check_sse(&stream, &cuts, limit);
    }

    #[test]
    fn envelope_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("envelope", seed);
    }

    #[test]
    fn envelope_raw_bytes(status in any::<u16>(), body in prop::collection::vec(any::<u8>(), 0..256)) {
        fuzz::check_envelope(status, &body);
    }

    #[test]
    fn credential_files_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("files", seed);
    }

    #[test]
    fn credential_files_raw_text(text in prop::collection::vec(any::<char>(), 0..128)) {
        fuzz::check_credential_files(&text.into_iter().collect::<String>());
    }

    #[test]
    fn query_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("query", seed);
    }

    #[test]
    fn query_raw_bytes(json in prop::collection::vec(any::<u8>(), 0..256)) {
        fuzz::check_query(&json);
    }

    #[test]
    fn endpoint_and_names_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("endpoint", seed);
    }

    #[test]
    fn endpoint_and_names_raw_text(text in prop::collection::vec(any::<char>(), 0..64)) {
        fuzz::check_endpoint_and_names(&text.into_iter().collect::<String>());
    }

    #[test]
    fn page_facts_and_clock_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("page", seed);
    }

    #[test]
    fn scrub_grammar_cases(seed in any::<u64>()) {
        fuzz::run_case("scrub", seed);
    }
}

/// Nesting far beyond any parser's limit (serde_json's 128) is an error, never a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut rng = fuzz::Rng::new(7);
    for levels in [129, 1_000, 100_000] {
        let deep = fuzz::gen_deep(&mut rng, levels);
        fuzz::check_envelope(200, &deep);
        fuzz::check_query(&deep);
        fuzz::check_page_and_clock(&String::from_utf8_lossy(&deep));
        fuzz::check_credential_files(&String::from_utf8_lossy(&deep));
        let mut stream = b"data: ".to_vec();
        stream.extend_from_slice(&deep);
        stream.extend_from_slice(b"\n\n");
        fuzz::check_sse(&stream, &[7, 100], 1 << 20);
    }
}
