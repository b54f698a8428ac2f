//! The staff's reports: the customers' funnel (`/staff/funnel?from=&to=`)
//! and the lab's overview (`/staff/overview?grain=&periods=`). The period is
//! chosen with a plain GET form, so a report is a link that can be kept.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::charts::{BarList, ColumnChart, DataTable};
use crate::components::loaded::loaded_page;
use crate::print_job::PrintJobStatus;
use crate::quote::{duration, money};
use crate::report::{FunnelReport, LabOverview, fixed};
use crate::server_fns::reports::{staff_funnel, staff_overview};

/// The query as it came, for the form and the CSV links.
fn query_value(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get(name).unwrap_or_default()
}

/// The CSV of `table` for the period the report was read for. The values are
/// the report's own (days, `week`, a count), so they need no escaping.
fn csv_link(table: &str, query: &[(&str, &str)]) -> String {
    let query: Vec<String> = query.iter().map(|(name, value)| format!("{name}={value}")).collect();
    format!("/staff/reports/{table}.csv?{}", query.join("&"))
}

/// A report's heading and the links between the staff's pages.
#[component]
fn ReportHero(
    current: &'static str,
    eyebrow: &'static str,
    title: &'static str,
    lede: &'static str,
) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Memoreez")/>
        <crate::components::staff_nav::StaffNav current/>
        <section class="hero">
            <p class="eyebrow">{eyebrow}</p>
            <h1>{title}</h1>
            <p class="lede">{lede}</p>
        </section>
    }
}

