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
//! A restore checks every sum before it touches anything, and only fills an
//! empty place: a database that does not exist yet (SQLite) or has no tables
//! (PostgreSQL), and empty storage. It then applies any newer migrations, so
//! an older backup comes back under a newer `memoreez`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::{Backend, Db};
use crate::storage::{Storage, StorageError};

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
    Migrate(#[from] crate::db::DbError),
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

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Writes the archive to `out` (through `out.partial`, renamed when whole,
/// so a failed backup leaves no archive that looks finished).
pub async fn create(config: &Config, db: &Db, storage: &Storage, out: &Path) -> Result<Summary, BackupError> {
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let scratch = tempfile::tempdir_in(folder).map_err(io("cannot write beside the archive"))?;
    let (database_name, snapshot) = snapshot(config, db, scratch.path()).await?;
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let written = write_archive(db.backend(), storage, &database_name, &snapshot, &partial).await;
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
    match db.backend() {
        Backend::Sqlite => {
            let path = scratch.join("database.sqlite3");
            // The path is ours (a fresh temporary folder); quotes are doubled all the same.
            let sql = format!("VACUUM INTO '{}'", path.display().to_string().replace('\'', "''"));
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(db.pool())
                .await
                .map_err(|e| BackupError::Snapshot(e.to_string()))?;
            Ok(("database.sqlite3".into(), path))
        }
        Backend::Postgres => {
            let path = scratch.join("database.pgdump");
            let mut dump = std::process::Command::new("pg_dump");
            dump.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
                .arg(&path)
                .arg(format!("--dbname={}", config.database_url));
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
    backend: Backend,
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
        made_at_ms: crate::time::now_ms(),
        backend: backend_name(backend).into(),
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
    header.set_mtime(u64::try_from(crate::time::now_ms() / 1000).unwrap_or(0));
    // append_data writes GNU long-name entries for paths past 100 bytes.
    tar.append_data(&mut header, name, bytes).map_err(io("cannot write the archive"))?;
    Ok(Entry { name: name.into(), bytes: bytes.len() as u64, sha256: crate::session::sha256_hex(bytes) })
}

/// Every entry of the archive at `path`: its name, size and sum, and the manifest.
fn read_entries(path: &Path) -> Result<(BTreeMap<String, Entry>, Manifest), BackupError> {
    let damaged = |why: String| {
        BackupError::Damaged(format!("{} is not a whole Memoreez backup: {why}", path.display()))
    };
    let (mut found, mut manifest) = (BTreeMap::new(), None);
    each_entry(path, |name, bytes| {
        if name == MANIFEST {
            manifest = Some(serde_json::from_slice::<Manifest>(&bytes).map_err(|e| e.to_string()));
        } else {
            let sum = crate::session::sha256_hex(&bytes);
            found.insert(name.clone(), Entry { name, bytes: bytes.len() as u64, sha256: sum });
        }
        true
    })
    .map_err(|e| damaged(e.to_string()))?;
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest".into()))?.map_err(damaged)?;
    Ok((found, manifest))
}

/// Checks the archive against its manifest: every entry there, whole, and nothing else.
fn check(path: &Path) -> Result<Manifest, BackupError> {
    let (found, manifest) = read_entries(path)?;
    let damaged = |why: String| BackupError::Damaged(format!("{} is damaged: {why}", path.display()));
    if manifest.format != 1 {
        return Err(damaged(format!("format {} is not one this memoreez reads", manifest.format)));
    }
    let expected: Vec<&Entry> = std::iter::once(&manifest.database).chain(&manifest.files).collect();
    for entry in &expected {
        match found.get(&entry.name) {
            Some(got) if got == *entry => {}
            Some(_) => return Err(damaged(format!("{} does not match its checksum", entry.name))),
            None => return Err(damaged(format!("{} is missing", entry.name))),
        }
    }
    if found.len() != expected.len() {
        return Err(damaged("it holds entries its manifest does not list".into()));
    }
    Ok(manifest)
}

/// Restores the archive at `path` into the database and storage `config`
/// names, which must be empty.
pub async fn restore(config: &Config, path: &Path) -> Result<Summary, BackupError> {
    let checked = path.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || check(&checked))
        .await
        .map_err(|e| BackupError::Io(e.to_string()))??;
    let backend =
        if config.database_url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
    if manifest.backend != backend_name(backend) {
        return Err(BackupError::Mismatch(format!(
            "this is a backup of a {} database, and MEMOREEZ_DATABASE_URL names {}",
            manifest.backend,
            backend_name(backend)
        )));
    }
    let storage = Storage::open(config)?;
    if !storage.list_dated().await?.is_empty() {
        return Err(BackupError::NotEmpty(format!(
            "the storage at {} already holds files",
            storage.describe()
        )));
    }
    let scratch = tempfile::tempdir().map_err(io("cannot make a temporary folder"))?;
    let database = scratch.path().join(&manifest.database.name);
    extract(path, &manifest.database.name, &database)?;
    match backend {
        Backend::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&config.database_url)?;
            let target = options.get_filename().to_path_buf();
            if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
                return Err(BackupError::NotEmpty(format!(
                    "the database {} already exists",
                    target.display()
                )));
            }
            if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder).map_err(io("cannot make the database's folder"))?;
            }
            std::fs::copy(&database, &target).map_err(io("cannot write the database"))?;
        }
        Backend::Postgres => {
            let db = Db::connect(&config.database_url).await?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_one(db.pool())
            .await?;
            db.close().await;
            if tables > 0 {
                return Err(BackupError::NotEmpty("the PostgreSQL database already has tables".into()));
            }
            let mut load = std::process::Command::new("pg_restore");
            load.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
                .arg(format!("--dbname={}", config.database_url))
                .arg(&database);
            run(load, "pg_restore").await?;
        }
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    db.close().await;

    // The archive is read on a blocking thread, a few files ahead of the writes.
    let (send, mut receive) = tokio::sync::mpsc::channel::<Result<(String, Vec<u8>), BackupError>>(4);
    let reading = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        if let Err(error) = each_file(&reading, |key, bytes| send.blocking_send(Ok((key, bytes))).is_ok()) {
            let _ = send.blocking_send(Err(error));
        }
    });
    let mut restored = 0;
    while let Some(file) = receive.recv().await {
        let (key, bytes) = file?;
        storage.put(&key, bytes).await?;
        restored += 1;
    }
    reader.await.map_err(|e| BackupError::Io(e.to_string()))?;
    Ok(Summary {
        database_bytes: manifest.database.bytes,
        files: restored,
        file_bytes: manifest.files.iter().map(|f| f.bytes).sum(),
    })
}

/// Hands each entry of the archive to `take` (name, bytes) until it says stop.
fn each_entry(path: &Path, mut take: impl FnMut(String, Vec<u8>) -> bool) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        if !take(name, bytes) {
            break;
        }
    }
    Ok(())
}

/// Hands each stored file in the archive to `take` (key, bytes) until it says stop.
fn each_file(path: &Path, mut take: impl FnMut(String, Vec<u8>) -> bool) -> Result<(), BackupError> {
    each_entry(path, |name, bytes| match name.strip_prefix(FILES) {
        Some(key) => take(key.to_string(), bytes),
        None => true,
    })
    .map_err(io("cannot read the archive"))
}

/// Writes the archive's entry `name` to `to`.
fn extract(archive: &Path, name: &str, to: &Path) -> Result<(), BackupError> {
    let mut found = None;
    each_entry(archive, |entry, bytes| {
        let wanted = entry == name;
        if wanted {
            found = Some(bytes);
        }
        !wanted
    })
    .map_err(io("cannot read the archive"))?;
    let bytes = found.ok_or_else(|| BackupError::Damaged(format!("{name} is missing")))?;
    std::fs::write(to, bytes).map_err(io("cannot write the database copy"))
}
