//! The lab's printers: each as a row (what it is, how it is reached), the
//! client for OctoPrint (the printer server a lab runs beside a printer),
//! and the poller that reads each printer's state into its row. Sending
//! jobs to printers and following them is issue 26's next part.

pub mod octoprint;
pub mod poller;
pub mod store;
