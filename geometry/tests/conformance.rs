//! Real model files that other people wrote (`tests/models/`, sources and
//! licences in its README), read by our readers and by trimesh, an
//! independent implementation: triangles, volume, area, bounding box and
//! watertightness must agree. The 3MF Consortium's must-fail cases that are
//! not well-formed or not consistent must be refused with a reason.
//! `./dev test` installs trimesh (and lxml, which its 3MF reader needs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use geometry::io::{Format, read};
use geometry::{AnalysisOptions, Limits, analyse};

/// Read by both; every figure compared.
const COMPARED: &[&str] = &[
    "trimesh/20mm-xyz-cube.stl",
    "trimesh/7_8ths_cube.stl",
    "trimesh/featuretype.STL",
    "trimesh/multibody.stl",
    "trimesh/two_objects_mixed_case_names.stl",
    "trimesh/soup.stl",
    "trimesh/box.obj",
    "trimesh/cube.OBJ",
    "trimesh/cubevt.obj",
    "trimesh/jacked.obj",
    "trimesh/negative_indices.obj",
    "trimesh/nancolor.obj",
    "trimesh/polygonfaces.obj",
    "trimesh/two_objects.obj",
    "trimesh/tube.obj",
    "trimesh/wallhole.obj",
    "trimesh/joined_tetrahedra.obj",
    "trimesh/textured_tetrahedron.obj",
    "trimesh/featuretype.3MF",
    "trimesh/pyramids.3mf",
    "trimesh/counterX.3MF",
    "trimesh/P_XPM_0331_01.3mf",
    "trimesh/cube_and_sphere_same_name.3mf",
    "3mf-samples/examples/box.3mf",
    "3mf-samples/examples/cylinder.3mf",
    "3mf-samples/examples/torus.3mf",
    "3mf-samples/examples/sphere.3mf",
    "3mf-samples/examples/multiple_cylinders.3mf",
    "3mf-samples/examples/box_prod.3mf",
    "3mf-samples/examples/sphere_prod.3mf",
    "3mf-samples/examples/torus_proc.3mf",
    "3mf-samples/examples/box_sliced.3mf",
    "3mf-samples/examples/pyramid_vertexcolor.3mf",
    "3mf-samples/examples/rhombicuboctahedron_color.3mf",
    "3mf-samples/examples/cube_gears.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter2.1_PartsRelationships.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter2.2_PartNaming.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter2.3a_IgnorableMarkup.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter3.2b_UnitsMeasurementMM.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter3.2c_MultipleItemsTransform.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter3.4.1c_MustIgnoreUndefinedMetadataName.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter3.4.2_MetaData_Resources_Build.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter3.4.3a_MustNotOutputNonReferencedObjects.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter4.1_ExplicitSupport.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter4.2_Components.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter5.1a_MaterialResources_CompositeAndMultiProperties.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter5.1b_MaterialResources_MultiObjects_CompositeAndMultiProperties.3mf",
    "3mf-samples/mustpass/MUSTPASS_Chapter5.1c_MaterialResources_sRGB_RGB_Colors.3mf",
];

/// trimesh does not follow the production extension's `p:path`: the same
/// model saved as one part is its stand-in. Placement differs (another
/// build transform), so the box is compared by its size.
const TWINS: &[(&str, &str)] =
    &[("3mf-samples/examples/cube_gears_prod_req.3mf", "3mf-samples/examples/cube_gears.3mf")];

