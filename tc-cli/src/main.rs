//! `tcli`: see the crate docs (`tc_cli`).

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let stdout = std::io::stdout();
    let code = tc_cli::run(&args, &mut stdout.lock(), &mut std::io::stderr());
    std::process::exit(code);
}
