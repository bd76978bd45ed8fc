//! Shell completions for products, actions and parameters. The scripts (`tcli completion bash|zsh|fish`)
//! ask the binary itself (`tcli __complete <words so far>`), so they never go stale and cover every
//! product compiled in.

use crate::error::CliError;
use crate::specs;

/// The completion script for `shell`.
pub fn script(shell: &str) -> Result<String, CliError> {
    Ok(match shell {
        "bash" => "_tcli() {\n  local IFS=$'\\n'\n  COMPREPLY=($(compgen -W \"$(tcli __complete \"${COMP_WORDS[@]:1:$((COMP_CWORD-1))}\" 2>/dev/null)\" -- \"${COMP_WORDS[COMP_CWORD]}\"))\n}\ncomplete -F _tcli tcli\n".to_owned(),
        "zsh" => "#compdef tcli\n_tcli() {\n  local -a c\n  c=(${(f)\"$(tcli __complete ${words[2,CURRENT-1]} 2>/dev/null)\"})\n  compadd -a c\n}\ncompdef _tcli tcli\n".to_owned(),
        "fish" => "complete -c tcli -f -a '(tcli __complete (commandline -opc)[2..-1] 2>/dev/null)'\n".to_owned(),
        other => return Err(CliError::usage(format!("no completion for shell `{other}`: bash, zsh or fish"))),
    })
}

/// Candidates for the word after `words` (the words typed so far, without the program name).
pub fn candidates(words: &[String]) -> Vec<String> {
    let positional: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    match positional.as_slice() {
        [] => {
            let mut v: Vec<String> = specs::products().into_iter().map(str::to_owned).collect();
            v.extend(["help", "configure", "completion"].map(str::to_owned));
            v
        }
        [p] if p.as_str() == "configure" => ["set", "get", "list"].map(str::to_owned).to_vec(),
        [p] if p.as_str() == "completion" => ["bash", "zsh", "fish"].map(str::to_owned).to_vec(),
        [product] => match specs::load(product, None) {
            Ok(l) => l.pv.api.actions.keys().cloned().chain(["help".to_owned()]).collect(),
            Err(_) => Vec::new(),
        },
        [product, action, ..] => match specs::load(product, None) {
            Ok(l) => match l.schema.input(action) {
                Some(input) => l
                    .schema
                    .members(input)
                    .map(|m| format!("--{m}"))
                    .chain(crate::argv::global_options().map(|o| format!("--{o}")))
                    .collect(),
                None => Vec::new(),
            },
            Err(_) => Vec::new(),
        },
    }
}
