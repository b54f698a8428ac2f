//! Files (uploads, concept images, meshes, G-code) behind one small type.
//!
//! `object_store` gives the same API for a local folder and an S3 bucket
//! (AWS, Cloudflare R2, MinIO), so nothing above this module knows where
//! bytes live. Writes are atomic: the local store writes a temporary file and
//! renames it, and a bucket shows an object only once it is whole, so a crash
//! never leaves a half-written file under its real name.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The folder of a local store (which, unlike a bucket, has real folders to tidy).
    root: Option<std::path::PathBuf>,
}

#[derive(thiserror::Error, Debug)]
pub enum StorageError {
    #[error("no file at {0}")]
    NotFound(String),
    #[error("not a valid file name: {0}")]
    BadKey(String),
    #[error("cannot use the storage at {path}: {reason}")]
    Folder { path: String, reason: String },
    /// A write found no bucket (or folder) to write into.
    #[error("cannot write to {0}: it is not there (is the bucket created?)")]
    NoPlace(String),
    #[error("storage failed: {0}")]
    Store(object_store::Error),
}

impl From<object_store::Error> for StorageError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            other => StorageError::Store(other),
        }
    }
}

impl Storage {
    /// A local folder, created when missing.
    pub fn local(folder: &Path) -> Result<Storage, StorageError> {
        let folder_error =
            |reason: String| StorageError::Folder { path: folder.display().to_string(), reason };
        std::fs::create_dir_all(folder).map_err(|e| folder_error(e.to_string()))?;
        let store = LocalFileSystem::new_with_prefix(folder).map_err(|e| folder_error(e.to_string()))?;
        Ok(Storage { store: Arc::new(store), root: Some(folder.to_path_buf()) })
    }

