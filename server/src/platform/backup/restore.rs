//! Restoring a backup: every sum checked before anything is touched, only
//! regular files under the names a backup writes, only into an empty place.

use crate::platform::config::Config;
use crate::platform::db::{DatabaseKind, Db};
use crate::platform::storage::Storage;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use super::*;

/// Every entry of the archive at `path`: its name, size and sum (read in
/// pieces, never whole), and the manifest.
fn read_entries(path: &Path) -> Result<(BTreeMap<String, Entry>, Manifest), BackupError> {
    let damaged = |why: String| {
        BackupError::Damaged(format!("{} is not a whole Memoreez backup: {why}", path.display()))
    };
    let (mut found, mut manifest) = (BTreeMap::new(), None);
    each_entry(path, |name, reader| {
        // Two entries of one name would let the sums be checked on one and
        // the other be restored (the first is what `extract` writes).
        if found.contains_key(&name) || (name == MANIFEST && manifest.is_some()) {
            return Err(std::io::Error::other(format!("it holds two entries named {name}")));
        }
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
pub(super) fn safe_key(key: &str) -> bool {
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
    let mut listed = std::collections::HashSet::new();
    if let Some(twice) = manifest.files.iter().find(|f| !listed.insert(f.name.as_str())) {
        return Err(damaged(format!("its manifest lists {} twice", twice.name)));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An archive of `entries` (name, bytes) in that order.
    fn archive(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut tar = tar::Builder::new(file.reopen().unwrap());
        for (name, bytes) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, name, *bytes).unwrap();
        }
        tar.finish().unwrap();
        file
    }

    fn entry(name: &str, bytes: &[u8]) -> Entry {
        let (size, sha256) = hash(&mut &bytes[..]).unwrap();
        Entry { name: name.into(), bytes: size, sha256 }
    }

    fn manifest(files: Vec<Entry>) -> Vec<u8> {
        serde_json::to_vec(&Manifest {
            format: 1,
            made_at_ms: 0,
            backend: "sqlite".into(),
            database: entry("database.sqlite3", b"the real database"),
            files,
        })
        .unwrap()
    }

    #[test]
    fn a_whole_archive_is_taken() {
        let listed = manifest(vec![entry("files/a.stl", b"solid a")]);
        let good = archive(&[
            ("database.sqlite3", b"the real database"),
            ("files/a.stl", b"solid a"),
            (MANIFEST, &listed),
        ]);
        assert!(check(good.path()).is_ok());
    }

    #[test]
    fn two_entries_of_one_name_are_refused() {
        // The first database entry is what a restore would write; the second
        // is the one whose sum matches the manifest.
        let listed = manifest(vec![]);
        let crafted = archive(&[
            ("database.sqlite3", b"a crafted database"),
            ("database.sqlite3", b"the real database"),
            (MANIFEST, &listed),
        ]);
        let error = check(crafted.path()).unwrap_err().to_string();
        assert!(error.contains("two entries named database.sqlite3"), "{error}");

        let twice = manifest(vec![entry("files/a.stl", b"solid a"), entry("files/a.stl", b"solid a")]);
        let crafted = archive(&[
            ("database.sqlite3", b"the real database"),
            ("files/a.stl", b"solid a"),
            (MANIFEST, &twice),
        ]);
        let error = check(crafted.path()).unwrap_err().to_string();
        assert!(error.contains("lists files/a.stl twice"), "{error}");

        let crafted =
            archive(&[("database.sqlite3", b"the real database"), (MANIFEST, &listed), (MANIFEST, &listed)]);
        let error = check(crafted.path()).unwrap_err().to_string();
        assert!(error.contains("two entries named manifest.json"), "{error}");
    }
}
