//! 3MF core: the zip is opened here and every `.model` part is decompressed
//! through a capped reader, so a zip bomb stops at the cap (an XML error on
//! its first bytes, usually) instead of filling memory; `threemf`'s own
//! `read` inflates members without a limit. The XML is deserialised into
//! `threemf`'s model types, streaming. Objects, components (nested, with
//! transforms) and build items with transforms are flattened into one mesh
//! in millimetres, whatever unit the file uses.

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;

use threemf::model::{Metadata, Model, Object, Unit};

use crate::mesh::MeshBuilder;
use crate::{Limits, Mesh, MeshError};

/// XML is verbose: a model part may inflate to this many times the file cap.
const XML_EXPANSION: u64 = 4;
/// Components may nest this deep; deeper means a cycle or a hostile file.
const MAX_DEPTH: usize = 16;

/// A row-vector affine transform as 3MF writes it: m00 m01 m02 m10 … m32.
type Transform = [f64; 12];
const IDENTITY: Transform = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0];

pub fn read(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    limits.check_size(bytes.len())?;
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    let invalid = |why: String| MeshError::Invalid3mf(why);
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| invalid(format!("not a zip archive ({e})")))?;
    let cap = limits.max_bytes.saturating_mul(XML_EXPANSION);

    let mut models = Vec::new();
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(|e| invalid(e.to_string()))?;
        let name = part.name().map_err(|e| invalid(e.to_string()))?.to_ascii_lowercase();
        if !name.ends_with(".model") {
            continue;
        }
        if part.size() > cap {
            return Err(MeshError::TooLarge { size: part.size(), limit: cap });
        }
        let exceeded = Rc::new(Cell::new(false));
        let capped = CappedReader { inner: part, left: cap, exceeded: exceeded.clone() };
        let parsed: Result<Model, _> = quick_xml::de::from_reader(BufReader::new(capped));
        if exceeded.get() {
            return Err(MeshError::TooLarge { size: cap + 1, limit: cap });
        }
        models.push(parsed.map_err(|e| invalid(format!("{name}: {e}")))?);
    }
    // The root part is the one with build items; other parts (the production
    // extension) only hold objects the root refers to.
    let Some(root) = models.iter().find(|m| !m.build.item.is_empty()) else {
        return Err(if models.is_empty() {
            invalid("no 3D model part inside".into())
        } else {
            MeshError::NoTriangles
        });
    };

    let scale = unit_scale(&root.unit);
    let mut builder = MeshBuilder::default();
    for item in &root.build.item {
        let transform = item.transform.unwrap_or(IDENTITY);
        add_object(root, item.objectid, &transform, scale, 0, limits, &mut builder)?;
    }
    builder.finish()
}

/// Writes a 3MF file (millimetres) with a title and the application's name.
pub fn write(mesh: &Mesh, title: &str) -> Result<Vec<u8>, MeshError> {
    use threemf::model::mesh::{Triangle, Triangles, Vertex, Vertices};
    let vertices = mesh.vertices.iter().map(|&[x, y, z]| Vertex { x, y, z }).collect();
    let triangle = mesh
        .triangles
        .iter()
        .map(|t| Triangle { v1: t[0] as usize, v2: t[1] as usize, v3: t[2] as usize })
        .collect();
    let mut model = Model::from(threemf::Mesh {
        vertices: Vertices { vertex: vertices },
        triangles: Triangles { triangle },
    });
    model.metadata.push(Metadata { name: "Title".into(), value: Some(title.into()) });
    model.metadata.push(Metadata { name: "Application".into(), value: Some("Memoreez".into()) });
    let mut out = Cursor::new(Vec::new());
    threemf::write(&mut out, model)
        .map_err(|e| MeshError::Invalid3mf(format!("could not be written: {e}")))?;
    Ok(out.into_inner())
}

fn add_object(
    model: &Model,
    id: usize,
    transform: &Transform,
    scale: f64,
    depth: usize,
    limits: &Limits,
    builder: &mut MeshBuilder,
) -> Result<(), MeshError> {
    if depth > MAX_DEPTH {
        return Err(MeshError::Invalid3mf("components nest too deeply or refer to themselves".into()));
    }
    let object: &Object = model.resources.object.iter().find(|o| o.id == id).ok_or_else(|| {
        MeshError::Invalid3mf(format!(
            "refers to object {id}, which is not in the model (or is in another part)"
        ))
    })?;
    if let Some(mesh) = &object.mesh {
        let vertices = &mesh.vertices.vertex;
        let corner = |index: usize| -> Result<[f64; 3], MeshError> {
            let v = vertices.get(index).ok_or_else(|| {
                MeshError::Invalid3mf(format!("object {id} has a triangle on missing vertex {index}"))
            })?;
            Ok(apply(transform, [v.x, v.y, v.z]).map(|c| c * scale))
        };
        for triangle in &mesh.triangles.triangle {
            if builder.triangles() >= limits.max_triangles {
                return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
            }
            builder.push([corner(triangle.v1)?, corner(triangle.v2)?, corner(triangle.v3)?])?;
        }
    }
    if let Some(components) = &object.components {
        for component in &components.component {
            let inner = compose(&component.transform.unwrap_or(IDENTITY), transform);
            add_object(model, component.objectid, &inner, scale, depth + 1, limits, builder)?;
        }
    }
    Ok(())
}

