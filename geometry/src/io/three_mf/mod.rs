//! 3MF: the package (a zip) is opened here, its root model part found from
//! its relationships, and only the parts the root's build reaches are
//! decompressed, each through a reader capped by one budget for the whole
//! package. `part` reads each part's XML; `expand` counts what the build
//! would make, with every component and copy, before any of it is built,
//! then flattens it into one mesh in millimetres.
//!
//! Writing goes through `threemf`.

mod expand;
mod extensions;
mod part;

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;

use threemf::model::{Metadata, Model};

use crate::{Limits, Mesh, MeshError};

/// XML is verbose: the parts of one package may inflate to this many times
/// the file cap, all together.
const XML_EXPANSION: u64 = 4;
/// A package with more entries than this is not a model someone exported.
const MAX_ENTRIES: u64 = 10_000;
/// The 3D model relationship of the Open Packaging Conventions.
const MODEL_RELATIONSHIP: &str = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel";

/// A row-vector affine transform as 3MF writes it: m00 m01 m02 m10 … m32.
type Transform = [f64; 12];
const IDENTITY: Transform = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0];

pub fn read(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    limits.check_size(bytes.len())?;
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    let mut package = Package::open(bytes, limits)?;
    let root = package.root_part()?;
    expand::build(&mut package, &root, limits)
}

/// An opened 3MF package and what is left of its decompression budget.
pub(super) struct Package<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Lower-cased part name (no leading slash) → zip entry.
    entries: rustc_hash::FxHashMap<String, usize>,
    bytes_left: u64,
    budget: u64,
    allowance: part::Allowance,
}

fn invalid(why: impl Into<String>) -> MeshError {
    MeshError::Invalid3mf(why.into())
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8], limits: &Limits) -> Result<Package<'a>, MeshError> {
        // The zip reader indexes every entry of the central directory; a
        // crafted one with millions of entries is refused before that.
        if let Some(entries) = declared_entries(bytes)
            && entries > MAX_ENTRIES
        {
            return Err(invalid(format!(
                "the package has {entries} entries; at most {MAX_ENTRIES} are read"
            )));
        }
        let archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| invalid(format!("not a zip archive ({e})")))?;
        let mut entries = rustc_hash::FxHashMap::default();
        for (index, name) in archive.file_names().enumerate() {
            let name = name.map_err(|e| invalid(e.to_string()))?;
            entries.insert(name.trim_start_matches('/').to_ascii_lowercase(), index);
        }
        let budget = limits.max_bytes.saturating_mul(XML_EXPANSION);
        let allowance = part::Allowance {
            triangles: limits.max_triangles,
            // A closed mesh has about half as many vertices as triangles;
            // as many as triangles leaves room for loose parts and keeps a
            // file of vertices alone from holding gigabytes.
            vertices: limits.max_triangles,
            triangle_limit: limits.max_triangles,
            vertex_limit: limits.max_triangles,
        };
        Ok(Package { archive, entries, bytes_left: budget, budget, allowance })
    }

    /// The root model part: the one `_rels/.rels` names; without
    /// relationships (some exporters skip them), `3D/3dmodel.model` or the
    /// package's only model part.
    fn root_part(&mut self) -> Result<String, MeshError> {
        if self.entries.contains_key("_rels/.rels") {
            let rels = self.read_small("_rels/.rels")?;
            let targets = model_targets(&rels)?;
            return match targets.as_slice() {
                [] => Err(invalid("its relationships name no 3D model part")),
                [target] => {
                    let name = part_name(target);
                    if self.entries.contains_key(&name) {
                        Ok(name)
                    } else {
                        Err(invalid(format!(
                            "its relationships name the model part {target}, which is not in the package"
                        )))
                    }
                }
                _ => Err(invalid("its relationships name more than one root 3D model part")),
            };
        }
        if self.entries.contains_key("3d/3dmodel.model") {
            return Ok("3d/3dmodel.model".into());
        }
        let mut models = self.entries.keys().filter(|name| name.ends_with(".model"));
        match (models.next(), models.next()) {
            (Some(only), None) => Ok(only.clone()),
            (None, _) => Err(invalid("no 3D model part inside")),
            _ => Err(invalid("it has several model parts and no relationships saying which is the model")),
        }
    }

    /// Refuses, before any is inflated, parts that together declare more
    /// than the budget left (the root's references, all at once).
    fn check_declared(&mut self, names: &[String]) -> Result<(), MeshError> {
        let mut total = 0u64;
        for name in names {
            if let Some(&index) = self.entries.get(name) {
                let entry = self.archive.by_index_raw(index).map_err(|e| invalid(e.to_string()))?;
                total = total.saturating_add(entry.size());
            }
        }
        if total > self.bytes_left {
            return Err(MeshError::TooLarge {
                size: self.budget - self.bytes_left + total,
                limit: self.budget,
            });
        }
        Ok(())
    }

    /// Parses one model part (a lower-cased name from `part_name`).
    fn model_part(&mut self, name: &str) -> Result<part::Part, MeshError> {
        let index = *self
            .entries
            .get(name)
            .ok_or_else(|| invalid(format!("it refers to the part /{name}, which is not in the package")))?;
        let entry = self.archive.by_index(index).map_err(|e| invalid(e.to_string()))?;
        let declared = entry.size();
        if declared > self.bytes_left {
            return Err(MeshError::TooLarge {
                size: self.budget - self.bytes_left + declared,
                limit: self.budget,
            });
        }
        let cap = declared;
        let exceeded = Rc::new(Cell::new(false));
        let used = Rc::new(Cell::new(0u64));
        let capped = CappedReader { inner: entry, left: cap, exceeded: exceeded.clone(), used: used.clone() };
        let parsed =
            part::read(&format!("/{name}"), BufReader::with_capacity(64 << 10, capped), &mut self.allowance);
        self.bytes_left -= used.get().min(self.bytes_left);
        if exceeded.get() {
            return Err(invalid(format!("/{name} inflates to more than its zip entry says")));
        }
        parsed
    }

    /// A small XML part (relationships), whole, within the budget.
    fn read_small(&mut self, name: &str) -> Result<String, MeshError> {
        const SMALL: u64 = 1 << 20;
        let index = self.entries[name];
        let entry = self.archive.by_index(index).map_err(|e| invalid(e.to_string()))?;
        if entry.size() > SMALL.min(self.bytes_left) {
            return Err(invalid(format!("/{name} is larger than {SMALL} bytes")));
        }
        let mut text = String::new();
        entry.take(SMALL + 1).read_to_string(&mut text).map_err(|e| invalid(format!("/{name}: {e}")))?;
        self.bytes_left -= (text.len() as u64).min(self.bytes_left);
        Ok(text)
    }
}

