//! `memoreez backup OUT.tar` and `memoreez restore IN.tar`: the database and
//! every stored file in one archive, with a manifest of their sizes and
//! SHA-256 sums.
//!
//! The database part is a consistent snapshot taken while the service runs,
//! by the tool each database has for it: SQLite's `VACUUM INTO` (a copy of
//! the whole file as of one transaction) or `pg_dump` (one snapshot, custom
//! format, read back by `pg_restore`). The snapshot is taken before the files
//! are read, and files are written before the rows that name them, so every
//! file the snapshot names is in the archive. Files go through [`Storage`],
//! so a bucket is backed up like a folder.
//!
//! A restore checks every sum before it touches anything (reading each
//! entry in pieces), takes only regular files under the names a backup
//! writes (a crafted manifest cannot make it write elsewhere), and only fills an
//! empty place: a database that does not exist yet (SQLite) or has no tables
//! (PostgreSQL), and empty storage. It then applies any newer migrations, so
//! an older backup comes back under a newer `memoreez`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::platform::config::Config;
use crate::platform::db::{DatabaseKind, Db};
use crate::platform::storage::{Storage, StorageError};

mod restore;
pub use restore::restore;
#[cfg(test)]
use restore::safe_key;

const MANIFEST: &str = "manifest.json";
const FILES: &str = "files/";

/// What an archive holds, written last into it.
#[derive(Serialize, Deserialize, Debug)]
struct Manifest {
    format: u32,
    made_at_ms: i64,
    /// `sqlite` or `postgres`.
    backend: String,
    database: Entry,
    files: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// The entry's name in the archive.
    name: String,
    bytes: u64,
    sha256: String,
}

/// What a backup or a restore handled.
#[derive(Debug)]
pub struct Summary {
    pub database_bytes: u64,
    pub files: usize,
    pub file_bytes: u64,
}

#[derive(thiserror::Error, Debug)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("the database could not be copied: {0}")]
    Snapshot(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Migrate(#[from] crate::platform::db::DbError),
    /// The archive is not one of ours, or not whole; nothing was restored.
    #[error("{0}; nothing was restored")]
    Damaged(String),
    /// The place to restore into is not empty; nothing was restored.
    #[error("{0}; nothing was restored")]
    NotEmpty(String),
    /// A backup of one kind of database, and the other kind configured.
    #[error("{0}; nothing was restored")]
    Mismatch(String),
}

fn io(context: &str) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |error| BackupError::Io(format!("{context}: {error}"))
}

fn kind_name(backend: DatabaseKind) -> &'static str {
    match backend {
        DatabaseKind::Sqlite => "sqlite",
        DatabaseKind::Postgres => "postgres",
    }
}

