//! The print lab: students' submissions, the print queue (lab and shop
//! jobs), what staff do to a job, its folder in shared storage, the file
//! to print, "Open in slicer", and a print's camera snapshot.

pub mod actions;
pub mod estimate;
pub mod events;
pub mod folders;
pub mod open_in_slicer;
pub mod print_jobs;
pub mod printing;
pub mod reprint;
pub mod sliced;
pub mod snapshots;
pub mod student_links;
pub mod students;
pub mod submissions;

use std::sync::Arc;

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::signed_links::LinkSigner;
use crate::platform::slice_slots::SliceSlots;
use crate::platform::storage::Storage;

/// What the lab's work uses, and nothing more: the database, shared
/// storage, the settings, the mail worker's bell, the slicer's slots and
/// the mesh budget, the link signer, and what a shop order does when its
/// job takes a step (handed down from the state, so the lab need not know
/// the shop). The printers' work uses the same. Made from the app's state
/// per call (`AppState::lab`): a handful of reference counts.
#[derive(Clone, Debug)]
pub struct LabContext {
    pub db: Db,
    pub storage: Storage,
    pub config: Arc<Config>,
    /// Rung when mail is queued, so the mail worker sends it at once.
    pub mail_due: Arc<tokio::sync::Notify>,
    pub slice_slots: SliceSlots,
    /// The budget for reading a submitted model and drawing its picture.
    pub mesh_work: crate::platform::mesh_work::MeshWork,
    pub links: LinkSigner,
    pub order_steps: actions::OrderSteps,
}
