//! One model part's XML (the root `3D/3dmodel.model`, or a part of the
//! production extension such as Bambu Studio's `3D/Objects/object_1.model`)
//! read into its objects and build items, streaming, event by event.
//!
//! Our own reader instead of `threemf`'s serde model: those types have no
//! room for the production extension's `p:path`, and a deserialiser accepts
//! what is not XML at all (a second root element, undeclared prefixes, a DTD)
//! and can only count what it has already built. Here every element is seen
//! as it arrives, so the caps hold before anything grows.
//!
//! What is read: `model` (unit, `requiredextensions`), `object` (id, type),
//! its `mesh` (`vertex`, `triangle`) or `components` (`component`, with
//! `transform` and `p:path`), `build` and its `item`s, and `metadata` names.
//! Everything else (materials, colours, textures, slices, beams, vendors'
//! own elements) is skipped whole: it does not change the printed shape, or
//! its extension is refused up front (see `extensions`).

use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use rustc_hash::{FxHashMap, FxHashSet};

use super::extensions;
use super::{IDENTITY, Transform};
use crate::MeshError;

pub(super) const CORE: &str = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";
pub(super) const PRODUCTION: &str = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06";

/// Elements may nest this deep; real files use six levels.
const MAX_NESTING: usize = 64;

/// What one model part holds.
#[derive(Debug, Default)]
pub(super) struct Part {
    /// Millimetres per unit of this part's coordinates.
    pub mm_per_unit: f64,
    pub objects: FxHashMap<u32, Object>,
    pub items: Vec<Reference>,
}

#[derive(Debug, Default)]
pub(super) struct Object {
    pub vertices: Vec<[f64; 3]>,
    pub triangles: Vec<[u32; 3]>,
    pub has_mesh: bool,
    pub components: Vec<Reference>,
    pub kind: ObjectKind,
}

/// 3MF's object types. Build items must not place `other`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum ObjectKind {
    #[default]
    Model,
    Support,
    SolidSupport,
    Surface,
    Other,
}

/// A component or build item: an object (in this part, or in the part its
/// `p:path` names) placed by a transform.
#[derive(Clone, Debug)]
pub(super) struct Reference {
    pub object: u32,
    pub path: Option<String>,
    pub transform: Transform,
}

/// Counters that every part of one package draws on.
pub(super) struct Allowance {
    pub triangles: usize,
    pub vertices: usize,
    pub triangle_limit: usize,
    pub vertex_limit: usize,
}

/// Where an element stands, for the elements whose children we read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Model,
    Resources,
    Object,
    Mesh,
    Vertices,
    Triangles,
    Components,
    Build,
    Metadata,
    /// Anything else: its children are skipped.
    Skipped,
}

fn invalid(part: &str, why: impl std::fmt::Display) -> MeshError {
    MeshError::Invalid3mf(format!("{part}: {why}"))
}

