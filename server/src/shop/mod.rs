//! Selling keepsakes: quotes (sliced prices), the studio's keepsake and its
//! files, orders, and outside fulfilment through Slant 3D.

pub mod fulfilment;
pub mod keepsake_cache;
pub mod order_links;
pub mod orders;
pub mod quotes;
pub mod slant3d;
pub mod slice_slots;
pub mod studio;
