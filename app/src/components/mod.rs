//! Parts that pages are made of but that are no page of their own: charts,
//! the checkout form, live streams and their notices, loading states, the
//! model-file field, and the studio's view and live preview.

pub mod charts;
pub mod checkout;
pub mod job_events;
pub mod live_stream;
pub mod loaded;
pub mod model_file;
pub mod staff_live;
pub mod staff_nav;
#[cfg(feature = "hydrate")]
mod studio_live;
pub mod studio_view;
