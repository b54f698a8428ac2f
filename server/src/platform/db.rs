//! The database: SQLite (default) or PostgreSQL, chosen by the URL.
//!
//! Queries go through sqlx's `Any` driver so one SQL text serves both
//! databases (`$1` placeholders work on SQLite too); where the dialects really
//! differ the code branches on [`DatabaseKind`]. Each has its own
//! migrations folder, embedded in the binary.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyConnection, Connection, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// A number that may be missing, bound as text for `CAST($n AS DOUBLE PRECISION)`.
///
/// sqlx 0.9.0's `Any` driver binds a missing `f64` to PostgreSQL as a
/// `real` (float4) — its `Real` and `Double` arms are swapped — so a
/// statement first run with `None` is prepared for float4, and a later run
/// on the same connection with `Some` fails ("incorrect binary data format
/// in bind parameter"). Text, missing or not, is always text; both
/// databases cast it back exactly (Rust writes the shortest form that
/// round-trips). Reported upstream as sqlx issue #4284 (fixed after 0.9.0);
/// drop this when the pinned sqlx has the fix.
pub fn maybe_number(value: Option<f64>) -> Option<String> {
    value.filter(|v| v.is_finite()).map(|v| v.to_string())
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    kind: DatabaseKind,
}

#[derive(thiserror::Error, Debug)]
pub enum DbError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot create the folder for the SQLite database {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl Db {
    /// Opens a pool. A SQLite file (and its folder) is created when missing.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") { DatabaseKind::Sqlite } else { DatabaseKind::Postgres };
        let url = match kind {
            DatabaseKind::Sqlite => prepare_sqlite(url)?,
            DatabaseKind::Postgres => url.to_string(),
        };
        // One direct connection first: the pool would retry until its timeout
        // and report only "timed out", hiding the real cause (refused, bad
        // password, unknown database) that the operator needs to see.
        let probe = AnyConnection::connect(&url)
            .await
            .map_err(|source| DbError::Connect { url: redact(&url), source })?;
        probe.close().await?;
        let options = AnyPoolOptions::new()
            .max_connections(match kind {
                // SQLite has one writer; a few connections serve concurrent readers.
                DatabaseKind::Sqlite => 8,
                DatabaseKind::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            // A pooled SQLite connection is a file handle in this process: it
            // cannot have gone away, so the ping before each use (a round trip
            // to its thread, a third of a status request's work) buys nothing.
            // A PostgreSQL connection can, and keeps its check.
            .test_before_acquire(kind == DatabaseKind::Postgres);
        let options = if kind == DatabaseKind::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; the busy timeout
                    // makes a second writer wait instead of failing at once.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool =
            options.connect(&url).await.map_err(|source| DbError::Connect { url: redact(&url), source })?;
        Ok(Db { pool, kind })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.kind {
            DatabaseKind::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            DatabaseKind::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first
    /// and writes later fails outright ("database is locked", whatever the
    /// busy timeout) when another connection wrote in between, where an
    /// immediate one just waits its turn. PostgreSQL's row locks need no such help.
    pub async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.kind {
            DatabaseKind::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            DatabaseKind::Postgres => self.pool.begin().await,
        }
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the database file's folder and asks SQLite to create the file
/// itself when missing (`mode=rwc`), unless the URL chose a mode already.
fn prepare_sqlite(url: &str) -> Result<String, DbError> {
    let url = if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    };
    let options = SqliteConnectOptions::from_str(&url)
        .map_err(|source| DbError::Connect { url: url.clone(), source })?;
    let file = options.get_filename();
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && file != Path::new(":memory:")
    {
        std::fs::create_dir_all(folder)
            .map_err(|source| DbError::Folder { path: folder.display().to_string(), source })?;
    }
    Ok(url)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(redact("postgres://lab:s3cret@db:5432/memoreez"), "postgres://lab:***@db:5432/memoreez");
        assert_eq!(redact("postgres://lab@db/memoreez"), "postgres://lab@db/memoreez");
        assert_eq!(redact("sqlite://data/memoreez.db"), "sqlite://data/memoreez.db");
    }

    #[tokio::test]
    async fn creates_the_sqlite_folder_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/folder/test.db", dir.path().display());
        let db = Db::connect(&url).await.expect("connects");
        db.migrate().await.expect("migrates");
        db.migrate().await.expect("migrating twice is a no-op");
        db.ping().await.expect("pings");
        assert!(dir.path().join("nested/folder/test.db").is_file());
        assert_eq!(db.kind(), DatabaseKind::Sqlite);
    }
}
