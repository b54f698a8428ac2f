//! What the benches share: the real app on the embedded defaults, in a
//! temporary folder, with its in-process workers running.

use memoreez::platform::config::Config;
use memoreez::state::AppState;

/// Opens the app on a fresh SQLite file and storage folder; `adjust` sets
/// what a bench needs beyond the defaults. Keep the folder while the app runs.
pub async fn embedded_app(adjust: impl FnOnce(&mut Config)) -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut config = Config {
        database_url: format!("sqlite://{}/bench.db", dir.path().display()),
        files_dir: dir.path().join("files"),
        site_root: dir.path().join("site"),
        ..Config::default()
    };
    adjust(&mut config);
    let state = AppState::open(config).await.expect("the app opens");
    memoreez::workers::spawn(&state);
    (dir, state)
}
