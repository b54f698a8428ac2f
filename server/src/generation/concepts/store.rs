//! Concept rows: a batch is four rows and four `concept` jobs, written in
//! one transaction; each job draws its concept and marks it ready or failed.

use app::concept::{Concept, ConceptStatus};
use app::error::AppError;
use app::story::Story;

use super::drawing::ConceptJob;
use super::{Brief, MAX_CONCEPTS, PER_BATCH, PromptWriter};
use crate::jobs::queue;
use crate::platform::db::Db;
use crate::platform::time::now_ms;

#[derive(thiserror::Error, Debug)]
pub enum ConceptError {
    #[error("That is every design we have for this story ({MAX_CONCEPTS}).")]
    NoMore,
    #[error("Only a design that failed can be tried again.")]
    NotFailed,
    #[error("no such concept")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ConceptError> for AppError {
    fn from(error: ConceptError) -> Self {
        match error {
            ConceptError::NoMore | ConceptError::NotFailed => {
                AppError::Conflict { field: "concept".into(), message: error.to_string() }
            }
            ConceptError::NotFound => AppError::NotFound,
            ConceptError::Database(error) => crate::platform::app_error::database(error),
        }
    }
}

/// Adds the next four concepts of the creation and queues their drawing;
/// returns their indices. Two requests at once add one batch, not two.
pub async fn add_batch(
    (db, config): (&Db, &crate::platform::config::Config),
    writer: &dyn PromptWriter,
    creation_id: &str,
    story: &Story,
    kind: app::creation::CreationKind,
) -> Result<Vec<u32>, ConceptError> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM concepts WHERE creation_id = $1")
        .bind(creation_id)
        .fetch_one(db.pool())
        .await?;
    let first = count as usize;
    if first + PER_BATCH > MAX_CONCEPTS {
        return Err(ConceptError::NoMore);
    }
    // Written before the transaction: a chat model may take seconds. Past
    // the chat service's daily ceiling the embedded composer writes them.
    let briefs = match crate::platform::spend::charge(db, config, crate::platform::spend::Paid::Prompt).await
    {
        Ok(()) => writer.briefs(story, kind, first / PER_BATCH).await,
        Err(crate::platform::spend::SpendError::CeilingReached(_)) => {
            super::writer::Composer.briefs(story, kind, first / PER_BATCH).await
        }
        Err(crate::platform::spend::SpendError::Database(error)) => return Err(error.into()),
    };
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let mut indices = Vec::new();
    for (slot, brief) in briefs.into_iter().enumerate() {
        let index = (first + slot) as u32;
        let job = ConceptJob { creation_id: creation_id.into(), index };
        let job_id = queue::push(&mut *tx, &job).await?;
        let inserted = sqlx::query(
            "INSERT INTO concepts (creation_id, idx, title, brief, status, job_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6)",
        )
        .bind(creation_id)
        .bind(i64::from(index))
        .bind(&brief.title)
        .bind(serde_json::to_string(&brief).expect("a brief serialises"))
        .bind(&job_id)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => indices.push(index),
            // Another request added this batch first: theirs stands.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                tx.rollback().await?;
                return Ok(Vec::new());
            }
            Err(error) => return Err(error.into()),
        }
    }
    tx.commit().await?;
    queue::wake_workers();
    Ok(indices)
}

/// The creation's concepts in order. A concept whose job gave up (its
/// worker kept vanishing) counts as failed, with the job's reason.
pub async fn list(db: &Db, creation_id: &str) -> Result<Vec<Concept>, ConceptError> {
    read(db, creation_id, None).await
}

/// One of the creation's concepts, if it has that one.
pub async fn find(db: &Db, creation_id: &str, index: u32) -> Result<Option<Concept>, ConceptError> {
    Ok(read(db, creation_id, Some(index)).await?.pop())
}

/// A concept row, as [`read`] reads it.
#[derive(sqlx::FromRow)]
struct ConceptRow {
    idx: i64,
    title: String,
    status: String,
    error: Option<String>,
    job_id: Option<String>,
    brief: String,
}

/// What a stored brief says is on the design (a brief that does not read,
/// or an older one without a field, shows nothing there).
#[derive(serde::Deserialize, Default)]
struct OnIt {
    #[serde(default)]
    motif: String,
    #[serde(default)]
    caption: String,
}

