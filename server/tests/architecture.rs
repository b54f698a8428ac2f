//! The layout's one rule that a compiler does not check: `platform/` stands
//! under the rooms and knows nothing of them, so any room can use it and it
//! can be read, tested and changed on its own.

use std::path::Path;

const ROOMS: [&str; 11] =
    ["cli", "generation", "http", "jobs", "lab", "mail", "payments", "reports", "shop", "staff", "state"];

fn rust_files(folder: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// `crate::<room>` where the code (not a comment) names a room.
fn rooms_named(source: &str) -> Vec<String> {
    let mut named = Vec::new();
    for line in source.lines().map(str::trim_start).filter(|line| !line.starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if ROOMS.contains(&name.as_str()) {
                named.push(format!("{name}: {line}"));
            }
        }
    }
    named
}

#[test]
fn the_platform_imports_no_room() {
    let platform = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/platform");
    let mut files = Vec::new();
    rust_files(&platform, &mut files);
    assert!(files.len() > 10, "the platform's files are found: {files:?}");
    let mut wrong = Vec::new();
    for file in &files {
        for line in rooms_named(&std::fs::read_to_string(file).unwrap()) {
            wrong.push(format!("{}: {line}", file.display()));
        }
    }
    assert!(wrong.is_empty(), "platform/ names a room:\n{}", wrong.join("\n"));
}

#[test]
fn a_room_named_in_code_is_found_and_a_comment_is_not() {
    let source =
        "use crate::platform::db::Db;\n// see crate::shop::orders\nlet x = crate::shop::orders::view;";
    assert_eq!(rooms_named(source), ["shop: let x = crate::shop::orders::view;"]);
}
