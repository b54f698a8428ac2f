//! One file per page.

pub mod creation;
pub mod home;
pub mod loaded;
pub mod not_found;
pub mod quote;
