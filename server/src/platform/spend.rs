//! Daily spend ceilings for the paid providers.
//!
//! Each call to a paid service (an image service drawing a design, a chat
//! service writing briefs, a 3D service making a model) is counted, at its
//! configured price, against that provider's ceiling for the lab's day before
//! it is made; a call past the ceiling is not made. A flood of stories, or a
//! loop in a script, then costs the lab at most its ceiling a day.
//!
//! The count is a row per provider and day, raised by one conditional upsert,
//! so any number of instances share one ceiling and two calls racing for the
//! last cents cannot both pass. A call that fails still counts: services
//! charge for some failures, and a ceiling must never be passed.

use crate::platform::config::{Config, MeshProvider, Provider, TextTo3dProvider};
use crate::platform::db::Db;

/// A paid provider, as the ceilings name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paid {
    Image,
    Prompt,
    Mesh,
    TextTo3d,
}

impl Paid {
    pub fn name(self) -> &'static str {
        match self {
            Paid::Image => "image",
            Paid::Prompt => "prompt",
            Paid::Mesh => "mesh",
            Paid::TextTo3d => "text_to_3d",
        }
    }

    /// What the customer was about to get, for the refusal.
    fn work(self) -> &'static str {
        match self {
            Paid::Image => "drawing designs",
            Paid::Prompt => "writing design ideas",
            Paid::Mesh | Paid::TextTo3d => "making models",
        }
    }
}

/// What one call costs and the most a day may cost, in cents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub call_cents: u32,
    pub daily_ceiling_cents: u32,
}

/// The provider's allowance, or `None` when the configured provider is the
/// embedded one, which costs nothing and is never counted.
pub fn allowance(config: &Config, paid: Paid) -> Option<Allowance> {
    let (paid_for, call_cents, daily_ceiling_cents) = match paid {
        Paid::Image => (
            config.image_provider != Provider::Embedded,
            config.image_call_cents,
            config.image_daily_ceiling_cents,
        ),
        Paid::Prompt => (
            config.prompt_provider != Provider::Embedded,
            config.prompt_call_cents,
            config.prompt_daily_ceiling_cents,
        ),
        Paid::Mesh => (
            config.mesh_provider != MeshProvider::Embedded,
            config.mesh_call_cents,
            config.mesh_daily_ceiling_cents,
        ),
        Paid::TextTo3d => (
            config.text_to_3d_provider != TextTo3dProvider::Embedded,
            config.text_to_3d_call_cents,
            config.text_to_3d_daily_ceiling_cents,
        ),
    };
    paid_for.then_some(Allowance { call_cents, daily_ceiling_cents })
}

#[derive(thiserror::Error, Debug)]
pub enum SpendError {
    #[error("Today's budget for {} is used up; please try again tomorrow.", .0.work())]
    CeilingReached(Paid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Counts one call to `paid` against today's ceiling, or refuses it with
/// [`SpendError::CeilingReached`] when it would pass the ceiling. Free
/// providers pass uncounted.
pub async fn charge(db: &Db, config: &Config, paid: Paid) -> Result<(), SpendError> {
    let Some(allowance) = allowance(config, paid) else { return Ok(()) };
    let day = crate::platform::time::lab_day(crate::platform::time::now_ms(), config.lab_zone());
    charge_on(db, paid, &day, allowance).await
}

/// [`charge`] on a given day.
pub async fn charge_on(db: &Db, paid: Paid, day: &str, allowance: Allowance) -> Result<(), SpendError> {
    // One statement: the first call of the day inserts the row, later ones
    // raise it, and neither happens when the ceiling would be passed. (The
    // SELECT's WHERE also settles SQLite's INSERT … SELECT … ON CONFLICT.)
    let counted = sqlx::query(
        "INSERT INTO provider_spend (provider, day, cents, calls) SELECT $1, $2, $3, 1 WHERE $3 <= $4 \
         ON CONFLICT (provider, day) DO UPDATE \
         SET cents = provider_spend.cents + excluded.cents, calls = provider_spend.calls + 1 \
         WHERE provider_spend.cents + excluded.cents <= $4",
    )
    .bind(paid.name())
    .bind(day)
    .bind(i64::from(allowance.call_cents))
    .bind(i64::from(allowance.daily_ceiling_cents))
    .execute(db.pool())
    .await?
    .rows_affected();
    if counted == 0 {
        tracing::warn!(
            provider = paid.name(),
            day,
            ceiling_cents = allowance.daily_ceiling_cents,
            "a paid provider reached its daily spend ceiling; its calls are refused until tomorrow"
        );
        return Err(SpendError::CeilingReached(paid));
    }
    Ok(())
}

/// What `paid` has cost on `day`, in cents, and in calls.
pub async fn spent_on(db: &Db, paid: Paid, day: &str) -> sqlx::Result<(i64, i64)> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT cents, calls FROM provider_spend WHERE provider = $1 AND day = $2")
            .bind(paid.name())
            .bind(day)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.unwrap_or((0, 0)))
}
