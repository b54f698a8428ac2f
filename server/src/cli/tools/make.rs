//! `memoreez engrave`, `memoreez relief`, `memoreez thumbnail` and `memoreez concepts`: making files from a model, a picture or a story.

use geometry::io::Format;
use geometry::keepsake::{KeepsakeError, KeepsakeSpec};
use geometry::pedestal::PedestalShape;
use geometry::text::TextError;
use geometry::{AnalysisOptions, Limits, Mesh};
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

use super::*;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum PedestalShapeArg {
    Round,
    Square,
    Hex,
}

impl From<PedestalShapeArg> for PedestalShape {
    fn from(shape: PedestalShapeArg) -> Self {
        match shape {
            PedestalShapeArg::Round => PedestalShape::Round,
            PedestalShapeArg::Square => PedestalShape::Square,
            PedestalShapeArg::Hex => PedestalShape::Hex,
        }
    }
}

#[derive(Serialize, Debug)]
pub struct EngraveOutcome {
    triangles: usize,
    volume_mm3: f64,
    bbox_mm: [[f64; 3]; 2],
    watertight: bool,
    text_area_mm2: f64,
    scale: f64,
    repairs: geometry::RepairReport,
}

/// `memoreez engrave FILE --text "…" [--text2 "…"] [--pedestal …] -o OUT`.
pub(super) fn run_engrave(
    file: &Path,
    spec: &KeepsakeSpec,
    output: &Path,
    json: bool,
    limits: &Limits,
) -> ExitCode {
    let outcome = (|| {
        let format = Format::from_name(&output.to_string_lossy())?;
        // The library leaves a pedestal plain when the text is blank; asked
        // to engrave, that is a mistake worth saying.
        if spec.text.iter().all(|line| line.trim().is_empty()) {
            return Err(KeepsakeError::from(TextError::Empty).into());
        }
        let (_, model) = load(file, limits)?;
        let made = geometry::keepsake::keepsake(&model, spec, &geometry::text::Font::embedded())?;
        write_atomically(output, &encode(&made.mesh, format, file)?)?;
        let a = geometry::analyse(&made.mesh, &AnalysisOptions::default());
        let outcome = EngraveOutcome {
            triangles: a.triangles,
            volume_mm3: a.volume_mm3,
            bbox_mm: a.bbox_mm,
            watertight: a.watertight,
            text_area_mm2: made.text_area_mm2,
            scale: made.scale,
            repairs: made.repair,
        };
        if json {
            return Ok(serde_json::to_string(&outcome).expect("an outcome serialises"));
        }
        let [x, y, z] = a.size_mm();
        Ok(format!(
            "{} → {}: {x:.1} × {y:.1} × {z:.1} mm, {} triangles, {:.1} mm² of letters, model: {}; {}",
            file.display(),
            output.display(),
            a.triangles,
            made.text_area_mm2,
            outcome.repairs.summary(),
            if a.watertight { "one watertight solid" } else { "NOT watertight" }
        ))
    })();
    finish(file, outcome)
}

/// `memoreez relief IMAGE --width-mm W [--standing] [--rounded] -o OUT.stl|OUT.3mf`.
pub(super) fn run_relief(
    image: &Path,
    (width_mm, standing, rounded): (f64, bool, bool),
    output: &Path,
    limits: &Limits,
) -> ExitCode {
    let outcome = (|| {
        let format = Format::from_name(&output.to_string_lossy())?;
        let bytes = read_capped(image, limits)?;
        let mesh = if rounded {
            geometry::relief::figure(
                &bytes,
                &geometry::relief::FigureOptions { width_mm, ..Default::default() },
            )?
        } else {
            geometry::relief::relief(
                &bytes,
                &geometry::relief::ReliefOptions { width_mm, ..Default::default() },
            )?
        };
        let mesh = if standing { geometry::relief::upright(mesh) } else { mesh };
        write_atomically(output, &encode(&mesh, format, image)?)?;
        let a = geometry::analyse(&mesh, &AnalysisOptions::default());
        let [x, y, z] = a.size_mm();
        Ok(format!(
            "{} → {}: {x:.1} × {y:.1} × {z:.1} mm, {} triangles, {}",
            image.display(),
            output.display(),
            a.triangles,
            if a.watertight { "watertight" } else { "NOT watertight" }
        ))
    })();
    finish(image, outcome)
}

/// The bytes of a model file in the format its name asks for.
pub(super) fn encode(mesh: &Mesh, format: Format, source: &Path) -> Result<Vec<u8>, ToolError> {
    match format {
        Format::Stl => Ok(geometry::io::stl::write_binary(mesh)),
        Format::ThreeMf => {
            let title = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(geometry::io::three_mf::write(mesh, &title)?)
        }
        Format::Obj => Err(ToolError::Output("write .stl or .3mf".into())),
    }
}

/// `memoreez thumbnail FILE -o OUT.png [--size N]`.
pub(super) fn run_thumbnail(file: &Path, output: &Path, size: u32, limits: &Limits) -> ExitCode {
    let outcome = load(file, limits).and_then(|(_, mesh)| {
        write_atomically(output, &geometry::thumbnail::render_png(&mesh, size)?)?;
        Ok(format!("{} → {} ({size} × {size} px)", file.display(), output.display()))
    });
    finish(file, outcome)
}

/// The most batches of concepts a story gets ("Explore more" 99 times).
pub(super) const MAX_BATCH: usize = 99;

/// `memoreez concepts --hobbies … [--facts …] [--batch N] -o DIR [--json]`.
pub(super) fn run_concepts(hobbies: &str, facts: &str, batch: usize, output: &Path, json: bool) -> ExitCode {
    use crate::generation::concepts::{PER_BATCH, compose_briefs, emblem};
    let story = match app::story::Story::from_form(hobbies, facts) {
        Ok(story) => story,
        Err(error) => return crate::cli::fail(error),
    };
    if batch > MAX_BATCH {
        return crate::cli::fail(format!("--batch must be between 0 and {MAX_BATCH}"));
    }
    let outcome = (|| -> Result<String, ToolError> {
        std::fs::create_dir_all(output)?;
        let mut made = Vec::new();
        for (slot, brief) in compose_briefs(&story, batch).into_iter().enumerate() {
            let path = output.join(format!("concept-{}.png", batch * PER_BATCH + slot));
            let png = emblem::render(&brief).map_err(|e| ToolError::Output(e.to_string()))?;
            write_atomically(&path, &png)?;
            made.push(serde_json::json!({ "file": path, "title": brief.title, "caption": brief.caption,
                "motif": brief.motif, "frame": brief.frame, "prompt": brief.prompt }));
        }
        if json {
            return Ok(serde_json::Value::from(made).to_string());
        }
        let lines: Vec<String> = made
            .iter()
            .map(|m| {
                format!(
                    "{} — {}",
                    m["file"].as_str().unwrap_or_default(),
                    m["title"].as_str().unwrap_or_default()
                )
            })
            .collect();
        Ok(lines.join("\n"))
    })();
    finish(output, outcome)
}
