//! The 3MF reader, on files made here for each rule.
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
    let xml =
        model_xml("millimeter", &resources, r#"<item objectid="2" transform="2 0 0 0 1 0 0 0 1 0 0 5"/>"#);
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
    assert!(error.to_string().contains("contains itself"), "{error}");
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

const PRODUCTION_NS: &str = r#"xmlns:p="http://schemas.microsoft.com/3dmanufacturing/production/2015/06""#;

fn production_root(unit: &str, items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<model unit="{unit}" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02" {PRODUCTION_NS} requiredextensions="p">
<resources><object id="9" type="model"><components>{items}</components></object></resources>
<build><item objectid="9" transform="1 0 0 0 1 0 0 0 1 0 0 1"/></build></model>"#
    )
}

#[test]
fn reads_parts_of_the_production_extension_each_in_its_unit() {
    // Bambu Studio's layout: the root's object places parts of other files.
    let root = production_root(
        "millimeter",
        r#"<component p:path="/3D/Objects/object_1.model" objectid="1"/>
           <component p:path="/3D/Objects/Object_2.model" objectid="1" transform="1 0 0 0 1 0 0 0 1 50 0 0"/>"#,
    );
    let first = model_xml("millimeter", &format!(r#"<object id="1">{TETRA_MESH}</object>"#), "");
    let second = model_xml("centimeter", &format!(r#"<object id="1">{TETRA_MESH}</object>"#), "");
    let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>"#;
    let bytes = zip(&[
        ("_rels/.rels", rels.as_bytes()),
        ("3D/3dmodel.model", root.as_bytes()),
        ("3D/Objects/object_1.model", first.as_bytes()),
        ("3D/Objects/object_2.model", second.as_bytes()),
        ("3D/Objects/never_used.model", b"<not xml"),
    ]);
    let mesh = read(&bytes, &Limits::default()).unwrap();
    let a = analyse(&mesh, &AnalysisOptions::default());
    assert_eq!((a.triangles, a.shells), (8, 2));
    assert!((a.volume_mm3 - (1.0 + 1000.0) * tetra_volume()).abs() < 1e-6, "{}", a.volume_mm3);
    assert_eq!(a.bbox_mm, [[0.0, 0.0, 1.0], [150.0, 100.0, 101.0]]);

    let missing =
        production_root("millimeter", r#"<component p:path="/3D/Objects/gone.model" objectid="1"/>"#);
    let error = read(&zip(&[("3D/3dmodel.model", missing.as_bytes())]), &Limits::default()).unwrap_err();
    assert!(error.to_string().contains("/3d/objects/gone.model, which is not in the package"), "{error}");
}

#[test]
fn required_extensions_we_cannot_honour_are_refused_by_name() {
    let limits = Limits::default();
    let with = |declaration: &str, required: &str| {
        let xml = model_xml(
            "millimeter",
            &format!(r#"<object id="1">{TETRA_MESH}</object>"#),
            r#"<item objectid="1"/>"#,
        )
        .replacen("<model ", &format!(r#"<model {declaration} requiredextensions="{required}" "#), 1);
        read(&zip(&[("3D/3dmodel.model", xml.as_bytes())]), &limits)
    };
    let beams = with(r#"xmlns:b="http://schemas.microsoft.com/3dmanufacturing/beamlattice/2017/02""#, "b");
    assert!(beams.unwrap_err().to_string().contains("requires the 3MF beam lattice extension"));
    let unknown = with(r#"xmlns:q="http://example.com/quantum/2030""#, "q");
    assert!(unknown.unwrap_err().to_string().contains("http://example.com/quantum/2030"));
    let undeclared = with("", "z");
    assert!(undeclared.unwrap_err().to_string().contains("\"z\", which it does not declare"));
    let colours = with(r#"xmlns:m="http://schemas.microsoft.com/3dmanufacturing/material/2015/02""#, "m");
    assert_eq!(colours.unwrap().triangles.len(), 4, "colours do not change the shape");
}

#[test]
fn what_is_not_well_formed_is_refused_in_one_line() {
    let limits = Limits::default();
    let good = model_xml(
        "millimeter",
        &format!(r#"<object id="1">{TETRA_MESH}</object>"#),
        r#"<item objectid="1"/>"#,
    );
    for (broken, words) in [
        (good.replace(r#"x="10""#, r#"x="10,5""#), "decimal point, not a comma"),
        (good.replace(r#"x="10""#, r#"x="inf""#), "is not a number"),
        (good.replace(r#"y="10" z="0""#, r#"y="10" z="0" z="1""#), "repeats an attribute"),
        (
            good.replace(r#"<item objectid="1"/>"#, r#"<item objectid="1" objectid="1"/>"#),
            "duplicated attribute",
        ),
        (
            good.replace("<metadata name=\"Title\">test", "<metadata name=\"Title\">&nbsp;"),
            "undefined entity &nbsp;",
        ),
        (format!("{good}<model/>"), "second root element"),
        (good.replace("</model>", ""), "before its elements are closed"),
        (good.replace("<build>", "<build><p:item/>"), "\"p\", which is not declared"),
        (
            good.replacen("<?xml", "<!DOCTYPE model [<!ENTITY a \"aaaa\">]><?xml", 1),
            "document type definition",
        ),
    ] {
        let error = read(&zip(&[("3D/3dmodel.model", broken.as_bytes())]), &limits).unwrap_err().to_string();
        assert!(error.contains(words), "{words}: {error}");
        assert!(!error.contains('\n'), "{error}");
    }
}

#[test]
fn parts_are_budgeted_together_before_they_are_inflated() {
    // Four parts of 600 kB each: each fits the 1 MB file cap's 4 MB budget,
    // all four (2.4 MB) do not fit a 512 kB cap's 2 MB.
    let vertices = r#"<vertex x="0" y="0" z="0"/>"#.repeat(600_000 / 26);
    let part = model_xml(
        "millimeter",
        &format!(r#"<object id="1"><mesh><vertices>{vertices}</vertices><triangles/></mesh></object>"#),
        "",
    );
    let items: String =
        (0..4).map(|i| format!(r#"<component p:path="/3D/Objects/{i}.model" objectid="1"/>"#)).collect();
    let root = production_root("millimeter", &items);
    let names: Vec<String> = (0..4).map(|i| format!("3D/Objects/{i}.model")).collect();
    let mut parts: Vec<(&str, &[u8])> = vec![("3D/3dmodel.model", root.as_bytes())];
    parts.extend(names.iter().map(|n| (n.as_str(), part.as_bytes())));
    let bytes = zip(&parts);
    let small = Limits { max_bytes: 512 << 10, ..Limits::default() };
    assert!(matches!(read(&bytes, &small), Err(MeshError::TooLarge { limit, .. }) if limit == 2 << 20));
    // With room for them, the parts are read (and have no triangles).
    let roomy = Limits { max_bytes: 1 << 20, ..Limits::default() };
    assert_eq!(read(&bytes, &roomy), Err(MeshError::NoTriangles));
}
