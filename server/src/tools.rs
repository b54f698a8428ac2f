//! The file tools of the command line: `memoreez mesh info`.
//!
//! Each prints a human summary by default and JSON with `--json`, and fails
//! with one `error: …` line and exit code 2 on bad input, never a panic.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use geometry::io::Format;
use geometry::{Analysis, AnalysisOptions, Limits, MeshError};
use serde::Serialize;

#[derive(Subcommand, Debug)]
pub enum MeshCommand {
    /// Size, volume, watertightness and overhangs of an STL file.
    Info {
        file: PathBuf,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

pub fn run_mesh(command: MeshCommand) -> ExitCode {
    match command {
        MeshCommand::Info { file, json } => match info(&file) {
            Ok(report) => {
                if json {
                    println!("{}", serde_json::to_string(&report).expect("a report serialises"));
                } else {
                    print!("{}", report.summary(&file));
                }
                ExitCode::SUCCESS
            }
            Err(error) => crate::cli::fail(format!("{}: {error}", file.display())),
        },
    }
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
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

pub fn info(file: &Path) -> Result<InfoReport, ToolError> {
    let limits = Limits::default();
    let format = Format::from_name(&file.to_string_lossy())?;
    // Refuse an oversized file before reading it into memory.
    let size = std::fs::metadata(file)?.len();
    if size > limits.max_bytes {
        return Err(MeshError::TooLarge { size, limit: limits.max_bytes }.into());
    }
    let bytes = std::fs::read(file)?;
    let mesh = geometry::io::read(format, &bytes, &limits)?;
    let Analysis {
        triangles,
        volume_mm3,
        area_mm2,
        bbox_mm,
        watertight,
        open_edges,
        shells,
        overhang_area_mm2,
        needs_support,
        ..
    } = geometry::analyse(&mesh, &AnalysisOptions::default());
    Ok(InfoReport {
        format,
        triangles,
        volume_mm3,
        area_mm2,
        bbox_mm,
        watertight,
        open_edges,
        shells,
        overhang_area_mm2,
        needs_support,
    })
}

impl InfoReport {
    fn summary(&self, file: &Path) -> String {
        let [min, max] = self.bbox_mm;
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        format!(
            "{file}\n  triangles     {}\n  size          {:.1} × {:.1} × {:.1} mm\n  volume        {:.1} mm³\n  \
             surface area  {:.1} mm²\n  watertight    {} ({} open edges)\n  shells        {}\n  \
             overhangs     {:.1} mm² (supports {})\n",
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
            file = file.display(),
        )
    }
}
