//! Per-address limits on the requests that cost us something: generating
//! designs and models, uploads, quotes and slicing, placing orders.
//!
//! An address gets `MEMOREEZ_RATE_LIMIT` such requests per window of
//! `MEMOREEZ_RATE_LIMIT_WINDOW_MINUTES` (100 per 15 minutes by default); the
//! next ones are answered 429 with `Retry-After`. One that keeps going after
//! `MEMOREEZ_RATE_LIMIT_BLOCK_AFTER` refusals in a window is blocked from all
//! of them, and from staff sign-in, for `MEMOREEZ_RATE_LIMIT_BLOCK_MINUTES`.
//!
//! The counts live in the database so that every instance shares them and a
//! restart forgets nothing. The windows are fixed (as "100 per 15 minutes"
//! reads), so a burst across a window's edge can reach twice the limit; the
//! block catches an address that does it over and over.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::Method;

use crate::http::middleware::refusals::{busy, too_many_requests};
use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::state::AppState;

/// What a request costs, by its route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// A cheap request: pages, reads, streams.
    Free,
    /// Work or money on our side: counted against the address's budget.
    Expensive,
    /// Expensive, and a new design or model for the visitor: also counted
    /// against their generation session.
    Generation,
    /// Staff sign-in: limited by wrong passwords (see `staff`), and refused
    /// while the address is blocked.
    SignIn,
}

/// The limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub requests: i64,
    pub window_ms: i64,
    pub block_after: i64,
    pub block_ms: i64,
}

impl Limits {
    pub fn from_config(config: &crate::platform::config::Config) -> Limits {
        Limits {
            requests: i64::from(config.rate_limit),
            window_ms: minutes_ms(config.rate_limit_window_minutes),
            block_after: i64::from(config.rate_limit_block_after),
            block_ms: minutes_ms(config.rate_limit_block_minutes),
        }
    }
}

fn minutes_ms(minutes: u64) -> i64 {
    i64::try_from(minutes).unwrap_or(i64::MAX / 60_000).saturating_mul(60_000)
}

/// Whether a request may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused; try again after this many seconds.
    Refused {
        retry_after_s: i64,
        blocked: bool,
    },
}

/// The refusal for `ip` if it is blocked now.
pub async fn blocked(db: &Db, ip: &str, now: i64) -> sqlx::Result<Option<Verdict>> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT until FROM rate_limit_blocks WHERE ip = $1 AND until > $2")
            .bind(ip)
            .bind(now)
            .fetch_optional(db.pool())
            .await?;
    Ok(until.map(|until| Verdict::Refused { retry_after_s: seconds_until(until, now), blocked: true }))
}

/// Counts one expensive request from `ip` at `now` and says whether it may go ahead.
pub async fn spend(db: &Db, limits: Limits, ip: &str, now: i64) -> sqlx::Result<Verdict> {
    if let Some(refused) = blocked(db, ip, now).await? {
        return Ok(refused);
    }
    let window_start = now - now.rem_euclid(limits.window_ms);
    // One statement, so concurrent requests (on any instance) each get their own count.
    let hits: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limit_windows (ip, scope, window_start, hits) VALUES ($1, 'expensive', $2, 1) \
         ON CONFLICT (ip, scope, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 \
         RETURNING hits",
    )
    .bind(ip)
    .bind(window_start)
    .fetch_one(db.pool())
    .await?;
    if hits == 1 {
        // This address's first request of a window: drop its finished windows.
        sqlx::query("DELETE FROM rate_limit_windows WHERE ip = $1 AND window_start < $2")
            .bind(ip)
            .bind(window_start)
            .execute(db.pool())
            .await?;
    }
    if hits <= limits.requests {
        return Ok(Verdict::Allowed);
    }
    if hits - limits.requests > limits.block_after {
        let until = block(db, limits, ip, now).await?;
        return Ok(Verdict::Refused { retry_after_s: seconds_until(until, now), blocked: true });
    }
    Ok(Verdict::Refused {
        retry_after_s: seconds_until(window_start + limits.window_ms, now),
        blocked: false,
    })
}

/// Blocks `ip` for the configured time from `now`; until when.
pub async fn block(db: &Db, limits: Limits, ip: &str, now: i64) -> sqlx::Result<i64> {
    let until = now + limits.block_ms;
    tracing::warn!(ip, minutes = limits.block_ms / 60_000, "blocking an address that kept going after 429s");
    sqlx::query(
        "INSERT INTO rate_limit_blocks (ip, until) VALUES ($1, $2) \
         ON CONFLICT (ip) DO UPDATE SET until = EXCLUDED.until",
    )
    .bind(ip)
    .bind(until)
    .execute(db.pool())
    .await?;
    sqlx::query("DELETE FROM rate_limit_blocks WHERE until < $1").bind(now).execute(db.pool()).await?;
    Ok(until)
}

