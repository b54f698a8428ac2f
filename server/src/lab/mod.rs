//! The print lab: students' submissions, the print queue (lab and shop
//! jobs), what staff do to a job, its folder in shared storage, the file
//! to print, and "Open in slicer".

pub mod actions;
pub mod folders;
pub mod http;
pub mod open_in_slicer;
pub mod pages;
pub mod print_jobs;
pub mod reprint;
pub mod sliced;
pub mod submissions;
