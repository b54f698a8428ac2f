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

/// The hostile shapes (`examples/hostile_seeds.rs` wrote them) are refused,
/// each for its own reason, not only survived.
#[test]
fn hostile_regressions_are_refused() {
    let limits = geometry::Limits { max_bytes: 1 << 20, max_triangles: 200_000 };
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut refused = 0;
    for (target, format) in [("obj", Format::Obj), ("three_mf", Format::ThreeMf)] {
        for file in std::fs::read_dir(fuzz.join(target)).unwrap() {
            let path = file.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let hostile =
                ["fan-out", "ring", "neither", "parts-of", "corners"].iter().any(|w| name.contains(w));
            if !hostile {
                continue;
            }
            let outcome = geometry::io::read(format, &std::fs::read(&path).unwrap(), &limits);
            if name.contains("unreached") {
                assert_eq!(outcome.map(|m| m.triangles.len()), Ok(4), "{name}");
            } else {
                assert!(outcome.is_err(), "{name} was read");
            }
            refused += 1;
        }
    }
    for file in std::fs::read_dir(fuzz.join("picture")).unwrap() {
        let path = file.unwrap().path();
        let outcome = geometry::picture::decode(&std::fs::read(&path).unwrap());
        assert!(matches!(outcome, Err(geometry::picture::PictureError::TooLarge(..))), "{}", path.display());
        refused += 1;
    }
    #[cfg(feature = "glb")]
    for file in std::fs::read_dir(fuzz.join("glb")).unwrap() {
        let path = file.unwrap().path();
        assert!(
            geometry::io::glb::read(&std::fs::read(&path).unwrap(), &limits).is_err(),
            "{}",
            path.display()
        );
        refused += 1;
    }
    assert!(refused >= 8, "{refused}");
}
