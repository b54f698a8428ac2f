//! The G-code reader against the real PrusaSlicer and the profiles kept in
//! `slicing/profiles/`, on generated models: one that needs supports and one
//! that does not. `./dev test` installs the Debian package `prusa-slicer`.

use geometry::shapes::cuboid;
use slicing::gcode::{GcodeSummary, grams};

mod common;
use common::{mushroom, slice};

const PLA: (f64, f64) = (1.75, 1.24);

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

/// `PrusaSlicer::slice` passes on the slicer's own steps as they happen: a
/// rising percent, in words a customer can read, ending at the export.
#[test]
fn the_slicers_own_progress_is_reported_as_it_goes() {
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let stl = dir.path().join("mushroom.stl");
    std::fs::write(&stl, geometry::io::stl::write_binary(&mushroom())).unwrap();
    let slicer = slicing::prusa::PrusaSlicer {
        binary: std::env::var("MEMOREEZ_PRUSA_SLICER").unwrap_or_else(|_| "prusa-slicer".into()).into(),
        ..Default::default()
    };
    let heard = std::sync::Mutex::new(Vec::new());
    let report = |percent: u8, stage: &str| heard.lock().unwrap().push((percent, stage.to_string()));
    let slice =
        slicer.slice(&stl, slicing::material::Material::Pla, &AtomicBool::new(false), &report).unwrap();
    assert!(slice.summary.support_mm > 0.0);
    let heard = heard.into_inner().unwrap();
    eprintln!("{heard:?}");
    assert!(heard.windows(2).all(|w| w[0].0 <= w[1].0), "never backwards: {heard:?}");
    let stages: Vec<&str> = heard.iter().map(|(_, stage)| stage.as_str()).collect();
    for step in ["Processing triangulated mesh", "Generating perimeters", "Generating support material"] {
        assert!(stages.contains(&step), "{step}: {stages:?}");
    }
    assert_eq!(heard.last().map(|(p, s)| (*p, s.as_str())), Some((90, "Exporting G-code")), "{heard:?}");
}

/// `PrusaSlicer::slice_copies` lays out every copy on one plate, each
/// labelled: three blocks print about three blocks' plastic; copies that
/// cannot share the bed are refused with the slicer's reason.
#[test]
fn copies_are_arranged_on_one_plate_or_refused() {
    use slicing::prusa::{PrusaSlicer, SliceError};
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let stl = dir.path().join("block.stl");
    std::fs::write(&stl, geometry::io::stl::write_binary(&cuboid([0.0; 3], [20.0, 20.0, 10.0]))).unwrap();
    let slicer = PrusaSlicer {
        binary: std::env::var("MEMOREEZ_PRUSA_SLICER").unwrap_or_else(|_| "prusa-slicer".into()).into(),
        ..Default::default()
    };
    let never = AtomicBool::new(false);
    let report: slicing::prusa::Progress<'_> = &|_, _| {};
    let quiet = (&never, report);
    let pla = slicing::material::Material::Pla;
    let one = slicer.slice_copies(&stl, pla, 1, quiet).unwrap();
    let three = slicer.slice_copies(&stl, pla, 3, quiet).unwrap();
    let ratio = three.summary.slicer_total_g.unwrap() / one.summary.slicer_total_g.unwrap();
    assert!((2.7..3.3).contains(&ratio), "three blocks: {ratio} × one");
    let gcode = std::fs::read_to_string(&three.gcode).unwrap();
    let mut labels: Vec<&str> =
        gcode.lines().filter_map(|line| line.strip_prefix("; printing object ")).collect();
    labels.sort();
    labels.dedup();
    assert_eq!(labels.len(), 3, "{labels:?}");

    let wide = dir.path().join("wide.stl");
    std::fs::write(&wide, geometry::io::stl::write_binary(&cuboid([0.0; 3], [150.0, 150.0, 2.0]))).unwrap();
    match slicer.slice_copies(&wide, pla, 4, quiet) {
        Err(SliceError::Failed(reason)) => assert!(reason.contains("could not fit on the bed"), "{reason}"),
        other => panic!("four 150 mm plates on one bed: {other:?}"),
    }
}
