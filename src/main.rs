//! Thin entry point: a subcommand goes to the CLI, none opens the GUI.

use std::process::ExitCode;

use clap::Parser;
use spillway::cli::{Cli, execute};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => execute(command),
        None => open_gui(cli.file),
    }
}

#[cfg(feature = "gui")]
fn open_gui(file: Option<std::path::PathBuf>) -> ExitCode {
    match spillway::gui::run(file) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(spillway::cli::EXIT_INVALID)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_gui(_file: Option<std::path::PathBuf>) -> ExitCode {
    eprintln!(
        "error: this build has no GUI (built without the `gui` feature); try `spillway run FILE`"
    );
    ExitCode::from(spillway::cli::EXIT_USAGE)
}
