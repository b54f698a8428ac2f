//! The print lab's queue on the server. For now: shop orders joining it,
//! in the same transaction that makes them payable-or-paid, with the first
//! entry of the job's append-only event log.

use app::order::OrderView;
use app::print_job::PrintJobStatus;
use app::staff::{
    FileLink, OnPrinter, PrintJobCard, PrintJobPage, Queue, QueueColumn, QueueTab, StudentDetails,
};

use crate::lab::LabContext;
use crate::lab::folders::{self, THUMBNAIL};

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
    let details = format!("Order {} ({how_paid}) joined the queue.", order.id);
    crate::lab::events::add_event(
        tx,
        &id,
        now,
        ("system", "shop_order"),
        (None, PrintJobStatus::ReadyToPrint),
        &details,
    )
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
    let Some((id, status)) = sqlx::query_as::<_, (String, String)>(
        "SELECT id, status FROM print_jobs WHERE order_id = $1 ORDER BY created_at DESC, id LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    let from = PrintJobStatus::parse(&status);
    if !from.is_some_and(|from| from.can_become(to)) {
        return Ok(false);
    }
    sqlx::query("UPDATE print_jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
        .bind(to.as_str())
        .bind(now)
        .bind(&id)
        .bind(from.map(PrintJobStatus::as_str))
        .execute(&mut **tx)
        .await?;
    crate::lab::events::add_event(tx, &id, now, (actor, kind), (from, to), details).await?;
    Ok(true)
}

/// The columns a [`CardRow`] reads.
const CARD_COLUMNS: &str = "id, source, order_id, status, name, email, method, color, notes, quantity, weight_g, \
     print_hours, price_cents, currency, reviewed_at, created_at, folder";

/// A `print_jobs` row as a card shows it ([`CARD_COLUMNS`]).
#[derive(sqlx::FromRow)]
struct CardRow {
    id: String,
    source: String,
    order_id: Option<String>,
    status: String,
    name: String,
    email: String,
    method: String,
    color: String,
    notes: String,
    quantity: i64,
    weight_g: Option<f64>,
    print_hours: Option<f64>,
    price_cents: Option<i64>,
    currency: Option<String>,
    reviewed_at: Option<i64>,
    created_at: i64,
    folder: Option<String>,
}

fn card(cx: &LabContext, row: CardRow) -> PrintJobCard {
    // A shop order's picture stays with the order: `printers::board` links it.
    let thumbnail_url = match (&row.order_id, &row.folder) {
        (None, Some(_)) => Some(crate::lab::student_links::file_link(cx, &row.id, THUMBNAIL, 1)),
        _ => None,
    };
    PrintJobCard {
        thumbnail_url,
        id: row.id,
        source: row.source,
        order_id: row.order_id,
        name: row.name,
        email: row.email,
        method: row.method,
        color: row.color,
        notes: row.notes,
        copies: u32::try_from(row.quantity).unwrap_or(1),
        weight_g: row.weight_g,
        print_hours: row.print_hours,
        price_cents: row.price_cents,
        currency: row.currency,
        new: row.reviewed_at.is_none(),
        queued: crate::platform::time::lab_time(row.created_at, cx.config.lab_zone()),
        created_at_ms: row.created_at,
        place: None,
        eta: None,
    }
}

/// Where a job's files are (a student's folder; a shop order's file key).
#[derive(sqlx::FromRow)]
struct FilesRow {
    file_key: String,
    folder: Option<String>,
    filed_status: Option<String>,
    status: String,
    file_name: String,
    sliced_ext: Option<String>,
    discipline: String,
    class_number: String,
    printer: String,
}

/// A job's page: its card, status and event log; `None` for an unknown id.
pub async fn job_page(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    id: &str,
) -> sqlx::Result<Option<PrintJobPage>> {
    let db = cx.db.pool();
    let Some(row) = sqlx::query_as::<_, CardRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM print_jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let status = PrintJobStatus::parse(&row.status)
        .ok_or_else(|| sqlx::Error::Decode("unknown print job status".into()))?;
    let events = crate::lab::events::events(&cx.db, cx.config.lab_zone(), id).await?;
    let printing = printing(cx, id).await?;
    let snapshot_url = crate::lab::snapshots::snapshot_of(cx.db.pool(), id)
        .await?
        .map(|_| crate::lab::student_links::file_link(cx, id, "snapshot", 1));
    let files = sqlx::query_as::<_, FilesRow>(
        "SELECT file_key, folder, filed_status, status, file_name, sliced_ext, discipline, class_number, printer \
         FROM print_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let Some(folder) = files.folder else {
        // A shop order: its file stays with the order.
        let slicer_link = crate::lab::open_in_slicer::job_link(cx, id, &files.file_key);
        let card = card(cx, row);
        return Ok(Some(PrintJobPage {
            card,
            status,
            events,
            slicer_link,
            student: None,
            files: vec![],
            on_printer: printing.on_printer,
            // Where it can print: `printers::board`.
            printers: vec![],
            replaces: printing.replaces,
            replaced_by: printing.replaced_by,
            outside: None,
            snapshot_url,
        }));
    };
    let file_name = files.file_name;
    let filed = files.filed_status.unwrap_or(files.status);
    let sliced_ext = files.sliced_ext;
    // Staff print the sliced file once there is one, else open the model to
    // slice it: the bare mesh we wrote, never the student's own file.
    let to_open = match &sliced_ext {
        Some(sliced) => folders::sliced_file(&folder, sliced),
        None => folders::slicer_model_file(&folder),
    };
    let slicer_link = crate::lab::open_in_slicer::job_link(cx, id, &folders::key(&filed, &folder, &to_open));
    let mut links = vec![FileLink {
        label: format!("Model as sent ({file_name})"),
        url: crate::lab::student_links::file_link(cx, id, "model", 1),
    }];
    if let Some(sliced) = &sliced_ext {
        links.push(FileLink {
            label: format!("Sliced file (.{sliced})"),
            url: crate::lab::student_links::file_link(cx, id, "sliced", 1),
        });
    }
    let student = StudentDetails {
        discipline: files.discipline,
        class_number: files.class_number,
        printer: files.printer,
        file_name,
        folder: format!("{}/{filed}/{folder}", folders::ROOT),
    };
    let card = card(cx, row);
    Ok(Some(PrintJobPage {
        card,
        status,
        events,
        slicer_link,
        student: Some(student),
        files: links,
        on_printer: printing.on_printer,
        // Where it can print: `printers::board`.
        printers: vec![],
        replaces: printing.replaces,
        replaced_by: printing.replaced_by,
        // Filled in by the shop's side (shop::fulfilment::choice) for an order's job.
        outside: None,
        snapshot_url,
    }))
}

/// A job's printer side: where it prints (and how far), where it could,
/// and the reprints it is part of.
pub struct Printing {
    pub on_printer: Option<OnPrinter>,
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
}

pub async fn printing(cx: &LabContext, id: &str) -> sqlx::Result<Printing> {
    let row: PrintingRow = sqlx::query_as(
        "SELECT j.printer_name AS printer, j.progress_pct, j.time_left_s, j.replaces_job, \
         (SELECT r.id FROM print_jobs r WHERE r.replaces_job = j.id) AS replaced_by \
         FROM print_jobs j WHERE j.id = $1",
    )
    .bind(id)
    .fetch_one(cx.db.pool())
    .await?;
    Ok(Printing {
        on_printer: row.printer.map(|printer| OnPrinter {
            printer,
            progress_pct: row.progress_pct,
            time_left_s: row.time_left_s,
        }),
        replaces: row.replaces_job,
        replaced_by: row.replaced_by,
    })
}

/// A job's row as [`printing`] reads it.
#[derive(sqlx::FromRow)]
struct PrintingRow {
    printer: Option<String>,
    progress_pct: Option<f64>,
    time_left_s: Option<i64>,
    replaces_job: Option<String>,
    replaced_by: Option<String>,
}

/// The shop order job `id` prints: `None` for no such job, `Some(None)`
/// for a student's job.
pub async fn order_of(db: &crate::platform::db::Db, id: &str) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar("SELECT order_id FROM print_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await
}

/// Most cards one tab shows (in the queue's order: first come, unless staff moved one up).
const MAX_CARDS: i64 = 300;

/// The dashboard: totals per status, and the jobs of `status` (or of the first status with jobs).
pub async fn queue(
    cx: &LabContext,
    _staff: &crate::staff::StaffSession,
    status: Option<PrintJobStatus>,
) -> sqlx::Result<Queue> {
    let db = cx.db.pool();
    let totals: Vec<(String, i64, f64, f64)> = sqlx::query_as(
        "SELECT status, COUNT(*) AS jobs, COALESCE(SUM(weight_g), 0.0) AS grams, \
         COALESCE(SUM(print_hours), 0.0) AS hours FROM print_jobs GROUP BY status",
    )
    .fetch_all(db)
    .await?;
    let mut tabs: Vec<QueueTab> = PrintJobStatus::ALL
        .into_iter()
        .map(|status| QueueTab { status, jobs: 0, grams: 0.0, hours: 0.0 })
        .collect();
    for (status, jobs, grams, hours) in totals {
        if let Some(tab) =
            PrintJobStatus::parse(&status).and_then(|status| tabs.iter_mut().find(|tab| tab.status == status))
        {
            (tab.jobs, tab.grams, tab.hours) = (jobs, grams, hours);
        }
    }
    let showing = status
        .or_else(|| tabs.iter().find(|tab| tab.jobs > 0).map(|tab| tab.status))
        .unwrap_or(PrintJobStatus::Uploaded);
    let rows = sqlx::query_as::<_, CardRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM print_jobs WHERE status = $1 ORDER BY COALESCE(queue_at, created_at), id LIMIT $2"
    )))
    .bind(showing.as_str())
    .bind(MAX_CARDS)
    .fetch_all(db)
    .await?;
    let jobs: Vec<PrintJobCard> = rows.into_iter().map(|row| card(cx, row)).collect();
    let board = match status {
        Some(_) => vec![],
        None => board(cx, &tabs).await?,
    };
    let read_at = crate::platform::time::lab_clock(crate::platform::time::now_ms(), cx.config.lab_zone());
    // The printer strip, places and times: `printers::board`.
    Ok(Queue { read_at, tabs, showing, jobs, printers: vec![], board })
}

