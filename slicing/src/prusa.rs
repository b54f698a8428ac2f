//! Running PrusaSlicer's command line on a model, headless, in a temporary
//! folder, with the profiles kept in the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::gcode::{GcodeSummary, summarise};
use crate::material::Material;

/// Hears a slice's progress: a percent that only rises, and what the slicer
/// is doing.
pub type Progress<'a> = &'a dyn Fn(u8, &str);

/// How to reach the slicer.
#[derive(Clone, Debug, PartialEq)]
pub struct PrusaSlicer {
    /// The `prusa-slicer` binary: a name on PATH or a path.
    pub binary: PathBuf,
    /// A slice that runs longer is stopped.
    pub timeout: Duration,
}

impl Default for PrusaSlicer {
    fn default() -> Self {
        PrusaSlicer { binary: PathBuf::from("prusa-slicer"), timeout: Duration::from_secs(300) }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum SliceError {
    #[error(
        "PrusaSlicer is not installed here (looked for {0}); set MEMOREEZ_PRUSA_SLICER or use the estimate"
    )]
    Missing(String),
    #[error("PrusaSlicer took longer than {0} s and was stopped")]
    Timeout(u64),
    #[error("PrusaSlicer could not slice this model: {0}")]
    Failed(String),
    #[error("the slice was cancelled")]
    Cancelled,
    #[error("{0} cannot be sliced with PrusaSlicer")]
    NotFilament(&'static str),
    #[error("slicing failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A finished slice: the G-code's summary and the G-code itself, in a
/// temporary folder that is removed when this is dropped.
#[derive(Debug)]
pub struct Slice {
    pub summary: GcodeSummary,
    pub gcode: PathBuf,
    _folder: tempfile::TempDir,
}

impl PrusaSlicer {
    /// `prusa-slicer 2.5.0`, for the quote's record, or `None` when the
    /// binary cannot be started. PrusaSlicer 2.5 has no --version; its help
    /// names it as `PrusaSlicer-2.5.0+UNKNOWN based on …`.
    pub fn engine_name(&self) -> Option<String> {
        let help = Command::new(&self.binary).arg("--help").stderr(Stdio::null()).output().ok()?;
        let text = String::from_utf8_lossy(&help.stdout);
        let version = text.lines().find_map(|line| {
            let rest = line.trim().strip_prefix("PrusaSlicer-")?;
            Some(rest.split(['+', ' ']).next()?.to_string())
        });
        Some(format!("prusa-slicer {}", version.as_deref().unwrap_or("(unknown version)")))
    }

    /// Slices `model` (STL, OBJ or 3MF; repaired beforehand) for `material`.
    /// Setting `cancel` (from another thread, e.g. when the requester goes
    /// away) stops the slicer within a few milliseconds. `report` hears the
    /// slicer's own progress as it goes: a percent that only rises, and what
    /// it is doing ("Generating support material").
    pub fn slice(
        &self,
        model: &Path,
        material: Material,
        cancel: &AtomicBool,
        report: Progress<'_>,
    ) -> Result<Slice, SliceError> {
        self.slice_copies(model, material, 1, (cancel, report))
    }

    /// Slices `copies` of `model` on one plate: PrusaSlicer's own
    /// `--duplicate` arranges them on the bed, so the G-code prints them all
    /// and its figures are theirs together. Copies that do not fit the bed
    /// are refused by the slicer, with its reason ("Objects could not fit on
    /// the bed").
    pub fn slice_copies(
        &self,
        model: &Path,
        material: Material,
        copies: u32,
        (cancel, report): (&AtomicBool, Progress<'_>),
    ) -> Result<Slice, SliceError> {
        let profile = material.profile().ok_or(SliceError::NotFilament("resin"))?;
        let folder = tempfile::tempdir()?;
        let gcode = folder.path().join("model.gcode");
        // Output goes to a file, not a pipe: a pipe nobody reads while we
        // wait could fill and stall the slicer.
        let log_path = folder.path().join("slicer.log");
        let log = std::fs::File::create(&log_path)?;
        let profiles = crate::profiles_dir();
        let mut child = Command::new(&self.binary)
            .args(["--loglevel", "1", "--export-gcode", "--load"])
            .arg(profiles.join("printer.ini"))
            .arg("--load")
            .arg(profiles.join(profile))
            // Each copy labelled in the G-code: a printer server's cancel-object
            // feature can then stop one copy that fails and finish the rest.
            .args(if copies > 1 {
                vec!["--duplicate".to_string(), copies.to_string(), "--gcode-label-objects".to_string()]
            } else {
                vec![]
            })
            .arg(model)
            .arg("-o")
            .arg(&gcode)
            .current_dir(folder.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => SliceError::Missing(self.binary.display().to_string()),
                _ => SliceError::Io(e),
            })?;
        let started = Instant::now();
        let mut progress = ProgressLines::open(&log_path)?;
        let status = loop {
            let finished = child.try_wait()?;
            progress.read_new(report);
            if let Some(status) = finished {
                break status;
            }
            let stop = if cancel.load(Ordering::Relaxed) {
                Some(SliceError::Cancelled)
            } else if started.elapsed() > self.timeout {
                Some(SliceError::Timeout(self.timeout.as_secs()))
            } else {
                None
            };
            if let Some(error) = stop {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if !status.success() || !gcode.exists() {
            let said = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(SliceError::Failed(last_meaningful_line(&said)));
        }
        let summary = summarise(std::io::BufReader::new(std::fs::File::open(&gcode)?))?;
        Ok(Slice { summary, gcode, _folder: folder })
    }
}

/// Follows the slicer's log as it is written and picks out its progress
/// lines, `70 => Infilling layers`. PrusaSlicer's percents are per step and
/// not in order (70 comes before 30), so the percent reported is the highest
/// seen: a bar that never goes backwards.
struct ProgressLines {
    log: std::fs::File,
    pending: Vec<u8>,
    highest: u8,
}

impl ProgressLines {
    fn open(path: &Path) -> std::io::Result<ProgressLines> {
        Ok(ProgressLines { log: std::fs::File::open(path)?, pending: Vec::new(), highest: 0 })
    }

    fn read_new(&mut self, report: Progress<'_>) {
        use std::io::Read;
        // An unreadable log only costs progress reports, never the slice.
        if self.log.read_to_end(&mut self.pending).is_err() {
            return;
        }
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            if let Some((percent, text)) = progress_line(&String::from_utf8_lossy(&line)) {
                self.highest = self.highest.max(percent);
                report(self.highest, text.trim_end_matches(|c: char| c == '.' || c.is_whitespace()));
            }
        }
    }
}

/// `("70", "Infilling layers")` from `70 => Infilling layers`; the export
/// line's path is left out (it names our temporary folder).
fn progress_line(line: &str) -> Option<(u8, &str)> {
    let (percent, text) = line.trim().split_once(" => ")?;
    let percent = percent.parse::<u8>().ok().filter(|p| *p <= 100)?;
    let text = text.split(" to ").next().unwrap_or(text).trim();
    Some((percent, text))
}

/// The slicer's last line that says something (not a log prefix or progress).
fn last_meaningful_line(said: &str) -> String {
    said.lines()
        .map(|line| line.rsplit("] ").next().unwrap_or(line).trim())
        .map(|line| line.strip_prefix("what():").unwrap_or(line).trim())
        .rfind(|line| !line.is_empty() && !line.contains("=>") && !line.starts_with("Initializing"))
        .unwrap_or("no reason given")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    #[test]
    fn a_cancelled_slice_stops_the_slicer_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("slow-slicer");
        std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let slicer = PrusaSlicer { binary: script, timeout: Duration::from_secs(60) };
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(true, Ordering::Relaxed);
        });
        let started = Instant::now();
        let outcome = slicer.slice(Path::new("model.stl"), Material::Pla, &cancel, &|_, _| {});
        canceller.join().unwrap();
        assert!(matches!(outcome, Err(SliceError::Cancelled)), "{:?}", outcome.err());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "stopped, not waited for: {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn progress_lines_are_read_as_a_rising_percent_and_a_plain_stage() {
        assert_eq!(progress_line("70 => Infilling layers\n"), Some((70, "Infilling layers")));
        assert_eq!(
            progress_line("90 => Exporting G-code to /tmp/x/model.gcode"),
            Some((90, "Exporting G-code"))
        );
        assert_eq!(progress_line("[trace] Initializing StaticPrintConfigs"), None);
        assert_eq!(progress_line("900 => Too much"), None);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(
            &path,
            "[trace] hello\n10 => Processing triangulated mesh\n70 => Infilling layers\n30 => Prep",
        )
        .unwrap();
        let mut lines = ProgressLines::open(&path).unwrap();
        let heard = std::cell::RefCell::new(Vec::new());
        let report = |p: u8, t: &str| heard.borrow_mut().push((p, t.to_string()));
        lines.read_new(&report);
        // A half-written line waits for its end.
        std::fs::write(&path, "[trace] hello\n10 => Processing triangulated mesh\n70 => Infilling layers\n30 => Preparing infill\n").unwrap();
        lines.read_new(&report);
        assert_eq!(
            heard.into_inner(),
            [
                (10, "Processing triangulated mesh".to_string()),
                (70, "Infilling layers".into()),
                (70, "Preparing infill".into())
            ]
        );
    }

    #[test]
    fn resin_is_not_sent_to_the_slicer() {
        let outcome = PrusaSlicer::default().slice(
            Path::new("m.stl"),
            Material::Resin,
            &AtomicBool::new(false),
            &|_, _| {},
        );
        assert_eq!(
            outcome.err().map(|e| e.to_string()).as_deref(),
            Some("resin cannot be sliced with PrusaSlicer")
        );
    }
}