/// Writes the archive to `out` (through `out.partial`, renamed when whole,
/// so a failed backup leaves no archive that looks finished).
pub async fn create(config: &Config, db: &Db, storage: &Storage, out: &Path) -> Result<Summary, BackupError> {
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let scratch = tempfile::tempdir_in(folder).map_err(io("cannot write beside the archive"))?;
    let (database_name, snapshot) = snapshot(config, db, scratch.path()).await?;
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let written = write_archive(db.kind(), storage, &database_name, &snapshot, &partial).await;
    match written {
        Ok(summary) => {
            std::fs::rename(&partial, out).map_err(io("cannot name the archive"))?;
            Ok(summary)
        }
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

/// A consistent copy of the database in `scratch`: its name in the archive and its path.
async fn snapshot(config: &Config, db: &Db, scratch: &Path) -> Result<(String, PathBuf), BackupError> {
    match db.kind() {
        DatabaseKind::Sqlite => {
            let path = scratch.join("database.sqlite3");
            // The path is ours (a fresh temporary folder); quotes are doubled all the same.
            let sql = format!("VACUUM INTO '{}'", path.display().to_string().replace('\'', "''"));
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(db.pool())
                .await
                .map_err(|e| BackupError::Snapshot(e.to_string()))?;
            Ok(("database.sqlite3".into(), path))
        }
        DatabaseKind::Postgres => {
            let path = scratch.join("database.pgdump");
            let mut dump = postgres_command("pg_dump", &config.database_url);
            dump.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(&path);
            run(dump, "pg_dump").await?;
            Ok(("database.pgdump".into(), path))
        }
    }
}

/// Runs a PostgreSQL tool; its own words when it fails.
async fn run(mut command: std::process::Command, tool: &'static str) -> Result<(), BackupError> {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| BackupError::Snapshot(e.to_string()))?
        .map_err(|e| BackupError::Snapshot(format!("cannot run {tool} (Debian: postgresql-client): {e}")))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(BackupError::Snapshot(format!("{tool} failed: {said}")));
    }
    Ok(())
}

async fn write_archive(
    backend: DatabaseKind,
    storage: &Storage,
    database_name: &str,
    snapshot: &Path,
    partial: &Path,
) -> Result<Summary, BackupError> {
    let file = std::fs::File::create(partial).map_err(io("cannot create the archive"))?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
    let bytes = std::fs::read(snapshot).map_err(io("cannot read the database copy"))?;
    let database = append(&mut tar, database_name, &bytes)?;
    drop(bytes);
    let mut keys: Vec<String> = storage.list_dated().await?.into_iter().map(|(key, _)| key).collect();
    keys.sort();
    let mut files = Vec::with_capacity(keys.len());
    for key in keys {
        match storage.get(&key).await {
            Ok(bytes) => files.push(append(&mut tar, &format!("{FILES}{key}"), &bytes)?),
            // Removed since it was listed (a sweep, a folder move): not named by the snapshot's rows.
            Err(StorageError::NotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let manifest = Manifest {
        format: 1,
        made_at_ms: crate::platform::time::now_ms(),
        backend: kind_name(backend).into(),
        database,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    append(&mut tar, MANIFEST, &json)?;
    let mut out = tar.into_inner().map_err(io("cannot finish the archive"))?;
    out.flush().map_err(io("cannot finish the archive"))?;
    out.get_ref().sync_all().map_err(io("cannot finish the archive"))?;
    Ok(Summary {
        database_bytes: manifest.database.bytes,
        files: manifest.files.len(),
        file_bytes: manifest.files.iter().map(|f| f.bytes).sum(),
    })
}

fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> Result<Entry, BackupError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(u64::try_from(crate::platform::time::now_ms() / 1000).unwrap_or(0));
    // append_data writes GNU long-name entries for paths past 100 bytes.
    tar.append_data(&mut header, name, bytes).map_err(io("cannot write the archive"))?;
    Ok(Entry {
        name: name.into(),
        bytes: bytes.len() as u64,
        sha256: crate::platform::tokens::sha256_hex(bytes),
    })
}

/// A PostgreSQL tool's command for `url`, its password (if any) in
/// `PGPASSWORD` rather than in the arguments, where `ps` shows it to every
/// user of the machine.
fn postgres_command(tool: &str, url: &str) -> std::process::Command {
    let mut command = std::process::Command::new(tool);
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let password = parsed.password().unwrap_or_default();
            let password = percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned();
            command.env("PGPASSWORD", password);
            let _ = parsed.set_password(None);
            command.arg(format!("--dbname={parsed}"));
        }
        _ => {
            command.arg(format!("--dbname={url}"));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_goes_by_the_environment() {
        let command =
            postgres_command("pg_dump", "postgres://memoreez:s%40cret@db.internal:5432/shop?sslmode=require");
        let args: Vec<String> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, ["--dbname=postgres://memoreez@db.internal:5432/shop?sslmode=require"]);
        let password = command.get_envs().find(|(k, _)| *k == "PGPASSWORD").and_then(|(_, v)| v);
        assert_eq!(password.and_then(|v| v.to_str()), Some("s@cret"));
        let without = postgres_command("pg_restore", "postgres://postgres@127.0.0.1/test");
        assert_eq!(without.get_envs().count(), 0);
    }

    #[test]
    fn only_keys_inside_the_storage_are_restored() {
        for good in ["models/abc/model.stl", "lab/Uploaded/2026-12-03 Pip/x.3mf"] {
            assert!(safe_key(good), "{good}");
        }
        for bad in ["", "/etc/passwd", "../x", "models/../../x", "models//x", "a/./b", "a\\b", "models/"] {
            assert!(!safe_key(bad), "{bad}");
        }
    }
}
