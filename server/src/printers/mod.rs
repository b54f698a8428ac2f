//! The lab's printers. For now: the client for OctoPrint, the printer
//! server a lab runs beside each printer (issue 26 builds printers, sending
//! jobs to them and following their progress on this).

pub mod octoprint;
