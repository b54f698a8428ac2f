//! The instant estimate (`geometry::estimate`) against the real PrusaSlicer
//! on a calibration set of generated shapes: the goal is model grams within
//! ±10 % of the slicer's on every shape. Prints the table it measured.

use geometry::estimate::{PrintSettings, estimate};
use geometry::keepsake::{KeepsakeSpec, keepsake};
use geometry::pedestal::{Pedestal, PedestalShape, pedestal};
use geometry::shapes::{cuboid, uv_sphere};
use slicing::gcode::grams;

mod common;
use common::{mushroom, slice};

fn calibration_set() -> Vec<(&'static str, geometry::Mesh)> {
    let ball = uv_sphere([0.0, 0.0, 15.0], 15.0, 64, 32);
    let keepsake = keepsake(
        &uv_sphere([0.0, 0.0, 0.0], 12.0, 48, 24),
        &KeepsakeSpec { text: vec!["Rosa".into()], ..KeepsakeSpec::default() },
        &geometry::text::Font::embedded(),
    )
    .unwrap()
    .mesh;
    let round = |height: f64| {
        pedestal(
            [[-20.0, -20.0], [20.0, 20.0]],
            &Pedestal { shape: PedestalShape::Round, height_mm: height, margin_mm: 0.0 },
        )
    };
    vec![
        ("cube 10 mm", cuboid([0.0; 3], [10.0; 3])),
        ("cube 25 mm", cuboid([0.0; 3], [25.0; 3])),
        ("cube 45 mm", cuboid([0.0; 3], [45.0; 3])),
        ("plate 60×40×4 mm", cuboid([0.0; 3], [60.0, 40.0, 4.0])),
        ("tower 12×12×60 mm", cuboid([0.0; 3], [12.0, 12.0, 60.0])),
        ("disc ⌀57×8 mm", round(8.0)),
        ("cylinder ⌀57×35 mm", round(35.0)),
        ("ball ⌀30 mm", ball),
        ("mushroom", mushroom()),
        ("keepsake", keepsake),
    ]
}

#[test]
fn the_estimate_is_within_ten_percent_of_prusa_slicer_on_the_calibration_set() {
    let settings = PrintSettings::default();
    let mut worst: f64 = 0.0;
    let mut table =
        String::from("shape                 slicer model g  estimate  error   slicer support g  estimate\n");
    for (name, mesh) in calibration_set() {
        let sliced = slice(&mesh, "");
        let (slicer_model, slicer_support) =
            (grams(sliced.model_mm, 1.75, 1.24), grams(sliced.support_mm, 1.75, 1.24));
        let ours = estimate(&mesh, &settings);
        let error = ours.model_g / slicer_model - 1.0;
        worst = worst.max(error.abs());
        table += &format!(
            "{name:<22}{slicer_model:>14.2}{:>10.2}{:>+7.1} %{slicer_support:>18.2}{:>10.2}\n",
            ours.model_g,
            100.0 * error,
            ours.support_g
        );
    }
    eprintln!("{table}worst model error: {:.1} %", 100.0 * worst);
    assert!(worst <= 0.10, "the estimate is off by up to {:.1} % (goal ±10 %):\n{table}", 100.0 * worst);
}
