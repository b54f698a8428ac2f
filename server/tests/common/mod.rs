//! Boots the real app (router, database, storage, sessions) against a real
//! database: a SQLite file in a temporary folder, or a fresh PostgreSQL
//! database created for the one test and dropped after it.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use memoreez::platform::config::Config;
use memoreez::state::{AppState, StateParts};
use tempfile::TempDir;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL suite creates its databases. Any database the user
/// may connect to works; the suite only runs CREATE/DROP DATABASE from it.
pub fn postgres_admin_url() -> String {
    std::env::var("MEMOREEZ_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct TestApp {
    pub state: AppState,
    pub dir: TempDir,
    router: Router,
    postgres_database: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string())
    }

    /// The `name=value` part of the visitor cookie the server set, if any.
    pub fn visitor_cookie(&self) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with("memoreez_visitor="))
            .map(|v| v.split(';').next().unwrap().to_string())
    }
}

impl TestApp {
    pub async fn start(kind: Kind) -> TestApp {
        TestApp::start_with(kind, |_| {}).await
    }

    /// The app with its state changed (a provider swapped for a client of a
    /// local stand-in service) before its router is built.
    pub async fn start_with(kind: Kind, change: impl FnOnce(&mut StateParts)) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let (database_url, postgres_database) = match kind {
            Kind::Sqlite => (format!("sqlite://{}/memoreez.db", dir.path().display()), None),
            Kind::Postgres => {
                let (url, name) = create_postgres_database().await;
                (url, Some(name))
            }
        };
        let config = Config {
            database_url,
            files_dir: dir.path().join("files"),
            site_root: dir.path().join("site"),
            printer_keys_dir: dir.path().join("printer-keys"),
            ..Config::default()
        };
        let state = AppState::open(config).await.expect("app state opens").with(change);
        let router = memoreez::http::router(state.clone());
        TestApp { state, dir, router, postgres_database }
    }

    /// Serves the app on a free local port (for clients in other processes).
    pub async fn listen(&self) -> std::net::SocketAddr {
        self.listen_on(0).await
    }

    /// Serves the app on `port` (one chosen before the app was built, e.g.
    /// for its public address).
    pub async fn listen_on(&self, port: u16) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("a free port");
        let addr = listener.local_addr().unwrap();
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        addr
    }

    /// The router's answer with its body still to come (a stream held open).
    pub async fn open(&self, request: Request<Body>) -> axum::response::Response {
        self.router.clone().oneshot(request).await.expect("router answers")
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path).header("accept", "text/html");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, body: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::post(path).header("content-type", "application/json");
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap()).await
    }

    /// A multipart/form-data POST; each part is (name, file name, bytes).
    pub async fn post_multipart(&self, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Reply {
        let (content_type, body) = multipart_body(parts);
        let request =
            Request::post(path).header("content-type", content_type).body(Body::from(body)).unwrap();
        self.send(request).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        // `table` is always a literal table name from a test.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
            .fetch_one(self.state.db.pool())
            .await
            .expect("count");
        row.try_get::<i64, _>("n").expect("count is an integer")
    }

    /// Runs this app's workers until the model of a creation that goes
    /// straight to its model (the API's answer: `id`, `events_url`) is
    /// done, and reads the model it stored.
    pub async fn model_made_for(&self, answer: &serde_json::Value, cookie: &str) -> geometry::Mesh {
        memoreez::workers::spawn(&self.state);
        let events = self.get(answer["events_url"].as_str().unwrap(), None).await.text();
        assert!(events.contains("event: done"), "{events}");
        let id = answer["id"].as_str().unwrap();
        let stl = self.get(&format!("/media/models/{id}/model.stl"), Some(cookie)).await;
        geometry::io::read(geometry::io::Format::Stl, &stl.body, &geometry::Limits::default()).unwrap()
    }

    /// Every job in the app's queue, one line each: what a test that timed
    /// out was still waiting for.
    pub async fn jobs_now(&self) -> String {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT kind, status, attempts, progress_stage AS stage, error, updated_at FROM jobs ORDER BY created_at",
        )
        .fetch_all(self.state.db.pool())
        .await;
        match rows {
            Err(error) => format!("(the jobs could not be read: {error})"),
            Ok(rows) if rows.is_empty() => "(none)".into(),
            Ok(rows) => rows
                .iter()
                .map(|row| {
                    let text = |name: &str| {
                        row.try_get::<Option<String>, _>(name).ok().flatten().unwrap_or_default()
                    };
                    let attempts = row.try_get::<i64, _>("attempts").unwrap_or(-1);
                    let age_s = (memoreez::platform::time::now_ms()
                        - row.try_get::<i64, _>("updated_at").unwrap_or(0))
                        / 1000;
                    format!(
                        "  {} {} attempts={attempts} stage={:?} error={:?} (updated {age_s} s ago)",
                        text("kind"),
                        text("status"),
                        text("stage"),
                        text("error")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Closes the pool and, for PostgreSQL, drops the test's database.
    pub async fn finish(self) {
        self.state.db.close().await;
        if let Some(name) = self.postgres_database {
            drop_postgres_database(&name).await;
        }
    }
}

/// Drops a database made by [`create_postgres_database`].
pub(crate) async fn drop_postgres_database(name: &str) {
    let admin = admin_pool().await;
    // `name` is one we generated: a fixed prefix and hex digits.
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&admin)
        .await
        .expect("drop test database");
    admin.close().await;
}

/// A multipart/form-data body and its content type; each part is (name, file name, bytes).
pub fn multipart_body(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "memoreez-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes());
        if let Some(file_name) = file_name {
            body.extend(
                format!("; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream").bytes(),
            );
        }
        body.extend(b"\r\n\r\n");
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn admin_pool() -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = postgres_admin_url();
    sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL suite: cannot connect to {url} ({e}). Start PostgreSQL, set \
             MEMOREEZ_TEST_POSTGRES_URL, or run `./dev test`, which skips this suite when none answers."
        )
    })
}

