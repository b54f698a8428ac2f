//! [`StaffSession`]: the proof a staff operation needs.
//!
//! Every staff operation in the rooms (acting on a print job, the queue,
//! printers, the outbox, the reports, sending an order out) takes a
//! `&StaffSession`, and the only way to have one is [`StaffSession::check`]
//! on a request's cookies. So a new staff page or route that forgets the
//! sign-in check does not compile, where before it only had to remember to
//! call it. (The command line, run by whoever operates the server, has
//! [`StaffSession::console`].)

use http::HeaderMap;

use crate::platform::db::Db;

/// A signed-in staff browser's session, as checked for this request. It has
/// no public constructor: only the check (or the console) makes one.
#[derive(Debug)]
pub struct StaffSession {
    _made_by_the_check: (),
}

impl StaffSession {
    /// The request's staff session, when its cookie names one that is live
    /// (not idle longer than `idle_minutes`); using it keeps it alive.
    pub async fn check(
        db: &Db,
        headers: &HeaderMap,
        idle_minutes: u64,
    ) -> sqlx::Result<Option<StaffSession>> {
        let live = crate::staff::sign_in::signed_in(db, headers, idle_minutes).await?;
        Ok(live.then_some(StaffSession { _made_by_the_check: () }))
    }

    /// The operator of the server at its command line (`memoreez orders …`),
    /// who holds the database and its settings already.
    pub(crate) fn console() -> StaffSession {
        StaffSession { _made_by_the_check: () }
    }
}
