//! The customers' funnel: one row per creation and step it reached
//! (`funnel_events`), written where the step happens, and the staff report
//! built from those rows.
//!
//! First-party and without personal data: a row holds the creation's id, the
//! step, the time and the visitor id the session already has (a hash of the
//! browser's cookie token) — no name, address, email, story or IP.

use std::collections::{HashMap, HashSet};

use app::report::{FunnelReport, FunnelRow, FunnelStep, ProviderRow, percent};

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::reports::period::Days;

/// Records that the creation reached `step` at `at` (the first time only).
/// Inside the caller's transaction, so the step is kept exactly when what
/// it stands for is.
pub async fn reached<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    creation_id: &str,
    step: FunnelStep,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO funnel_events (creation_id, step, visitor, at) \
         SELECT id, $2, visitor, $3 FROM creations WHERE id = $1 \
         ON CONFLICT (creation_id, step) DO NOTHING",
    )
    .bind(creation_id)
    .bind(step.as_str())
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// [`reached`] now, for a step that is only looked at (a page opened): a
/// database that cannot take the row costs the report one row, never the
/// customer their page.
pub async fn seen(db: &Db, creation_id: &str, step: FunnelStep) {
    if let Err(error) = reached(db.pool(), creation_id, step, now_ms()).await {
        tracing::warn!(%error, creation = %creation_id, step = step.as_str(), "cannot record a funnel step");
    }
}

/// Records a step of the order's creation (orders for an uploaded model have none).
pub async fn order_reached(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    step: FunnelStep,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO funnel_events (creation_id, step, visitor, at) \
         SELECT c.id, $2, c.visitor, $3 FROM orders o JOIN creations c ON c.id = o.creation_id \
         WHERE o.id = $1 \
         ON CONFLICT (creation_id, step) DO NOTHING",
    )
    .bind(order_id)
    .bind(step.as_str())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A job of `kind` ended well: if it made a creation's model or priced its
/// keepsake, that creation reached the step, at the job's own end. Called
/// wherever a job is completed (local and remote workers), and after a
/// keepsake's quote job is named on its creation, in case the job was quicker.
pub async fn job_done(db: &Db, kind: &str, job_id: &str) {
    // The creation names the job in the column for its kind (a fixed name, never input).
    // The kinds by their stored names: a read model knows the rows it reads.
    let (column, step) = match kind {
        "mesh" | "model" => ("mesh_job_id", FunnelStep::MeshReady),
        "quote" => ("keepsake_quote_job_id", FunnelStep::ExactPrice),
        _ => return,
    };
    let recorded = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO funnel_events (creation_id, step, visitor, at) \
         SELECT c.id, $2, c.visitor, j.updated_at FROM creations c JOIN jobs j ON j.id = c.{column} \
         WHERE c.{column} = $1 AND j.status = 'done' \
         ON CONFLICT (creation_id, step) DO NOTHING"
    )))
    .bind(job_id)
    .bind(step.as_str())
    .execute(db.pool())
    .await;
    if let Err(error) = recorded {
        tracing::warn!(%error, job = %job_id, step = step.as_str(), "cannot record a funnel step");
    }
}

