//! The Memoreez geometry kernel.
//!
//! This crate has no web dependencies: the browser studio (compiled to
//! `wasm32-unknown-unknown`) and the server (native) run the very same code, so
//! a preview and the mesh that gets printed cannot drift apart.
//!
//! Lengths are millimetres, areas mm², volumes mm³. Every reader is bounded
//! ([`Limits`]) and returns a typed [`MeshError`] with a one-line message for
//! people; no input makes it panic.

pub mod analysis;
pub mod boolean;
pub mod engrave;
pub mod error;
pub mod estimate;
pub mod io;
pub mod keepsake;
pub mod limits;
pub mod mesh;
pub mod pedestal;
pub mod picture;
pub mod preview;
pub mod relief;
pub mod repair;
pub mod shapes;
pub mod text;
pub mod thickness;
pub mod thumbnail;
mod vec3;

pub use analysis::{Analysis, AnalysisOptions, analyse};
pub use error::MeshError;
pub use limits::Limits;
pub use mesh::Mesh;
pub use repair::{RepairOptions, RepairReport, SolidError, repair, repair_solid};

/// Millimetres: the only length unit in the kernel.
pub type Millimetres = f64;
