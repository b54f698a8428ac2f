//! Every input the fuzzers once crashed on (`fuzz/regressions/<target>/`),
//! and their seeds, read again the way the fuzz targets read them: each must
//! come back as a value or an error, never a panic.

use std::path::{Path, PathBuf};

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
fn gcode_that_crashed_the_reader_is_read() {
    let files = inputs("gcode");
    assert!(files.iter().any(|file| file.to_string_lossy().contains("regressions")), "{files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let _ = slicing::gcode::summarise(&bytes[..]);
    }
}

#[test]
fn links_that_crashed_the_parser_are_refused_or_stay_inside() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("lab/Pending")).unwrap();
    std::fs::write(root.path().join("lab/Pending/a.stl"), b"solid").unwrap();
    let root = root.path().canonicalize().unwrap();
    for file in inputs("print_link") {
        let bytes = std::fs::read(&file).unwrap();
        let Ok(link) = std::str::from_utf8(&bytes) else { continue };
        if let Ok(path) = slicing::open_link::parse(link)
            && let Ok(resolved) = slicing::open_link::resolve(&root, &path)
        {
            assert!(resolved.starts_with(&root), "{}: {}", file.display(), resolved.display());
        }
    }
}
