//! From a story (or a description, or an uploaded file) to a model: the
//! creation, its concept designs and their providers, the chosen design
//! made into a 3D model, and a model file of the customer's own.

pub mod concepts;
pub mod creations;
pub mod image_to_3d;
pub mod meshy;
pub mod model3d;
pub mod text_to_3d;
pub mod uploads;
