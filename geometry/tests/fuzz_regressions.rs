//! Every model file the fuzzers once crashed on (`fuzz/regressions/<format>/`),
//! and their seeds, read again as the fuzz targets read them: each must come
//! back as a mesh or an error, never a panic, and a mesh within the caps.

use std::path::{Path, PathBuf};

use geometry::io::Format;

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files: Vec<PathBuf> = ["regressions", "seeds"]
        .iter()
        .filter_map(|kind| std::fs::read_dir(fuzz.join(kind).join(target)).ok())
        .flatten()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn model_files_that_crashed_the_readers_are_read() {
    let limits = geometry::Limits { max_bytes: 1 << 20, max_triangles: 200_000 };
    let mut read = 0;
    for (target, format) in [("stl", Format::Stl), ("obj", Format::Obj), ("three_mf", Format::ThreeMf)] {
        for file in inputs(target) {
            let bytes = std::fs::read(&file).unwrap();
            if let Ok(mesh) = geometry::io::read(format, &bytes, &limits) {
                let analysis = geometry::analysis::analyse(&mesh, &Default::default());
                assert!(analysis.triangles <= limits.max_triangles, "{}", file.display());
            }
            read += 1;
        }
    }
    assert!(read >= 5, "the seeds at least: {read}");
}
