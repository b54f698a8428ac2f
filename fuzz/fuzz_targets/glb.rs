//! A model from an image → 3D service or a remote GPU worker (GLB), read
//! under the server's caps: a mesh within them or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let limits = geometry::Limits { max_bytes: 1 << 20, max_triangles: 200_000 };
    if let Ok(mesh) = geometry::io::glb::read(bytes, &limits) {
        assert!(mesh.triangles.len() <= limits.max_triangles, "the cap holds");
    }
});