    /// An S3 bucket (`MEMOREEZ_S3_*`, and the secret key that goes with the
    /// key id). Checks the settings, not the bucket: readiness
    /// ([`Storage::check`]) does that.
    pub fn s3(
        config: &crate::platform::config::Config,
        secret_access_key: &str,
    ) -> Result<Storage, StorageError> {
        use object_store::aws::AmazonS3Builder;
        // reqwest 0.13 (object_store's client) takes TLS from the process's
        // rustls provider: ring, as everything else here. Already set is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let endpoint = config.s3_endpoint.trim().trim_end_matches('/');
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.s3_bucket)
            .with_region(&config.s3_region)
            .with_allow_http(endpoint.starts_with("http://"));
        if !endpoint.is_empty() {
            builder = builder.with_endpoint(endpoint);
        }
        if !config.s3_access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&config.s3_access_key_id)
                .with_secret_access_key(secret_access_key);
        }
        let store = builder.build().map_err(|e| StorageError::Folder {
            path: format!("s3://{}", config.s3_bucket),
            reason: e.to_string(),
        })?;
        Ok(Storage { store: Arc::new(store), root: None })
    }

    /// The storage `config` names: its bucket when one is set, else its folder.
    pub fn open(config: &crate::platform::config::Config) -> Result<Storage, StorageError> {
        match config.s3_bucket.is_empty() {
            true => Storage::local(&config.files_dir),
            false => Storage::s3(
                config,
                &std::env::var(crate::platform::config::S3_SECRET_ACCESS_KEY).unwrap_or_default(),
            ),
        }
    }

    /// Where the files are, for logs and the admin: a folder or `s3://bucket`.
    pub fn describe(&self) -> String {
        match &self.root {
            Some(root) => root.display().to_string(),
            None => format!("{}", self.store),
        }
    }

    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<(), StorageError> {
        match self.store.put(&parse_key(key)?, PutPayload::from(bytes.into())).await {
            Ok(_) => Ok(()),
            // S3 answers NoSuchBucket with 404, which object_store calls NotFound.
            Err(object_store::Error::NotFound { .. }) => Err(StorageError::NoPlace(self.describe())),
            Err(other) => Err(other.into()),
        }
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&parse_key(key)?).await?.bytes().await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.store.delete(&parse_key(key)?).await?;
        Ok(())
    }

    /// The keys under the folder `prefix` (all depths), in no set order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        use futures_util::TryStreamExt;
        let prefix = parse_key(prefix)?;
        let found: Vec<object_store::ObjectMeta> = self.store.list(Some(&prefix)).try_collect().await?;
        Ok(found.into_iter().map(|meta| meta.location.to_string()).collect())
    }

    /// Every file, with when it was last written (UTC milliseconds).
    pub async fn list_dated(&self) -> Result<Vec<(String, i64)>, StorageError> {
        use futures_util::TryStreamExt;
        let found: Vec<object_store::ObjectMeta> = self.store.list(None).try_collect().await?;
        Ok(found
            .into_iter()
            .map(|meta| (meta.location.to_string(), meta.last_modified.timestamp_millis()))
            .collect())
    }

    /// Removes what writes killed midway left in a local folder, last touched
    /// before `cutoff_ms`; returns their paths under the folder. The local
    /// store writes `name#N` and renames it to `name` when whole, and its
    /// listings hide `name#N`, so nothing else would ever find them. A bucket
    /// shows nothing until it is whole and has none.
    pub async fn remove_unfinished_writes(&self, cutoff_ms: i64) -> Result<Vec<String>, StorageError> {
        let Some(root) = self.root.clone() else { return Ok(Vec::new()) };
        let cutoff = std::time::UNIX_EPOCH + std::time::Duration::from_millis(cutoff_ms.max(0) as u64);
        let walk = move || {
            let mut removed = Vec::new();
            let mut folders = vec![root.clone()];
            while let Some(folder) = folders.pop() {
                for entry in std::fs::read_dir(&folder)?.flatten() {
                    let (path, kind) = (entry.path(), entry.file_type()?);
                    if kind.is_dir() {
                        folders.push(path);
                        continue;
                    }
                    let name = entry.file_name().to_string_lossy().into_owned();
                    // The same test as object_store's listing, which hides these.
                    let unfinished = name
                        .split_once('#')
                        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                    if unfinished && entry.metadata()?.modified()? <= cutoff {
                        std::fs::remove_file(&path)?;
                        removed.push(path.strip_prefix(&root).unwrap_or(&path).display().to_string());
                    }
                }
            }
            std::io::Result::Ok(removed)
        };
        let path = self.describe();
        tokio::task::spawn_blocking(walk)
            .await
            .map_err(|e| StorageError::Folder { path: path.clone(), reason: e.to_string() })?
            .map_err(|e| StorageError::Folder { path, reason: e.to_string() })
    }

    /// Moves a file, replacing any at `to` (a rename on a local folder; a
    /// copy then delete on a bucket).
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), StorageError> {
        self.store.rename(&parse_key(from)?, &parse_key(to)?).await?;
        Ok(())
    }

    /// Removes the folder `prefix` if it is empty (a local store keeps
    /// folders its files were moved out of; a bucket has none).
    pub fn remove_empty_folder(&self, prefix: &str) -> Result<(), StorageError> {
        let key = parse_key(prefix)?;
        if let Some(root) = &self.root {
            // Fails, and so keeps it, when anything is still inside.
            let _ = std::fs::remove_dir(root.join(key.as_ref()));
        }
        Ok(())
    }

    /// Writes, reads back and removes a small probe file, for readiness checks.
    pub async fn check(&self) -> Result<(), StorageError> {
        // A key of its own per call: probes at once (a load balancer's and
        // a person's) must not read or delete each other's file.
        let probe = format!(".readyz/{}", crate::platform::tokens::new_token());
        let payload = crate::platform::time::now_ms().to_string();
        self.put(&probe, payload.clone()).await?;
        let read = self.get(&probe).await;
        self.delete(&probe).await?;
        let read = read?;
        if read != payload.as_bytes() {
            return Err(StorageError::Store(object_store::Error::Generic {
                store: "storage",
                source: "probe file read back different bytes".into(),
            }));
        }
        Ok(())
    }
}

