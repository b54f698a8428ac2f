//! The print lab on every backend: a student's submission through every
//! step to pickup (emails to a real SMTP server, the confirm link read from
//! it, the job's folder following its status with metadata.json), refused
//! submissions that keep nothing, rejection, a crash between commit and
//! folder move, and the staff's live feed.

use std::sync::Arc;

use http::StatusCode;
use memoreez::platform::config::{Config, SmtpTls};
use serde_json::{Value, json};

use super::checkout::{SmtpServer, free_port};
use super::staff::{call, staff_cookie};
use super::suite::box_stl;
use super::{Kind, TestApp, with_app, with_changed_app};

/// The form's fields for Ada, as (name, value).
pub(crate) fn fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Ada Lovelace"),
        ("email", "ada@example.edu"),
        ("discipline", "Mechanical Engineering"),
        ("class_number", "ME 2110"),
        ("method", "filament"),
        ("color", "Red"),
        ("notes", "Flat side down, please."),
        ("acknowledged", "true"),
    ]
}

async fn submit(app: &TestApp, fields: &[(&str, &str)], file: (&str, &[u8])) -> super::Reply {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> =
        fields.iter().map(|(name, value)| (*name, None, value.as_bytes())).collect();
    parts.push(("file", Some(file.0), file.1));
    app.post_multipart("/api/lab/submissions", &parts).await
}

