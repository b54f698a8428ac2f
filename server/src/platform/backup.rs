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

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::platform::config::Config;
use crate::platform::db::{DatabaseKind, Db};
use crate::platform::storage::{Storage, StorageError};

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

/// Every entry of the archive at `path`: its name, size and sum (read in
/// pieces, never whole), and the manifest.
fn read_entries(path: &Path) -> Result<(BTreeMap<String, Entry>, Manifest), BackupError> {
    let damaged = |why: String| {
        BackupError::Damaged(format!("{} is not a whole Memoreez backup: {why}", path.display()))
    };
    let (mut found, mut manifest) = (BTreeMap::new(), None);
    each_entry(path, |name, reader| {
        if name == MANIFEST {
            let mut bytes = Vec::new();
            reader.take(MAX_MANIFEST + 1).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > MAX_MANIFEST {
                return Err(std::io::Error::other("its manifest is larger than 64 MB"));
            }
            manifest = Some(serde_json::from_slice::<Manifest>(&bytes).map_err(|e| e.to_string()));
        } else {
            let (bytes, sha256) = hash(reader)?;
            found.insert(name.clone(), Entry { name, bytes, sha256 });
        }
        Ok(true)
    })
    .map_err(|e| damaged(e.to_string()))?;
    let manifest = manifest.ok_or_else(|| damaged("it has no manifest".into()))?.map_err(damaged)?;
    Ok((found, manifest))
}

/// A manifest lists one line per file: 64 MB is millions of files.
const MAX_MANIFEST: u64 = 64 << 20;

/// The length and SHA-256 of what `reader` holds, read 64 KB at a time.
fn hash(reader: &mut dyn Read) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    Ok((total, hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()))
}

/// Whether an archive's name for a stored file is one storage may write:
/// relative, no `..`, no empty or dot segments, no backslashes.
fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.contains('\\')
        && !key.starts_with('/')
        && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// Checks the archive against its manifest: every entry there, whole, and nothing else.
fn check(path: &Path) -> Result<Manifest, BackupError> {
    let (found, manifest) = read_entries(path)?;
    let damaged = |why: String| BackupError::Damaged(format!("{} is damaged: {why}", path.display()));
    if manifest.format != 1 {
        return Err(damaged(format!("format {} is not one this memoreez reads", manifest.format)));
    }
    // The names decide where a restore writes: only ours are taken.
    if !["database.sqlite3", "database.pgdump"].contains(&manifest.database.name.as_str()) {
        return Err(damaged(format!(
            "its manifest names the database {:?}, not one Memoreez writes",
            manifest.database.name
        )));
    }
    if let Some(bad) = manifest.files.iter().find(|f| !f.name.strip_prefix(FILES).is_some_and(safe_key)) {
        return Err(damaged(format!("its manifest names the file {:?}, outside the storage", bad.name)));
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
    let backend = if config.database_url.starts_with("sqlite:") {
        DatabaseKind::Sqlite
    } else {
        DatabaseKind::Postgres
    };
    if manifest.backend != kind_name(backend) {
        return Err(BackupError::Mismatch(format!(
            "this is a backup of a {} database, and MEMOREEZ_DATABASE_URL names {}",
            manifest.backend,
            kind_name(backend)
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
        DatabaseKind::Sqlite => {
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
        DatabaseKind::Postgres => {
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
            let mut load = postgres_command("pg_restore", &config.database_url);
            load.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
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

/// Hands each entry of the archive to `take` (name, its reader) until it
/// says stop. Only regular files are taken: a link, a folder or a device in
/// an archive of ours is a crafted one.
fn each_entry(
    path: &Path,
    mut take: impl FnMut(String, &mut dyn Read) -> std::io::Result<bool>,
) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            return Err(std::io::Error::other(format!("{name} is a {kind:?} entry, not a file")));
        }
        if !take(name, &mut entry)? {
            break;
        }
    }
    Ok(())
}

/// Hands each stored file in the archive to `take` (key, bytes) until it
/// says stop; one file is held at a time, of the size the checked manifest gave.
fn each_file(path: &Path, mut take: impl FnMut(String, Vec<u8>) -> bool) -> Result<(), BackupError> {
    each_entry(path, |name, reader| match name.strip_prefix(FILES) {
        Some(key) => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            Ok(take(key.to_string(), bytes))
        }
        None => Ok(true),
    })
    .map_err(io("cannot read the archive"))
}

/// Copies the archive's entry `name` to `to`, in pieces.
fn extract(archive: &Path, name: &str, to: &Path) -> Result<(), BackupError> {
    let mut found = false;
    each_entry(archive, |entry, reader| {
        if entry != name {
            return Ok(true);
        }
        let mut out = std::fs::File::create(to)?;
        std::io::copy(reader, &mut out)?;
        found = true;
        Ok(false)
    })
    .map_err(io("cannot read the archive"))?;
    if !found {
        return Err(BackupError::Damaged(format!("{name} is missing")));
    }
    Ok(())
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
