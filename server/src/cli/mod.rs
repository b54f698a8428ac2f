//! The `memoreez` command line.

pub mod serve;
pub mod tools;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli::tools::ToolCommand;
use crate::platform::config::Config;
use crate::platform::db::Db;

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
    /// Pull mesh jobs from a Memoreez server and make their models (run it
    /// beside a GPU; it needs no database).
    Worker {
        /// The server's address, e.g. https://keepsakes.example.
        #[arg(long)]
        server: String,
        /// A worker token from `memoreez admin worker-token`.
        #[arg(long, env = "MEMOREEZ_WORKER_TOKEN", hide_env_values = true)]
        token: String,
        /// `embedded` (reliefs) or `hunyuan3d=URL` (its API server).
        #[arg(long = "mesh-provider", default_value = "embedded")]
        mesh_provider: String,
        /// How long a job stays this worker's without a heartbeat, seconds.
        #[arg(long = "lease-s", default_value_t = 60)]
        lease_s: u64,
        /// This worker's name in the server's records (default: host and process).
        #[arg(long = "worker-id")]
        worker_id: Option<String>,
    },
    /// Write the database (a consistent snapshot, taken while the server
    /// runs) and every stored file to one archive, with a manifest of sums.
    Backup {
        /// The archive to write, e.g. memoreez-2026-11-23.tar.
        out: std::path::PathBuf,
    },
    /// Restore an archive from `memoreez backup` into the configured
    /// database and storage, which must be empty (checks every sum first).
    Restore {
        /// The archive to read.
        archive: std::path::PathBuf,
    },
    /// Administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Open a `3dprint://open?path=…` link from the staff pages in the slicer
    /// (the desktop runs this; the path must be a file under the shared
    /// storage folder, MEMOREEZ_FILES_DIR).
    OpenInSlicer { url: String },
    /// Desktop integration.
    #[command(subcommand)]
    Protocol(ProtocolCommand),
    /// Shop orders: outside fulfilment through Slant 3D.
    #[command(subcommand)]
    Orders(OrdersCommand),
    #[command(flatten)]
    Tool(ToolCommand),
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Make a token for a remote worker; it is printed once and stored hashed.
    WorkerToken {
        /// Who the token is for, e.g. gpu-box-1.
        #[arg(long)]
        name: String,
    },
    /// Set the lab's shared staff password, read from standard input (typed,
    /// or piped: `printf '%s' "$PW" | memoreez admin set-password`). Signs every
    /// browser out.
    SetPassword,
    /// Remove stored files that no record points at (what a crash between
    /// writing a file and recording it leaves). The server does this by
    /// itself every half grace period; this is for a stopped server.
    SweepFiles {
        /// Only files written at least this long ago (default:
        /// MEMOREEZ_ORPHAN_GRACE_MINUTES). 0 is safe only while no server runs.
        #[arg(long = "older-than-minutes")]
        older_than_minutes: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
enum ProtocolCommand {
    /// Register `memoreez open-in-slicer` for 3dprint:// links (freedesktop:
    /// a .desktop file under $XDG_DATA_HOME/applications and xdg-mime).
    Install,
}

#[derive(Subcommand, Debug)]
enum OrdersCommand {
    /// Send a shipped order to Slant 3D, who print it and ship it to the
    /// customer (needs MEMOREEZ_SLANT3D_API_KEY and MEMOREEZ_PUBLIC_URL
    /// reachable from the internet, for them to fetch the file).
    SendOut {
        /// The order's id (from its page's link or the lab's alert).
        order: String,
        /// Their filament, e.g. "PLA BLACK".
        #[arg(long, default_value = "PLA BLACK")]
        color: String,
        /// Only show their price; place nothing.
        #[arg(long)]
        estimate_only: bool,
    },
    /// Ask Slant 3D where a sent-out order is; marks it shipped (and emails
    /// the customer) once they have shipped it.
    Track { order: String },
}

/// The commands that need the configuration and the database.
enum ServerCommand {
    Serve,
    Migrate,
    WorkerToken(String),
    Orders(OrdersCommand),
    SetPassword,
    SweepFiles(Option<u64>),
    Backup(std::path::PathBuf),
    Restore(std::path::PathBuf),
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
        Command::Tool(tool) => return crate::cli::tools::run(tool, &config),
        Command::OpenInSlicer { url } => {
            use crate::lab::open_in_slicer as slicer;
            let outcome = slicer::open(
                &config.files_dir,
                &config.desktop_slicer,
                &url,
                |link| slicer::check_with_site(&config.public_url, link),
                slicer::ask_at_this_computer,
            );
            if let Err(error) = slicer::report(&config.public_url, &url, &outcome) {
                eprintln!("warning: the job's event log was not told: {error}");
            }
            return match outcome {
                Ok(file) => {
                    println!("opened {}", file.display());
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            };
        }
        Command::Protocol(ProtocolCommand::Install) => return protocol_install(),
        Command::Serve => ServerCommand::Serve,
        Command::Migrate => ServerCommand::Migrate,
        Command::Admin(AdminCommand::WorkerToken { name }) => ServerCommand::WorkerToken(name),
        Command::Orders(command) => ServerCommand::Orders(command),
        Command::Backup { out } => ServerCommand::Backup(out),
        Command::Restore { archive } => ServerCommand::Restore(archive),
        Command::Admin(AdminCommand::SetPassword) => ServerCommand::SetPassword,
        Command::Admin(AdminCommand::SweepFiles { older_than_minutes }) => {
            ServerCommand::SweepFiles(older_than_minutes)
        }
        Command::Worker { server, token, mesh_provider, lease_s, worker_id } => {
            let worker_id =
                worker_id.unwrap_or_else(|| format!("{}-{}", crate::workers::hostname(), std::process::id()));
            let options =
                crate::workers::remote::WorkerOptions { server, token, mesh_provider, lease_s, worker_id };
            crate::platform::logs::init(&config);
            return match tokio::runtime::Runtime::new() {
                Ok(runtime) => match runtime.block_on(crate::workers::remote::run(options)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(error) => fail(error),
                },
                Err(error) => fail(error),
            };
        }
    };
    crate::platform::logs::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(error),
    };
    let outcome = match command {
        ServerCommand::Serve => runtime.block_on(crate::cli::serve::run(config)).map_err(|e| e.to_string()),
        ServerCommand::Migrate => runtime.block_on(migrate(config)).map_err(|e| e.to_string()),
        ServerCommand::WorkerToken(name) => runtime.block_on(worker_token(config, &name)),
        ServerCommand::Orders(command) => runtime.block_on(orders(config, command)),
        ServerCommand::SetPassword => runtime.block_on(set_password(config)),
        ServerCommand::SweepFiles(minutes) => runtime.block_on(sweep_files(config, minutes)),
        ServerCommand::Backup(out) => runtime.block_on(backup(config, &out)),
        ServerCommand::Restore(archive) => runtime.block_on(restore(config, &archive)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

async fn migrate(config: Config) -> Result<(), crate::platform::db::DbError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    println!("database is up to date ({:?})", db.kind());
    db.close().await;
    Ok(())
}

async fn worker_token(config: Config, name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 64 {
        return Err("--name must be 1 to 64 characters".into());
    }
    let db = Db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let token = crate::jobs::worker_tokens::create(&db, name.trim()).await.map_err(|e| e.to_string())?;
    db.close().await;
    println!("{token}");
    eprintln!("Keep it secret: it is shown only now. Use it as `memoreez worker --token …`.");
    Ok(())
}

async fn orders(config: Config, command: OrdersCommand) -> Result<(), String> {
    let state = crate::state::AppState::open(config).await.map_err(|e| e.to_string())?;
    let outcome = match command {
        OrdersCommand::SendOut { order, color, estimate_only: true } => crate::shop::fulfilment::estimate(
            &state.shop(),
            &crate::staff::StaffSession::console(),
            &order,
            &color,
        )
        .await
        .map(|cents| println!("{}", crate::shop::fulfilment::price_words(&order, cents))),
        OrdersCommand::SendOut { order, color, estimate_only: false } => crate::shop::fulfilment::send(
            &state.shop(),
            &crate::staff::StaffSession::console(),
            &order,
            &color,
        )
        .await
        .map(|sent| println!("{}", sent.in_words(&order))),
        OrdersCommand::Track { order } => crate::shop::fulfilment::track(&state.shop(), &order)
            .await
            .map(|tracking| println!("{}", crate::shop::fulfilment::tracking_words(&order, &tracking))),
    };
    // The shipped email is in the outbox; send what is due before leaving.
    let _ = crate::mail::sender::send_due(&state.db, &state.storage, &state.config).await;
    state.db.close().await;
    outcome.map_err(|e| e.to_string())
}

async fn set_password(config: Config) -> Result<(), String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!(
            "New staff password (at least {} characters; it shows as you type): ",
            crate::staff::sign_in::MIN_PASSWORD_CHARS
        );
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| format!("reading the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    let db = Db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let outcome =
        crate::staff::sign_in::set_password(&db, password, password).await.map_err(|e| e.to_string());
    db.close().await;
    outcome?;
    eprintln!("The staff password is set; every signed-in browser has been signed out.");
    Ok(())
}

async fn sweep_files(config: Config, older_than_minutes: Option<u64>) -> Result<(), String> {
    let minutes = older_than_minutes.unwrap_or(config.orphan_grace_minutes);
    let state = crate::state::AppState::open(config).await.map_err(|e| e.to_string())?;
    let swept = crate::workers::orphans::sweep(
        &state.db,
        &state.storage,
        std::time::Duration::from_secs(minutes.saturating_mul(60)),
    )
    .await;
    state.db.close().await;
    let swept = swept.map_err(|e| e.to_string())?;
    swept.removed.iter().for_each(|key| println!("removed {key}"));
    eprintln!(
        "Looked at {} files written over {minutes} min ago; removed {} that no record points at.",
        swept.looked_at,
        swept.removed.len()
    );
    Ok(())
}

async fn backup(config: Config, out: &std::path::Path) -> Result<(), String> {
    let db = Db::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    let storage = crate::platform::storage::Storage::open(&config).map_err(|e| e.to_string())?;
    let made = crate::platform::backup::create(&config, &db, &storage, out).await;
    db.close().await;
    let made = made.map_err(|e| e.to_string())?;
    eprintln!(
        "Wrote {}: the database ({} bytes) and {} files ({} bytes), each with its SHA-256.",
        out.display(),
        made.database_bytes,
        made.files,
        made.file_bytes
    );
    Ok(())
}

async fn restore(config: Config, archive: &std::path::Path) -> Result<(), String> {
    let restored = crate::platform::backup::restore(&config, archive).await.map_err(|e| e.to_string())?;
    eprintln!(
        "Restored the database ({} bytes) and {} files ({} bytes) from {}.",
        restored.database_bytes,
        restored.files,
        restored.file_bytes,
        archive.display()
    );
    Ok(())
}

fn protocol_install() -> ExitCode {
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".local/share")));
    let (Some(data_home), Ok(program)) = (data_home, std::env::current_exe()) else {
        return fail("neither XDG_DATA_HOME nor HOME is set");
    };
    match crate::lab::open_in_slicer::install(&data_home, &program) {
        Ok(lines) => {
            lines.iter().for_each(|line| println!("{line}"));
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

/// One line on stderr, exit code 2: the shape every `memoreez` command fails in.
pub(crate) fn fail(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token is pasted after `--token`; one that clap took for an option
    /// would stop the worker from starting (one in 64 did, before the prefix).
    #[tokio::test]
    async fn every_worker_token_is_taken_as_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::platform::db::Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        for _ in 0..512 {
            let token = crate::jobs::worker_tokens::create(&db, "gpu").await.unwrap();
            let parsed =
                Cli::try_parse_from(["memoreez", "worker", "--server", "http://lab", "--token", &token]);
            let Ok(Cli { command: Some(Command::Worker { token: read, .. }) }) = parsed else {
                panic!("{token} was not taken as the token: {parsed:?}");
            };
            assert_eq!(
                crate::jobs::worker_tokens::worker_name(&db, &read).await.unwrap().as_deref(),
                Some("gpu")
            );
        }
    }
}
