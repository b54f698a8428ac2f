//! The G-code reader against the real PrusaSlicer and the profiles kept in
//! `slicing/profiles/`, on generated models: one that needs supports and one
//! that does not. `./dev test` installs the Debian package `prusa-slicer`.

use std::process::Command;

use geometry::shapes::cuboid;
use slicing::gcode::{GcodeSummary, grams, summarise};

const PLA: (f64, f64) = (1.75, 1.24);

fn slice(model: &geometry::Mesh, extra_ini: &str) -> GcodeSummary {
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
fn mushroom() -> geometry::Mesh {
    let stem = cuboid([-4.0, -4.0, 0.0], [8.0, 8.0, 15.0]);
    let cap = cuboid([-15.0, -15.0, 14.0], [30.0, 30.0, 5.0]);
    geometry::boolean::union(&stem, &cap).unwrap()
}

fn check_against_footer(s: &GcodeSummary, what: &str) {
    let (diameter, density) = PLA;
    let ours = grams(s.total_mm(), diameter, density);
    let theirs = s.slicer_total_g.unwrap_or_else(|| panic!("{what}: no total in the footer"));
    eprintln!(
        "{what}: model {:.2} g, support {:.2} g, skirt {:.2} g; sum {ours:.3} g vs PrusaSlicer {theirs} g",
        grams(s.model_mm, diameter, density),
        grams(s.support_mm, diameter, density),
        grams(s.skirt_mm, diameter, density),
    );
    assert!((ours - theirs).abs() <= 0.005 * theirs, "{what}: ours {ours} g, PrusaSlicer {theirs} g");
    let length = s.slicer_filament_mm.unwrap();
    assert!((s.total_mm() - length).abs() <= 0.005 * length, "{what}: {} vs {length} mm", s.total_mm());
    assert!(s.print_time_s.is_some_and(|t| t > 60), "{what}: {s:?}");
    assert!(s.skirt_mm > 0.0, "{what}: the profile prints a skirt");
}

#[test]
fn grams_split_into_model_and_support_and_add_up_to_the_slicers_total() {
    for (mode, ini) in [
        ("relative E", ""),
        ("absolute E", "use_relative_e_distances = 0\nlayer_gcode = \nstart_gcode = G28\\nG92 E0\\n\n"),
    ] {
        let block = slice(&cuboid([0.0; 3], [20.0, 20.0, 10.0]), ini);
        check_against_footer(&block, &format!("block, {mode}"));
        assert_eq!(block.support_mm, 0.0, "a block stands on its own: {block:?}");

        let mushroom = slice(&mushroom(), ini);
        check_against_footer(&mushroom, &format!("mushroom, {mode}"));
        assert!(
            mushroom.support_mm > 0.1 * mushroom.model_mm,
            "the cap's underside is held up: {mushroom:?}"
        );
    }
}
