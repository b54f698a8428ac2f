//! The studio on the server: a creation's keepsake settings, the keepsake
//! rebuilt natively from them (the same kernel the browser previews with, so
//! the same bytes), its exact price by the slicer, and its files.

use app::error::AppError;
use std::sync::Arc;

use app::quote::QuoteProgress;
use app::report::FunnelStep;
use app::studio::{PricedKeepsake, StudioSettings, StudioView};
use geometry::keepsake::{KeepsakeError, KeepsakeSpec};
use geometry::text::Font;
use slicing::material::Material;
use slicing::quote::Engine;

use crate::generation::model3d::{self, ModelError};
use crate::jobs::queue;
use crate::platform::db::Db;
use crate::platform::storage::StorageError;
use crate::shop::ShopContext;
pub use crate::shop::keepsake_cache::{BuildFailure, Built, KeepsakeCache};
use crate::shop::quotes::{self, Blame, QuoteFailure, QuoteRequest};

#[derive(thiserror::Error, Debug)]
pub enum StudioError {
    #[error("Your model is still being made: the studio opens once it is ready.")]
    NotReady,
    #[error("no such creation")]
    NotFound,
    /// The settings cannot make a keepsake of this model; the reason is for the customer.
    #[error("{0}")]
    Shape(KeepsakeError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the model could not be read: {0}")]
    Storage(StorageError),
    #[error("building the keepsake stopped: {0}")]
    Crashed(String),
    #[error(transparent)]
    Quote(#[from] QuoteFailure),
}

impl From<StudioError> for AppError {
    fn from(error: StudioError) -> Self {
        match error {
            StudioError::NotReady => AppError::Conflict { field: "model".into(), message: error.to_string() },
            StudioError::Shape(_) => {
                AppError::Invalid { field: "settings".into(), message: error.to_string() }
            }
            StudioError::NotFound => AppError::NotFound,
            StudioError::Quote(failure) if failure.blame() == Blame::File => {
                AppError::Invalid { field: "settings".into(), message: failure.to_string() }
            }
            StudioError::Database(error) => crate::platform::app_error::database(error),
            other => crate::platform::app_error::internal(other),
        }
    }
}

impl From<ModelError> for StudioError {
    fn from(error: ModelError) -> Self {
        match error {
            ModelError::NotFound => StudioError::NotReady,
            ModelError::Database(error) => StudioError::Database(error),
            other => StudioError::Crashed(other.to_string()),
        }
    }
}

/// What the studio keeps on the creation.
struct Saved {
    spec: Option<KeepsakeSpec>,
    quote_job_id: Option<String>,
}

async fn saved(db: &Db, creation_id: &str) -> Result<Saved, StudioError> {
    let saved =
        crate::generation::creations::saved_keepsake(db, creation_id).await?.ok_or(StudioError::NotFound)?;
    // A spec saved by an older version that no longer reads falls back to the defaults.
    let spec = saved.keepsake.and_then(|json| serde_json::from_str(&json).ok());
    Ok(Saved { spec, quote_job_id: saved.keepsake_quote_job_id })
}

/// The creation's model as stored (binary STL, repaired, standing on
/// z = 0), or [`StudioError::NotReady`] before it is made.
async fn stored_model(cx: &ShopContext, creation_id: &str) -> Result<bytes::Bytes, StudioError> {
    let files = model3d::current_files(&cx.db, creation_id).await?.ok_or(StudioError::NotReady)?;
    match cx.storage.get(&files.mesh()).await {
        Ok(stl) => Ok(stl),
        Err(StorageError::NotFound(_)) => Err(StudioError::NotReady),
        Err(error) => Err(StudioError::Storage(error)),
    }
}

/// The creation's model as made, read.
async fn model(cx: &ShopContext, creation_id: &str) -> Result<geometry::Mesh, StudioError> {
    let stl = stored_model(cx, creation_id).await?;
    let limits = cx.config.model_limits();
    cx.mesh_work
        .run(move || geometry::io::stl::read(&stl, &limits))
        .await
        .map_err(|e| StudioError::Crashed(e.to_string()))?
        .map_err(|e| StudioError::Crashed(format!("the stored model does not read: {e}")))
}

fn height_mm(mesh: &geometry::Mesh) -> f64 {
    let [min, max] = geometry::analysis::bounding_box(mesh);
    max[2] - min[2]
}

/// The keepsake for `spec`, built natively, or as built before for the same
/// model and settings.
pub async fn build(cx: &ShopContext, creation_id: &str, spec: KeepsakeSpec) -> Result<Built, StudioError> {
    let stl = stored_model(cx, creation_id).await?;
    let model_hash = {
        let stl = stl.clone();
        tokio::task::spawn_blocking(move || crate::platform::tokens::sha256_hex(&stl))
            .await
            .map_err(|e| StudioError::Crashed(e.to_string()))?
    };
    let key = format!("{model_hash} {}", serde_json::to_string(&spec).expect("a spec serialises"));
    let limits = cx.config.model_limits();
    let work = cx.mesh_work.clone();
    cx.keepsakes
        .get_or_build(key, async move {
            work.run(move || {
                let model = geometry::io::stl::read(&stl, &limits)
                    .map_err(|e| BuildFailure::Crashed(format!("the stored model does not read: {e}")))?;
                let keepsake = geometry::keepsake::keepsake(&model, &spec, &Font::embedded())
                    .map_err(BuildFailure::Shape)?;
                let stl = geometry::io::stl::write_binary(&keepsake.mesh);
                let sha256 = crate::platform::tokens::sha256_hex(&stl);
                Ok(Built { stl: stl.into(), mesh: Arc::new(keepsake.mesh), sha256 })
            })
            .await
            .map_err(|e| BuildFailure::Crashed(e.to_string()))?
        })
        .await
        .map_err(|failure| match failure {
            BuildFailure::Shape(error) => StudioError::Shape(error),
            BuildFailure::Crashed(why) => StudioError::Crashed(why),
        })
}

/// The keepsake for the creation's saved settings (the defaults before any).
pub async fn build_saved(cx: &ShopContext, creation_id: &str) -> Result<Built, StudioError> {
    let spec = saved(&cx.db, creation_id).await?.spec.unwrap_or_default();
    build(cx, creation_id, spec).await
}

/// The studio page's view; `quote` is the quote job as its page shows it.
pub async fn view(
    cx: &ShopContext,
    creation_id: &str,
    quote: impl Fn(queue::JobView) -> QuoteProgress,
) -> Result<StudioView, StudioError> {
    let made = model3d::view(&cx.db, creation_id).await?;
    let saved = saved(&cx.db, creation_id).await?;
    let ready = made.mesh_url.is_some();
    let model_height_mm =
        if ready { height_mm(&model(cx, creation_id).await?) } else { model3d::MODEL_SIZE_MM };
    let settings = match &saved.spec {
        Some(spec) => StudioSettings::from_spec(spec, model_height_mm),
        None => StudioSettings::for_model(model_height_mm),
    };
    let quote = match saved.quote_job_id {
        Some(job_id) => queue::view(&cx.db, &job_id).await?.map(quote),
        None => None,
    };
    crate::reports::funnel::seen(&cx.db, creation_id, FunnelStep::StudioOpened).await;
    Ok(StudioView {
        creation_id: creation_id.to_string(),
        title: made.title,
        model_url: made.mesh_url,
        thumbnail_url: made.thumbnail_url,
        model_height_mm,
        settings,
        quote,
        build_volume_mm: cx.config.build_volume_mm,
        rates: shop_rates(&cx.config.shop),
        card_payments: cx.card_payments.is_some(),
    })
}

/// Builds the keepsake for `spec`, queues its slice and keeps the settings
/// and the quote job on the creation (only once the job is queued, so a
/// failure leaves the studio as it was).
pub async fn price(
    cx: &ShopContext,
    creation_id: &str,
    spec: KeepsakeSpec,
) -> Result<PricedKeepsake, StudioError> {
    let built = build(cx, creation_id, spec.clone()).await?;
    let request = QuoteRequest {
        file_name: "keepsake.stl".into(),
        bytes: built.stl,
        book: cx.config.price_book("shop").expect("the shop's price book exists"),
        material: Material::Pla,
        engine: Engine::Auto,
    };
    let started = quotes::start(cx, request).await?;
    let spec_json = serde_json::to_string(&spec).expect("a spec serialises");
    crate::generation::creations::save_keepsake(&cx.db, creation_id, &spec_json, &started.job_id).await?;
    crate::reports::funnel::job_done(
        &cx.db,
        <quotes::QuoteJob as crate::jobs::kinds::Job>::KIND.name(),
        &started.job_id,
    )
    .await;
    Ok(PricedKeepsake { job_id: started.job_id, mesh_sha256: built.sha256 })
}

/// The shop's price book as the studio's instant estimate needs it.
pub fn shop_rates(book: &slicing::quote::PriceBook) -> app::studio::ShopRates {
    app::studio::ShopRates {
        filament_cents_per_kg: book.filament_cents_per_kg,
        service_cents: book.service_cents,
        shipping_cents: book.shipping_cents,
        minimum_cents: book.minimum_cents,
        currency: book.currency.clone(),
    }
}

#[cfg(test)]
mod tests {
    use slicing::material::Material;
    use slicing::quote::PriceBook;

    #[test]
    fn the_instant_estimate_prices_grams_as_the_price_book_does() {
        let mut lab = PriceBook::lab();
        lab.resin_cents_per_kg = 0;
        for book in [PriceBook::shop(), lab] {
            let rates = super::shop_rates(&book);
            for grams in [0.0, 0.49, 0.5, 12.3456, 123.456, 2000.0, -1.0] {
                assert_eq!(
                    rates.total_cents(grams),
                    book.price(Material::Pla, grams).total_cents,
                    "{grams} g"
                );
            }
        }
    }
}
