//! The file tools of the command line: `memoreez mesh info`, `memoreez repair`,
//! `memoreez engrave`, `memoreez thumbnail`, `memoreez relief`.
//!
//! Each prints a human summary by default and JSON with `--json`, and fails
//! with one `error: …` line and exit code 2 on bad input, never a panic.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use geometry::io::Format;
use geometry::keepsake::{KeepsakeError, KeepsakeSpec, TextFinish};
use geometry::pedestal::{Pedestal, PedestalShape};
use geometry::text::TextError;
use geometry::{Analysis, AnalysisOptions, Limits, Mesh, MeshError, RepairOptions};
use serde::Serialize;
use slicing::material::Material;
use slicing::prusa::PrusaSlicer;
use slicing::quote::{Engine, PriceBook};

use crate::platform::config::Config;

/// The file tools: each works on files alone.
#[derive(Subcommand, Debug)]
pub enum ToolCommand {
    /// Inspect 3D model files.
    #[command(subcommand)]
    Mesh(MeshCommand),
    /// Repair a model (weld, remove bad faces, orient, close small holes) into an STL or 3MF.
    Repair {
        file: PathBuf,
        /// Where to write the repaired model (.stl or .3mf).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Stand a model on a pedestal with one or two lines of text on its front,
    /// joined into one printable solid (STL or 3MF).
    Engrave {
        file: PathBuf,
        /// The first line of text.
        #[arg(long)]
        text: String,
        /// An optional second line.
        #[arg(long)]
        text2: Option<String>,
        #[arg(long, value_enum, default_value = "round")]
        pedestal: PedestalShapeArg,
        /// Raise the letters out of the pedestal instead of cutting them in.
        #[arg(long)]
        emboss: bool,
        /// Scale the model (not the pedestal) to this height in millimetres.
        #[arg(long = "height-mm")]
        height_mm: Option<f64>,
        /// Height of a capital letter in millimetres.
        #[arg(long = "letter-mm", default_value_t = 5.0)]
        letter_mm: f64,
        /// Where to write the keepsake (.stl or .3mf).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Price a model: grams of model and support, print time and the price,
    /// from PrusaSlicer or the instant estimate.
    Quote {
        file: PathBuf,
        /// Which price book: `shop` (keepsakes) or `lab` (the print lab).
        #[arg(long, value_enum, default_value = "shop")]
        profile: PriceProfile,
        /// `pla`, `petg` or `resin`.
        #[arg(long, default_value = "pla")]
        material: Material,
        /// `auto` (PrusaSlicer when installed and the material is filament,
        /// else the estimate), `estimate` or `prusa`.
        #[arg(long, default_value = "auto")]
        engine: Engine,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Turn a picture's foreground into a printable relief (STL or 3MF).
    Relief {
        image: PathBuf,
        /// Width of the relief in millimetres.
        #[arg(long = "width-mm", default_value_t = 80.0)]
        width_mm: f64,
        /// Where to write the model (.stl or .3mf).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Draw a story's four concept designs (the offline emblems) as PNGs
    /// into a folder, with what each one shows.
    Concepts {
        /// The person's hobbies, comma-separated.
        #[arg(long)]
        hobbies: String,
        /// A few facts about them.
        #[arg(long, default_value = "")]
        facts: String,
        /// Which four: 0 first, 1 for the next four ("Explore more"), …
        #[arg(long, default_value_t = 0)]
        batch: usize,
        /// The folder to write concept-N.png into (made if missing).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Print one JSON array instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Draw a shaded picture of a model into a PNG (no GPU needed).
    Thumbnail {
        file: PathBuf,
        /// Where to write the PNG.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Width and height in pixels.
        #[arg(long, default_value_t = 512)]
        size: u32,
    },
}

/// Runs a file tool; every input is held to the configuration's caps.
pub fn run(command: ToolCommand, config: &Config) -> ExitCode {
    let limits = &config.model_limits();
    match command {
        ToolCommand::Quote { file, profile, material, engine, json } => {
            let name = match profile {
                PriceProfile::Shop => "shop",
                PriceProfile::Lab => "lab",
            };
            let (name, book) = config.price_book(name).expect("shop and lab always exist");
            let book = (name, &book);
            run_quote(&file, (material, book, engine), &config.slicer(), json, limits)
        }
        ToolCommand::Mesh(command) => run_mesh(command, limits, config.build_volume_mm),
        ToolCommand::Repair { file, output, json } => run_repair(&file, &output, json, limits),
        ToolCommand::Engrave { file, text, text2, pedestal, emboss, height_mm, letter_mm, output, json } => {
            let spec = KeepsakeSpec {
                pedestal: Pedestal { shape: pedestal.into(), ..Pedestal::default() },
                text: std::iter::once(text).chain(text2).collect(),
                finish: if emboss { TextFinish::Embossed } else { TextFinish::Engraved },
                letter_height_mm: letter_mm,
                model_height_mm: height_mm,
                ..KeepsakeSpec::default()
            };
            run_engrave(&file, &spec, &output, json, limits)
        }
        ToolCommand::Relief { image, width_mm, output } => run_relief(&image, width_mm, &output, limits),
        ToolCommand::Thumbnail { file, output, size } => run_thumbnail(&file, &output, size, limits),
        ToolCommand::Concepts { hobbies, facts, batch, output, json } => {
            run_concepts(&hobbies, &facts, batch, &output, json)
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum MeshCommand {
    /// Size, volume, watertightness and overhangs of an STL, OBJ or 3MF file.
    Info {
        file: PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

fn run_mesh(command: MeshCommand, limits: &Limits, build_volume_mm: [f64; 3]) -> ExitCode {
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
fn finish(source: &Path, outcome: Result<String, ToolError>) -> ExitCode {
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
fn run_repair(file: &Path, output: &Path, json: bool, limits: &Limits) -> ExitCode {
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

fn repair(file: &Path, output: &Path, limits: &Limits) -> Result<RepairOutcome, ToolError> {
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
fn run_quote(
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
fn run_engrave(file: &Path, spec: &KeepsakeSpec, output: &Path, json: bool, limits: &Limits) -> ExitCode {
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

/// `memoreez relief IMAGE --width-mm W -o OUT.stl|OUT.3mf`.
fn run_relief(image: &Path, width_mm: f64, output: &Path, limits: &Limits) -> ExitCode {
    let outcome = (|| {
        let format = Format::from_name(&output.to_string_lossy())?;
        let bytes = read_capped(image, limits)?;
        let options = geometry::relief::ReliefOptions { width_mm, ..Default::default() };
        let mesh = geometry::relief::relief(&bytes, &options)?;
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
fn encode(mesh: &Mesh, format: Format, source: &Path) -> Result<Vec<u8>, ToolError> {
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
fn run_thumbnail(file: &Path, output: &Path, size: u32, limits: &Limits) -> ExitCode {
    let outcome = load(file, limits).and_then(|(_, mesh)| {
        write_atomically(output, &geometry::thumbnail::render_png(&mesh, size)?)?;
        Ok(format!("{} → {} ({size} × {size} px)", file.display(), output.display()))
    });
    finish(file, outcome)
}

/// The most batches of concepts a story gets ("Explore more" 99 times).
const MAX_BATCH: usize = 99;

/// `memoreez concepts --hobbies … [--facts …] [--batch N] -o DIR [--json]`.
fn run_concepts(hobbies: &str, facts: &str, batch: usize, output: &Path, json: bool) -> ExitCode {
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

/// Writes beside the target and renames, so a failure never leaves half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ToolError> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(folder)?;
    std::io::Write::write_all(&mut temporary, bytes)?;
    temporary.persist(path).map_err(|e| ToolError::Io(e.error))?;
    Ok(())
}

/// Reads a model file of any supported format.
fn load(file: &Path, limits: &Limits) -> Result<(Format, Mesh), ToolError> {
    let format = Format::from_name(&file.to_string_lossy())?;
    let bytes = read_capped(file, limits)?;
    Ok((format, geometry::io::read(format, &bytes, limits)?))
}

/// Reads a user's file, refusing one over the size cap before reading it
/// into memory.
fn read_capped(file: &Path, limits: &Limits) -> Result<Vec<u8>, ToolError> {
    let size = std::fs::metadata(file)?.len();
    if size > limits.max_bytes {
        return Err(MeshError::TooLarge { size, limit: limits.max_bytes }.into());
    }
    Ok(std::fs::read(file)?)
}

/// `mesh info --json`: exactly these keys.
#[derive(Serialize, Debug)]
pub struct InfoReport {
    format: Format,
    triangles: usize,
    volume_mm3: f64,
    area_mm2: f64,
    bbox_mm: [[f64; 3]; 2],
    watertight: bool,
    open_edges: usize,
    shells: usize,
    overhang_area_mm2: f64,
    needs_support: bool,
}

#[derive(thiserror::Error, Debug)]
pub enum ToolError {
    #[error("{0}")]
    Mesh(#[from] MeshError),
    #[error("cannot read or write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write that kind of file: {0}")]
    Output(String),
    #[error(transparent)]
    Relief(#[from] geometry::relief::ReliefError),
    #[error(transparent)]
    Keepsake(#[from] geometry::keepsake::KeepsakeError),
    #[error(transparent)]
    Quote(#[from] slicing::quote::QuoteError),
    #[error(transparent)]
    Solid(#[from] geometry::SolidError),
    #[error(transparent)]
    Thumbnail(#[from] geometry::thumbnail::ThumbnailError),
}

pub fn info(file: &Path, limits: &Limits) -> Result<InfoReport, ToolError> {
    let (format, mesh) = load(file, limits)?;
    let a: Analysis = geometry::analyse(&mesh, &AnalysisOptions::default());
    Ok(InfoReport {
        format,
        triangles: a.triangles,
        volume_mm3: a.volume_mm3,
        area_mm2: a.area_mm2,
        bbox_mm: a.bbox_mm,
        watertight: a.watertight,
        open_edges: a.open_edges,
        shells: a.shells,
        overhang_area_mm2: a.overhang_area_mm2,
        needs_support: a.needs_support,
    })
}

impl InfoReport {
    fn summary(&self, file: &Path, build_volume_mm: [f64; 3]) -> String {
        let [min, max] = self.bbox_mm;
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let size = [0, 1, 2].map(|k| max[k] - min[k]);
        let fits = size.iter().zip(build_volume_mm).all(|(s, room)| *s <= room);
        let [bx, by, bz] = build_volume_mm;
        format!(
            "{file}\n  triangles     {}\n  size          {:.1} × {:.1} × {:.1} mm\n  volume        {:.1} mm³\n  \
             surface area  {:.1} mm²\n  watertight    {} ({} open edges)\n  shells        {}\n  \
             overhangs     {:.1} mm² (supports {})\n  fits printer  {} ({bx} × {by} × {bz} mm)\n",
            self.triangles,
            max[0] - min[0],
            max[1] - min[1],
            max[2] - min[2],
            self.volume_mm3,
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
