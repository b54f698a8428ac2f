//! `cargo bench -p geometry`: the kernel's speed on big inputs, printed.
//!
//! mesh info on a 1.3 M-triangle binary STL (read + full analysis), side by
//! side with trimesh (load + volume + watertight) when Python has it. Each
//! figure is the median of several runs.

use std::process::Command;
use std::time::{Duration, Instant};

use geometry::{AnalysisOptions, Limits, analyse, io, shapes};

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
