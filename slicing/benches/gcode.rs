//! `cargo bench -p slicing`: G-code reading throughput, printed.
//!
//! A synthetic ~200 MB file shaped like PrusaSlicer's output (typed blocks,
//! relative E, retractions, comments), read from disk through a buffered
//! reader as a slice job does. The median of 3 runs.

use std::io::Write;
use std::time::Instant;

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("big.gcode");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    writeln!(out, "M83 ; relative E").unwrap();
    let kinds = ["Perimeter", "External perimeter", "Internal infill", "Support material", "Skirt/Brim"];
    let mut moves = 0u64;
    for layer in 0..2000 {
        writeln!(
            out,
            ";LAYER_CHANGE\n;Z:{:.1}\nG92 E0\nG1 Z{:.3} F720",
            layer as f64 * 0.2,
            layer as f64 * 0.2
        )
        .unwrap();
        for kind in kinds {
            writeln!(out, ";TYPE:{kind}\n;WIDTH:0.45\nG1 E-.8 F2100\nG1 X10.5 Y10.5 F9000\nG1 E.8 F2100")
                .unwrap();
            for i in 0..400 {
                writeln!(
                    out,
                    "G1 X{:.3} Y{:.3} E{:.5}",
                    100.0 + (i % 50) as f64 * 0.731,
                    80.0 + i as f64 * 0.113,
                    0.02731
                )
                .unwrap();
                moves += 1;
            }
        }
    }
    writeln!(out, "; filament used [mm] = 1.0\n; estimated printing time (normal mode) = 9h 1m 2s").unwrap();
    drop(out);
    let size = std::fs::metadata(&path).expect("size").len() as f64;

    let mut runs: Vec<f64> = (0..3)
        .map(|_| {
            let started = Instant::now();
            let file = std::fs::File::open(&path).expect("open");
            let summary =
                slicing::gcode::summarise(std::io::BufReader::with_capacity(1 << 16, file)).expect("reads");
            std::hint::black_box(summary);
            started.elapsed().as_secs_f64()
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    let seconds = runs[1];
    println!(
        "G-code reading: {:.0} MB, {moves} extrusion moves in {:.2} s = {:.0} MB/s",
        size / 1e6,
        seconds,
        size / 1e6 / seconds
    );
}
