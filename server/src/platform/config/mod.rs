//! All settings, typed, in one place.
//!
//! Sources, later ones winning: built-in defaults (which need nothing: a
//! SQLite file and a local folder under `./data`), then `memoreez.toml` (or the
//! file named by `MEMOREEZ_CONFIG`), then `MEMOREEZ_*` environment variables.
//! A bad value stops start-up with one line that names the setting.
//!
//! This file is the settings and their defaults (docs/configuration.md is
//! made from its comments); `load.rs` reads and checks them.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use slicing::prusa::PrusaSlicer;
use slicing::quote::PriceBook;

pub(super) const ENV_PREFIX: &str = "MEMOREEZ_";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Where the web server listens (`MEMOREEZ_ADDR`).
    pub addr: SocketAddr,
    /// `sqlite://…` (default) or `postgres://…` (`MEMOREEZ_DATABASE_URL`).
    pub database_url: String,
    /// The local folder that holds uploaded and generated files (`MEMOREEZ_FILES_DIR`).
    pub files_dir: PathBuf,
    /// The built site (JS, WASM, CSS, public assets) that cargo-leptos writes
    /// (`MEMOREEZ_SITE_ROOT`; defaults to `LEPTOS_SITE_ROOT` or `target/site`).
    pub site_root: PathBuf,
    /// Log filter in `tracing` syntax, e.g. `info` or `memoreez=debug,info` (`MEMOREEZ_LOG`).
    pub log: String,
    /// `text` (one line per event, for people) or `json` (one JSON object per
    /// line, for a log collector) (`MEMOREEZ_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// Largest model file accepted, in MB (`MEMOREEZ_MAX_MODEL_MB`).
    pub max_model_mb: u64,
    /// Most triangles accepted in one model (`MEMOREEZ_MAX_MODEL_TRIANGLES`).
    pub max_model_triangles: usize,
    /// The printer's build volume, x × y × z mm (`build_volume_mm` in memoreez.toml).
    pub build_volume_mm: [f64; 3],
    /// The PrusaSlicer binary, a name on PATH or a path (`MEMOREEZ_PRUSA_SLICER`).
    pub prusa_slicer: PathBuf,
    /// A slice running longer is stopped (`MEMOREEZ_SLICE_TIMEOUT_S`).
    pub slice_timeout_s: u64,
    /// Prices for keepsakes sold online (`[shop]` in memoreez.toml; integer cents).
    pub shop: PriceBook,
    /// Prices for the print lab (`[lab]` in memoreez.toml; integer cents).
    pub lab: PriceBook,
    /// Who draws concept pictures (`MEMOREEZ_IMAGE_PROVIDER`): `embedded`
    /// (offline emblems), `openai` (any OpenAI-compatible images API; key in
    /// `MEMOREEZ_IMAGE_API_KEY`) or `cloudflare` (Workers AI; token in
    /// `MEMOREEZ_CLOUDFLARE_API_TOKEN`, account in `MEMOREEZ_CLOUDFLARE_ACCOUNT_ID`).
    pub image_provider: Provider,
    /// The service's base URL; empty: the provider's public one (`MEMOREEZ_IMAGE_API_URL`).
    pub image_api_url: String,
    /// The model; empty: `gpt-image-1` / `@cf/black-forest-labs/flux-1-schnell` (`MEMOREEZ_IMAGE_MODEL`).
    pub image_model: String,
    /// One call to the image service may take this long (`MEMOREEZ_IMAGE_TIMEOUT_S`).
    pub image_timeout_s: u64,
    /// At most this many calls to the image service at once (`MEMOREEZ_IMAGE_CONCURRENCY`).
    pub image_concurrency: usize,
    /// Who writes the concept briefs (`MEMOREEZ_PROMPT_PROVIDER`): `embedded`
    /// (the offline composer), `openai` (any OpenAI-compatible chat API, e.g.
    /// Ollama; key in `MEMOREEZ_PROMPT_API_KEY`) or `cloudflare` (Workers AI Llama).
    pub prompt_provider: Provider,
    /// The chat service's base URL; empty: the provider's public one (`MEMOREEZ_PROMPT_API_URL`).
    pub prompt_api_url: String,
    /// The chat model; empty: `gpt-4o-mini` / `@cf/meta/llama-3.1-8b-instruct` (`MEMOREEZ_PROMPT_MODEL`).
    pub prompt_model: String,
    /// One call to the chat service may take this long (`MEMOREEZ_PROMPT_TIMEOUT_S`).
    pub prompt_timeout_s: u64,
    /// Cloudflare's account id (`MEMOREEZ_CLOUDFLARE_ACCOUNT_ID`).
    pub cloudflare_account_id: String,
    /// Who turns a chosen picture into a model (`MEMOREEZ_MESH_PROVIDER`):
    /// `embedded` (a relief, offline), `hunyuan3d` (its API server) or
    /// `meshy` (key in `MEMOREEZ_MESHY_API_KEY`).
    pub mesh_provider: MeshProvider,
    /// The 3D service's base URL; empty: `http://127.0.0.1:8081` (Hunyuan3D)
    /// or `https://api.meshy.ai` (`MEMOREEZ_MESH_API_URL`).
    pub mesh_api_url: String,
    /// One call to the 3D service may take this long (`MEMOREEZ_MESH_TIMEOUT_S`).
    pub mesh_timeout_s: u64,
    /// Leave `mesh` jobs to remote `memoreez worker`s instead of making
    /// models in this process (`MEMOREEZ_REMOTE_MESH_WORKERS=true`).
    pub remote_mesh_workers: bool,
    /// Who turns a described object straight into a model
    /// (`MEMOREEZ_TEXT_TO_3D_PROVIDER`): `embedded` (no service: the
    /// description gets four designs to pick from, like a story) or `meshy`
    /// (Meshy's text-to-3D, preview then refine; key in `MEMOREEZ_MESHY_API_KEY`).
    pub text_to_3d_provider: TextTo3dProvider,
    /// Meshy's base URL for text → 3D; empty: `https://api.meshy.ai`
    /// (`MEMOREEZ_TEXT_TO_3D_API_URL`).
    pub text_to_3d_api_url: String,
    /// The address customers reach this site at, for links in emails (`MEMOREEZ_PUBLIC_URL`).
    pub public_url: String,
    /// Who emails come from (`MEMOREEZ_MAIL_FROM`).
    pub mail_from: String,
    /// Where new-order alerts go (`MEMOREEZ_STAFF_EMAIL`).
    pub staff_email: String,
    /// The SMTP server that sends email (`MEMOREEZ_SMTP_HOST`); empty: every
    /// message is written as an `.eml` file under `files_dir/outbox` instead.
    pub smtp_host: String,
    /// `MEMOREEZ_SMTP_PORT` (587 for STARTTLS, 465 for TLS, 25 without).
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls` (`MEMOREEZ_SMTP_TLS`).
    pub smtp_tls: SmtpTls,
    /// Login name, if the server wants one (`MEMOREEZ_SMTP_USERNAME`); the
    /// password only from `MEMOREEZ_SMTP_PASSWORD`.
    pub smtp_username: String,
    /// Stripe's API (`MEMOREEZ_STRIPE_API_URL`). Card payment is on when
    /// `MEMOREEZ_STRIPE_SECRET_KEY` is set, with the webhook's signing secret
    /// in `MEMOREEZ_STRIPE_WEBHOOK_SECRET` (comma-separated while rolling it).
    pub stripe_api_url: String,
    /// Slant 3D's API for outside fulfilment (`MEMOREEZ_SLANT3D_API_URL`);
    /// on when `MEMOREEZ_SLANT3D_API_KEY` is set.
    pub slant3d_api_url: String,
    /// A staff session ends after this many minutes unused (`MEMOREEZ_STAFF_IDLE_MINUTES`).
    pub staff_idle_minutes: u64,
    /// The slicer `memoreez open-in-slicer` starts on a staff computer
    /// (`MEMOREEZ_DESKTOP_SLICER`; a program on PATH or a path). The files it
    /// may open are those under `files_dir`, the shared storage folder.
    pub desktop_slicer: PathBuf,
    /// The folder a printer's `file:NAME` API key is read from
    /// (`MEMOREEZ_PRINTER_KEYS_DIR`). Keys can also be environment variables
    /// named `MEMOREEZ_PRINTER_KEY_…`; nothing else can be named, so a staff
    /// sign-in cannot send the server's own secrets to a printer.
    pub printer_keys_dir: PathBuf,
    /// The lab's time zone, an IANA name, for times on staff pages (`MEMOREEZ_LAB_TIME_ZONE`).
    pub lab_time_zone: String,
    /// The colours the lab prints in filament, comma-separated
    /// (`MEMOREEZ_LAB_FILAMENT_COLORS`); the submission form offers these.
    pub lab_filament_colors: String,
    /// The same for resin (`MEMOREEZ_LAB_RESIN_COLORS`).
    pub lab_resin_colors: String,
    /// A student's approved price can be confirmed for this many days (`MEMOREEZ_LAB_CONFIRM_DAYS`).
    pub lab_confirm_days: u64,
    /// Keep files in this S3 bucket instead of `files_dir` (`MEMOREEZ_S3_BUCKET`; empty: the local folder).
    pub s3_bucket: String,
    /// The S3 API's address for R2, MinIO and the like (`MEMOREEZ_S3_ENDPOINT`,
    /// e.g. `https://<account>.r2.cloudflarestorage.com`); empty: AWS itself.
    pub s3_endpoint: String,
    /// `MEMOREEZ_S3_REGION` (`auto` for R2).
    pub s3_region: String,
    /// `MEMOREEZ_S3_ACCESS_KEY_ID`; the secret is `MEMOREEZ_S3_SECRET_ACCESS_KEY`,
    /// read from the environment only. Both empty: the machine's AWS credentials
    /// (instance profile, web identity) as the AWS SDKs find them.
    pub s3_access_key_id: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client, as addresses
    /// or networks, comma-separated (`MEMOREEZ_TRUSTED_PROXIES`; empty: none,
    /// the connection's address is the client's).
    pub trusted_proxies: String,
    /// Expensive requests (designs, models, uploads, quotes, orders) one
    /// address may make per window (`MEMOREEZ_RATE_LIMIT`).
    pub rate_limit: u32,
    /// `MEMOREEZ_RATE_LIMIT_WINDOW_MINUTES`.
    pub rate_limit_window_minutes: u64,
    /// An address refused this many more times in one window is blocked
    /// (`MEMOREEZ_RATE_LIMIT_BLOCK_AFTER`)…
    pub rate_limit_block_after: u32,
    /// …for this long (`MEMOREEZ_RATE_LIMIT_BLOCK_MINUTES`).
    pub rate_limit_block_minutes: u64,
    /// A customer's generation session ends after this many minutes without a
    /// generation (`MEMOREEZ_SESSION_IDLE_MINUTES`); their models stay theirs.
    pub session_idle_minutes: u64,
    /// Designs and models one generation session may ask for (`MEMOREEZ_GENERATIONS_PER_SESSION`).
    pub generations_per_session: u32,
    /// Other sites whose pages may call the JSON API, comma-separated origins
    /// like `https://shop.example.com` (`MEMOREEZ_CORS_ORIGINS`; empty: none).
    pub cors_origins: String,
    /// A stored file no record points at is removed once it is this old
    /// (`MEMOREEZ_ORPHAN_GRACE_MINUTES`); such a file is what a crash between
    /// writing a file and recording it leaves.
    pub orphan_grace_minutes: u64,
    /// Mesh work (reading models, repairing, building keepsakes, thumbnails)
    /// that runs at once (`MEMOREEZ_MESH_WORK_SLOTS`; 0: one less than the cores).
    pub mesh_work_slots: usize,
    /// Requests that start mesh work one address may have open at once
    /// (`MEMOREEZ_MESH_WORK_PER_CLIENT`).
    pub mesh_work_per_client: usize,
    /// Memory for built keepsakes kept for their downloads and orders, in MB
    /// (`MEMOREEZ_KEEPSAKE_CACHE_MB`; 0: none kept).
    pub keepsake_cache_mb: u64,
    /// Live streams (progress, concepts, order pages, staff dashboards) one
    /// address may hold open (`MEMOREEZ_STREAMS_PER_CLIENT`)…
    pub streams_per_client: usize,
    /// …and this instance in all (`MEMOREEZ_STREAMS_MAX`).
    pub streams_max: usize,
    /// A stream ends after this many seconds and the page opens a new one
    /// (`MEMOREEZ_STREAM_LIFETIME_S`).
    pub stream_lifetime_s: u64,
    /// What one call to a paid image service costs, in cents
    /// (`MEMOREEZ_IMAGE_CALL_CENTS`), and the most it may cost in one of the
    /// lab's days (`MEMOREEZ_IMAGE_DAILY_CEILING_CENTS`). Embedded providers
    /// cost nothing and are never counted.
    pub image_call_cents: u32,
    pub image_daily_ceiling_cents: u32,
    /// The same for the chat service that writes briefs (`MEMOREEZ_PROMPT_…`).
    pub prompt_call_cents: u32,
    pub prompt_daily_ceiling_cents: u32,
    /// The same for picture → 3D (`MEMOREEZ_MESH_…`; Meshy or Hunyuan3D).
    pub mesh_call_cents: u32,
    pub mesh_daily_ceiling_cents: u32,
    /// The same for text → 3D (`MEMOREEZ_TEXT_TO_3D_…`; Meshy).
    pub text_to_3d_call_cents: u32,
    pub text_to_3d_daily_ceiling_cents: u32,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextTo3dProvider {
    Embedded,
    Meshy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeshProvider {
    Embedded,
    Hunyuan3d,
    Meshy,
}

/// The environment variables that hold secrets: never read from a file.
pub const IMAGE_API_KEY: &str = "MEMOREEZ_IMAGE_API_KEY";
pub const CLOUDFLARE_API_TOKEN: &str = "MEMOREEZ_CLOUDFLARE_API_TOKEN";
pub const PROMPT_API_KEY: &str = "MEMOREEZ_PROMPT_API_KEY";
pub const MESHY_API_KEY: &str = "MEMOREEZ_MESHY_API_KEY";
pub const SMTP_PASSWORD: &str = "MEMOREEZ_SMTP_PASSWORD";
pub const STRIPE_SECRET_KEY: &str = "MEMOREEZ_STRIPE_SECRET_KEY";
pub const STRIPE_WEBHOOK_SECRET: &str = "MEMOREEZ_STRIPE_WEBHOOK_SECRET";
pub const SLANT3D_API_KEY: &str = "MEMOREEZ_SLANT3D_API_KEY";
pub const S3_SECRET_ACCESS_KEY: &str = "MEMOREEZ_S3_SECRET_ACCESS_KEY";

/// Where a capability comes from: the embedded default or a real service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Embedded,
    Openai,
    Cloudflare,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/memoreez.db".to_string(),
            files_dir: PathBuf::from("data/files"),
            site_root: std::env::var_os("LEPTOS_SITE_ROOT")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("target/site")),
            log: "info".to_string(),
            log_format: LogFormat::Text,
            max_model_mb: 256,
            max_model_triangles: 5_000_000,
            // The printer of slicing/profiles/printer.ini.
            build_volume_mm: [250.0, 210.0, 210.0],
            prusa_slicer: PathBuf::from("prusa-slicer"),
            slice_timeout_s: 300,
            shop: PriceBook::shop(),
            lab: PriceBook::lab(),
            image_provider: Provider::Embedded,
            image_api_url: String::new(),
            image_model: String::new(),
            image_timeout_s: 60,
            image_concurrency: 2,
            prompt_provider: Provider::Embedded,
            prompt_api_url: String::new(),
            prompt_model: String::new(),
            prompt_timeout_s: 30,
            cloudflare_account_id: String::new(),
            mesh_provider: MeshProvider::Embedded,
            mesh_api_url: String::new(),
            mesh_timeout_s: 600,
            remote_mesh_workers: false,
            text_to_3d_provider: TextTo3dProvider::Embedded,
            text_to_3d_api_url: String::new(),
            public_url: "http://127.0.0.1:3000".to_string(),
            mail_from: "Memoreez <orders@memoreez.localhost>".to_string(),
            staff_email: "lab@memoreez.localhost".to_string(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            stripe_api_url: "https://api.stripe.com/".to_string(),
            slant3d_api_url: "https://www.slant3dapi.com/api".to_string(),
            staff_idle_minutes: 60,
            desktop_slicer: PathBuf::from("prusa-slicer"),
            printer_keys_dir: PathBuf::from("data/printer-keys"),
            lab_time_zone: "America/Chicago".to_string(),
            lab_filament_colors: "Black, White, Grey, Red, Blue, Green, Yellow, Orange".to_string(),
            lab_resin_colors: "Grey, Clear, Black".to_string(),
            lab_confirm_days: 14,
            s3_bucket: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".to_string(),
            s3_access_key_id: String::new(),
            trusted_proxies: String::new(),
            rate_limit: 100,
            rate_limit_window_minutes: 15,
            rate_limit_block_after: 50,
            rate_limit_block_minutes: 60,
            session_idle_minutes: 30,
            generations_per_session: 40,
            cors_origins: String::new(),
            orphan_grace_minutes: 60,
            mesh_work_slots: 0,
            mesh_work_per_client: 2,
            keepsake_cache_mb: 128,
            streams_per_client: 16,
            streams_max: 4096,
            stream_lifetime_s: 1800,
            // Near the services' list prices in 2026; a lab sets its own.
            image_call_cents: 4,
            image_daily_ceiling_cents: 2_000,
            prompt_call_cents: 1,
            prompt_daily_ceiling_cents: 500,
            mesh_call_cents: 40,
            mesh_daily_ceiling_cents: 4_000,
            text_to_3d_call_cents: 60,
            text_to_3d_daily_ceiling_cents: 3_000,
        }
    }
}

/// A setting that could not be used, as one printable line.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub String);

mod load;
