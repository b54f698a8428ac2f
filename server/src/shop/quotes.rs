//! Quoting uploaded models on the server: bounded by one slice per core,
//! stopped when the requester goes away, and recorded.

use app::error::AppError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use geometry::Limits;
use geometry::io::Format;
use serde::{Deserialize, Serialize};
use slicing::material::Material;
use slicing::prusa::{Progress, SliceError};
use slicing::quote::{Engine, PriceBook, Quote, QuoteError};

use crate::jobs::kinds::{Failure, Job, JobKind, JobRun};
use crate::jobs::queue::Report;
use crate::platform::db::Db;
use crate::platform::model_file::{UnusableModel, read_model};
pub use crate::platform::slice_slots::SliceSlots;
use crate::platform::storage::Storage;
use crate::platform::time::now_ms;
use crate::shop::ShopContext;

/// What a `quote` job carries: the upload (kept in storage) and the choices.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuoteJob {
    pub upload: String,
    pub file_name: String,
    pub profile: String,
    pub material: Material,
    pub engine: Engine,
    /// The instant estimate made when the job was queued, to show while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<serde_json::Value>,
    /// The SHA-256 of the file sliced: an order is placed only for the same
    /// bytes (a studio keepsake is rebuilt at ordering and compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_sha256: Option<String>,
}

impl Job for QuoteJob {
    const KIND: JobKind = JobKind::named("quote");
    type Context = ShopContext;

    /// Slices the kept upload and prices it; a file or engine at fault is a
    /// rejection with its reason, a missing or slow slicer is worth another
    /// try, and our own faults say only that they were ours.
    async fn run(self, cx: &ShopContext, run: JobRun) -> Result<serde_json::Value, Failure> {
        let bytes = cx.storage.get(&self.upload).await.map_err(|e| Failure::ours(&e, &run))?;
        let book = cx
            .config
            .price_book(&self.profile)
            .ok_or_else(|| Failure::Reject("unknown price book".into()))?;
        let request = QuoteRequest {
            file_name: self.file_name,
            bytes,
            book,
            material: self.material,
            engine: self.engine,
        };
        match quote_with(cx, request, run.report.clone()).await {
            Ok((id, quote)) => Ok(serde_json::json!({ "quote_id": id, "quote": quote })),
            Err(failure) => match failure.blame() {
                Blame::File | Blame::Engine => Err(Failure::Reject(failure.to_string())),
                Blame::Service => Err(Failure::Retry(failure.to_string())),
                // The reason is shown to people: the cause goes to the log only.
                Blame::Internal => Err(Failure::ours(&failure, &run)),
            },
        }
    }
}

/// What was asked for.
pub struct QuoteRequest {
    pub file_name: String,
    /// The file as uploaded; shared, not copied, between the estimate, storage and the slice.
    pub bytes: bytes::Bytes,
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
    /// A bug: the work panicked. Logged; the user sees only that it was our fault.
    #[error("the quote failed on our side: {0}")]
    Crashed(String),
}

impl From<QuoteFailure> for AppError {
    fn from(failure: QuoteFailure) -> Self {
        let message = failure.to_string();
        match failure.blame() {
            Blame::File => AppError::Invalid { field: "file".into(), message },
            Blame::Engine => AppError::Invalid { field: "engine".into(), message },
            Blame::Service => AppError::Unavailable { field: "file".into(), message },
            Blame::Internal => crate::platform::app_error::internal(failure),
        }
    }
}

