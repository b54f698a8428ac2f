//! Storing and finding creations.

use app::creation::{Creation, CreationKind, MyCreation, Started};
use app::story::Story;

use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::platform::tokens::new_id;
use crate::platform::visitors::VisitorId;

/// Stores the story as a new creation owned by the visitor; returns its id.
pub async fn create(
    db: &Db,
    visitor: &VisitorId,
    story: &Story,
    kind: CreationKind,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let mut tx = db.begin_write().await?;
    insert(&mut tx, &id, visitor, story, kind).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts the creation `id` (and its visitor, if new) within `tx`: the
/// visitor row and the creation exist together or not at all, and with
/// whatever else the caller adds to the transaction.
pub(crate) async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    visitor: &VisitorId,
    story: &Story,
    kind: CreationKind,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let hobbies = serde_json::to_string(&story.hobbies).expect("a list of strings serialises");
    sqlx::query(
        "INSERT INTO visitors (token_hash, created_at, last_seen_at) VALUES ($1, $2, $2) \
         ON CONFLICT (token_hash) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )
    .bind(&visitor.0)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO creations (id, visitor, hobbies, facts, created_at, kind) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&visitor.0)
    .bind(&hobbies)
    .bind(&story.facts)
    .bind(now)
    .bind(kind.name())
    .execute(&mut **tx)
    .await?;
    // The funnel follows stories; descriptions and uploads skip its first steps.
    if kind == CreationKind::Story {
        crate::reports::funnel::reached(&mut **tx, id, app::report::FunnelStep::StorySubmitted, now).await?;
    }
    Ok(())
}

/// Stores the story and starts it. A description goes straight to its
/// model when a text → 3D service is set up. Anything else gets its first
/// four designs queued, which start drawing while the browser is on its way
/// to them; if queuing fails, the designs page adds them when it is opened.
pub async fn create_and_start(
    cx: &crate::generation::GenerationContext,
    visitor: &VisitorId,
    story: &Story,
    kind: CreationKind,
) -> Result<Started, sqlx::Error> {
    if kind == CreationKind::Object && cx.text_models.is_some() {
        let id = new_id();
        let from = crate::generation::model3d::ModelFrom::Description(story.facts.clone());
        let job_id =
            crate::generation::model3d::create_with_model(&cx.db, &id, visitor, story, kind, from).await?;
        return Ok(Started::model(id, job_id));
    }
    let id = create(&cx.db, visitor, story, kind).await?;
    if let Err(error) = crate::generation::concepts::store::add_batch(
        (&cx.db, &cx.config),
        cx.writer.as_ref(),
        &id,
        story,
        kind,
    )
    .await
    {
        tracing::warn!(%error, creation = %id, "cannot queue the first concepts yet");
    }
    Ok(Started::designs(id))
}

/// The creation if it exists and belongs to the visitor.
pub async fn find(db: &Db, visitor: &VisitorId, id: &str) -> Result<Option<Creation>, sqlx::Error> {
    if !is_well_formed_id(id) {
        return Ok(None);
    }
    let row: Option<(String, String, String, i64, String)> = sqlx::query_as(
        "SELECT id, hobbies, facts, created_at, kind FROM creations WHERE id = $1 AND visitor = $2",
    )
    .bind(id)
    .bind(&visitor.0)
    .fetch_optional(db.pool())
    .await?;
    let Some((id, hobbies, facts, created_at_ms, kind)) = row else { return Ok(None) };
    let hobbies = serde_json::from_str(&hobbies).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(Some(Creation {
        id,
        story: Story { hobbies, facts },
        created_at_ms,
        kind: CreationKind::from_name(&kind),
    }))
}

fn is_well_formed_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A creation as the visitor's list reads it: its design and model so far.
#[derive(sqlx::FromRow)]
struct MyCreationRow {
    id: String,
    hobbies: String,
    selected_idx: Option<i64>,
    mesh_job_id: Option<String>,
    first_ready: Option<i64>,
}

/// The visitor's creations, newest first, with what each has come to.
pub async fn list_for(db: &Db, visitor: &VisitorId) -> Result<Vec<MyCreation>, sqlx::Error> {
    let rows = sqlx::query_as::<_, MyCreationRow>(
        "SELECT c.id, c.hobbies, c.selected_idx, c.mesh_job_id, \
         (SELECT MIN(k.idx) FROM concepts k WHERE k.creation_id = c.id AND k.status = 'ready') AS first_ready \
         FROM creations c WHERE c.visitor = $1 ORDER BY c.created_at DESC, c.id LIMIT 200",
    )
    .bind(&visitor.0)
    .fetch_all(db.pool())
    .await?;
    // Where each model job stands, from the jobs' room (one read for the list).
    let jobs: Vec<&str> = rows.iter().filter_map(|row| row.mesh_job_id.as_deref()).collect();
    let states: std::collections::HashMap<String, String> =
        crate::jobs::queue::states_of(db, &jobs).await?.into_iter().map(|job| (job.id, job.status)).collect();
    rows.into_iter()
        .map(|MyCreationRow { id, hobbies, selected_idx: selected, mesh_job_id, first_ready }| {
            let mesh_status = mesh_job_id.and_then(|job| states.get(&job).cloned());
            let hobbies = serde_json::from_str(&hobbies).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            let making = |status: Option<&str>| {
                if status == Some("failed") { "The model could not be made" } else { "Model being made" }
            };
            let (picture_url, link, stage) = match (selected, mesh_status.as_deref()) {
                (_, Some("done")) => (
                    Some(format!("/media/models/{id}/thumbnail.png")),
                    format!("/create/{id}/model"),
                    "Model ready",
                ),
                (Some(index), status) => (
                    Some(crate::generation::concepts::store::image_url(&id, index as u32)),
                    format!("/create/{id}/model"),
                    making(status),
                ),
                // Described to a text → 3D service, or uploaded: no design to show.
                (None, Some(status)) => (None, format!("/create/{id}/model"), making(Some(status))),
                (None, None) => (
                    first_ready.map(|index| crate::generation::concepts::store::image_url(&id, index as u32)),
                    format!("/create/{id}/concepts"),
                    "Choosing a design",
                ),
            };
            Ok(MyCreation { id, hobbies, picture_url, link, stage: stage.to_string() })
        })
        .collect()
}

/// Saves the studio's settings for creation `id` (the keepsake spec, as
/// JSON) and the quote job pricing them. The shop's studio keeps them on the
/// creation's row; `creations` is written from this room alone.
/// What the studio saved on a creation: its keepsake settings (JSON) and
/// the quote job asked for them, with whose creation it is.
#[derive(sqlx::FromRow)]
pub struct SavedKeepsake {
    pub visitor: String,
    pub keepsake: Option<String>,
    pub keepsake_quote_job_id: Option<String>,
}

/// The studio's settings saved on the creation `id`, if there is one.
pub async fn saved_keepsake(db: &Db, id: &str) -> sqlx::Result<Option<SavedKeepsake>> {
    sqlx::query_as("SELECT visitor, keepsake, keepsake_quote_job_id FROM creations WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// Every creation's id (the orphan sweep keeps their files).
pub async fn all_ids(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT id FROM creations").fetch_all(db.pool()).await
}

pub async fn save_keepsake(db: &Db, id: &str, spec_json: &str, quote_job_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE creations SET keepsake = $1, keepsake_quote_job_id = $2 WHERE id = $3")
        .bind(spec_json)
        .bind(quote_job_id)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}
