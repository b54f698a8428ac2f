//! What every room stands on, knowing nothing of them: settings, the
//! database, files, time, tokens, signed links, live-update news, logs,
//! per-address places, spend ceilings, backups, and the few types every room
//! shares (a visitor's id, a model file as sent). Nothing here imports a
//! domain room (`tests/architecture.rs` checks it).

pub mod app_error;
pub mod backup;
pub mod changes;
pub mod client_address;
pub mod config;
pub mod db;
pub mod logs;
pub mod mesh_work;
pub mod metrics;
pub mod model_file;
pub mod outbound;
pub mod places;
pub mod readiness;
pub mod readings;
pub mod secrets;
pub mod signed_links;
pub mod slice_slots;
pub mod spend;
pub mod storage;
pub mod time;
pub mod tokens;
pub mod visitors;
