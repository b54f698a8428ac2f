//! `memoreez backup` → `memoreez restore` on every backend: a fresh folder
//! and database get back every job, event, order and file; a damaged
//! archive and a place that is not empty are refused before anything is written.

use http::StatusCode;
use memoreez::platform::backup::BackupError;
use memoreez::platform::config::Config;
use memoreez::state::AppState;

use super::{Kind, with_app};

/// What must come back, row by row: every table's identity and the columns
/// that tell its story, as one text per row.
const ROWS: [&str; 9] = [
    "SELECT id || '|' || kind || '|' || status || '|' || CAST(payload AS TEXT) FROM jobs ORDER BY id",
    "SELECT job_id || '|' || CAST(at AS TEXT) || '|' || kind || '|' || details FROM print_job_events ORDER BY id",
    "SELECT id || '|' || status || '|' || file_key FROM print_jobs ORDER BY id",
    "SELECT token_hash || '|' || job_id FROM student_links ORDER BY token_hash",
    "SELECT id || '|' || hobbies FROM creations ORDER BY id",
    "SELECT creation_id || '|' || CAST(idx AS TEXT) || '|' || status FROM concepts ORDER BY creation_id, idx",
    "SELECT id || '|' || status || '|' || CAST(total_cents AS TEXT) || '|' || mesh_sha256 FROM orders ORDER BY id",
    "SELECT id || '|' || CAST(total_cents AS TEXT) FROM quotes ORDER BY id",
    "SELECT id || '|' || status || '|' || subject FROM outbox ORDER BY id",
];

async fn rows(state: &AppState) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for sql in ROWS {
        all.push(sqlx::query_scalar::<_, String>(sql).fetch_all(state.db.pool()).await.unwrap());
    }
    all
}

async fn files(state: &AppState) -> Vec<(String, Vec<u8>)> {
    let mut keys: Vec<String> =
        state.storage.list_dated().await.unwrap().into_iter().map(|(k, _)| k).collect();
    keys.sort();
    let mut files = Vec::new();
    for key in keys {
        let bytes = state.storage.get(&key).await.unwrap().to_vec();
        files.push((key, bytes));
    }
    files
}

pub async fn a_backup_restores_every_job_event_order_and_file(kind: Kind) {
    with_app(kind, move |app| async move {
        // A student's job (its events, link and email), a customer's priced
        // keepsake (designs, jobs, model, quote, G-code) and its order.
        super::lab::submitted(&app).await;
        let (id, cookie, _) = super::checkout::priced_keepsake(&app).await;
        let form = super::checkout::order_form(&id).to_string();
        let placed = app.post_json("/api/orders", &form, Some(&cookie)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text());
        // And a story's designs (the keepsake's workers draw them).
        let story = app.post_json("/api/creations", r#"{"hobbies": ["sailing"]}"#, None).await;
        let story_id = story.json()["id"].as_str().unwrap().to_string();
        let url = format!("/api/creations/{story_id}/concepts/stream");
        assert!(app.get(&url, story.visitor_cookie().as_deref()).await.text().contains("event: done"));

        let out = app.dir.path().join("backup.tar");
        let state = &app.state;
        let made =
            memoreez::platform::backup::create(&state.config, &state.db, &state.storage, &out).await.unwrap();
        let before = (rows(state).await, files(state).await);
        assert!(before.0.iter().all(|table| !table.is_empty()), "every table has rows: {:?}", before.0);
        assert_eq!(made.files, before.1.len());
        assert!(!app.dir.path().join("backup.tar.partial").exists());

        // A fresh place: a new folder and, for PostgreSQL, a new empty database.
        let target = tempfile::tempdir().unwrap();
        let (database_url, postgres) = match kind {
            Kind::Sqlite => (format!("sqlite://{}/restored/memoreez.db", target.path().display()), None),
            Kind::Postgres => {
                let (url, name) = super::create_postgres_database().await;
                (url, Some(name))
            }
        };
        let config =
            Config { database_url, files_dir: target.path().join("files"), ..(*state.config).clone() };

        // A damaged archive is refused before anything is written: one with a
        // changed byte in the G-code, and one cut short.
        let whole = std::fs::read(&out).unwrap();
        let mut changed = whole.clone();
        let at = changed.windows(3).position(|w| w == b"G1 ").expect("the quote's G-code is in the archive");
        changed[at] = b'X';
        let damaged_path = target.path().join("damaged.tar");
        for (damaged, words) in
            [(changed, "does not match its checksum"), (whole[..whole.len() / 2].to_vec(), "")]
        {
            std::fs::write(&damaged_path, &damaged).unwrap();
            let refused = memoreez::platform::backup::restore(&config, &damaged_path).await;
            let message = refused.as_ref().map(|_| String::new()).unwrap_or_else(|e| e.to_string());
            assert!(matches!(refused, Err(BackupError::Damaged(_))), "{message}");
            assert!(message.contains(words) && message.ends_with("nothing was restored"), "{message}");
            assert!(!target.path().join("restored").exists() && !target.path().join("files").exists());
        }

        let restored = memoreez::platform::backup::restore(&config, &out).await.unwrap();
        assert_eq!(restored.files, made.files);
        let again = memoreez::platform::backup::restore(&config, &out).await;
        assert!(matches!(again, Err(BackupError::NotEmpty(_))), "{again:?}");

        let copy = AppState::open(config).await.unwrap();
        assert_eq!(rows(&copy).await, before.0, "every row comes back");
        assert_eq!(files(&copy).await, before.1, "every file comes back, byte for byte");
        // The restored service answers from it: the order's page, by its link.
        let order = placed.json();
        let url = order["order_url"].as_str().unwrap();
        let link = url[url.find("/orders/").expect("an order link")..].to_string();
        let restored_app = memoreez::http::router(copy.clone());
        let page = tower::ServiceExt::oneshot(
            restored_app,
            http::Request::get(link.as_str())
                .header("accept", "text/html")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{link}");
        copy.db.close().await;
        if let Some(name) = postgres {
            let admin = super::admin_pool().await;
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&admin).await.unwrap();
            admin.close().await;
        }
    })
    .await;
}

/// An archive of entries (name, bytes; a `None` makes a symbolic link to
/// `/etc/passwd`) and a manifest that lists them with their true sums, so
/// only the names and kinds are wrong.
fn crafted(entries: &[(&str, Option<&[u8]>)], database: &str, backend: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut listed = Vec::new();
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        match bytes {
            Some(bytes) => {
                header.set_size(bytes.len() as u64);
                // Written into the header by hand: the tar crate's own
                // setters refuse `..`, which is what a crafted archive has.
                header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                header.set_cksum();
                tar.append(&header, *bytes).unwrap();
                listed.push(
                    serde_json::json!({"name": name, "bytes": bytes.len(), "sha256": super::suite::sha256_hex(bytes)}),
                );
            }
            None => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                tar.append_link(&mut header, name, "/etc/passwd").unwrap();
                listed.push(
                    serde_json::json!({"name": name, "bytes": 0, "sha256": super::suite::sha256_hex(b"")}),
                );
            }
        }
    }
    let database_entry = listed.iter().find(|e| e["name"] == database).cloned().unwrap();
    let files: Vec<_> = listed.into_iter().filter(|e| e["name"] != database).collect();
    let manifest = serde_json::json!({
        "format": 1, "made_at_ms": 0, "backend": backend, "database": database_entry, "files": files,
    });
    let json = serde_json::to_vec(&manifest).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, "manifest.json", json.as_slice()).unwrap();
    tar.into_inner().unwrap()
}

