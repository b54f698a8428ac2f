//! The last good `/readyz` answer, shared by probes at once (see `http::health`).

use std::time::Duration;

use serde_json::Value;

/// The last good readiness answer, reused for [`REUSE_GOOD_FOR`]: load
/// balancers probe every instance often, and probes at once wait for one
/// check instead of each making its own. A failure is never reused, so an
/// instance that is back is seen at once.
#[derive(Clone, Debug, Default)]
pub struct Readiness(pub(crate) std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, Value)>>>);

pub(crate) const REUSE_GOOD_FOR: Duration = Duration::from_secs(2);
