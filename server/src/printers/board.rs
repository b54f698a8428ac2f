//! The lab's queue seen with its printers: what `lab::print_jobs` and
//! `lab::student_links` show of a job, plus what only the printers know —
//! the printer strip, each waiting job's place and expected times, where a
//! ready job can print — and a shop order's picture (the order keeps it).
//! The lab reads its own table; this room, above it, adds the rest.

use app::lab::StudentPrintJob;
use app::print_job::PrintJobStatus;
use app::staff::{PrintJobCard, PrintJobPage, Queue};

use crate::lab::LabContext;
use crate::lab::print_jobs;
use crate::lab::student_links;
use crate::lab::submissions::LabError;
use crate::printers::eta::{QueuePlan, in_words, queue_plan};
use crate::staff::StaffSession;

/// The staff dashboard: the lab's queue tab, with the printer strip, and the
/// waiting cards' places and times from one plan (one read of the printers).
pub async fn queue(
    cx: &LabContext,
    staff: &StaffSession,
    status: Option<PrintJobStatus>,
) -> sqlx::Result<Queue> {
    let mut queue = print_jobs::queue(cx, staff, status).await?;
    let plan = queue_plan(cx).await?;
    if queue.showing == PrintJobStatus::ReadyToPrint {
        plan_cards(cx, &plan, &mut queue.jobs);
    }
    order_pictures(cx, &mut queue.jobs);
    for column in &mut queue.board {
        if column.status == PrintJobStatus::ReadyToPrint {
            plan_cards(cx, &plan, &mut column.jobs);
        }
        order_pictures(cx, &mut column.jobs);
    }
    queue.printers = crate::printers::pages::cards(cx, staff, &plan).await?;
    Ok(queue)
}

/// A job's page, with where it can print while it waits; `None` for an unknown id.
pub async fn job_page(cx: &LabContext, staff: &StaffSession, id: &str) -> sqlx::Result<Option<PrintJobPage>> {
    let Some(mut page) = print_jobs::job_page(cx, staff, id).await? else { return Ok(None) };
    if page.status == PrintJobStatus::ReadyToPrint {
        plan_cards(cx, &queue_plan(cx).await?, std::slice::from_mut(&mut page.card));
        page.printers = crate::printers::sending::choices(cx, id).await?;
    }
    order_pictures(cx, std::slice::from_mut(&mut page.card));
    Ok(Some(page))
}

/// The student's page: their job, with its place in the queue and when it
/// should be ready while it waits to print.
pub async fn student_view(cx: &LabContext, id: &str, token: &str) -> Result<StudentPrintJob, LabError> {
    let mut job = student_links::student_view(cx, id, token).await?;
    if job.status == PrintJobStatus::ReadyToPrint {
        let plan = queue_plan(cx).await?;
        if let Some((place, eta)) = plan.of(id) {
            let zone = cx.config.lab_zone();
            job.queue_place = Some((place, plan.jobs.len()));
            job.ready_around = eta.ready_ms.map(|at| crate::platform::time::lab_time(at, zone));
        }
    }
    Ok(job)
}

/// Puts the waiting cards' places and times from the queue's plan.
fn plan_cards(cx: &LabContext, plan: &QueuePlan, cards: &mut [PrintJobCard]) {
    for card in cards {
        if let Some((place, eta)) = plan.of(&card.id) {
            let printer = eta.printer_id.as_deref().and_then(|id| plan.printer_name(id));
            card.place = Some(place);
            card.eta = Some(in_words(cx, eta, printer));
        }
    }
}

/// A shop order's card shows the order's own picture, by a signed link.
fn order_pictures(cx: &LabContext, cards: &mut [PrintJobCard]) {
    for card in cards {
        if let Some(order) = &card.order_id {
            card.thumbnail_url =
                Some(crate::shop::order_links::file_link((&cx.links, &cx.config), order, "thumbnail.png", 1));
        }
    }
}
