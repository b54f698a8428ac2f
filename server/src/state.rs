//! What every request handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::generation::concepts::{ImageMaker, PromptWriter};
use crate::generation::image_to_3d::{Hunyuan3d, ModelMaker, Relief};
use crate::generation::meshy::{Meshy, MeshyApi, MeshyText};
use crate::generation::text_to_3d::TextModelMaker;
use crate::payments::stripe::StripeCheckout;
use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::slice_slots::SliceSlots;
use crate::platform::storage::Storage;

/// A handle on [`StateParts`]: every middleware and handler of every request
/// takes one, so a clone is one reference count (copying the parts cost
/// ~9 % of a status request's time under load). Reading goes through
/// `Deref`; the parts never change in place: [`AppState::with`] makes a new
/// state from a changed copy.
#[derive(Clone, Debug)]
pub struct AppState(Arc<StateParts>);

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.0
    }
}

impl AppState {
    /// A new state from a copy of these parts with `change` made to it (a
    /// test's own image maker, a server started with other settings). The
    /// copy is explicit: this handle, and every clone of it, keep the parts
    /// they had.
    pub fn with(&self, change: impl FnOnce(&mut StateParts)) -> AppState {
        let mut parts = StateParts::clone(&self.0);
        change(&mut parts);
        AppState(Arc::new(parts))
    }
}

#[derive(Clone, Debug)]
pub struct StateParts {
    pub config: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    pub leptos: LeptosOptions,
    pub slice_slots: SliceSlots,
    /// The budget for reading, repairing and building meshes (see `mesh_work`).
    pub mesh_work: crate::platform::mesh_work::MeshWork,
    /// Built keepsakes by model and settings, for downloads and orders.
    pub keepsakes: crate::shop::keepsake_cache::KeepsakeCache,
    /// Draws concept pictures (the embedded emblems unless configured otherwise).
    pub images: Arc<dyn ImageMaker>,
    /// Writes concept briefs (the embedded composer unless configured otherwise).
    pub writer: Arc<dyn PromptWriter>,
    /// Turns a chosen picture into a model (the embedded relief unless configured otherwise).
    pub models: Arc<dyn ModelMaker>,
    /// Turns a described object straight into a model; `None` (the embedded
    /// default): descriptions go by designs, like stories.
    pub text_models: Option<Arc<dyn TextModelMaker>>,
    /// Rung when mail is queued, so the mail worker sends it at once.
    pub mail_due: Arc<tokio::sync::Notify>,
    /// Card payment through Stripe Checkout; `None` (no key set): orders are paid when collected.
    pub card_payments: Option<Arc<StripeCheckout>>,
    /// Outside fulfilment through Slant 3D; `None` without `MEMOREEZ_SLANT3D_API_KEY`.
    pub outside: Option<Arc<crate::shop::slant3d::Slant3d>>,
    /// Signs and checks expiring download links (the lab's G-code, a print service's file).
    pub links: crate::platform::signed_links::LinkSigner,
    /// News of changes for the live streams (from PostgreSQL's NOTIFY on that database).
    pub changes: crate::platform::changes::Changes,
    /// One database read per topic for all the live streams showing it.
    pub readings: StreamReadings,
    /// Whose `X-Forwarded-For` names the client (`MEMOREEZ_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::platform::client_address::TrustedProxies,
    /// The SHA-256 of the bearer token that opens `/metrics` to a scraper
    /// (`MEMOREEZ_METRICS_TOKEN`); `None`: staff only.
    pub metrics_token_hash: Option<String>,
    /// The last good `/readyz` answer, shared by probes at once.
    pub readiness: crate::platform::readiness::Readiness,
    /// What a shop order does when its print job takes a step: the shop's
    /// side of a lab step, wired here so the lab need not know the shop.
    pub order_steps: crate::lab::actions::OrderSteps,
}

impl AppState {
    /// What the lab's (and the printers') work uses, from these parts.
    pub fn lab(&self) -> crate::lab::LabContext {
        crate::lab::LabContext {
            db: self.db.clone(),
            storage: self.storage.clone(),
            config: self.config.clone(),
            mail_due: self.mail_due.clone(),
            slice_slots: self.slice_slots.clone(),
            mesh_work: self.mesh_work.clone(),
            links: self.links.clone(),
            order_steps: self.order_steps,
        }
    }

    /// What the shop's work uses, from these parts.
    pub fn shop(&self) -> crate::shop::ShopContext {
        crate::shop::ShopContext {
            db: self.db.clone(),
            storage: self.storage.clone(),
            config: self.config.clone(),
            mail_due: self.mail_due.clone(),
            slice_slots: self.slice_slots.clone(),
            mesh_work: self.mesh_work.clone(),
            links: self.links.clone(),
            keepsakes: self.keepsakes.clone(),
            card_payments: self.card_payments.clone(),
            outside: self.outside.clone(),
        }
    }

    /// What making concepts and models uses, from these parts.
    pub fn generation(&self) -> crate::generation::GenerationContext {
        crate::generation::GenerationContext {
            db: self.db.clone(),
            storage: self.storage.clone(),
            config: self.config.clone(),
            mesh_work: self.mesh_work.clone(),
            images: self.images.clone(),
            writer: self.writer.clone(),
            models: self.models.clone(),
            text_models: self.text_models.clone(),
        }
    }
}

impl From<&AppState> for crate::lab::LabContext {
    fn from(state: &AppState) -> Self {
        state.lab()
    }
}