fn crashed(error: tokio::task::JoinError) -> QuoteFailure {
    QuoteFailure::Crashed(error.to_string())
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
    report: Report,
) -> Result<(String, Quote), QuoteFailure> {
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    // Only the slicer needs a slot: an instant estimate does not queue behind slices.
    let _slot = match request.engine {
        Engine::Estimate => None,
        _ => {
            report("Waiting for a free slicer", 0);
            Some(slots.0.acquire().await.expect("the semaphore is never closed"))
        }
    };
    let slicer = slicer.clone();
    let reporter = report.clone();
    let (sliced, started) = (request.engine != Engine::Estimate, std::time::Instant::now());
    let made = tokio::task::spawn_blocking(move || -> Result<(Quote, Option<Vec<u8>>), QuoteFailure> {
        let report = reporter;
        report("Reading the model", 2);
        let mesh = read_model(&request.file_name, &request.bytes, &limits)?;
        let (name, book) = &request.book;
        // The slicer's own 0–100 fills 10–90 of the bar.
        let slicing = |percent: u8, stage: &str| report(stage, 10 + (u16::from(percent) * 4 / 5) as u8);
        let (quote, slice) = slicing::quote::quote(
            &mesh,
            request.material,
            (name, book),
            request.engine,
            &slicer,
            (&cancel, &slicing),
        )?;
        let gcode = slice.map(|slice| std::fs::read(&slice.gcode)).transpose().map_err(QuoteError::Io)?;
        Ok((quote, gcode))
    })
    .await
    .map_err(crashed)
    .and_then(|made| made);
    if sliced {
        crate::platform::metrics::provider_call(
            crate::platform::metrics::Provider::Slicer,
            started,
            made.is_ok(),
        );
    }
    let (mut quote, gcode) = made?;

    report("Saving the quote", 95);
    let id = crate::platform::tokens::new_id();
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

/// The upload as a closed solid ready to slice, or why it cannot be one.
impl From<UnusableModel> for QuoteFailure {
    fn from(UnusableModel(reason): UnusableModel) -> QuoteFailure {
        QuoteFailure::Model(reason)
    }
}

/// The instant estimate for an upload: no slicer, no queue, no record; a
/// model that cannot be read fails here, before anything is stored.
pub async fn estimate_now(
    request: &QuoteRequest,
    limits: Limits,
    work: &crate::platform::mesh_work::MeshWork,
) -> Result<Quote, QuoteFailure> {
    let (file_name, bytes) = (request.file_name.clone(), request.bytes.clone());
    let (material, (name, book)) = (request.material, request.book.clone());
    work.run(move || {
        let mesh = read_model(&file_name, &bytes, &limits)?;
        let slicer = slicing::prusa::PrusaSlicer::default();
        let quiet: (&AtomicBool, Progress<'_>) = (&AtomicBool::new(false), &|_, _| {});
        let (quote, _) =
            slicing::quote::quote(&mesh, material, (name, &book), Engine::Estimate, &slicer, quiet)?;
        Ok(quote)
    })
    .await
    .map_err(crashed)?
}

/// A quote on its way: the job making it and the estimate to show meanwhile.
pub struct Started {
    pub job_id: String,
    pub estimate: Quote,
}

/// Estimates at once, then keeps the upload in storage and queues a `quote`
/// job for the real figures (the estimate rides along in the job, so any
/// page showing the job can show it).
pub async fn start(cx: &ShopContext, request: QuoteRequest) -> Result<Started, QuoteFailure> {
    let estimate = estimate_now(&request, cx.config.model_limits(), &cx.mesh_work).await?;
    let storage = &cx.storage;
    let extension =
        Format::from_name(&request.file_name).map_err(|e| QuoteFailure::Model(e.to_string()))?.extension();
    let upload = format!("uploads/{}.{extension}", crate::platform::tokens::new_id());
    let mesh_sha256 = crate::platform::tokens::sha256_hex(&request.bytes);
    storage.put(&upload, request.bytes).await.map_err(|e| QuoteFailure::Storage(e.to_string()))?;
    let job = QuoteJob {
        upload: upload.clone(),
        file_name: request.file_name,
        profile: request.book.0.to_string(),
        material: request.material,
        engine: request.engine,
        estimate: Some(serde_json::to_value(&estimate).expect("a quote serialises")),
        mesh_sha256: Some(mesh_sha256),
    };
    let pushed = crate::jobs::queue::push(cx.db.pool(), &job).await;
    crate::jobs::queue::wake_workers();
    match pushed {
        Ok(job_id) => Ok(Started { job_id, estimate }),
        Err(error) => {
            let _ = storage.delete(&upload).await;
            Err(error.into())
        }
    }
}

/// [`quote_upload`] with everything it needs taken from the shop's context.
pub async fn quote_with(
    cx: &ShopContext,
    request: QuoteRequest,
    report: Report,
) -> Result<(String, Quote), QuoteFailure> {
    let slicer = cx.config.slicer();
    let limits = cx.config.model_limits();
    quote_upload(&cx.db, &cx.storage, &cx.slice_slots, &slicer, limits, request, report).await
}

/// Every quote's id (the orphan sweep keeps their sliced files).
pub async fn all_ids(db: &crate::platform::db::Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM quotes").fetch_all(db.pool()).await
}
