//! `rapport`: the engine behind the desktop app, as a command line
//! (spec/CLI.md). Errors are one sentence on stderr and a non-zero exit.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