/// Reads one model part from its (capped, decompressing) reader.
pub(super) fn read(name: &str, source: impl BufRead, allowance: &mut Allowance) -> Result<Part, MeshError> {
    let mut reader = NsReader::from_reader(source);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(true);

    let mut part = Part { mm_per_unit: 1.0, ..Part::default() };
    let mut stack: Vec<Place> = Vec::with_capacity(16);
    let mut current: Option<(u32, Object)> = None;
    let mut seen_root = false;
    let (mut seen_resources, mut seen_build) = (false, false);
    let mut metadata_names: FxHashSet<String> = FxHashSet::default();
    let mut buf = Vec::with_capacity(256);

    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| invalid(name, xml_error(&e)))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(element) = start {
            let parent = stack.last().copied();
            if parent.is_none() && seen_root {
                return Err(invalid(name, "it has a second root element after <model>"));
            }
            let (ns, local) = reader.resolver().resolve_element(element.name());
            let ns = bound(name, ns, element.name().as_ref())?;
            let core = ns == Some(CORE);
            let local = local.as_ref();
            // Every attribute's prefix must be declared, and no attribute may
            // repeat. Vertices and triangles (nearly all of a file) check
            // their own few attributes as they read them.
            if !(core && matches!(local, "vertex" | "triangle")) {
                check_attribute_prefixes(name, &reader, element)?;
            }
            let place = match (parent, core, local) {
                (None, true, "model") => {
                    seen_root = true;
                    read_model_element(name, &reader, element, &mut part)?;
                    Place::Model
                }
                (None, _, _) => return Err(invalid(name, "its root element is not a 3MF <model>")),
                (Some(Place::Model), true, "resources") => {
                    if std::mem::replace(&mut seen_resources, true) {
                        return Err(invalid(name, "it has two <resources> elements"));
                    }
                    Place::Resources
                }
                (Some(Place::Model), true, "build") => {
                    if std::mem::replace(&mut seen_build, true) {
                        return Err(invalid(name, "it has two <build> elements"));
                    }
                    Place::Build
                }
                (Some(Place::Model), true, "metadata") => {
                    let meta = attribute(name, &reader, element, "name", None)?
                        .ok_or_else(|| invalid(name, "a <metadata> element has no name"))?;
                    if !metadata_names.insert(meta.clone()) {
                        return Err(invalid(name, format!("the metadata {meta:?} is given twice")));
                    }
                    Place::Metadata
                }
                (Some(Place::Resources), true, "object") => {
                    let id = resource_id(name, &reader, element, "id")?;
                    if part.objects.contains_key(&id) || current.is_some() {
                        return Err(invalid(name, format!("object {id} is defined twice")));
                    }
                    let kind = object_kind(name, &reader, element, id)?;
                    current = Some((id, Object { kind, ..Object::default() }));
                    Place::Object
                }
                (Some(Place::Object), true, "mesh") => {
                    let (_, object) = current.as_mut().expect("inside an object");
                    if object.has_mesh || !object.components.is_empty() {
                        return Err(invalid(
                            name,
                            "an object has a second mesh or both a mesh and components",
                        ));
                    }
                    object.has_mesh = true;
                    Place::Mesh
                }
                (Some(Place::Mesh), true, "vertices") => Place::Vertices,
                (Some(Place::Mesh), true, "triangles") => Place::Triangles,
                (Some(Place::Object), true, "components") => {
                    let (_, object) = current.as_mut().expect("inside an object");
                    if object.has_mesh {
                        return Err(invalid(name, "an object has both a mesh and components"));
                    }
                    Place::Components
                }
                (Some(Place::Vertices), true, "vertex") => {
                    spend(
                        &mut allowance.vertices,
                        MeshError::TooManyVertices { limit: allowance.vertex_limit },
                    )?;
                    let vertex = vertex(name, element)?;
                    current.as_mut().expect("inside an object").1.vertices.push(vertex);
                    Place::Skipped
                }
                (Some(Place::Triangles), true, "triangle") => {
                    spend(
                        &mut allowance.triangles,
                        MeshError::TooManyTriangles { limit: allowance.triangle_limit },
                    )?;
                    let triangle = triangle(name, element)?;
                    current.as_mut().expect("inside an object").1.triangles.push(triangle);
                    Place::Skipped
                }
                (Some(Place::Components), true, "component") => {
                    let reference = reference(name, &reader, element)?;
                    current.as_mut().expect("inside an object").1.components.push(reference);
                    Place::Skipped
                }
                (Some(Place::Build), true, "item") => {
                    part.items.push(reference(name, &reader, element)?);
                    Place::Skipped
                }
                _ => Place::Skipped,
            };
            if empty {
                close(name, place, &mut current, &mut part)?;
            } else {
                if stack.len() >= MAX_NESTING {
                    return Err(invalid(name, format!("elements nest more than {MAX_NESTING} deep")));
                }
                stack.push(place);
            }
            continue;
        }
        match event {
            Event::End(_) => {
                let place = stack.pop().ok_or_else(|| invalid(name, "an end tag closes nothing"))?;
                close(name, place, &mut current, &mut part)?;
            }
            Event::Text(text) if stack.is_empty() && !text.chars().all(|c| c.is_ascii_whitespace()) => {
                return Err(invalid(name, "it has text outside the <model> element"));
            }
            Event::GeneralRef(reference) => {
                let known = reference.is_char_ref()
                    || matches!(reference.as_ref(), "amp" | "lt" | "gt" | "quot" | "apos");
                if !known {
                    let entity = reference.as_ref().to_owned();
                    return Err(invalid(name, format!("it uses an undefined entity &{entity};")));
                }
                if reference.is_char_ref() {
                    reference.resolve_char_ref().map_err(|e| invalid(name, e))?;
                }
            }
            Event::DocType(_) => {
                return Err(invalid(
                    name,
                    "it has a document type definition (<!DOCTYPE>), which 3MF forbids",
                ));
            }
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding()
                    && !encoding.eq_ignore_ascii_case("utf-8")
                {
                    return Err(invalid(name, format!("it is encoded as {encoding}; 3MF is UTF-8")));
                }
            }
            Event::CData(_) if stack.is_empty() => {
                return Err(invalid(name, "it has text outside the <model> element"));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(invalid(name, "it ends before its elements are closed"));
    }
    if !seen_root {
        return Err(invalid(name, "it has no <model> element"));
    }
    if !seen_resources {
        return Err(invalid(name, "it has no <resources> element"));
    }
    if !seen_build {
        return Err(invalid(name, "it has no <build> element"));
    }
    Ok(part)
}

