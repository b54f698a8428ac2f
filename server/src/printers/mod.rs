//! The lab's printers: each as a row (what it is, how it is reached), where
//! its API key is read from, the
//! client for OctoPrint (the printer server a lab runs beside a printer),
//! the poller that reads each printer's state into its row, sending a job
//! to a printer, following it there to done or failed, the queue's ETAs
//! (when each waiting job should start and be ready), maintenance (a
//! printer out of service, and its log), its camera's snapshots, and the lab's queue
//! seen with its printers (`board`).

pub mod board;
pub mod camera;
pub mod eta;
pub mod keys;
pub mod maintenance;
pub mod octoprint;
pub mod pages;
pub mod poller;
pub mod sending;
pub mod spec;
pub mod store;
pub mod tracking;
