//! Anonymous visitors, identified by a random token in an HttpOnly cookie
//! that lasts a year: the "library" that "My models" lists. (The shorter
//! generation session that caps how much one sitting may ask for is in
//! `generation_sessions`.)
//!
//! A token is only minted when something needs an identity (creating a
//! creation), not on every page view, so bots and static files never get one.
//! The database stores a SHA-256 of the token, never the token.
//!
//! The cookie header is parsed by hand: it is one cookie, and a dependency for
//! it would be larger than this code.

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::state::AppState;

pub const COOKIE_NAME: &str = "memoreez_visitor";
/// 32 random bytes, base64url without padding.
const TOKEN_LEN: usize = 43;
const COOKIE_MAX_AGE_SECONDS: u64 = 365 * 24 * 60 * 60;

/// The visitor's id as stored in the database: the token's SHA-256, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorId(pub String);

/// Put in every request's extensions by [`middleware`].
#[derive(Clone, Debug)]
pub struct Visitor(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    from_cookie: Option<String>,
    minted: OnceLock<String>,
}

impl Visitor {
    pub fn from_headers(headers: &HeaderMap) -> Visitor {
        let from_cookie = cookie(headers, COOKIE_NAME).filter(|token| is_well_formed(token));
        Visitor(Arc::new(Inner { from_cookie, minted: OnceLock::new() }))
    }

    /// The id of a visitor who already has a cookie; looking never mints one.
    pub fn existing_id(&self) -> Option<VisitorId> {
        self.token().map(hash)
    }

    /// The visitor's id, minting a token (and so a cookie) for a first visit.
    pub fn id(&self) -> VisitorId {
        match self.token() {
            Some(token) => hash(token),
            None => hash(self.0.minted.get_or_init(new_token)),
        }
    }

    fn token(&self) -> Option<&str> {
        self.0.from_cookie.as_deref().or(self.0.minted.get().map(String::as_str))
    }

    fn minted(&self) -> Option<&str> {
        self.0.minted.get().map(String::as_str)
    }
}

/// Attaches a [`Visitor`] to the request and sets the cookie if one was minted
/// (Secure when the site is served over HTTPS).
pub async fn middleware(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let visitor = Visitor::from_headers(request.headers());
    request.extensions_mut().insert(visitor.clone());
    let mut response = next.run(request).await;
    if let Some(token) = visitor.minted() {
        let cookie = format!(
            "{COOKIE_NAME}={token}; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax{}",
            if state.config.public_url.starts_with("https:") { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// 32 random bytes, base64url: a secret for a cookie or a worker.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn hash(token: &str) -> VisitorId {
    VisitorId(token_hash(token))
}

/// The SHA-256 of a secret, hex: what the database keeps instead of it.
/// The value of the request's cookie `name`, if it sent one.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.to_string())
}

pub(crate) fn token_hash(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// SHA-256 as lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        headers
    }

    #[test]
    fn reads_the_token_among_other_cookies() {
        let token = new_token();
        let visitor = Visitor::from_headers(&headers(&format!("a=1; {COOKIE_NAME}={token}; b=2")));
        assert_eq!(visitor.existing_id(), Some(hash(&token)));
        assert_eq!(visitor.id(), hash(&token));
        assert_eq!(visitor.minted(), None);
    }

    #[test]
    fn mints_once_and_only_when_asked() {
        let visitor = Visitor::from_headers(&HeaderMap::new());
        assert_eq!(visitor.existing_id(), None);
        assert_eq!(visitor.minted(), None);
        let first = visitor.id();
        assert_eq!(visitor.id(), first);
        assert_eq!(first.0.len(), 64);
        assert!(visitor.minted().is_some());
    }

    #[test]
    fn ignores_malformed_tokens() {
        for bad in ["short", &"x".repeat(44), &format!("{}!", "x".repeat(42))] {
            let visitor = Visitor::from_headers(&headers(&format!("{COOKIE_NAME}={bad}")));
            assert_eq!(visitor.existing_id(), None, "{bad}");
        }
    }
}
