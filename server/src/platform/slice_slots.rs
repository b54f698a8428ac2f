//! The slicer runs at most once per core at a time; other quotes wait.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// At most one slice per core at once; waiting requests queue.
#[derive(Clone, Debug)]
pub struct SliceSlots(pub(crate) Arc<Semaphore>);

impl SliceSlots {
    /// Waits for a free slicer; it is free again when the permit drops.
    pub async fn acquire(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.0.acquire().await.expect("the semaphore is never closed")
    }

    pub fn per_core() -> SliceSlots {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SliceSlots(Arc::new(Semaphore::new(cores)))
    }
}
