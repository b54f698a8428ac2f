//! One budget for the CPU-heavy mesh work: reading model files, repairing,
//! building keepsakes, rendering thumbnails.
//!
//! Two limits, because they guard against different things:
//! - **slots** (`MEMOREEZ_MESH_WORK_SLOTS`, default one less than the cores,
//!   at least one): how much mesh work runs at once in this process. The rest
//!   waits its turn, so pages and the API keep a core to answer on however
//!   many keepsakes are being built.
//! - **per client** (`MEMOREEZ_MESH_WORK_PER_CLIENT`, default 2): how many
//!   requests that start mesh work one address may have open at once. The
//!   next one is answered 429 before its body is read, so one visitor with a
//!   download loop cannot fill the queue for everyone else.
//!
//! The queue itself is bounded too (32 requests per slot): past it, a heavy
//! request is answered 503 with `Retry-After` at once rather than kept open.
//! Background jobs wait for a slot like requests do but are never refused:
//! there are only as many of them as workers.
//!
//! Both are held by the work itself, not by the request that asked for it:
//! a client that hangs up drops its request, but the blocking build it
//! started runs on, so its slot and its address's place stay taken until
//! the build ends ([`MeshWork::run`] moves them into the blocking closure;
//! the place reaches it through [`admitted`]).

use std::sync::Arc;

use tokio::sync::Semaphore;

/// Heavy requests admitted (running or waiting) per slot before more are refused.
const QUEUE_PER_SLOT: usize = 32;

#[derive(Clone, Debug)]
pub struct MeshWork(Arc<Budget>);

#[derive(Debug)]
struct Budget {
    slots: Arc<Semaphore>,
    slot_count: usize,
    /// Heavy requests admitted (running or waiting) and not yet answered.
    admitted: crate::platform::places::Places,
}

/// Why a heavy request was not let in: this address has its share open
/// (429), or every slot is busy and the queue is full (503).
pub use crate::platform::places::Refusal;

/// A heavy request's place; its address may start another once it drops.
pub type Admission = crate::platform::places::Place;

impl MeshWork {
    /// `slots`: 0 means one less than the cores (at least one).
    pub fn new(slots: usize, per_client: usize) -> MeshWork {
        let slot_count = match slots {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()).saturating_sub(1).max(1),
            n => n,
        };
        MeshWork(Arc::new(Budget {
            slots: Arc::new(Semaphore::new(slot_count)),
            slot_count,
            admitted: crate::platform::places::Places::new(per_client.max(1), slot_count * QUEUE_PER_SLOT),
        }))
    }

    pub fn from_config(config: &crate::platform::config::Config) -> MeshWork {
        MeshWork::new(config.mesh_work_slots, config.mesh_work_per_client)
    }

    pub fn slots(&self) -> usize {
        self.0.slot_count
    }

    /// Lets a heavy request from `client` in, or says why not. Hold the
    /// admission until the request is answered.
    pub fn admit(&self, client: &str) -> Result<Admission, Refusal> {
        self.0.admitted.take(client)
    }

    /// Runs `work` on a blocking thread once a slot is free, as
    /// `spawn_blocking` would (a panic comes back as the `JoinError`). The
    /// slot, and the place of the request this runs for ([`admitted`]), are
    /// held by `work` until it ends, even if the caller stops waiting.
    pub async fn run<T, F>(&self, work: F) -> Result<T, tokio::task::JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.0.slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        let place = current_admission();
        tokio::task::spawn_blocking(move || {
            let held = (slot, place);
            let done = work();
            drop(held);
            done
        })
        .await
    }

    /// Slots free now (for tests and the logs).
    pub fn free_slots(&self) -> usize {
        self.0.slots.available_permits()
    }

    /// Heavy requests admitted now, running or waiting, or held by work
    /// their request left behind.
    pub fn admitted_now(&self) -> usize {
        self.0.admitted.taken()
    }
}

tokio::task_local! {
    /// The place of the heavy request being answered on this task.
    static ADMISSION: Arc<Admission>;
}

/// Runs `future` (the answering of a heavy request) with its `admission`,
/// which every [`MeshWork::run`] it starts holds on to until its work ends.
pub async fn admitted<F: std::future::Future>(admission: Admission, future: F) -> F::Output {
    ADMISSION.scope(Arc::new(admission), future).await
}

/// The place of the heavy request this task is answering, if any: work
/// moved to another task (the keepsake cache's build) takes it along.
pub fn current_admission() -> Option<Arc<Admission>> {
    ADMISSION.try_with(Arc::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_client_gets_its_share_and_the_queue_has_an_end() {
        let work = MeshWork::new(1, 2);
        let first = work.admit("10.0.0.1").unwrap();
        let _second = work.admit("10.0.0.1").unwrap();
        assert_eq!(work.admit("10.0.0.1").unwrap_err(), Refusal::ClientBusy);
        // Another address is not held up by the first one's share.
        let _other = work.admit("10.0.0.2").unwrap();
        drop(first);
        let _third = work.admit("10.0.0.1").unwrap();

        let mut held = Vec::new();
        for client in 0..QUEUE_PER_SLOT {
            match work.admit(&format!("10.1.0.{client}")) {
                Ok(admission) => held.push(admission),
                Err(refusal) => {
                    assert_eq!(refusal, Refusal::Full);
                    break;
                }
            }
        }
        assert_eq!(held.len() + 3, QUEUE_PER_SLOT, "three places were already taken");
        assert_eq!(work.admit("10.2.0.1").unwrap_err(), Refusal::Full);
        held.clear();
        assert!(work.admit("10.2.0.1").is_ok(), "places come back when requests are answered");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_work_runs_at_once_than_there_are_slots() {
        let work = MeshWork::new(2, 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (work, running, most) = (work.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    work.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn work_abandoned_by_its_request_keeps_its_slot_and_place_until_it_ends() {
        let work = MeshWork::new(1, 1);
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = tokio::sync::oneshot::channel::<()>();
        let admission = work.admit("10.0.0.1").unwrap();
        let request = tokio::spawn({
            let work = work.clone();
            admitted(admission, async move {
                work.run(move || {
                    let _ = started.send(());
                    released.recv().unwrap();
                })
                .await
            })
        });
        has_started.await.unwrap();
        // The client hangs up: its request is dropped mid-build.
        request.abort();
        let _ = request.await;
        assert_eq!(work.free_slots(), 0, "the build still runs in its slot");
        assert_eq!(work.admit("10.0.0.1").unwrap_err(), Refusal::ClientBusy, "and holds its address's place");
        assert_eq!(work.admitted_now(), 1);
        release.send(()).unwrap();
        for _ in 0..200 {
            if work.free_slots() == 1 && work.admitted_now() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!((work.free_slots(), work.admitted_now()), (1, 0), "both come back when the build ends");
        assert!(work.admit("10.0.0.1").is_ok());
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_frees_its_slot() {
        let work = MeshWork::new(1, 1);
        assert!(work.run(|| panic!("a bug")).await.is_err());
        assert_eq!(work.run(|| 7).await.unwrap(), 7);
    }
}
