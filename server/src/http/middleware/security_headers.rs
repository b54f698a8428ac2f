//! Headers that tell the browser what our pages may do, on every response.
//!
//! Pages get a Content-Security-Policy that lets only our own files and the
//! one inline script Leptos writes to start hydration run: that script
//! carries a fresh nonce per response, which this middleware makes and hands
//! to the renderer through the request ([`CspNonce`]). `'wasm-unsafe-eval'`
//! lets the page and the studio's worker compile our WebAssembly; nothing
//! allows `eval` of text. Everything else (JSON, images, models) gets a policy
//! that allows nothing, so a file we serve cannot act as a page.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, STRICT_TRANSPORT_SECURITY};

use crate::state::AppState;

/// The nonce of this response's inline scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// For our own pages and scripts (the studio's worker is one: a worker runs
/// under its script's policy).
pub fn page_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|nonce| format!(" 'nonce-{nonce}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// For everything that is not a page or a script.
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

pub async fn middleware(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = crate::platform::tokens::new_token();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let policy = if content_type.starts_with("text/html") {
        page_policy(Some(&nonce))
    } else if content_type.contains("javascript") {
        page_policy(None)
    } else {
        NOTHING_POLICY.to_string()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(CONTENT_SECURITY_POLICY, value);
    }
    let fixed = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        // Links carry tokens (order pages, students' job links): other sites never see them.
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.config.public_url.starts_with("https:") {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// The nonce of the request being rendered, for Leptos' hydration script.
pub fn provide_to_renderer() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().map(|nonce| nonce.0.clone()))
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Cross-origin access to the JSON API for the sites in `MEMOREEZ_CORS_ORIGINS`
/// (none by default: only our own pages call it). Cookies are never sent
/// cross-origin, so another site can use only what needs no visitor or staff
/// session.
pub fn cors(origins: &[HeaderValue]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([http::Method::GET, http::Method::POST])
        .allow_headers([CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}
