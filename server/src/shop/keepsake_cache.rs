//! Built keepsakes kept for their downloads and orders.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// A keepsake built from a creation's model and settings. Cheap to clone:
/// the cache hands the same one to every download.
#[derive(Clone)]
pub struct Built {
    /// Binary STL: what is sliced, downloaded and printed.
    pub stl: bytes::Bytes,
    pub mesh: Arc<geometry::Mesh>,
    pub sha256: String,
}

/// Built keepsakes by (the model's SHA-256, the settings), most recently
/// used first, up to a memory budget (`MEMOREEZ_KEEPSAKE_CACHE_MB`).
/// Requests for one keepsake at once share one build: the first builds,
/// the others wait for it. Written here rather than taken from a cache
/// crate: a handful of entries and one lock need a list, not moka's tree of
/// dependencies.
#[derive(Clone)]
pub struct KeepsakeCache(Arc<Mutex<Cached>>);

struct Cached {
    budget_bytes: u64,
    /// Keepsakes built through the cache, for tests and the logs.
    builds: u64,
    entries: VecDeque<(String, Arc<OnceCell<Built>>)>,
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

    /// The entry for `key`, made empty if there is none, moved to the front.
    fn entry(&self, key: &str) -> Arc<OnceCell<Built>> {
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = match cached.entries.iter().position(|(cached_key, _)| cached_key == key) {
            Some(at) => cached.entries.remove(at).expect("the position was just found"),
            None => (key.to_string(), Arc::new(OnceCell::new())),
        };
        let cell = entry.1.clone();
        cached.entries.push_front(entry);
        cell
    }

    /// Drops the least recently used keepsakes past the budget. An entry
    /// still being built weighs nothing yet and stays.
    fn trim(&self) {
        let mut cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let budget = cached.budget_bytes;
        let mut used = 0u64;
        let mut kept = 0usize;
        cached.entries.retain(|(_, cell)| {
            // The STL and the mesh it was read from weigh about the same.
            let weight = cell.get().map_or(0, |built| 2 * built.stl.len() as u64);
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
    /// or being built by another request.
    pub(crate) async fn get_or_build<F, E>(&self, key: String, build: F) -> Result<Built, E>
    where
        F: std::future::Future<Output = Result<Built, E>>,
    {
        let cell = self.entry(&key);
        let built = cell
            .get_or_try_init(|| async {
                self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).builds += 1;
                build.await
            })
            .await
            .cloned();
        // A failed build leaves an empty entry: drop it now rather than at the next trim.
        self.trim();
        built
    }
}
