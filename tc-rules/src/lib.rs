//! Rules the runtime (`sdk-core`) and the generator (`codegen`) must apply identically, in one
//! dependency-free crate.
//!
//! Why a crate of its own: the generator used to call the runtime's function, so `cargo xtask gen` on a
//! fresh clone compiled reqwest, rustls, hyper and tokio to evaluate one string test (about 4 minutes on 2
//! cores instead of about half a minute). Both now depend on this crate; `sdk_core::retry` re-exports the
//! functions, and `codegen/tests/retry_rule.rs` checks every emitted `ActionInfo::retry_safe` against them.
//!
//! What belongs here: a pure function of names and flags whose answer must be the same when the generator
//! emits a static and when the runtime decides for an action named at run time. Nothing with I/O, no
//! dependency.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Action-name prefixes of actions that only read.
const READ_PREFIXES: [&str; 6] = ["Describe", "Pull", "Get", "List", "Query", "Search"];

/// The one retry-safe rule: an action may be sent again after it reached the service when it only reads (its
/// name starts with `Describe`, `Pull`, `Get`, `List`, `Query` or `Search`, or ends with `Statistics`) or
/// when its input takes an idempotency `ClientToken` (the service de-duplicates by it). The generator calls
/// this for every action it emits (`ActionInfo::retry_safe`); the runtime for actions named at run time.
pub fn is_retry_safe(action: &str, input_has_client_token: bool) -> bool {
    READ_PREFIXES.iter().any(|p| action.starts_with(p)) || action.ends_with("Statistics") || input_has_client_token
}

/// [`is_retry_safe`] for actions named at run time (`CommonClient`), whose input is unknown: by name only.
pub fn is_retry_safe_name(action: &str) -> bool {
    is_retry_safe(action, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_tokens_are_safe_writes_are_not() {
        for read in [
            "DescribeInstances",
            "PullSmsSendStatus",
            "GetUser",
            "ListKeys",
            "QueryTask",
            "SearchLog",
        ] {
            assert!(is_retry_safe_name(read), "{read}");
        }
        assert!(is_retry_safe_name("SendStatusStatistics"));
        for write in [
            "SendSms",
            "RunInstances",
            "AddSmsSign",
            "DeleteUser",
            "describeLowercase",
        ] {
            assert!(!is_retry_safe_name(write), "{write}");
        }
        assert!(is_retry_safe("RunInstances", true));
        // A prefix is matched as written: "Describ" is not a read.
        assert!(!is_retry_safe_name("Describ"));
    }
}

/// The member names that mark how a list action pages. The generator classifies every action with them
/// (`codegen/src/ir/paging.rs`, which emits `<method>_pages`); the command-line tool reads an action's
/// paging with them at run time for `--all`. One list, so a name added here pages in both.
pub mod paging {
    /// Request members that carry a next-page token. `SessionContext` (44 actions) is a conversation's
    /// state, never answered back, so it is not one.
    pub const TOKENS: [&str; 8] = [
        "NextToken",
        "Cursor",
        "Context",
        "ScrollToken",
        "ScrollId",
        "PaginationToken",
        "PageToken",
        "Marker",
    ];
    /// Page-number members.
    pub const PAGES: [&str; 5] = ["PageNumber", "PageNum", "Page", "PageNo", "PageIndex"];
    /// Page-size members paired with a page number.
    pub const SIZES: [&str; 4] = ["PageSize", "Limit", "Size", "PerPage"];
    /// Response members with the total number of items.
    pub const TOTALS: [&str; 6] = [
        "TotalCount",
        "Total",
        "TotalNum",
        "TotalCounts",
        "TotalCnt",
        "TotalNumber",
    ];
}
