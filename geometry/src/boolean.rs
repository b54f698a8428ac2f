//! Solid booleans: joining a model to its pedestal, cutting text into it.
//!
//! The work is done by boolmesh (pinned: a new release may change results
//! that the browser and the server must agree on byte for byte). It is only
//! reached through [`union`] and [`difference`], so another kernel can take
//! its place without touching callers.
//!
//! Both inputs must be closed, consistently oriented solids; run
//! [`crate::repair`] on anything that came from a user or a generator first.

use boolmesh::prelude::{Manifold, OpType, compute_boolean};

use crate::Mesh;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum BooleanError {
    #[error("the {0} is not a closed solid, so it cannot be joined with another")]
    NotSolid(&'static str),
    #[error("the {0} has more triangles than a solid operation accepts")]
    TooLarge(&'static str),
    #[error("joining the solids failed: {0}")]
    Failed(String),
}

/// Everything inside `a` or `b`.
pub fn union(a: &Mesh, b: &Mesh) -> Result<Mesh, BooleanError> {
    run(a, b, OpType::Add)
}

/// Everything inside `a` but not inside `b`; an empty mesh when `b` swallows `a`.
pub fn difference(a: &Mesh, b: &Mesh) -> Result<Mesh, BooleanError> {
    run(a, b, OpType::Subtract)
}

fn run(a: &Mesh, b: &Mesh, op: OpType) -> Result<Mesh, BooleanError> {
    let a = manifold(a, "first solid")?;
    let b = manifold(b, "second solid")?;
    match compute_boolean(&a, &b, op) {
        Ok(result) => Ok(mesh(&result)),
        // boolmesh reports a result with nothing left as an error.
        Err(message) if message.contains("empty") => Ok(Mesh::default()),
        Err(message) => Err(BooleanError::Failed(message)),
    }
}

fn manifold(mesh: &Mesh, which: &'static str) -> Result<Manifold, BooleanError> {
    if mesh.triangles.len() > u32::MAX as usize / 3 {
        return Err(BooleanError::TooLarge(which));
    }
    let positions: Vec<f64> = mesh.vertices.iter().flatten().copied().collect();
    let indices: Vec<usize> = mesh.triangles.iter().flatten().map(|&i| i as usize).collect();
    Manifold::new(&positions, &indices).map_err(|_| BooleanError::NotSolid(which))
}

fn mesh(manifold: &Manifold) -> Mesh {
    Mesh {
        vertices: manifold.ps.iter().map(|p| [p.x, p.y, p.z]).collect(),
        triangles: manifold
            .hs
            .chunks_exact(3)
            .map(|t| [t[0].tail as u32, t[1].tail as u32, t[2].tail as u32])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AnalysisOptions, analyse, shapes::uv_sphere};

    fn cube(min: [f64; 3], size: f64) -> Mesh {
        crate::shapes::cuboid(min, [size; 3])
    }

    #[test]
    fn union_and_difference_of_overlapping_cubes_have_exact_volumes() {
        let a = cube([0.0, 0.0, 0.0], 10.0);
        let b = cube([5.0, 5.0, 5.0], 10.0);
        let options = AnalysisOptions::default();
        let joined = analyse(&union(&a, &b).unwrap(), &options);
        assert!(joined.watertight && !joined.inverted && joined.shells == 1, "{joined:?}");
        assert!((joined.volume_mm3 - (2000.0 - 125.0)).abs() < 1e-6, "{}", joined.volume_mm3);
        let cut = analyse(&difference(&a, &b).unwrap(), &options);
        assert!(cut.watertight && !cut.inverted, "{cut:?}");
        assert!((cut.volume_mm3 - (1000.0 - 125.0)).abs() < 1e-6, "{}", cut.volume_mm3);
    }

    #[test]
    fn a_solid_minus_itself_is_empty_not_an_error() {
        let a = uv_sphere([0.0; 3], 5.0, 24, 12);
        assert_eq!(difference(&a, &a).unwrap(), Mesh::default());
    }

    #[test]
    fn an_open_mesh_is_refused_with_a_clear_error() {
        let mut open = cube([0.0; 3], 10.0);
        open.triangles.pop();
        let error = union(&open, &cube([5.0; 3], 10.0)).unwrap_err();
        assert_eq!(error, BooleanError::NotSolid("first solid"));
        assert_eq!(
            error.to_string(),
            "the first solid is not a closed solid, so it cannot be joined with another"
        );
    }
}
