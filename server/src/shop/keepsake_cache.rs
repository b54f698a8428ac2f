//! Built keepsakes kept for their downloads and orders.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

/// A keepsake built from a creation's model and settings. Cheap to clone:
/// the cache hands the same one to every download.
#[derive(Clone)]
pub struct Built {
    /// Binary STL: what is sliced, downloaded and printed.
    pub stl: bytes::Bytes,
    pub mesh: Arc<geometry::Mesh>,
    pub sha256: String,
}

/// Why a keepsake could not be built: cloneable, since every request
/// waiting on one build is told.
#[derive(Clone, Debug)]
pub enum BuildFailure {
    /// The settings cannot make a keepsake of this model.
    Shape(geometry::keepsake::KeepsakeError),
    /// The build stopped (a stored model that does not read, a panic).
    Crashed(String),
}

/// One build, shared by every request for its keepsake; it runs as a task
/// of its own, so it ends (and is kept) whether or not anyone still waits.
type Building = Shared<BoxFuture<'static, Result<Built, BuildFailure>>>;

/// Built keepsakes by (the model's SHA-256, the settings), most recently
/// used first, up to a memory budget (`MEMOREEZ_KEEPSAKE_CACHE_MB`).
/// Requests for one keepsake at once share one build: the first starts it,
/// the others wait for it. The cache owns the build, not the request: a
/// hundred requests that hang up mid-build start one build, not a hundred.
/// Written here rather than taken from a cache crate: a handful of entries
/// and one lock need a list, not moka's tree of dependencies.
#[derive(Clone)]
pub struct KeepsakeCache(Arc<Mutex<Cached>>);

struct Cached {
    budget_bytes: u64,
    /// Keepsakes built through the cache, for tests and the logs.
    builds: u64,
    entries: VecDeque<(String, Building)>,
}

/// Entries beyond this go whatever their size: each costs a lookup.
const MOST_KEEPSAKES: usize = 64;

impl std::fmt::Debug for KeepsakeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f.debug_struct("KeepsakeCache").field("entries", &cached.entries.len()).finish()
    }
}

impl KeepsakeCache {
    pub fn new(budget_bytes: u64) -> KeepsakeCache {
        KeepsakeCache(Arc::new(Mutex::new(Cached { budget_bytes, builds: 0, entries: VecDeque::new() })))
    }

    /// How many keepsakes were built (not found kept) so far.
    pub fn builds(&self) -> u64 {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).builds
    }

    /// The build for `key`, moved to the front; started from `build` when
    /// there is none (holding the asking request's mesh-work place, if any,
    /// until it ends).
    fn entry<F>(&self, key: String, build: F) -> Building
    where
        F: std::future::Future<Output = Result<Built, BuildFailure>> + Send + 'static,
    {
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = match cached.entries.iter().position(|(cached_key, _)| *cached_key == key) {
            Some(at) => cached.entries.remove(at).expect("the position was just found"),
            None => {
                cached.builds += 1;
                let place = crate::platform::mesh_work::current_admission();
                let task = tokio::spawn(async move {
                    let _place = place;
                    build.await
                });
                let building = async move {
                    task.await.unwrap_or_else(|stopped| Err(BuildFailure::Crashed(stopped.to_string())))
                };
                (key, building.boxed().shared())
            }
        };
        let building = entry.1.clone();
        cached.entries.push_front(entry);
        building
    }

    /// Drops failed builds, and the least recently used keepsakes past the
    /// budget. A build under way weighs nothing yet and stays.
    fn trim(&self) {
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let budget = cached.budget_bytes;
        let mut used = 0u64;
        let mut kept = 0usize;
        cached.entries.retain(|(_, building)| {
            // The STL and the mesh it was read from weigh about the same.
            let weight = match building.peek() {
                Some(Err(_)) => return false,
                Some(Ok(built)) => 2 * built.stl.len() as u64,
                None => 0,
            };
            if kept < MOST_KEEPSAKES && used + weight <= budget {
                used += weight;
                kept += 1;
                true
            } else {
                false
            }
        });
    }

    /// The keepsake for `key`, built by `build` unless it is kept already
    /// or being built for another request.
    pub(crate) async fn get_or_build<F>(&self, key: String, build: F) -> Result<Built, BuildFailure>
    where
        F: std::future::Future<Output = Result<Built, BuildFailure>> + Send + 'static,
    {
        let built = self.entry(key, build).await;
        // A failed build leaves an entry that says so: drop it now rather than at the next trim.
        self.trim();
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Built {
        let stl = geometry::io::stl::write_binary(&geometry::Mesh::default());
        Built { sha256: crate::platform::tokens::sha256_hex(&stl), stl: stl.into(), mesh: Arc::default() }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_hundred_abandoned_requests_start_one_build() {
        let cache = KeepsakeCache::new(1 << 20);
        let slow = || async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Ok(built())
        };
        let requests: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.get_or_build("the keepsake".into(), slow()).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // Every client hangs up mid-build.
        for request in &requests {
            request.abort();
        }
        for request in requests {
            assert!(request.await.err().is_some_and(|stopped| stopped.is_cancelled()));
        }
        assert_eq!(cache.builds(), 1);
        // The build went on by itself; the next request gets what it made.
        let kept = cache.get_or_build("the keepsake".into(), slow()).await.unwrap();
        assert_eq!(kept.sha256, built().sha256);
        assert_eq!(cache.builds(), 1, "found kept, not built again");
    }

    #[tokio::test]
    async fn a_failed_build_is_told_and_not_kept() {
        let cache = KeepsakeCache::new(1 << 20);
        let failing = async { Err(BuildFailure::Crashed("boom".into())) };
        assert!(matches!(cache.get_or_build("k".into(), failing).await, Err(BuildFailure::Crashed(_))));
        assert!(cache.get_or_build("k".into(), async { Ok(built()) }).await.is_ok());
        assert_eq!(cache.builds(), 2);
    }
}
