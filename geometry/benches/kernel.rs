//! `cargo bench -p geometry`: the kernel's speed on big inputs, printed.
//!
//! mesh info on a 1.3 M-triangle binary STL (read + full analysis), side by
//! side with trimesh (load + volume + watertight) when Python has it;
//! engraving a 50k-triangle model, natively and in our wasm32 build, side by
//! side with the npm manifold-3d WASM doing the same booleans in Node; the
//! relief of a 512 × 512 picture. Each figure is the median of several runs.

use std::process::Command;
use std::time::{Duration, Instant};

use geometry::engrave::engrave;
use geometry::keepsake::{KeepsakeSpec, TextFinish, join, keepsake, parts};
use geometry::pedestal::{Pedestal, PedestalShape};
use geometry::text::Font;
use geometry::{AnalysisOptions, Limits, Mesh, analyse, io, shapes};

#[path = "../tests/wasm/build.rs"]
mod build;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(work());
                started.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // 2 × 1140 × 569 ≈ 1.30 M triangles.
    let sphere = shapes::uv_sphere([0.0, 0.0, 40.0], 40.0, 1140, 570);
    let stl = io::stl::write_binary(&sphere);
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("sphere.stl");
    std::fs::write(&path, &stl).expect("write fixture");
    println!(
        "fixture: UV sphere, {} triangles, binary STL {:.1} MB",
        sphere.triangles.len(),
        stl.len() as f64 / 1e6
    );

    let limits = Limits::default();
    let read = time(5, || io::stl::read(&stl, &limits).expect("reads"));
    let mesh = io::stl::read(&stl, &limits).expect("reads");
    let analysis = time(5, || analyse(&mesh, &AnalysisOptions::default()));
    let whole = time(5, || {
        let bytes = std::fs::read(&path).expect("read file");
        analyse(&io::stl::read(&bytes, &limits).expect("reads"), &AnalysisOptions::default())
    });
    println!("memoreez mesh info (file → read → analyse): {:>8.1} ms", whole.as_secs_f64() * 1e3);
    println!("  of which STL read + weld:                  {:>8.1} ms", read.as_secs_f64() * 1e3);
    println!("  of which analysis:                         {:>8.1} ms", analysis.as_secs_f64() * 1e3);

    // Relief of a 512 × 512 picture: a shaded disc with a ring, on white.
    let picture = image::RgbaImage::from_fn(512, 512, |x, y| {
        let (dx, dy) = (x as f64 - 256.0, y as f64 - 256.0);
        let r = (dx * dx + dy * dy).sqrt();
        let v = if r < 180.0 { (60.0 + 120.0 * (1.0 - r / 180.0)) as u8 } else { 255 };
        image::Rgba([v, v / 2, v / 3, 255])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut png, image::ImageFormat::Png).expect("encode");
    let png = png.into_inner();
    let options = geometry::relief::ReliefOptions::default();
    let relief = time(5, || geometry::relief::relief(&png, &options).expect("relief"));
    let triangles = geometry::relief::relief(&png, &options).expect("relief").triangles.len();
    println!(
        "relief of a 512 × 512 PNG ({triangles} triangles):   {:>8.1} ms (goal < 500 ms)",
        relief.as_secs_f64() * 1e3
    );
    let figure_options = geometry::relief::FigureOptions::default();
    let figure = time(5, || geometry::relief::figure(&png, &figure_options).expect("figure"));
    let triangles = geometry::relief::figure(&png, &figure_options).expect("figure").triangles.len();
    println!(
        "rounded figure of the same PNG ({triangles} triangles): {:>6.1} ms (goal < 500 ms)",
        figure.as_secs_f64() * 1e3
    );

    engraving(dir.path());

    let script = r#"
import sys, time, trimesh
runs = []
for _ in range(3):
    t = time.perf_counter()
    m = trimesh.load(sys.argv[1], force="mesh")
    m.volume; m.is_watertight
    runs.append(time.perf_counter() - t)
runs.sort()
print(runs[len(runs) // 2] * 1000)
"#;
    match Command::new("python3").args(["-c", script, path.to_str().unwrap()]).output() {
        Ok(out) if out.status.success() => {
            let trimesh_ms: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(f64::NAN);
            let ours_ms = whole.as_secs_f64() * 1e3;
            println!("trimesh load + volume + watertight:          {trimesh_ms:>8.1} ms");
            println!(
                "speed-up over trimesh:                       {:>8.1}× (goal ≥ 10×)",
                trimesh_ms / ours_ms
            );
        }
        _ => println!("trimesh: not installed (pip install trimesh) — comparison skipped"),
    }
}

/// A part as the Node side reads it: counts, f32 positions, u32 corners.
fn part_bytes(mesh: &Mesh) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + 12 * (mesh.vertices.len() + mesh.triangles.len()));
    bytes.extend((mesh.vertices.len() as u32).to_le_bytes());
    bytes.extend((mesh.triangles.len() as u32).to_le_bytes());
    bytes.extend(mesh.vertices.iter().flatten().flat_map(|&x| (x as f32).to_le_bytes()));
    bytes.extend(mesh.triangles.iter().flatten().flat_map(|i| i.to_le_bytes()));
    bytes
}

