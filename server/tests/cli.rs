//! The `memoreez` binary's file tools, run as a user would run them.

use std::process::Command;

fn memoreez(args: &[&str]) -> (i32, String, String) {
    memoreez_in(std::path::Path::new("."), &[], args)
}

/// A 10 × 20 × 30 mm box as ASCII STL, written the way CAD tools write it.
fn box_stl() -> String {
    let cuboid = geometry::shapes::cuboid([0.0; 3], [10.0, 20.0, 30.0]);
    let mut text = String::from("solid box\n");
    for corners in cuboid.triangle_corners() {
        text.push_str("  facet normal 0 0 0\n    outer loop\n");
        for [a, b, c] in corners {
            text.push_str(&format!("      vertex {a:e} {b:e} {c:e}\n"));
        }
        text.push_str("    endloop\n  endfacet\n");
    }
    text + "endsolid box\n"
}

#[test]
fn mesh_info_json_has_exactly_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("box.stl");
    std::fs::write(&file, box_stl()).unwrap();
    let (code, stdout, stderr) = memoreez(&["mesh", "info", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "area_mm2",
            "bbox_mm",
            "format",
            "needs_support",
            "open_edges",
            "overhang_area_mm2",
            "shells",
            "triangles",
            "volume_mm3",
            "volume_note",
            "watertight"
        ]
    );
    assert_eq!(json["format"], "stl");
    assert_eq!(json["triangles"], 12);
    assert!((json["volume_mm3"].as_f64().unwrap() - 6000.0).abs() < 1e-6);
    assert!((json["area_mm2"].as_f64().unwrap() - 2200.0).abs() < 1e-6);
    assert_eq!(json["bbox_mm"], serde_json::json!([[0.0, 0.0, 0.0], [10.0, 20.0, 30.0]]));
    assert_eq!(json["watertight"], true);
    assert_eq!(json["open_edges"], 0);
    assert_eq!(json["shells"], 1);
    assert_eq!(json["needs_support"], false);

    let (code, stdout, _) = memoreez(&["mesh", "info", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("10.0 × 20.0 × 30.0 mm") && stdout.contains("watertight    yes"), "{stdout}");
}