/// Refuses keys that could escape the storage root or name nothing.
fn parse_key(key: &str) -> Result<Key, StorageError> {
    let bad = || StorageError::BadKey(key.to_string());
    if key.is_empty() || key.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(bad());
    }
    Key::parse(key).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::local(&dir.path().join("files")).unwrap();
        storage.put("creations/a/story.txt", "hello").await.unwrap();
        assert_eq!(storage.get("creations/a/story.txt").await.unwrap(), "hello");
        assert!(dir.path().join("files/creations/a/story.txt").is_file());
        storage.delete("creations/a/story.txt").await.unwrap();
        assert!(matches!(storage.get("creations/a/story.txt").await, Err(StorageError::NotFound(_))));
        storage.check().await.unwrap();
    }

    #[tokio::test]
    async fn lists_a_folder_and_moves_files() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::local(dir.path()).unwrap();
        storage.put("lab/Uploaded/a/a.stl", "solid").await.unwrap();
        storage.put("lab/Uploaded/a/metadata.json", "{}").await.unwrap();
        storage.put("lab/Uploaded/ab/other.stl", "x").await.unwrap();
        let mut listed = storage.list("lab/Uploaded/a").await.unwrap();
        listed.sort();
        assert_eq!(listed, ["lab/Uploaded/a/a.stl", "lab/Uploaded/a/metadata.json"]);
        storage.rename("lab/Uploaded/a/a.stl", "lab/Pending/a/a.stl").await.unwrap();
        assert_eq!(storage.get("lab/Pending/a/a.stl").await.unwrap(), "solid");
        assert!(matches!(storage.get("lab/Uploaded/a/a.stl").await, Err(StorageError::NotFound(_))));
        assert!(storage.list("lab/Printing").await.unwrap().is_empty());
        let missing = storage.rename("lab/Uploaded/a/a.stl", "lab/Pending/a/b.stl").await;
        assert!(matches!(missing, Err(StorageError::NotFound(_))), "{missing:?}");
    }

    #[tokio::test]
    async fn lists_with_dates_and_clears_old_unfinished_writes() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::local(dir.path()).unwrap();
        let before = crate::platform::time::now_ms() - 1000;
        storage.put("models/a/model.stl", "solid").await.unwrap();
        let listed = storage.list_dated().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].0, "models/a/model.stl");
        assert!(listed[0].1 >= before && listed[0].1 <= crate::platform::time::now_ms() + 1000, "{listed:?}");

        // What a write killed midway leaves: the same name with #N.
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let unfinished = |name: &str, at: std::time::SystemTime| {
            let file = std::fs::File::create(dir.path().join(name)).unwrap();
            file.set_modified(at).unwrap();
        };
        unfinished("models/a/upload.stl#12", hour_ago);
        unfinished("models/a/thumbnail.png#3", std::time::SystemTime::now());
        unfinished("models/a/notes#draft", hour_ago);
        assert_eq!(storage.list_dated().await.unwrap().len(), 2, "listings hide #N but not #draft");
        let removed =
            storage.remove_unfinished_writes(crate::platform::time::now_ms() - 60_000).await.unwrap();
        assert_eq!(removed, ["models/a/upload.stl#12"]);
        assert!(dir.path().join("models/a/thumbnail.png#3").exists(), "a write may still be going on");
        assert!(dir.path().join("models/a/notes#draft").exists());
        assert_eq!(storage.get("models/a/model.stl").await.unwrap(), "solid");
    }

    #[test]
    fn an_s3_store_is_built_for_https_and_local_endpoints() {
        // Building the client sets up TLS from the process's rustls provider (ring).
        for endpoint in ["", "https://account.r2.cloudflarestorage.com", "http://127.0.0.1:9000/"] {
            let config = crate::platform::config::Config {
                s3_bucket: "lab".into(),
                s3_endpoint: endpoint.into(),
                s3_access_key_id: "AKIA".into(),
                ..Default::default()
            };
            let storage = Storage::s3(&config, "secret").unwrap_or_else(|e| panic!("{endpoint}: {e}"));
            assert!(storage.describe().contains("lab"), "{}", storage.describe());
        }
    }

    #[tokio::test]
    async fn refuses_keys_that_escape_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::local(dir.path()).unwrap();
        for key in ["", "../x", "a//b", "a/../../b", "/abs"] {
            assert!(matches!(storage.put(key, "x").await, Err(StorageError::BadKey(_))), "{key}");
        }
    }
}
