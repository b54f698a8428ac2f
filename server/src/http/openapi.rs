//! The JSON API described as OpenAPI 3.1, served at `GET /api/openapi.json`.
//!
//! The description is made by utoipa from the handlers themselves: each
//! handler carries its `#[utoipa::path]` (method, path, parameters, the
//! statuses it answers) beside its code, and the bodies are the types the
//! handlers read and answer with (`ToSchema`, derived; the shared crates'
//! types behind their `openapi` feature). No spec is written by hand, so
//! it cannot drift from the code: a new field is in the description the
//! day it is in the type. `./dev test` fuzzes every operation here with
//! schemathesis against a running server (see docs/testing.md).
//!
//! Not described: the server-sent event streams (`…/events`,
//! `…/concepts/stream`; OpenAPI has no way to describe an event stream's
//! events, and they are documented in docs/api.md), the pages and their
//! server functions (the pages' own port, `/api/{name}`), and `/metrics`
//! (OpenMetrics text for a scraper).

use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Memoreez",
        description = "The JSON API of Memoreez: keepsakes from a story, the print lab, its remote workers. \
                       Errors are `{\"error\", \"field\"}` with the status that fits; see docs/api.md.",
    ),
    paths(
        crate::http::health::alive,
        crate::http::health::ready,
        crate::generation::http::creations::create_creation,
        crate::generation::http::creations::upload_model,
        crate::generation::http::concepts::explore_more,
        crate::generation::http::concepts::retry,
        crate::generation::http::concepts::image,
        crate::generation::http::models::select,
        crate::generation::http::models::media,
        crate::shop::http::studio::show,
        crate::shop::http::studio::quote,
        crate::shop::http::studio::stl,
        crate::shop::http::studio::three_mf,
        crate::shop::http::quotes::create_quote,
        crate::shop::http::orders::place,
        crate::shop::http::orders::show,
        crate::shop::http::orders::thumbnail,
        crate::shop::http::orders::order_file,
        crate::payments::webhook::stripe_webhook,
        crate::lab::http::submit,
        crate::lab::http::show,
        crate::lab::http::confirm,
        crate::lab::http::file,
        crate::lab::http::slicer_link_check,
        crate::lab::http::slicer_opening,
        crate::reports::http::csv,
        crate::jobs::http::worker_api::claim,
        crate::jobs::http::worker_api::heartbeat,
        crate::jobs::http::worker_api::input,
        crate::jobs::http::worker_api::result,
        crate::jobs::http::worker_api::fail,
    ),
    modifiers(&Security),
    tags(
        (name = "creations", description = "A customer's story, its designs and its model (owner: the browser's session cookie)"),
        (name = "shop", description = "The studio, prices and orders"),
        (name = "payments", description = "Stripe's webhook"),
        (name = "lab", description = "Students' submissions and their jobs, by the links they are sent"),
        (name = "staff", description = "Staff-only downloads"),
        (name = "workers", description = "Remote GPU workers (a worker token)"),
        (name = "operations", description = "Health and readiness"),
    ),
)]
pub struct ApiDoc;

/// The two credentials the description names: a worker's token and the staff session.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "worker_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::staff::sign_in::COOKIE_NAME))),
        );
    }
}

/// The description, made once.
pub fn description() -> &'static utoipa::openapi::OpenApi {
    static MADE: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    MADE.get_or_init(ApiDoc::openapi)
}

/// `GET /api/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    Json(description())
}

/// A file's bytes, in a request or an answer.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// A background job started: its id and its progress stream (server-sent events).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobStarted {
    pub job_id: String,
    pub events_url: String,
}

/// The multipart form of a customer's own model.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ModelUpload {
    /// STL, OBJ or 3MF, up to `MEMOREEZ_MAX_MODEL_MB`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The multipart form of `POST /api/quotes`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct QuoteUpload {
    /// STL, OBJ or 3MF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `shop` (default) or `lab`: whose price book.
    profile: Option<String>,
    material: Option<slicing::material::Material>,
    engine: Option<slicing::quote::Engine>,
    /// `false`: answer at once with the instant estimate and slice in the background.
    wait: Option<bool>,
}

/// The multipart form of a student's submission.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LabSubmission {
    #[serde(flatten)]
    fields: app::lab::Submission,
    /// STL, OBJ or 3MF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_json_route_is_described_once_and_the_description_is_valid_json() {
        let described = description();
        let text = serde_json::to_string(described).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(value["openapi"].as_str().unwrap().starts_with("3."));
        let paths = value["paths"].as_object().unwrap();
        for path in
            ["/api/creations", "/api/orders/{id}", "/api/lab/submissions", "/api/worker/claim", "/readyz"]
        {
            assert!(paths.contains_key(path), "{path} is described");
        }
        assert!(paths.len() >= 25, "{} paths", paths.len());
        // Every body named is defined.
        let schemas = value["components"]["schemas"].as_object().unwrap();
        for name in text
            .match_indices("#/components/schemas/")
            .map(|(at, _)| text[at + "#/components/schemas/".len()..].split('"').next().unwrap().to_string())
        {
            assert!(schemas.contains_key(&name), "{name} is defined");
        }
    }
}
