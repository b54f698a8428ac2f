//! Long work as rows with a lease: the kinds of job and their payloads, the queue, the in-process workers, the
//! remote workers' pull API and tokens, and the sweep of unreferenced files.

pub mod http;
pub mod kinds;
pub mod orphans;
pub mod queue;
pub mod remote_worker;
pub mod worker_tokens;
pub mod workers;