/// Refused, with words the one-line reason must contain.
const REFUSED: &[(&str, &str)] = &[
    ("trimesh/stl_empty_bin.stl", "the file has no triangles"),
    ("trimesh/stl_empty_ascii.stl", "the file has no triangles"),
    ("trimesh/face_in_group_name.obj", "the file has no triangles"),
    ("3mf-samples/examples/pyramid.3mf", "requires the 3MF beam lattice extension"),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter2.1.1a_PartsRelationships_NonExist3DModelPart.3mf",
        "name no 3D model part",
    ),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter2.1.2_PartsRelationships_MoreThanOne3DModelPart.3mf",
        "more than one root",
    ),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter2.3.2a_NonUTF_Encoding.3mf", "not well-formed XML"),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter2.3.2b_DataTypeDefinitionInXMLMarkup.3mf",
        "document type definition",
    ),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter2.3.2d_UndefinedXMLXSIInXSDSchema.3mf", "is not declared"),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter3.4.1b_DuplicatedMetadataName.3mf", "is given twice"),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter3.4.3.1a_NotMatchingObjectIdInBuildItem.3mf",
        "object 14, which is not in",
    ),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter3.4.3.1b_BuildItemReferToObjectOfTypeOther.3mf",
        "type is \"other\"",
    ),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter3.4a_MoreThanOneModel.3mf", "second root element"),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter3.4b_MissingBuildElement.3mf", "no <build> element"),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter3.4c_MissingResourceElement.3mf", "no <resources> element"),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter4a_InvalidObjectType.3mf", "unknown type"),
];

/// Must-fail cases we read on purpose: what is wrong in them cannot change
/// the printed shape (README, "Model files we read", says so too).
const READ_ANYWAY: &[(&str, &str)] = &[
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter2.1.1b_PartsRelationships_LinkToExternal.3mf",
        "a texture link points outside; textures are not read",
    ),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter2.3.2c_UndefinedNameSpaceInXDS.3mf",
        "an attribute of a declared but unknown namespace; slicers write their own",
    ),
    ("3mf-samples/mustfail/MUSTFAIL_Chapter2.3.4_WhiteSpace.3mf", "an xml:space attribute the schema lacks"),
    (
        "3mf-samples/mustfail/MUSTFAIL_Chapter3.4.1a_MissingMetadataName.3mf",
        "a metadata name outside the spec's list; metadata is not read",
    ),
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models")
}

fn ours(name: &str) -> Result<geometry::Analysis, geometry::MeshError> {
    let bytes = std::fs::read(corpus().join(name)).unwrap();
    let mesh = read(Format::from_name(name).unwrap(), &bytes, &Limits::default())?;
    Ok(analyse(&mesh, &AnalysisOptions::default()))
}

/// trimesh's figures for each file, in millimetres. Vertices are merged
/// only where bit-identical (as ours are) and watertight means closed AND
/// consistently wound (as ours does); trimesh's own `process` would weld
/// near-misses, which our repair does later, not our reader.
const ORACLE: &str = r#"
import json, sys, numpy, trimesh
MM = {"millimeter": 1.0, "millimeters": 1.0, "inch": 25.4, "inches": 25.4, "meter": 1000.0, "meters": 1000.0,
      "centimeter": 10.0, "micron": 0.001, "foot": 304.8, None: 1.0}
out = {}
for name in sys.argv[1:]:
    raw = trimesh.load(name, force="mesh", process=False, skip_materials=True)
    scale = MM[raw.units]
    vertices, inverse = numpy.unique(raw.vertices, axis=0, return_inverse=True)
    mesh = trimesh.Trimesh(vertices * scale, inverse.reshape(-1)[raw.faces], process=False)
    out[name] = {"triangles": len(raw.faces), "volume": abs(float(mesh.volume)), "area": float(mesh.area),
                 "bbox": mesh.bounds.tolist(),
                 "watertight": bool(mesh.is_watertight and mesh.is_winding_consistent)}
print(json.dumps(out))
"#;

