//! Shared by the slicing tests: running the real PrusaSlicer with the
//! profiles in `slicing/profiles/`, and models that need supports.

use std::process::Command;

use geometry::shapes::cuboid;
use slicing::gcode::{GcodeSummary, summarise};

/// Slices `model` with the PLA profile plus `extra_ini` on top.
pub fn slice(model: &geometry::Mesh, extra_ini: &str) -> GcodeSummary {
    let dir = tempfile::tempdir().unwrap();
    let stl = dir.path().join("model.stl");
    std::fs::write(&stl, geometry::io::stl::write_binary(model)).unwrap();
    let extra = dir.path().join("extra.ini");
    std::fs::write(&extra, extra_ini).unwrap();
    let profiles = slicing::profiles_dir();
    let gcode = dir.path().join("model.gcode");
    let slicer = std::env::var("MEMOREEZ_PRUSA_SLICER").unwrap_or_else(|_| "prusa-slicer".into());
    let output = Command::new(&slicer)
        .args(["--loglevel", "1", "--export-gcode", "--load"])
        .arg(profiles.join("printer.ini"))
        .arg("--load")
        .arg(profiles.join("pla.ini"))
        .arg("--load")
        .arg(&extra)
        .arg(&stl)
        .arg("-o")
        .arg(&gcode)
        .output()
        .unwrap_or_else(|e| panic!("PrusaSlicer is needed ({slicer}: {e}); ./dev test installs it"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    summarise(std::io::BufReader::new(std::fs::File::open(&gcode).unwrap())).unwrap()
}

/// A mushroom: a thin stem under a wide cap, whose underside needs support.
pub fn mushroom() -> geometry::Mesh {
    let stem = cuboid([-4.0, -4.0, 0.0], [8.0, 8.0, 15.0]);
    let cap = cuboid([-15.0, -15.0, 14.0], [30.0, 30.0, 5.0]);
    geometry::boolean::union(&stem, &cap).unwrap()
}
