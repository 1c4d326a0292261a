//! The `firmsight` command line; the work is in the `cli` module and the library.

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
