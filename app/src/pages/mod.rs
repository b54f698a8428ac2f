//! One file per page.

pub mod creation;
pub mod gallery;
pub mod home;
pub mod lab;
pub mod model;
pub mod my_models;
pub mod not_found;
pub mod order;
pub mod quote;
pub mod staff;
pub mod staff_job;
pub mod staff_printers;
pub mod staff_reports;
pub mod studio;