/// "The numbers": every table of a report, each with its CSV for the same `query`.
fn numbers(tables: Vec<crate::report::Table>, query: &[(&str, &str)]) -> impl IntoView + use<> {
    let tables = tables
        .into_iter()
        .map(|table| {
            let href = csv_link(&table.name, query);
            view! { <DataTable table csv_href=href/> }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"The numbers"</h2>
            {tables}
        </section>
    }
}

#[component]
pub fn StaffFunnelPage() -> impl IntoView {
    let (from, to) = (query_value("from"), query_value("to"));
    let report = Resource::new(move || (from(), to()), |(from, to)| staff_funnel(from, to));
    view! {
        <ReportHero current="/staff/funnel" eyebrow="The shop" title="Shop funnel"
            lede="Where people drop off: of the stories submitted in the period, how many reached each step, and how long it took them."/>
        <form method="get" action="/staff/funnel" class="card report-period" data-testid="funnel-period">
            <label>"From "<input type="date" name="from" value=from/></label>
            <label>"to "<input type="date" name="to" value=to/></label>
            <button type="submit" class="button secondary">"Show"</button>
        </form>
        {loaded_page(report, ("Loading the funnel…", "The funnel"), move |report| view! { <Funnel report/> })}
    }
}

#[component]
fn Funnel(report: FunnelReport) -> impl IntoView {
    let query = [("from", report.from.as_str()), ("to", report.to.as_str())];
    let tables = numbers(report.tables(), &query);
    let steps = report
        .steps
        .iter()
        .map(|row| {
            let mut text = format!("{} ({:.0} %)", row.creations, row.of_start_pct);
            if row.dropped > 0 {
                text.push_str(&format!(" · −{} ({:.0} %)", row.dropped, row.dropped_pct));
            }
            (row.step.label().to_string(), row.creations as f64, text)
        })
        .collect();
    let waits = report
        .steps
        .iter()
        .skip(1)
        .map(|row| {
            let seconds = row.median_s.unwrap_or(0.0);
            let text = row.median_s.map(|s| duration(s as u64)).unwrap_or_else(|| "nobody yet".into());
            (row.step.label().to_string(), seconds, text)
        })
        .collect();
    let providers = report
        .providers
        .iter()
        .map(|row| {
            let text = format!(
                "{:.1} % failed ({} of {}) · {} retries",
                row.failed_pct,
                row.failed,
                row.done + row.failed,
                row.retries
            );
            (row.provider.clone(), row.failed_pct, text)
        })
        .collect();
    let started = report.steps.first().map_or(0, |row| row.creations);
    view! {
        <section class="card">
            <h2 data-testid="funnel-heading">{format!("{} to {} ({})", report.from, report.to, report.time_zone)}</h2>
            <Show when=move || started == 0>
                <p data-testid="funnel-empty">"No stories were submitted in this period."</p>
            </Show>
            <h3>"Creations at each step · lost since the step before"</h3>
            <BarList title="Creations at each step of the funnel".into() rows=steps test_id="funnel-steps"/>
            <h3>"Median time from the story"</h3>
            <BarList title="Median time from the story to each step".into() rows=waits test_id="funnel-waits"/>
            <h3>"Providers: jobs that failed for good"</h3>
            <p class="hint">"Pictures (image), 3D models (mesh) and prices (slicing) that ended in the period. A failure here is a customer who waited for nothing."</p>
            <BarList title="Failure rate by provider".into() rows=providers test_id="funnel-providers"/>
        </section>
        {tables}
    }
}

#[component]
pub fn StaffOverviewPage() -> impl IntoView {
    let (grain, periods) = (query_value("grain"), query_value("periods"));
    let report =
        Resource::new(move || (grain(), periods()), |(grain, periods)| staff_overview(grain, periods));
    view! {
        <ReportHero current="/staff/overview" eyebrow="The print lab" title="Lab overview"
            lede="What came in, what was printed, how long it took, and what it earned."/>
        <form method="get" action="/staff/overview" class="card report-period" data-testid="overview-period">
            <label>"By "
                <select name="grain">
                    <option value="week" selected=move || grain() != "month">"week"</option>
                    <option value="month" selected=move || grain() == "month">"month"</option>
                </select>
            </label>
            <label>"the last "<input type="number" name="periods" min="1" max=crate::report::MAX_PERIODS
                value=move || { let p = periods(); if p.is_empty() { "12".to_string() } else { p } }/></label>
            <button type="submit" class="button secondary">"Show"</button>
        </form>
        {loaded_page(report, ("Loading the overview…", "The lab overview"), move |report| view! { <Overview report/> })}
    }
}

#[component]
fn Overview(report: LabOverview) -> impl IntoView {
    let count = report.periods.len().to_string();
    let query = [("grain", report.grain.as_str()), ("periods", count.as_str())];
    let tables = numbers(report.tables(), &query);
    let per_period = |value: &dyn Fn(&crate::report::LabPeriod) -> Vec<f64>| -> Vec<(String, Vec<f64>)> {
        report.periods.iter().map(|period| (period.label.clone(), value(period))).collect()
    };
    let statuses: Vec<String> = PrintJobStatus::ALL.iter().map(|status| status.label().to_string()).collect();
    let jobs = per_period(&|period| period.submitted.iter().map(|n| *n as f64).collect());
    let grams = per_period(&|period| vec![period.printed_g]);
    let turnaround = per_period(&|period| vec![period.median_to_pickup_h.unwrap_or(0.0)]);
    let revenue = per_period(&|period| vec![period.shop_cents as f64, period.lab_cents as f64]);
    let materials = report
        .materials
        .iter()
        .map(|row| {
            let jobs = if row.jobs == 1 { "1 job".to_string() } else { format!("{} jobs", row.jobs) };
            let text = format!("{:.0} g · {:.1} h · {jobs}", plain(row.grams), plain(row.hours));
            (format!("{} {}", row.method, row.color), row.grams, text)
        })
        .collect();
    // The chart names each reason in brief (the table keeps its whole wording).
    let rejections = report
        .rejections
        .iter()
        .map(|row| {
            let name = crate::lab::rejection_in_brief(&row.reason).unwrap_or(&row.label);
            (name.to_string(), row.jobs as f64, row.jobs.to_string())
        })
        .collect();
    let failures = report
        .failures
        .iter()
        .map(|row| (row.label.clone(), row.jobs as f64, row.jobs.to_string()))
        .collect();
    let printer_failures = report
        .printer_failures
        .iter()
        .map(|row| {
            let text = format!("{:.0} % · {} of {} prints", plain(row.failed_pct), row.failed, row.prints);
            (row.printer.clone(), row.failed_pct, text)
        })
        .collect();
    // Shop and lab stack into one column when they are paid in the same currency.
    let revenue_charts = match report.shop_currency == report.lab_currency {
        true => vec![(
            vec![format!("Shop ({})", report.shop_currency), format!("Lab ({})", report.lab_currency)],
            revenue,
            "overview-revenue",
        )],
        false => vec![
            (vec![format!("Shop ({})", report.shop_currency)], per_period(&|p| vec![p.shop_cents as f64]), "overview-revenue"),
            (vec![format!("Lab ({})", report.lab_currency)], per_period(&|p| vec![p.lab_cents as f64]), "overview-revenue-lab"),
        ],
    }
    .into_iter()
    .map(|(series, columns, test_id)| view! {
        <ColumnChart title="Revenue per period".into() series columns format=|cents| money(cents.max(0.0) as u64) test_id/>
    })
    .collect_view();
    let totals = format!(
        "{} printed · {:.0} g · {:.1} h · {} picked up · shop {} {} · lab {} {}",
        report.periods.iter().map(|p| p.printed).sum::<u64>(),
        plain(report.periods.iter().map(|p| p.printed_g).sum::<f64>()),
        plain(report.periods.iter().map(|p| p.printed_h).sum::<f64>()),
        report.periods.iter().map(|p| p.picked_up).sum::<u64>(),
        money(report.periods.iter().map(|p| p.shop_cents.max(0) as u64).sum()),
        report.shop_currency,
        money(report.periods.iter().map(|p| p.lab_cents.max(0) as u64).sum()),
        report.lab_currency,
    );
    view! {
        <section class="card">
            <h2 data-testid="overview-heading">{format!("By {} ({})", report.grain.as_str(), report.time_zone)}</h2>
            <p data-testid="overview-totals"><strong>{totals}</strong></p>
            <h3>"Jobs submitted, by where they stand now"</h3>
            <ColumnChart title="Jobs submitted per period by status".into() series=statuses columns=jobs
                format=|n| format!("{n:.0}") test_id="overview-jobs"/>
            <h3>"Grams printed"</h3>
            <ColumnChart title="Grams printed per period".into() series=vec!["grams".into()] columns=grams
                format=|g| format!("{g:.0} g") test_id="overview-grams"/>
            <h3>"Grams and hours by method and colour"</h3>
            <BarList title="Grams printed by method and colour".into() rows=materials test_id="overview-materials"/>
            <h3>"Median time from upload to pickup"</h3>
            <ColumnChart title="Median hours from upload to pickup per period".into() series=vec!["hours".into()]
                columns=turnaround format=|h| format!("{} h", fixed(h, 1)) test_id="overview-turnaround"/>
            <h3>"Why jobs were rejected"</h3>
            <BarList title="Rejection reasons".into() rows=rejections test_id="overview-rejections"/>
            <h3>"Why prints failed"</h3>
            <BarList title="Causes of failed prints".into() rows=failures test_id="overview-failures"/>
            <h3>"Failure rate by printer"</h3>
            <BarList title="Share of each printer's prints that failed".into() rows=printer_failures test_id="overview-printer-failures"/>
            <h3>"Revenue"</h3>
            {revenue_charts}
        </section>
        {tables}
    }
}

/// A figure as shown: an empty sum of floats is −0.0, which prints "-0"; a
/// figure that rounds to nothing shows as 0.
fn plain(figure: f64) -> f64 {
    if figure.abs() < 0.05 { 0.0 } else { figure }
}
