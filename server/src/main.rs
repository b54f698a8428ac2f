use std::process::ExitCode;

fn main() -> ExitCode {
    memoreez::cli::run()
}