fn seconds_until(at_ms: i64, now: i64) -> i64 {
    ((at_ms - now) as f64 / 1000.0).ceil().max(1.0) as i64
}

/// What a request to `path` costs. Server functions and their JSON API
/// twins are listed by the work they start; staff actions are not limited
/// (they need the staff password, itself limited).
pub fn cost(method: &Method, path: &str) -> Cost {
    use leptos::server_fn::ServerFn;
    if method != Method::POST {
        return Cost::Free;
    }
    let generation_fns = [
        app::server_fns::creations::CreateCreation::PATH,
        app::server_fns::creations::DescribeObject::PATH,
        app::server_fns::creations::UploadModel::PATH,
        app::server_fns::creations::ExploreMore::PATH,
        app::server_fns::creations::RetryConcept::PATH,
        app::server_fns::creations::SelectConcept::PATH,
        app::server_fns::creations::MakeAnotherVersion::PATH,
        app::server_fns::creations::RefineVersion::PATH,
    ];
    let expensive_fns = [
        app::server_fns::shop::StartQuote::PATH,
        app::server_fns::shop::PriceKeepsake::PATH,
        app::server_fns::lab::SubmitLabJob::PATH,
        app::server_fns::shop::PlaceOrder::PATH,
    ];
    if generation_fns.contains(&path) {
        return Cost::Generation;
    }
    if expensive_fns.contains(&path) {
        return Cost::Expensive;
    }
    if path == app::server_fns::staff::StaffSignIn::PATH {
        return Cost::SignIn;
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segments.as_slice() {
        ["api", "creations"]
        | ["api", "creations", "upload"]
        | ["api", "creations", _, "concepts"]
        | ["api", "creations", _, "concepts", _, "retry"]
        | ["api", "creations", _, "select"]
        | ["api", "creations", _, "versions"]
        | ["api", "creations", _, "versions", _, "refine"] => Cost::Generation,
        ["api", "creations", _, "studio", "quote"]
        | ["api", "quotes"]
        | ["api", "lab", "submissions" | "estimate"]
        // Each one writes an event: an address cannot fill a job's log.
        | ["api", "lab", "slicer-openings"]
        | ["api", "orders"] => Cost::Expensive,
        _ => Cost::Free,
    }
}

/// Whether a request to `path` reads, repairs or builds a mesh while it is
/// answered (see `mesh_work`): a keepsake's files, its price, an upload, a
/// lab submission, an order, a quote.
pub fn heavy(method: &Method, path: &str) -> bool {
    use leptos::server_fn::ServerFn;
    let heavy_fns = [
        app::server_fns::creations::UploadModel::PATH,
        app::server_fns::shop::StartQuote::PATH,
        app::server_fns::shop::PriceKeepsake::PATH,
        app::server_fns::shop::GetStudio::PATH,
        app::server_fns::lab::SubmitLabJob::PATH,
        app::server_fns::shop::PlaceOrder::PATH,
    ];
    if method == Method::POST && heavy_fns.contains(&path) {
        return true;
    }
    // A HEAD is answered by the GET handler, which does all the work.
    let method = if method == Method::HEAD { &Method::GET } else { method };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        (method, segments.as_slice()),
        (&Method::GET, ["api", "creations", _, "keepsake.stl" | "keepsake.3mf" | "studio"])
            | (&Method::POST, ["api", "creations", "upload"])
            | (&Method::POST, ["api", "creations", _, "studio", "quote"])
            | (&Method::POST, ["api", "quotes" | "orders"])
            | (&Method::POST, ["api", "lab", "submissions" | "estimate"])
    )
}

/// Refuses an expensive request over its address's budget, and a heavy one
/// past its address's share of mesh work, before its body is read.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cost = cost(request.method(), request.uri().path());
    let heavy = heavy(request.method(), request.uri().path());
    if cost == Cost::Free && !heavy {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let ip = crate::platform::client_address::of(&parts);
    // Held until the answer is made, and by any mesh work it started until
    // that ends (`mesh_work::admitted`), so the address's share comes back
    // only when its work is done.
    let admission = match heavy.then(|| state.mesh_work.admit(&ip)) {
        None => None,
        Some(Ok(admission)) => Some(admission),
        Some(Err(crate::platform::mesh_work::Refusal::ClientBusy)) => {
            tracing::info!(ip, path = parts.uri.path(), "refused: the address's mesh work is at its share");
            return too_many_requests(&parts, 2);
        }
        Some(Err(crate::platform::mesh_work::Refusal::Full)) => {
            tracing::warn!(
                ip,
                path = parts.uri.path(),
                "refused: every mesh work slot is busy and the queue full"
            );
            return busy(&parts);
        }
    };
    let request = Request::from_parts(parts, body);
    match admission {
        Some(admission) => {
            crate::platform::mesh_work::admitted(admission, charge(state, cost, ip, request, next)).await
        }
        None => charge(state, cost, ip, request, next).await,
    }
}