/// The board's columns, each in queue order, in one query (the first
/// [`QueueColumn::MOST`] of each status; `tabs` has their totals).
async fn board(cx: &LabContext, tabs: &[QueueTab]) -> sqlx::Result<Vec<QueueColumn>> {
    let active: Vec<String> =
        PrintJobStatus::ACTIVE.iter().map(|status| format!("'{}'", status.as_str())).collect();
    let rows = sqlx::query_as::<_, CardRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY status \
         ORDER BY COALESCE(queue_at, created_at), id) AS place FROM print_jobs WHERE status IN ({})) ranked \
         WHERE place <= $1 ORDER BY place",
        active.join(", ")
    )))
    .bind(QueueColumn::MOST as i64)
    .fetch_all(cx.db.pool())
    .await?;
    let mut columns: Vec<QueueColumn> = PrintJobStatus::ACTIVE
        .into_iter()
        .map(|status| QueueColumn {
            status,
            jobs: vec![],
            total: tabs.iter().find(|tab| tab.status == status).map_or(0, |tab| tab.jobs),
        })
        .collect();
    for row in rows {
        let status = PrintJobStatus::parse(&row.status);
        if let Some(column) = columns.iter_mut().find(|column| Some(column.status) == status) {
            column.jobs.push(card(cx, row));
        }
    }
    Ok(columns)
}
