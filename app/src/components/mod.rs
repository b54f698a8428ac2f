//! Parts that pages are made of but that are no page of their own: charts,
//! the checkout form, live streams and their notices, loading states, the
//! model-file field and a chosen file in 3D, the studio's view and live
//! preview on a 3D stage, and the staff's bar.

pub mod charts;
pub mod checkout;
pub mod job_events;
pub mod live_stream;
pub mod loaded;
pub mod model_file;
pub mod model_preview;
pub mod staff_live;
pub mod staff_nav;
#[cfg(feature = "hydrate")]
pub mod stage;
#[cfg(feature = "hydrate")]
mod studio_live;
pub mod studio_view;
