//! Reports for staff: the shop's funnel, the lab's overview, the periods
//! they cover, and their CSVs (served by `http::reports`).

pub mod failures;
pub mod funnel;
pub mod lab_overview;
pub mod period;
