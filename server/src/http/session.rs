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
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue};

use crate::platform::tokens::{cookie, new_token, token_hash};
use crate::platform::visitors::VisitorId;
use crate::state::AppState;

pub const COOKIE_NAME: &str = "memoreez_visitor";
/// 32 random bytes, base64url without padding.
const TOKEN_LEN: usize = 43;
const COOKIE_MAX_AGE_SECONDS: u64 = 365 * 24 * 60 * 60;

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

/// Our cookies, by the names the code reads and writes.
const OUR_COOKIES: [&str; 3] = [
    COOKIE_NAME,
    crate::staff::sign_in::COOKIE_NAME,
    crate::http::middleware::generation_sessions::COOKIE_NAME,
];

/// The prefix that makes a browser keep a cookie only if it is Secure, for
/// the whole site (Path=/) and for this host alone (no Domain).
const HOST_PREFIX: &str = "__Host-";

/// Behind HTTPS (`MEMOREEZ_PUBLIC_URL` starts with `https:`) our cookies
/// travel as `__Host-memoreez_…`: a page on a neighbouring subdomain cannot
/// then plant a session cookie for this site (session fixation). The prefix
/// is a matter of the edge, so it is put on and taken off here; everything
/// inside reads and writes the plain names. An unprefixed cookie of ours
/// arriving over HTTPS was not set by us and is dropped.
pub async fn host_prefix(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if !state.config.public_url.starts_with("https:") {
        return next.run(request).await;
    }
    let sent: Vec<String> = request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            match name.strip_prefix(HOST_PREFIX) {
                Some(ours) if OUR_COOKIES.contains(&ours) => Some(pair[HOST_PREFIX.len()..].to_string()),
                _ if OUR_COOKIES.contains(&name) => None,
                _ => Some(pair.to_string()),
            }
        })
        .collect();
    request.headers_mut().remove(COOKIE);
    if let Ok(value) = HeaderValue::from_str(&sent.join("; "))
        && !sent.is_empty()
    {
        request.headers_mut().insert(COOKIE, value);
    }
    let mut response = next.run(request).await;
    let set: Vec<HeaderValue> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| {
            let text = value.to_str().unwrap_or_default();
            let ours = OUR_COOKIES
                .iter()
                .any(|name| text.strip_prefix(name).is_some_and(|rest| rest.starts_with('=')));
            match ours {
                true => {
                    HeaderValue::from_str(&format!("{HOST_PREFIX}{text}")).unwrap_or_else(|_| value.clone())
                }
                false => value.clone(),
            }
        })
        .collect();
    response.headers_mut().remove(SET_COOKIE);
    for value in set {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn hash(token: &str) -> VisitorId {
    VisitorId(token_hash(token))
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
