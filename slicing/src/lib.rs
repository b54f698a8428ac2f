//! Slicing with PrusaSlicer, and what its G-code says.
//!
//! A crate of its own, without the web stack, so its benchmark builds in
//! seconds and its readers can be fuzzed alone (`fuzz/`). The print profiles
//! live beside it in `profiles/`. Also the `3dprint://` links that open a
//! file in the desktop slicer.

pub mod gcode;
pub mod material;
pub mod open_link;
pub mod prusa;
pub mod quote;

/// The folder of the `.ini` print profiles kept in the repository.
pub fn profiles_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles")
}
