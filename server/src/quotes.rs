//! Quoting uploaded models on the server: bounded by one slice per core,
//! stopped when the requester goes away, and recorded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use geometry::io::Format;
use geometry::{Limits, MeshError};
use slicing::material::Material;
use slicing::prusa::SliceError;
use slicing::quote::{Engine, PriceBook, Quote, QuoteError};
use tokio::sync::Semaphore;

use crate::db::Db;
use crate::state::AppState;
use crate::storage::Storage;
use crate::time::now_ms;

/// At most one slice per core at once; waiting requests queue.
#[derive(Clone, Debug)]
pub struct SliceSlots(Arc<Semaphore>);

impl SliceSlots {
    pub fn per_core() -> SliceSlots {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SliceSlots(Arc::new(Semaphore::new(cores)))
    }
}

/// What was asked for.
pub struct QuoteRequest {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub book: (&'static str, PriceBook),
    pub material: Material,
    pub engine: Engine,
}

#[derive(thiserror::Error, Debug)]
pub enum QuoteFailure {
    /// The model cannot be quoted as it is (the user can fix it).
    #[error("{0}")]
    Model(String),
    #[error(transparent)]
    Quote(#[from] QuoteError),
    #[error("the quote could not be saved: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the G-code could not be stored: {0}")]
    Storage(String),
}

/// Whose a failure is: what the API answers, and whether a job is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blame {
    /// The uploaded model (or its slice) is unusable; retrying cannot help.
    File,
    /// The engine cannot quote this material.
    Engine,
    /// The slicer is missing or too slow here; it may work later.
    Service,
    /// Our fault (storage, database).
    Internal,
}

impl QuoteFailure {
    pub fn blame(&self) -> Blame {
        match self {
            QuoteFailure::Model(_) | QuoteFailure::Quote(QuoteError::Slice(SliceError::Failed(_))) => {
                Blame::File
            }
            QuoteFailure::Quote(QuoteError::Slice(SliceError::NotFilament(_))) => Blame::Engine,
            QuoteFailure::Quote(QuoteError::Slice(SliceError::Missing(_) | SliceError::Timeout(_))) => {
                Blame::Service
            }
            _ => Blame::Internal,
        }
    }
}

/// Sets the flag when dropped: the handler's future is dropped when the
/// client disconnects, and the slice running for it stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Reads, repairs, slices (or estimates) and prices the model, then records
/// the quote; returns its id and the quote.
pub async fn quote_upload(
    db: &Db,
    storage: &Storage,
    slots: &SliceSlots,
    slicer: &slicing::prusa::PrusaSlicer,
    limits: Limits,
    request: QuoteRequest,
) -> Result<(String, Quote), QuoteFailure> {
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    // Only the slicer needs a slot: an instant estimate does not queue behind slices.
    let _slot = match request.engine {
        Engine::Estimate => None,
        _ => Some(slots.0.acquire().await.expect("the semaphore is never closed")),
    };
    let slicer = slicer.clone();
    let (mut quote, gcode) =
        tokio::task::spawn_blocking(move || -> Result<(Quote, Option<Vec<u8>>), QuoteFailure> {
            let format = Format::from_name(&request.file_name).map_err(model_error)?;
            let mesh = geometry::io::read(format, &request.bytes, &limits).map_err(model_error)?;
            let (mesh, _, _) =
                geometry::repair_solid(&mesh).map_err(|e| QuoteFailure::Model(e.to_string()))?;
            let (name, book) = &request.book;
            let (quote, slice) = slicing::quote::quote(
                &mesh,
                request.material,
                (name, book),
                request.engine,
                &slicer,
                &cancel,
            )?;
            let gcode = slice.map(|slice| std::fs::read(&slice.gcode)).transpose().map_err(QuoteError::Io)?;
            Ok((quote, gcode))
        })
        .await
        .map_err(|e| QuoteFailure::Model(format!("the model could not be processed: {e}")))??;

    let id = crate::creations::new_id();
    // The G-code first; if the row cannot be written, the file goes again,
    // so nothing is left half-recorded.
    let gcode_key = match gcode {
        Some(bytes) => {
            let key = format!("gcode/{id}.gcode");
            storage.put(&key, bytes).await.map_err(|e| QuoteFailure::Storage(e.to_string()))?;
            Some(key)
        }
        None => None,
    };
    quote.gcode = gcode_key.clone();
    let body = serde_json::to_string(&quote).expect("a quote serialises");
    let inserted = sqlx::query(
        "INSERT INTO quotes (id, created_at, engine, material, profile, total_cents, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(now_ms())
    .bind(&quote.engine)
    .bind(quote.material.name())
    .bind(&quote.profile)
    .bind(quote.price.total_cents as i64)
    .bind(&body)
    .execute(db.pool())
    .await;
    if let Err(error) = inserted {
        if let Some(key) = &gcode_key {
            let _ = storage.delete(key).await;
        }
        return Err(error.into());
    }
    Ok((id, quote))
}

fn model_error(error: MeshError) -> QuoteFailure {
    QuoteFailure::Model(error.to_string())
}

/// Keeps the upload in storage and queues a `quote` job for it; returns the job's id.
pub async fn enqueue_quote(
    db: &Db,
    storage: &Storage,
    file_name: &str,
    bytes: Vec<u8>,
    profile: &str,
    material: Material,
    engine: Engine,
) -> Result<String, QuoteFailure> {
    let extension = Format::from_name(file_name).map_err(model_error)?.extension();
    let upload = format!("uploads/{}.{extension}", crate::creations::new_id());
    storage.put(&upload, bytes).await.map_err(|e| QuoteFailure::Storage(e.to_string()))?;
    let job = crate::workers::QuoteJob {
        upload: upload.clone(),
        file_name: file_name.to_string(),
        profile: profile.to_string(),
        material,
        engine,
    };
    let payload = serde_json::to_value(&job).expect("a job serialises");
    match crate::jobs::enqueue(db, crate::workers::QUOTE, &payload, 3).await {
        Ok(id) => Ok(id),
        Err(error) => {
            let _ = storage.delete(&upload).await;
            Err(error.into())
        }
    }
}

/// [`quote_upload`] with everything it needs taken from the app's state.
pub async fn quote_with(state: &AppState, request: QuoteRequest) -> Result<(String, Quote), QuoteFailure> {
    let slicer = state.config.slicer();
    let limits = state.config.model_limits();
    quote_upload(&state.db, &state.storage, &state.slice_slots, &slicer, limits, request).await
}
