//! From parsed parts to one mesh. The build is counted first, every
//! component and copy included and shared sub-objects counted once
//! (memoised), so a file whose few objects each place the next a thousand
//! times is refused before one copy is made; cycles are found on the way.
//! Only then is it flattened, in millimetres, whatever each part's unit.

use rustc_hash::{FxHashMap, FxHashSet};

use super::part::{ObjectKind, Part, Reference};
use super::{Package, Transform, invalid, part_name};
use crate::mesh::MeshBuilder;
use crate::{Limits, Mesh, MeshError};

/// Components may nest this deep (real files use two or three levels).
const MAX_DEPTH: usize = 16;
/// Copies of meshes one build may place (a plate of 500 parts is far below).
pub(super) const MAX_INSTANCES: u64 = 100_000;

/// An object: which part, which id.
type Node = (usize, u32);

#[derive(Clone, Copy, Default)]
struct Count {
    triangles: u64,
    instances: u64,
}

impl Count {
    fn add(self, other: Count) -> Count {
        Count {
            triangles: self.triangles.saturating_add(other.triangles),
            instances: self.instances.saturating_add(other.instances),
        }
    }
}

/// The parts read so far, and what is known of their objects.
#[derive(Default)]
struct Parts {
    parts: Vec<Part>,
    names: Vec<String>,
    index: FxHashMap<String, usize>,
    counted: FxHashMap<Node, Count>,
    open: FxHashSet<Node>,
}

pub(super) fn build(package: &mut Package, root: &str, limits: &Limits) -> Result<Mesh, MeshError> {
    let mut parts = Parts::default();
    let root = parts.load(package, root)?;
    let items = std::mem::take(&mut parts.parts[root].items);
    // The parts the root names, counted by their declared sizes before one
    // is inflated (Bambu Studio writes one part per object).
    let mut named: Vec<String> = items
        .iter()
        .chain(parts.parts[root].objects.values().flat_map(|o| &o.components))
        .filter_map(|reference| reference.path.as_deref().map(part_name))
        .filter(|name| name != &parts.names[root])
        .collect();
    named.sort();
    named.dedup();
    package.check_declared(&named)?;

    let mut total = Count::default();
    let mut placed = Vec::with_capacity(items.len());
    for item in &items {
        let node = parts.resolve(package, root, item)?;
        if parts.object(node)?.kind == ObjectKind::Other {
            return Err(invalid(format!("the build places object {}, whose type is \"other\"", node.1)));
        }
        total = total.add(parts.count(package, node, 0)?);
        if total.triangles > limits.max_triangles as u64 {
            return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
        }
        if total.instances > MAX_INSTANCES {
            return Err(MeshError::TooManyInstances { limit: MAX_INSTANCES });
        }
        let transform = in_mm(&item.transform, parts.parts[root].mm_per_unit);
        placed.push((node, transform));
    }

    let mut builder = MeshBuilder::with_capacity(total.triangles as usize);
    for (node, transform) in placed {
        parts.flatten(node, &transform, &mut builder)?;
    }
    builder.finish()
}

impl Parts {
    fn load(&mut self, package: &mut Package, name: &str) -> Result<usize, MeshError> {
        if let Some(&at) = self.index.get(name) {
            return Ok(at);
        }
        let part = package.model_part(name)?;
        self.parts.push(part);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.parts.len() - 1);
        Ok(self.parts.len() - 1)
    }

    /// The object a reference names: in the part of its `p:path`, else in `from`.
    fn resolve(
        &mut self,
        package: &mut Package,
        from: usize,
        reference: &Reference,
    ) -> Result<Node, MeshError> {
        let part = match &reference.path {
            Some(path) => self.load(package, &part_name(path))?,
            None => from,
        };
        Ok((part, reference.object))
    }

    fn object(&self, (part, id): Node) -> Result<&super::part::Object, MeshError> {
        self.parts[part].objects.get(&id).ok_or_else(|| {
            invalid(format!("it refers to object {id}, which is not in /{}", self.names[part]))
        })
    }

    /// Triangles and mesh copies an object makes, all its components included.
    fn count(&mut self, package: &mut Package, node: Node, depth: usize) -> Result<Count, MeshError> {
        if let Some(&known) = self.counted.get(&node) {
            return Ok(known);
        }
        if depth > MAX_DEPTH {
            return Err(invalid(format!("its components nest more than {MAX_DEPTH} deep")));
        }
        if !self.open.insert(node) {
            return Err(invalid(format!("object {} contains itself through its components", node.1)));
        }
        let object = self.object(node)?;
        let mut count =
            Count { triangles: object.triangles.len() as u64, instances: u64::from(object.has_mesh) };
        for at in 0..object.components.len() {
            let component = self.parts[node.0].objects[&node.1].components[at].clone();
            let child = self.resolve(package, node.0, &component)?;
            count = count.add(self.count(package, child, depth + 1)?);
        }
        self.open.remove(&node);
        self.counted.insert(node, count);
        Ok(count)
    }

    /// Adds an object's triangles, and its components', placed by `transform`
    /// (object millimetres → build millimetres).
    fn flatten(&self, node: Node, transform: &Transform, builder: &mut MeshBuilder) -> Result<(), MeshError> {
        let part = &self.parts[node.0];
        let object = self.object(node)?;
        let scale = part.mm_per_unit;
        for triangle in &object.triangles {
            let corner = |i: u32| apply(transform, object.vertices[i as usize].map(|c| c * scale));
            builder.push([corner(triangle[0]), corner(triangle[1]), corner(triangle[2])])?;
        }
        for component in &object.components {
            let child = match &component.path {
                Some(path) => self.index[&part_name(path)],
                None => node.0,
            };
            let inner = compose(&in_mm(&component.transform, scale), transform);
            self.flatten((child, component.object), &inner, builder)?;
        }
        Ok(())
    }
}

/// A transform written in a part's units, in millimetres (its translation scaled).
fn in_mm(transform: &Transform, mm_per_unit: f64) -> Transform {
    let mut out = *transform;
    for value in &mut out[9..] {
        *value *= mm_per_unit;
    }
    out
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