fn trimesh(names: &[&str]) -> serde_json::Value {
    let paths: Vec<PathBuf> = names.iter().map(|n| corpus().join(n)).collect();
    let output = Command::new("python3").arg("-c").arg(ORACLE).args(&paths).output().expect("python3 runs");
    assert!(
        output.status.success(),
        "trimesh and lxml are needed for this test (./dev test installs them): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut by_name = serde_json::Map::new();
    for (name, path) in names.iter().zip(&paths) {
        by_name.insert(name.to_string(), all[path.to_str().unwrap()].clone());
    }
    serde_json::Value::Object(by_name)
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-6 * scale.max(1e-3)
}

fn compare(
    name: &str,
    ours: &geometry::Analysis,
    theirs: &serde_json::Value,
    whole_box: bool,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let number = |key: &str| theirs[key].as_f64().unwrap();
    if ours.triangles as u64 != theirs["triangles"].as_u64().unwrap() {
        wrong.push(format!("{name}: {} triangles, trimesh {}", ours.triangles, theirs["triangles"]));
    }
    if ours.watertight != theirs["watertight"].as_bool().unwrap() {
        wrong.push(format!("{name}: watertight {}, trimesh {}", ours.watertight, theirs["watertight"]));
    }
    if !close(ours.area_mm2, number("area"), number("area")) {
        wrong.push(format!("{name}: area {} mm², trimesh {}", ours.area_mm2, number("area")));
    }
    // An open surface encloses no volume: its figure depends on the
    // reference point each tool uses.
    if ours.watertight && !close(ours.volume_mm3, number("volume"), number("volume")) {
        wrong.push(format!("{name}: volume {} mm³, trimesh {}", ours.volume_mm3, number("volume")));
    }
    let bbox: Vec<[f64; 3]> = serde_json::from_value(theirs["bbox"].clone()).unwrap();
    let extent = (0..3).map(|i| bbox[1][i] - bbox[0][i]).fold(0.0, f64::max);
    for axis in 0..3 {
        let (ours_size, their_size) =
            (ours.bbox_mm[1][axis] - ours.bbox_mm[0][axis], bbox[1][axis] - bbox[0][axis]);
        let agrees = if whole_box {
            close(ours.bbox_mm[0][axis], bbox[0][axis], extent)
                && close(ours.bbox_mm[1][axis], bbox[1][axis], extent)
        } else {
            close(ours_size, their_size, extent)
        };
        if !agrees {
            wrong.push(format!("{name}: box {:?}, trimesh {bbox:?}", ours.bbox_mm));
            break;
        }
    }
    wrong
}

#[test]
fn real_files_read_as_trimesh_reads_them() {
    let twins: Vec<&str> = TWINS.iter().map(|(_, twin)| *twin).collect();
    let theirs = trimesh(&[COMPARED, &twins].concat());
    let mut wrong = Vec::new();
    for name in COMPARED {
        match ours(name) {
            Ok(analysis) => wrong.extend(compare(name, &analysis, &theirs[name], true)),
            Err(error) => wrong.push(format!("{name}: refused: {error}")),
        }
    }
    for (name, twin) in TWINS {
        match ours(name) {
            Ok(analysis) => wrong.extend(compare(name, &analysis, &theirs[twin], false)),
            Err(error) => wrong.push(format!("{name}: refused: {error}")),
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn malformed_and_unsupported_files_are_refused_with_a_reason() {
    for (name, reason) in REFUSED {
        let error = ours(name).err().unwrap_or_else(|| panic!("{name} was read"));
        let line = error.to_string();
        assert!(line.contains(reason), "{name}: {line:?} should say {reason:?}");
        assert!(!line.contains('\n'), "{name}: one line: {line:?}");
    }
    for (name, why) in READ_ANYWAY {
        let analysis = ours(name).unwrap_or_else(|e| panic!("{name} ({why}): {e}"));
        assert!(analysis.watertight && analysis.triangles == 12, "{name}: {analysis:?}");
    }
}

/// Every model file in the corpus is in one of the lists above, so none
/// sits there untested.
#[test]
fn every_corpus_file_is_checked() {
    let listed: BTreeSet<String> = COMPARED
        .iter()
        .copied()
        .chain(TWINS.iter().map(|(name, _)| *name))
        .chain(REFUSED.iter().map(|(name, _)| *name))
        .chain(READ_ANYWAY.iter().map(|(name, _)| *name))
        .map(str::to_owned)
        .collect();
    let mut found = BTreeSet::new();
    let mut folders = vec![corpus()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if Format::from_name(path.to_str().unwrap()).is_ok() {
                found.insert(path.strip_prefix(corpus()).unwrap().to_str().unwrap().to_owned());
            }
        }
    }
    let unlisted: Vec<_> = found.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&found).collect();
    assert!(unlisted.is_empty() && missing.is_empty(), "unlisted: {unlisted:?}; missing: {missing:?}");
}
