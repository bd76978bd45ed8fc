//! Waiters: call an action until its answer says a state is reached ("the instance is RUNNING", "the
//! template is approved"), with backoff, within a deadline, and stop early when the state can no longer
//! be reached.
//!
//! - [`wait_until`]: any call and a predicate on its typed answer returning [`State`];
//! - [`JsonWaiter`] with [`crate::CommonClient::wait_for`]: the form of tccli's `--waiter`
//!   (`{"expr": "InstanceSet[0].InstanceState", "to": "RUNNING", "timeout": 180, "interval": 5}`) for any
//!   action by name: an expression into the `Response` object, the expected value, a timeout and an
//!   interval.
//!
//! # Decisions
//! - A failed call ends the wait with its error ([`WaitError::Call`]): throttling, connect errors and
//!   (for reads, which every waiter calls) timeouts and 5xx were already retried by the call path, so
//!   what is left would fail again.
//! - The expression language is the part of JMESPath that tccli waiters use in practice: member names
//!   joined by `.`, and `[n]` array indexes (negative from the end). It is parsed once, when the waiter
//!   is made, and an invalid one is an error naming the position. A path that leads nowhere (no such
//!   member yet, an empty list) is "not reached yet", not an error.
//! - The expected value matches when equal as JSON, or when the found value is a string, number or
//!   boolean whose text is the expected string (tccli's `to` is a string on the command line).

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::Error;

/// What a predicate says of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// The state is reached: the wait ends with this answer.
    Ready,
    /// Not yet: call again after the next delay.
    Pending,
    /// Can never be reached (e.g. the instance is `TERMINATED`): the wait ends with this reason.
    Unreachable(String),
}

/// How long and how often to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitPolicy {
    /// The delay before the second call.
    pub initial_delay: Duration,
    /// Each delay doubles up to this one.
    pub max_delay: Duration,
    /// Time allowed for the whole wait, calls and delays.
    pub timeout: Duration,
}

impl WaitPolicy {
    /// A fixed `interval` between calls, within `timeout` (tccli's form).
    pub fn fixed(interval: Duration, timeout: Duration) -> WaitPolicy {
        WaitPolicy {
            initial_delay: interval,
            max_delay: interval,
            timeout,
        }
    }

    /// Delays from `initial` doubling to `max`, within `timeout`.
    pub fn backoff(initial: Duration, max: Duration, timeout: Duration) -> WaitPolicy {
        WaitPolicy {
            initial_delay: initial,
            max_delay: max.max(initial),
            timeout,
        }
    }

