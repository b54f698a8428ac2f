//! The server functions the pages call, by area. Each is a thin call into
//! the server's side of the backend port (`crate::backend`); the types they
//! carry and their validation live in the shared type modules.

pub mod creations;
pub mod lab;
pub mod reports;
pub mod shop;
pub mod staff;