/// Engraving two lines into a round pedestal under a 50k-triangle model.
fn engraving(dir: &std::path::Path) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // 2 × 224 × 112 ≈ 50 k triangles, read back from STL as both sides read it.
    let stl = io::stl::write_binary(&shapes::uv_sphere([0.0, 0.0, 30.0], 30.0, 224, 113));
    let model = io::stl::read(&stl, &Limits::default()).expect("reads");
    let spec = KeepsakeSpec {
        pedestal: Pedestal { shape: PedestalShape::Round, ..Pedestal::default() },
        text: vec!["Grandma Rosa".into(), "1931 – 2024".into()],
        finish: TextFinish::Engraved,
        ..KeepsakeSpec::default()
    };
    let font = Font::embedded();
    let whole = time(5, || keepsake(&model, &spec, &font).expect("keepsake"));
    let prepared = parts(&model, &spec, &font).expect("parts");
    let prepare = time(5, || parts(&model, &spec, &font).expect("parts"));
    let booleans = time(5, || join(prepared.clone()).expect("join"));
    let made = join(prepared.clone()).expect("join");
    // The join's two steps: the letters (in 2D on the pedestal's front, as
    // `join` does them) and the model onto the lettered pedestal (a boolean).
    let engraving = prepared.engraving.as_ref().expect("text");
    let letters_2d = time(5, || engrave(&prepared.pedestal, engraving).expect("a flat front"));
    let lettered = engrave(&prepared.pedestal, engraving).expect("a flat front");
    let letters_3d = time(5, || {
        geometry::boolean::difference(&prepared.pedestal, prepared.letters.as_ref().expect("text"))
            .expect("boolean")
    });
    let model_on = time(5, || geometry::boolean::union(&lettered, &prepared.model).expect("boolean"));
    println!(
        "engraving a {}-triangle model (two lines, round pedestal) → {} triangles:",
        model.triangles.len(),
        made.mesh.triangles.len()
    );
    println!("  memoreez native, whole keepsake:           {:>8.1} ms", ms(whole));
    println!("    of which repair, pedestal, letters:      {:>8.1} ms", ms(prepare));
    println!("    of which the join (letters, then model): {:>8.1} ms", ms(booleans));
    println!(
        "      letters in 2D on the front:            {:>8.1} ms (as a solid boolean: {:.1} ms)",
        ms(letters_2d),
        ms(letters_3d)
    );
    println!("      the model onto the pedestal (boolean): {:>8.1} ms", ms(model_on));
    // What the studio adds to the joined solid before showing it: marks,
    // overhangs and the thin-wall search (a ray per face).
    let settings = geometry::estimate::PrintSettings::default();
    let survey = time(5, || geometry::preview::Preview::of_keepsake(&made, &settings));
    let thin = geometry::thickness::thin_walls(&made.mesh, settings.min_wall_mm);
    println!(
        "  studio view of the joined solid, native:   {:>8.1} ms (thin walls found: {:.1} mm²)",
        ms(survey),
        thin.area_mm2
    );

    for (name, part) in [("model", &prepared.model), ("pedestal", &prepared.pedestal)]
        .into_iter()
        .chain(prepared.letters.as_ref().map(|letters| ("letters", letters)))
    {
        std::fs::write(dir.join(format!("{name}.bin")), part_bytes(part)).expect("write part");
    }
    std::fs::write(dir.join("finish.txt"), "engraved").expect("write");
    let (model_path, spec_path) = (dir.join("model.stl"), dir.join("spec.json"));
    std::fs::write(&model_path, &stl).expect("write");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).expect("spec")).expect("write");
    let module = build::build_wasm_module(true);
    let end2end = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let output = Command::new("node")
        .current_dir(&end2end)
        .args([
            "bench/engrave.mjs".as_ref(),
            module.as_os_str(),
            model_path.as_os_str(),
            spec_path.as_os_str(),
        ])
        .args([dir.as_os_str(), "7".as_ref()])
        .output();
    let figures: Option<serde_json::Value> = match output {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout).ok(),
        Ok(out) => {
            println!(
                "  Node side failed: {}",
                String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("")
            );
            None
        }
        Err(e) => {
            println!("  Node side not run ({e}); install Node.js and run npm ci in end2end/");
            None
        }
    };
    let Some(figures) = figures else { return };
    let field = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    let (manifold, ours_join) = (field("manifold_ms"), field("ours_join_ms"));
    println!("  memoreez wasm32 in Node, whole keepsake:   {:>8.1} ms", field("ours_prepare_ms") + ours_join);
    println!("    of which the join (letters, then model): {:>8.1} ms", ours_join);
    // The studio draws the placed parts before the booleans; this figure also
    // reads the STL, which the studio's worker does once per model.
    println!(
        "  studio preview, wasm32 (read + place parts): {:>6.1} ms (goal < 150 ms)",
        field("ours_prepare_ms")
    );
    println!(
        "  npm manifold-3d WASM, same two booleans:   {:>8.1} ms ({} triangles)",
        manifold, figures["manifold_triangles"]
    );
    println!(
        "  join, ours ÷ manifold-3d's two booleans: wasm {:.2}×, native {:.2}× (goal ≤ 0.5×)",
        ours_join / manifold,
        ms(booleans) / manifold
    );
}