/// A part's name as a key: no leading slash, lower case (OPC part names
/// compare without case).
fn part_name(path: &str) -> String {
    path.trim_start_matches('/').to_ascii_lowercase()
}

/// The targets of the 3D model relationships in a `.rels` part.
fn model_targets(rels: &str) -> Result<Vec<String>, MeshError> {
    let mut reader = quick_xml::Reader::from_str(rels);
    let mut targets = Vec::new();
    loop {
        match reader
            .read_event()
            .map_err(|e| invalid(format!("/_rels/.rels is not well-formed XML ({e})")))?
        {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.local_name().as_ref() == "Relationship" =>
            {
                let value = |key: &str| e.try_get_attribute(key).ok().flatten().map(|a| a.value.into_owned());
                if value("Type").as_deref() == Some(MODEL_RELATIONSHIP) {
                    let target = value("Target")
                        .ok_or_else(|| invalid("/_rels/.rels has a model relationship with no target"))?;
                    if value("TargetMode").is_some_and(|mode| mode.eq_ignore_ascii_case("External")) {
                        return Err(invalid("its model relationship points outside the package"));
                    }
                    targets.push(target);
                }
            }
            quick_xml::events::Event::DocType(_) => {
                return Err(invalid("/_rels/.rels has a document type definition, which 3MF forbids"));
            }
            quick_xml::events::Event::Eof => return Ok(targets),
            _ => {}
        }
    }
}

/// The entry count the zip's end-of-central-directory record declares
/// (zip64's when the classic field is saturated), without indexing them.
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const EOCD64: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = (from..=bytes.len().checked_sub(22)?).rev().find(|&i| bytes[i..i + 4] == EOCD)?;
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let classic = u64::from(u16_at(at + 10));
    if classic != 0xFFFF {
        return Some(classic);
    }
    let locator = at.checked_sub(20)?;
    if bytes.get(locator..locator + 4)? != LOCATOR {
        return Some(classic);
    }
    let offset = u64::from_le_bytes(bytes.get(locator + 8..locator + 16)?.try_into().ok()?);
    let record = usize::try_from(offset).ok()?;
    if bytes.get(record..record + 4)? != EOCD64 {
        return Some(classic);
    }
    Some(u64::from_le_bytes(bytes.get(record + 32..record + 40)?.try_into().ok()?))
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

/// Stops a decompressing reader at `left` bytes and says so; counts what it let through.
struct CappedReader<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
    used: Rc<Cell<u64>>,
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
        self.used.set(self.used.get() + read as u64);
        Ok(read)
    }
}

#[cfg(test)]
mod tests;
