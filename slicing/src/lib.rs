//! Slicing with PrusaSlicer, and what its G-code says.
//!
//! A crate of its own, without the web stack, so its benchmark builds in
//! seconds. The print profiles live beside it in `profiles/`. Still to come
//! (issue 4): slices as background jobs with one slot per core, storing the
//! G-code, and the quote API.

pub mod gcode;
pub mod material;
pub mod prusa;
pub mod quote;

/// The folder of the `.ini` print profiles kept in the repository.
pub fn profiles_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles")
}
