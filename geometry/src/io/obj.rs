//! Wavefront OBJ through `tobj`: triangles, quads and n-gons (fan
//! triangulated), negative indices, `v/vt/vn` forms and groups. Every group
//! and object goes into one mesh; materials are ignored (we print one colour).

use std::io::Cursor;

use crate::mesh::MeshBuilder;
use crate::{Limits, Mesh, MeshError};

pub fn read(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    limits.check_size(bytes.len())?;
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    let options = tobj::LoadOptions {
        triangulate: true,
        ignore_points: true,
        ignore_lines: true,
        ..Default::default()
    };
    let text = prepare(bytes, limits)?;
    let (models, _materials) = tobj::load_obj_buf(&mut Cursor::new(text.as_bytes()), &options, |_| {
        // Material libraries are other files; we never open them.
        Err(tobj::LoadError::OpenFileFailed)
    })
    .map_err(|e| MeshError::InvalidObj(e.to_string()))?;

    let total: usize = models.iter().map(|m| m.mesh.indices.len() / 3).sum();
    if total > limits.max_triangles {
        return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
    }
    let mut builder = MeshBuilder::with_capacity(total);
    for model in &models {
        let positions = &model.mesh.positions;
        let corner = |index: u32| -> Result<[f64; 3], MeshError> {
            let at = index as usize * 3;
            positions
                .get(at..at + 3)
                .map(|p| [p[0], p[1], p[2]])
                .ok_or_else(|| MeshError::InvalidObj(format!("face refers to missing vertex {}", index + 1)))
        };
        for face in model.mesh.indices.chunks_exact(3) {
            builder.push([corner(face[0])?, corner(face[1])?, corner(face[2])?])?;
        }
    }
    builder.finish()
}

