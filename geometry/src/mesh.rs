//! An indexed triangle mesh.

use std::hash::Hash;

use rustc_hash::FxHashMap;

/// Triangles over shared vertices. Triangles are counter-clockwise seen from
/// outside, so normals point out of the solid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mesh {
    pub vertices: Vec<[f64; 3]>,
    pub triangles: Vec<[u32; 3]>,
}

impl Mesh {
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// The three corners of a triangle.
    pub fn corners(&self, triangle: [u32; 3]) -> [[f64; 3]; 3] {
        triangle.map(|i| self.vertices[i as usize])
    }

    /// Every triangle as three corners, for writers.
    pub fn triangle_corners(&self) -> impl Iterator<Item = [[f64; 3]; 3]> + '_ {
        self.triangles.iter().map(|t| self.corners(*t))
    }
}

/// Builds a mesh from triangle soup, merging corners that are bit-identical
/// (as STL files repeat every shared corner).
#[derive(Default)]
pub(crate) struct MeshBuilder {
    mesh: Mesh,
    index: FxHashMap<[u64; 3], u32>,
    /// Single-precision input (STL) is keyed on its own 12 bytes: half the
    /// table of f64 keys, so far fewer cache misses on million-corner files.
    index_f32: FxHashMap<[u32; 3], u32>,
}

impl MeshBuilder {
    pub fn with_capacity(triangles: usize) -> Self {
        let mut builder = MeshBuilder::default();
        builder.mesh.triangles.reserve(triangles);
        builder.mesh.vertices.reserve(triangles / 2 + 3);
        builder
    }

    /// Adds a triangle given by single-precision corners (STL's own precision).
    pub fn push_f32(&mut self, corners: [[f32; 3]; 3]) -> Result<(), crate::MeshError> {
        if self.index_f32.capacity() == 0 {
            self.index_f32.reserve(self.mesh.triangles.capacity() / 2 + 3);
        }
        let keyed = corners.map(|c| (c.map(f64::from), c.map(|x| if x == 0.0 { 0 } else { x.to_bits() })));
        add_triangle(&mut self.index_f32, &mut self.mesh, keyed)
    }

    /// Adds a triangle, reusing any earlier vertex at exactly the same place.
    pub fn push(&mut self, corners: [[f64; 3]; 3]) -> Result<(), crate::MeshError> {
        let keyed = corners.map(|c| (c, c.map(|x| if x == 0.0 { 0 } else { x.to_bits() })));
        add_triangle(&mut self.index, &mut self.mesh, keyed)
    }

    pub fn triangles(&self) -> usize {
        self.mesh.triangles.len()
    }

    pub fn finish(self) -> Result<Mesh, crate::MeshError> {
        if self.mesh.triangles.is_empty() {
            return Err(crate::MeshError::NoTriangles);
        }
        Ok(self.mesh)
    }
}

/// Adds a triangle whose corners come with their identity keys (-0.0 and
/// 0.0 share one key), reusing the vertex of any key seen before.
fn add_triangle<K: Eq + Hash>(
    index: &mut FxHashMap<K, u32>,
    mesh: &mut Mesh,
    corners: [([f64; 3], K); 3],
) -> Result<(), crate::MeshError> {
    let mut indices = [0u32; 3];
    for (slot, (corner, key)) in indices.iter_mut().zip(corners) {
        if !corner.iter().all(|c| c.is_finite()) {
            return Err(crate::MeshError::NonFinite);
        }
        let next = mesh.vertices.len() as u32;
        *slot = *index.entry(key).or_insert_with(|| {
            mesh.vertices.push(corner);
            next
        });
    }
    mesh.triangles.push(indices);
    Ok(())
}
