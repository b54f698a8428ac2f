//! One file per page.

pub mod charts;
pub mod checkout;
pub mod creation;
pub mod gallery;
pub mod home;
pub mod job_events;
pub mod lab;
pub mod live_stream;
pub mod loaded;
pub mod model;
pub mod model_file;
pub mod my_models;
pub mod not_found;
pub mod order;
pub mod quote;
pub mod staff;
pub mod staff_job;
pub mod staff_live;
pub mod staff_reports;
pub mod studio;
#[cfg(feature = "hydrate")]
mod studio_live;
pub mod studio_view;
