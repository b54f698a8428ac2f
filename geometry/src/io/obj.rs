//! Wavefront OBJ through `tobj`: triangles, quads and n-gons (fan
//! triangulated), negative indices, `v/vt/vn` forms and groups. Every group
//! and object goes into one mesh; materials are ignored (we print one colour).

use std::borrow::Cow;
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
    let bytes = positions_only(bytes)?;
    let (models, _materials) = tobj::load_obj_buf(&mut Cursor::new(bytes.as_ref()), &options, |_| {
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

/// The file with each face corner's texture and normal indices dropped
/// (`f 1/2/3 …` → `f 1 …`): we read positions only, and tobj 4.0 multiplies
/// a texture or normal index without checking for overflow before it checks
/// the index (found by fuzzing: `f 1/1/-3` panics in a build with overflow
/// checks). Lines are split as tobj splits them (`lines`, Unicode
/// whitespace), so it sees the same faces. Left as it is, without a copy,
/// when no face has such indices. A file that is not UTF-8 is refused here:
/// tobj would read the lines before the bad one, faces and all, before
/// refusing it.
fn positions_only(bytes: &[u8]) -> Result<Cow<'_, [u8]>, MeshError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        MeshError::InvalidObj(format!("not a text file (byte {} is not UTF-8)", e.valid_up_to() + 1))
    })?;
    let is_face = |line: &str| matches!(line.split_whitespace().next(), Some("f" | "l"));
    if !text.lines().any(|line| is_face(line) && line.contains('/')) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if is_face(line) {
            let mut words = line.split_whitespace();
            out.push_str(words.next().unwrap_or_default());
            for corner in words {
                out.push(' ');
                out.push_str(corner.split('/').next().unwrap_or_default());
            }
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(Cow::Owned(out.into_bytes()))
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
        assert_eq!(
            positions_only(b"v 0 0 0\nf 1 2 3\n"),
            Ok(Cow::Borrowed(b"v 0 0 0\nf 1 2 3\n".as_slice()))
        );
        // … and a file that is not text is refused before tobj reads part of it.
        let binary = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1/1/-3 2 3\ng next\n\xb6\n";
        assert!(
            matches!(read(binary, &limits), Err(MeshError::InvalidObj(m)) if m.contains("not a text file"))
        );
        let small = Limits { max_triangles: 11, ..limits };
        assert_eq!(read(CUBE.as_bytes(), &small), Err(MeshError::TooManyTriangles { limit: 11 }));
    }
}
