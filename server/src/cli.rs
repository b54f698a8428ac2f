//! The `memoreez` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::db::Db;
use crate::tools::ToolCommand;

#[derive(Parser, Debug)]
#[command(
    name = "memoreez",
    version,
    about = "Memoreez: 3D-printed keepsakes and the print lab that makes them."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (the default when no command is given).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    #[command(flatten)]
    Tool(ToolCommand),
}

/// The commands that need the configuration and the database.
enum ServerCommand {
    Serve,
    Migrate,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => return fail(error),
    };
    // Tool commands work on files alone: no database or logs, only the caps
    // on model files, the slicer and the price books from the configuration.
    let command = match cli.command.unwrap_or(Command::Serve) {
        Command::Tool(tool) => return crate::tools::run(tool, &config),
        Command::Serve => ServerCommand::Serve,
        Command::Migrate => ServerCommand::Migrate,
    };
    tracing_subscriber::fmt().with_env_filter(EnvFilter::new(&config.log)).with_target(false).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(error),
    };
    let outcome = match command {
        ServerCommand::Serve => runtime.block_on(crate::serve::run(config)).map_err(|e| e.to_string()),
        ServerCommand::Migrate => runtime.block_on(migrate(config)).map_err(|e| e.to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

async fn migrate(config: Config) -> Result<(), crate::db::DbError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    println!("database is up to date ({:?})", db.backend());
    db.close().await;
    Ok(())
}

/// One line on stderr, exit code 2: the shape every `memoreez` command fails in.
pub(crate) fn fail(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(2)
}
