//! `GET /staff/reports/{table}.csv`: every table of the funnel and the lab's
//! overview as CSV, for signed-in staff. The query is the page's own
//! (`from`/`to` for the funnel's tables, `grain`/`periods` for the
//! overview's), so the file holds exactly what the page showed.

pub mod pages;

use app::report::Table;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde::Deserialize;

use crate::http::error::ApiError;
use crate::reports::period::{Days, grain_and_count};
use crate::state::AppState;

/// The reports' CSVs.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/staff/reports/{file}", axum::routing::get(csv))
}

/// The funnel page's tables; every other name is the overview's.
const FUNNEL_TABLES: [&str; 2] = ["funnel", "providers"];

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    grain: String,
    #[serde(default)]
    periods: String,
}

#[utoipa::path(get, path = "/staff/reports/{file}", tag = "staff",
    params(("file" = String, Path, description = "`{table}.csv`: funnel, providers, or one of the overview's tables"), ReportQuery),
    security(("staff_session" = [])),
    responses(
        (status = 200, description = "The table as CSV", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in as staff", body = crate::http::error::ErrorBody),
        (status = 404, description = "No such table", body = crate::http::error::ErrorBody),
        (status = 422, description = "A period that cannot be read", body = crate::http::error::ErrorBody),
    ))]
pub async fn csv(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<ReportQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let staff = crate::http::guards::staff_only(&state, &headers).await?;
    let name = file.strip_suffix(".csv").ok_or(ApiError::NotFound)?;
    let tables = match FUNNEL_TABLES.contains(&name) {
        true => {
            let days = Days::parse(
                &query.from,
                &query.to,
                crate::platform::time::now_ms(),
                state.config.lab_zone(),
            )?;
            crate::reports::funnel::report((&state.db, &state.config), &staff, &days).await?.tables()
        }
        false => {
            let (grain, count) = grain_and_count(&query.grain, &query.periods)?;
            crate::reports::lab_overview::overview((&state.db, &state.config), &staff, grain, count)
                .await?
                .tables()
        }
    };
    let table = tables.into_iter().find(|table| table.name == name).ok_or(ApiError::NotFound)?;
    let body = write(&table).map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
            (CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// The table as RFC 4180 CSV: a header row, then one row per line.
pub fn write(table: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&table.columns)?;
    for row in &table.rows {
        out.write_record(row)?;
    }
    out.into_inner().map_err(|error| csv::Error::from(error.into_error()))
}
