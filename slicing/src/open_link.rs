//! The `3dprint://open?path=…` links with which the staff pages open a
//! job's file in the desktop slicer: written, read back, and resolved to a
//! file that must lie inside the shared storage folder (no other scheme, no
//! `..`, no absolute path, no symlink leading out). Kept apart from the
//! server so that it can be fuzzed on its own (`fuzz/`).

use std::path::{Component, Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub const SCHEME: &str = "3dprint";

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum LinkError {
    #[error("not a 3dprint://open?path=… link")]
    NotOurLink,
    #[error("the link names no file (path=…)")]
    NoPath,
    #[error("the path must be inside the shared storage folder: {0}")]
    Outside(String),
    #[error("no such file in the shared storage folder: {0}")]
    Missing(String),
    #[error("the shared storage folder {0} cannot be read: {1}")]
    Root(String, String),
}

/// Path characters left as they are in links (the rest is percent-encoded).
const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.');

/// The link that opens `relative` (a path inside the storage root).
pub fn link(relative: &str) -> String {
    format!("{SCHEME}://open?path={}", utf8_percent_encode(relative, KEEP))
}

/// The path a link names, as written (still to be checked against the root).
pub fn parse(link: &str) -> Result<String, LinkError> {
    // Parsed by hand: a URL scheme must start with a letter, so general URL
    // parsers refuse `3dprint:`; only the query needs real decoding.
    let (scheme, rest) = link.split_once("://").ok_or(LinkError::NotOurLink)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(LinkError::NotOurLink);
    }
    let (target, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !matches!(target, "open" | "open/") || query.contains('#') {
        return Err(LinkError::NotOurLink);
    }
    let mut paths = form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == "path")
        .map(|(_, value)| value.into_owned());
    match (paths.next(), paths.next()) {
        (Some(path), None) if !path.is_empty() => Ok(path),
        (Some(_), Some(_)) => Err(LinkError::NotOurLink),
        _ => Err(LinkError::NoPath),
    }
}

/// The file `relative` names inside `root`, if it is one and stays inside.
pub fn resolve(root: &Path, relative: &str) -> Result<PathBuf, LinkError> {
    let outside = || LinkError::Outside(relative.to_string());
    let candidate = Path::new(relative);
    if relative.contains('\0')
        || relative.contains('\\')
        || !candidate.components().all(|part| matches!(part, Component::Normal(_) | Component::CurDir))
    {
        return Err(outside());
    }
    let root = root.canonicalize().map_err(|e| LinkError::Root(root.display().to_string(), e.to_string()))?;
    // Symlinks are followed here, so one that leads out is caught below.
    let file = root.join(candidate).canonicalize().map_err(|_| LinkError::Missing(relative.to_string()))?;
    if !file.starts_with(&root) {
        return Err(outside());
    }
    if !file.is_file() {
        return Err(LinkError::Missing(relative.to_string()));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with_file() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ReadyToPrint")).unwrap();
        std::fs::write(dir.path().join("ReadyToPrint/Ada Lovelace_Filament_Red_1.stl"), b"solid").unwrap();
        dir
    }

    #[test]
    fn a_link_round_trips_its_path() {
        let path = "ReadyToPrint/Ada Lovelace_Filament_Red_1.stl";
        let link = link(path);
        assert_eq!(link, "3dprint://open?path=ReadyToPrint/Ada%20Lovelace_Filament_Red_1.stl");
        assert_eq!(parse(&link).unwrap(), path);
        let root = root_with_file();
        assert!(resolve(root.path(), &parse(&link).unwrap()).unwrap().ends_with(path));
    }

    #[test]
    fn other_links_are_not_ours() {
        for link in [
            "https://open?path=a.stl",
            "3dprint://close?path=a.stl",
            "3dprint://open/x?path=a.stl",
            "3dprint://open?path=a.stl&path=b.stl",
            "file:///etc/passwd",
            "not a link",
        ] {
            assert_eq!(parse(link), Err(LinkError::NotOurLink), "{link}");
        }
        assert_eq!(parse("3dprint://open?file=a.stl"), Err(LinkError::NoPath));
        assert_eq!(parse("3dprint://open?path="), Err(LinkError::NoPath));
    }

    #[test]
    fn paths_out_of_the_root_are_refused() {
        let root = root_with_file();
        std::fs::write(root.path().parent().unwrap().join("secret.txt"), b"x").ok();
        for path in [
            "../secret.txt",
            "ReadyToPrint/../../secret.txt",
            "/etc/passwd",
            "ReadyToPrint\\..\\..\\secret.txt",
            "a\0b",
        ] {
            assert!(matches!(resolve(root.path(), path), Err(LinkError::Outside(_))), "{path}");
        }
        // Percent-encoded dots are decoded by the link parser, then refused the same way.
        let decoded = parse("3dprint://open?path=%2e%2e/%2e%2e/etc/passwd").unwrap();
        assert!(matches!(resolve(root.path(), &decoded), Err(LinkError::Outside(_))));
        assert!(matches!(resolve(root.path(), "ReadyToPrint/none.stl"), Err(LinkError::Missing(_))));
        assert!(
            matches!(resolve(root.path(), "ReadyToPrint"), Err(LinkError::Missing(_))),
            "a folder is not a file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_leading_out_is_refused() {
        let root = root_with_file();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.stl"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.stl"), root.path().join("Pending.stl"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("Completed")).unwrap();
        assert!(matches!(resolve(root.path(), "Pending.stl"), Err(LinkError::Outside(_))));
        assert!(matches!(resolve(root.path(), "Completed/secret.stl"), Err(LinkError::Outside(_))));
        // A symlink that stays inside is fine.
        std::os::unix::fs::symlink(root.path().join("ReadyToPrint"), root.path().join("Latest")).unwrap();
        assert!(resolve(root.path(), "Latest/Ada Lovelace_Filament_Red_1.stl").is_ok());
    }
}
