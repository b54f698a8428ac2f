//! The studio's 3D view: the keepsake on the printer's build plate, drawn
//! with three-d into a WebGL2 canvas, turned, zoomed and panned by mouse and
//! touch. The triangles come from `geometry::preview` (built in a Web
//! Worker); this crate only draws them.

pub mod orbit;
pub mod paint;
#[cfg(target_arch = "wasm32")]
mod view;

pub use orbit::Orbit;
#[cfg(target_arch = "wasm32")]
pub use view::View;
