//! Long work as rows with a lease: the kinds of job and the trait each
//! kind's payload implements, the queue, and the remote workers' tokens.
//! The workers that run them are `crate::workers`; the remote workers'
//! pull API is `http::jobs`.

pub mod kinds;
pub mod queue;
pub mod worker_tokens;
