//! GLB (binary glTF), as image → 3D services (Hunyuan3D, Meshy) and remote
//! GPU workers send it: every triangle primitive of the default scene, with
//! its nodes' transforms, metres → millimetres and glTF's Y-up turned to our
//! Z-up. Textures are not read.
//!
//! These files come from other machines, so nothing in them is trusted
//! before it is counted: the node graph is walked once, each node at most
//! once (glTF's nodes form trees; a node reached twice is a cycle or a
//! shared child, refused either way), and an accessor's count is checked
//! against its buffer and the triangle cap before one item is read (the
//! `gltf` crate computes `stride × (count − 1)` unchecked, which a count of
//! zero or 2⁶² turns into a panic or a wrapped slice).
//! Built with the `glb` feature (the server's); the browser never reads GLB.

use gltf::accessor::{DataType, Dimensions};

use crate::mesh::MeshBuilder;
use crate::{Limits, Mesh, MeshError};

/// Nodes one scene may hold; service models have a handful.
const MAX_NODES: usize = 10_000;
/// Nodes may nest this deep.
const MAX_DEPTH: usize = 64;

fn invalid(why: impl Into<String>) -> MeshError {
    MeshError::InvalidGlb(why.into())
}

pub fn read(bytes: &[u8], limits: &Limits) -> Result<Mesh, MeshError> {
    limits.check_size(bytes.len())?;
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    let gltf = gltf::Gltf::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    let blob = gltf.blob.as_deref();
    let buffers: Vec<&[u8]> = gltf
        .document
        .buffers()
        .map(|buffer| match buffer.source() {
            gltf::buffer::Source::Bin => blob.ok_or_else(|| invalid("its buffer is missing")),
            gltf::buffer::Source::Uri(_) => Err(invalid("it refers to a buffer outside the file")),
        })
        .collect::<Result<_, _>>()?;
    if gltf.document.nodes().len() > MAX_NODES {
        return Err(invalid(format!("it has more than {MAX_NODES} nodes")));
    }
    let scene = gltf.document.default_scene().or_else(|| gltf.document.scenes().next());
    let mut seen = vec![false; gltf.document.nodes().len()];
    let identity = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
    let mut stack: Vec<(gltf::Node, [[f32; 4]; 4], usize)> =
        scene.into_iter().flat_map(|s| s.nodes()).map(|node| (node, identity, 0)).collect();
    let mut builder = MeshBuilder::default();
    while let Some((node, parent, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[node.index()], true) {
            return Err(invalid(format!(
                "node {} is reached twice (its nodes must form trees)",
                node.index()
            )));
        }
        if depth > MAX_DEPTH {
            return Err(invalid(format!("its nodes nest more than {MAX_DEPTH} deep")));
        }
        let matrix = multiply(parent, node.transform().matrix());
        for child in node.children() {
            stack.push((child, matrix, depth + 1));
        }
        let Some(node_mesh) = node.mesh() else { continue };
        for primitive in node_mesh.primitives() {
            if primitive.mode() != gltf::mesh::Mode::Triangles {
                continue;
            }
            add_primitive(&primitive, &buffers, &matrix, limits, &mut builder)?;
        }
    }
    builder.finish()
}

fn add_primitive(
    primitive: &gltf::Primitive,
    buffers: &[&[u8]],
    matrix: &[[f32; 4]; 4],
    limits: &Limits,
    builder: &mut MeshBuilder,
) -> Result<(), MeshError> {
    let Some(positions) = primitive.get(&gltf::Semantic::Positions) else { return Ok(()) };
    let vertex_count = checked(&positions, buffers)?;
    if vertex_count > limits.max_triangles {
        return Err(MeshError::TooManyVertices { limit: limits.max_triangles });
    }
    let corners = match primitive.indices() {
        Some(indices) => checked(&indices, buffers)?,
        None => vertex_count,
    };
    if builder.triangles() + corners / 3 > limits.max_triangles {
        return Err(MeshError::TooManyTriangles { limit: limits.max_triangles });
    }
    let reader = primitive.reader(|buffer| buffers.get(buffer.index()).copied());
    let points: Vec<[f64; 3]> = reader
        .read_positions()
        .ok_or_else(|| invalid("its positions cannot be read"))?
        .map(|[x, y, z]| {
            let p = apply(matrix, [x, y, z]);
            // metres → mm; Y-up → Z-up (x, y, z) → (x, −z, y).
            [f64::from(p[0]) * 1000.0, -f64::from(p[2]) * 1000.0, f64::from(p[1]) * 1000.0]
        })
        .collect();
    let indices: Vec<u32> = match reader.read_indices() {
        Some(indices) => indices.into_u32().collect(),
        None => (0..points.len() as u32).collect(),
    };
    for corner in indices.chunks_exact(3) {
        let point = |i: u32| {
            points.get(i as usize).copied().ok_or_else(|| invalid("a triangle refers to a missing vertex"))
        };
        builder.push([point(corner[0])?, point(corner[1])?, point(corner[2])?])?;
    }
    Ok(())
}

/// An accessor's item count, once its items are known to lie in its buffer
/// (dense accessors only: sparse ones are not what a mesh service writes).
fn checked(accessor: &gltf::Accessor, buffers: &[&[u8]]) -> Result<usize, MeshError> {
    let count = accessor.count();
    if accessor.sparse().is_some() {
        return Err(invalid("it has a sparse accessor, which we do not read"));
    }
    let view = accessor.view().ok_or_else(|| invalid("an accessor has no buffer view"))?;
    let item = accessor.size();
    let buffer =
        buffers.get(view.buffer().index()).ok_or_else(|| invalid("a buffer view names no buffer"))?;
    let view_end = view.offset().checked_add(view.length());
    if count == 0 || view_end.is_none_or(|end| end > buffer.len()) {
        return Err(invalid("an accessor or buffer view lies outside its buffer"));
    }
    let stride = view.stride().unwrap_or(item);
    let needed = (count - 1)
        .checked_mul(stride)
        .and_then(|n| n.checked_add(item))
        .and_then(|n| n.checked_add(accessor.offset()));
    if needed.is_none_or(|n| n > view.length()) {
        return Err(invalid(format!("an accessor says {count} items, more than its buffer holds")));
    }
    let fits = matches!(
        (accessor.dimensions(), accessor.data_type()),
        (Dimensions::Vec3, DataType::F32)
            | (Dimensions::Scalar, DataType::U8 | DataType::U16 | DataType::U32)
    );
    if !fits {
        return Err(invalid("an accessor has a type a mesh does not use"));
    }
    Ok(count)
}

/// Column-major 4 × 4 product `a · b`.
fn multiply(a: [[f32; 4]; 4], b: [[f32; 4]; 4]) -> [[f32; 4]; 4] {
    let mut out = [[0.0; 4]; 4];
    for (column, out_column) in out.iter_mut().enumerate() {
        for (row, cell) in out_column.iter_mut().enumerate() {
            *cell = (0..4).map(|k| a[k][row] * b[column][k]).sum();
        }
    }
    out
}

fn apply(m: &[[f32; 4]; 4], [x, y, z]: [f32; 3]) -> [f32; 3] {
    [0, 1, 2].map(|row| m[0][row] * x + m[1][row] * y + m[2][row] * z + m[3][row])
}
