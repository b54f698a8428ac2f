//! Builds the kernel's wasm32 module for the tests and the benchmark
//! (included by both with `#[path]`).

use std::path::PathBuf;
use std::process::Command;

/// Builds `examples/keepsake_wasm.rs` for wasm32 (a no-op when up to date)
/// and returns the module's path.
pub fn build_wasm_module(release: bool) -> PathBuf {
    let mut command = Command::new(env!("CARGO"));
    command.args([
        "build",
        "-p",
        "geometry",
        "--example",
        "keepsake_wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--message-format=json-render-diagnostics",
    ]);
    if release {
        command.arg("--release");
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "building the wasm32 kernel failed (rustup target add wasm32-unknown-unknown; ./dev test does): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "keepsake_wasm")
        .flat_map(|message| message["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|name| name.as_str().map(PathBuf::from))
        .find(|name| name.extension().is_some_and(|e| e == "wasm"))
        .expect("cargo names the .wasm it built")
}