/// The file as `tobj` should see it, made in one pass that also counts:
/// - line continuations (`\\` at a line's end) joined, and lone-CR line
///   endings made LF (tobj splits on LF only);
/// - `mtllib` and `usemtl` lines dropped: we print one colour, and tobj
///   refuses a `usemtl` with no name (Rhino writes it) and stops on a
///   missing material file;
/// - each face corner's texture and normal indices dropped (`f 1/2/3 …` →
///   `f 1 …`): we read positions only, and tobj 4.0 multiplies a texture or
///   normal index without checking for overflow before it checks the index
///   (found by fuzzing: `f 1/1/-3` panics in a build with overflow checks);
/// - the triangles the faces will make counted, so a face of millions of
///   corners is refused before tobj triangulates it, and the vertices too
///   (at most one per triangle allowed), so a file of vertices alone cannot
///   make tobj hold gigabytes.
///
/// Lines are split into words as tobj splits them (Unicode whitespace). A
/// file that is not UTF-8 is refused here: tobj would read the lines before
/// the bad one, faces and all, before refusing it.
fn prepare(bytes: &[u8], limits: &Limits) -> Result<String, MeshError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        MeshError::InvalidObj(format!("not a text file (byte {} is not UTF-8)", e.valid_up_to() + 1))
    })?;
    let mut out = String::with_capacity(text.len());
    let mut triangles = 0usize;
    let mut vertices = 0usize;
    let mut logical = String::new();
    for line in text.split('\n').flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r')) {
        if let Some(start) = line.strip_suffix('\\') {
            logical.push_str(start);
            logical.push(' ');
            continue;
        }
        let joined;
        let line = if logical.is_empty() {
            line
        } else {
            logical.push_str(line);
            joined = std::mem::take(&mut logical);
            joined.as_str()
        };
        let mut words = line.split_whitespace();
        match words.next() {
            Some("mtllib" | "usemtl") => {}
            Some("v") => {
                vertices += 1;
                if vertices > limits.max_triangles {
                    return Err(MeshError::TooManyVertices { limit: limits.max_triangles });
                }
                out.push_str(line);
            }
            Some(keyword @ ("f" | "l")) => {
                out.push_str(keyword);
                let mut corners = 0usize;
                for corner in words {
                    corners += 1;
                    out.push(' ');
                    out.push_str(corner.split('/').next().unwrap_or_default());
                }
                if keyword == "f" {
                    triangles = triangles.saturating_add(corners.saturating_sub(2));
                    if triangles > limits.max_triangles {
                        return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
                    }
                }
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out.push_str(&logical);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse};

    /// A unit cube written with quads, `v/vt/vn` and `v//vn` forms, negative
    /// indices and two groups.
    const CUBE: &str = "# a cube\n\
        v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 0 1\nv 1 0 1\nv 1 1 1\nv 0 1 1\n\
        vt 0 0\nvn 0 0 1\n\
        g bottom_and_top\n\
        f 1/1/1 4/1/1 3/1/1 2/1/1\n\
        f -4//1 -3//1 -2//1 -1//1\n\
        g sides\n\
        f 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8\n";

    #[test]
    fn reads_quads_negative_indices_and_groups_into_one_solid() {
        let mesh = read(CUBE.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(mesh.triangles.len(), 12);
        assert_eq!(mesh.vertices.len(), 8, "groups share welded vertices");
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert!(a.watertight, "{a:?}");
        assert!((a.volume_mm3 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn triangulates_n_gons() {
        let hexagon = "v 0 0 0\nv 2 0 0\nv 3 1 0\nv 2 2 0\nv 0 2 0\nv -1 1 0\nf 1 2 3 4 5 6\n";
        let mesh = read(hexagon.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(mesh.triangles.len(), 4);
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert!((a.area_mm2 - 6.0).abs() < 1e-12);
    }

    #[test]
    fn reads_what_exporters_write_around_the_faces() {
        // Rhino's nameless `usemtl`, a material file we never open, a
        // continued line, CR-only endings, and `o` with several objects.
        let rhino = "# Rhino\rmtllib 00.mtl\rusemtl \rv 0 0 0\rv 1 0 0\rv 0 1 0\rv 0 0 1\r\
                     o first\rf 1 3 2\rf 1 2 \\\r 4\ro second\rusemtl red\rf 1 4 3\rf 2 3 4\r";
        let mesh = read(rhino.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(mesh.triangles.len(), 4);
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert!(a.watertight, "{a:?}");
        assert!((a.volume_mm3 - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn a_face_of_millions_of_corners_is_refused_before_it_is_triangulated() {
        let mut text = String::from("v 0 0 0\nv 1 0 0\nv 0 1 0\nf");
        for _ in 0..1_000_000 {
            text.push_str(" 1 2 3");
        }
        let limits = Limits { max_triangles: 100_000, ..Limits::default() };
        assert_eq!(read(text.as_bytes(), &limits), Err(MeshError::TooManyTriangles { limit: 100_000 }));
    }

    #[test]
    fn bad_files_get_clear_errors() {
        let limits = Limits::default();
        assert_eq!(read(b"", &limits), Err(MeshError::Empty));
        assert_eq!(read(b"v 0 0 0\nv 1 0 0\n", &limits), Err(MeshError::NoTriangles));
        assert!(matches!(read(b"v 0 0 0\nf 1 2 3\n", &limits), Err(MeshError::InvalidObj(_))));
        assert!(matches!(read(b"v a b c\nf 1 1 1\n", &limits), Err(MeshError::InvalidObj(_))));
        // Found by fuzzing: a normal index counted back past the start.
        let wild = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1/1/-3 2//-9223372036854775807 3/-5/1\n";
        assert_eq!(read(wild, &limits).unwrap().triangles.len(), 1);
        // … also behind a vertical tab, which tobj counts as whitespace.
        let tabbed = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\n\x0bf 1/1/1 2/1/-3 3/1/1\n";
        assert_eq!(read(tabbed, &limits).unwrap().triangles.len(), 1);
        // … and a file that is not text is refused before tobj reads part of it.
        let binary = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1/1/-3 2 3\ng next\n\xb6\n";
        assert!(
            matches!(read(binary, &limits), Err(MeshError::InvalidObj(m)) if m.contains("not a text file"))
        );
        let small = Limits { max_triangles: 11, ..limits };
        assert_eq!(read(CUBE.as_bytes(), &small), Err(MeshError::TooManyTriangles { limit: 11 }));
    }
}