/// Submits Ada's box; (job id, the student's token).
pub(crate) async fn submitted(app: &TestApp) -> (String, String) {
    let stl = box_stl();
    let reply = submit(app, &fields(), ("Bracket v2.stl", &stl)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let body = reply.json();
    let id = body["id"].as_str().unwrap().to_string();
    let url = body["url"].as_str().unwrap();
    let token = url.split_once("?t=").unwrap().1.to_string();
    assert_eq!(url, format!("/lab/jobs/{id}?t={token}"));
    (id, token)
}

/// The job's folder and the file names in it, by status folder.
fn folders(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let lab = app.dir.path().join("files/lab");
    let mut found = Vec::new();
    for status in std::fs::read_dir(&lab).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default() {
        for job in std::fs::read_dir(status.path()).unwrap().flatten() {
            let mut files: Vec<String> = std::fs::read_dir(job.path())
                .unwrap()
                .flatten()
                .map(|f| f.file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let name =
                format!("{}/{}", status.file_name().to_string_lossy(), job.file_name().to_string_lossy());
            found.push((name, files));
        }
    }
    found.retain(|(_, files)| !files.is_empty());
    found.sort();
    found
}

fn metadata(app: &TestApp, folder: &str) -> Value {
    let path = app.dir.path().join("files/lab").join(folder).join("metadata.json");
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

async fn status(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM print_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

async fn act(app: &TestApp, cookie: &str, form: &str) -> super::Reply {
    call(app, "staff_job_action", form, Some(cookie), None).await
}

/// A received message with its quoted-printable soft breaks and `=3D` undone.
fn plain(raw: &str) -> String {
    raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

/// The token of the first `/lab/jobs/{id}?t=` link in `message`.
fn link_token(message: &str, id: &str) -> String {
    let start = message.find(&format!("/lab/jobs/{id}?t=")).expect("a link to the job") + id.len() + 13;
    message[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

fn with_smtp(port: u16) -> impl FnOnce(&mut memoreez::state::StateParts) {
    move |state| {
        state.config = Arc::new(Config {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_tls: SmtpTls::None,
            ..(*state.config).clone()
        });
    }
}

pub async fn a_submission_goes_from_upload_to_pickup(kind: Kind) {
    let port = free_port();
    with_changed_app(kind, with_smtp(port), move |app| async move {
        let smtp = SmtpServer::start(port).await;
        let (id, token) = submitted(&app).await;
        let folder = format!("AdaLovelace_Filament_Red_{id}");
        assert_eq!(
            folders(&app),
            [(
                format!("Uploaded/{folder}"),
                vec![
                    format!("{folder}.mesh.stl"),
                    format!("{folder}.stl"),
                    "metadata.json".into(),
                    "thumbnail.png".into()
                ]
            )]
        );
        let meta = metadata(&app, &format!("Uploaded/{folder}"));
        assert_eq!(
            (meta["status"].as_str(), meta["class_number"].as_str()),
            (Some("Uploaded"), Some("ME 2110"))
        );
        assert_eq!(meta["history"][0]["kind"], "submitted");
        assert!(meta["submitted_at"].as_str().unwrap().ends_with('Z'), "{meta}");

        // The student's page by the link; this link views but cannot accept a price.
        let view = app.get(&format!("/api/lab/jobs/{id}?t={token}"), None).await;
        assert_eq!(view.status, StatusCode::OK, "{}", view.text());
        assert_eq!(
            (view.json()["status"].as_str(), view.json()["can_confirm"].as_bool()),
            (Some("Uploaded"), Some(false))
        );
        assert_eq!(app.get(&format!("/api/lab/jobs/{id}?t=wrong"), None).await.status, StatusCode::NOT_FOUND);
        let html = app.get(&format!("/lab/jobs/{id}?t={token}"), None).await.text();
        assert!(html.contains("Bracket v2.stl") && html.contains("data-status=\"Uploaded\""), "{html}");

        // Staff: the card is NEW on the dashboard; steps out of order are refused.
        let cookie = staff_cookie(&app).await;
        let queue = call(&app, "staff_queue", "status=Uploaded", Some(&cookie), None).await.json();
        assert_eq!(
            (queue["jobs"][0]["id"].as_str(), queue["jobs"][0]["new"].as_bool()),
            (Some(id.as_str()), Some(true)),
            "{queue}"
        );
        let early = act(&app, &cookie, &format!("id={id}&action=start_printing")).await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.text().contains("cannot be started printing"), "{}", early.text());
        let no_weight = act(&app, &cookie, &format!("id={id}&action=approve&weight_g=&print_hours=2")).await;
        assert!(no_weight.text().contains("weight_g"), "{}", no_weight.text());

        // Approve: 42 g of filament at $0.10/g, 2.2 h shown as 2.5 h.
        let approved =
            act(&app, &cookie, &format!("id={id}&action=approve&weight_g=42&print_hours=2.2")).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        assert_eq!(status(&app, &id).await, "Pending");
        let card = call(&app, "staff_queue", "status=Pending", Some(&cookie), None).await.json();
        assert_eq!(card["jobs"][0]["new"], false, "staff who approved it have seen it: {card}");
        let view = app.get(&format!("/api/lab/jobs/{id}?t={token}"), None).await.json();
        assert_eq!((view["price_cents"].as_i64(), view["print_hours"].as_f64()), (Some(420), Some(2.5)));
        assert_eq!(view["can_confirm"], false, "the first link still only views");
        assert_eq!(
            app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={token}"), "", None).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(folders(&app)[0].0, format!("Pending/{folder}"));

        // The emails go out; the confirm link is read from the approval.
        assert_eq!(
            memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
                .await
                .unwrap(),
            2
        );
        let received: Vec<String> = smtp.received().iter().map(|m| plain(m)).collect();
        let approval =
            received.iter().find(|m| m.contains("Approved: 4.20 USD")).expect("the approval email");
        assert!(approval.contains("42.0 g, 2.5 h"), "{approval}");
        assert!(
            received.iter().any(|m| m.contains("Print request received") && m.contains("ada@example.edu"))
        );
        let confirm_token = link_token(approval, &id);
        assert_ne!(confirm_token, token);
        let confirmed =
            app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={confirm_token}"), "", None).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
        assert_eq!(confirmed.json()["status"], "ReadyToPrint");
        let again = app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={confirm_token}"), "", None).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());

        for form in [
            "action=mark_reviewed",
            "action=start_printing&printer=MK4+%232",
            "action=complete",
            "action=picked_up&payment=cash",
        ] {
            let reply = act(&app, &cookie, &format!("id={id}&{form}")).await;
            assert_eq!(reply.status, StatusCode::OK, "{form}: {}", reply.text());
        }
        assert_eq!(status(&app, &id).await, "PaidPickedUp");
        // An email at every step: queued, printing, ready, and the receipt.
        assert_eq!(
            memoreez::mail::sender::send_due(&app.state.db, &app.state.storage, &app.state.config)
                .await
                .unwrap(),
            4
        );
        let subjects: Vec<String> = smtp.received().iter().map(|m| plain(m)).collect();
        for said in [
            format!("Bracket v2.stl (job {id}) is in the print queue at 4.20 USD"),
            format!("Bracket v2.stl (job {id}) is printing now"),
            format!("Receipt for job {id}: Bracket v2.stl"),
        ] {
            assert!(subjects.iter().any(|m| m.contains(&said)), "{said}: {subjects:?}");
        }
        let ready = smtp
            .received()
            .iter()
            .map(|m| plain(m))
            .find(|m| m.contains("Ready for pickup"))
            .expect("ready email");
        assert!(ready.contains("Please bring 4.20 USD"), "{ready}");

        // The folder tells the whole story.
        let done = format!("PaidPickedUp/{folder}");
        assert_eq!(
            folders(&app).iter().map(|(f, _)| f.clone()).collect::<Vec<_>>(),
            std::slice::from_ref(&done)
        );
        let meta = metadata(&app, &done);
        let steps: Vec<(String, String)> = meta["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["kind"].as_str().unwrap().to_string(), e["actor"].as_str().unwrap().to_string()))
            .collect();
        let expected = [
            ("submitted", "student"),
            ("approved", "staff"),
            ("confirmed", "student"),
            ("reviewed", "staff"),
            ("printing", "staff"),
            ("completed", "staff"),
            ("picked_up", "staff"),
        ];
        assert_eq!(steps, expected.map(|(k, a)| (k.to_string(), a.to_string())));
        assert_eq!(
            (meta["status"].as_str(), meta["price_cents"].as_i64()),
            (Some("PaidPickedUp"), Some(420))
        );
        assert!(meta["history"][4]["details"].as_str().unwrap().contains("MK4 #2"));

        // Staff see the student's details and can download the model by its signed link.
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        assert_eq!(page["student"]["folder"], format!("lab/{done}"));
        assert!(page["slicer_link"].as_str().unwrap().contains("PaidPickedUp"), "{page}");
        let model = page["files"][0]["url"].as_str().unwrap().to_string();
        let download = app.get(&model, None).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body.len(), box_stl().len());
        let tampered = model.replace("files/model", "files/sliced");
        assert_eq!(app.get(&tampered, None).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

pub async fn a_refused_submission_keeps_nothing(kind: Kind) {
    with_app(kind, move |app| async move {
        let stl = box_stl();
        let without =
            |field: &str| fields().into_iter().filter(|(name, _)| *name != field).collect::<Vec<_>>();
        let with = |field: &'static str, value: &'static str| {
            fields()
                .into_iter()
                .map(|(name, old)| (name, if name == field { value } else { old }))
                .collect::<Vec<_>>()
        };
        // (the form's fields, the file, the field blamed, words of the message)
        type Case<'a> = (Vec<(&'a str, &'a str)>, (&'a str, &'a [u8]), &'a str, &'a str);
        let cases: Vec<Case> = vec![
            (without("name"), ("a.stl", &stl), "name", "first and last name"),
            (with("email", "ada@"), ("a.stl", &stl), "email", "email address"),
            (with("color", "Clear"), ("a.stl", &stl), "color", "Choose one of the filament colours"),
            (with("method", "laser"), ("a.stl", &stl), "method", "filament or resin"),
            (without("acknowledged"), ("a.stl", &stl), "acknowledged", "printing rules"),
            (fields(), ("photo.png", &stl), "file", "not a model file"),
            (fields(), ("broken.stl", b"solid nothing\nendsolid nothing\n"), "file", ""),
            (with("notes", "x"), ("a.obj", b"v 0 0 0\nv 1 0 0\nf 1 2 9\n"), "file", ""),
        ];
        for (fields, file, field, words) in cases {
            let reply = submit(&app, &fields, file).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", reply.text());
            let body = reply.json();
            assert_eq!(body["field"], field, "{body}");
            assert!(body["error"].as_str().unwrap().contains(words), "{body}");
        }
        let mut extra = fields();
        extra.push(("price", "0"));
        assert_eq!(submit(&app, &extra, ("a.stl", &stl)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.count("print_jobs").await, 0);
        assert_eq!(app.count("print_job_events").await, 0);
        assert_eq!(app.count("outbox").await, 0);
        assert!(folders(&app).is_empty(), "{:?}", folders(&app));
    })
    .await;
}

pub async fn a_rejected_submission_says_why(kind: Kind) {
    with_app(kind, move |app| async move {
        let (id, token) = submitted(&app).await;
        let cookie = staff_cookie(&app).await;
        let bare = act(&app, &cookie, &format!("id={id}&action=reject&note=")).await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bare.text().contains("Tick a reason"), "{}", bare.text());
        let rejected = act(
            &app,
            &cookie,
            &format!(
                "id={id}&action=reject&reason_size=yes&reason_supports=yes&note=Try+splitting+it+in+two."
            ),
        )
        .await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text());
        assert_eq!(status(&app, &id).await, "Rejected");
        let view = app.get(&format!("/api/lab/jobs/{id}?t={token}"), None).await.json();
        let last = view["events"].as_array().unwrap().last().unwrap().clone();
        let details = last["details"].as_str().unwrap();
        assert!(details.contains("too large") && details.contains("Try splitting it in two."), "{details}");
        // The student is told the same, by email.
        let outbox =
            memoreez::mail::outbox::outbox(&app.state.db, &super::staff::staff_session(&app).await, 10)
                .await
                .unwrap();
        assert!(outbox.iter().any(|m| m.kind == "lab_rejected" && m.to == "ada@example.edu"), "{outbox:?}");
        let body: String = sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = 'lab_rejected'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert!(body.contains("too much support") && body.contains("Try splitting"), "{body}");
        // Nothing further is possible.
        let approve = act(&app, &cookie, &format!("id={id}&action=approve&weight_g=1&print_hours=1")).await;
        assert_eq!(approve.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(folders(&app)[0].0, format!("Rejected/AdaLovelace_Filament_Red_{id}"));
    })
    .await;
}

/// The process dies after a step's transaction committed and before (or
/// halfway through) the folder's move: the next settle finishes it, and
/// running it again changes nothing.
pub async fn folder_moves_finish_after_a_crash(kind: Kind) {
    with_app(kind, move |app| async move {
        let (id, _) = submitted(&app).await;
        let folder = format!("AdaLovelace_Filament_Red_{id}");
        // The step as its transaction writes it; the crash comes before the move.
        let mut tx = app.state.db.pool().begin().await.unwrap();
        sqlx::query("UPDATE print_jobs SET status = 'Pending', updated_at = updated_at + 1 WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await
            .unwrap();
        memoreez::lab::events::add_event(
            &mut tx,
            &id,
            memoreez::platform::time::now_ms(),
            ("staff", "approved"),
            (Some(app::print_job::PrintJobStatus::Uploaded), app::print_job::PrintJobStatus::Pending),
            "Approved.",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // Halfway: the picture already moved.
        let lab = app.dir.path().join("files/lab");
        std::fs::create_dir_all(lab.join(format!("Pending/{folder}"))).unwrap();
        std::fs::rename(
            lab.join(format!("Uploaded/{folder}/thumbnail.png")),
            lab.join(format!("Pending/{folder}/thumbnail.png")),
        )
        .unwrap();
        assert_eq!(folders(&app).len(), 2, "split across two folders: {:?}", folders(&app));

        // A restarted server settles what is due.
        assert_eq!(memoreez::lab::folders::settle_due(&app.state.lab()).await.unwrap(), 1);
        assert_eq!(
            folders(&app),
            [(
                format!("Pending/{folder}"),
                vec![
                    format!("{folder}.mesh.stl"),
                    format!("{folder}.stl"),
                    "metadata.json".into(),
                    "thumbnail.png".into()
                ]
            )]
        );
        let meta = metadata(&app, &format!("Pending/{folder}"));
        assert_eq!(
            (meta["status"].as_str(), meta["history"].as_array().unwrap().len()),
            (Some("Pending"), 2)
        );
        assert!(!lab.join(format!("Uploaded/{folder}")).exists(), "the emptied folder is gone");
        assert_eq!(
            memoreez::lab::folders::settle_due(&app.state.lab()).await.unwrap(),
            0,
            "nothing left to do"
        );
        memoreez::lab::folders::settle(&app.state.lab(), &id).await.unwrap();
        assert_eq!(folders(&app).len(), 1);
    })
    .await;
}

pub async fn open_dashboards_hear_of_every_change(kind: Kind) {
    with_app(kind, move |app| async move {
        let addr = app.listen().await;
        let feed = format!("http://{addr}/api/staff/events");
        assert_eq!(reqwest::get(&feed).await.unwrap().status(), 401);
        let cookie = staff_cookie(&app).await;
        let client = reqwest::Client::new();
        let mut live = client.get(&feed).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(live.status(), 200);
        let first = super::card_payments::next_event(&mut live, "lab").await;
        assert_eq!(first["new_submissions"], 0);

        let (id, _) = submitted(&app).await;
        let change = super::card_payments::next_event(&mut live, "lab").await;
        assert_eq!(change["new_submissions"], 1, "{change}");
        assert!(change["version"].as_i64() > first["version"].as_i64());

        act(&app, &cookie, &format!("id={id}&action=mark_reviewed")).await;
        let reviewed = super::card_payments::next_event(&mut live, "lab").await;
        assert_eq!(reviewed["new_submissions"], 0, "a step is not a new submission");
    })
    .await;
}

pub async fn staff_keep_the_sliced_file_and_its_figures(kind: Kind) {
    use memoreez::lab::sliced::{self, SlicedError};
    use memoreez::platform::model_file::ModelFile;
    with_app(kind, move |app| async move {
        let (id, _) = submitted(&app).await;
        let folder = format!("AdaLovelace_Filament_Red_{id}");
        // Sliced here: PrusaSlicer's G-code, its grams and time become the job's.
        let sliced = sliced::slice(&app.state.lab(), &super::staff::staff_session(&app).await, &id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (grams, hours) = (sliced.weight_g.unwrap(), sliced.print_hours.unwrap());
        assert!(grams > 1.0 && hours > 0.0, "{sliced:?}");
        let files = &folders(&app)[0].1;
        assert!(files.contains(&format!("{folder}.sliced.gcode")), "{files:?}");
        let (weight, time): (Option<f64>, Option<f64>) =
            sqlx::query_as("SELECT weight_g, print_hours FROM print_jobs WHERE id = $1")
                .bind(&id)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert_eq!((weight, time), (Some(grams), Some(hours)));

        // Uploaded from the lab's own slicer: its footer figures win.
        let gcode = "G92 E0\n;TYPE:Perimeter\nG1 X1 E50\n; total filament used [g] = 17.50\n\
                     ; estimated printing time (normal mode) = 2h 15m 0s\n";
        let file = ModelFile { file_name: "plate.gcode".into(), bytes: gcode.as_bytes().to_vec().into() };
        let figures = sliced::upload(&app.state.lab(), &super::staff::staff_session(&app).await, &id, file)
            .await
            .unwrap();
        assert_eq!((figures.weight_g, figures.print_hours), (Some(17.5), Some(2.25)));
        let cookie = staff_cookie(&app).await;
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        assert_eq!(page["card"]["weight_g"], 17.5);
        assert!(page["slicer_link"].as_str().unwrap().contains(".sliced.gcode"), "{page}");
        let kinds: Vec<&str> =
            page["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["submitted", "sliced_file", "sliced_file"]);

        for (name, bytes) in [("plate.png", &b"x"[..]), ("plate.gcode", &b"hello\n"[..])] {
            let file = ModelFile { file_name: name.into(), bytes: bytes.to_vec().into() };
            let refused =
                sliced::upload(&app.state.lab(), &super::staff::staff_session(&app).await, &id, file).await;
            assert!(matches!(refused, Err(SlicedError::Refused(_))), "{name}: {refused:?}");
        }
        assert!(matches!(
            sliced::slice(&app.state.lab(), &super::staff::staff_session(&app).await, "nosuchjob").await,
            Err(SlicedError::NotFound)
        ));
    })
    .await;
}

/// A 3MF of a box as PrusaSlicer saves a project: with its configuration,
/// whose `post_process` names a script for the slicer to run.
fn box_3mf_with_a_script(script: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mesh = geometry::shapes::cuboid([0.0; 3], [20.0, 20.0, 10.0]);
    let plain = geometry::io::three_mf::write(&mesh, "Bracket").unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(entry.name().unwrap().to_string(), options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.start_file("Metadata/Slic3r_PE.config", options).unwrap();
    write!(out, "; generated by PrusaSlicer 2.5.0\n; layer_height = 0.2\n; post_process = {script}\n")
        .unwrap();
    out.finish().unwrap().into_inner()
}

/// "Open in slicer" opens a mesh the site wrote, never the student's file
/// with its settings; the handler on the staff computer asks first, and
/// each opening and refusal lands in the job's event log.
pub async fn the_slicer_opens_our_mesh_and_every_opening_is_logged(kind: Kind) {
    with_app(kind, move |app| async move {
        let script = app.dir.path().join("pwned.sh");
        let sent = box_3mf_with_a_script(&script.display().to_string());
        let reply = submit(&app, &fields(), ("Bracket.3mf", &sent)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_string();
        let cookie = staff_cookie(&app).await;
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        let link = page["slicer_link"].as_str().unwrap().to_string();
        let path = memoreez::lab::open_in_slicer::parse(&link).unwrap();
        assert!(path.ends_with(".mesh.stl") && link.contains("&job=") && link.contains("&sig="), "{link}");
        // What it opens is our binary STL of the same solid, with nothing else in it.
        let files = app.dir.path().join("files");
        let opened_file = std::fs::read(files.join(&path)).unwrap();
        let mesh = geometry::io::read(geometry::io::Format::Stl, &opened_file, &geometry::Limits::default())
            .unwrap();
        assert_eq!(mesh.triangles.len(), 12);
        assert!(!String::from_utf8_lossy(&opened_file).contains("post_process"));
        // The file as sent stays, as a download.
        assert_eq!(page["files"][0]["label"], "Model as sent (Bracket.3mf)");
        let download = app.get(page["files"][0]["url"].as_str().unwrap(), None).await;
        assert_eq!(download.body, sent);

        let addr = app.listen().await;
        let marker = app.dir.path().join("slicer-was-asked.txt");
        let slicer = app.dir.path().join("slicer.sh");
        std::fs::write(&slicer, format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", marker.display())).unwrap();
        std::fs::set_permissions(&slicer, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let run = |link: String, answer: &'static str| {
            let (files, slicer, dir) = (files.clone(), slicer.clone(), app.dir.path().to_path_buf());
            tokio::task::spawn_blocking(move || open_in_slicer(&dir, &files, &slicer, addr, &link, answer))
        };
        let logged = |page: &Value, kind: &str| {
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["kind"] == kind)
                .cloned()
                .collect::<Vec<_>>()
        };

        let (code, stderr) = run(link.clone(), "n\n").await.unwrap();
        assert_eq!(code, 2, "{stderr}");
        assert!(!marker.exists(), "no means the slicer is not started");
        let (code, stderr) = run(link.clone(), "y\n").await.unwrap();
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        for _ in 0..100 {
            if marker.exists() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(std::fs::read_to_string(&marker).unwrap().ends_with(".mesh.stl"));
        assert!(!script.exists());

        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        let refused = logged(&page, "slicer_refused");
        let opened = logged(&page, "slicer_opened");
        assert_eq!((refused.len(), opened.len()), (1, 1), "{page}");
        assert!(refused[0]["details"].as_str().unwrap().contains("said no"), "{refused:?}");
        assert!(opened[0]["details"].as_str().unwrap().starts_with("Opened "), "{opened:?}");
        // Reported by a staff computer, not by a signed-in member of staff.
        assert_eq!(opened[0]["actor"], "staff computer");

        // A link the site did not sign opens nothing, even when the person
        // says yes, and is not written into any log.
        std::fs::remove_file(&marker).unwrap();
        let forged = link.replace("&sig=", "&sig=x");
        let (code, stderr) = run(forged, "y\n").await.unwrap();
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("did not recognise the link"), "{stderr}");
        // Nor does a link the site signed for a file staff never open (the
        // student's own 3MF, with its script), whoever signed it.
        let folder_file = path.rsplit_once('/').unwrap().0.to_string() + "/Bracket.3mf";
        let raw = memoreez::lab::open_in_slicer::job_link(&app.state.lab(), &id, &folder_file);
        let (code, stderr) = run(raw.clone(), "y\n").await.unwrap();
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("not a file the staff pages open"), "{stderr}");
        let check = app.post_json("/api/lab/slicer-links/check", &json!({ "link": raw }).to_string(), None).await;
        assert_eq!(check.status, StatusCode::NOT_FOUND);
        let check = app.post_json("/api/lab/slicer-links/check", &json!({ "link": link }).to_string(), None).await;
        assert_eq!(check.status, StatusCode::NO_CONTENT);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!marker.exists(), "the slicer was never started");
        assert!(!script.exists());
        // A report names a reason from a fixed list: free text is not logged.
        let opening = json!({ "link": link, "opened": false, "reason": "<b>approved by staff</b>", "computer": "<i>x</i> y" });
        let reported = app.post_json("/api/lab/slicer-openings", &opening.to_string(), None).await;
        assert_eq!(reported.status, StatusCode::NO_CONTENT);
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        let refusals = logged(&page, "slicer_refused");
        assert_eq!(refusals.len(), 2, "{page}");
        let said = refusals.iter().map(|e| e["details"].as_str().unwrap()).collect::<Vec<_>>().join(" | ");
        assert!(!said.contains("approved") && !said.contains('<'), "{said}");
        assert!(said.contains("the computer refused the link") && said.contains("on ixiy:"), "{said}");
    })
    .await;
}

/// `memoreez open-in-slicer LINK` as the desktop runs it, with `answer`
/// typed at its question; (exit code, standard error).
fn open_in_slicer(
    dir: &std::path::Path,
    files: &std::path::Path,
    slicer: &std::path::Path,
    site: std::net::SocketAddr,
    link: &str,
    answer: &str,
) -> (i32, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_memoreez"))
        .current_dir(dir)
        .env("MEMOREEZ_FILES_DIR", files)
        .env("MEMOREEZ_DESKTOP_SLICER", slicer)
        .env("MEMOREEZ_PUBLIC_URL", format!("http://{site}"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["open-in-slicer", link])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(answer.as_bytes());
    let output = child.wait_with_output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Two staff (or two tabs) press the same button at once: one step is
/// taken, the other is told it no longer applies; neither meets a database
/// error (on SQLite a read-then-write transaction must take the write lock
/// first, or the second writer fails outright).
pub async fn the_same_step_pressed_at_once_is_taken_once(kind: Kind) {
    with_app(kind, move |app| async move {
        let (id, _) = submitted(&app).await;
        let cookie = staff_cookie(&app).await;
        let form = format!("id={id}&action=approve&weight_g=42&print_hours=2.2");
        let replies = futures_util::future::join_all((0..6).map(|_| act(&app, &cookie, &form))).await;
        let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(
            statuses.iter().all(|s| *s < 500),
            "{statuses:?}: {:?}",
            replies.iter().map(|r| r.text()).collect::<Vec<_>>()
        );
        let page = call(&app, "staff_job", &format!("id={id}"), Some(&cookie), None).await.json();
        let approvals = page["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "approved").count();
        assert_eq!(approvals, 1, "{page}");
    })
    .await;
}

pub async fn a_student_whose_link_ran_out_gets_a_fresh_one(kind: Kind) {
    with_app(kind, move |app| async move {
        let (id, view_token) = submitted(&app).await;
        let cookie = staff_cookie(&app).await;
        act(&app, &cookie, &format!("id={id}&action=approve&weight_g=42&print_hours=2.2")).await;
        let approvals = || async {
            sqlx::query_scalar::<_, String>(
                "SELECT text_body FROM outbox WHERE kind = 'lab_approved' ORDER BY created_at",
            )
            .fetch_all(app.state.db.pool())
            .await
            .unwrap()
        };
        let first = link_token(&plain(&approvals().await[0]), &id);
        // The approval's link runs out before Ada accepts.
        sqlx::query("UPDATE student_links SET expires_at = 1 WHERE job_id = $1 AND can_confirm = 1")
            .bind(&id)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let late = app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={first}"), "", None).await;
        assert_eq!(late.status, StatusCode::NOT_FOUND, "an expired link accepts nothing");
        // It still shows her job, which offers a fresh link.
        let view = call(&app, "lab_job", &format!("id={id}&t={first}"), None, None).await.json();
        assert_eq!(
            (view["can_confirm"].as_bool(), view["can_ask_fresh_link"].as_bool()),
            (Some(false), Some(true))
        );
        let asked = call(&app, "fresh_lab_link", &format!("id={id}&t={first}"), None, None).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
        let again = call(&app, "fresh_lab_link", &format!("id={id}&t={view_token}"), None, None).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "one fresh link per ten minutes: {}", again.text());

        let mails = approvals().await;
        assert_eq!(mails.len(), 2);
        let fresh = plain(&mails[1]);
        assert!(fresh.contains("42.0 g, 2.5 h"), "the same approval: {fresh}");
        let token = link_token(&fresh, &id);
        let accepted = app.post_json(&format!("/api/lab/jobs/{id}/confirm?t={token}"), "", None).await;
        assert_eq!(accepted.json()["status"], "ReadyToPrint", "{}", accepted.text());
        let done = call(&app, "fresh_lab_link", &format!("id={id}&t={token}"), None, None).await;
        assert_eq!(done.status, StatusCode::CONFLICT, "nothing to accept any more");
    })
    .await;
}

/// `POST /api/lab/estimate`: the instant estimate before submitting, priced
/// by the lab's book for the copies asked, with plain warnings; bad input
/// is a 422 naming the field, and nothing is kept.
pub async fn a_student_sees_the_estimate_before_submitting(kind: Kind) {
    with_app(kind, |app| async move {
        let stl = box_stl();
        let estimate = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
            let app = &app;
            async move {
                let parts: Vec<(&str, Option<&str>, &[u8])> =
                    parts.iter().map(|(name, file, bytes)| (*name, *file, bytes.as_slice())).collect();
                app.post_multipart("/api/lab/estimate", &parts).await
            }
        };
        let one =
            estimate(vec![("file", Some("box.stl"), stl.clone()), ("method", None, b"filament".to_vec())])
                .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text());
        let one = one.json();
        let grams = one["weight_g"].as_f64().unwrap();
        assert!(grams > 2.0 && grams < 5.0, "a 20 × 20 × 10 mm box: {one}");
        assert_eq!(
            (one["copies"].as_u64(), one["price_cents"].as_u64()),
            (Some(1), Some(300)),
            "the lab's minimum"
        );
        assert_eq!(one["size_mm"], json!([20.0, 20.0, 10.0]));
        assert!(one["fits"].is_null(), "the lab lists no printers yet: {one}");
        assert_eq!(one["warnings"], json!([]), "{one}");

        // Twenty copies: twenty times the plastic and the time, priced by the gram.
        let many = estimate(vec![
            ("file", Some("box.stl"), stl.clone()),
            ("method", None, b"filament".to_vec()),
            ("copies", None, b"20".to_vec()),
        ])
        .await
        .json();
        assert!((many["weight_g"].as_f64().unwrap() - 20.0 * grams).abs() < 1e-6, "{many}");
        let hours = one["print_hours"].as_f64().unwrap();
        assert!((many["print_hours"].as_f64().unwrap() - 20.0 * hours).abs() < 1e-6, "{many}");
        // $0.10 a gram: cents = grams × 10, rounded.
        assert_eq!(many["price_cents"].as_u64().unwrap(), (20.0 * grams * 10.0).round() as u64, "{many}");

        // With a printer in the lab: too big for it, and walls too thin, said plainly.
        let ender = memoreez::printers::store::NewPrinter {
            name: "Ender".into(),
            method: app::lab::PrintMethod::Filament,
            build_mm: [220.0, 220.0, 250.0],
            material: "PLA".into(),
            colour: "Black".into(),
            connection: memoreez::printers::store::Connection::Manual,
        };
        memoreez::printers::store::add(&app.state.db, &super::staff::staff_session(&app).await, ender)
            .await
            .unwrap();
        let plate = geometry::io::stl::write_binary(&geometry::shapes::cuboid([0.0; 3], [300.0, 30.0, 0.5]));
        let big =
            estimate(vec![("file", Some("plate.stl"), plate), ("method", None, b"filament".to_vec())]).await;
        assert_eq!(big.status, StatusCode::OK, "{}", big.text());
        let big = big.json();
        assert_eq!(big["fits"], false, "{big}");
        let warnings = big["warnings"].to_string();
        assert!(warnings.contains("too big for every Filament"), "{warnings}");
        assert!(warnings.contains("thinner than 0.8 mm"), "{warnings}");
        let small =
            estimate(vec![("file", Some("box.stl"), stl.clone()), ("method", None, b"filament".to_vec())])
                .await;
        assert_eq!(small.json()["fits"], true);
        // A pyramid standing on its point: its sides overhang, so it needs supports.
        let point_down = geometry::Mesh {
            vertices: vec![
                [15.0, 15.0, 0.0],
                [0.0, 0.0, 10.0],
                [30.0, 0.0, 10.0],
                [30.0, 30.0, 10.0],
                [0.0, 30.0, 10.0],
            ],
            triangles: vec![[1, 2, 3], [1, 3, 4], [0, 2, 1], [0, 3, 2], [0, 4, 3], [0, 1, 4]],
        };
        let pyramid = geometry::io::stl::write_binary(&point_down);
        let hanging =
            estimate(vec![("file", Some("pyramid.stl"), pyramid), ("method", None, b"filament".to_vec())])
                .await;
        assert_eq!(hanging.status, StatusCode::OK, "{}", hanging.text());
        let hanging = hanging.json();
        assert!(hanging["support_g"].as_f64().unwrap() > 0.5, "{hanging}");
        assert!(hanging["warnings"].to_string().contains("It needs supports"), "{hanging}");

        // Refused with the field named; nothing is kept.
        let jobs_before = app.count("print_jobs").await;
        for (parts, field) in [
            (
                vec![
                    ("file", Some("box.stl"), stl.clone()),
                    ("method", None, b"filament".to_vec()),
                    ("copies", None, b"0".to_vec()),
                ],
                "copies",
            ),
            (
                vec![
                    ("file", Some("box.stl"), stl.clone()),
                    ("method", None, b"filament".to_vec()),
                    ("copies", None, b"500".to_vec()),
                ],
                "copies",
            ),
            (vec![("file", Some("box.stl"), stl.clone()), ("method", None, b"clay".to_vec())], "method"),
            (vec![("file", Some("box.stl"), stl.clone())], "method"),
            (
                vec![
                    ("file", Some("notes.stl"), b"not a model".to_vec()),
                    ("method", None, b"filament".to_vec()),
                ],
                "file",
            ),
            (
                vec![
                    ("file", Some("box.stl"), stl.clone()),
                    ("method", None, b"filament".to_vec()),
                    ("colour", None, b"red".to_vec()),
                ],
                "form",
            ),
        ] {
            let refused = estimate(parts).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", refused.text());
            assert!(
                refused.text().contains(&format!("\"field\":\"{field}\"")),
                "{field}: {}",
                refused.text()
            );
        }
        assert_eq!(app.count("print_jobs").await, jobs_before);
    })
    .await;
}

/// Copies: asked on the form (1 to 20), kept with the job and shown to
/// staff and the student; sliced here as one plate of all of them, whose
/// grams and hours (about three times one copy's) become the job's, its
/// price, and its time in the queue's plan; the G-code a printer is sent
/// prints every copy.
pub async fn a_student_asks_for_copies_and_every_figure_counts_them(kind: Kind) {
    use memoreez::lab::sliced;
    use memoreez::printers::store::{self, Connection, NewPrinter};
    with_app(kind, move |app| async move {
        let stl = box_stl();
        let asking = |copies: &'static str| {
            let mut asked = fields();
            asked.push(("copies", copies));
            asked
        };
        // None, too many, not a number: refused by name, nothing kept.
        for copies in ["0", "500", "two"] {
            let reply = submit(&app, &asking(copies), ("a.stl", &stl)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{copies}: {}", reply.text());
            let body = reply.json();
            assert_eq!(body["field"], "copies", "{body}");
            assert!(body["error"].as_str().unwrap().contains("1 to 20 copies"), "{body}");
        }
        assert_eq!(app.count("print_jobs").await, 0);
        assert!(folders(&app).is_empty(), "{:?}", folders(&app));

        let (one, _) = submitted(&app).await;
        let reply = submit(&app, &asking("3"), ("Bracket v2.stl", &stl)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        let three = reply.json()["id"].as_str().unwrap().to_string();
        let token = reply.json()["url"].as_str().unwrap().split_once("?t=").unwrap().1.to_string();

        // Sliced here: one plate of three boxes, three times the plastic.
        let staff = super::staff::staff_session(&app).await;
        let single = sliced::slice(&app.state.lab(), &staff, &one).await.unwrap_or_else(|e| panic!("{e}"));
        let plate = sliced::slice(&app.state.lab(), &staff, &three).await.unwrap_or_else(|e| panic!("{e}"));
        let (g, h) = (plate.weight_g.unwrap(), plate.print_hours.unwrap());
        let grams_ratio = g / single.weight_g.unwrap();
        assert!((2.7..3.3).contains(&grams_ratio), "{single:?} × 3 ≈ {plate:?}");
        let hours_ratio = h / single.print_hours.unwrap();
        assert!((2.0..3.5).contains(&hours_ratio), "{single:?} × 3 ≈ {plate:?}");
        let folder = format!("Uploaded/AdaLovelace_Filament_Red_{three}");
        let gcode = std::fs::read_to_string(
            app.dir
                .path()
                .join("files/lab")
                .join(&folder)
                .join(format!("AdaLovelace_Filament_Red_{three}.sliced.gcode")),
        )
        .unwrap();
        assert_eq!(objects_printed(&gcode), 3, "the G-code prints every copy");

        // Staff see the copies and approve all of them: the price is the
        // lab's for every gram.
        let cookie = staff_cookie(&app).await;
        let page = call(&app, "staff_job", &format!("id={three}"), Some(&cookie), None).await.json();
        assert_eq!((page["card"]["copies"].as_u64(), page["card"]["weight_g"].as_f64()), (Some(3), Some(g)));
        let approved =
            act(&app, &cookie, &format!("id={three}&action=approve&weight_g={g}&print_hours={h}")).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
        let (price, hours): (i64, f64) =
            sqlx::query_as("SELECT price_cents, print_hours FROM print_jobs WHERE id = $1")
                .bind(&three)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        let book = app.state.config.lab.price(slicing::material::Material::Pla, g);
        assert_eq!(price, book.total_cents as i64);
        assert!(hours >= h, "the quoted time is every copy's, rounded up: {hours} ≥ {h}");

        // The student sees three copies, in the page, the log and the email.
        let student = app.get(&format!("/api/lab/jobs/{three}?t={token}"), None).await.json();
        assert_eq!(student["copies"], 3, "{student}");
        assert!(student["events"][0]["details"].as_str().unwrap().contains("3 copies"), "{student}");
        let received = mail_about(&app, "lab_received", &three).await;
        assert!(plain(&received).contains("3 copies"), "{received}");

        // Accepted, it is planned for all its hours on a printer that fits.
        let approval = mail_about(&app, "lab_approved", &three).await;
        let confirm = link_token(&plain(&approval), &three);
        let confirmed = app.post_json(&format!("/api/lab/jobs/{three}/confirm?t={confirm}"), "", None).await;
        assert_eq!(confirmed.json()["status"], "ReadyToPrint", "{}", confirmed.text());
        let ender = NewPrinter {
            name: "Ender".into(),
            method: app::lab::PrintMethod::Filament,
            build_mm: [220.0, 220.0, 250.0],
            material: "PLA".into(),
            colour: "Red".into(),
            connection: Connection::Manual,
        };
        store::add(&app.state.db, &staff, ender).await.unwrap();
        let plan = memoreez::printers::eta::queue_plan(&app.state.lab()).await.unwrap();
        let (_, eta) = plan.of(&three).unwrap();
        assert_eq!(eta.ready_ms.unwrap() - eta.start_ms.unwrap(), (hours * 3600.0) as i64 * 1000);
    })
    .await;
}

/// How many objects a PrusaSlicer G-code prints (its object labels).
fn objects_printed(gcode: &str) -> usize {
    let mut names: Vec<&str> =
        gcode.lines().filter_map(|line| line.strip_prefix("; printing object ")).map(str::trim).collect();
    names.sort();
    names.dedup();
    names.len()
}

/// The text of the one `kind` email about job `id` waiting in the outbox.
async fn mail_about(app: &TestApp, kind: &str, id: &str) -> String {
    sqlx::query_scalar("SELECT text_body FROM outbox WHERE kind = $1 AND text_body LIKE $2")
        .bind(kind)
        .bind(format!("%{id}%"))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}