/// Archives made to escape: a database named `../…` or by an absolute path,
/// a stored file named `../…`, a symbolic link. Each is refused before
/// anything is written, in the target folders or beside them.
pub async fn crafted_archives_write_nothing_anywhere(kind: Kind) {
    with_app(kind, move |app| async move {
        let backend = match kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        };
        let ours = if backend == "sqlite" { "database.sqlite3" } else { "database.pgdump" };
        let place = tempfile::tempdir().unwrap();
        let target = place.path().join("target");
        let outside = place.path().join("escaped");
        let absolute = outside.join("absolute.sqlite3").display().to_string();
        let config = Config {
            database_url: format!("sqlite://{}/memoreez.db", target.display()),
            files_dir: target.join("files"),
            ..(*app.state.config).clone()
        };
        let config = if backend == "postgres" {
            Config { database_url: app.state.config.database_url.clone(), ..config }
        } else {
            config
        };
        let db = b"not really a database".as_slice();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                crafted(&[("../escaped/db.sqlite3", Some(db))], "../escaped/db.sqlite3", backend),
                "not one Memoreez writes",
            ),
            (
                crafted(&[(absolute.as_str(), Some(db))], absolute.as_str(), backend),
                "not one Memoreez writes",
            ),
            (
                crafted(&[(ours, Some(db)), ("files/../../escaped/x", Some(b"x"))], ours, backend),
                "outside the storage",
            ),
            (
                crafted(&[(ours, Some(db)), ("files/models/a/model.stl", None)], ours, backend),
                "Symlink entry, not a file",
            ),
        ];
        for (archive, words) in cases {
            let path = place.path().join("crafted.tar");
            std::fs::write(&path, &archive).unwrap();
            let refused = memoreez::platform::backup::restore(&config, &path).await;
            let message = refused.as_ref().map(|_| String::new()).unwrap_or_else(|e| e.to_string());
            assert!(matches!(refused, Err(BackupError::Damaged(_))), "{words}: {message}");
            assert!(message.contains(words) && message.ends_with("nothing was restored"), "{message}");
            assert!(!target.exists() && !outside.exists(), "{words}: nothing written");
        }
    })
    .await;
}
