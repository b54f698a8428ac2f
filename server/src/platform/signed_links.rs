//! Signed, expiring links: a path with `exp` (Unix seconds) and `sig`
//! (HMAC-SHA256 of the path and `exp` under the site's link secret). They
//! let someone without a session — the lab reading its alert, a print
//! service fetching a file — download one thing until a given time, and
//! need nothing stored per link.
//!
//! The secret is made once, at random, and kept in the database, so every
//! instance on the same database signs and checks alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::platform::db::Db;

const SECRET_NAME: &str = "link_signing";

#[derive(Clone)]
pub struct LinkSigner {
    // Shared: every room context carries a copy of the signer.
    secret: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    /// The site's signer, its secret made on first use.
    pub async fn load(db: &Db) -> sqlx::Result<LinkSigner> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        // Whoever inserts first wins; everyone then reads the same secret.
        crate::platform::secrets::add_if_none(db, SECRET_NAME, &URL_SAFE_NO_PAD.encode(fresh)).await?;
        let value = crate::platform::secrets::get(db, SECRET_NAME).await?.ok_or(sqlx::Error::RowNotFound)?;
        let secret = URL_SAFE_NO_PAD.decode(value).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        Ok(LinkSigner { secret: secret.into() })
    }

    fn mac(&self, path: &str, expires_s: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires_s.to_string().as_bytes());
        mac
    }

    /// `path?exp=…&sig=…`, good until `expires_s` (Unix seconds).
    pub fn sign(&self, path: &str, expires_s: i64) -> String {
        format!("{path}?exp={expires_s}&sig={}", self.signature(path, expires_s))
    }

    /// The `sig` alone, for a link of another shape (`3dprint://…`).
    pub fn signature(&self, path: &str, expires_s: i64) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(path, expires_s).finalize().into_bytes())
    }

    /// Whether `sig` signs `path` until `expires_s`, and that time has not come.
    pub fn verify(&self, path: &str, expires_s: i64, sig: &str, now_s: i64) -> bool {
        let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else { return false };
        now_s < expires_s && self.mac(path, expires_s).verify_slice(&sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_its_own_path_until_it_expires() {
        let signer = LinkSigner { secret: b"k".repeat(32).into() };
        let link = signer.sign("/api/orders/a/files/print.gcode", 1_000);
        let (path, query) = link.split_once('?').unwrap();
        let sig = query.split("&sig=").nth(1).unwrap();
        assert!(signer.verify(path, 1_000, sig, 999));
        assert!(!signer.verify(path, 1_000, sig, 1_000), "expired");
        assert!(!signer.verify(path, 2_000, sig, 999), "a later expiry is not signed");
        assert!(!signer.verify("/api/orders/b/files/print.gcode", 1_000, sig, 999), "another path");
        assert!(!signer.verify(path, 1_000, "not base64!", 999));
        let other = LinkSigner { secret: b"j".repeat(32).into() };
        assert!(!other.verify(path, 1_000, sig, 999), "another site's secret");
    }
}
