//! The print lab: students' submissions, the print queue (lab and shop
//! jobs), what staff do to a job, its folder in shared storage, the file
//! to print, and "Open in slicer".

pub mod actions;
pub mod events;
pub mod folders;
pub mod open_in_slicer;
pub mod print_jobs;
pub mod printing;
pub mod reprint;
pub mod sliced;
pub mod student_links;
pub mod students;
pub mod submissions;
