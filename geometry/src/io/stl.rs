//! STL, binary and ASCII.
//!
//! Binary files are read here rather than through `stl_io`: its format probe
//! calls any file whose header starts with `solid ` ASCII (many CAD exporters
//! write exactly that into binary headers), and a binary file's size is the
//! one honest check of its triangle count, done before anything is allocated.
//! ASCII files are parsed by `stl_io`; writing uses `stl_io` too.

use std::io::Cursor;

use crate::mesh::MeshBuilder;
use crate::{Limits, Mesh, MeshError};

const HEADER: usize = 80;
const RECORD: usize = 50;

/// Reads binary or ASCII STL.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    limits.check_size(bytes.len())?;
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    if let Some(claimed) = binary_count(bytes) {
        let fits = ((bytes.len() - HEADER - 4) / RECORD) as u64;
        if bytes.len() == HEADER + 4 + claimed as usize * RECORD {
            return read_binary(bytes, claimed as usize, limits);
        }
        if !looks_like_ascii(bytes) {
            return Err(MeshError::StlCountMismatch { claimed, fits });
        }
    }
    if looks_like_ascii(bytes) {
        return read_ascii(bytes, limits);
    }
    Err(MeshError::InvalidStl("too short to be an STL file".into()))
}

fn binary_count(bytes: &[u8]) -> Option<u64> {
    let count = bytes.get(HEADER..HEADER + 4)?;
    Some(u64::from(u32::from_le_bytes(count.try_into().ok()?)))
}

fn looks_like_ascii(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = &start[start.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(start.len())..];
    start.len() >= 5 && start[..5].eq_ignore_ascii_case(b"solid")
}

fn read_binary(bytes: &[u8], count: usize, limits: &Limits) -> Result<Mesh, MeshError> {
    if count > limits.max_triangles {
        return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
    }
    let mut builder = MeshBuilder::with_capacity(count);
    for record in bytes[HEADER + 4..].chunks_exact(RECORD) {
        let float =
            |at: usize| f32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]]);
        // The stored normal (bytes 0..12) is ignored: winding is the truth.
        let corner = |at: usize| [float(at), float(at + 4), float(at + 8)];
        builder.push_f32([corner(12), corner(24), corner(36)])?;
    }
    builder.finish()
}

fn read_ascii(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    // stl_io wants "solid NAME" on the first line; give a nameless (or
    // indented, or BOM-prefixed) first line a name, leaving the rest as is.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let normalised;
    let text = if text.starts_with(b"solid ") {
        text
    } else {
        normalised =
            [b"solid model\n".as_slice(), text.get(first_line_end + 1..).unwrap_or_default()].concat();
        &normalised[..]
    };
    let mut cursor = Cursor::new(text);
    let reader = stl_io::create_stl_reader(&mut cursor).map_err(|e| MeshError::InvalidStl(e.to_string()))?;
    let mut builder = MeshBuilder::default();
    for triangle in reader {
        let triangle = triangle.map_err(|e| MeshError::InvalidStl(e.to_string()))?;
        if builder.triangles() >= limits.max_triangles {
            return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
        }
        builder.push_f32(triangle.vertices.map(|v| v.0))?;
    }
    builder.finish()
}

/// Writes binary STL (single precision, as the format has it).
pub fn write_binary(mesh: &Mesh) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + 4 + mesh.triangles.len() * RECORD);
    let mut header = [b' '; HEADER];
    let title = b"Memoreez binary STL";
    header[..title.len()].copy_from_slice(title);
    out.extend_from_slice(&header);
    out.extend_from_slice(&(mesh.triangles.len() as u32).to_le_bytes());
    for corners in mesh.triangle_corners() {
        let normal = crate::analysis::unit_normal(corners).unwrap_or([0.0; 3]);
        for value in normal.iter().chain(corners.iter().flatten()) {
            out.extend_from_slice(&(*value as f32).to_le_bytes());
        }
        out.extend_from_slice(&[0, 0]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASCII_TETRA: &str = "solid tetra with a name\r\n\
        facet normal 0 0 -1\r\n outer loop\r\n  vertex 0 0 0\r\n  vertex 0 1e1 0\r\n  vertex 10 0 0\r\n endloop\r\nendfacet\r\n\
        facet normal 0 -1 0\n outer loop\n vertex 0 0 0\n vertex 10 0 0\n vertex 0 0 10\n endloop\n endfacet\n\
        facet  normal -1 0 0\n\touter loop\n\t\tvertex   0 0 0\n\t\tvertex 0 0 1.0E+01\n\t\tvertex 0 10 0\n\tendloop\nendfacet\n\
        facet normal 1 1 1\n outer loop\n vertex 10 0 0\n vertex 0 10 0\n vertex 0 0 10\n endloop\n endfacet\n\
        endsolid tetra with a name\n";

    #[test]
    fn reads_ascii_with_crlf_odd_spacing_exponents_and_names() {
        let mesh = read(ASCII_TETRA.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(mesh.triangles.len(), 4);
        assert_eq!(mesh.vertices.len(), 4, "shared corners are welded");
    }

    #[test]
    fn reads_ascii_without_a_name() {
        let text = ASCII_TETRA.replacen("solid tetra with a name", "solid", 1);
        assert_eq!(read(text.as_bytes(), &Limits::default()).unwrap().triangles.len(), 4);
    }

    #[test]
    fn binary_round_trip_even_with_a_solid_header() {
        let mesh = read(ASCII_TETRA.as_bytes(), &Limits::default()).unwrap();
        let mut bytes = write_binary(&mesh);
        bytes[..6].copy_from_slice(b"solid ");
        let back = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(back, mesh);
    }

    #[test]
    fn a_lying_triangle_count_is_refused_before_allocating() {
        let mut bytes = vec![0u8; 84 + 50];
        bytes[80..84].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            read(&bytes, &Limits::default()),
            Err(MeshError::StlCountMismatch { claimed: u32::MAX as u64, fits: 1 })
        );
    }

    #[test]
    fn limits_are_enforced() {
        let mesh = read(ASCII_TETRA.as_bytes(), &Limits::default()).unwrap();
        let bytes = write_binary(&mesh);
        let small = Limits { max_triangles: 3, ..Limits::default() };
        assert_eq!(read(&bytes, &small), Err(MeshError::TooManyTriangles { limit: 3 }));
        assert_eq!(read(ASCII_TETRA.as_bytes(), &small), Err(MeshError::TooManyTriangles { limit: 3 }));
        let tiny = Limits { max_bytes: 100, ..Limits::default() };
        assert!(matches!(read(&bytes, &tiny), Err(MeshError::TooLarge { .. })));
    }

    #[test]
    fn garbage_gets_a_clear_error_not_a_panic() {
        for input in
            [&b""[..], b"hello", b"solid x\nfacet normal 0 0 1\n outer loop\n vertex 1 2\n", &[0xFF; 83]]
        {
            let error = read(input, &Limits::default()).unwrap_err();
            assert!(!error.to_string().contains('\n'), "{error}");
        }
        let nan = ASCII_TETRA.replacen("vertex 0 0 0", "vertex nan 0 0", 1);
        assert!(read(nan.as_bytes(), &Limits::default()).is_err());
        let mesh = read(ASCII_TETRA.as_bytes(), &Limits::default()).unwrap();
        let mut binary = write_binary(&mesh);
        binary[84 + 12..84 + 16].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(read(&binary, &Limits::default()), Err(MeshError::NonFinite));
    }
}
