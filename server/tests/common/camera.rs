//! Printers' cameras on every database: a local HTTP server is the camera
//! (a JPEG, a web page, a picture too big, one too slow, a redirect); the
//! snapshot address staff type is checked; a print that ends is pictured,
//! the picture shown to staff by a signed link and attached to the
//! student's "ready" email; a camera that fails leaves the reason in the
//! job's log and nothing else.

use std::time::{Duration, Instant};

use http::StatusCode;
use memoreez::platform::outbound::OutboundError;
use memoreez::printers::camera::{self, CameraError, MAX_SNAPSHOT_BYTES};

use super::staff::{call, staff_cookie};
use super::{Kind, with_app};

/// A small real JPEG: a 64 × 48 gradient, as a camera would send.
pub(crate) fn jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80).encode_image(&picture).unwrap();
    bytes
}

/// A camera on a free local port; its address, ending in `/`. Paths:
/// `snap.jpg` (a JPEG), `page` (HTML), `huge` (a "JPEG" over the cap),
/// `slow` (answers after 8 s), `moved` (a redirect).
pub(crate) async fn start_camera() -> String {
    use axum::response::IntoResponse;
    use axum::routing::get;
    let picture = jpeg();
    let router = axum::Router::new()
        .route(
            "/snap.jpg",
            get(move || async move { ([(http::header::CONTENT_TYPE, "image/jpeg")], picture) }),
        )
        .route(
            "/page",
            get(|| async { ([(http::header::CONTENT_TYPE, "text/html")], "<!doctype html><h1>Camera</h1>") }),
        )
        .route(
            "/huge",
            get(|| async {
                let mut body = vec![0xFF, 0xD8, 0xFF];
                body.resize(MAX_SNAPSHOT_BYTES + 1, 0);
                ([(http::header::CONTENT_TYPE, "image/jpeg")], body)
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(8)).await;
                ([(http::header::CONTENT_TYPE, "image/jpeg")], vec![0xFF, 0xD8, 0xFF])
            }),
        )
        .route("/moved", get(|| async { axum::response::Redirect::temporary("/snap.jpg").into_response() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}/")
}

pub async fn a_printers_camera_pictures_the_print_and_refuses_what_is_no_picture(kind: Kind) {
    with_app(kind, |app| async move {
        let camera_at = start_camera().await;
        let at = |path: &str| format!("{camera_at}{path}");

        // The camera is asked with a cap, a time limit and no redirects;
        // only a JPEG or PNG by its own bytes is a picture.
        let picture = camera::fetch(&at("snap.jpg")).await.unwrap();
        assert_eq!((picture.ext, picture.bytes.clone()), ("jpg", jpeg()));
        assert_eq!(
            camera::fetch(&at("page")).await,
            Err(CameraError::NotAPicture("text/html".into())),
            "a camera that serves a web page"
        );
        assert_eq!(
            camera::fetch(&at("huge")).await,
            Err(CameraError::Unreachable(OutboundError::TooLarge(MAX_SNAPSHOT_BYTES)))
        );
        assert_eq!(
            camera::fetch(&at("moved")).await,
            Err(CameraError::Unreachable(OutboundError::Redirect(307)))
        );
        assert_eq!(camera::fetch(&at("missing")).await, Err(CameraError::Refused(404)));
        let started = Instant::now();
        assert_eq!(
            camera::fetch(&at("slow")).await,
            Err(CameraError::Unreachable(OutboundError::Unreachable("no answer in time")))
        );
        assert!(started.elapsed() < Duration::from_secs(7), "given up after {:?}", started.elapsed());

        // Staff set the printer's camera; a bad address is refused by name
        // and changes nothing.
        let cookie = staff_cookie(&app).await;
        let ender = memoreez::printers::store::NewPrinter {
            name: "Ender".into(),
            method: app::lab::PrintMethod::Filament,
            build_mm: [220.0, 220.0, 250.0],
            material: "PLA".into(),
            colour: "Red".into(),
            connection: memoreez::printers::store::Connection::Manual,
        };
        let staff = super::staff::staff_session(&app).await;
        let ender = memoreez::printers::store::add(&app.state.db, &staff, ender).await.unwrap();
        for bad in ["not an address", "ftp://cam.lab/snap.jpg", "http://169.254.169.254/latest/meta-data"] {
            let form = format!("id={ender}&snapshot_url={}", urlencoding(bad));
            let refused = call(&app, "staff_printer_camera", &form, Some(&cookie), None).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", refused.text());
            assert!(refused.text().contains("\"field\":\"snapshot_url\""), "{}", refused.text());
        }
        let from_server =
            call(&app, "staff_printer_camera", &format!("id={ender}&from_server=true"), Some(&cookie), None)
                .await;
        assert_eq!(
            from_server.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a printer run by hand has no OctoPrint"
        );
        let unknown = call(&app, "staff_printer_camera", "id=nope&snapshot_url=", Some(&cookie), None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert!(printers[0]["snapshot_url"].is_null(), "{printers}");

        let set = format!("id={ender}&snapshot_url={}", urlencoding(&at("snap.jpg")));
        let saved = call(&app, "staff_printer_camera", &set, Some(&cookie), None).await;
        assert!(saved.status.is_success() || saved.status.is_redirection(), "{}", saved.text());
        let printers = call(&app, "staff_printers", "", Some(&cookie), None).await.json();
        assert_eq!(printers[0]["snapshot_url"], at("snap.jpg"));
        assert_eq!(printers[0]["log"][0]["what"], "Camera set", "{printers}");

        // A print that ends is pictured: staff see it by a signed link, and
        // the student's "ready" email carries it.
        let gcode = "G92 E0\n;TYPE:Perimeter\nG1 X1 E50\n; total filament used [g] = 2.00\n\
                     ; estimated printing time (normal mode) = 1h 0m 0s\n";
        let job = super::printers::ready_job(&app, &cookie, gcode.as_bytes().to_vec()).await;
        camera::take(&app.state.lab(), &job, &at("snap.jpg")).await;
        let page = call(&app, "staff_job", &format!("id={job}"), Some(&cookie), None).await.json();
        let link = page["snapshot_url"].as_str().unwrap_or_else(|| panic!("a snapshot: {page}"));
        let shown = app.get(link, None).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(shown.header("content-type").as_deref(), Some("image/jpeg"));
        assert_eq!(shown.body.to_vec(), jpeg());
        let unsigned = app.get(&format!("/api/lab/jobs/{job}/files/snapshot"), None).await;
        assert_eq!(unsigned.status, StatusCode::BAD_REQUEST, "no signature, no picture");
        let events = page["events"].to_string();
        assert!(events.contains("The printer's camera took a picture as the print ended."), "{events}");
        for step in ["start_printing&printer=Ender", "complete"] {
            let done =
                call(&app, "staff_job_action", &format!("id={job}&action={step}"), Some(&cookie), None).await;
            assert_eq!(done.status, StatusCode::OK, "{step}: {}", done.text());
        }
        let (text, attachment): (String, Option<String>) =
            sqlx::query_as("SELECT text_body, attachment_name FROM outbox WHERE kind = 'lab_ready'")
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert_eq!(attachment, Some(format!("your-print-{job}.jpg")));
        assert!(text.contains("attached picture"), "{text}");
        memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config).await.unwrap();
        let sent = std::fs::read_dir(app.dir.path().join("files/outbox"))
            .unwrap()
            .flatten()
            .map(|file| std::fs::read_to_string(file.path()).unwrap())
            .find(|message| message.contains("Ready for pickup"))
            .expect("the ready email was sent");
        assert!(sent.contains("Content-Type: image/jpeg"), "{sent}");
        assert!(sent.contains(&format!("your-print-{job}.jpg")), "{sent}");

        // A camera that serves a page: no picture, the log says why, and
        // nothing is kept.
        let (other, _) = super::lab::submitted(&app).await;
        camera::take(&app.state.lab(), &other, &at("page")).await;
        let page = call(&app, "staff_job", &format!("id={other}"), Some(&cookie), None).await.json();
        assert!(page["snapshot_url"].is_null(), "{page}");
        assert!(
            page["events"]
                .to_string()
                .contains("No camera picture: the camera sent no JPEG or PNG picture (it sent text/html)."),
            "{page}"
        );
        let kept: Vec<String> = std::fs::read_dir(app.dir.path().join("files/snapshots"))
            .unwrap()
            .flatten()
            .map(|file| file.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(kept, [format!("{job}.jpg")]);
    })
    .await;
}

/// `text` as a form value.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}
