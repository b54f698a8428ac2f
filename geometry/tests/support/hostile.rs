//! Hostile model files and pictures, made to measure: the shapes crafted
//! uploads and misbehaving services take. Shared by the property tests
//! (`tests/hostile_files.rs`), the bench that prints their worst cases
//! (`benches/hostile.rs`) and the fuzz seeds (`examples/hostile_seeds.rs`).
#![allow(dead_code)]

use std::io::{Cursor, Write};

const CORE: &str = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";
const PRODUCTION: &str = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06";
const TETRA: &str = r#"<mesh><vertices><vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/><vertex x="0" y="10" z="0"/><vertex x="0" y="0" z="10"/></vertices><triangles><triangle v1="0" v2="2" v3="1"/><triangle v1="0" v2="1" v3="3"/><triangle v1="0" v2="3" v3="2"/><triangle v1="1" v2="2" v3="3"/></triangles></mesh>"#;

pub fn zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, bytes) in parts {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
    out.into_inner()
}

fn model(resources: &str, build: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" xmlns="{CORE}" xmlns:p="{PRODUCTION}"><resources>{resources}</resources><build>{build}</build></model>"#
    )
    .into_bytes()
}

fn package(root: Vec<u8>, more: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut parts = vec![("3D/3dmodel.model".to_string(), root)];
    parts.extend(more);
    zip(&parts)
}

/// `levels` objects above a tetrahedron, each placing the one below `fan`
/// times: 4 × fan^levels triangles from a file of a few kilobytes.
pub fn three_mf_fan_out(levels: usize, fan: usize) -> Vec<u8> {
    let mut resources = format!(r#"<object id="1">{TETRA}</object>"#);
    for level in 1..=levels {
        resources.push_str(&format!(r#"<object id="{}"><components>"#, level + 1));
        for copy in 0..fan {
            resources.push_str(&format!(
                r#"<component objectid="{level}" transform="1 0 0 0 1 0 0 0 1 {copy} 0 0"/>"#
            ));
        }
        resources.push_str("</components></object>");
    }
    package(model(&resources, &format!(r#"<item objectid="{}"/>"#, levels + 1)), vec![])
}

/// Objects that place each other in a ring of `length`.
pub fn three_mf_cycle(length: usize) -> Vec<u8> {
    let resources: String = (1..=length)
        .map(|id| {
            format!(
                r#"<object id="{id}"><components><component objectid="{}"/></components></object>"#,
                id % length + 1
            )
        })
        .collect();
    package(model(&resources, r#"<item objectid="1"/>"#), vec![])
}

/// An object with neither a mesh nor components.
pub fn three_mf_empty_object() -> Vec<u8> {
    package(model(r#"<object id="1" type="model"/>"#, r#"<item objectid="1"/>"#), vec![])
}

/// A root that places `parts` production parts, each `part_bytes` of XML
/// (vertices, compressing to almost nothing).
pub fn three_mf_many_parts(parts: usize, part_bytes: usize) -> Vec<u8> {
    const VERTEX: &str = r#"<vertex x="1" y="2" z="3"/>"#;
    let vertices = VERTEX.repeat(part_bytes / VERTEX.len());
    let mut more = Vec::new();
    let mut build = String::new();
    for part in 0..parts {
        let name = format!("3D/Objects/part_{part}.model");
        build.push_str(&format!(r#"<item objectid="1" p:path="/{name}"/>"#));
        let xml = model(
            &format!(r#"<object id="1"><mesh><vertices>{vertices}</vertices><triangles/></mesh></object>"#),
            "",
        );
        more.push((name, xml));
    }
    package(model("", &build), more)
}

/// `parts` large parts that nothing in the build reaches, and one tetrahedron.
pub fn three_mf_unreached_parts(parts: usize, part_bytes: usize) -> Vec<u8> {
    let mut package_parts = zip_entries(&three_mf_many_parts(parts, part_bytes));
    package_parts.retain(|(name, _)| name != "3D/3dmodel.model");
    package_parts.insert(
        0,
        (
            "3D/3dmodel.model".into(),
            model(&format!(r#"<object id="1">{TETRA}</object>"#), r#"<item objectid="1"/>"#),
        ),
    );
    zip(&package_parts)
}

fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            (entry.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// One OBJ face of `corners` corners.
pub fn obj_long_face(corners: usize) -> Vec<u8> {
    let mut text = String::from("v 0 0 0\nv 1 0 0\nv 0 1 0\nf");
    for corner in 0..corners {
        text.push_str([" 1", " 2", " 3"][corner % 3]);
    }
    text.push('\n');
    text.into_bytes()
}

/// A GLB of the given JSON and binary chunk.
pub fn glb(json: &serde_json::Value, bin: &[u8]) -> Vec<u8> {
    let mut json = serde_json::to_vec(json).unwrap();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let mut bin = bin.to_vec();
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// A tetrahedron's positions and indices as a GLB binary chunk, and the
/// glTF document around it with the given nodes and position count.
pub fn glb_tetra(nodes: serde_json::Value, position_count: u64) -> Vec<u8> {
    let positions: [[f32; 3]; 4] = [[0.0, 0.0, 0.0], [0.01, 0.0, 0.0], [0.0, 0.01, 0.0], [0.0, 0.0, 0.01]];
    let indices: [u16; 12] = [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3];
    let mut bin: Vec<u8> = positions.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    bin.extend(indices.iter().flat_map(|i| i.to_le_bytes()));
    let json = serde_json::json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": nodes,
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [{"byteLength": bin.len()}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": 48},
            {"buffer": 0, "byteOffset": 48, "byteLength": 24}
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": position_count, "type": "VEC3",
             "min": [0.0, 0.0, 0.0], "max": [0.01, 0.01, 0.01]},
            {"bufferView": 1, "componentType": 5123, "count": 12, "type": "SCALAR"}
        ]
    });
    glb(&json, &bin)
}

/// Nodes that are each other's children.
pub fn glb_node_cycle(length: usize) -> Vec<u8> {
    let nodes: Vec<_> =
        (0..length).map(|i| serde_json::json!({"mesh": 0, "children": [(i + 1) % length]})).collect();
    glb_tetra(serde_json::Value::Array(nodes), 4)
}

/// A chain of `depth` nodes, each listing the next `repeats` times: a tree
/// walker that follows every listing visits repeats^depth nodes.
pub fn glb_repeated_children(depth: usize, repeats: usize) -> Vec<u8> {
    let nodes: Vec<_> = (0..depth)
        .map(|i| {
            if i + 1 < depth {
                serde_json::json!({"mesh": 0, "children": vec![i + 1; repeats]})
            } else {
                serde_json::json!({"mesh": 0})
            }
        })
        .collect();
    glb_tetra(serde_json::Value::Array(nodes), 4)
}

/// A position accessor that claims `count` items over 48 bytes.
pub fn glb_huge_count(count: u64) -> Vec<u8> {
    glb_tetra(serde_json::json!([{"mesh": 0}]), count)
}

/// A PNG whose header claims `width` × `height`, over one real pixel.
pub fn png_claimed(width: u32, height: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::RgbaImage::new(1, 1).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A JPEG whose frame header claims `width` × `height` (at most 65 535).
pub fn jpeg_claimed(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::RgbImage::new(8, 8).write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    let frame = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline frame header");
    jpeg[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}
