//! The lab's printers: each as a row (what it is, how it is reached), where
//! its API key is read from, the clients for the printer servers a lab runs
//! beside its printers (OctoPrint; Moonraker for Klipper) behind one
//! `server::PrinterServer`, what a reading of one says (`reading`), the poller that reads each printer's state into its row, sending a job
//! to a printer, following it there to done or failed, the queue's ETAs
//! (when each waiting job should start and be ready), maintenance (a
//! printer out of service, and its log), its camera's snapshots, and the lab's queue
//! seen with its printers (`board`).

pub mod board;
pub mod camera;
pub mod eta;
pub mod keys;
pub mod maintenance;
pub mod moonraker;
pub mod octoprint;
pub mod pages;
pub mod poller;
pub mod reading;
pub mod sending;
pub mod server;
pub mod spec;
pub mod store;
pub mod tracking;
