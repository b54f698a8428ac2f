//! Reading the settings from their sources, and checking what their types
//! alone cannot.

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::*;

/// "Black, White ,, Grey" → ["Black", "White", "Grey"].
fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

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
        if let Err(error) = crate::platform::client_address::TrustedProxies::parse(&self.trusted_proxies) {
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
    pub fn stream_limits(&self) -> crate::platform::changes::StreamLimits {
        crate::platform::changes::StreamLimits {
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