/// Millimetres per model unit.
fn unit_scale(unit: &Unit) -> f64 {
    match unit {
        Unit::Micron => 0.001,
        Unit::Millimeter => 1.0,
        Unit::Centimeter => 10.0,
        Unit::Inch => 25.4,
        Unit::Foot => 304.8,
        Unit::Meter => 1000.0,
    }
}

fn apply(m: &Transform, [x, y, z]: [f64; 3]) -> [f64; 3] {
    [
        x * m[0] + y * m[3] + z * m[6] + m[9],
        x * m[1] + y * m[4] + z * m[7] + m[10],
        x * m[2] + y * m[5] + z * m[8] + m[11],
    ]
}

/// `first` then `then`, as one transform (row vectors: p · first · then).
fn compose(first: &Transform, then: &Transform) -> Transform {
    let mut out = [0.0; 12];
    for row in 0..4 {
        // rows 0..3 are the linear part; row 3 is the translation (with an implied 1)
        let r = [first[row * 3], first[row * 3 + 1], first[row * 3 + 2]];
        for col in 0..3 {
            out[row * 3 + col] = r[0] * then[col] + r[1] * then[3 + col] + r[2] * then[6 + col];
        }
    }
    for col in 0..3 {
        out[9 + col] += then[9 + col];
    }
    out
}