    fn delay(&self, polls: u32) -> Duration {
        let factor = 1u32 << polls.saturating_sub(1).min(20);
        self.initial_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Why a wait ended without the state.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// The timeout passed before the state was reached.
    Timeout {
        /// Calls made.
        polls: u32,
        /// The timeout.
        timeout: Duration,
    },
    /// The predicate said the state can never be reached.
    Unreachable {
        /// Calls made.
        polls: u32,
        /// The predicate's reason.
        reason: String,
    },
    /// A call failed.
    Call(Error),
    /// The waiter itself is invalid (its expression).
    Invalid(Error),
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Timeout { polls, timeout } => {
                write!(f, "state not reached within {timeout:?} ({polls} calls)")
            }
            WaitError::Unreachable { polls, reason } => {
                write!(f, "state can never be reached (after {polls} calls): {reason}")
            }
            WaitError::Call(e) => write!(f, "waiter call failed: {e}"),
            WaitError::Invalid(e) => write!(f, "invalid waiter: {e}"),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(e) | WaitError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// Calls `call` until `predicate` says [`State::Ready`] (returns that answer) or
/// [`State::Unreachable`], a call fails, or `policy.timeout` passes (no call is started that could not
/// end before it; a call under way is cut at it).
///
/// ```no_run
/// # async fn demo(client: sdk_core::CommonClient) -> Result<(), sdk_core::waiter::WaitError> {
/// use std::time::Duration;
/// use sdk_core::waiter::{wait_until, State, WaitPolicy};
/// let policy = WaitPolicy::backoff(Duration::from_secs(1), Duration::from_secs(10), Duration::from_secs(300));
/// let params = serde_json::json!({"InstanceIds": ["ins-1"]});
/// let answer = wait_until(&policy, || client.call_json("DescribeInstances", &params), |r| {
///     match r["InstanceSet"][0]["InstanceState"].as_str() {
///         Some("RUNNING") => State::Ready,
///         Some("TERMINATED") => State::Unreachable("terminated".into()),
///         _ => State::Pending,
///     }
/// }).await?;
/// # Ok(()) }
/// ```
pub async fn wait_until<T, F, Fut, P>(policy: &WaitPolicy, mut call: F, mut predicate: P) -> Result<T, WaitError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
    P: FnMut(&T) -> State,
{
    let deadline = Instant::now() + policy.timeout;
    let timed_out = |polls| WaitError::Timeout {
        polls,
        timeout: policy.timeout,
    };
    let mut polls = 0u32;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        polls += 1;
        let answer = match tokio::time::timeout(remaining, call()).await {
            Err(_) => return Err(timed_out(polls)),
            Ok(result) => result.map_err(WaitError::Call)?,
        };
        match predicate(&answer) {
            State::Ready => return Ok(answer),
            State::Unreachable(reason) => return Err(WaitError::Unreachable { polls, reason }),
            State::Pending => {}
        }
        let delay = policy.delay(polls);
        if Instant::now() + delay >= deadline {
            return Err(timed_out(polls));
        }
        tokio::time::sleep(delay).await;
    }
}

/// tccli's `--waiter`: an expression into the `Response` object, the value expected there, a timeout and
/// an interval; plus values that mean the state can never be reached. Used with
/// [`crate::CommonClient::wait_for`].
#[derive(Debug, Clone, PartialEq)]
pub struct JsonWaiter {
    path: JsonPath,
    expected: Value,
    failure: Vec<Value>,
    policy: WaitPolicy,
}

/// tccli's default `timeout` (seconds).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);
/// tccli's default `interval` (seconds).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

impl JsonWaiter {
    /// Waits until `expr` (e.g. `InstanceSet[0].InstanceState`) finds `expected` (e.g. `"RUNNING"`);
    /// timeout 180 s and interval 5 s as tccli. Fails when `expr` is not a valid expression.
    pub fn new(expr: &str, expected: impl Into<Value>) -> Result<JsonWaiter, Error> {
        Ok(JsonWaiter {
            path: JsonPath::parse(expr)?,
            expected: expected.into(),
            failure: Vec::new(),
            policy: WaitPolicy::fixed(DEFAULT_INTERVAL, DEFAULT_TIMEOUT),
        })
    }

    /// Sets the timeout of the whole wait.
    pub fn timeout(mut self, timeout: Duration) -> JsonWaiter {
        self.policy.timeout = timeout;
        self
    }

    /// Sets the fixed interval between calls.
    pub fn interval(mut self, interval: Duration) -> JsonWaiter {
        self.policy.initial_delay = interval;
        self.policy.max_delay = interval;
        self
    }

    /// A value that, found at the expression, means the state can never be reached (e.g. `"TERMINATED"`).
    pub fn fail_on(mut self, value: impl Into<Value>) -> JsonWaiter {
        self.failure.push(value.into());
        self
    }

    /// The timing.
    pub fn policy(&self) -> &WaitPolicy {
        &self.policy
    }

    /// What this waiter says of one `Response` object.
    pub fn state(&self, response: &Value) -> State {
        let Some(found) = self.path.find(response) else {
            return State::Pending;
        };
        if matches_expected(found, &self.expected) {
            State::Ready
        } else if self.failure.iter().any(|f| matches_expected(found, f)) {
            State::Unreachable(format!("{} is {found}", self.path.text))
        } else {
            State::Pending
        }
    }
}

fn matches_expected(found: &Value, expected: &Value) -> bool {
    if found == expected {
        return true;
    }
    let Value::String(expected) = expected else {
        return false;
    };
    match found {
        Value::String(s) => s == expected,
        Value::Number(n) => n.to_string() == *expected,
        Value::Bool(b) => b.to_string() == *expected,
        _ => false,
    }
}

/// A parsed expression: member names and array indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Member(String),
    Index(i64),
}

/// Longest expression accepted.
pub const MAX_EXPRESSION_LEN: usize = 1024;

