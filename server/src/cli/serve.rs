//! `memoreez serve`: bind, serve until SIGINT/SIGTERM, then finish in-flight
//! requests and close the database cleanly.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::platform::config::Config;
use crate::state::{AppState, StartError};

#[derive(thiserror::Error, Debug)]
pub enum ServeError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("cannot listen on {addr} (setting MEMOREEZ_ADDR): {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

pub async fn run(config: Config) -> Result<(), ServeError> {
    let addr = config.addr;
    let state = AppState::open(config).await?;
    let listener = TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    crate::workers::spawn(&state);
    tokio::spawn(crate::mail::sender::run(
        state.db.clone(),
        state.storage.clone(),
        state.config.clone(),
        state.mail_due.clone(),
    ));
    let owner = format!("{}:{}", crate::workers::hostname(), std::process::id());
    crate::printers::poller::spawn(state.lab(), owner);
    // Marks orders printed outside shipped once the service ships them.
    tokio::spawn(crate::shop::fulfilment::follow(state.shop()));
    // Finishes lab folder moves a crash or an unavailable storage left behind.
    tokio::spawn(crate::lab::folders::run(state.lab()));
    // Removes files a crash left with no record pointing at them.
    tokio::spawn(crate::workers::orphans::run(state.clone()));
    if state.db.kind() == crate::platform::db::DatabaseKind::Postgres {
        tokio::spawn(crate::platform::changes::listen(
            state.config.database_url.clone(),
            state.changes.clone(),
        ));
    }
    tracing::info!(database = ?state.db.kind(), files = %state.storage.describe(), "Memoreez is listening on http://{local}");
    if !crate::staff::sign_in::password_is_set(&state.db).await.unwrap_or(true) {
        let link = crate::staff::setup::link(&state.links, &state.config.public_url);
        tracing::warn!("No staff password yet: set one at {link} (or run `memoreez admin set-password`)");
    }
    let app = crate::http::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped accepting requests; closing the database");
    state.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}
