//! Checks a room's handler makes before it does anything: a place among the
//! open live streams, and a signed-in staff browser.

use http::StatusCode;

use crate::http::error::ApiError;
use crate::state::AppState;

/// A live stream's subscription for the request's client, within the caps
/// on open streams (`changes::StreamLimits`).
pub fn open_stream(
    state: &AppState,
    client: &crate::platform::client_address::ClientAddress,
) -> Result<crate::platform::changes::Following, ApiError> {
    use crate::platform::changes::StreamRefusal;
    state.changes.open_for(&client.0).map_err(|refusal| match refusal {
        StreamRefusal::ClientBusy => ApiError::TooManyRequests {
            retry_after_s: 5,
            message: "You have many live pages open at once; close a few and this one updates again.".into(),
        },
        StreamRefusal::Full => ApiError::Busy(
            "Memoreez has as many live pages open as it can take; this one updates again shortly.".into(),
        ),
    })
}

/// `401` unless the request comes from a signed-in staff browser (for the
/// staff routes that are not server functions: the live feed, the CSVs).
pub async fn staff_only(
    state: &AppState,
    headers: &http::HeaderMap,
) -> Result<crate::staff::StaffSession, ApiError> {
    crate::staff::StaffSession::check(&state.db, headers, state.config.staff_idle_minutes).await?.ok_or_else(
        || ApiError::Body { status: StatusCode::UNAUTHORIZED, message: "Please sign in as staff.".into() },
    )
}
