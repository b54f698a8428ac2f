//! The `memoreez` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::db::Db;

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
    /// Inspect 3D model files.
    #[command(subcommand)]
    Mesh(crate::tools::MeshCommand),
    /// Repair a model (weld, remove bad faces, orient, close small holes) into an STL or 3MF.
    Repair {
        file: std::path::PathBuf,
        /// Where to write the repaired model (.stl or .3mf).
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Draw a shaded picture of a model into a PNG (no GPU needed).
    Thumbnail {
        file: std::path::PathBuf,
        /// Where to write the PNG.
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
        /// Width and height in pixels.
        #[arg(long, default_value_t = 512)]
        size: u32,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // Tool commands work on files alone: no configuration, database or logs.
    let command = match cli.command.unwrap_or(Command::Serve) {
        Command::Mesh(command) => return crate::tools::run_mesh(command),
        Command::Repair { file, output, json } => return crate::tools::run_repair(&file, &output, json),
        Command::Thumbnail { file, output, size } => {
            return crate::tools::run_thumbnail(&file, &output, size);
        }
        other => other,
    };
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => return fail(error),
    };
    tracing_subscriber::fmt().with_env_filter(EnvFilter::new(&config.log)).with_target(false).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(error),
    };
    let outcome = match command {
        Command::Serve => runtime.block_on(crate::serve::run(config)).map_err(|e| e.to_string()),
        Command::Migrate => runtime.block_on(migrate(config)).map_err(|e| e.to_string()),
        Command::Mesh(_) | Command::Repair { .. } | Command::Thumbnail { .. } => {
            unreachable!("handled above")
        }
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
