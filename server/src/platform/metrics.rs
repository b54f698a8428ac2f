//! What the service is doing, in the Prometheus text format (OpenMetrics);
//! `GET /metrics` (in `http::metrics`) shows it to signed-in staff or a
//! scraper that shows `MEMOREEZ_METRICS_TOKEN` as a bearer token.
//!
//! Two kinds of figures. What this process saw since it started — requests
//! by route with their latency, calls to the providers (pictures, models,
//! the slicer) with theirs — kept in memory by the official client crate.
//! And what the database says at the moment of the scrape — jobs by kind and
//! status, the age of the oldest waiting one, emails not yet sent — so every
//! instance reports the same queue.

use std::sync::LazyLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::platform::time::now_ms;

/// The bearer token a scraper shows (a secret: read from the environment).
pub const METRICS_TOKEN: &str = "MEMOREEZ_METRICS_TOKEN";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// What this process saw.
struct Seen {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    providers: Family<ProviderLabels, Histogram>,
}

static SEEN: LazyLock<Seen> = LazyLock::new(|| Seen {
    requests: Family::default(),
    // 1 ms to 8 s.
    latency: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 14))),
    // 50 ms to ~100 s: a picture, a model or a slice.
    providers: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.05, 2.0, 12))),
});

/// A provider the service waits on.
#[derive(Clone, Copy, Debug)]
pub enum Provider {
    /// A concept picture.
    Image,
    /// A picture (or a description) turned into a model.
    Mesh,
    /// PrusaSlicer slicing a model for its exact price.
    Slicer,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Image => "image",
            Provider::Mesh => "mesh",
            Provider::Slicer => "slicer",
        }
    }
}

/// Records one call to `provider` that started at `started`.
pub fn provider_call(provider: Provider, started: Instant, ok: bool) {
    let labels =
        ProviderLabels { provider: provider.name().into(), outcome: if ok { "ok" } else { "failed" }.into() };
    SEEN.providers.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
}

/// Counts every request by the route it matched (its pattern, never its
/// ids, so the label set stays small) and times it to its response's head.
pub async fn middleware(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Any token is a method to HTTP; only the ones we route are labels, so
    // a client cannot grow the label set without end.
    let method = match *request.method() {
        http::Method::GET
        | http::Method::HEAD
        | http::Method::POST
        | http::Method::PUT
        | http::Method::PATCH
        | http::Method::DELETE
        | http::Method::OPTIONS => request.method().as_str(),
        _ => "other",
    }
    .to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("other", MatchedPath::as_str).to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    SEEN.latency
        .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
        .observe(started.elapsed().as_secs_f64());
    SEEN.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    response
}

/// The SHA-256 of `MEMOREEZ_METRICS_TOKEN`, if one is set.
pub fn token_hash_from_env() -> Option<String> {
    let token = std::env::var(METRICS_TOKEN).unwrap_or_default();
    (!token.trim().is_empty()).then(|| crate::platform::tokens::token_hash(token.trim()))
}

/// The database's figures a scrape shows, each read by the room that owns
/// its table (`jobs::queue`, `mail::outbox`): the platform knows no room's
/// tables.
pub struct Backlog {
    /// How many jobs there are, by kind and status.
    pub jobs: Vec<(String, String, i64)>,
    /// When the oldest queued job of each kind was queued (UTC ms).
    pub oldest_queued: Vec<(String, i64)>,
    /// Emails queued and not yet sent.
    pub emails_pending: i64,
}

/// The scrape: this process's figures and the database's, as text.
pub fn render(backlog: &Backlog) -> String {
    let mut registry = Registry::with_prefix("memoreez");
    registry.register("http_requests", "Requests answered, by route and status", SEEN.requests.clone());
    registry.register(
        "http_request_duration_seconds",
        "Time to the response's head, by route",
        SEEN.latency.clone(),
    );
    registry.register(
        "provider_duration_seconds",
        "Calls to the picture, model and slicing providers, by outcome",
        SEEN.providers.clone(),
    );

    let jobs = Family::<JobLabels, Gauge>::default();
    for (kind, status, n) in &backlog.jobs {
        jobs.get_or_create(&JobLabels { kind: kind.clone(), status: status.clone() }).set(*n);
    }
    registry.register("jobs", "Background jobs by kind and status (queued, running, done, failed)", jobs);

    let oldest = Family::<KindLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let now = now_ms();
    for (kind, since) in &backlog.oldest_queued {
        oldest.get_or_create(&KindLabels { kind: kind.clone() }).set((now - since).max(0) as f64 / 1000.0);
    }
    registry.register(
        "job_oldest_queued_age_seconds",
        "How long the oldest queued job of a kind has waited",
        oldest,
    );

    let emails = Gauge::<i64>::default();
    emails.set(backlog.emails_pending);
    registry.register("emails_pending", "Emails queued and not yet sent", emails);

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).expect("writing to a String cannot fail");
    text
}
