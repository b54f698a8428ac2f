//! Running PrusaSlicer's command line on a model, headless, in a temporary
//! folder, with the profiles kept in the repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::gcode::{GcodeSummary, summarise};
use crate::material::Material;

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
    /// away) stops the slicer within a few milliseconds.
    pub fn slice(&self, model: &Path, material: Material, cancel: &AtomicBool) -> Result<Slice, SliceError> {
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
        let status = loop {
            if let Some(status) = child.try_wait()? {
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

/// The slicer's last line that says something (not a log prefix or progress).
fn last_meaningful_line(said: &str) -> String {
    said.lines()
        .map(|line| line.rsplit("] ").next().unwrap_or(line).trim())
        .map(|line| line.strip_prefix("what():").unwrap_or(line).trim())
        .filter(|line| !line.is_empty() && !line.contains("=>") && !line.starts_with("Initializing"))
        .last()
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
        let outcome = slicer.slice(Path::new("model.stl"), Material::Pla, &cancel);
        canceller.join().unwrap();
        assert!(matches!(outcome, Err(SliceError::Cancelled)), "{:?}", outcome.err());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "stopped, not waited for: {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn resin_is_not_sent_to_the_slicer() {
        let outcome =
            PrusaSlicer::default().slice(Path::new("m.stl"), Material::Resin, &AtomicBool::new(false));
        assert_eq!(
            outcome.err().map(|e| e.to_string()).as_deref(),
            Some("resin cannot be sliced with PrusaSlicer")
        );
    }
}
