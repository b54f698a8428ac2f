//! STL, binary and ASCII.
//!
//! Both are read here rather than through `stl_io`: its format probe calls
//! any file whose header starts with `solid ` ASCII (many CAD exporters write
//! exactly that into binary headers), a binary file's size is the one honest
//! check of its triangle count, done before anything is allocated, and its
//! ASCII reader stops after the first `solid` block of a multi-part file.

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

/// ASCII STL, every `solid … endsolid` block of it (exporters of
/// assemblies write one per part), with any line endings (CR-only too).
/// Normals are skipped unread: the winding is the truth, and exporters
/// write `nan`, `inf` or `-1.#IND` there. Coordinates must be finite; they
/// are kept as written (double precision), as text carries more than STL's
/// binary single precision.
/// Our own reader instead of `stl_io`'s: it stops after the first block.
fn read_ascii(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut words = Words { text, at: 0, line: 1 };
    let mut builder = MeshBuilder::default();
    let mut solids = 0usize;
    while let Some(word) = words.next() {
        if !word.eq_ignore_ascii_case(b"solid") {
            // A block's name, after `solid` or `endsolid`, runs to its line's end.
            if solids == 0 {
                return Err(words.error("the file does not start with `solid`"));
            }
            continue;
        }
        solids += 1;
        words.skip_line();
        loop {
            let word =
                words.next().ok_or_else(|| words.error("the file ends inside a solid (no `endsolid`)"))?;
            if word.eq_ignore_ascii_case(b"endsolid") {
                words.skip_line();
                break;
            }
            if !word.eq_ignore_ascii_case(b"facet") {
                return Err(words.error(&format!("expected `facet` or `endsolid`, found `{}`", shown(word))));
            }
            words.skip_line(); // `normal nx ny nz`
            words.expect(b"outer")?;
            words.expect(b"loop")?;
            let mut corners = [[0f64; 3]; 3];
            for corner in &mut corners {
                words.expect(b"vertex")?;
                for value in corner.iter_mut() {
                    *value = words.number()?;
                }
            }
            words.expect(b"endloop")?;
            words.expect(b"endfacet")?;
            if builder.triangles() >= limits.max_triangles {
                return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
            }
            builder.push(corners)?;
        }
    }
    builder.finish()
}

/// Whitespace-separated words of ASCII STL, with the line each is on.
struct Words<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Words<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        while let Some(&byte) = self.text.get(self.at) {
            if !byte.is_ascii_whitespace() {
                break;
            }
            self.count_line_break(byte);
            self.at += 1;
        }
        let start = self.at;
        while self.text.get(self.at).is_some_and(|b| !b.is_ascii_whitespace()) {
            self.at += 1;
        }
        (self.at > start).then(|| &self.text[start..self.at])
    }

    /// `\n`, `\r\n` and a lone `\r` each end one line.
    fn count_line_break(&mut self, byte: u8) {
        if byte == b'\n' || (byte == b'\r' && self.text.get(self.at + 1) != Some(&b'\n')) {
            self.line += 1;
        }
    }

    fn skip_line(&mut self) {
        while let Some(&byte) = self.text.get(self.at) {
            if byte == b'\n' || byte == b'\r' {
                return;
            }
            self.at += 1;
        }
    }

    fn expect(&mut self, keyword: &[u8]) -> Result<(), MeshError> {
        match self.next() {
            Some(word) if word.eq_ignore_ascii_case(keyword) => Ok(()),
            Some(word) => Err(self.error(&format!("expected `{}`, found `{}`", shown(keyword), shown(word)))),
            None => Err(self.error(&format!("the file ends where `{}` was expected", shown(keyword)))),
        }
    }

    fn number(&mut self) -> Result<f64, MeshError> {
        let word = self.next().ok_or_else(|| self.error("the file ends inside a vertex"))?;
        let value = std::str::from_utf8(word).ok().and_then(|w| w.parse::<f64>().ok());
        match value {
            Some(value) if value.is_finite() => Ok(value),
            Some(_) => Err(MeshError::NonFinite),
            None => Err(self.error(&format!("`{}` is not a number", shown(word)))),
        }
    }

    fn error(&self, why: &str) -> MeshError {
        MeshError::InvalidStl(format!("line {}: {why}", self.line))
    }
}

/// A word of the file, for an error message: short and printable.
fn shown(word: &[u8]) -> String {
    String::from_utf8_lossy(&word[..word.len().min(40)]).chars().filter(|c| !c.is_control()).collect()
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
    fn reads_every_solid_block_with_any_line_endings() {
        let second =
            ASCII_TETRA.replace("tetra with a name", "second part").replace("vertex 0 0 0", "vertex 0 0 -1");
        let two = format!("{ASCII_TETRA}{second}");
        assert_eq!(read(two.as_bytes(), &Limits::default()).unwrap().triangles.len(), 8);
        let cr_only = two.replace("\r\n", "\r").replace('\n', "\r");
        assert_eq!(read(cr_only.as_bytes(), &Limits::default()).unwrap().triangles.len(), 8);
    }

    #[test]
    fn normals_are_not_read_but_coordinates_must_be_numbers() {
        let odd_normals = ASCII_TETRA
            .replacen("facet normal 0 0 -1", "facet normal nan inf -1.#IND", 1)
            .replacen("facet normal 1 1 1", "facet normal", 1);
        assert_eq!(read(odd_normals.as_bytes(), &Limits::default()).unwrap().triangles.len(), 4);
        for bad in ["vertex inf 0 0", "vertex -infinity 0 0", "vertex NaN 0 0"] {
            let text = ASCII_TETRA.replacen("vertex 0 0 0", bad, 1);
            assert_eq!(read(text.as_bytes(), &Limits::default()), Err(MeshError::NonFinite), "{bad}");
        }
        let comma = ASCII_TETRA.replacen("vertex 10 0 0", "vertex 10,5 0 0", 1);
        let error = read(comma.as_bytes(), &Limits::default()).unwrap_err().to_string();
        assert_eq!(error, "not a readable STL file: line 6: `10,5` is not a number");
        let cut = ASCII_TETRA.replace("endsolid tetra with a name\n", "");
        let error = read(cut.as_bytes(), &Limits::default()).unwrap_err().to_string();
        assert!(error.contains("ends inside a solid"), "{error}");
    }

    #[test]
    fn a_file_without_triangles_says_so() {
        assert_eq!(read(b"solid empty\nendsolid empty\n", &Limits::default()), Err(MeshError::NoTriangles));
        // Binary, zero triangles, a header that starts with `solid`.
        let mut binary = vec![b' '; 84];
        binary[..11].copy_from_slice(b"solid thing");
        binary[80..84].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(read(&binary, &Limits::default()), Err(MeshError::NoTriangles));
        assert_eq!(MeshError::NoTriangles.to_string(), "the file has no triangles");
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
