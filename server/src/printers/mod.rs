//! The lab's printers: each as a row (what it is, how it is reached), the
//! client for OctoPrint (the printer server a lab runs beside a printer),
//! the poller that reads each printer's state into its row, and the
//! queue's ETAs (when each waiting job should start and be ready). Sending
//! jobs to printers and following them is issue 26's next part.

pub mod eta;
pub mod octoprint;
pub mod poller;
pub mod store;
