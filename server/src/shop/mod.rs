//! Selling keepsakes: quotes (sliced prices), the studio's keepsake and its
//! files, orders, and outside fulfilment through Slant 3D.

pub mod fulfilment;
pub mod keepsake_cache;
pub mod order_links;
pub mod orders;
pub mod quotes;
pub mod slant3d;
pub mod studio;

use std::sync::Arc;

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::mesh_work::MeshWork;
use crate::platform::signed_links::LinkSigner;
use crate::platform::slice_slots::SliceSlots;
use crate::platform::storage::Storage;

/// What the shop's work uses, and nothing more: the database, storage,
/// the settings, the mail worker's bell, the slicer's slots and the mesh
/// budget, the link signer, the built keepsakes, and the two outside
/// services (each `None` when not configured). Made from the app's state
/// per call (`AppState::shop`).
#[derive(Clone, Debug)]
pub struct ShopContext {
    pub db: Db,
    pub storage: Storage,
    pub config: Arc<Config>,
    /// Rung when mail is queued, so the mail worker sends it at once.
    pub mail_due: Arc<tokio::sync::Notify>,
    pub slice_slots: SliceSlots,
    pub mesh_work: MeshWork,
    pub links: LinkSigner,
    pub keepsakes: keepsake_cache::KeepsakeCache,
    /// Card payment through Stripe Checkout; `None`: orders are paid when collected.
    pub card_payments: Option<Arc<crate::payments::stripe::StripeCheckout>>,
    /// Outside fulfilment through Slant 3D; `None` without its API key.
    pub outside: Option<Arc<slant3d::Slant3d>>,
}
