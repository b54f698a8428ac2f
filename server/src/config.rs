//! All settings, typed, in one place.
//!
//! Sources, later ones winning: built-in defaults (which need nothing: a
//! SQLite file and a local folder under `./data`), then `memoreez.toml` (or the
//! file named by `MEMOREEZ_CONFIG`), then `MEMOREEZ_*` environment variables.
//! A bad value stops start-up with one line that names the setting.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use slicing::prusa::PrusaSlicer;
use slicing::quote::PriceBook;

const ENV_PREFIX: &str = "MEMOREEZ_";

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

/// "Black, White ,, Grey" → ["Black", "White", "Grey"].
fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

/// A setting that could not be used, as one printable line.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads the configuration from the process environment and config file.
    pub fn load() -> Result<Config, ConfigError> {
        let explicit = std::env::var_os("MEMOREEZ_CONFIG").map(PathBuf::from);
        if let Some(path) = &explicit
            && !path.is_file()
        {
            return Err(ConfigError(format!(
                "setting MEMOREEZ_CONFIG: no config file at {}",
                path.display()
            )));
        }
        let file = explicit.unwrap_or_else(|| PathBuf::from("memoreez.toml"));
        Config::from_figment(
            Figment::from(Serialized::defaults(Config::default()))
                .merge(Toml::file(file))
                // Secrets stay in the environment, read where they are used.
                .merge(Env::prefixed(ENV_PREFIX).ignore(&[
                    "config",
                    "image_api_key",
                    "cloudflare_api_token",
                    "smtp_password",
                    "stripe_secret_key",
                    "stripe_webhook_secret",
                    "slant3d_api_key",
                    "s3_secret_access_key",
                ])),
        )
    }

    /// Extracts and checks a configuration from any set of sources (tests use this).
    pub fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let config: Config = figment.extract().map_err(describe)?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types alone cannot.
    fn check(&self) -> Result<(), ConfigError> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(ConfigError(format!(
                "setting MEMOREEZ_DATABASE_URL: expected sqlite://PATH or postgres://…, got {url:?}"
            )));
        }
        if let Err(error) = tracing_subscriber::EnvFilter::try_new(&self.log) {
            return Err(ConfigError(format!("setting MEMOREEZ_LOG: {error}")));
        }
        if !(1..=4096).contains(&self.max_model_mb) {
            return Err(ConfigError("setting MEMOREEZ_MAX_MODEL_MB: expected 1 to 4096".into()));
        }
        if !(1..=50_000_000).contains(&self.max_model_triangles) {
            return Err(ConfigError("setting MEMOREEZ_MAX_MODEL_TRIANGLES: expected 1 to 50000000".into()));
        }
        if self.mesh_work_slots > 256 || !(1..=16).contains(&self.mesh_work_per_client) {
            return Err(ConfigError(
                "setting MEMOREEZ_MESH_WORK_SLOTS / MEMOREEZ_MESH_WORK_PER_CLIENT: expected 0 to 256 slots and 1 to 16 requests"
                    .into(),
            ));
        }
        if !(1..=1024).contains(&self.streams_per_client)
            || !(1..=1_000_000).contains(&self.streams_max)
            || !(1..=86_400).contains(&self.stream_lifetime_s)
        {
            return Err(ConfigError(
                "setting MEMOREEZ_STREAMS_PER_CLIENT / MEMOREEZ_STREAMS_MAX / MEMOREEZ_STREAM_LIFETIME_S: expected 1–1024 streams, 1–1000000 streams and 1–86400 s"
                    .into(),
            ));
        }
        for (name, call, ceiling) in [
            ("IMAGE", self.image_call_cents, self.image_daily_ceiling_cents),
            ("PROMPT", self.prompt_call_cents, self.prompt_daily_ceiling_cents),
            ("MESH", self.mesh_call_cents, self.mesh_daily_ceiling_cents),
            ("TEXT_TO_3D", self.text_to_3d_call_cents, self.text_to_3d_daily_ceiling_cents),
        ] {
            if call > 100_000 || ceiling > 100_000_000 {
                return Err(ConfigError(format!(
                    "setting MEMOREEZ_{name}_CALL_CENTS / MEMOREEZ_{name}_DAILY_CEILING_CENTS: expected 0 to 100000 cents a call and 0 to 100000000 cents a day"
                )));
            }
        }
        if self.keepsake_cache_mb > 65_536 {
            return Err(ConfigError("setting MEMOREEZ_KEEPSAKE_CACHE_MB: expected 0 to 65536".into()));
        }
        if !self.build_volume_mm.iter().all(|side| (1.0..=5000.0).contains(side)) {
            return Err(ConfigError("setting build_volume_mm: each side must be 1 to 5000 mm".into()));
        }
        let missing = |name: &str| std::env::var(name).map_or(true, |value| value.trim().is_empty());
        for (setting, provider, key) in [
            ("MEMOREEZ_IMAGE_PROVIDER", self.image_provider, IMAGE_API_KEY),
            ("MEMOREEZ_PROMPT_PROVIDER", self.prompt_provider, PROMPT_API_KEY),
        ] {
            match provider {
                Provider::Openai if missing(key) => {
                    return Err(ConfigError(format!("setting {setting}=openai needs {key}")));
                }
                Provider::Cloudflare
                    if missing(CLOUDFLARE_API_TOKEN) || self.cloudflare_account_id.is_empty() =>
                {
                    return Err(ConfigError(format!(
                        "setting {setting}=cloudflare needs {CLOUDFLARE_API_TOKEN} and MEMOREEZ_CLOUDFLARE_ACCOUNT_ID"
                    )));
                }
                _ => {}
            }
        }
        if self.mesh_provider == MeshProvider::Meshy && missing(MESHY_API_KEY) {
            return Err(ConfigError(format!("setting MEMOREEZ_MESH_PROVIDER=meshy needs {MESHY_API_KEY}")));
        }
        if self.text_to_3d_provider == TextTo3dProvider::Meshy && missing(MESHY_API_KEY) {
            return Err(ConfigError(format!(
                "setting MEMOREEZ_TEXT_TO_3D_PROVIDER=meshy needs {MESHY_API_KEY}"
            )));
        }
        if !missing(STRIPE_SECRET_KEY) && missing(STRIPE_WEBHOOK_SECRET) {
            // Card payments that could never be seen as paid.
            return Err(ConfigError(format!("setting {STRIPE_SECRET_KEY} needs {STRIPE_WEBHOOK_SECRET}")));
        }
        if !(1..=3600).contains(&self.mesh_timeout_s) {
            return Err(ConfigError("setting MEMOREEZ_MESH_TIMEOUT_S: expected 1–3600 s".into()));
        }
        if !(1..=600).contains(&self.prompt_timeout_s) {
            return Err(ConfigError("setting MEMOREEZ_PROMPT_TIMEOUT_S: expected 1–600 s".into()));
        }
        if !(1..=600).contains(&self.image_timeout_s) || !(1..=64).contains(&self.image_concurrency) {
            return Err(ConfigError(
                "setting MEMOREEZ_IMAGE_TIMEOUT_S / MEMOREEZ_IMAGE_CONCURRENCY: expected 1–600 s and 1–64 calls".into(),
            ));
        }
        if !(1..=7 * 24 * 60).contains(&self.staff_idle_minutes) {
            return Err(ConfigError(
                "setting MEMOREEZ_STAFF_IDLE_MINUTES: expected 1 to 10080 minutes".into(),
            ));
        }
        for (setting, colors) in [
            ("MEMOREEZ_LAB_FILAMENT_COLORS", &self.lab_filament_colors),
            ("MEMOREEZ_LAB_RESIN_COLORS", &self.lab_resin_colors),
        ] {
            let colors = split_list(colors);
            if colors.is_empty() || colors.iter().any(|c| c.chars().count() > 40) {
                return Err(ConfigError(format!(
                    "setting {setting}: expected colour names separated by commas, like \"Black, White\""
                )));
            }
        }
        if !self.s3_bucket.is_empty() {
            let endpoint = self.s3_endpoint.trim();
            let has_scheme = endpoint.starts_with("https://") || endpoint.starts_with("http://");
            if !(endpoint.is_empty() || has_scheme) {
                return Err(ConfigError(format!(
                    "setting MEMOREEZ_S3_ENDPOINT: {endpoint:?} should start with https:// (or http:// for a local server)"
                )));
            }
            let secret = std::env::var_os(S3_SECRET_ACCESS_KEY).is_some_and(|s| !s.is_empty());
            if self.s3_access_key_id.is_empty() == secret {
                return Err(ConfigError(format!(
                    "setting MEMOREEZ_S3_ACCESS_KEY_ID and {S3_SECRET_ACCESS_KEY}: set both, or neither to use the machine's AWS credentials"
                )));
            }
        }
        if !(1..=365).contains(&self.lab_confirm_days) {
            return Err(ConfigError("setting MEMOREEZ_LAB_CONFIRM_DAYS: expected 1 to 365 days".into()));
        }
        if self.lab_time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError(format!(
                "setting MEMOREEZ_LAB_TIME_ZONE: {:?} is not an IANA time zone like America/Chicago",
                self.lab_time_zone
            )));
        }
        if !(1..=3600).contains(&self.slice_timeout_s) {
            return Err(ConfigError("setting MEMOREEZ_SLICE_TIMEOUT_S: expected 1 to 3600 seconds".into()));
        }
        if let Err(error) = crate::client_address::TrustedProxies::parse(&self.trusted_proxies) {
            return Err(ConfigError(format!("setting MEMOREEZ_TRUSTED_PROXIES: {error}")));
        }
        if self.rate_limit == 0 || !(1..=24 * 60).contains(&self.rate_limit_window_minutes) {
            return Err(ConfigError(
                "setting MEMOREEZ_RATE_LIMIT / MEMOREEZ_RATE_LIMIT_WINDOW_MINUTES: expected at least 1 request per 1 to 1440 minutes".into(),
            ));
        }
        if !(1..=7 * 24 * 60).contains(&self.rate_limit_block_minutes) {
            return Err(ConfigError(
                "setting MEMOREEZ_RATE_LIMIT_BLOCK_MINUTES: expected 1 to 10080 minutes".into(),
            ));
        }
        if !(1..=24 * 60).contains(&self.session_idle_minutes) || self.generations_per_session == 0 {
            return Err(ConfigError(
                "setting MEMOREEZ_SESSION_IDLE_MINUTES / MEMOREEZ_GENERATIONS_PER_SESSION: expected 1 to 1440 minutes and at least 1 generation".into(),
            ));
        }
        // Shorter would race a slow upload between its file and its row.
        if !(5..=7 * 24 * 60).contains(&self.orphan_grace_minutes) {
            return Err(ConfigError(
                "setting MEMOREEZ_ORPHAN_GRACE_MINUTES: expected 5 to 10080 minutes".into(),
            ));
        }
        self.cors_allowed()?;
        Ok(())
    }

    /// The origins of `MEMOREEZ_CORS_ORIGINS`, checked.
    pub fn cors_allowed(&self) -> Result<Vec<http::HeaderValue>, ConfigError> {
        split_list(&self.cors_origins)
            .into_iter()
            .map(|origin| {
                let shaped = (origin.starts_with("https://") || origin.starts_with("http://"))
                    && !origin.trim_end_matches('/').contains(|c: char| c == '*' || c.is_whitespace())
                    && origin.matches('/').count() == 2;
                match (shaped, http::HeaderValue::from_str(&origin)) {
                    (true, Ok(value)) => Ok(value),
                    _ => Err(ConfigError(format!(
                        "setting MEMOREEZ_CORS_ORIGINS: {origin:?} is not an origin like https://shop.example.com"
                    ))),
                }
            })
            .collect()
    }

    /// The price book called `name` (`shop` or `lab`), with its name.
    pub fn price_book(&self, name: &str) -> Option<(&'static str, PriceBook)> {
        match name {
            "shop" => Some(("shop", self.shop.clone())),
            "lab" => Some(("lab", self.lab.clone())),
            _ => None,
        }
    }

    /// What the lab's submission form offers.
    pub fn lab_options(&self) -> app::lab::LabOptions {
        app::lab::LabOptions {
            filament_colors: split_list(&self.lab_filament_colors),
            resin_colors: split_list(&self.lab_resin_colors),
            max_model_mb: self.max_model_mb,
        }
    }

    /// The lab's time zone (checked at load).
    pub fn lab_zone(&self) -> chrono_tz::Tz {
        self.lab_time_zone.parse().unwrap_or(chrono_tz::America::Chicago)
    }

    /// How to run the slicer.
    pub fn slicer(&self) -> PrusaSlicer {
        PrusaSlicer {
            binary: self.prusa_slicer.clone(),
            timeout: std::time::Duration::from_secs(self.slice_timeout_s),
        }
    }

    /// The caps every model file is held to.
    pub fn stream_limits(&self) -> crate::changes::StreamLimits {
        crate::changes::StreamLimits {
            per_client: self.streams_per_client,
            most: self.streams_max,
            lifetime: std::time::Duration::from_secs(self.stream_lifetime_s),
        }
    }

    pub fn model_limits(&self) -> geometry::Limits {
        geometry::Limits {
            max_bytes: self.max_model_mb * 1024 * 1024,
            max_triangles: self.max_model_triangles,
        }
    }
}

