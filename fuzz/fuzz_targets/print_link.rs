//! A `3dprint://` link handed to `memoreez open-in-slicer` by the desktop:
//! whatever it says, a file it resolves to lies inside the storage folder.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use slicing::open_link::{parse, resolve};

/// A storage folder with a file in it, and a secret beside it that no link may reach.
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("memoreez-fuzz-{}", std::process::id()));
        let root = base.join("files");
        std::fs::create_dir_all(root.join("lab/Pending")).unwrap();
        std::fs::write(root.join("lab/Pending/a.stl"), b"solid").unwrap();
        std::fs::write(base.join("secret.stl"), b"secret").unwrap();
        root.canonicalize().unwrap()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(link) = std::str::from_utf8(bytes) else { return };
    if let Ok(path) = parse(link)
        && let Ok(file) = resolve(root(), &path)
    {
        assert!(file.starts_with(root()), "{link:?} resolved outside: {}", file.display());
    }
});