#[test]
fn bad_files_fail_with_one_error_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("truncated.stl");
    std::fs::write(&truncated, &box_stl()[..200]).unwrap();
    let lying = dir.path().join("lying.stl");
    let mut bytes = vec![0u8; 84];
    bytes[80..84].copy_from_slice(&1_000_000u32.to_le_bytes());
    std::fs::write(&lying, bytes).unwrap();
    let empty = dir.path().join("empty.stl");
    std::fs::write(&empty, b"").unwrap();
    let obj = dir.path().join("points.obj");
    std::fs::write(&obj, b"v 0 0 0\nv 1 0 0\n").unwrap();
    let three_mf = dir.path().join("model.3mf");
    std::fs::write(&three_mf, b"PK").unwrap();
    let missing = dir.path().join("missing.stl");
    // Hostile shapes (geometry/tests/support/hostile.rs), kept as fuzz regressions.
    let regressions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let fan_out = dir.path().join("fan-out.3mf");
    std::fs::copy(regressions.join("three_mf/fan-out-6-levels-of-10"), &fan_out).unwrap();
    let ring = dir.path().join("ring.3mf");
    std::fs::copy(regressions.join("three_mf/component-ring-of-5"), &ring).unwrap();

    for (file, expected) in [
        (&fan_out, "the model places more than 100000 copies of its parts"),
        (&ring, "contains itself through its components"),
        (&truncated, "not a readable STL file"),
        (&lying, "says it holds 1000000 triangles, but its size fits 0"),
        (&empty, "the file is empty"),
        (&obj, "the file has no triangles"),
        (&three_mf, "not a readable 3MF file"),
        (&missing, "cannot read or write the file"),
    ] {
        let (code, stdout, stderr) = memoreez(&["mesh", "info", file.to_str().unwrap(), "--json"]);
        assert_eq!(code, 2, "{}", file.display());
        assert!(stdout.is_empty());
        assert!(stderr.starts_with("error: ") && stderr.trim_end().lines().count() == 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// Runs the binary in `dir` with extra environment: (exit code, stdout, stderr).
fn memoreez_in(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    memoreez_answering(dir, env, args, "")
}

/// `memoreez` with `answer` on its standard input (what a person would type).
fn memoreez_answering(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    answer: &str,
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_memoreez"))
        .current_dir(dir)
        .envs(env.iter().copied())
        // No desktop: the question is asked on standard input.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    // A program that does not read its input may have closed it already.
    let _ = child.stdin.take().expect("piped").write_all(answer.as_bytes());
    let output = child.wait_with_output().expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (env, expected) in [
        (vec![("MEMOREEZ_ADDR", "not-an-address")], "error: setting MEMOREEZ_ADDR: "),
        (vec![("MEMOREEZ_DATABASE_URL", "mysql://x")], "error: setting MEMOREEZ_DATABASE_URL: "),
        (vec![("MEMOREEZ_LOG", "info,=[")], "error: setting MEMOREEZ_LOG: "),
        (vec![("MEMOREEZ_LOG_FORMAT", "xml")], "error: setting MEMOREEZ_LOG_FORMAT: "),
        (
            vec![("MEMOREEZ_CONFIG", "missing.toml")],
            "error: setting MEMOREEZ_CONFIG: no config file at missing.toml",
        ),
        (
            vec![("MEMOREEZ_LAB_TIME_ZONE", "Mars/Olympus")],
            "error: setting MEMOREEZ_LAB_TIME_ZONE: \"Mars/Olympus\" is not an IANA time zone",
        ),
        (
            vec![("MEMOREEZ_STRIPE_SECRET_KEY", "sk_test_x")],
            "error: setting MEMOREEZ_STRIPE_SECRET_KEY needs MEMOREEZ_STRIPE_WEBHOOK_SECRET",
        ),
    ] {
        let (code, _, stderr) = memoreez_in(dir.path(), &env, &["serve"]);
        assert_eq!(code, 2, "{env:?}: {stderr}");
        assert!(stderr.starts_with(expected) && stderr.trim_end().lines().count() == 1, "{env:?}: {stderr}");
    }

    std::fs::write(dir.path().join("memoreez.toml"), "addr = 12\n").unwrap();
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["serve"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: setting addr in ") && stderr.contains("memoreez.toml"), "{stderr}");
}

#[test]
fn orders_commands_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["orders", "send-out", "some-order"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: outside fulfilment is not set up: set MEMOREEZ_SLANT3D_API_KEY"),
        "{stderr}"
    );
    let key = [("MEMOREEZ_SLANT3D_API_KEY", "k"), ("MEMOREEZ_SLANT3D_API_URL", "http://127.0.0.1:9/api")];
    for args in [["orders", "send-out", "nope"], ["orders", "track", "nope"]] {
        let (code, _, stderr) = memoreez_in(dir.path(), &key, &args);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.trim_end().ends_with("error: no order nope"), "{args:?}: {stderr}");
    }
}

#[test]
fn admin_set_password_reads_it_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let set = |password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_memoreez"))
            .current_dir(dir.path())
            .args(["admin", "set-password"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = set("short\n");
    assert_eq!(code, 2);
    assert!(stderr.contains("error: The password must be at least 10 characters."), "{stderr}");
    let (code, stderr) = set("correct horse battery\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("The staff password is set"), "{stderr}");
}

/// A stand-in for the site's `POST /api/lab/slicer-links/check`: answers
/// every request with `status`; its address.
fn site_answering(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    format!("http://{address}")
}

#[test]
fn open_in_slicer_opens_only_files_in_the_shared_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let folder = "lab/ReadyToPrint/Ada_Filament_Red_1";
    std::fs::create_dir_all(files.join(folder)).unwrap();
    std::fs::write(files.join(folder).join("Ada_Filament_Red_1.mesh.stl"), b"solid").unwrap();
    std::fs::write(files.join(folder).join("Bracket.3mf"), b"PK").unwrap();
    // A stand-in slicer that notes what it was asked to open.
    let opened = dir.path().join("opened.txt");
    let slicer = dir.path().join("slicer.sh");
    std::fs::write(&slicer, format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display())).unwrap();
    std::fs::set_permissions(&slicer, std::fs::Permissions::from_mode(0o755)).unwrap();
    let confirming = site_answering("204 No Content");
    let env = [
        ("MEMOREEZ_FILES_DIR", files.to_str().unwrap()),
        ("MEMOREEZ_DESKTOP_SLICER", slicer.to_str().unwrap()),
        ("MEMOREEZ_PUBLIC_URL", confirming.as_str()),
    ];
    let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    let signed = |path: &str| format!("3dprint://open?path={path}&job=j1&exp={later}&sig=s1");
    let link = signed(&format!("{folder}/Ada_Filament_Red_1.mesh.stl"));

    // It asks first; no (or no answer) opens nothing.
    for answer in ["", "n\n", "maybe\n"] {
        let (code, _, stderr) = memoreez_answering(dir.path(), &env, &["open-in-slicer", &link], answer);
        assert_eq!(code, 2, "{answer:?}: {stderr}");
        assert!(stderr.contains("Open ") && stderr.contains("not opened"), "{stderr}");
    }
    assert!(!opened.exists(), "the slicer was not started");
    let (code, stdout, stderr) = memoreez_answering(dir.path(), &env, &["open-in-slicer", &link], "y\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("opened "), "{stdout}");
    for _ in 0..50 {
        if opened.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let asked = std::fs::read_to_string(&opened).unwrap();
    assert!(asked.ends_with("Ada_Filament_Red_1.mesh.stl"), "{asked}");
    std::fs::remove_file(&opened).unwrap();

    // Refused before anyone is asked (each run answers "y": nothing opens).
    for (link, says) in [
        (signed("lab/../../slicer.sh.mesh.stl"), "inside the shared storage folder"),
        (signed("lab/%2e%2e/%2e%2e/opened.mesh.stl"), "inside the shared storage folder"),
        (signed("/etc/passwd"), "not a file the staff pages open"),
        (signed(&format!("{folder}/Bracket.3mf")), "not a file the staff pages open"),
        (signed("lab/ReadyToPrint/none.mesh.stl"), "no such file"),
        (format!("3dprint://open?path={folder}/Ada_Filament_Red_1.mesh.stl"), "not a link from a job's page"),
        (
            format!("3dprint://open?path={folder}/Ada_Filament_Red_1.mesh.stl&job=j1&exp=1000&sig=s1"),
            "expired",
        ),
        ("https://example.com/x.stl".to_string(), "not a 3dprint://open?path="),
    ] {
        let (code, _, stderr) = memoreez_answering(dir.path(), &env, &["open-in-slicer", &link], "y\n");
        assert_eq!(code, 2, "{link}");
        assert!(stderr.contains("error: ") && stderr.contains(says), "{link}: {stderr}");
        assert!(!stderr.contains("Open "), "not asked: {link}: {stderr}");
    }
    // A site that does not confirm the link (or cannot be reached) is a no.
    for site in [site_answering("404 Not Found"), "http://127.0.0.1:9".to_string()] {
        let env = [env[0], env[1], ("MEMOREEZ_PUBLIC_URL", site.as_str())];
        let (code, _, stderr) = memoreez_answering(dir.path(), &env, &["open-in-slicer", &link], "y\n");
        assert_eq!(code, 2, "{site}: {stderr}");
        assert!(stderr.contains("not opened") && !stderr.contains("Open "), "{site}: {stderr}");
    }
    assert!(!opened.exists(), "the slicer was never started again");
}

#[test]
fn protocol_install_writes_the_desktop_entry() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("share");
    let (code, stdout, stderr) =
        // xdg-mime (where installed) writes under XDG_CONFIG_HOME: keep it in the test's folder.
        memoreez_in(
            dir.path(),
            &[("XDG_DATA_HOME", data.to_str().unwrap()), ("XDG_CONFIG_HOME", dir.path().join("config").to_str().unwrap())],
            &["protocol", "install"],
        );
    assert_eq!(code, 0, "{stderr}");
    let entry = std::fs::read_to_string(data.join("applications/memoreez-3dprint.desktop")).unwrap();
    assert!(
        entry.contains("MimeType=x-scheme-handler/3dprint;") && entry.contains("open-in-slicer %u"),
        "{entry}"
    );
    assert!(stdout.contains("wrote ") && stdout.lines().count() == 2, "{stdout}");
}

#[test]
fn migrate_uses_the_config_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("memoreez.toml"), "database_url = \"sqlite://from-file/lab.db\"\n")
        .unwrap();
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("from-file/lab.db").is_file());

    // The environment wins over the file.
    let (code, _, stderr) =
        memoreez_in(dir.path(), &[("MEMOREEZ_DATABASE_URL", "sqlite://from-env.db")], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("from-env.db").is_file());
}

