//! 3MF extensions a file may list in `requiredextensions`: what we do with
//! each. A file that *requires* an extension says a reader that ignores it
//! gets the wrong thing; we read it when ignoring its markup cannot change
//! the printed shape, and refuse it, by name, when it can.

use crate::MeshError;

/// What an extension means for the shape we print.
enum Reading {
    /// Read (the production extension's parts and paths).
    Read,
    /// Its markup does not change the shape: colours, materials, groups.
    ShapeUnchanged,
    /// The shape depends on it: refused.
    Refused,
}

const KNOWN: &[(&str, &str, Reading)] = &[
    ("http://schemas.microsoft.com/3dmanufacturing/core/2015/02", "core", Reading::Read),
    ("http://schemas.microsoft.com/3dmanufacturing/production/2015/06", "production", Reading::Read),
    (
        "http://schemas.microsoft.com/3dmanufacturing/material/2015/02",
        "materials and properties",
        Reading::ShapeUnchanged,
    ),
    (
        "http://schemas.microsoft.com/3dmanufacturing/trianglesets/2021/07",
        "triangle sets",
        Reading::ShapeUnchanged,
    ),
    ("http://schemas.microsoft.com/3dmanufacturing/beamlattice/2017/02", "beam lattice", Reading::Refused),
    (
        "http://schemas.microsoft.com/3dmanufacturing/beamlattice/balls/2020/07",
        "beam lattice balls",
        Reading::Refused,
    ),
    ("http://schemas.microsoft.com/3dmanufacturing/slice/2015/07", "slice", Reading::Refused),
    (
        "http://schemas.microsoft.com/3dmanufacturing/securecontent/2019/04",
        "secure content",
        Reading::Refused,
    ),
    (
        "http://schemas.microsoft.com/3dmanufacturing/securecontent/2019/07",
        "secure content",
        Reading::Refused,
    ),
    (
        "http://schemas.3mf.io/3dmanufacturing/booleanoperations/2023/07",
        "boolean operations",
        Reading::Refused,
    ),
    ("http://schemas.3mf.io/3dmanufacturing/displacement/2022/07", "displacement", Reading::Refused),
    ("http://schemas.3mf.io/3dmanufacturing/volumetric/2022/01", "volumetric", Reading::Refused),
    ("http://schemas.3mf.io/3dmanufacturing/implicit/2023/12", "implicit", Reading::Refused),
];

/// Refuses a required extension we cannot honour, naming it.
pub(super) fn check_required(part: &str, namespace: &str) -> Result<(), MeshError> {
    match KNOWN.iter().find(|(uri, _, _)| *uri == namespace) {
        Some((_, _, Reading::Read | Reading::ShapeUnchanged)) => Ok(()),
        Some((_, name, Reading::Refused)) => Err(MeshError::Invalid3mf(format!(
            "{part}: it requires the 3MF {name} extension, which Memoreez does not read (export the model as plain meshes)"
        ))),
        None => Err(MeshError::Invalid3mf(format!(
            "{part}: it requires the extension {namespace}, which Memoreez does not read"
        ))),
    }
}
