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
        crate::http::generation::creations::create_creation,
        crate::http::generation::creations::upload_model,
        crate::http::generation::concepts::explore_more,
        crate::http::generation::concepts::retry,
        crate::http::generation::concepts::image,
        crate::http::generation::models::select,
        crate::http::generation::models::media,
        crate::http::generation::models::version_media,
        crate::http::generation::models::show,
        crate::http::generation::models::make_another,
        crate::http::generation::models::choose,
        crate::http::generation::models::refine,
        crate::http::shop::studio::show,
        crate::http::shop::studio::quote,
        crate::http::shop::studio::stl,
        crate::http::shop::studio::three_mf,
        crate::http::shop::quotes::create_quote,
        crate::http::shop::orders::place,
        crate::http::shop::orders::show,
        crate::http::shop::orders::thumbnail,
        crate::http::shop::orders::order_file,
        crate::http::payments::stripe_webhook,
        crate::http::lab::submit,
        crate::http::lab::estimate,
        crate::http::lab::show,
        crate::http::lab::confirm,
        crate::http::lab::file,
        crate::http::lab::slicer_link_check,
        crate::http::lab::slicer_opening,
        crate::http::reports::csv,
        crate::http::jobs::worker_api::claim,
        crate::http::jobs::worker_api::heartbeat,
        crate::http::jobs::worker_api::input,
        crate::http::jobs::worker_api::result,
        crate::http::jobs::worker_api::fail,
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

/// The multipart form of the lab's instant estimate.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LabEstimateForm {
    /// STL, OBJ or 3MF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `filament` or `resin`.
    method: String,
    /// 1 to 20; 1 if left out.
    copies: Option<u32>,
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
