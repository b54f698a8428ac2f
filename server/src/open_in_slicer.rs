//! "Open in slicer": `memoreez open-in-slicer <link>` opens the file a
//! `3dprint://` link names (see `slicing::open_link`) in the configured
//! slicer, and `memoreez protocol install` registers it with the desktop.

use std::path::{Path, PathBuf};

pub use slicing::open_link::{LinkError, SCHEME, link, parse, resolve};

#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum OpenError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("the slicer {0} could not be started: {1}")]
    Slicer(String, String),
}

/// Opens the file a link names in `slicer` (a program on PATH or a path),
/// without waiting for it to close.
pub fn open(root: &Path, slicer: &Path, link: &str) -> Result<PathBuf, OpenError> {
    let file = resolve(root, &parse(link)?)?;
    std::process::Command::new(slicer)
        .arg(&file)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| OpenError::Slicer(slicer.display().to_string(), e.to_string()))?;
    Ok(file)
}

/// Registers `memoreez open-in-slicer` for `3dprint://` links with the
/// desktop (freedesktop: a .desktop file and `xdg-mime`); what it did, line by line.
pub fn install(data_home: &Path, program: &Path) -> Result<Vec<String>, String> {
    let folder = data_home.join("applications");
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let file = folder.join("memoreez-3dprint.desktop");
    let desktop = format!(
        "[Desktop Entry]\nType=Application\nName=Memoreez: open in slicer\nExec=\"{}\" open-in-slicer %u\n\
         NoDisplay=true\nMimeType=x-scheme-handler/{SCHEME};\n",
        program.display()
    );
    std::fs::write(&file, desktop).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut said = vec![format!("wrote {}", file.display())];
    let registered = std::process::Command::new("xdg-mime")
        .args(["default", "memoreez-3dprint.desktop", &format!("x-scheme-handler/{SCHEME}")])
        .status();
    said.push(match registered {
        Ok(status) if status.success() => format!("registered it for {SCHEME}:// links (xdg-mime)"),
        Ok(status) => format!("xdg-mime failed ({status}): register it by hand"),
        Err(_) => {
            "xdg-mime is not installed (Debian: xdg-utils): the desktop will not know the link yet".into()
        }
    });
    Ok(said)
}