/// The funnel of the stories submitted on the given days (see [`Days`]).
pub async fn report(
    (db, config): (&Db, &Config),
    _staff: &crate::staff::StaffSession,
    days: &Days,
) -> sqlx::Result<FunnelReport> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT f.creation_id, f.visitor, f.step, f.at FROM funnel_events f \
         JOIN funnel_events s ON s.creation_id = f.creation_id AND s.step = 'story_submitted' \
         WHERE s.at >= $1 AND s.at < $2",
    )
    .bind(days.start_ms)
    .bind(days.end_ms)
    .fetch_all(db.pool())
    .await?;
    // A step this version does not know is not counted.
    let events: Vec<Reached> = rows
        .into_iter()
        .filter_map(|(creation, visitor, step, at)| {
            Some(Reached { creation, visitor, step: FunnelStep::parse(&step)?, at })
        })
        .collect();
    let ended: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, status, attempts FROM jobs \
         WHERE status IN ('done', 'failed') AND updated_at >= $1 AND updated_at < $2",
    )
    .bind(days.start_ms)
    .bind(days.end_ms)
    .fetch_all(db.pool())
    .await?;
    let ended: Vec<(String, bool, i64)> =
        ended.into_iter().map(|(kind, status, attempts)| (kind, status == "done", attempts)).collect();
    Ok(FunnelReport {
        from: days.from.to_string(),
        to: days.to.to_string(),
        time_zone: config.lab_time_zone.clone(),
        steps: steps(&events),
        providers: providers(&ended),
    })
}

/// One row of `funnel_events`.
#[derive(Clone, Debug)]
pub struct Reached {
    pub creation: String,
    pub visitor: String,
    pub step: FunnelStep,
    pub at: i64,
}

/// Each step's count, visitors, drop-off and median time since the story,
/// over the creations whose story is among `events`. A step is counted for
/// every creation that reached it, whether or not the step before was
/// recorded (a customer may open a saved link straight to the studio).
pub fn steps(events: &[Reached]) -> Vec<FunnelRow> {
    let started: HashMap<&str, i64> = events
        .iter()
        .filter(|event| event.step == FunnelStep::StorySubmitted)
        .map(|event| (event.creation.as_str(), event.at))
        .collect();
    let total = started.len() as u64;
    let mut previous: Option<u64> = None;
    FunnelStep::ALL
        .into_iter()
        .map(|step| {
            let here: Vec<&Reached> = events
                .iter()
                .filter(|event| event.step == step && started.contains_key(event.creation.as_str()))
                .collect();
            let creations = here.len() as u64;
            let visitors =
                here.iter().map(|event| event.visitor.as_str()).collect::<HashSet<_>>().len() as u64;
            let waits: Vec<f64> = here
                .iter()
                .map(|event| (event.at - started[event.creation.as_str()]).max(0) as f64 / 1000.0)
                .collect();
            let dropped = previous.map_or(0, |before| before.saturating_sub(creations));
            let row = FunnelRow {
                step,
                creations,
                visitors,
                of_start_pct: percent(creations, total),
                dropped,
                dropped_pct: previous.map_or(0.0, |before| percent(dropped, before)),
                median_s: median(waits),
            };
            previous = Some(creations);
            row
        })
        .collect()
}

/// Which provider a job kind waits on, as the report names it.
fn provider(kind: &str) -> Option<&'static str> {
    match kind {
        "concept" => Some("image"),
        "mesh" | "model" => Some("mesh"),
        "quote" => Some("slicing"),
        _ => None,
    }
}

/// Jobs that ended (`kind`, whether done, attempts) by provider.
pub fn providers(ended: &[(String, bool, i64)]) -> Vec<ProviderRow> {
    ["image", "mesh", "slicing"]
        .into_iter()
        .map(|name| {
            let mine = || ended.iter().filter(move |(kind, _, _)| provider(kind) == Some(name));
            let done = mine().filter(|(_, done, _)| *done).count() as u64;
            let failed = mine().filter(|(_, done, _)| !*done).count() as u64;
            let retries = mine().map(|(_, _, attempts)| (attempts - 1).max(0) as u64).sum();
            ProviderRow {
                provider: name.to_string(),
                done,
                failed,
                failed_pct: percent(failed, done + failed),
                retries,
            }
        })
        .collect()
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(match values.len() % 2 {
        1 => values[middle],
        _ => (values[middle - 1] + values[middle]) / 2.0,
    })
}

#[cfg(test)]
mod tests {
    use app::report::FunnelStep::{self, *};

    use super::{Reached, median, providers, steps};