impl From<&AppState> for crate::shop::ShopContext {
    fn from(state: &AppState) -> Self {
        state.shop()
    }
}

impl From<&AppState> for crate::generation::GenerationContext {
    fn from(state: &AppState) -> Self {
        state.generation()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// Opens the database (migrating it) and the storage named by `config`.
    pub async fn open(config: Config) -> Result<AppState, StartError> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let storage = Storage::open(&config)?;
        let leptos = LeptosOptions::builder()
            .output_name("memoreez")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();
        let images = crate::generation::concepts::image_maker(&config);
        let writer = crate::generation::concepts::prompt_writer(&config);
        let mesh_work = crate::platform::mesh_work::MeshWork::from_config(&config);
        let models = model_maker(&config, &mesh_work);
        let text_models = text_model_maker(&config);
        let card_payments = StripeCheckout::from_env(&config)?.map(Arc::new);
        let links = crate::platform::signed_links::LinkSigner::load(&db)
            .await
            .map_err(crate::platform::db::DbError::from)?;
        let outside = std::env::var(crate::platform::config::SLANT3D_API_KEY)
            .ok()
            .filter(|key| !key.trim().is_empty())
            .map(|key| Arc::new(crate::shop::slant3d::Slant3d::new(&config.slant3d_api_url, key.trim())));
        Ok(AppState(Arc::new(StateParts {
            db,
            storage,
            leptos,
            slice_slots: SliceSlots::per_core(),
            mesh_work,
            keepsakes: crate::shop::keepsake_cache::KeepsakeCache::new(
                config.keepsake_cache_mb * 1024 * 1024,
            ),
            images,
            writer,
            models,
            text_models,
            mail_due: Arc::new(tokio::sync::Notify::new()),
            card_payments,
            outside,
            links,
            changes: crate::platform::changes::Changes::with_limits(config.stream_limits()),
            readings: Default::default(),
            trusted_proxies: crate::platform::client_address::TrustedProxies::parse(&config.trusted_proxies)
                .map_err(crate::platform::config::ConfigError)?,
            metrics_token_hash: crate::platform::metrics::token_hash_from_env(),
            readiness: Default::default(),
            order_steps: crate::shop::orders::lab_steps::follow_print_job,
            config: Arc::new(config),
        })))
    }
}

/// Why the server could not start; printed as one line.
#[derive(thiserror::Error, Debug)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] crate::platform::db::DbError),
    #[error(transparent)]
    Storage(#[from] crate::platform::storage::StorageError),
    #[error(transparent)]
    Config(#[from] crate::platform::config::ConfigError),
}

/// The image → 3D maker the configuration chooses.
fn model_maker(config: &Config, mesh_work: &crate::platform::mesh_work::MeshWork) -> Arc<dyn ModelMaker> {
    use crate::platform::config::MeshProvider;
    let url = |default: &str| {
        if config.mesh_api_url.is_empty() { default.to_string() } else { config.mesh_api_url.clone() }
    };
    let timeout = std::time::Duration::from_secs(config.mesh_timeout_s);
    match config.mesh_provider {
        MeshProvider::Embedded => Arc::new(Relief(mesh_work.clone())),
        MeshProvider::Hunyuan3d => Arc::new(Hunyuan3d {
            base: url("http://127.0.0.1:8081"),
            calls: crate::generation::concepts::service::Service::new(timeout, 1)
                .with_max_body(config.model_limits().max_bytes),
            max_triangles: config.max_model_triangles,
        }),
        MeshProvider::Meshy => Arc::new(Meshy(meshy_api(config, url("https://api.meshy.ai")))),
    }
}

/// The text → 3D maker the configuration chooses, if any.
fn text_model_maker(config: &Config) -> Option<Arc<dyn TextModelMaker>> {
    use crate::platform::config::TextTo3dProvider;
    match config.text_to_3d_provider {
        TextTo3dProvider::Embedded => None,
        TextTo3dProvider::Meshy => {
            let base = match config.text_to_3d_api_url.as_str() {
                "" => "https://api.meshy.ai".to_string(),
                url => url.to_string(),
            };
            Some(Arc::new(MeshyText(meshy_api(config, base))))
        }
    }
}

fn meshy_api(config: &Config, base: String) -> MeshyApi {
    MeshyApi {
        base,
        key: std::env::var(crate::platform::config::MESHY_API_KEY).unwrap_or_default(),
        // Each call is quick; a task may take minutes: that is `patience`.
        calls: crate::generation::concepts::service::Service::new(std::time::Duration::from_secs(60), 2)
            .with_max_body(config.model_limits().max_bytes),
        poll: std::time::Duration::from_secs(3),
        patience: std::time::Duration::from_secs(config.mesh_timeout_s),
        max_triangles: config.max_model_triangles,
    }
}

/// The shared readers of every kind of stream.
#[derive(Clone, Debug, Default)]
pub struct StreamReadings {
    /// A job's view (`None`: the job is gone).
    pub jobs: crate::platform::readings::Readings<Option<crate::jobs::queue::JobView>>,
    /// An order's view (`None`: gone).
    pub orders: crate::platform::readings::Readings<Option<app::order::OrderView>>,
    /// A creation's concepts.
    pub concepts: crate::platform::readings::Readings<Vec<app::concept::Concept>>,
    /// The lab's event log: its newest event's id and time.
    pub lab: crate::platform::readings::Readings<(i64, i64, Option<i64>)>,
}
