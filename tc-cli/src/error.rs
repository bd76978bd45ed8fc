//! What can go wrong, by class, and the exit code of each class: the one place that maps errors to exit
//! codes and to the error line printed on standard error.
//!
//! | exit | class | meaning |
//! |---|---|---|
//! | 0 | | success |
//! | 1 | service | the API answered an error (`[Code] message (RequestId)`) |
//! | 2 | usage | the command line is wrong: unknown product, action or parameter, wrong type, missing required parameter, bad JSON. Nothing was sent |
//! | 3 | configuration | no credential, unreadable `~/.tccli` files, bad endpoint or proxy |
//! | 4 | network | connection failed, timed out or broke |
//! | 5 | answer | the server answered something that is not an API answer (HTTP status, undecodable body) |
//! | 6 | waiter | `--waiter` timed out before its expression reached the wanted value |
//! | 70 | internal | a bug or a broken compiled-in spec |

use std::fmt;

/// The class of a failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Service,
    Usage,
    Config,
    Network,
    Answer,
    Waiter,
    Internal,
}

impl Class {
    /// The documented exit code (module docs).
    pub fn exit_code(self) -> i32 {
        match self {
            Class::Service => 1,
            Class::Usage => 2,
            Class::Config => 3,
            Class::Network => 4,
            Class::Answer => 5,
            Class::Waiter => 6,
            Class::Internal => 70,
        }
    }
}

/// A failure of one command: its class and the line printed (already free of secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub class: Class,
    pub message: String,
}

impl CliError {
    pub fn new(class: Class, message: impl Into<String>) -> CliError {
        CliError {
            class,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Class::Usage, message)
    }

    pub fn config(message: impl Into<String>) -> CliError {
        CliError::new(Class::Config, message)
    }

    pub fn internal(message: impl Into<String>) -> CliError {
        CliError::new(Class::Internal, message)
    }

    /// An SDK error: a service error as `[Code] message (RequestId)`, others by their (secret-free) Display.
    pub fn from_sdk(e: &sdk_core::Error) -> CliError {
        if let Some(code) = e.code() {
            let rid = e.request_id().unwrap_or("-");
            let msg = e.message().unwrap_or_default();
            return CliError::new(Class::Service, format!("[{code}] {msg} ({rid})"));
        }
        let class = if e.is_credential() || e.is_invalid_request() {
            Class::Config
        } else if e.is_connect() || e.is_timeout() || e.is_transport() {
            Class::Network
        } else if e.is_status() || e.is_decode() {
            Class::Answer
        } else {
            Class::Internal
        };
        CliError::new(class, e.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<tc_spec::validate::Violation> for CliError {
    fn from(v: tc_spec::validate::Violation) -> CliError {
        CliError::usage(format!("[{}] {}", v.code, v.message))
    }
}
