//! Links to an order's files that work without a session, for the lab's
//! staff alert and a print service.

use crate::platform::config::Config;
use crate::platform::signed_links::LinkSigner;
use crate::platform::time::now_ms;

/// A link to one of the order's files (see `shop::orders::ORDER_FILES`) that works for
/// `days` without a session.
pub fn file_link((links, config): (&LinkSigner, &Config), order_id: &str, file: &str, days: i64) -> String {
    let path = format!("/api/orders/{order_id}/files/{file}");
    let expires_s = now_ms() / 1000 + days * 24 * 3600;
    format!("{}{}", config.public_url.trim_end_matches('/'), links.sign(&path, expires_s))
}
