//! Slicing with PrusaSlicer, and what its G-code says.
//!
//! A crate of its own, without the web stack, so its benchmark builds in
//! seconds. The print profiles live beside it in `profiles/`. Issue 4 is in
//! progress: the G-code reader so far; running the slicer as a job, quotes
//! and price books come next.

pub mod gcode;

/// The folder of the `.ini` print profiles kept in the repository.
pub fn profiles_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles")
}
