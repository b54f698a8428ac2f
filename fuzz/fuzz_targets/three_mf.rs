//! A user's model file, as the upload, quote and lab forms read it: parsed
//! under the server's caps, then analysed (volume, area, watertightness).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let limits = geometry::Limits { max_bytes: 1 << 20, max_triangles: 200_000 };
    if let Ok(mesh) = geometry::io::read(geometry::io::Format::ThreeMf, bytes, &limits) {
        let analysis = geometry::analysis::analyse(&mesh, &Default::default());
        assert!(analysis.triangles <= limits.max_triangles, "the cap holds");
    }
});