/// Spends the request's cost from its address's budget, then answers it.
async fn charge(state: AppState, cost: Cost, ip: String, request: Request, next: Next) -> Response {
    if cost == Cost::Free {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let now = now_ms();
    let verdict = match cost {
        Cost::SignIn => blocked(&state.db, &ip, now).await.map(|refused| refused.unwrap_or(Verdict::Allowed)),
        _ => spend(&state.db, Limits::from_config(&state.config), &ip, now).await,
    };
    match verdict {
        Ok(Verdict::Allowed) => {}
        Ok(Verdict::Refused { retry_after_s, blocked }) => {
            tracing::info!(ip, path = parts.uri.path(), retry_after_s, blocked, "rate limited");
            return too_many_requests(&parts, retry_after_s);
        }
        // No database: the request could not be served either; say so at once.
        Err(error) if crate::platform::app_error::is_outage(&error) => {
            return crate::http::error::ApiError::from(error).into_response();
        }
        // The limits are a guard, not the service: the request goes on.
        Err(error) => tracing::warn!(%error, "rate limits could not be checked"),
    }
    let request = Request::from_parts(parts, body);
    if cost == Cost::Generation {
        return crate::http::middleware::generation_sessions::guard(&state, request, next).await;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos::server_fn::ServerFn;

    #[test]
    fn costs_follow_the_work_a_route_starts() {
        let post = Method::POST;
        assert_eq!(cost(&post, "/api/creations"), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/abc/concepts"), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/abc/concepts/2/retry"), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/abc/select"), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/upload"), Cost::Generation);
        assert_eq!(cost(&post, app::server_fns::creations::CreateCreation::PATH), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/abc/studio/quote"), Cost::Expensive);
        assert_eq!(cost(&post, "/api/quotes"), Cost::Expensive);
        assert_eq!(cost(&post, "/api/lab/submissions"), Cost::Expensive);
        assert_eq!(cost(&post, "/api/lab/estimate"), Cost::Expensive);
        assert_eq!(cost(&post, "/api/creations/abc/versions"), Cost::Generation);
        assert_eq!(cost(&post, "/api/creations/abc/versions/j1/refine"), Cost::Generation);
        assert_eq!(cost(&post, app::server_fns::shop::StartQuote::PATH), Cost::Expensive);
        assert_eq!(cost(&post, app::server_fns::staff::StaffSignIn::PATH), Cost::SignIn);
        // Reads, streams and the workers' own API are free.
        assert_eq!(cost(&Method::GET, "/api/creations/abc/concepts/stream"), Cost::Free);
        assert_eq!(cost(&Method::GET, "/api/quotes"), Cost::Free);
        assert_eq!(cost(&post, "/api/worker/claim"), Cost::Free);
        assert_eq!(cost(&post, "/api/lab/jobs/abc/confirm"), Cost::Free);
        assert_eq!(cost(&post, app::server_fns::creations::GetCreation::PATH), Cost::Free);
    }

    #[test]
    fn mesh_work_is_what_reads_or_builds_a_model() {
        let (get, post) = (Method::GET, Method::POST);
        assert!(heavy(&get, "/api/creations/abc/keepsake.stl"));
        assert!(heavy(&get, "/api/creations/abc/keepsake.3mf"));
        assert!(heavy(&get, "/api/creations/abc/studio"));
        assert!(heavy(&Method::HEAD, "/api/creations/abc/keepsake.stl"), "HEAD builds it as GET does");
        assert!(heavy(&Method::HEAD, "/api/creations/abc/keepsake.3mf"));
        assert!(heavy(&post, "/api/creations/abc/studio/quote"));
        assert!(heavy(&post, "/api/creations/upload"));
        assert!(heavy(&post, "/api/orders"));
        assert!(heavy(&post, "/api/lab/submissions"));
        assert!(heavy(&post, "/api/lab/estimate"));
        assert!(heavy(&post, app::server_fns::shop::PriceKeepsake::PATH));
        assert!(heavy(&post, app::server_fns::shop::PlaceOrder::PATH));
        assert!(!heavy(&get, "/"));
        assert!(!heavy(&get, "/api/orders/abc"));
        assert!(!heavy(&post, "/api/creations"));
        assert!(!heavy(&get, "/media/models/abc/model.stl"));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(seconds_until(1_001, 0), 2);
        assert_eq!(seconds_until(1_000, 0), 1);
        assert_eq!(seconds_until(0, 5_000), 1);
    }
}
