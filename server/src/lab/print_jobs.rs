//! The print lab's queue on the server. For now: shop orders joining it,
//! in the same transaction that makes them payable-or-paid, with the first
//! entry of the job's append-only event log.

use app::order::OrderView;
use app::print_job::PrintJobStatus;
use app::staff::{
    FileLink, OnPrinter, PrintJobCard, PrintJobPage, PrinterChoice, Queue, QueueTab, StudentDetails,
};
use sqlx::Row;

use crate::lab::folders::{self, THUMBNAIL};
use crate::printers::eta::{QueuePlan, queue_plan};
use crate::state::AppState;

/// Queues a shop order as a print job (ReadyToPrint, source `shop`), once:
/// a second call for the same order changes nothing. Returns whether it was queued now.
pub async fn queue_shop_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: &OrderView,
    file_key: &str,
    how_paid: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let id = crate::platform::tokens::new_id();
    let quantity = f64::from(order.amounts.quantity);
    let queued = sqlx::query(
        "INSERT INTO print_jobs (id, source, order_id, status, name, email, method, color, notes, file_key, \
         quantity, weight_g, print_hours, price_cents, currency, created_at, updated_at) \
         VALUES ($1, 'shop', $2, $3, $4, $5, 'filament', '', $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         ON CONFLICT (order_id) WHERE replaces_job IS NULL DO NOTHING",
    )
    .bind(&id)
    .bind(&order.id)
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .bind(&order.name)
    .bind(&order.email)
    .bind(format!("Shop order: {} × {}", order.amounts.quantity, order.title))
    .bind(file_key)
    .bind(i64::from(order.amounts.quantity))
    .bind((order.model_g + order.support_g) * quantity)
    .bind(order.print_time_s as f64 * quantity / 3600.0)
    .bind(order.amounts.total_cents as i64)
    .bind(&order.amounts.currency)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if queued == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, 'system', 'shop_order', NULL, $3, $4)",
    )
    .bind(&id)
    .bind(now)
    .bind(PrintJobStatus::ReadyToPrint.as_str())
    .bind(format!("Order {} ({how_paid}) joined the queue.", order.id))
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Moves the print job of a shop order to `to`, if that step is legal from
/// where it is (otherwise nothing changes), with its event. Whether it moved.
pub async fn advance_order_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order_id: &str,
    to: PrintJobStatus,
    (actor, kind, details): (&str, &str, &str),
    now: i64,
) -> sqlx::Result<bool> {
    // The order's newest job: a reprint, when its first print failed.
    let Some(row) = sqlx::query(
        "SELECT id, status FROM print_jobs WHERE order_id = $1 ORDER BY created_at DESC, id LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    let id: String = row.try_get("id")?;
    let from = PrintJobStatus::parse(&row.try_get::<String, _>("status")?);
    if !from.is_some_and(|from| from.can_become(to)) {
        return Ok(false);
    }
    let from = from.map(PrintJobStatus::as_str);
    sqlx::query("UPDATE print_jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(now)
        .bind(&id)
        .bind(from)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO print_job_events (job_id, at, actor, kind, from_status, to_status, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(from)
    .bind(to.as_str())
    .bind(details)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The columns [`card`] reads.
const CARD_COLUMNS: &str = "id, source, order_id, status, name, email, method, color, notes, quantity, weight_g, \
     print_hours, price_cents, currency, reviewed_at, created_at, folder";

fn card(state: &AppState, row: &sqlx::any::AnyRow) -> sqlx::Result<PrintJobCard> {
    let order_id: Option<String> = row.try_get("order_id")?;
    let reviewed: Option<i64> = row.try_get("reviewed_at")?;
    Ok(PrintJobCard {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        thumbnail_url: match (&order_id, row.try_get::<Option<String>, _>("folder")?) {
            (Some(order), _) => Some(crate::shop::order_links::file_link(state, order, "thumbnail.png", 1)),
            (None, Some(_)) => Some(crate::lab::submissions::file_link(
                state,
                &row.try_get::<String, _>("id")?,
                THUMBNAIL,
                1,
            )),
            (None, None) => None,
        },
        order_id,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        method: row.try_get("method")?,
        color: row.try_get("color")?,
        notes: row.try_get("notes")?,
        quantity: row.try_get("quantity")?,
        weight_g: row.try_get("weight_g")?,
        print_hours: row.try_get("print_hours")?,
        price_cents: row.try_get("price_cents")?,
        currency: row.try_get("currency")?,
        new: reviewed.is_none(),
        queued: crate::platform::time::lab_time(row.try_get("created_at")?, state.config.lab_zone()),
        created_at_ms: row.try_get("created_at")?,
        place: None,
        eta: None,
    })
}

/// Puts the waiting cards' places and times from the queue's plan.
fn plan_cards(state: &AppState, plan: &QueuePlan, cards: &mut [PrintJobCard]) {
    for card in cards {
        if let Some((place, eta)) = plan.of(&card.id) {
            let printer = eta.printer_id.as_deref().and_then(|id| plan.printer_name(id));
            card.place = Some(place);
            card.eta = Some(crate::printers::eta::in_words(state, eta, printer));
        }
    }
}

/// A job's page: its card, status and event log; `None` for an unknown id.
pub async fn job_page(
    state: &AppState,
    _staff: &crate::staff::StaffSession,
    id: &str,
) -> sqlx::Result<Option<PrintJobPage>> {
    let db = state.db.pool();
    let Some(row) =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CARD_COLUMNS} FROM print_jobs WHERE id = $1")))
            .bind(id)
            .fetch_optional(db)
            .await?
    else {
        return Ok(None);
    };
    let status = PrintJobStatus::parse(&row.try_get::<String, _>("status")?)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    let events = crate::lab::submissions::events(state, id).await?;
    let printing = printing(state, id, status).await?;
    let files = sqlx::query(
        "SELECT file_key, folder, filed_status, status, file_name, sliced_ext, discipline, class_number, printer \
         FROM print_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let folder: Option<String> = files.try_get("folder")?;
    let Some(folder) = folder else {
        // A shop order: its file stays with the order.
        let slicer_link =
            crate::lab::open_in_slicer::job_link(state, id, &files.try_get::<String, _>("file_key")?);
        let mut card = card(state, &row)?;
        if status == PrintJobStatus::ReadyToPrint {
            plan_cards(state, &queue_plan(state).await?, std::slice::from_mut(&mut card));
        }
        return Ok(Some(PrintJobPage {
            card,
            status,
            events,
            slicer_link,
            student: None,
            files: vec![],
            on_printer: printing.on_printer,
            printers: printing.printers,
            replaces: printing.replaces,
            replaced_by: printing.replaced_by,
            outside: None,
        }));
    };
    let file_name: String = files.try_get("file_name")?;
    let filed: String =
        files.try_get::<Option<String>, _>("filed_status")?.unwrap_or(files.try_get("status")?);
    let sliced_ext: Option<String> = files.try_get("sliced_ext")?;
    // Staff print the sliced file once there is one, else open the model to
    // slice it: the bare mesh we wrote, never the student's own file.
    let to_open = match &sliced_ext {
        Some(sliced) => folders::sliced_file(&folder, sliced),
        None => folders::slicer_model_file(&folder),
    };
    let slicer_link =
        crate::lab::open_in_slicer::job_link(state, id, &folders::key(&filed, &folder, &to_open));
    let mut links = vec![FileLink {
        label: format!("Model as sent ({file_name})"),
        url: crate::lab::submissions::file_link(state, id, "model", 1),
    }];
    if let Some(sliced) = &sliced_ext {
        links.push(FileLink {
            label: format!("Sliced file (.{sliced})"),
            url: crate::lab::submissions::file_link(state, id, "sliced", 1),
        });
    }
    let student = StudentDetails {
        discipline: files.try_get("discipline")?,
        class_number: files.try_get("class_number")?,
        printer: files.try_get("printer")?,
        file_name,
        folder: format!("{}/{filed}/{folder}", folders::ROOT),
    };
    let mut card = card(state, &row)?;
    if status == PrintJobStatus::ReadyToPrint {
        plan_cards(state, &queue_plan(state).await?, std::slice::from_mut(&mut card));
    }
    Ok(Some(PrintJobPage {
        card,
        status,
        events,
        slicer_link,
        student: Some(student),
        files: links,
        on_printer: printing.on_printer,
        printers: printing.printers,
        replaces: printing.replaces,
        replaced_by: printing.replaced_by,
        // Filled in by the shop's side (shop::fulfilment::choice) for an order's job.
        outside: None,
    }))
}

/// A job's printer side: where it prints (and how far), where it could,
/// and the reprints it is part of.
pub struct Printing {
    pub on_printer: Option<OnPrinter>,
    pub printers: Vec<PrinterChoice>,
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
}

pub async fn printing(state: &AppState, id: &str, status: PrintJobStatus) -> sqlx::Result<Printing> {
    let db = state.db.pool();
    let row = sqlx::query(
        "SELECT p.name AS printer, j.progress_pct, j.time_left_s, j.replaces_job, \
         (SELECT r.id FROM print_jobs r WHERE r.replaces_job = j.id) AS replaced_by \
         FROM print_jobs j LEFT JOIN printers p ON p.id = j.printer_id WHERE j.id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let on_printer = row.try_get::<Option<String>, _>("printer")?.map(|printer| -> sqlx::Result<OnPrinter> {
        Ok(OnPrinter {
            printer,
            progress_pct: row.try_get("progress_pct")?,
            time_left_s: row.try_get("time_left_s")?,
        })
    });
    let printers = match status {
        PrintJobStatus::ReadyToPrint => crate::printers::sending::choices(state, id).await?,
        _ => vec![],
    };
    Ok(Printing {
        on_printer: on_printer.transpose()?,
        printers,
        replaces: row.try_get("replaces_job")?,
        replaced_by: row.try_get("replaced_by")?,
    })
}

/// Most cards one tab shows (in the queue's order: first come, unless staff moved one up).
const MAX_CARDS: i64 = 300;

/// The dashboard: totals per status, and the jobs of `status` (or of the first status with jobs).
pub async fn queue(
    state: &AppState,
    staff: &crate::staff::StaffSession,
    status: Option<PrintJobStatus>,
) -> sqlx::Result<Queue> {
    let db = state.db.pool();
    let totals = sqlx::query(
        "SELECT status, COUNT(*) AS jobs, COALESCE(SUM(weight_g), 0.0) AS grams, \
         COALESCE(SUM(print_hours), 0.0) AS hours FROM print_jobs GROUP BY status",
    )
    .fetch_all(db)
    .await?;
    let mut tabs: Vec<QueueTab> = PrintJobStatus::ALL
        .into_iter()
        .map(|status| QueueTab { status, jobs: 0, grams: 0.0, hours: 0.0 })
        .collect();
    for row in totals {
        if let Some(tab) = PrintJobStatus::parse(&row.try_get::<String, _>("status")?)
            .and_then(|status| tabs.iter_mut().find(|tab| tab.status == status))
        {
            tab.jobs = row.try_get("jobs")?;
            tab.grams = row.try_get("grams")?;
            tab.hours = row.try_get("hours")?;
        }
    }
    let showing = status
        .or_else(|| tabs.iter().find(|tab| tab.jobs > 0).map(|tab| tab.status))
        .unwrap_or(PrintJobStatus::Uploaded);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM print_jobs WHERE status = $1 ORDER BY COALESCE(queue_at, created_at), id LIMIT $2"
    )))
    .bind(showing.as_str())
    .bind(MAX_CARDS)
    .fetch_all(db)
    .await?;
    let mut jobs = rows.iter().map(|row| card(state, row)).collect::<sqlx::Result<Vec<_>>>()?;
    // One plan (and one read of the printers) for the cards and the printer strip.
    let plan = queue_plan(state).await?;
    if showing == PrintJobStatus::ReadyToPrint {
        plan_cards(state, &plan, &mut jobs);
    }
    let read_at = crate::platform::time::lab_clock(crate::platform::time::now_ms(), state.config.lab_zone());
    let printers = crate::printers::pages::cards(state, staff, &plan).await?;
    Ok(Queue { read_at, tabs, showing, jobs, printers })
}
