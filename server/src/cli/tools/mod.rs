//! The file tools of the command line: `memoreez mesh info`, `memoreez repair`,
//! `memoreez engrave`, `memoreez thumbnail`, `memoreez relief`.
//!
//! Each prints a human summary by default and JSON with `--json`, and fails
//! with one `error: …` line and exit code 2 on bad input, never a panic.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use geometry::io::Format;
use geometry::keepsake::{KeepsakeSpec, TextFinish};
use geometry::pedestal::Pedestal;
use geometry::{Limits, Mesh, MeshError};
use slicing::material::Material;
use slicing::quote::Engine;

use crate::platform::config::Config;

mod make;
mod mesh;

use make::*;
pub use make::{EngraveOutcome, PedestalShapeArg};
use mesh::*;
pub use mesh::{InfoReport, PriceProfile, RepairOutcome, info};

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
        /// Stand it up as a plaque (its picture facing the front, as the
        /// shop makes it by default) instead of leaving it flat.
        #[arg(long)]
        standing: bool,
        /// Make the rounded figure instead: the outline inflated into a
        /// smooth solid, round on both sides.
        #[arg(long)]
        rounded: bool,
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
        ToolCommand::Relief { image, width_mm, standing, rounded, output } => {
            run_relief(&image, (width_mm, standing, rounded), &output, limits)
        }
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