    fn at(creation: &str, visitor: &str, step: FunnelStep, seconds: i64) -> Reached {
        Reached { creation: creation.into(), visitor: visitor.into(), step, at: 1_000_000 + seconds * 1000 }
    }

    #[test]
    fn medians_of_odd_even_and_no_values() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5.0]), Some(5.0));
        assert_eq!(median(vec![9.0, 1.0, 4.0]), Some(4.0));
        assert_eq!(median(vec![10.0, 2.0, 4.0, 8.0]), Some(6.0));
    }

    #[test]
    fn each_step_counts_drop_off_and_time_since_the_story() {
        let events = vec![
            // a: all the way to paid, in one visit.
            at("a", "v1", StorySubmitted, 0),
            at("a", "v1", ConceptsShown, 10),
            at("a", "v1", ConceptPicked, 60),
            at("a", "v1", MeshReady, 120),
            at("a", "v1", StudioOpened, 130),
            at("a", "v1", ExactPrice, 200),
            at("a", "v1", CheckoutStarted, 300),
            at("a", "v1", Paid, 400),
            // b (same visitor): stops after picking.
            at("b", "v1", StorySubmitted, 1000),
            at("b", "v1", ConceptsShown, 1020),
            at("b", "v1", ConceptPicked, 1100),
            // c: designs shown, left.
            at("c", "v2", StorySubmitted, 0),
            at("c", "v2", ConceptsShown, 30),
            // d: never saw the designs.
            at("d", "v3", StorySubmitted, 0),
            // e: a later step of a story outside the period: not counted.
            at("e", "v4", ConceptsShown, 5),
        ];
        let rows = steps(&events);
        let counts: Vec<u64> = rows.iter().map(|row| row.creations).collect();
        assert_eq!(counts, [4, 3, 2, 1, 1, 1, 1, 1]);
        assert_eq!(rows[0].visitors, 3);
        assert_eq!(rows[1].visitors, 2);
        assert_eq!(rows[0].of_start_pct, 100.0);
        assert_eq!(rows[1].of_start_pct, 75.0);
        assert_eq!((rows[1].dropped, rows[1].dropped_pct), (1, 25.0));
        assert_eq!((rows[3].dropped, rows[3].dropped_pct), (1, 50.0));
        assert_eq!((rows[0].dropped, rows[7].dropped), (0, 0));
        assert_eq!(rows[7].of_start_pct, 25.0);
        // Seconds since the story: shown after 10, 20 and 30 s; picked after 60 and 100 s.
        assert_eq!(rows[0].median_s, Some(0.0));
        assert_eq!(rows[1].median_s, Some(20.0));
        assert_eq!(rows[2].median_s, Some(80.0));
        assert_eq!(rows[7].median_s, Some(400.0));
    }

    #[test]
    fn no_stories_no_division_by_zero() {
        let rows = steps(&[]);
        assert!(
            rows.iter().all(|row| row.creations == 0 && row.of_start_pct == 0.0 && row.median_s.is_none())
        );
    }

    #[test]
    fn provider_failure_rates_by_job_kind() {
        let ended: Vec<(String, bool, i64)> = [
            ("concept", true, 1),
            ("concept", true, 2),
            ("concept", false, 3),
            ("concept", true, 1),
            ("mesh", true, 1),
            ("model", false, 3),
            ("quote", true, 1),
            ("outside_order", false, 5),
        ]
        .into_iter()
        .map(|(kind, done, attempts)| (kind.to_string(), done, attempts))
        .collect();
        let rows = providers(&ended);
        let image = &rows[0];
        assert_eq!((image.provider.as_str(), image.done, image.failed, image.retries), ("image", 3, 1, 3));
        assert_eq!(image.failed_pct, 25.0);
        assert_eq!((rows[1].done, rows[1].failed, rows[1].failed_pct), (1, 1, 50.0));
        assert_eq!((rows[2].done, rows[2].failed, rows[2].failed_pct), (1, 0, 0.0));
    }
}