#[test]
fn repair_fixes_a_holey_soup_and_writes_stl_or_3mf() {
    let dir = tempfile::tempdir().unwrap();
    // The box without its last two faces (the +x side): an open mesh.
    let text = box_stl();
    let facets: Vec<&str> = text.split("  facet").collect();
    let holey = format!("{}  facet{}endsolid box\n", facets[0], facets[1..11].join("  facet"));
    let input = dir.path().join("holey.stl");
    std::fs::write(&input, holey).unwrap();
    let (_, before, _) = memoreez(&["mesh", "info", input.to_str().unwrap(), "--json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&before).unwrap()["watertight"], false);

    for name in ["fixed.stl", "fixed.3mf"] {
        let output = dir.path().join(name);
        let (code, stdout, stderr) =
            memoreez(&["repair", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["repairs"]["holes_closed"], 1, "{report}");
        assert_eq!(report["watertight"], true);
        let (code, after, _) = memoreez(&["mesh", "info", output.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0);
        let after: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(after["watertight"], true, "{name}: {after}");
        assert!((after["volume_mm3"].as_f64().unwrap() - 6000.0).abs() < 1e-3, "{name}: {after}");
    }

    let (code, _, stderr) =
        memoreez(&["repair", input.to_str().unwrap(), "-o", dir.path().join("x.obj").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: ") && stderr.contains("write .stl or .3mf"), "{stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 3, "no temporary or partial files are left: {leftovers:?}");
}

/// Volumes, areas and watertightness agree with trimesh, an independent
/// implementation, to 0.1 % on generated fixtures in every format trimesh
/// reads without extras. `./dev test` installs trimesh when it is missing.
#[test]
fn mesh_info_agrees_with_trimesh() {
    use geometry::shapes::uv_sphere;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();

    let sphere = uv_sphere([0.0, 0.0, 25.0], 25.0, 96, 48);
    let path = dir.path().join("sphere.stl");
    std::fs::write(&path, geometry::io::stl::write_binary(&sphere)).unwrap();
    files.push(path);

    // A keepsake: the sphere on a hex pedestal with engraved text.
    let spec = geometry::keepsake::KeepsakeSpec {
        pedestal: geometry::pedestal::Pedestal {
            shape: geometry::pedestal::PedestalShape::Hex,
            ..Default::default()
        },
        text: vec!["Memoreez".into(), "2026".into()],
        ..Default::default()
    };
    let keepsake = geometry::keepsake::keepsake(&sphere, &spec, &geometry::text::Font::embedded()).unwrap();
    let path = dir.path().join("keepsake.stl");
    std::fs::write(&path, geometry::io::stl::write_binary(&keepsake.mesh)).unwrap();
    files.push(path);

    // Two pieces far apart (two shells), as ASCII STL.
    let mut pair = uv_sphere([0.0, 0.0, 5.0], 5.0, 24, 12);
    let other = uv_sphere([40.0, 10.0, 7.5], 7.5, 30, 15);
    let offset = pair.vertices.len() as u32;
    pair.vertices.extend(other.vertices);
    pair.triangles.extend(other.triangles.iter().map(|t| t.map(|i| i + offset)));
    let mut ascii = String::from("solid pair\n");
    for [a, b, c] in pair.triangle_corners() {
        ascii.push_str(&format!(
            "facet normal 0 0 0\nouter loop\nvertex {} {} {}\nvertex {} {} {}\nvertex {} {} {}\nendloop\nendfacet\n",
            a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]
        ));
    }
    let path = dir.path().join("pair.stl");
    std::fs::write(&path, ascii + "endsolid pair\n").unwrap();
    files.push(path);

    // The box as OBJ with quads, and an open box (no lid).
    let quads = "v 0 0 0\nv 10 0 0\nv 10 20 0\nv 0 20 0\nv 0 0 30\nv 10 0 30\nv 10 20 30\nv 0 20 30\n\
                 f 1 4 3 2\nf 5 6 7 8\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8\n";
    let path = dir.path().join("box.obj");
    std::fs::write(&path, quads).unwrap();
    files.push(path);
    let path = dir.path().join("open-box.obj");
    std::fs::write(&path, quads.replace("f 5 6 7 8\n", "")).unwrap();
    files.push(path);

    let script = r#"
import json, sys, trimesh
out = {}
for name in sys.argv[1:]:
    m = trimesh.load(name, force="mesh", process=True)
    out[name] = {"volume": float(abs(m.volume)), "area": float(m.area), "watertight": bool(m.is_watertight)}
print(json.dumps(out))
"#;
    let names: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let output = Command::new("python3").arg("-c").arg(script).args(&names).output().expect("python3 runs");
    assert!(
        output.status.success(),
        "trimesh is needed for this test (pip install trimesh; ./dev test installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    for name in names {
        let (code, stdout, stderr) = memoreez(&["mesh", "info", name, "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let ours: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let theirs = &theirs[name];
        assert_eq!(ours["watertight"], theirs["watertight"], "{name}");
        // An open surface encloses no volume (its formula's figure depends
        // on where the origin is): we give none, and say why.
        let keys: &[(&str, &str)] = if theirs["watertight"] == true {
            assert_eq!(ours["volume_note"], serde_json::Value::Null, "{name}");
            &[("volume_mm3", "volume"), ("area_mm2", "area")]
        } else {
            assert_eq!(ours["volume_mm3"], serde_json::Value::Null, "{name}: {ours}");
            assert!(
                ours["volume_note"].as_str().unwrap().starts_with("not a closed solid ("),
                "{name}: {ours}"
            );
            &[("area_mm2", "area")]
        };
        for &(our_key, their_key) in keys {
            let (a, b) = (ours[our_key].as_f64().unwrap(), theirs[their_key].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-3 * b.abs().max(1e-9), "{name} {our_key}: ours {a}, trimesh {b}");
        }
    }
}

/// What `prusa-slicer --info` says of a model file.
fn prusa_info(file: &std::path::Path) -> String {
    let slicer = std::env::var("MEMOREEZ_PRUSA_SLICER").unwrap_or_else(|_| "prusa-slicer".into());
    let output = Command::new(&slicer).arg("--info").arg(file).output().unwrap_or_else(|e| {
        panic!("PrusaSlicer is needed for this test ({slicer}: {e}); ./dev test installs the Debian package")
    });
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// PrusaSlicer, the slicer the lab uses, agrees that repaired output is a
/// closed solid of the volume we report. `./dev test` installs it.
#[test]
fn prusa_slicer_reads_repaired_output_as_manifold() {
    let dir = tempfile::tempdir().unwrap();
    let open_box = "v 0 0 0\nv 10 0 0\nv 10 20 0\nv 0 20 0\nv 0 0 30\nv 10 0 30\nv 10 20 30\nv 0 20 30\n\
                    f 1 4 3 2\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8\n";
    let input = dir.path().join("open-box.obj");
    std::fs::write(&input, open_box).unwrap();
    assert!(prusa_info(&input).contains("manifold = no"), "the input really is open");

    for name in ["fixed.stl", "fixed.3mf"] {
        let output = dir.path().join(name);
        let (code, _, stderr) =
            memoreez(&["repair", input.to_str().unwrap(), "-o", output.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        let report = prusa_info(&output);
        assert!(report.contains("manifold = yes"), "{name}: {report}");
        let volume: f64 = report
            .lines()
            .find_map(|line| line.trim().strip_prefix("volume = "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name}: no volume in {report}"));
        assert!((volume - 6000.0).abs() < 6.0, "{name}: PrusaSlicer volume {volume}");
    }
}

#[test]
fn thumbnail_draws_a_png_and_refuses_bad_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("box.stl");
    std::fs::write(&input, box_stl()).unwrap();
    let output = dir.path().join("box.png");
    let (code, stdout, stderr) =
        memoreez(&["thumbnail", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "--size", "200"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("200 × 200 px"));
    let png = std::fs::read(&output).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 200, "width in the IHDR chunk");

    let (code, _, stderr) =
        memoreez(&["thumbnail", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "--size", "9"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("16 to 2048 pixels"), "{stderr}");
}

#[test]
fn relief_turns_a_picture_into_a_closed_solid_of_the_asked_width() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    // A picture with a clear foreground: our own thumbnail of the box.
    let picture = dir.path().join("box.png");
    let (code, _, stderr) =
        memoreez(&["thumbnail", model.to_str().unwrap(), "-o", picture.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    let relief = dir.path().join("relief.3mf");
    let (code, stdout, stderr) =
        memoreez(&["relief", picture.to_str().unwrap(), "--width-mm", "50", "-o", relief.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("watertight"), "{stdout}");
    let (code, info, _) = memoreez(&["mesh", "info", relief.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["watertight"], true);
    assert_eq!(info["shells"], 1);
    let [min, max] = [&info["bbox_mm"][0], &info["bbox_mm"][1]];
    let (width, depth) = (
        max[0].as_f64().unwrap() - min[0].as_f64().unwrap(),
        max[1].as_f64().unwrap() - min[1].as_f64().unwrap(),
    );
    assert!((width.max(depth) - 50.0).abs() < 1e-6, "{info}");

    // The rounded figure, stood up: one closed solid, round on both sides,
    // so deeper front to back than the flat relief is thick.
    let figure = dir.path().join("figure.stl");
    let (code, stdout, stderr) = memoreez(&[
        "relief",
        picture.to_str().unwrap(),
        "--width-mm",
        "50",
        "--rounded",
        "--standing",
        "-o",
        figure.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("watertight") && !stdout.contains("NOT"), "{stdout}");
    let (code, info, _) = memoreez(&["mesh", "info", figure.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert!(info["watertight"] == true && info["shells"] == 1, "{info}");
    let extent =
        |axis: usize| info["bbox_mm"][1][axis].as_f64().unwrap() - info["bbox_mm"][0][axis].as_f64().unwrap();
    assert!(extent(1) > 5.0 && extent(0).max(extent(2)) <= 50.0 + 1e-6, "{info}");

    for (args, expected) in [
        (
            vec!["relief", model.to_str().unwrap(), "-o", relief.to_str().unwrap()],
            "not a readable PNG or JPEG image",
        ),
        (
            vec!["relief", picture.to_str().unwrap(), "--width-mm", "2", "-o", relief.to_str().unwrap()],
            "between 5 and 400 mm",
        ),
    ] {
        let (code, _, stderr) = memoreez(&args);
        assert_eq!(code, 2);
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn oversized_files_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.stl");
    for name in ["huge.stl", "huge.png"] {
        // A sparse 300 MB file: costs no disk, and is over the 256 MB cap.
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().set_len(300 << 20).unwrap();
        let command = if name.ends_with(".png") { "relief" } else { "repair" };
        let (code, _, stderr) = memoreez(&[command, path.to_str().unwrap(), "-o", output.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}");
        assert!(
            stderr.contains("the file is 314572800 bytes; the limit is 268435456 bytes"),
            "{name}: {stderr}"
        );
        assert!(!output.exists(), "{name}: nothing is written");
    }
}

#[test]
fn engrave_stands_a_model_on_a_lettered_pedestal_as_one_solid() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("box.stl");
    std::fs::write(&input, box_stl()).unwrap();
    for (shape, finish, name) in
        [("round", None, "a.stl"), ("square", Some("--emboss"), "b.3mf"), ("hex", None, "c.3mf")]
    {
        let output = dir.path().join(name);
        let mut args = vec![
            "engrave",
            input.to_str().unwrap(),
            "--text",
            "Grandma Rosa",
            "--text2",
            "1931 – 2024",
            "--pedestal",
            shape,
            "--height-mm",
            "40",
            "-o",
            output.to_str().unwrap(),
            "--json",
        ];
        args.extend(finish);
        let (code, stdout, stderr) = memoreez(&args);
        assert_eq!(code, 0, "{shape}: {stderr}");
        let made: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(made["watertight"], true, "{shape}: {made}");
        assert!(made["text_area_mm2"].as_f64().unwrap() > 50.0, "{made}");
        assert!((made["scale"].as_f64().unwrap() - 40.0 / 30.0).abs() < 1e-9, "{made}");

        let (code, stdout, stderr) = memoreez(&["mesh", "info", output.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let info: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!((info["watertight"].as_bool(), info["shells"].as_u64()), (Some(true), Some(1)), "{info}");
        let report = prusa_info(&output);
        assert!(report.contains("manifold = yes"), "{name}: {report}");
    }
}

#[test]
fn engrave_refuses_bad_text_models_and_settings_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    let open = dir.path().join("open.obj");
    // A tube without ends: its rims are longer than repair closes.
    let mut tube = String::new();
    for i in 0..100 {
        let angle = std::f64::consts::TAU * f64::from(i) / 100.0;
        tube += &format!("v {} {} 0\nv {0} {1} 20\n", 10.0 * angle.cos(), 10.0 * angle.sin());
    }
    for i in 0..100 {
        let (a, b, c, d) = (2 * i + 1, 2 * i + 2, (2 * i + 2) % 200 + 1, (2 * i + 3) % 200 + 1);
        tube += &format!("f {a} {c} {d}\nf {a} {d} {b}\n");
    }
    std::fs::write(&open, tube).unwrap();
    let out = dir.path().join("out.stl");
    let (model, open, out_s) = (model.to_str().unwrap(), open.to_str().unwrap(), out.to_str().unwrap());
    let cases: [(&[&str], &str); 6] = [
        (&["engrave", model, "--text", "Love 🎉", "-o", out_s], "the font has no letter for '🎉'"),
        (&["engrave", model, "--text", "   ", "-o", out_s], "there is no text"),
        (
            &["engrave", model, "--text", "Hi", "--letter-mm", "90", "-o", out_s],
            "letter height must be between",
        ),
        (
            &["engrave", model, "--text", "Hi", "--height-mm", "0", "-o", out_s],
            "the model height must be between",
        ),
        (&["engrave", open, "--text", "Hi", "-o", out_s], "not a closed solid even after repair"),
        (&["engrave", model, "--text", "Hi", "-o", "out.obj"], "write .stl or .3mf"),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = memoreez(args);
        assert_eq!(code, 2, "{args:?}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} left a file behind");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().count() == 2, "no temporary files left");
}

#[test]
fn model_caps_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    let model = model.to_str().unwrap();
    let (code, _, stderr) =
        memoreez_in(dir.path(), &[("MEMOREEZ_MAX_MODEL_TRIANGLES", "10")], &["mesh", "info", model]);
    assert_eq!(code, 2);
    assert!(stderr.contains("the model has more than 10 triangles, the limit"), "{stderr}");
    std::fs::write(dir.path().join("memoreez.toml"), "max_model_mb = 0\n").unwrap();
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["mesh", "info", model]);
    assert_eq!((code, stderr.trim()), (2, "error: setting MEMOREEZ_MAX_MODEL_MB: expected 1 to 4096"));
    std::fs::write(dir.path().join("memoreez.toml"), "max_model_mb = 1\n").unwrap();
    let (code, stdout, stderr) = memoreez_in(dir.path(), &[], &["mesh", "info", model, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"triangles\":12"), "{stdout}");
}

/// A stand-in slicer for the failure paths: a shell script.
fn fake_slicer(dir: &std::path::Path, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-slicer");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn quote_prices_prusa_slicer_grams_from_the_shop_and_lab_books() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    let model = model.to_str().unwrap();
    let quote = |args: &[&str]| -> serde_json::Value {
        let (code, stdout, stderr) = memoreez(&[&["quote", model, "--json"], args].concat());
        assert_eq!(code, 0, "{args:?}: {stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let shop = quote(&["--engine", "prusa"]);
    assert!(shop["engine"].as_str().unwrap().starts_with("prusa-slicer 2."), "{shop}");
    let (model_g, support_g, total_g) = (
        shop["model_g"].as_f64().unwrap(),
        shop["support_g"].as_f64().unwrap(),
        shop["total_g"].as_f64().unwrap(),
    );
    assert_eq!(support_g, 0.0, "a box needs no support: {shop}");
    assert!((model_g + support_g - total_g).abs() < 0.011 && total_g > 1.0, "{shop}");
    let price = &shop["price"];
    let material = price["material_cents"].as_u64().unwrap();
    assert_eq!(material, (total_g * 3.0).round() as u64, "{shop}");
    assert_eq!(price["total_cents"].as_u64().unwrap(), material + 1200 + 900);
    assert_eq!((price["currency"].as_str(), price["minimum_applied"].as_bool()), (Some("USD"), Some(false)));

    let lab = quote(&["--engine", "prusa", "--profile", "lab", "--material", "petg"]);
    let time = lab["print_time_s"].as_u64().unwrap();
    assert!(time > 0 && time % 1800 == 0, "lab time rounds up to half hours: {lab}");
    assert_eq!(lab["price"]["total_cents"].as_u64().unwrap(), 300, "a small print pays the minimum: {lab}");
    assert_eq!(lab["price"]["minimum_applied"], true);

    let estimate = quote(&["--engine", "estimate"]);
    assert_eq!(estimate["engine"], "estimate");
    let error = estimate["model_g"].as_f64().unwrap() / model_g - 1.0;
    assert!(error.abs() < 0.10, "estimate {estimate} vs slicer {shop}");
    let resin = quote(&["--material", "resin", "--profile", "lab"]);
    assert_eq!(resin["engine"], "estimate", "resin is never sliced here");
    assert!(resin["note"].as_str().unwrap().contains("resin grams are an estimate"), "{resin}");
}

#[test]
fn quote_failures_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    let model = model.to_str().unwrap();
    let here = dir.path();

    let (code, _, stderr) = memoreez_in(
        here,
        &[("MEMOREEZ_PRUSA_SLICER", "/no/such/slicer")],
        &["quote", model, "--engine", "prusa"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("PrusaSlicer is not installed here (looked for /no/such/slicer)"), "{stderr}");
    // Without the slicer, `auto` falls back to the estimate and says so.
    let (code, stdout, _) =
        memoreez_in(here, &[("MEMOREEZ_PRUSA_SLICER", "/no/such/slicer")], &["quote", model, "--json"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"engine\":\"estimate\""), "{stdout}");

    let slow = fake_slicer(here, "case \"$1\" in --help) echo PrusaSlicer-9.9.9;; *) sleep 30;; esac");
    let started = std::time::Instant::now();
    let (code, _, stderr) = memoreez_in(
        here,
        &[("MEMOREEZ_PRUSA_SLICER", &slow), ("MEMOREEZ_SLICE_TIMEOUT_S", "1")],
        &["quote", model, "--engine", "prusa"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("PrusaSlicer took longer than 1 s and was stopped"), "{stderr}");
    assert!(started.elapsed().as_secs() < 10, "the slow slicer was killed, not waited for");

    let broken = fake_slicer(here, "echo 'Error: the object is too tall for the printer' >&2; exit 1");
    let (code, _, stderr) =
        memoreez_in(here, &[("MEMOREEZ_PRUSA_SLICER", &broken)], &["quote", model, "--engine", "prusa"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("PrusaSlicer could not slice this model: Error: the object is too tall"),
        "{stderr}"
    );

    let open = here.join("open.obj");
    std::fs::write(&open, "v 0 0 0\nv 10 0 0\nv 0 10 0\nf 1 2 3\n").unwrap();
    let (code, _, stderr) = memoreez_in(here, &[], &["quote", open.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(stderr.trim(), format!("error: {}: the model has no volume", open.display()));
}

#[test]
fn mesh_info_says_whether_the_model_fits_the_configured_printer() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("box.stl");
    std::fs::write(&model, box_stl()).unwrap();
    let model = model.to_str().unwrap();
    let (code, stdout, _) = memoreez_in(dir.path(), &[], &["mesh", "info", model]);
    assert_eq!(code, 0);
    assert!(stdout.contains("fits printer  yes (250 × 210 × 210 mm)"), "{stdout}");
    std::fs::write(dir.path().join("memoreez.toml"), "build_volume_mm = [25.0, 25.0, 25.0]\n").unwrap();
    let (code, stdout, _) = memoreez_in(dir.path(), &[], &["mesh", "info", model]);
    assert_eq!(code, 0);
    assert!(stdout.contains("fits printer  no (25 × 25 × 25 mm)"), "the box is 30 mm tall: {stdout}");
}

#[test]
fn concepts_draws_four_emblems_that_each_become_a_relief() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("concepts");
    let (code, stdout, stderr) = memoreez(&[
        "concepts",
        "--hobbies",
        "sailing, jazz piano",
        "--facts",
        "Retired music teacher. Sails every summer.",
        "--batch",
        "1",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let made: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(made.len(), 4);
    for (n, concept) in made.iter().enumerate() {
        let file = concept["file"].as_str().unwrap();
        assert!(file.ends_with(&format!("concept-{}.png", 4 + n)), "batch 1 is concepts 4–7: {file}");
        assert!(concept["prompt"].as_str().unwrap().contains("plain white background"), "{concept}");
        let relief = dir.path().join(format!("relief-{n}.stl"));
        let (code, stdout, stderr) = memoreez(&["relief", file, "-o", relief.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("watertight"), "{stdout}");
    }

    for (args, expected) in [
        (vec!["concepts", "--hobbies", " , ", "-o", "x"], "Add at least one hobby."),
        (
            vec!["concepts", "--hobbies", "golf", "--batch", "100", "-o", "x"],
            "--batch must be between 0 and 99",
        ),
    ] {
        let (code, _, stderr) = memoreez(&args);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stderr.trim(), format!("error: {expected}"));
    }
    assert!(!std::path::Path::new("x").exists(), "nothing written for a refused story");
}

#[test]
fn worker_tokens_are_shown_once_and_kept_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let (code, token, stderr) =
        memoreez_in(dir.path(), &[], &["admin", "worker-token", "--name", "gpu-box-1"]);
    assert_eq!(code, 0, "{stderr}");
    let token = token.trim();
    let secret = token.strip_prefix("mzw_").unwrap_or_else(|| panic!("a worker token's prefix: {token}"));
    assert_eq!(secret.len(), 43, "32 random bytes, base64url: {token}");
    assert!(stderr.contains("shown only now"));
    let database = std::fs::read(dir.path().join("data/memoreez.db")).unwrap();
    assert!(!database.windows(token.len()).any(|w| w == token.as_bytes()), "only its hash is stored");

    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["admin", "worker-token", "--name", " "]);
    assert_eq!((code, stderr.trim()), (2, "error: --name must be 1 to 64 characters"));
    for (args, expected) in [
        (
            vec!["--mesh-provider", "magic"],
            "--mesh-provider must be embedded or hunyuan3d=URL, not \"magic\"",
        ),
        (vec!["--lease-s", "1"], "--lease-s must be 5 to 600"),
    ] {
        let mut all = vec!["worker", "--server", "http://127.0.0.1:9", "--token", "t"];
        all.extend(args);
        let (code, _, stderr) = memoreez_in(dir.path(), &[], &all);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stderr.lines().last().unwrap_or_default(), format!("error: {expected}"));
    }
}

/// Sends one GET to `port` and reads the whole answer (headers lower-cased).
fn get(port: u16, path_and_headers: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path_and_headers}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.to_lowercase()
}

#[test]
fn json_logs_tie_each_request_to_its_id_and_keep_tokens_out() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_memoreez"))
        .arg("serve")
        .current_dir(dir.path())
        .env("MEMOREEZ_ADDR", format!("127.0.0.1:{port}"))
        .env("MEMOREEZ_LOG", "info")
        .env("MEMOREEZ_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 60, "memoreez serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // A proxy's id is kept and echoed; without one, the server makes one.
    let answer = get(port, "/healthz?t=secret-link-token HTTP/1.1\r\nX-Request-Id: proxy-id-42");
    assert!(
        answer.starts_with("http/1.1 200") && answer.contains("x-request-id: proxy-id-42\r\n"),
        "{answer}"
    );
    let answer = get(port, "/readyz HTTP/1.1");
    let made = answer
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .expect("an id")
        .trim()
        .to_string();
    assert!(made.len() == 16 && made.chars().all(|c| c.is_ascii_hexdigit()), "{made}");
    serve.kill().unwrap();
    let output = serve.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);

    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let finished = |id: &str| {
        lines.iter().find(|line| {
            line["span"]["request_id"] == id && line["fields"]["message"] == "finished processing request"
        })
    };
    let health = finished("proxy-id-42").unwrap_or_else(|| panic!("no line for the request: {stdout}"));
    assert_eq!(
        (health["span"]["path"].as_str(), health["fields"]["status"].as_u64()),
        (Some("/healthz"), Some(200))
    );
    assert_eq!(finished(&made).unwrap()["span"]["path"], "/readyz");
    assert!(!stdout.contains("secret-link-token"), "a link's token reached the log: {stdout}");
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["migrate"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::create_dir_all(dir.path().join("data/files/models/x")).unwrap();
    std::fs::write(dir.path().join("data/files/models/x/model.stl"), b"solid x").unwrap();

    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["backup", "lab.tar"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("and 1 files (7 bytes)"), "{stderr}");
    // Not over the lab's own database and files.
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["restore", "lab.tar"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: ") && stderr.trim_end().ends_with("nothing was restored"), "{stderr}");
    let (code, _, stderr) = memoreez_in(dir.path(), &[], &["restore", "missing.tar"]);
    assert_eq!((code, stderr.lines().count()), (2, 1), "{stderr}");

    let fresh =
        [("MEMOREEZ_DATABASE_URL", "sqlite://copy/memoreez.db"), ("MEMOREEZ_FILES_DIR", "copy/files")];
    let (code, _, stderr) = memoreez_in(dir.path(), &fresh, &["restore", "lab.tar"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read(dir.path().join("copy/files/models/x/model.stl")).unwrap(), b"solid x");
    let (code, _, stderr) = memoreez_in(dir.path(), &fresh, &["migrate"]);
    assert_eq!(code, 0, "the restored database opens: {stderr}");
}
