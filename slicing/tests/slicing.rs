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
