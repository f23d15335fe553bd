//! The `cpi-gitops` binary: parse the command line, run, turn the outcome into an exit code
//! (0 in sync or success, 2 differences, 1 error).

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let outcome = cpi_gitops::cli::main();
    ExitCode::from(outcome.exit_code())
}