pub(crate) async fn create_postgres_database() -> (String, String) {
    let name = format!("memoreez_test_{}", uuid_like());
    let admin = admin_pool().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let admin_url = postgres_admin_url();
    let (without_query, query) = match admin_url.split_once('?') {
        Some((url, query)) => (url.to_string(), format!("?{query}")),
        None => (admin_url.clone(), String::new()),
    };
    let base = without_query.rsplit_once('/').map(|(base, _)| base).unwrap_or(&without_query);
    (format!("{base}/{name}{query}"), name)
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs a test body against a fresh app and cleans up after it, even when
/// the body panics (the panic is then re-raised).
pub async fn with_app<F, Fut>(kind: Kind, body: F)
where
    F: FnOnce(std::sync::Arc<TestApp>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_changed_app(kind, |_| {}, body).await
}

/// [`with_app`] with the app's state changed first ([`TestApp::start_with`]).
pub async fn with_changed_app<C, F, Fut>(kind: Kind, change: C, body: F)
where
    C: FnOnce(&mut StateParts),
    F: FnOnce(std::sync::Arc<TestApp>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let app = std::sync::Arc::new(TestApp::start_with(kind, change).await);
    let task = tokio::spawn(body(app.clone()));
    let abort = task.abort_handle();
    // A test that waits forever (a stream that never ends, a lost wake-up)
    // fails here with a reason, instead of holding CI until its time limit.
    let Ok(outcome) = tokio::time::timeout(std::time::Duration::from_secs(300), task).await else {
        abort.abort();
        let jobs = app.jobs_now().await;
        panic!(
            "the test did not finish within 5 minutes: something it waited for never came.\n\
             The app's jobs then (kind, status, attempts, stage, error):\n{jobs}"
        );
    };
    let app = std::sync::Arc::try_unwrap(app).unwrap_or_else(|_| panic!("test kept the app alive"));
    app.finish().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
pub mod backup;
pub mod camera;
pub mod card_payments;
pub mod checkout;
pub mod lab;
pub mod observe;
pub mod outside;
pub mod print_jobs;
pub mod printers;
pub mod protect;
pub mod reports;
pub mod s3;
pub mod schemas;
pub mod staff;
pub mod stripe_double;
pub mod suite;
