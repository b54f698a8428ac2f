//! Orders over HTTP: checkout for a priced keepsake, and the order's own
//! page data, opened by the token in its link.

use std::convert::Infallible;
use std::time::Duration;

use app::order::{OrderForm, OrderView};
use axum::Extension;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use http::StatusCode;
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::http::session::Visitor;
use crate::shop::orders::{self, OrderError};
use crate::state::AppState;

/// `POST /api/orders` with the checkout form → `201 {"id", "status",
/// "order_url", "payment_url"}` (`payment_url`: Stripe's page, when paying
/// by card; `null` otherwise). Amounts come from the keepsake's stored quote, never from
/// the request.
#[utoipa::path(post, path = "/api/orders", tag = "shop",
    request_body = OrderForm,
    responses(
        (status = 201, description = "Placed", body = OrderPlaced),
        (status = 400, description = "Not JSON", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such priced keepsake of this browser's", body = crate::http::error::ErrorBody),
        (status = 409, description = "Not priced, or the keepsake changed since it was priced", body = crate::http::error::ErrorBody),
        (status = 422, description = "A field that cannot be used, named", body = crate::http::error::ErrorBody),
        (status = 429, description = "Over a limit; see Retry-After", body = crate::http::error::ErrorBody),
        (status = 503, description = "Card payment is out for a moment; see Retry-After", body = crate::http::error::ErrorBody),
    ))]
pub async fn place(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    body: Result<Json<OrderForm>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(form) = body?;
    // A keepsake is found only in its own browser's session; a priced model
    // by its quote's id, from any browser (one gets a session here).
    let visitor = visitor.id();
    let placed = orders::place(&state.shop(), &visitor, &form).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrderPlaced {
            order_url: placed.page_url(),
            id: placed.id,
            status: placed.status,
            payment_url: placed.payment_url,
        }),
    ))
}

/// An order placed: its page (with its token) and, when paying by card,
/// Stripe's payment page.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct OrderPlaced {
    pub id: String,
    pub status: app::order::OrderStatus,
    pub order_url: String,
    pub payment_url: Option<String>,
}

/// The `?t=` of a link from an email (an order's, a student job's).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Token {
    /// The token from the link.
    pub t: String,
}

/// `GET /api/orders/{id}?t=TOKEN`: the order, its amounts and history.
#[utoipa::path(get, path = "/api/orders/{id}", tag = "shop",
    params(("id" = String, Path, description = "The order's id"), ("t" = String, Query, description = "The token from the order's link")),
    responses(
        (status = 200, description = "The order, its amounts and history", body = OrderView),
        (status = 400, description = "No token", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such order, or a wrong token", body = crate::http::error::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(orders::view(&state.shop(), &id, &token.t).await?))
}

/// `GET /api/orders/{id}/events?t=TOKEN`: the order as server-sent events —
/// `order` with the whole order (as `GET /api/orders/{id}` gives it) at once
/// and again whenever it changes. It reads the order's row, so a change made
/// by another instance (a webhook, the lab) shows too.
pub async fn events(
    State(state): State<AppState>,
    Extension(client): Extension<crate::platform::client_address::ClientAddress>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let place = crate::http::guards::open_stream(&state, &client)?;
    // The token is checked here, for this stream; the shared reader reads with it too.
    orders::view(&state.shop(), &id, &token.t).await?;
    let reading = (state.clone(), id.clone(), token.t);
    let followed = state.readings.orders.follow(
        &state.changes,
        &crate::platform::changes::topic("order", &id),
        (crate::platform::readings::same_topic, ORDER_POLL),
        place,
        move || {
            let (state, id, token) = reading.clone();
            async move {
                match orders::view(&state.shop(), &id, &token).await {
                    Ok(order) => Some(Some(order)),
                    Err(OrderError::NotFound) => Some(None),
                    // Unreadable for a moment: the last view stands.
                    Err(_) => None,
                }
            }
        },
    );
    let stream =
        futures_util::stream::unfold((None::<OrderView>, followed), |(last, mut followed)| async move {
            loop {
                // Gone, or the stream's time is up: end it; the page reconnects.
                let order = followed.next().await??;
                if last.as_ref() != Some(&order) {
                    let data = serde_json::to_string(&order).expect("an order serialises");
                    let event = Event::default().event("order").data(data);
                    return Some((Ok(event), (Some(order), followed)));
                }
            }
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// How often an open order page's stream looks for a change (without news from PostgreSQL).
const ORDER_POLL: Duration = Duration::from_millis(500);

/// `GET /api/orders/{id}/thumbnail.png?t=TOKEN`: the keepsake as ordered.
#[utoipa::path(get, path = "/api/orders/{id}/thumbnail.png", tag = "shop",
    params(("id" = String, Path, description = "The order's id"), ("t" = String, Query, description = "The token from the order's link")),
    responses(
        (status = 200, description = "The keepsake as ordered", content_type = "image/png", body = crate::http::openapi::Binary),
        (status = 400, description = "No token", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such order, or a wrong token", body = crate::http::error::ErrorBody),
    ))]
pub async fn thumbnail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(token): Query<Token>,
) -> Result<impl IntoResponse, ApiError> {
    orders::opens(&state.db, &id, &token.t).await?;
    let png = state.storage.get(&orders::thumbnail_key(&id)).await.map_err(|_| ApiError::NotFound)?;
    Ok((
        [(http::header::CONTENT_TYPE, "image/png"), (http::header::CACHE_CONTROL, "private, max-age=86400")],
        png,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Signed {
    /// When the link stops working, Unix seconds.
    exp: i64,
    /// The site's signature of the path and `exp`.
    sig: String,
}

/// `GET /api/orders/{id}/files/{keepsake.stl|thumbnail.png|print.gcode}?exp=…&sig=…`:
/// an order's file by a signed, expiring link (the lab's alert, a print
/// service). A wrong, altered or expired link is a 404, as for a stranger.
#[utoipa::path(get, path = "/api/orders/{id}/files/{file}", tag = "shop",
    params(("id" = String, Path, description = "The order's id"), ("file" = String, Path, description = "`keepsake.stl`, `thumbnail.png` or `print.gcode`"), Signed),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = crate::http::openapi::Binary),
        (status = 400, description = "No signature", body = crate::http::error::ErrorBody),
        (status = 404, description = "Not signed by this site, expired, or no such file", body = crate::http::error::ErrorBody),
    ))]
pub async fn order_file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    Query(signed): Query<Signed>,
) -> Result<impl IntoResponse, ApiError> {
    let path = format!("/api/orders/{id}/files/{file}");
    let now_s = crate::platform::time::now_ms() / 1000;
    if !state.links.verify(&path, signed.exp, &signed.sig, now_s) {
        return Err(ApiError::NotFound);
    }
    let content_type = match file.as_str() {
        "keepsake.stl" => "model/stl",
        "thumbnail.png" => "image/png",
        "print.gcode" => "text/x.gcode",
        _ => return Err(ApiError::NotFound),
    };
    let key = orders::file_key(&state.db, &id, &file).await?;
    let bytes = state.storage.get(&key).await.map_err(|_| ApiError::NotFound)?;
    let disposition = format!("attachment; filename=\"memoreez-{id}-{file}\"");
    Ok((
        [
            (http::header::CONTENT_TYPE, content_type.to_string()),
            (http::header::CONTENT_DISPOSITION, disposition),
            (http::header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    ))
}
