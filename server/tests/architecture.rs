//! The layout's one rule that a compiler does not check: `platform/` stands
//! under the rooms and knows nothing of them, so any room can use it and it
//! can be read, tested and changed on its own.
//!
//! The rooms are read from `src/lib.rs` (every `pub mod` but `platform`), not
//! from a list kept here, so a new room is covered the day it is added; and
//! a room is found however the code names it: `use crate::shop::x`, a
//! grouped `use crate::{shop, lab::y}` over several lines, or a path in an
//! expression (`crate::shop::orders::view(..)`).

use std::path::Path;

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The crate's top-level modules, as `src/lib.rs` declares them.
fn modules() -> Vec<String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    code_only(&lib)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').trim().to_string())
        .collect()
}

fn rooms() -> Vec<String> {
    modules().into_iter().filter(|name| name != "platform").collect()
}

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

/// The source with comments and string literals blanked out (a string is
/// read as one, so a `"http://…"` is not taken for a comment, and a
/// `"crate::x"` in a message names nothing).
fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    while at < bytes.len() {
        let rest = &source[at..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(source.len(), |n| at + n);
            at = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(source.len(), |n| at + n + 2);
            out.extend(source[at..end].chars().filter(|c| *c == '\n'));
            at = end;
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = 1 + hashes + 1; // r, #…, "
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..].find(&close).map_or(source.len(), |n| at + open + n + close.len());
            out.push_str("\"\"");
            at = end;
        } else if rest.starts_with('"') {
            let mut end = at + 1;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(bytes.len());
            out.extend(source[at..end].chars().filter(|c| *c == '\n'));
            out.push_str("\"\"");
            at = end;
        } else if rest.starts_with("'\"'") {
            out.push_str("'\"'");
            at += 3;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `br##"`…: the number of `#`s, when a raw string starts here.
fn raw_string_start(rest: &str) -> Option<usize> {
    let rest = rest.strip_prefix('b').unwrap_or(rest).strip_prefix('r')?;
    let hashes = rest.bytes().take_while(|b| *b == b'#').count();
    rest[hashes..].starts_with('"').then_some(hashes)
}

/// The first identifier at the start of `text`.
fn ident(text: &str) -> String {
    text.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// The top-level modules a file's code names through `crate::`, in every
/// form: paths, `use crate::x::…`, and groups `use crate::{x, y::z, …}`
/// (nested and over several lines).
fn modules_named(source: &str) -> Vec<String> {
    let code = code_only(source);
    let mut named = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level items, up to its closing brace.
            let mut depth = 0usize;
            let mut item_start = 0usize;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        named.push(ident(&group[item_start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        named.push(ident(&group[item_start..i]));
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            named.push(ident(rest));
        }
    }
    named.retain(|name| !name.is_empty());
    named
}

#[test]
fn the_platform_imports_no_room() {
    let rooms = rooms();
    assert!(
        rooms.len() >= 12 && rooms.iter().any(|room| room == "printers"),
        "the rooms are read from lib.rs: {rooms:?}"
    );
    let mut files = Vec::new();
    rust_files(&src().join("platform"), &mut files);
    assert!(files.len() > 10, "the platform's files are found: {files:?}");
    let mut wrong = Vec::new();
    for file in &files {
        for name in modules_named(&std::fs::read_to_string(file).unwrap()) {
            if rooms.contains(&name) {
                wrong.push(format!("{}: names crate::{name}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "platform/ names a room:\n{}", wrong.join("\n"));
}

#[test]
fn a_room_is_found_in_every_form_and_a_comment_or_string_is_not() {
    let source = r#"
use crate::platform::db::Db;
use crate::{
    printers::store::{self, Printer},
    lab::{actions, folders},
    platform::time,
};
use crate::{mail};
// see crate::shop::orders
/* and crate::reports::funnel */
let url = "http://crate::payments"; // crate::staff
let x = crate::shop::orders::view;
let y = crate::generation::creations::get(r"crate::cli", '"', "\" crate::http");
"#;
    assert_eq!(
        modules_named(source),
        ["platform", "printers", "lab", "platform", "mail", "shop", "generation"],
        "{}",
        code_only(source)
    );
}
