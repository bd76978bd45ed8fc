//! `tcli`: every action of every Tencent Cloud product compiled in, command-for-command with `tccli`, on
//! the SDK's own call path (`sdk_core::CommonClient`). See the README's "Command-line tool" section.
//!
//! How a command runs ([`run`]): the command line is split (`argv`), the product's spec inflated
//! (`specs`), the parameters turned into the request and checked by the shared validator (`params`,
//! `tc_spec::validate`) — any problem stops here, nothing sent — then the call (`call`, `flow` for
//! `--waiter` and `--all`), and the answer printed as tccli prints it (`output`). Errors are one line on
//! standard error and an exit code by class (`error`).

pub mod argv;
pub mod call;
pub mod complete;
pub mod config;
pub mod error;
pub mod flow;
pub mod help;
pub mod output;
pub mod params;
pub mod specs;

use std::io::Write;

use error::CliError;

/// The tool's version (`tcli --version` without a product).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs one command line (without the program name), writing the answer to `out`; returns the exit code
/// and prints any error to `err`.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match dispatch(args, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            e.class.exit_code()
        }
    }
}

fn dispatch(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    if args.first().map(String::as_str) == Some("__complete") {
        let words = &args[1..];
        return print(out, &(complete::candidates(words).join("\n") + "\n"));
    }
    let a = argv::parse(args)?;
    let mut words: Vec<&str> = a.words.iter().map(String::as_str).collect();
    if a.globals.help && words.last() != Some(&"help") && words.len() != 2 {
        words.push("help");
    }
    match words.as_slice() {
        [] if a.globals.version.as_deref() == Some("") => print(out, &format!("{VERSION}\n")),
        [] | ["help"] => print(out, &help::top()),
        ["configure", ..] => print(out, &config::run(&a.words[1..], a.globals.profile.as_deref())?),
        ["completion", shell] => print(out, &complete::script(shell)?),
        [product] | [product, "help"] => {
            let l = specs::load(product, a.globals.version.as_deref())?;
            print(out, &help::product(&l))
        }
        [product, action] => flow::action(product, action, &a, out),
        [product, action, "help"] => {
            let (l, action) = flow::resolve(product, action, &a)?;
            let param = a.params.first().map(|p| p.name.as_str());
            print(out, &help::action(&l, &action, param)?)
        }
        _ => Err(CliError::usage(format!(
            "unexpected words: {}\n{}",
            a.words.join(" "),
            help::USAGE
        ))),
    }
}

fn print(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::internal(format!("cannot write the answer: {e}")))
}
