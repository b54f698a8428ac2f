//! Hostile files of random sizes, refused with the right reason while
//! holding little memory. Memory is counted by the allocator (exact and
//! repeatable); time is not asserted here: `cargo bench -p geometry --bench
//! hostile --features glb` prints the worst case of each shape.
//!
//! The sizes come from a seeded generator: `MEMOREEZ_PROPERTY_SEED` and
//! `MEMOREEZ_PROPERTY_CASES` choose other and more cases.

#[path = "support/hostile.rs"]
mod hostile;
#[path = "support/peak.rs"]
mod peak;

use geometry::io::{Format, read};
use geometry::{Limits, MeshError};

#[global_allocator]
static COUNTING: peak::Counting = peak::Counting;

/// What a refusal may hold at once: far below the 300 MB the server allows.
const BUDGET: usize = 64 << 20;

struct Sizes(u64);

impl Sizes {
    fn new(salt: u64) -> Sizes {
        let seed: u64 =
            std::env::var("MEMOREEZ_PROPERTY_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
        Sizes(seed.wrapping_mul(6364136223846793005).wrapping_add(salt) | 1)
    }

    fn cases() -> usize {
        std::env::var("MEMOREEZ_PROPERTY_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(6)
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo + 1)
    }
}

/// Reads `bytes`, which must be refused as `expected` says, within the budget.
fn refused(format: Format, bytes: &[u8], limits: &Limits, expected: impl Fn(&MeshError) -> bool, case: &str) {
    let (outcome, held) = peak::peak_of(|| read(format, bytes, limits));
    match outcome {
        Err(error) => {
            assert!(expected(&error), "{case}: refused for the wrong reason: {error}");
            assert!(!error.to_string().contains('\n'), "{case}: one line");
        }
        Ok(mesh) => panic!("{case}: read, {} triangles", mesh.triangles.len()),
    }
    assert!(held < BUDGET, "{case}: held {} MB", held >> 20);
}

#[test]
fn component_graphs_that_fan_out_are_refused_before_expanding() {
    let mut sizes = Sizes::new(1);
    let limits = Limits::default();
    for _ in 0..Sizes::cases() {
        let fan = sizes.between(2, 400) as usize;
        // Enough levels to pass 100 000 copies and 5 million triangles.
        let levels =
            (1..).find(|&l| (fan as f64).powi(l as i32) > 2e6).unwrap() + sizes.between(0, 4) as usize;
        let bytes = hostile::three_mf_fan_out(levels, fan);
        refused(
            Format::ThreeMf,
            &bytes,
            &limits,
            |e| matches!(e, MeshError::TooManyTriangles { .. } | MeshError::TooManyInstances { .. }),
            &format!("{levels} levels × {fan}"),
        );
    }
}

#[test]
fn cycles_and_empty_objects_are_refused() {
    let mut sizes = Sizes::new(2);
    for _ in 0..Sizes::cases() {
        let length = sizes.between(1, 12) as usize;
        let bytes = hostile::three_mf_cycle(length);
        let cycle = |e: &MeshError| e.to_string().contains("contains itself");
        refused(Format::ThreeMf, &bytes, &Limits::default(), cycle, &format!("a ring of {length}"));
    }
    let empty = |e: &MeshError| e.to_string().contains("neither a mesh nor components");
    refused(Format::ThreeMf, &hostile::three_mf_empty_object(), &Limits::default(), empty, "empty object");
}

#[test]
fn many_large_parts_share_one_budget_and_unreached_parts_are_never_inflated() {
    let mut sizes = Sizes::new(3);
    // A 1 MB file cap: 4 MB of XML for the whole package.
    let limits = Limits { max_bytes: 1 << 20, ..Limits::default() };
    for _ in 0..Sizes::cases() {
        let parts = sizes.between(5, 40) as usize;
        let part_bytes = sizes.between(1 << 20, 3 << 20) as usize;
        let bytes = hostile::three_mf_many_parts(parts, part_bytes);
        assert!(bytes.len() < limits.max_bytes as usize, "the file itself is small");
        let too_large = |e: &MeshError| matches!(e, MeshError::TooLarge { .. });
        refused(Format::ThreeMf, &bytes, &limits, too_large, &format!("{parts} parts of {part_bytes} bytes"));

        let unreached = hostile::three_mf_unreached_parts(parts, part_bytes);
        let (mesh, held) = peak::peak_of(|| read(Format::ThreeMf, &unreached, &limits));
        assert_eq!(mesh.expect("the reached tetrahedron is read").triangles.len(), 4);
        assert!(held < 1 << 20, "{parts} unreached parts: held {held} bytes");
    }
}

#[test]
fn a_package_of_vertices_alone_is_refused_at_the_vertex_cap() {
    let limits = Limits { max_bytes: 16 << 20, max_triangles: 200_000 };
    let bytes = hostile::three_mf_many_parts(1, 8 << 20);
    let vertices = |e: &MeshError| matches!(e, MeshError::TooManyVertices { limit: 200_000 });
    refused(Format::ThreeMf, &bytes, &limits, vertices, "one part of 300 000 vertices");
}

#[test]
fn obj_faces_of_millions_of_corners_are_refused_before_triangulating() {
    let mut sizes = Sizes::new(4);
    let limits = Limits { max_triangles: 100_000, ..Limits::default() };
    for _ in 0..Sizes::cases() {
        let corners = sizes.between(100_003, 3_000_000) as usize;
        let bytes = hostile::obj_long_face(corners);
        let too_many = |e: &MeshError| matches!(e, MeshError::TooManyTriangles { limit: 100_000 });
        refused(Format::Obj, &bytes, &limits, too_many, &format!("{corners} corners"));
    }
}

#[cfg(feature = "glb")]
mod glb {
    use super::*;

