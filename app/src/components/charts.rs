//! Charts for the staff's reports, drawn as SVG on the server (so they show
//! without JavaScript and print as they look). Our own: two shapes are all
//! the reports need, and a chart crate would bring a drawing backend for
//! each. Every bar carries its figure in `data-value` and a `<title>`, and
//! its text is written beside it: a chart is also readable as text.

use leptos::prelude::*;

/// A number as the chart writes it.
pub type Format = fn(f64) -> String;

/// Columns for a series of periods, stacked when there are several series
/// (jobs by status per week, shop and lab revenue per month).
#[component]
pub fn ColumnChart(
    /// What the chart shows, for screen readers and the heading.
    title: String,
    /// The series' names, in stacking order (bottom first).
    series: Vec<String>,
    /// Each column's label and one value per series.
    columns: Vec<(String, Vec<f64>)>,
    format: Format,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 260.0;
    const LEFT: f64 = 8.0;
    const TOP: f64 = 22.0;
    const BOTTOM: f64 = 36.0;
    let plot = HEIGHT - TOP - BOTTOM;
    let most = columns.iter().map(|(_, values)| values.iter().sum::<f64>()).fold(0.0, f64::max);
    let scale = if most > 0.0 { plot / most } else { 0.0 };
    let step = (WIDTH - LEFT) / columns.len().max(1) as f64;
    let bar = (step * 0.7).min(56.0);
    // A label on every column when they fit, otherwise on every other one.
    let label_every = if step < 44.0 { 2 } else { 1 };
    let many = series.len() > 1;
    let legend = many.then(|| {
        view! {
            <ul class="chart-legend">
                {series.iter().enumerate().map(|(index, name)| view! {
                    <li><span class=format!("swatch s{index}")></span>{name.clone()}</li>
                }).collect_view()}
            </ul>
        }
    });
    let bars = columns
        .iter()
        .enumerate()
        .map(|(at, (label, values))| {
            let x = LEFT + at as f64 * step + (step - bar) / 2.0;
            let mut base = HEIGHT - BOTTOM;
            let parts = values
                .iter()
                .enumerate()
                .filter(|(_, value)| **value > 0.0)
                .map(|(index, value)| {
                    let height = value * scale;
                    base -= height;
                    let name = series[index].clone();
                    let tip = format!("{label}: {}{}", if many { format!("{name} ") } else { String::new() }, format(*value));
                    view! {
                        <rect class=format!("s{index}") x=fmt(x) y=fmt(base) width=fmt(bar) height=fmt(height)
                            data-label=label.clone() data-series=name data-value=value.to_string()>
                            <title>{tip}</title>
                        </rect>
                    }
                })
                .collect_view();
            let total: f64 = values.iter().sum();
            let shown = (at % label_every == 0 || at + 1 == columns.len()).then(|| label.clone());
            view! {
                <g class="column" data-label=label.clone() data-total=total.to_string()>
                    {parts}
                    <text class="figure" x=fmt(x + bar / 2.0) y=fmt(base - 6.0) text-anchor="middle">
                        {(total > 0.0).then(|| format(total))}
                    </text>
                    <text class="axis" x=fmt(x + bar / 2.0) y=fmt(HEIGHT - BOTTOM + 16.0) text-anchor="middle">{shown}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" data-testid=test_id>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title.clone()>
                <line class="baseline" x1=fmt(LEFT) x2=fmt(WIDTH) y1=fmt(HEIGHT - BOTTOM) y2=fmt(HEIGHT - BOTTOM)/>
                {bars}
            </svg>
            {legend}
        </figure>
    }
}

/// One bar per row, longest to scale (the funnel's steps, colours, reasons).
#[component]
pub fn BarList(
    title: String,
    /// Each row's label, value and the text written after its bar.
    rows: Vec<(String, f64, String)>,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    const WIDTH: f64 = 720.0;
    const LABEL: f64 = 190.0;
    const ROW: f64 = 28.0;
    const TEXT_ROOM: f64 = 170.0;
    let height = ROW * rows.len().max(1) as f64;
    let most = rows.iter().map(|(_, value, _)| *value).fold(0.0, f64::max);
    let scale = if most > 0.0 { (WIDTH - LABEL - TEXT_ROOM) / most } else { 0.0 };
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(at, (label, value, text))| {
            let y = at as f64 * ROW;
            let width = value.max(0.0) * scale;
            view! {
                <g class="bar-row" data-label=label.clone() data-value=value.to_string()>
                    <text class="axis" x=fmt(LABEL - 8.0) y=fmt(y + ROW * 0.65) text-anchor="end">{label.clone()}</text>
                    <rect class="s0" x=fmt(LABEL) y=fmt(y + 4.0) width=fmt(width) height=fmt(ROW - 8.0)>
                        <title>{format!("{label}: {text}")}</title>
                    </rect>
                    <text class="figure" x=fmt(LABEL + width + 6.0) y=fmt(y + ROW * 0.65)>{text}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" data-testid=test_id>
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title>{bars}</svg>
        </figure>
    }
}

/// A coordinate with two decimals: enough for the screen, short in the page.
fn fmt(value: f64) -> String {
    format!("{:.2}", if value.is_finite() { value } else { 0.0 })
}

/// A table of a report as the CSV has it, with its download link.
#[component]
pub fn DataTable(table: crate::report::Table, csv_href: String) -> impl IntoView {
    let crate::report::Table { name, title, columns, rows } = table;
    view! {
        <details class="report-table" data-testid=format!("table-{name}")>
            // The download sits beside the summary, not in it: a link inside
            // the control that opens the table is two controls in one.
            <summary>{title.clone()}</summary>
            <p class="table-download"><a href=csv_href download=format!("{name}.csv")>{format!("{title} as CSV")}</a></p>
            <div class="table-scroll" tabindex="0" role="region" aria-label=format!("{title}, the table")>
            <table class="outbox">
                <thead><tr>{columns.into_iter().map(|column| view! { <th>{column}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </details>
    }
}
