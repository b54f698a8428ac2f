//! `memoreez mesh info`, `memoreez repair` and `memoreez quote`: reading, mending and pricing a model file.

use geometry::io::Format;
use geometry::{Analysis, AnalysisOptions, Limits, RepairOptions};
use serde::Serialize;
use slicing::material::Material;
use slicing::prusa::PrusaSlicer;
use slicing::quote::{Engine, PriceBook};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use super::*;

pub(super) fn run_mesh(command: MeshCommand, limits: &Limits, build_volume_mm: [f64; 3]) -> ExitCode {
    match command {
        MeshCommand::Info { file, json } => finish(
            &file,
            info(&file, limits).map(|report| {
                if json {
                    serde_json::to_string(&report).expect("a report serialises")
                } else {
                    report.summary(&file, build_volume_mm)
                }
            }),
        ),
    }
}

/// Prints what a tool made, or fails with one `error: FILE: …` line.
pub(super) fn finish(source: &Path, outcome: Result<String, ToolError>) -> ExitCode {
    match outcome {
        Ok(text) => {
            println!("{}", text.trim_end());
            ExitCode::SUCCESS
        }
        Err(error) => crate::cli::fail(format!("{}: {error}", source.display())),
    }
}

/// `memoreez repair FILE -o OUT`: welds, removes bad faces, orients, closes
/// small holes; writes STL or 3MF by OUT's extension, atomically.
pub(super) fn run_repair(file: &Path, output: &Path, json: bool, limits: &Limits) -> ExitCode {
    let outcome = repair(file, output, limits).map(|report| {
        if json {
            serde_json::to_string(&report).expect("a report serialises")
        } else {
            format!(
                "{} → {}: {}; now {} ({} open edges)",
                file.display(),
                output.display(),
                report.repairs.summary(),
                if report.watertight { "watertight" } else { "still not watertight" },
                report.open_edges,
            )
        }
    });
    finish(file, outcome)
}

#[derive(Serialize, Debug)]
pub struct RepairOutcome {
    repairs: geometry::RepairReport,
    watertight: bool,
    open_edges: usize,
}

pub(super) fn repair(file: &Path, output: &Path, limits: &Limits) -> Result<RepairOutcome, ToolError> {
    let output_format = Format::from_name(&output.to_string_lossy())?;
    let (_, mesh) = load(file, limits)?;
    let (fixed, repairs) = geometry::repair(&mesh, &RepairOptions::default());
    write_atomically(output, &encode(&fixed, output_format, file)?)?;
    let analysis = geometry::analyse(&fixed, &AnalysisOptions::default());
    Ok(RepairOutcome { repairs, watertight: analysis.watertight, open_edges: analysis.open_edges })
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PriceProfile {
    Shop,
    Lab,
}

/// `memoreez quote FILE [--profile] [--material] [--engine] [--json]`.
pub(super) fn run_quote(
    file: &Path,
    (material, book, engine): (Material, (&str, &PriceBook), Engine),
    slicer: &PrusaSlicer,
    json: bool,
    limits: &Limits,
) -> ExitCode {
    let outcome = (|| {
        let (_, model) = load(file, limits)?;
        let (model, _, _) = geometry::repair_solid(&model)?;
        let (quote, _) = slicing::quote::quote(
            &model,
            material,
            book,
            engine,
            slicer,
            (&AtomicBool::new(false), &|_, _| {}),
        )?;
        if json {
            return Ok(serde_json::to_string(&quote).expect("a quote serialises"));
        }
        let dollars = |cents: u64| format!("{}.{:02}", cents / 100, cents % 100);
        let p = &quote.price;
        Ok(format!(
            "{file}: {total} g ({model} g model + {support} g support), {hours:.1} h, by {engine} ({settings})\n  \
             material {material} + service {service} + shipping {shipping}{minimum} = {total_price} {currency}{note}",
            file = file.display(),
            total = quote.total_g,
            model = quote.model_g,
            support = quote.support_g,
            hours = quote.print_time_s as f64 / 3600.0,
            engine = quote.engine,
            settings = quote.settings,
            material = dollars(p.material_cents),
            service = dollars(p.service_cents),
            shipping = dollars(p.shipping_cents),
            minimum = if p.minimum_applied { " (minimum applies)" } else { "" },
            total_price = dollars(p.total_cents),
            currency = p.currency,
            note = quote.note.as_deref().map(|n| format!("\n  note: {n}")).unwrap_or_default(),
        ))
    })();
    finish(file, outcome)
}

/// `mesh info --json`: exactly these keys.
#[derive(Serialize, Debug)]
pub struct InfoReport {
    format: Format,
    triangles: usize,
    /// `null` for an open mesh: it encloses nothing, and the figure a
    /// formula gives for it depends on where the origin is.
    volume_mm3: Option<f64>,
    /// Why there is no volume (`null` when there is one).
    volume_note: Option<String>,
    area_mm2: f64,
    bbox_mm: [[f64; 3]; 2],
    watertight: bool,
    open_edges: usize,
    shells: usize,
    overhang_area_mm2: f64,
    needs_support: bool,
}

pub fn info(file: &Path, limits: &Limits) -> Result<InfoReport, ToolError> {
    let (format, mesh) = load(file, limits)?;
    let a: Analysis = geometry::analyse(&mesh, &AnalysisOptions::default());
    Ok(InfoReport {
        format,
        triangles: a.triangles,
        volume_mm3: a.watertight.then_some(a.volume_mm3),
        volume_note: (!a.watertight).then(|| open_mesh_note(a.open_edges)),
        area_mm2: a.area_mm2,
        bbox_mm: a.bbox_mm,
        watertight: a.watertight,
        open_edges: a.open_edges,
        shells: a.shells,
        overhang_area_mm2: a.overhang_area_mm2,
        needs_support: a.needs_support,
    })
}

/// Why an open mesh is given no volume.
fn open_mesh_note(open_edges: usize) -> String {
    let edges = if open_edges == 1 { "1 open edge".to_string() } else { format!("{open_edges} open edges") };
    format!("not a closed solid ({edges}): it encloses no volume; `memoreez repair` closes small holes")
}

impl InfoReport {
    fn summary(&self, file: &Path, build_volume_mm: [f64; 3]) -> String {
        let [min, max] = self.bbox_mm;
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let size = [0, 1, 2].map(|k| max[k] - min[k]);
        let fits = size.iter().zip(build_volume_mm).all(|(s, room)| *s <= room);
        let [bx, by, bz] = build_volume_mm;
        format!(
            "{file}\n  triangles     {}\n  size          {:.1} × {:.1} × {:.1} mm\n  volume        {}\n  \
             surface area  {:.1} mm²\n  watertight    {} ({} open edges)\n  shells        {}\n  \
             overhangs     {:.1} mm² (supports {})\n  fits printer  {} ({bx} × {by} × {bz} mm)\n",
            self.triangles,
            max[0] - min[0],
            max[1] - min[1],
            max[2] - min[2],
            match (self.volume_mm3, &self.volume_note) {
                (Some(volume), _) => format!("{volume:.1} mm³"),
                (None, note) => format!("none — {}", note.as_deref().unwrap_or("not a closed solid")),
            },
            self.area_mm2,
            yes_no(self.watertight),
            self.open_edges,
            self.shells,
            self.overhang_area_mm2,
            if self.needs_support { "needed" } else { "not needed" },
            yes_no(fits),
            file = file.display(),
        )
    }
}