/// Turns figment's error into one line naming the setting as the user wrote it.
fn describe(error: figment::Error) -> ConfigError {
    let Some(error) = error.into_iter().next() else {
        return ConfigError("configuration could not be read".to_string());
    };
    let key = match &error.metadata {
        Some(metadata) if metadata.name.contains("environment") => {
            format!("{ENV_PREFIX}{}", error.path.join("_").to_uppercase())
        }
        Some(metadata) => format!("{} in {}", error.path.join("."), source_name(metadata)),
        None => error.path.join("."),
    };
    if key.is_empty() {
        ConfigError(format!("configuration: {}", error.kind))
    } else {
        ConfigError(format!("setting {key}: {}", error.kind))
    }
}

fn source_name(metadata: &figment::Metadata) -> String {
    match &metadata.source {
        Some(figment::Source::File(path)) => path.display().to_string(),
        _ => metadata.name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    // Environment variables and the config file are tested by running the
    // real binary (tests/cli.rs), which needs no process-global tricks.
    use super::*;

    fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(text)))
    }

    #[test]
    fn defaults_need_nothing() {
        let config = from_toml("").expect("defaults load");
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, "sqlite://data/memoreez.db");
        assert_eq!(config.files_dir, PathBuf::from("data/files"));
    }

    #[test]
    fn values_override_defaults_and_are_checked() {
        let config = from_toml("addr = \"0.0.0.0:8080\"\ndatabase_url = \"postgres://db/memoreez\"").unwrap();
        assert_eq!(config.addr.port(), 8080);
        assert_eq!(config.database_url, "postgres://db/memoreez");
        assert!(from_toml("addr = \"nope\"").unwrap_err().0.starts_with("setting addr"));
        assert!(
            from_toml("database_url = \"mysql://x\"")
                .unwrap_err()
                .0
                .starts_with("setting MEMOREEZ_DATABASE_URL: ")
        );
        assert!(from_toml("log = \"info,=[\"").unwrap_err().0.starts_with("setting MEMOREEZ_LOG: "));
    }

    #[test]
    fn a_real_image_service_needs_its_secret_from_the_environment() {
        // The secrets are never set where the tests run; they may not come from a file.
        assert!(
            std::env::var_os(IMAGE_API_KEY).is_none() && std::env::var_os(CLOUDFLARE_API_TOKEN).is_none()
        );
        let error = from_toml("image_provider = \"openai\"\nimage_api_key = \"in-a-file\"").unwrap_err();
        assert_eq!(error.0, "setting MEMOREEZ_IMAGE_PROVIDER=openai needs MEMOREEZ_IMAGE_API_KEY");
        let error = from_toml("image_provider = \"cloudflare\"\ncloudflare_account_id = \"a\"").unwrap_err();
        assert!(error.0.contains(CLOUDFLARE_API_TOKEN), "{}", error.0);
        assert!(from_toml("image_provider = \"dalle\"").unwrap_err().0.starts_with("setting image_provider"));
        let error = from_toml("prompt_provider = \"openai\"").unwrap_err();
        assert_eq!(error.0, "setting MEMOREEZ_PROMPT_PROVIDER=openai needs MEMOREEZ_PROMPT_API_KEY");
        assert!(from_toml("image_timeout_s = 0").unwrap_err().0.contains("MEMOREEZ_IMAGE_TIMEOUT_S"));
        assert_eq!(from_toml("").unwrap().image_provider, Provider::Embedded);
        let error = from_toml("text_to_3d_provider = \"meshy\"").unwrap_err();
        assert_eq!(error.0, "setting MEMOREEZ_TEXT_TO_3D_PROVIDER=meshy needs MEMOREEZ_MESHY_API_KEY");
        assert_eq!(from_toml("").unwrap().text_to_3d_provider, TextTo3dProvider::Embedded);
    }

    #[test]
    fn a_bucket_needs_a_proper_endpoint_and_both_halves_of_its_key() {
        assert!(std::env::var_os(S3_SECRET_ACCESS_KEY).is_none());
        // The machine's own AWS credentials: no key at all.
        let config = from_toml("s3_bucket = \"lab\"").unwrap();
        assert_eq!((config.s3_bucket.as_str(), config.s3_region.as_str()), ("lab", "us-east-1"));
        let error = from_toml("s3_bucket = \"lab\"\ns3_endpoint = \"minio:9000\"").unwrap_err();
        assert!(error.0.starts_with("setting MEMOREEZ_S3_ENDPOINT"), "{}", error.0);
        // A key id whose secret is not in the environment (it may not come from a file).
        let error =
            from_toml("s3_bucket = \"lab\"\ns3_access_key_id = \"AKIA\"\ns3_secret_access_key = \"x\"")
                .unwrap_err();
        assert!(error.0.contains(S3_SECRET_ACCESS_KEY), "{}", error.0);
        // Without a bucket the S3 settings are not looked at.
        assert!(from_toml("s3_endpoint = \"nonsense\"").is_ok());
    }
}