/// Stops a decompressing reader at `left` bytes and says so.
struct CappedReader<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                self.exceeded.set(true);
                return Err(std::io::Error::other("part is larger than the limit"));
            }
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..want])?;
        self.left -= read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::{AnalysisOptions, analyse};

    const TETRA_MESH: &str = r#"<mesh><vertices>
        <vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/><vertex x="0" y="10" z="0"/><vertex x="0" y="0" z="10"/>
        </vertices><triangles>
        <triangle v1="0" v2="2" v3="1"/><triangle v1="0" v2="1" v3="3"/><triangle v1="0" v2="3" v3="2"/><triangle v1="1" v2="2" v3="3"/>
        </triangles></mesh>"#;

    fn model_xml(unit: &str, resources: &str, build: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<model unit="{unit}" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">
<metadata name="Title">test</metadata>
<resources>{resources}</resources><build>{build}</build></model>"#
        )
    }

    fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    }

    fn tetra_volume() -> f64 {
        1000.0 / 6.0
    }

    #[test]
    fn reads_objects_components_and_build_transforms_in_mm() {
        // Object 2 places object 1 twice through components (one moved 20 mm
        // in x); the build item scales the whole by 2 in x and lifts it 5 mm.
        let resources = format!(
            r#"<object id="1" type="model">{TETRA_MESH}</object>
               <object id="2" type="model"><components>
                 <component objectid="1"/>
                 <component objectid="1" transform="1 0 0 0 1 0 0 0 1 20 0 0"/>
               </components></object>"#
        );
        let xml = model_xml(
            "millimeter",
            &resources,
            r#"<item objectid="2" transform="2 0 0 0 1 0 0 0 1 0 0 5"/>"#,
        );
        let bytes = zip(&[("[Content_Types].xml", b"<Types/>"), ("3D/3dmodel.model", xml.as_bytes())]);
        let mesh = read(&bytes, &Limits::default()).unwrap();
        let a = analyse(&mesh, &AnalysisOptions::default());
        assert_eq!(a.triangles, 8);
        assert_eq!(a.shells, 2);
        assert!(a.watertight);
        assert!((a.volume_mm3 - 2.0 * 2.0 * tetra_volume()).abs() < 1e-9, "{}", a.volume_mm3);
        assert_eq!(a.bbox_mm, [[0.0, 0.0, 5.0], [60.0, 10.0, 15.0]]);
    }

    #[test]
    fn writes_what_it_reads_with_a_title() {
        let xml = model_xml(
            "inch",
            &format!(r#"<object id="1" type="model">{TETRA_MESH}</object>"#),
            r#"<item objectid="1"/>"#,
        );
        let mesh = read(&zip(&[("3D/3dmodel.model", xml.as_bytes())]), &Limits::default()).unwrap();
        let written = write(&mesh, "Grandpa's sailboat & <jazz>").unwrap();
        assert_eq!(read(&written, &Limits::default()).unwrap(), mesh);
        let mut archive = zip::ZipArchive::new(Cursor::new(&written)).unwrap();
        let mut text = String::new();
        archive.by_name("3D/model.model").unwrap().read_to_string(&mut text).unwrap();
        assert!(
            text.contains("Grandpa&apos;s sailboat &amp; &lt;jazz&gt;")
                || text.contains("Grandpa's sailboat &amp; &lt;jazz&gt;"),
            "{text}"
        );
        assert!(text.contains(r#"unit="millimeter""#) || !text.contains("unit="), "{text}");
    }

    #[test]
    fn converts_every_unit_to_millimetres() {
        for (unit, mm) in [
            ("micron", 0.001),
            ("millimeter", 1.0),
            ("centimeter", 10.0),
            ("inch", 25.4),
            ("foot", 304.8),
            ("meter", 1000.0),
        ] {
            let xml = model_xml(
                unit,
                &format!(r#"<object id="1" type="model">{TETRA_MESH}</object>"#),
                r#"<item objectid="1"/>"#,
            );
            let mesh = read(&zip(&[("3D/3dmodel.model", xml.as_bytes())]), &Limits::default()).unwrap();
            let a = analyse(&mesh, &AnalysisOptions::default());
            assert!((a.size_mm()[0] - 10.0 * mm).abs() < 1e-9, "{unit}");
        }
    }

    #[test]
    fn a_zip_bomb_is_refused_at_the_cap() {
        // 16 MiB of zeros compresses to ~16 KiB; with a 1 MiB file cap the
        // part may inflate to 4 MiB, and parsing stops at its first byte.
        let zeros = vec![0u8; 16 << 20];
        let bomb = zip(&[("3D/3dmodel.model", &zeros)]);
        let limits = Limits { max_bytes: 1 << 20, ..Limits::default() };
        assert!(bomb.len() < limits.max_bytes as usize);
        let started = std::time::Instant::now();
        let error = read(&bomb, &limits).unwrap_err();
        assert!(matches!(error, MeshError::TooLarge { .. } | MeshError::Invalid3mf(_)), "{error}");
        assert!(started.elapsed().as_secs_f64() < 2.0);

        // Valid-looking XML that goes on and on hits the cap itself.
        let mut endless = model_xml("millimeter", "", "").replace(
            "<resources></resources><build></build></model>",
            "<resources><object id=\"1\"><mesh><vertices>",
        );
        endless.push_str(&"<vertex x=\"0\" y=\"0\" z=\"0\"/>".repeat(200_000));
        let error = read(&zip(&[("3D/3dmodel.model", endless.as_bytes())]), &limits).unwrap_err();
        assert!(matches!(error, MeshError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn broken_files_get_clear_errors() {
        let limits = Limits::default();
        assert!(matches!(read(b"PK\x03\x04 not really", &limits), Err(MeshError::Invalid3mf(_))));
        assert!(matches!(read(&zip(&[("readme.txt", b"hi")]), &limits), Err(MeshError::Invalid3mf(_))));
        let missing = model_xml("millimeter", "", r#"<item objectid="7"/>"#);
        let error = read(&zip(&[("3D/3dmodel.model", missing.as_bytes())]), &limits).unwrap_err();
        assert!(error.to_string().contains("object 7"), "{error}");
        let cycle = model_xml(
            "millimeter",
            r#"<object id="1"><components><component objectid="1"/></components></object>"#,
            r#"<item objectid="1"/>"#,
        );
        let error = read(&zip(&[("3D/3dmodel.model", cycle.as_bytes())]), &limits).unwrap_err();
        assert!(error.to_string().contains("nest too deeply"), "{error}");
        let bad_index = model_xml(
            "millimeter",
            &format!(
                r#"<object id="1">{}</object>"#,
                TETRA_MESH.replace(r#"v1="1" v2="2" v3="3""#, r#"v1="1" v2="2" v3="9""#)
            ),
            r#"<item objectid="1"/>"#,
        );
        let error = read(&zip(&[("3D/3dmodel.model", bad_index.as_bytes())]), &limits).unwrap_err();
        assert!(error.to_string().contains("missing vertex 9"), "{error}");
        assert!(!error.to_string().contains('\n'));
    }
}
