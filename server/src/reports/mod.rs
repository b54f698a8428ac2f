//! Reports for staff: the shop's funnel, the lab's overview, the periods
//! they cover, and their CSVs.

pub mod funnel;
pub mod http;
pub mod lab_overview;
pub mod pages;
pub mod period;