/// Takes one from what the package may still hold, or refuses.
fn spend(left: &mut usize, refusal: MeshError) -> Result<(), MeshError> {
    *left = left.checked_sub(1).ok_or(refusal)?;
    Ok(())
}

/// An element's end: an object is checked and kept.
fn close(
    name: &str,
    place: Place,
    current: &mut Option<(u32, Object)>,
    part: &mut Part,
) -> Result<(), MeshError> {
    if place != Place::Object {
        return Ok(());
    }
    let (id, object) = current.take().expect("an object was open");
    if !object.has_mesh && object.components.is_empty() {
        return Err(invalid(name, format!("object {id} has neither a mesh nor components")));
    }
    let count = object.vertices.len();
    if let Some(corner) = object.triangles.iter().flatten().find(|&&v| v as usize >= count) {
        return Err(invalid(name, format!("object {id} has a triangle on missing vertex {corner}")));
    }
    part.objects.insert(id, object);
    Ok(())
}

fn bound<'n>(name: &str, ns: ResolveResult<'n>, qname: &str) -> Result<Option<&'n str>, MeshError> {
    match ns {
        ResolveResult::Bound(Namespace(uri)) => Ok(Some(uri)),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => {
            Err(invalid(name, format!("<{qname}> uses the prefix {:?}, which is not declared", prefix)))
        }
    }
}

fn check_attribute_prefixes<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
) -> Result<(), MeshError> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| invalid(name, xml_error(&e)))?;
        let key = attribute.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (ns, _) = reader.resolver().resolve_attribute(key);
        bound(name, ns, key.as_ref())?;
    }
    Ok(())
}

/// The `<model>` element: unit and the extensions it requires.
fn read_model_element<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
    part: &mut Part,
) -> Result<(), MeshError> {
    if let Some(unit) = attribute(name, reader, element, "unit", None)? {
        part.mm_per_unit = match unit.as_str() {
            "micron" => 0.001,
            "millimeter" => 1.0,
            "centimeter" => 10.0,
            "inch" => 25.4,
            "foot" => 304.8,
            "meter" => 1000.0,
            other => return Err(invalid(name, format!("unknown unit {other:?}"))),
        };
    }
    if let Some(required) = attribute(name, reader, element, "requiredextensions", None)? {
        for prefix in required.split_ascii_whitespace() {
            // <model> is the root, so every prefix in scope is declared on it.
            let declared = element.attributes().flatten().find_map(|a| {
                (a.key.as_namespace_binding() == Some(quick_xml::name::PrefixDeclaration::Named(prefix)))
                    .then(|| a.value.into_owned())
            });
            let Some(uri) = declared else {
                return Err(invalid(
                    name,
                    format!("it requires the extension {prefix:?}, which it does not declare"),
                ));
            };
            extensions::check_required(name, &uri)?;
        }
    }
    Ok(())
}

/// The value of an attribute in no namespace (`namespace: None`) or in the given one.
fn attribute<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
    local: &str,
    namespace: Option<&str>,
) -> Result<Option<String>, MeshError> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| invalid(name, xml_error(&e)))?;
        let (ns, attribute_local) = reader.resolver().resolve_attribute(attribute.key);
        let ns = match ns {
            ResolveResult::Bound(Namespace(uri)) => Some(uri),
            _ => None,
        };
        if attribute_local.as_ref() == local && ns == namespace {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| invalid(name, xml_error(&e)))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn required<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
    local: &str,
) -> Result<String, MeshError> {
    attribute(name, reader, element, local, None)?
        .ok_or_else(|| invalid(name, format!("a <{}> has no {}", element.local_name().as_ref(), local)))
}

