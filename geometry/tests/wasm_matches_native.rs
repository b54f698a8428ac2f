//! The browser studio and the server must make the same keepsake from the
//! same inputs. This builds the kernel for wasm32, runs small engravings in
//! Node (as the browser will) and compares the STL bytes with this native
//! build's, byte for byte.

use std::path::Path;
use std::process::Command;

#[path = "wasm/build.rs"]
mod build;
use build::build_wasm_module;

use geometry::keepsake::{KeepsakeSpec, TextFinish, join, parts};
use geometry::pedestal::{Pedestal, PedestalShape};
use geometry::shapes::uv_sphere;
use geometry::text::Font;

fn run_in_node(module: &Path, model: &Path, spec: &Path, out: &Path) -> (i32, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasm/keepsake.mjs");
    let output = Command::new("node")
        .args([&script, module, model, spec, out])
        .output()
        .expect("Node.js is needed for this test (./dev test installs it)");
    let text =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

/// Models of several kinds, written as the binary STL both sides read.
fn models() -> Vec<(&'static str, Vec<u8>)> {
    let ball = uv_sphere([0.0, 0.0, 10.0], 10.0, 32, 16);
    let odd_ball = uv_sphere([3.7, -11.1, 0.3], 13.3, 57, 29);
    let picture = {
        let mut bytes = Vec::new();
        let side = 96u32;
        let pixels: Vec<u8> = (0..side * side)
            .flat_map(|i| {
                let (x, y) = (f64::from(i % side) - 40.0, f64::from(i / side) - 50.0);
                let r = (x * x + 2.0 * y * y).sqrt();
                if r < 30.0 { [(r * 8.0) as u8, 40, 90] } else { [255, 255, 255] }
            })
            .collect();
        let mut encoder = png::Encoder::new(&mut bytes, side, side);
        encoder.set_color(png::ColorType::Rgb);
        encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
        bytes
    };
    let relief = geometry::relief::relief(&picture, &Default::default()).unwrap();
    [("ball", ball), ("odd ball", odd_ball), ("relief", relief)]
        .into_iter()
        .map(|(name, mesh)| (name, geometry::io::stl::write_binary(&mesh)))
        .collect()
}

#[test]
fn engravings_are_byte_identical_in_wasm_and_native() {
    let module = build_wasm_module(false);
    let dir = tempfile::tempdir().unwrap();
    let specs = [
        (PedestalShape::Round, TextFinish::Engraved, vec!["Grandma Rosa", "1931 – 2024"], Some(35.0)),
        (PedestalShape::Square, TextFinish::Embossed, vec!["Æble & Øl"], None),
        (PedestalShape::Hex, TextFinish::Engraved, vec!["Happy 80th!"], Some(22.5)),
        (PedestalShape::Round, TextFinish::Embossed, vec!["Go team", "#7"], Some(61.3)),
    ];
    for (name, stl) in models() {
        let model_path = dir.path().join("model.stl");
        std::fs::write(&model_path, &stl).unwrap();
        let model = geometry::io::stl::read(&stl, &Default::default()).unwrap();
        for (shape, finish, text, height) in &specs {
            let spec = KeepsakeSpec {
                pedestal: Pedestal { shape: *shape, ..Pedestal::default() },
                text: text.iter().map(|s| s.to_string()).collect(),
                finish: *finish,
                model_height_mm: *height,
                ..KeepsakeSpec::default()
            };
            let spec_path = dir.path().join("spec.json");
            std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
            let out = dir.path().join("wasm.stl");
            let (code, said) = run_in_node(&module, &model_path, &spec_path, &out);
            assert_eq!(code, 0, "{name} {shape:?}: {said}");

            let native = join(parts(&model, &spec, &Font::embedded()).unwrap()).unwrap();
            let native = geometry::io::stl::write_binary(&native.mesh);
            let wasm = std::fs::read(&out).unwrap();
            let first_difference = native.iter().zip(&wasm).position(|(a, b)| a != b);
            assert!(
                native == wasm,
                "{name} {shape:?} {finish:?}: native {} bytes, wasm {} bytes, first difference at byte {first_difference:?}",
                native.len(),
                wasm.len()
            );
        }
    }

    // A refused input is refused the same way, with the same words.
    let spec_path = dir.path().join("bad.json");
    std::fs::write(&spec_path, r#"{"text": ["🎉"]}"#).unwrap();
    let model_path = dir.path().join("model.stl");
    let (code, said) = run_in_node(&module, &model_path, &spec_path, &dir.path().join("never.stl"));
    assert_eq!((code, said.trim()), (2, "error: the font has no letter for '🎉'; use other characters"));
}