impl JsonPath {
    /// Parses `Name(.Name | [index])*`; names are letters, digits and `_` (not starting with a digit);
    /// indexes are integers, negative counting from the end.
    pub fn parse(expr: &str) -> Result<JsonPath, Error> {
        let bad = |at: usize, what: &str| {
            Error::invalid_request(
                "waiter expression",
                format!("{what} at character {} of {expr:?}", at + 1),
            )
        };
        if expr.len() > MAX_EXPRESSION_LEN {
            return Err(bad(MAX_EXPRESSION_LEN, "longer than 1024 bytes"));
        }
        let bytes = expr.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        let mut expect_name = true;
        while i < bytes.len() {
            match bytes[i] {
                b'[' => {
                    let end = expr[i..]
                        .find(']')
                        .map(|e| i + e)
                        .ok_or_else(|| bad(i, "`[` without `]`"))?;
                    let index = expr[i + 1..end]
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| bad(i + 1, "not an integer index"))?;
                    if expect_name && steps.is_empty() {
                        return Err(bad(i, "an expression starts with a member name"));
                    }
                    steps.push(Step::Index(index));
                    i = end + 1;
                    expect_name = false;
                }
                b'.' if !expect_name => {
                    i += 1;
                    expect_name = true;
                }
                c if expect_name && (c.is_ascii_alphabetic() || c == b'_') => {
                    let len = bytes[i..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                    steps.push(Step::Member(expr[i..i + len].to_owned()));
                    i += len;
                    expect_name = false;
                }
                _ => {
                    return Err(bad(
                        i,
                        if expect_name {
                            "expected a member name"
                        } else {
                            "expected `.` or `[`"
                        },
                    ))
                }
            }
        }
        if expect_name {
            return Err(bad(expr.len(), "expected a member name"));
        }
        Ok(JsonPath {
            text: expr.to_owned(),
            steps,
        })
    }

    /// The value the expression leads to, if any.
    pub fn find<'v>(&self, mut value: &'v Value) -> Option<&'v Value> {
        for step in &self.steps {
            value = match step {
                Step::Member(name) => value.get(name)?,
                Step::Index(i) => {
                    let items = value.as_array()?;
                    let at = if *i < 0 {
                        items.len().checked_sub(i.unsigned_abs() as usize)?
                    } else {
                        *i as usize
                    };
                    items.get(at)?
                }
            };
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions() {
        let v = json!({"InstanceSet": [{"InstanceState": "PENDING"}, {"InstanceState": "RUNNING", "Cpu": 2}]});
        let find = |e: &str| JsonPath::parse(e).unwrap().find(&v).cloned();
        assert_eq!(find("InstanceSet[1].InstanceState"), Some(json!("RUNNING")));
        assert_eq!(find("InstanceSet[-2].InstanceState"), Some(json!("PENDING")));
        assert_eq!(find("InstanceSet[5].InstanceState"), None);
        assert_eq!(find("InstanceSet[-3]"), None);
        assert_eq!(find("Missing.X"), None);
        for bad in ["", ".A", "A.", "A..B", "[0]", "A[x]", "A[0", "A B", "A.1B", "A-B"] {
            let e = JsonPath::parse(bad).unwrap_err();
            assert!(e.to_string().contains("at character"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn states() {
        let w = JsonWaiter::new("Set[0].State", "RUNNING")
            .unwrap()
            .fail_on("TERMINATED");
        assert_eq!(w.state(&json!({"Set": []})), State::Pending);
        assert_eq!(w.state(&json!({"Set": [{"State": "PENDING"}]})), State::Pending);
        assert_eq!(w.state(&json!({"Set": [{"State": "RUNNING"}]})), State::Ready);
        assert!(matches!(
            w.state(&json!({"Set": [{"State": "TERMINATED"}]})),
            State::Unreachable(_)
        ));
        let n = JsonWaiter::new("Count", "3").unwrap();
        assert_eq!(n.state(&json!({"Count": 3})), State::Ready);
        assert_eq!(n.state(&json!({"Count": 4})), State::Pending);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(expr in ".{0,64}", index in proptest::num::i64::ANY) {
            if let Ok(p) = JsonPath::parse(&expr) {
                let _ = p.find(&json!({"A": [1, 2, {"B": 3}]}));
            }
            let e = format!("A[{index}]");
            let p = JsonPath::parse(&e).unwrap();
            let _ = p.find(&json!({"A": [1, 2, 3]}));
        }
    }
}
