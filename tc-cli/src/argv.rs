//! The command line, as tccli reads it: `tcli [options] <product> <Action> [--Param value ...] [options]`,
//! `tcli [<product> [<Action>]] help`, `tcli configure set|get|list ...`, `tcli completion bash|zsh|fish`,
//! `tcli --version`. Global options may stand anywhere; everything else after `--` is an API parameter.
//!
//! Decisions: option names are case-sensitive (API parameters are PascalCase, global options lower case,
//! as in tccli); `--name=value` is accepted beside `--name value`; a parameter collects every following
//! token up to the next `--option` (tccli's unfolded lists take several values; in the plain form more than
//! one value is an error later, naming the parameter). Parsing never fails on content, only on shape.

use crate::error::CliError;

/// Options that take a value.
const VALUE_OPTIONS: &[&str] = &[
    "region",
    "profile",
    "secretId",
    "secretKey",
    "token",
    "endpoint",
    "version",
    "output",
    "filter",
    "timeout",
    "https-proxy",
    "waiter",
    "cli-input-json",
    "language",
];
/// Options that are switches.
const FLAG_OPTIONS: &[&str] = &["cli-unfold-argument", "generate-cli-skeleton", "all", "dry-run", "help"];

/// Every global option name, for help and completion.
pub fn global_options() -> impl Iterator<Item = &'static str> {
    VALUE_OPTIONS.iter().chain(FLAG_OPTIONS).copied()
}

/// Global options as given (`None`: not given).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Globals {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub secret_id: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub endpoint: Option<String>,
    pub version: Option<String>,
    pub output: Option<String>,
    pub filter: Option<String>,
    pub timeout: Option<String>,
    pub https_proxy: Option<String>,
    pub waiter: Option<String>,
    pub cli_input_json: Option<String>,
    pub language: Option<String>,
    pub unfold: bool,
    pub skeleton: bool,
    pub all: bool,
    pub dry_run: bool,
    pub help: bool,
}

/// One `--Name v1 v2 ...` as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub values: Vec<String>,
}

/// The parsed command line: positional words, API parameters and global options.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Argv {
    pub words: Vec<String>,
    pub params: Vec<Param>,
    pub globals: Globals,
}

/// Splits `args` (without the program name).
pub fn parse(args: &[String]) -> Result<Argv, CliError> {
    let mut out = Argv::default();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        let Some(opt) = arg.strip_prefix("--").filter(|o| !o.is_empty()) else {
            match out.params.last_mut() {
                Some(p) => p.values.push(arg.clone()),
                None => out.words.push(arg.clone()),
            }
            continue;
        };
        let (name, inline) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (opt, None),
        };
        if FLAG_OPTIONS.contains(&name) {
            if inline.is_some() {
                return Err(CliError::usage(format!("option --{name} takes no value")));
            }
            set_flag(&mut out.globals, name);
        } else if VALUE_OPTIONS.contains(&name) {
            let value = match inline {
                Some(v) => v,
                // `tcli --version` alone asks for the tool's version.
                None if name == "version" && it.peek().is_none() => String::new(),
                None => it
                    .next_if(|v| !is_option(v))
                    .cloned()
                    .ok_or_else(|| CliError::usage(format!("option --{name} needs a value")))?,
            };
            set_value(&mut out.globals, name, value)?;
        } else {
            out.params.push(Param {
                name: name.to_owned(),
                values: inline.into_iter().collect(),
            });
        }
    }
    Ok(out)
}

/// `--x` is an option; `-1` and `--` alone are values.
fn is_option(s: &str) -> bool {
    s.len() > 2 && s.starts_with("--")
}

fn set_flag(g: &mut Globals, name: &str) {
    match name {
        "cli-unfold-argument" => g.unfold = true,
        "generate-cli-skeleton" => g.skeleton = true,
        "all" => g.all = true,
        "dry-run" => g.dry_run = true,
        _ => g.help = true,
    }
}

fn set_value(g: &mut Globals, name: &str, value: String) -> Result<(), CliError> {
    let slot = match name {
        "region" => &mut g.region,
        "profile" => &mut g.profile,
        "secretId" => &mut g.secret_id,
        "secretKey" => &mut g.secret_key,
        "token" => &mut g.token,
        "endpoint" => &mut g.endpoint,
        "version" => &mut g.version,
        "output" => &mut g.output,
        "filter" => &mut g.filter,
        "timeout" => &mut g.timeout,
        "https-proxy" => &mut g.https_proxy,
        "waiter" => &mut g.waiter,
        "cli-input-json" => &mut g.cli_input_json,
        _ => &mut g.language,
    };
    if slot.is_some() {
        return Err(CliError::usage(format!("option --{name} is given twice")));
    }
    *slot = Some(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Result<Argv, CliError> {
        parse(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn words_params_and_globals() {
        let a = argv(&[
            "--region",
            "ap-guangzhou",
            "sms",
            "SendSms",
            "--A",
            "1",
            "--B=x",
            "--C",
            "p",
            "q",
            "--all",
        ])
        .unwrap();
        assert_eq!(a.words, ["sms", "SendSms"]);
        assert_eq!(a.globals.region.as_deref(), Some("ap-guangzhou"));
        assert!(a.globals.all);
        assert_eq!(
            a.params[0],
            Param {
                name: "A".into(),
                values: vec!["1".into()]
            }
        );
        assert_eq!(a.params[1].values, ["x"]);
        assert_eq!(a.params[2].values, ["p", "q"]);
    }

    #[test]
    fn shape_errors() {
        assert!(argv(&["--region"]).is_err());
        assert!(argv(&["--all=1"]).is_err());
        assert!(argv(&["--region", "a", "--region", "b"]).is_err());
        assert_eq!(argv(&["x", "--A", "-1"]).unwrap().params[0].values, ["-1"]);
    }
}
