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

/// The room a file of `src/` is in: its first folder, or its name (`state.rs`).
fn room_of(file: &Path) -> String {
    let relative = file.strip_prefix(src()).unwrap();
    relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The tables each room's SQL names right after one of `keywords`, read
/// from the lines that are not comments.
fn tables_after(keywords: &[&str]) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut named: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for line in source.lines().map(str::trim_start).filter(|line| !line.starts_with("//")) {
            for keyword in keywords {
                for (at, _) in line.match_indices(keyword) {
                    let table: String = line[at + keyword.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !table.is_empty() {
                        named.entry(room_of(&file)).or_default().insert(table);
                    }
                }
            }
        }
    }
    named
}

/// The tables each room writes (`INSERT INTO`, `UPDATE`, `DELETE FROM` in
/// its SQL), each with the rooms that write it.
fn tables_written() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut written: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for (room, tables) in tables_after(&["INSERT INTO ", "UPDATE ", "DELETE FROM "]) {
        for table in tables {
            written.entry(table).or_default().insert(room.clone());
        }
    }
    written
}

/// The owners `docs/architecture.md` declares: its "Who writes each table" list.
fn declared_owners() -> std::collections::BTreeMap<String, String> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md"))
        .unwrap();
    let section = doc.split("### Who writes each table").nth(1).expect("the section is there");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .flat_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let room = cells[1].trim_matches('`').trim_end_matches('/').to_string();
            cells[2]
                .split(',')
                .map(move |table| (table.trim().trim_matches('`').to_string(), room.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Each table is written by one room, the one docs/architecture.md names;
/// the others call that room's functions (`lab::events::add_event` for a
/// job's log, `shop::orders::move_status` for an order, …).
#[test]
fn each_table_is_written_by_the_one_room_that_owns_it() {
    let written = tables_written();
    assert!(
        written.len() >= 20 && written.contains_key("print_job_events"),
        "the writes are found: {written:?}"
    );
    let declared = declared_owners();
    let mut wrong = Vec::new();
    for (table, rooms) in &written {
        match declared.get(table) {
            None => {
                wrong.push(format!("{table}: written by {rooms:?}, and docs/architecture.md names no owner"))
            }
            Some(owner) if rooms.len() != 1 || !rooms.contains(owner) => {
                wrong.push(format!("{table}: owned by {owner}, written by {rooms:?}"))
            }
            Some(_) => {}
        }
    }
    for table in declared.keys().filter(|table| !written.contains_key(*table)) {
        wrong.push(format!("{table}: named in docs/architecture.md, written by no room"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What `docs/architecture.md` allows each room to name: its "How the rooms
/// depend on each other" table ("every room" and "every room but `x`" read
/// as they say).
struct DeclaredEdges {
    allowed: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
}

fn declared_edges(rooms: &[String]) -> DeclaredEdges {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md"))
        .unwrap();
    let section = doc.split("### How the rooms depend on each other").nth(1).expect("the section is there");
    let section = section.split("\n## ").next().unwrap().split("\n### ").next().unwrap();
    let named = |cell: &str| -> Vec<String> {
        cell.split('`').skip(1).step_by(2).map(|name| name.trim_end_matches('/').to_string()).collect()
    };
    let mut allowed = std::collections::BTreeMap::new();
    for line in section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let targets: std::collections::BTreeSet<String> = if cells[2].starts_with("every room but") {
            let but = named(cells[2]);
            rooms.iter().filter(|room| !but.contains(room)).cloned().collect()
        } else if cells[2].starts_with("every room") {
            rooms.iter().cloned().collect()
        } else {
            named(cells[2]).into_iter().collect()
        };
        for room in named(cells[1]) {
            let others = targets.iter().filter(|target| **target != room).cloned().collect();
            allowed.insert(room, others);
        }
    }
    DeclaredEdges { allowed }
}

/// The rooms each room's code names, each with the files that name it.
fn edges() -> std::collections::BTreeMap<(String, String), Vec<String>> {
    let rooms = rooms();
    let mut edges: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for file in files {
        let relative = file.strip_prefix(src()).unwrap();
        let room = room_of(&file);
        if !rooms.contains(&room) {
            continue; // lib.rs, main.rs
        }
        for name in modules_named(&std::fs::read_to_string(&file).unwrap()) {
            if name != room && rooms.contains(&name) {
                edges.entry((room.clone(), name)).or_default().push(relative.display().to_string());
            }
        }
    }
    edges
}

/// The rooms form a graph without cycles, as docs/architecture.md declares
/// it: every room has a row, no file names a room its row does not allow,
/// and the rows themselves have no cycle. No domain room's row lists
/// `state`: a domain function takes its room's context or single parts,
/// never the whole `AppState`.
#[test]
fn the_rooms_depend_only_downwards_as_declared() {
    let rooms = rooms();
    let declared = declared_edges(&rooms);
    let mut wrong = Vec::new();
    for room in rooms.iter().filter(|room| *room != "platform") {
        if !declared.allowed.contains_key(room) {
            wrong.push(format!("{room}: no row in docs/architecture.md"));
        }
    }
    for (room, targets) in &declared.allowed {
        if !["state", "workers", "http", "cli"].contains(&room.as_str()) && targets.contains("state") {
            wrong.push(format!("{room}: a domain room may not name `state` (take the room's context)"));
        }
    }
    let actual = edges();
    assert!(actual.len() > 20, "the rooms' names of each other are found: {actual:?}");
    for ((from, to), files) in &actual {
        if to == "platform" {
            continue;
        }
        let allowed = declared.allowed.get(from).is_some_and(|targets| targets.contains(to));
        if !allowed {
            wrong.push(format!(
                "{from} names {to} (not allowed by docs/architecture.md): {}",
                files.join(", ")
            ));
        }
    }
    // The declared rows, as a graph: no cycle (a room reachable from itself).
    for start in declared.allowed.keys() {
        let mut seen = std::collections::BTreeSet::new();
        let mut next: Vec<&String> = declared.allowed[start].iter().collect();
        while let Some(room) = next.pop() {
            if room == start {
                wrong.push(format!("the declared rows make a cycle through {start}"));
                break;
            }
            if seen.insert(room.clone()) {
                next.extend(declared.allowed.get(room).into_iter().flatten());
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The domain rooms know nothing of the HTTP layer or the command line.
#[test]
fn no_domain_room_names_http_or_cli() {
    let top = ["http", "cli", "state", "workers"];
    let wrong: Vec<String> = edges()
        .into_iter()
        .filter(|((from, to), _)| !top.contains(&from.as_str()) && (to == "http" || to == "cli"))
        .map(|((from, to), files)| format!("{from} names {to}: {}", files.join(", ")))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The tables each room reads (`FROM x`, `JOIN x` in its SQL) that another
/// room writes, by docs/architecture.md's owners.
fn reads_across_rooms() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let owners = declared_owners();
    let mut reads = tables_after(&["FROM ", "JOIN "]);
    for (room, tables) in reads.iter_mut() {
        tables.retain(|table| owners.get(table).is_some_and(|owner| owner != room));
    }
    reads.retain(|_, tables| !tables.is_empty());
    reads
}

/// The reads docs/architecture.md still allows: its "Who reads another
/// room's table" list.
fn declared_reads() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md"))
        .unwrap();
    let section = doc.split("### Who reads another room's table").nth(1).expect("the section is there");
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let room = cells[1].trim_matches('`').trim_end_matches('/').to_string();
            let tables =
                cells[2].split(',').map(|table| table.trim().trim_matches('`').to_string()).collect();
            (room, tables)
        })
        .collect()
}

/// A room reads another room's table through that room's functions; only
/// `reports` (a read model) reads any table, and the reads still listed in
/// docs/architecture.md are the ones left to move. The list only shrinks: a
/// listed read that is gone fails too, so the list says what is true.
#[test]
fn reads_across_rooms_are_only_the_ones_still_listed() {
    let mut actual = reads_across_rooms();
    assert!(actual.get("reports").is_some_and(|tables| tables.len() >= 3), "the reads are found: {actual:?}");
    actual.remove("reports");
    let declared = declared_reads();
    let mut wrong = Vec::new();
    for (room, tables) in &actual {
        for table in tables {
            if !declared.get(room).is_some_and(|listed| listed.contains(table)) {
                wrong.push(format!(
                    "{room} reads {table} directly (another room's table): call its room's functions"
                ));
            }
        }
    }
    for (room, tables) in &declared {
        for table in tables {
            if !actual.get(room).is_some_and(|read| read.contains(table)) {
                wrong
                    .push(format!("{room} no longer reads {table}: take it off docs/architecture.md's list"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Rows are read whole into `#[derive(sqlx::FromRow)]` structs (or tuples
/// and scalars through `query_as` / `query_scalar`), never column by column
/// with `try_get("name")`: a column renamed in SQL fails where the struct
/// is, not at some distant string.
#[test]
fn rows_are_read_into_types_not_by_column_name() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let wrong: Vec<String> = files
        .iter()
        .filter(|file| code_only(&std::fs::read_to_string(file).unwrap()).contains("try_get"))
        .map(|file| file.strip_prefix(src()).unwrap().display().to_string())
        .collect();
    assert!(files.len() > 100, "the sources are found: {}", files.len());
    assert!(wrong.is_empty(), "read by column name (use a FromRow struct): {wrong:?}");
}
