//! Staff: sign-in with the lab's shared password, and the first-run setup link.

pub mod session;
pub mod setup;
pub mod sign_in;

pub use session::StaffSession;
