//! The worst case of each hostile shape: time and memory held while it is
//! refused, under the server's default caps (256 MB files, 5 million
//! triangles). The goal is under 2 s and under 300 MB each.
//!
//! `cargo bench -p geometry --bench hostile --features glb`

#[path = "../tests/support/hostile.rs"]
mod hostile;
#[path = "../tests/support/peak.rs"]
mod peak;

use std::time::{Duration, Instant};

use geometry::io::{Format, read};
use geometry::{Limits, MeshError};

#[global_allocator]
static COUNTING: peak::Counting = peak::Counting;

fn measure(name: &str, bytes: &[u8], work: impl Fn(&[u8]) -> Result<(), String>) -> (Duration, usize) {
    let mut worst = (Duration::ZERO, 0usize);
    let mut reason = String::new();
    for _ in 0..3 {
        let started = Instant::now();
        let (outcome, held) = peak::peak_of(|| work(bytes));
        let took = started.elapsed();
        reason = match outcome {
            Err(reason) => reason,
            Ok(()) => "READ (not refused)".into(),
        };
        worst = (worst.0.max(took), worst.1.max(held));
    }
    println!(
        "{name:<46} {:>9} KB {:>9.1} ms {:>8.1} MB  {}",
        bytes.len() / 1024,
        worst.0.as_secs_f64() * 1e3,
        worst.1 as f64 / (1 << 20) as f64,
        reason.chars().take(70).collect::<String>()
    );
    worst
}

fn model(format: Format) -> impl Fn(&[u8]) -> Result<(), String> {
    move |bytes| read(format, bytes, &Limits::default()).map(drop).map_err(|e: MeshError| e.to_string())
}

fn main() {
    println!("{:<46} {:>12} {:>12} {:>11}  reason", "shape", "file", "worst time", "held");
    let mut worst = (Duration::ZERO, 0usize);
    let mut note = |m: (Duration, usize)| worst = (worst.0.max(m.0), worst.1.max(m.1));

    note(measure(
        "3MF fan-out, 8 levels x 10 copies",
        &hostile::three_mf_fan_out(8, 10),
        model(Format::ThreeMf),
    ));
    note(measure(
        "3MF fan-out, 3 levels x 2000 copies",
        &hostile::three_mf_fan_out(3, 2000),
        model(Format::ThreeMf),
    ));
    note(measure("3MF component ring of 1000", &hostile::three_mf_cycle(1000), model(Format::ThreeMf)));
    note(measure(
        "3MF object with no mesh or components",
        &hostile::three_mf_empty_object(),
        model(Format::ThreeMf),
    ));
    note(measure(
        "3MF 48 parts x 24 MB (1.1 GB of XML)",
        &hostile::three_mf_many_parts(48, 24 << 20),
        model(Format::ThreeMf),
    ));
    note(measure(
        "3MF one part of 7 million vertices",
        &hostile::three_mf_many_parts(1, 180 << 20),
        model(Format::ThreeMf),
    ));
    let unreached = hostile::three_mf_unreached_parts(48, 24 << 20);
    let read_it = |bytes: &[u8]| match read(Format::ThreeMf, bytes, &Limits::default()) {
        Ok(mesh) => Err(format!("read {} triangles, the 48 parts never inflated", mesh.triangles.len())),
        Err(error) => Err(error.to_string()),
    };
    note(measure("3MF 48 unreached parts x 24 MB", &unreached, read_it));
    note(measure("OBJ face of 20 million corners", &hostile::obj_long_face(20_000_000), model(Format::Obj)));
    let glb = |bytes: &[u8]| {
        geometry::io::glb::read(bytes, &Limits::default()).map(drop).map_err(|e| e.to_string())
    };
    note(measure("GLB ring of 10000 nodes", &hostile::glb_node_cycle(10_000), glb));
    note(measure("GLB 64 nodes listing the next 64 times", &hostile::glb_repeated_children(64, 64), glb));
    note(measure("GLB accessor claiming 2^62 items", &hostile::glb_huge_count(1 << 62), glb));
    let picture = |bytes: &[u8]| geometry::picture::decode(bytes).map(drop).map_err(|e| e.to_string());
    note(measure("PNG claiming 1 000 000 x 1 000 000", &hostile::png_claimed(1_000_000, 1_000_000), picture));
    note(measure("JPEG claiming 65 535 x 65 535", &hostile::jpeg_claimed(65_535, 65_535), picture));
    println!(
        "worst of all: {:.1} ms, {:.1} MB (goal: under 2000 ms and 300 MB)",
        worst.0.as_secs_f64() * 1e3,
        worst.1 as f64 / (1 << 20) as f64
    );
}