fn resource_id<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
    local: &str,
) -> Result<u32, MeshError> {
    let text = required(name, reader, element, local)?;
    match text.parse::<u32>() {
        Ok(id) if (1..1 << 31).contains(&id) => Ok(id),
        _ => Err(invalid(name, format!("{:?} is not an object id", text))),
    }
}

fn object_kind<R>(
    name: &str,
    reader: &NsReader<R>,
    element: &BytesStart,
    id: u32,
) -> Result<ObjectKind, MeshError> {
    Ok(match attribute(name, reader, element, "type", None)?.as_deref() {
        None | Some("model") => ObjectKind::Model,
        Some("support") => ObjectKind::Support,
        Some("solidsupport") => ObjectKind::SolidSupport,
        Some("surface") => ObjectKind::Surface,
        Some("other") => ObjectKind::Other,
        Some(other) => return Err(invalid(name, format!("object {id} has the unknown type {other:?}"))),
    })
}

fn vertex(name: &str, element: &BytesStart) -> Result<[f64; 3], MeshError> {
    let (mut x, mut y, mut z) = (None, None, None);
    for attribute in element.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| invalid(name, xml_error(&e)))?;
        let slot = match attribute.key.as_ref() {
            "x" => &mut x,
            "y" => &mut y,
            "z" => &mut z,
            _ => continue,
        };
        if slot.replace(number(name, &attribute.value)?).is_some() {
            return Err(invalid(name, "a <vertex> repeats an attribute"));
        }
    }
    match (x, y, z) {
        (Some(x), Some(y), Some(z)) => Ok([x, y, z]),
        _ => Err(invalid(name, "a <vertex> lacks x, y or z")),
    }
}

fn triangle(name: &str, element: &BytesStart) -> Result<[u32; 3], MeshError> {
    let mut corners = [None; 3];
    for attribute in element.attributes().with_checks(false) {
        let attribute = attribute.map_err(|e| invalid(name, xml_error(&e)))?;
        let slot = match attribute.key.as_ref() {
            "v1" => 0,
            "v2" => 1,
            "v3" => 2,
            _ => continue,
        };
        let text = attribute.value.as_ref();
        let index =
            text.parse::<u32>().map_err(|_| invalid(name, format!("{text:?} is not a vertex index")))?;
        if corners[slot].replace(index).is_some() {
            return Err(invalid(name, "a <triangle> repeats an attribute"));
        }
    }
    match corners {
        [Some(a), Some(b), Some(c)] => Ok([a, b, c]),
        _ => Err(invalid(name, "a <triangle> lacks v1, v2 or v3")),
    }
}

fn reference<R>(name: &str, reader: &NsReader<R>, element: &BytesStart) -> Result<Reference, MeshError> {
    let object = resource_id(name, reader, element, "objectid")?;
    let path = attribute(name, reader, element, "path", Some(PRODUCTION))?;
    let transform = match attribute(name, reader, element, "transform", None)? {
        Some(text) => transform(name, &text)?,
        None => IDENTITY,
    };
    Ok(Reference { object, path, transform })
}

fn transform(name: &str, text: &str) -> Result<Transform, MeshError> {
    let mut out = [0.0; 12];
    let mut values = text.split_ascii_whitespace();
    for slot in &mut out {
        let value = values
            .next()
            .ok_or_else(|| invalid(name, format!("the transform {text:?} has fewer than 12 numbers")))?;
        *slot = number(name, value)?;
    }
    if values.next().is_some() {
        return Err(invalid(name, format!("the transform {text:?} has more than 12 numbers")));
    }
    Ok(out)
}

/// 3MF's number: digits with an optional sign, decimal point and exponent.
/// A decimal comma, `inf` or `nan` is refused, where Rust's parser would
/// take the last two.
fn number(name: &str, raw: &str) -> Result<f64, MeshError> {
    let text = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    let shaped = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    match text.parse::<f64>() {
        Ok(value) if shaped && value.is_finite() => Ok(value),
        _ if text.contains(',') => Err(invalid(
            name,
            format!("{text:?} is not a number (3MF numbers use a decimal point, not a comma)"),
        )),
        _ => Err(invalid(name, format!("{raw:?} is not a number"))),
    }
}

/// quick-xml's errors, in one line.
fn xml_error(error: &dyn std::fmt::Display) -> String {
    format!("it is not well-formed XML ({})", error.to_string().replace('\n', " "))
}
