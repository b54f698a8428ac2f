//! Reading a GLB (binary glTF) model into a mesh: every triangle primitive
//! of the default scene, with its nodes' transforms, metres → millimetres and
//! glTF's Y-up turned to our Z-up. Textures are not read.

use geometry::Mesh;

#[derive(thiserror::Error, Debug)]
pub enum GlbError {
    #[error("not a readable GLB model: {0}")]
    Unreadable(String),
    #[error("the GLB model refers to a buffer outside the file")]
    ExternalBuffer,
    #[error("the GLB model has no triangles")]
    Empty,
    #[error("the GLB model has {0} triangles; the limit is {1}")]
    TooLarge(usize, usize),
}

pub fn read(bytes: &[u8], max_triangles: usize) -> Result<Mesh, GlbError> {
    let gltf = gltf::Gltf::from_slice(bytes).map_err(|e| GlbError::Unreadable(e.to_string()))?;
    let blob = gltf.blob.as_deref();
    let buffers: Vec<&[u8]> = gltf
        .document
        .buffers()
        .map(|buffer| match buffer.source() {
            gltf::buffer::Source::Bin => blob.ok_or(GlbError::ExternalBuffer),
            gltf::buffer::Source::Uri(_) => Err(GlbError::ExternalBuffer),
        })
        .collect::<Result<_, _>>()?;
    let scene = gltf.document.default_scene().or_else(|| gltf.document.scenes().next());
    let mut mesh = Mesh { vertices: Vec::new(), triangles: Vec::new() };
    let identity = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
    let mut stack: Vec<(gltf::Node, [[f32; 4]; 4])> =
        scene.into_iter().flat_map(|s| s.nodes()).map(|node| (node, identity)).collect();
    while let Some((node, parent)) = stack.pop() {
        let matrix = multiply(parent, node.transform().matrix());
        for child in node.children() {
            stack.push((child, matrix));
        }
        let Some(node_mesh) = node.mesh() else { continue };
        for primitive in node_mesh.primitives() {
            if primitive.mode() != gltf::mesh::Mode::Triangles {
                continue;
            }
            let reader = primitive.reader(|buffer| buffers.get(buffer.index()).copied());
            let Some(positions) = reader.read_positions() else { continue };
            let first = mesh.vertices.len() as u32;
            for [x, y, z] in positions {
                let p = apply(matrix, [x, y, z]);
                // metres → mm; Y-up → Z-up (x, y, z) → (x, −z, y).
                mesh.vertices.push([
                    f64::from(p[0]) * 1000.0,
                    -f64::from(p[2]) * 1000.0,
                    f64::from(p[1]) * 1000.0,
                ]);
            }
            let count = mesh.vertices.len() as u32 - first;
            let indices: Vec<u32> = match reader.read_indices() {
                Some(indices) => indices.into_u32().collect(),
                None => (0..count).collect(),
            };
            for corner in indices.chunks_exact(3) {
                if corner.iter().any(|&i| i >= count) {
                    return Err(GlbError::Unreadable("a triangle refers to a missing vertex".into()));
                }
                mesh.triangles.push([first + corner[0], first + corner[1], first + corner[2]]);
            }
            if mesh.triangles.len() > max_triangles {
                return Err(GlbError::TooLarge(mesh.triangles.len(), max_triangles));
            }
        }
    }
    if mesh.triangles.is_empty() {
        return Err(GlbError::Empty);
    }
    Ok(mesh)
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

fn apply(m: [[f32; 4]; 4], [x, y, z]: [f32; 3]) -> [f32; 3] {
    [0, 1, 2].map(|row| m[0][row] * x + m[1][row] * y + m[2][row] * z + m[3][row])
}
