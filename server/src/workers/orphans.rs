//! Files that no row points at, and the sweep that removes them.
//!
//! Every writer stores its file *before* the row that names it and takes the
//! file back when the row cannot be written, so no row ever points at a
//! missing file. A process killed between the two (a crash, SIGKILL, a power
//! cut) leaves a file nothing names. The sweep finds such files by their key,
//! which says whose they are, and removes the ones older than a grace period
//! far longer than any write-then-record takes. It never touches a key it
//! cannot read, so a file put there by hand, or by a later version, stays.

use std::collections::HashSet;
use std::time::Duration;

use crate::platform::db::Db;
use crate::platform::storage::{Storage, StorageError};
use crate::platform::time::now_ms;
use crate::state::AppState;

/// Who a stored file belongs to, read from its key.
#[derive(Debug, PartialEq, Eq)]
enum Owner<'a> {
    /// `concepts/{creation}/…` and `models/{creation}/…`.
    Creation(&'a str),
    /// `models/{creation}/{job}-{attempt}/…`: one run of a model job; named
    /// while its creation is and a completed job's result points at it.
    ModelRun { creation: &'a str, folder: &'a str },
    /// `orders/{order}/…`.
    Order(&'a str),
    /// `gcode/{quote}.gcode`.
    Quote(&'a str),
    /// `uploads/…`: the model a `quote` job reads; its key is in the job.
    QuoteUpload(&'a str),
    /// `lab/{Status}/{folder}/…`: a print job's folder.
    LabFolder(&'a str),
    /// `snapshots/{job}.jpg` (or `.png`): a print's camera picture; its key is on the job.
    Snapshot(&'a str),
    /// Not a file this service writes by a known rule: left alone.
    Unknown,
}

fn owner(key: &str) -> Owner<'_> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        ["concepts" | "models", id, _] => Owner::Creation(id),
        ["models", creation, run, _]
            if run.rsplit_once('-').is_some_and(|(job, n)| {
                !job.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            Owner::ModelRun { creation, folder: &key[..key.rfind('/').expect("has parts")] }
        }
        ["orders", id, _] => Owner::Order(id),
        ["gcode", file] => file.strip_suffix(".gcode").map_or(Owner::Unknown, Owner::Quote),
        ["uploads", _] => Owner::QuoteUpload(key),
        [crate::lab::folders::ROOT, _, folder, _] => Owner::LabFolder(folder),
        [crate::lab::snapshots::SNAPSHOTS, _] => Owner::Snapshot(key),
        _ => Owner::Unknown,
    }
}

/// What the database names, loaded once per sweep.
struct Named {
    creations: HashSet<String>,
    orders: HashSet<String>,
    quotes: HashSet<String>,
    uploads: HashSet<String>,
    folders: HashSet<String>,
    snapshots: HashSet<String>,
    /// The model-run folders completed jobs' results point at.
    runs: HashSet<String>,
}

impl Named {
    async fn load(db: &Db) -> sqlx::Result<Named> {
        use crate::generation::model3d::{MeshJob, ModelJob};
        use crate::jobs::kinds::Job;
        let payloads =
            crate::jobs::queue::payloads_of(db, crate::shop::quotes::QuoteJob::KIND.name()).await?;
        // A payload that does not read names nothing, and so protects nothing;
        // but a quote job's payload is written by this code and always reads.
        let uploads = text_fields(&payloads, "upload");
        let results =
            crate::jobs::queue::done_results_of(db, [MeshJob::KIND.name(), ModelJob::KIND.name()]).await?;
        let runs = text_fields(&results, "files");
        Ok(Named {
            runs,
            creations: crate::generation::creations::all_ids(db).await?.into_iter().collect(),
            orders: crate::shop::orders::all_ids(db).await?.into_iter().collect(),
            quotes: crate::shop::quotes::all_ids(db).await?.into_iter().collect(),
            uploads,
            folders: crate::lab::folders::all_folders(db).await?.into_iter().collect(),
            snapshots: crate::lab::snapshots::all_snapshots(db).await?.into_iter().collect(),
        })
    }

    /// Whether a row names the file at `key`; `None` for keys of no known shape.
    fn names(&self, key: &str) -> Option<bool> {
        Some(match owner(key) {
            Owner::Creation(id) => self.creations.contains(id),
            Owner::ModelRun { creation, folder } => {
                self.creations.contains(creation) && self.runs.contains(folder)
            }
            Owner::Order(id) => self.orders.contains(id),
            Owner::Quote(id) => self.quotes.contains(id),
            Owner::QuoteUpload(key) => self.uploads.contains(key),
            Owner::LabFolder(folder) => self.folders.contains(folder),
            Owner::Snapshot(key) => self.snapshots.contains(key),
            Owner::Unknown => return None,
        })
    }
}

/// The text `field` of each JSON document in `documents` that has one.
fn text_fields(documents: &[String], field: &str) -> HashSet<String> {
    documents
        .iter()
        .filter_map(|document| serde_json::from_str::<serde_json::Value>(document).ok())
        .filter_map(|document| document[field].as_str().map(str::to_string))
        .collect()
}

/// The first column of every row `sql` finds.
/// What a sweep did.
#[derive(Debug, Default)]
pub struct Swept {
    /// Files old enough to be looked at.
    pub looked_at: usize,
    /// The keys removed: files no row names, and unfinished writes.
    pub removed: Vec<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum SweepError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Removes the files written more than `grace` ago that no row names, and
/// the pieces of writes a killed process left unfinished.
pub async fn sweep(db: &Db, storage: &Storage, grace: Duration) -> Result<Swept, SweepError> {
    let cutoff = now_ms() - i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
    // The files first, the rows second: a row written in between is then
    // seen, so a file is never taken from a row that was being written.
    let old: Vec<String> =
        storage.list_dated().await?.into_iter().filter(|(_, at)| *at <= cutoff).map(|(key, _)| key).collect();
    let named = Named::load(db).await?;
    let mut swept = Swept { looked_at: old.len(), removed: Vec::new() };
    for key in old {
        if named.names(&key) != Some(false) {
            continue;
        }
        match storage.delete(&key).await {
            // Another instance's sweep may have been first.
            Ok(()) | Err(StorageError::NotFound(_)) => {}
            Err(error) => return Err(error.into()),
        }
        if let Some((folder, _)) = key.rsplit_once('/') {
            storage.remove_empty_folder(folder)?;
        }
        swept.removed.push(key);
    }
    swept.removed.extend(storage.remove_unfinished_writes(cutoff).await?);
    Ok(swept)
}

/// Sweeps now and then, for as long as the server runs. Several instances
/// sweeping at once is harmless: each removes only what no row names.
pub async fn run(state: AppState) {
    let grace = Duration::from_secs(state.config.orphan_grace_minutes * 60);
    loop {
        match sweep(&state.db, &state.storage, grace).await {
            Ok(swept) if swept.removed.is_empty() => {}
            Ok(swept) => tracing::info!(removed = ?swept.removed, "removed files no record points at"),
            Err(error) => tracing::warn!(%error, "the sweep for unreferenced files could not finish"),
        }
        tokio::time::sleep(grace / 2).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_says_whose_file_it_is() {
        assert_eq!(owner("concepts/c1/2.png"), Owner::Creation("c1"));
        assert_eq!(owner("models/c1/model.stl"), Owner::Creation("c1"));
        assert_eq!(owner("orders/o1/keepsake.stl"), Owner::Order("o1"));
        assert_eq!(owner("gcode/q1.gcode"), Owner::Quote("q1"));
        assert_eq!(owner("uploads/u1.obj"), Owner::QuoteUpload("uploads/u1.obj"));
        assert_eq!(owner("snapshots/j1.jpg"), Owner::Snapshot("snapshots/j1.jpg"));
        assert_eq!(
            owner("lab/Pending/Ada_Filament_Red_k3/model.stl"),
            Owner::LabFolder("Ada_Filament_Red_k3")
        );
        assert_eq!(
            owner("models/c1/j9-2/model.stl"),
            Owner::ModelRun { creation: "c1", folder: "models/c1/j9-2" }
        );
        // Shapes this service does not write are left alone.
        for key in [
            ".readyz/probe",
            "gcode/q1.txt",
            "models/c1/extra/model.stl",
            "models/c1/j9-/model.stl",
            "models/c1/a/b/model.stl",
            "notes.txt",
            "lab/Pending/x",
        ] {
            assert_eq!(owner(key), Owner::Unknown, "{key}");
        }
    }
}
