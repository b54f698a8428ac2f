//! Writes the hostile shapes, small, into the fuzzers' seeds and kept
//! regressions (`fuzz/seeds/<target>/hostile-*`, `fuzz/regressions/<target>/`),
//! where `tests/fuzz_regressions.rs` reads them on every test run.
//!
//! `cargo run -p geometry --features glb --example hostile_seeds`

#[path = "../tests/support/hostile.rs"]
mod hostile;

fn main() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let files: Vec<(&str, &str, Vec<u8>)> = vec![
        ("three_mf", "fan-out-6-levels-of-10", hostile::three_mf_fan_out(6, 10)),
        ("three_mf", "component-ring-of-5", hostile::three_mf_cycle(5)),
        ("three_mf", "object-with-neither-mesh-nor-components", hostile::three_mf_empty_object()),
        ("three_mf", "six-parts-of-2-mb", hostile::three_mf_many_parts(6, 2 << 20)),
        ("three_mf", "six-unreached-parts-of-2-mb", hostile::three_mf_unreached_parts(6, 2 << 20)),
        ("obj", "face-of-300000-corners", hostile::obj_long_face(300_000)),
        ("glb", "node-ring-of-3", hostile::glb_node_cycle(3)),
        ("glb", "children-listed-8-times", hostile::glb_repeated_children(6, 8)),
        ("glb", "accessor-claiming-2-to-the-62", hostile::glb_huge_count(1 << 62)),
        ("glb", "accessor-claiming-none", hostile::glb_huge_count(0)),
        ("picture", "png-claiming-a-million-square", hostile::png_claimed(1_000_000, 1_000_000)),
        ("picture", "jpeg-claiming-65535-square", hostile::jpeg_claimed(65_535, 65_535)),
    ];
    for (target, name, bytes) in files {
        // Large inputs only slow a fuzzer down: those are kept as regressions only.
        let kinds: &[&str] = if bytes.len() < 50_000 { &["seeds", "regressions"] } else { &["regressions"] };
        for &kind in kinds {
            let folder = fuzz.join(kind).join(target);
            std::fs::create_dir_all(&folder).unwrap();
            let file = if kind == "seeds" { format!("hostile-{name}") } else { name.to_string() };
            std::fs::write(folder.join(&file), &bytes).unwrap();
        }
        println!("{target}/{name}: {} bytes", bytes.len());
    }
    // A sound GLB, for the fuzzer to start from.
    std::fs::write(fuzz.join("seeds/glb/tetra.glb"), hostile::glb_huge_count(4)).unwrap();
    let mut png = Vec::new();
    image::RgbaImage::from_fn(16, 16, |x, y| image::Rgba([x as u8 * 16, y as u8 * 16, 90, 255]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    std::fs::create_dir_all(fuzz.join("seeds/picture")).unwrap();
    std::fs::write(fuzz.join("seeds/picture/gradient.png"), png).unwrap();
}