async fn read(db: &Db, creation_id: &str, index: Option<u32>) -> Result<Vec<Concept>, ConceptError> {
    let one = if index.is_some() { "AND idx = $2 " } else { "" };
    let sql = format!(
        "SELECT idx, title, status, error, job_id, brief FROM concepts WHERE creation_id = $1 {one}ORDER BY idx"
    );
    let mut query = sqlx::query_as::<_, ConceptRow>(sqlx::AssertSqlSafe(sql)).bind(creation_id);
    if let Some(index) = index {
        query = query.bind(i64::from(index));
    }
    let rows = query.fetch_all(db.pool()).await?;
    // A drawing still pending whose job gave up for good failed with it.
    let pending: Vec<&str> = rows
        .iter()
        .filter(|row| row.status != "ready" && row.status != "failed")
        .filter_map(|row| row.job_id.as_deref())
        .collect();
    let gave_up: std::collections::HashMap<String, Option<String>> =
        crate::jobs::queue::states_of(db, &pending)
            .await?
            .into_iter()
            .filter(|job| job.status == "failed")
            .map(|job| (job.id, job.error))
            .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let index = row.idx as u32;
            let job_failed = row.job_id.as_ref().and_then(|job| gave_up.get(job));
            let (status, error) = match (row.status.as_str(), job_failed) {
                ("ready", _) => (ConceptStatus::Ready, None),
                ("failed", _) => (ConceptStatus::Failed, row.error),
                (_, Some(reason)) => (
                    ConceptStatus::Failed,
                    Some(reason.clone().unwrap_or_else(|| "The drawing stopped.".into())),
                ),
                _ => (ConceptStatus::Pending, None),
            };
            let image_url = (status == ConceptStatus::Ready).then(|| image_url(creation_id, index));
            let on_it: OnIt = serde_json::from_str(&row.brief).unwrap_or_default();
            Concept {
                index,
                title: row.title,
                status,
                image_url,
                error,
                motif: on_it.motif,
                words: on_it.caption,
            }
        })
        .collect())
}

/// Where the browser finds a concept's picture.
pub fn image_url(creation_id: &str, index: u32) -> String {
    format!("/media/concepts/{creation_id}/{index}.png")
}

/// Where storage keeps it.
pub fn image_key(creation_id: &str, index: u32) -> String {
    format!("concepts/{creation_id}/{index}.png")
}

pub async fn brief(db: &Db, creation_id: &str, index: u32) -> Result<Brief, ConceptError> {
    let brief: String = sqlx::query_scalar("SELECT brief FROM concepts WHERE creation_id = $1 AND idx = $2")
        .bind(creation_id)
        .bind(i64::from(index))
        .fetch_optional(db.pool())
        .await?
        .ok_or(ConceptError::NotFound)?;
    serde_json::from_str(&brief).map_err(|e| ConceptError::Database(sqlx::Error::Decode(Box::new(e))))
}

/// Records how the drawing went: the picture's storage key, or why not.
pub async fn finish(
    db: &Db,
    creation_id: &str,
    index: u32,
    outcome: Result<String, String>,
) -> Result<(), ConceptError> {
    let (status, key, error) = match outcome {
        Ok(key) => ("ready", Some(key), None),
        Err(reason) => ("failed", None, Some(reason)),
    };
    sqlx::query(
        "UPDATE concepts SET status = $1, image_key = $2, error = $3, updated_at = $4 \
         WHERE creation_id = $5 AND idx = $6",
    )
    .bind(status)
    .bind(key)
    .bind(error)
    .bind(now_ms())
    .bind(creation_id)
    .bind(i64::from(index))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Draws a failed concept again with a new job.
pub async fn retry(db: &Db, creation_id: &str, index: u32) -> Result<(), ConceptError> {
    let concept = find(db, creation_id, index).await?.ok_or(ConceptError::NotFound)?;
    if concept.status != ConceptStatus::Failed {
        return Err(ConceptError::NotFailed);
    }
    let job = ConceptJob { creation_id: creation_id.into(), index };
    let mut tx = db.begin_write().await?;
    let job_id = queue::push(&mut *tx, &job).await?;
    sqlx::query(
        "UPDATE concepts SET status = 'pending', error = NULL, job_id = $1, updated_at = $2 \
         WHERE creation_id = $3 AND idx = $4",
    )
    .bind(&job_id)
    .bind(now_ms())
    .bind(creation_id)
    .bind(i64::from(index))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    queue::wake_workers();
    Ok(())
}