    fn refused_glb(bytes: &[u8], expected: &str, case: &str) {
        let (outcome, held) = peak::peak_of(|| geometry::io::glb::read(bytes, &Limits::default()));
        let error = outcome.err().unwrap_or_else(|| panic!("{case}: read"));
        assert!(error.to_string().contains(expected), "{case}: {error}");
        assert!(held < BUDGET, "{case}: held {} MB", held >> 20);
    }

    #[test]
    fn a_sound_glb_is_read_in_millimetres_z_up() {
        let mesh = geometry::io::glb::read(&hostile::glb_huge_count(4), &Limits::default()).unwrap();
        let analysis = geometry::analyse(&mesh, &Default::default());
        assert_eq!(analysis.triangles, 4);
        assert!(analysis.watertight);
        assert!((analysis.size_mm()[0] - 10.0).abs() < 1e-4, "{analysis:?}");
    }

    #[test]
    fn node_cycles_repeated_children_and_lying_counts_are_refused() {
        let mut sizes = Sizes::new(5);
        for _ in 0..Sizes::cases() {
            let length = sizes.between(1, 50) as usize;
            refused_glb(
                &hostile::glb_node_cycle(length),
                "reached twice",
                &format!("a ring of {length} nodes"),
            );
            let (depth, repeats) = (sizes.between(2, 60) as usize, sizes.between(2, 64) as usize);
            refused_glb(
                &hostile::glb_repeated_children(depth, repeats),
                "reached twice",
                &format!("{depth} nodes listing the next {repeats} times"),
            );
            let count = sizes.between(5, u64::MAX / 2);
            refused_glb(
                &hostile::glb_huge_count(count),
                "more than its buffer holds",
                &format!("count {count}"),
            );
        }
        refused_glb(&hostile::glb_huge_count(0), "outside its buffer", "count 0");
    }
}

#[test]
fn pictures_that_would_decode_to_gigabytes_are_refused_from_their_header() {
    use geometry::picture::{PictureError, decode};
    let mut sizes = Sizes::new(6);
    for _ in 0..Sizes::cases() {
        let (width, height) = (sizes.between(8193, 1 << 20) as u32, sizes.between(1, 1 << 20) as u32);
        for (kind, bytes) in [
            ("PNG", hostile::png_claimed(width, height)),
            ("JPEG", hostile::jpeg_claimed(width.min(65_535) as u16, height.clamp(1, 65_535) as u16)),
        ] {
            let (outcome, held) = peak::peak_of(|| decode(&bytes));
            assert!(
                matches!(outcome, Err(PictureError::TooLarge(..))),
                "{kind} {width} × {height}: {outcome:?}"
            );
            assert!(held < 1 << 20, "{kind}: held {held} bytes");
        }
    }
}
