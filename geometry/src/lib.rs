//! The Memoreez geometry kernel.
//!
//! This crate has no web dependencies: the browser studio (compiled to
//! `wasm32-unknown-unknown`) and the server (native) run the very same code, so
//! a preview and the mesh that gets printed cannot drift apart.
//!
//! It is deliberately still empty: mesh I/O, analysis, repair, pedestals with
//! engraved text, image relief and thumbnails arrive with the geometry-kernel
//! issue. The test command already builds it for both targets so nothing
//! added later can quietly break the wasm32 build.

/// Millimetres: the only length unit in the kernel.
pub type Millimetres = f64;
